// Command mutex is test/bench/mutex.c with goroutines: T goroutines (1, 2, 4, 8)
// each add K to one counter under one sync.Mutex, timed from a common start to
// the last one's end, per increment; and Lock+Unlock pairs in one goroutine with
// nobody else around. Prints "name: value unit" lines for scripts/bench.
// Usage: mutex [SCALE]  (SCALE multiplies the iteration counts, default 1).
package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"goshimbench/internal/benchutil"
)

// Same counts as mutex.c, so both sides do the same work.
const (
	contendedOps   = 20000000 // increments per T, split among the goroutines
	uncontendedOps = 40000000
)

var (
	mu      sync.Mutex
	counter int // mu
)

func add(k int) {
	for i := 0; i < k; i++ {
		mu.Lock()
		counter++
		mu.Unlock()
	}
}

// contended runs n goroutines of k increments each; returns ns per increment.
func contended(n, k int) float64 {
	var ready, done sync.WaitGroup
	startLine := make(chan struct{})
	counter = 0
	ready.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			ready.Done()
			<-startLine
			add(k)
			done.Done()
		}()
	}
	ready.Wait()
	start := time.Now()
	close(startLine)
	done.Wait()
	ns := float64(time.Since(start).Nanoseconds()) / float64(n*k)
	if counter != n*k {
		fmt.Fprintf(os.Stderr, "mutex: counter %d, want %d\n", counter, n*k)
		os.Exit(1)
	}
	return ns
}

// uncontended returns ns per Lock+Unlock pair in this goroutine alone.
func uncontended(k int) float64 {
	counter = 0
	start := time.Now()
	add(k)
	return float64(time.Since(start).Nanoseconds()) / float64(k)
}

func main() {
	scale := benchutil.Scale("mutex")
	uncontended(100000) // warm up
	for _, n := range []int{1, 2, 4, 8} {
		k := benchutil.Scaled(contendedOps, scale) / n
		if k < 1 {
			k = 1
		}
		fmt.Printf("mutex_T%d: %.1f ns\n", n, contended(n, k))
	}
	fmt.Printf("mutex_uncontended: %.1f ns\n", uncontended(benchutil.Scaled(uncontendedOps, scale)))
}
