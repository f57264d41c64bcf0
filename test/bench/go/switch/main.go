// Command switch is test/bench/switch.c with goroutines: two goroutines take
// turns on an atomic turn variable, each waiting for its turn with
// "for turn != me { runtime.Gosched() }" and then handing the turn to the
// other. Prints "name: value unit" lines for scripts/bench.
// Usage: switch [SCALE]  (SCALE multiplies the iteration counts, default 1).
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"goshimbench/internal/benchutil"
)

// Same counts as switch.c, so both sides do the same work.
const (
	rounds       = 1000000
	warmupRounds = 20000
)

var turn int32 // whose turn it is, 0 or 1

// play takes n turns: yield until mine, hand it to the other player.
func play(me int32, n int) {
	for i := 0; i < n; i++ {
		for atomic.LoadInt32(&turn) != me {
			runtime.Gosched()
		}
		atomic.StoreInt32(&turn, 1-me)
	}
}

// run takes n turns per player; returns ns per switch (turn hand-off).
func run(n int) float64 {
	var wg sync.WaitGroup
	atomic.StoreInt32(&turn, 0)
	start := time.Now()
	wg.Add(1)
	go func() {
		play(1, n)
		wg.Done()
	}()
	play(0, n)
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / (2 * float64(n))
}

func main() {
	scale := benchutil.Scale("switch")
	run(warmupRounds)
	fmt.Printf("yield_switch: %.1f ns\n", run(benchutil.Scaled(rounds, scale)))
}
