// Command spawn is test/bench/spawn.c with goroutines: start+wait for one
// goroutine at a time, and start 10,000 goroutines before waiting for them
// all. Prints "name: value unit" lines for scripts/bench.
// Usage: spawn [SCALE]  (SCALE multiplies the iteration counts, default 1).
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"time"
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

func scaled(n int, scale float64) int {
	v := int(math.Round(float64(n) * scale))
	if v < 1 {
		return 1
	}
	return v
}

func main() {
	scale := 1.0
	if len(os.Args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: spawn [SCALE]")
		os.Exit(2)
	}
	if len(os.Args) == 2 {
		var err error
		scale, err = strconv.ParseFloat(os.Args[1], 64)
		if err != nil || !(scale > 0) {
			fmt.Fprintln(os.Stderr, "usage: spawn [SCALE]")
			os.Exit(2)
		}
	}
	spawnJoinOne(100) // warm up
	fmt.Printf("spawn_join_one: %.1f ns\n", spawnJoinOne(scaled(joinOneIters, scale)))
	fmt.Printf("spawn_10k_then_join: %.1f ns\n", spawnManyThenJoin(scaled(manyRounds, scale)))
}
