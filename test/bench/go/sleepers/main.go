// Command sleepers is test/bench/sleepers.c with goroutines: start 10,000
// goroutines that each sleep 1 s in time.Sleep, then wait for them all; reports
// the wall time and the peak resident memory (VmHWM) per goroutine. Prints
// "name: value unit" lines for scripts/bench.
// Usage: sleepers [SCALE]  (SCALE multiplies the goroutine count, default 1).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"goshimbench/internal/benchutil"
)

// Same counts as sleepers.c, so both sides do the same work.
const (
	threads = 10000
	sleep   = time.Second
)

// statusKiB returns the value of field (e.g. "VmHWM:") in /proc/self/status, in KiB.
func statusKiB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sleepers:", err)
		os.Exit(1)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == field {
			if v, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				return v
			}
		}
	}
	fmt.Fprintf(os.Stderr, "sleepers: no %s in /proc/self/status\n", field)
	os.Exit(1)
	return 0
}

func main() {
	scale := benchutil.Scale("sleepers")
	n := benchutil.Scaled(threads, scale)
	rssBefore := statusKiB("VmRSS:")
	var wg sync.WaitGroup
	start := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			time.Sleep(sleep)
			wg.Done()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	fmt.Printf("sleepers_10k_wall: %.1f ms\n", float64(wall.Nanoseconds())/1e6)
	fmt.Printf("sleepers_10k_rss_per_thread: %.2f KiB\n",
		float64(statusKiB("VmHWM:")-rssBefore)/float64(n))
}
