// Command spawn is test/bench/spawn.c with goroutines: start+wait for one
// goroutine at a time, and start 10,000 goroutines before waiting for them
// all. Prints "name: value unit" lines for scripts/bench.
// Usage: spawn [SCALE]  (SCALE multiplies the iteration counts, default 1).
package main

import (
	"fmt"
	"sync"
	"time"

	"goshimbench/internal/benchutil"
)

// Same counts as spawn.c, so both sides do the same work.
const (
	joinOneIters = 10000
	manyThreads  = 10000
	manyRounds   = 2
)

func worker(wg *sync.WaitGroup) {
	wg.Done()
}

func spawnJoinOne(iters int) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < iters; i++ {
		wg.Add(1)
		go worker(&wg)
		wg.Wait()
	}
	return float64(time.Since(start).Nanoseconds()) / float64(iters)
}

func spawnManyThenJoin(rounds int) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for r := 0; r < rounds; r++ {
		wg.Add(manyThreads)
		for i := 0; i < manyThreads; i++ {
			go worker(&wg)
		}
		wg.Wait()
	}
	return float64(time.Since(start).Nanoseconds()) / float64(rounds*manyThreads)
}

func main() {
	scale := benchutil.Scale("spawn")
	spawnJoinOne(100) // warm up
	fmt.Printf("spawn_join_one: %.1f ns\n", spawnJoinOne(benchutil.Scaled(joinOneIters, scale)))
	fmt.Printf("spawn_10k_then_join: %.1f ns\n", spawnManyThenJoin(benchutil.Scaled(manyRounds, scale)))
}
