package benchutil

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// StatusKiB returns field (e.g. "VmHWM:") of /proc/self/status, in KiB, exiting on failure.
func StatusKiB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			if v, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				return v
			}
		}
	}
	fmt.Fprintf(os.Stderr, "no %s in /proc/self/status\n", field)
	os.Exit(1)
	return 0
}

// RaiseNofile raises the soft RLIMIT_NOFILE to the hard limit, as the C programs do.
func RaiseNofile() {
	var rl syscall.Rlimit
	err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	if err == nil {
		rl.Cur = rl.Max
		err = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "RLIMIT_NOFILE:", err)
		os.Exit(1)
	}
}

// ErrTimeout is what Child.Line returns when its deadline passes first.
var ErrTimeout = errors.New("timed out")

// Child is a child process, as in test/bench/bench.h: its stdout is read line by line,
// its stderr is copied to ours and its last line kept to explain a failure.
type Child struct {
	cmd   *exec.Cmd
	lines chan string // closed at the end of its stdout
	tail  *tailWriter
	ended bool
	err   error
}

// StartChild runs path with args. Native drops LD_PRELOAD from its environment (it then
// runs without goshim); otherwise it inherits ours.
func StartChild(path string, args []string, native bool) *Child {
	c := &Child{cmd: exec.Command(path, args...), lines: make(chan string, 16), tail: &tailWriter{}}
	for _, e := range os.Environ() {
		if !native || !strings.HasPrefix(e, "LD_PRELOAD=") {
			c.cmd.Env = append(c.cmd.Env, e)
		}
	}
	c.cmd.Stderr = c.tail
	out, err := c.cmd.StdoutPipe()
	if err == nil {
		err = c.cmd.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: child:", err)
		os.Exit(1)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// Line returns the child's next stdout line, io.EOF at its end, or ErrTimeout.
func (c *Child) Line(deadline time.Time) (string, error) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case line, ok := <-c.lines:
		if !ok {
			return "", io.EOF
		}
		return line, nil
	case <-t.C:
		return "", ErrTimeout
	}
}

// End waits until deadline for the child to close its stdout and exit, kills it then, and
// reaps it. It returns nil if it exited with status 0, or what ended it. Its remaining
// stdout is discarded. Once reaped, it returns the same answer.
func (c *Child) End(deadline time.Time) error {
	if c.ended {
		return c.err
	}
	c.ended = true
	late := false
	for !late {
		if _, err := c.Line(deadline); err == io.EOF {
			break
		} else if err == ErrTimeout {
			late = true
		}
	}
	if late {
		c.cmd.Process.Kill()
	}
	err := c.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case late:
		c.err = ErrTimeout
	case err == nil:
		return nil
	case errors.As(err, &ee):
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			c.err = fmt.Errorf("killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
		} else {
			c.err = fmt.Errorf("exit status %d", ws.ExitStatus())
		}
	default:
		c.err = err
	}
	if last := c.tail.last(); last != "" {
		c.err = fmt.Errorf("%v: %s", c.err, last)
	}
	return c.err
}

// tailWriter copies to os.Stderr and keeps the last non-empty line.
type tailWriter struct {
	mu        sync.Mutex
	cur, prev []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	os.Stderr.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range p {
		if b != '\n' {
			if len(w.cur) < 255 {
				w.cur = append(w.cur, b)
			}
			continue
		}
		if len(w.cur) > 0 {
			w.prev = append(w.prev[:0], w.cur...)
		}
		w.cur = w.cur[:0]
	}
	return len(p), nil
}

func (w *tailWriter) last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.prev)
}
