// Command echo is test/bench/echo.c's server in Go: a TCP echo server on loopback with a
// goroutine per connection (net.Listen, Accept, io.ReadFull and Write of 64-byte
// messages until EOF), under C = 100, 1,000 and 10,000 concurrent connections. As in
// echo.c, each C runs a fresh server (this program with --server C) and the load
// generator is echo.c's own (its --client mode, always native): the program "echo" in the
// directory of this one, where scripts/bench builds it, or $ECHO_LOADGEN. The load is
// then the same as for the C server, and the RSS is the Go server's alone. See echo.c for
// the protocol between the three processes.
// Prints: echo_C100, echo_C1000, echo_C10000 (req/s), echo_C10000_rss (KiB/conn).
// Usage: "echo [SCALE]" (SCALE multiplies the measured time, default 1), or "echo
// --server C" for the server alone.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"goshimbench/internal/benchutil"
)

// Same as echo.c, so both sides do the same work.
const (
	msg      = 64
	windowMs = 1000
	setup    = 60 * time.Second
	drain    = 20 * time.Second
	rssConns = 10000
)

var conns = []int{100, 1000, 10000}

func fail(what string, err error) {
	fmt.Printf("FAIL %s: %v\n", what, err)
	os.Exit(0)
}

func serve(c net.Conn, wg *sync.WaitGroup) {
	defer wg.Done()
	defer c.Close()
	buf := make([]byte, msg)
	for {
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

func server(c int) {
	benchutil.RaiseNofile()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen", err)
	}
	rssBefore := benchutil.StatusKiB("VmRSS:")
	fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		conn, err := ln.Accept()
		if err != nil {
			fail("accept", err)
		}
		wg.Add(1)
		go serve(conn, &wg)
	}
	wg.Wait()
	fmt.Printf("rss_kib %d\n", benchutil.StatusKiB("VmHWM:")-rssBefore)
}

// result reads the next line of a server or client: the value after want, or the reason
// (and timedOut if the deadline passed first).
func result(ch *benchutil.Child, want string, deadline time.Time) (v float64, why string, timedOut bool) {
	line, err := ch.Line(deadline)
	switch {
	case err == benchutil.ErrTimeout:
		return 0, "timed out", true
	case err != nil:
		if err := ch.End(deadline); err != nil {
			return 0, err.Error(), false
		}
		return 0, "no output", false
	case strings.HasPrefix(line, want+" "):
		v, err := strconv.ParseFloat(line[len(want)+1:], 64)
		if err == nil {
			return v, "", false
		}
	case strings.HasPrefix(line, "FAIL "):
		return 0, line[5:], false
	}
	return 0, "unexpected output: " + line, false
}

// driveCase runs one C; as in echo.c, the server's reason for a failure wins over the
// load generator's.
func driveCase(self, loadgen string, c, ms int) {
	deadline := time.Now().Add(setup + drain + time.Duration(ms)*time.Millisecond)
	srv := benchutil.StartChild(self, []string{"--server", strconv.Itoa(c)}, false)
	var rps, rss float64
	port, why, _ := result(srv, "port", deadline)
	if why == "" {
		cli := benchutil.StartChild(loadgen,
			[]string{"--client", strconv.Itoa(int(port)), strconv.Itoa(c), strconv.Itoa(ms)}, true)
		rps, why, _ = result(cli, "req_per_s", deadline)
		if err := cli.End(deadline); err != nil && why == "" {
			why = "load generator: " + err.Error()
		}
		if why == "" {
			if rss, why, _ = result(srv, "rss_kib", deadline); why != "" {
				why = "server: " + why
			}
		} else if _, swhy, late := result(srv, "rss_kib", time.Now().Add(2*time.Second)); swhy != "" && !late {
			why = "server: " + swhy
		}
	}
	end := deadline
	if why != "" {
		end = time.Now()
	}
	if err := srv.End(end); err != nil && why == "" {
		why = "server: " + err.Error()
	}
	if why == "" {
		fmt.Printf("echo_C%d: %.0f req/s\n", c, rps)
		if c == rssConns {
			fmt.Printf("echo_C%d_rss: %.2f KiB/conn\n", c, rss/float64(c))
		}
		return
	}
	fmt.Printf("echo_C%d: FAIL %s\n", c, why)
	if c == rssConns {
		fmt.Printf("echo_C%d_rss: FAIL %s\n", c, why)
	}
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "--server" {
		c, _ := strconv.Atoi(os.Args[2])
		server(c)
		return
	}
	scale := benchutil.Scale("echo")
	benchutil.RaiseNofile()
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
	loadgen := os.Getenv("ECHO_LOADGEN")
	if loadgen == "" {
		loadgen = filepath.Join(filepath.Dir(self), "echo")
	}
	if _, err := os.Stat(loadgen); err != nil {
		for _, c := range conns {
			fmt.Printf("echo_C%d: FAIL no load generator: %v\n", c, err)
		}
		fmt.Printf("echo_C%d_rss: FAIL no load generator: %v\n", rssConns, err)
		return
	}
	for _, c := range conns {
		driveCase(self, loadgen, c, benchutil.Scaled(windowMs, scale))
	}
}
