// Command pipe is test/bench/pipe.c with goroutines: two goroutines bounce one
// byte back and forth over a pair of os.Pipe pipes, each blocking in Read until
// the other writes. Prints "name: value unit" lines for scripts/bench.
// Usage: pipe [SCALE]  (SCALE multiplies the iteration counts, default 1).
package main

import (
	"fmt"
	"os"
	"time"

	"goshimbench/internal/benchutil"
)

// Same counts as pipe.c, so both sides do the same work.
const (
	rounds       = 10000
	warmupRounds = 2000
)

var pingR, pingW, pongR, pongW *os.File // main -> echoer, echoer -> main

func put(f *os.File, buf []byte) {
	if n, err := f.Write(buf); n != 1 {
		fmt.Fprintln(os.Stderr, "pipe: write:", err)
		os.Exit(1)
	}
}

func get(f *os.File, buf []byte) {
	if n, err := f.Read(buf); n != 1 {
		fmt.Fprintln(os.Stderr, "pipe: read:", err)
		os.Exit(1)
	}
}

// pingpong runs n round trips; returns ns per round trip.
func pingpong(n int) float64 {
	done := make(chan struct{})
	start := time.Now()
	go func() {
		buf := make([]byte, 1)
		for i := 0; i < n; i++ {
			get(pingR, buf)
			put(pongW, buf)
		}
		close(done)
	}()
	buf := []byte{'x'}
	for i := 0; i < n; i++ {
		put(pingW, buf)
		get(pongR, buf)
	}
	<-done
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func main() {
	scale := benchutil.Scale("pipe")
	var err error
	if pingR, pingW, err = os.Pipe(); err == nil {
		pongR, pongW, err = os.Pipe()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipe: pipe:", err)
		os.Exit(1)
	}
	pingpong(warmupRounds)
	fmt.Printf("pipe_pingpong: %.1f ns\n", pingpong(benchutil.Scaled(rounds, scale)))
}
