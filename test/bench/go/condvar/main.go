// Command condvar is test/bench/condvar.c with goroutines: two goroutines take
// turns on a shared turn variable under one sync.Mutex, each waiting for its
// turn with sync.Cond.Wait and signalling the other. Prints "name: value unit"
// lines for scripts/bench.
// Usage: condvar [SCALE]  (SCALE multiplies the iteration counts, default 1).
package main

import (
	"fmt"
	"sync"
	"time"

	"goshimbench/internal/benchutil"
)

// Same counts as condvar.c, so both sides do the same work.
const (
	rounds       = 8000
	warmupRounds = 1000
)

var (
	mu   sync.Mutex
	cv   = sync.NewCond(&mu)
	turn int // mu: whose turn it is, 0 or 1
)

// play takes n turns: wait for mine, hand it to the other player.
func play(me, n int) {
	mu.Lock()
	for i := 0; i < n; i++ {
		for turn != me {
			cv.Wait()
		}
		turn = 1 - me
		cv.Signal()
	}
	mu.Unlock()
}

// pingpong runs n round trips (player 0 -> 1 -> 0); returns ns per round trip.
func pingpong(n int) float64 {
	var wg sync.WaitGroup
	turn = 0
	start := time.Now()
	wg.Add(1)
	go func() {
		play(1, n)
		wg.Done()
	}()
	play(0, n)
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func main() {
	scale := benchutil.Scale("condvar")
	pingpong(warmupRounds)
	fmt.Printf("condvar_pingpong: %.1f ns\n", pingpong(benchutil.Scaled(rounds, scale)))
}
