// Command sleepers is test/bench/sleepers.c with goroutines: N goroutines, all started,
// then all waited for, for N = 10,000, 100,000 and 1,000,000; each sleeps 1 s in
// time.Sleep, then, if main has not yet started all N, waits on a channel until it has,
// so that all N are alive at once. Reports the wall time and the peak resident memory
// (VmHWM at the end minus VmRSS before the first start) per goroutine. As in sleepers.c,
// each N runs in a fresh process (this program with --threads N) with a deadline, and a
// case that dies or outlives it prints "metric: FAIL reason" for both of its metrics.
// Prints: sleepers_10k_wall (ms), sleepers_10k_rss (KiB/thread), the same for 100k and 1M.
// Usage: "sleepers [SCALE]" (the counts are in the metric names, so SCALE does not change
// them; SCALE < 1, as in scripts/bench --quick, skips 1,000,000), or "sleepers --threads
// N" for one case in this process.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"goshimbench/internal/benchutil"
)

// Same cases as sleepers.c, so both sides do the same work.
const sleep = time.Second

var cases = []struct {
	threads    int
	label      string
	minScale1  bool // run only at SCALE >= 1
	timeoutSec int
}{
	{10000, "10k", false, 60},
	{100000, "100k", false, 120},
	{1000000, "1M", true, 300},
}

func runCase(n int, label string) {
	rssBefore := benchutil.StatusKiB("VmRSS:")
	var wg sync.WaitGroup
	allStarted := make(chan struct{})
	start := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			time.Sleep(sleep)
			<-allStarted
			wg.Done()
		}()
	}
	close(allStarted)
	wg.Wait()
	wall := time.Since(start)
	fmt.Printf("sleepers_%s_wall: %.1f ms\n", label, float64(wall.Nanoseconds())/1e6)
	fmt.Printf("sleepers_%s_rss: %.2f KiB/thread\n", label,
		float64(benchutil.StatusKiB("VmHWM:")-rssBefore)/float64(n))
}

// driveCase runs one case in a child and passes its metrics on, or FAIL for both.
func driveCase(self string, threads int, label string, timeout time.Duration) {
	wall, rss := "sleepers_"+label+"_wall:", "sleepers_"+label+"_rss:"
	gotWall, gotRSS := false, false
	deadline := time.Now().Add(timeout)
	c := benchutil.StartChild(self, []string{"--threads", strconv.Itoa(threads)}, false)
	var why string
	for {
		line, err := c.Line(deadline)
		if err == benchutil.ErrTimeout {
			why = fmt.Sprintf("timed out after %d s", int(timeout.Seconds()))
			break
		} else if err != nil {
			break
		}
		switch {
		case strings.HasPrefix(line, wall):
			gotWall = true
		case strings.HasPrefix(line, rss):
			gotRSS = true
		default:
			continue
		}
		fmt.Println(line)
	}
	if err := c.End(deadline); why == "" && err != nil {
		why = err.Error()
	} else if why == "" {
		why = "no output"
	}
	if !gotWall {
		fmt.Println(wall, "FAIL", why)
	}
	if !gotRSS {
		fmt.Println(rss, "FAIL", why)
	}
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "--threads" {
		n, _ := strconv.Atoi(os.Args[2])
		for _, cs := range cases {
			if cs.threads == n {
				runCase(n, cs.label)
				return
			}
		}
		fmt.Fprintln(os.Stderr, "sleepers: --threads: want 10000, 100000 or 1000000")
		os.Exit(2)
	}
	scale := benchutil.Scale("sleepers")
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sleepers:", err)
		os.Exit(1)
	}
	for _, cs := range cases {
		if cs.minScale1 && scale < 1 {
			continue
		}
		driveCase(self, cs.threads, cs.label, time.Duration(cs.timeoutSec)*time.Second)
	}
}
