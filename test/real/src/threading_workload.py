# threading_workload: Python's threads as ordinary programs use them, run by Debian's
# /usr/bin/python3: CPU-bound threads handing the GIL to each other, queue.Queue
# producers and consumers, Lock/RLock, Condition, Event, Semaphore, Barrier,
# threading.local, Timer, excepthook, ThreadPoolExecutor tasks that run subprocesses
# (each child under goshim too: it inherits LD_PRELOAD), sleeps, SIGALRM arriving while
# the main thread waits, and daemon threads still running when the interpreter exits.
# Every line it prints depends only on SCALE, never on scheduling, so a run under goshim
# must print what a native run prints; a failed self-check prints a FAIL line (from any
# thread) and makes the exit status 1. Each part's wall time goes to stderr.
#
# usage: python3 threading_workload.py SCALE   (1: the quick suite's size, 4: the full one's)
import concurrent.futures
import queue
import signal
import subprocess
import sys
import threading
import time

failures = 0
fail_lock = threading.Lock()


def fail(what):
	"""Prints a FAIL line (one write, so lines from threads do not interleave)."""
	global failures
	with fail_lock:
		failures += 1
		print("FAIL " + what, flush=True)


def check(ok, what):
	"""Fails with WHAT unless OK."""
	if not ok:
		fail(what)


def collatz(n):
	"""The per-item CPU work: steps for n to reach 1."""
	steps = 0
	while n > 1:
		n = 3 * n + 1 if n % 2 else n // 2
		steps += 1
	return steps


def collatz_range(lo, hi):
	"""The steps of every number in [lo, hi)."""
	return sum(collatz(i) for i in range(lo, hi))


def sleep_checked(secs, who):
	"""A sleep must never return early: a correctness check, not a timing one."""
	t0 = time.monotonic()
	time.sleep(secs)
	check(time.monotonic() - t0 >= secs, who + ": time.sleep returned early")


def start_all(threads):
	"""Starts THREADS and returns them."""
	for t in threads:
		t.start()
	return threads


def join_all(threads, who):
	"""Joins THREADS, failing (instead of hanging) if one does not end in time."""
	for t in threads:
		t.join(60)
		check(not t.is_alive(), who + ": thread " + t.name + " did not end")


def gil(scale):
	"""CPU-bound threads with a short switch interval: the GIL changes hands often."""
	n, chunks, width = 8, 20, 200 * scale
	ran = []	# thread index per finished chunk: list.append holds the GIL
	part = [0] * n

	def work(i):
		for c in range(chunks):
			lo = (i * chunks + c) * width + 1
			part[i] += collatz_range(lo, lo + width)
			ran.append(i)

	old = sys.getswitchinterval()
	sys.setswitchinterval(0.0002)
	go = threading.Barrier(n)
	join_all(start_all([threading.Thread(target=lambda i=i: (go.wait(), work(i)))
		for i in range(n)]), "gil")
	sys.setswitchinterval(old)
	total = sum(part)
	check(total == collatz_range(1, n * chunks * width + 1), "gil: wrong sum")
	check(len(ran) == n * chunks, "gil: chunks lost")
	# How often the GIL changed hands depends on timing (GOMAXPROCS=1 hands it over at
	# preemptions, 10 ms apart; natively every switch interval): stderr reports it, and
	# only a GIL never handed over between the threads' first and last chunks fails.
	switches = sum(1 for a, b in zip(ran, ran[1:]) if a != b)
	print("gil: %d switches" % switches, file=sys.stderr)
	check(switches >= 1, "gil: the GIL was never handed over")
	print("gil: %d CPU-bound threads, %d chunks, collatz steps %d" % (n, n * chunks, total))


def queues(scale):
	"""queue.Queue: producers and consumers through a small bounded queue."""
	np, nc, per = 4, 4, 2500 * scale
	q = queue.Queue(maxsize=16)
	got = [[] for _ in range(nc)]

	def produce(p):
		for k in range(per):
			q.put(p * per + k)

	def consume(c):
		while True:
			v = q.get()
			q.task_done()
			if v is None:
				return
			got[c].append(v)

	consumers = start_all([threading.Thread(target=consume, args=(c,)) for c in range(nc)])
	join_all(start_all([threading.Thread(target=produce, args=(p,)) for p in range(np)]), "queue")
	q.join()
	for _ in range(nc):
		q.put(None)
	join_all(consumers, "queue")
	items = sorted(v for g in got for v in g)
	check(items == list(range(np * per)), "queue: items lost or duplicated")
	t0 = time.monotonic()
	try:
		q.get(timeout=0.02)
		fail("queue: get from an empty queue returned")
	except queue.Empty:
		check(time.monotonic() - t0 >= 0.02, "queue: get timed out early")
	pq = queue.PriorityQueue()
	join_all(start_all([threading.Thread(target=lambda p=p: [pq.put(k * np + p) for k in range(100)])
		for p in range(np)]), "queue")
	check([pq.get() for _ in range(100 * np)] == list(range(100 * np)), "queue: priority order")
	print("queue: %d producers, %d consumers, %d items, sum %d" % (np, nc, len(items), sum(items)))


def locks(scale):
	"""Lock and RLock: a shared counter, reentrance, timed acquires."""
	n, per = 16, 2000 * scale
	lock, rlock = threading.Lock(), threading.RLock()
	count = [0, 0]

	def inc():
		for _ in range(per):
			with lock:
				count[0] += 1
			with rlock:
				with rlock:
					count[1] += 1

	join_all(start_all([threading.Thread(target=inc) for _ in range(n)]), "locks")
	check(count == [n * per, n * per], "locks: counts %r" % count)
	held, release = threading.Event(), threading.Event()

	def holder():
		with lock:
			held.set()
			release.wait(10)

	t = start_all([threading.Thread(target=holder)])
	held.wait(10)
	t0 = time.monotonic()
	check(not lock.acquire(timeout=0.02), "locks: acquired a held lock")
	check(time.monotonic() - t0 >= 0.02, "locks: timed acquire returned early")
	release.set()
	join_all(t, "locks")
	check(lock.acquire(timeout=5), "locks: could not acquire a released lock")
	lock.release()
	print("locks: %d threads, %d locked increments each" % (n, per))


def conditions(scale):
	"""Condition: two threads taking strict turns, and broadcasts to many waiters."""
	rounds, nw, gens = 1000 * scale, 16, 50
	cv = threading.Condition()
	turn = [0]
	seq = []

	def player(me):
		for _ in range(rounds):
			with cv:
				cv.wait_for(lambda: turn[0] == me)
				seq.append(me)
				turn[0] = 1 - me
				cv.notify()

	join_all(start_all([threading.Thread(target=player, args=(m,)) for m in (0, 1)]), "condition")
	check(seq == [0, 1] * rounds, "condition: turns out of order")
	gen, seen = [0], [0] * nw

	def waiter(i):
		for g in range(1, gens + 1):
			with cv:
				cv.wait_for(lambda: gen[0] >= g)
				seen[i] += 1

	ws = start_all([threading.Thread(target=waiter, args=(i,)) for i in range(nw)])
	for _ in range(gens):
		with cv:
			gen[0] += 1
			cv.notify_all()
		time.sleep(0.0005)
	join_all(ws, "condition")
	check(seen == [gens] * nw, "condition: waiters missed broadcasts")
	with cv:
		t0 = time.monotonic()
		check(not cv.wait(0.02), "condition: wait without notify returned True")
		check(time.monotonic() - t0 >= 0.02, "condition: timed wait returned early")
	print("condition: %d turns each, %d broadcasts to %d waiters" % (rounds, gens, nw))


def events(scale):
	"""Event: a relay where each thread waits for the previous one's event."""
	n, relays = 32, 10 * scale
	for _ in range(relays):
		evs = [threading.Event() for _ in range(n + 1)]
		order = []

		def runner(i):
			evs[i].wait()
			order.append(i)
			evs[i + 1].set()

		ts = start_all([threading.Thread(target=runner, args=(i,)) for i in reversed(range(n))])
		evs[0].set()
		check(evs[n].wait(30), "event: the relay did not finish")
		join_all(ts, "event")
		check(order == list(range(n)), "event: relay out of order")
	print("event: %d relays of %d threads" % (relays, n))


def semaphores(scale):
	"""BoundedSemaphore: never more than its value inside, over-release raises."""
	n, per, limit = 32, 5 * scale, 4
	sem, mu = threading.BoundedSemaphore(limit), threading.Lock()
	inside, most, entries = [0], [0], [0]

	def worker():
		for _ in range(per):
			with sem:
				with mu:
					inside[0] += 1
					entries[0] += 1
					most[0] = max(most[0], inside[0])
				time.sleep(0.0005)
				with mu:
					inside[0] -= 1

	join_all(start_all([threading.Thread(target=worker) for _ in range(n)]), "semaphore")
	check(most[0] <= limit, "semaphore: %d threads inside a semaphore of %d" % (most[0], limit))
	check(entries[0] == n * per, "semaphore: entries lost")
	try:
		sem.release()
		fail("semaphore: over-release did not raise")
	except ValueError:
		pass
	print("semaphore: %d threads, %d entries, at most %d inside" % (n, entries[0], limit))


def barriers(scale):
	"""Barrier: phases where every thread sees every other's write, and a broken barrier."""
	n, phases = 16, 25 * scale
	crossings = [0]
	bar = threading.Barrier(n, action=lambda: crossings.__setitem__(0, crossings[0] + 1))
	slot = [-1] * n
	indices = [set() for _ in range(phases)]

	def worker(i):
		for p in range(phases):
			slot[i] = p
			indices[p].add(bar.wait(30))
			if slot != [p] * n:
				fail("barrier: phase %d: a write is missing" % p)
			bar.wait(30)

	join_all(start_all([threading.Thread(target=worker, args=(i,)) for i in range(n)]), "barrier")
	check(crossings[0] == 2 * phases, "barrier: %d crossings" % crossings[0])
	check(all(s == set(range(n)) for s in indices), "barrier: wait indices not 0..n-1")
	lone = threading.Barrier(2)
	try:
		lone.wait(0.02)
		fail("barrier: a lone wait passed")
	except threading.BrokenBarrierError:
		check(lone.broken, "barrier: not broken after a timeout")
	print("barrier: %d threads, %d phases, %d crossings" % (n, phases, crossings[0]))


class Local(threading.local):
	"""A thread-local whose __init__ runs once in every thread that uses it."""

	def __init__(self):
		self.value = threading.get_ident()
		self.uses = 0


def locals_(scale):
	"""threading.local: each thread keeps its own value across sleeps and tasks."""
	n, tasks = 32, 200 * scale
	data = Local()
	plain = threading.local()

	def own(i):
		plain.v = i
		sleep_checked(0.001, "local")
		check(plain.v == i and data.value == threading.get_ident(), "local: value of another thread")

	join_all(start_all([threading.Thread(target=own, args=(i,)) for i in range(n)]), "local")

	def task(_):
		data.uses += 1
		check(data.value == threading.get_ident(), "local: pool worker sees another's value")
		return threading.get_ident(), data.uses

	with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
		res = list(pool.map(task, range(tasks)))
	last = {}
	for ident, uses in res:
		check(uses > last.get(ident, 0), "local: a worker's count went backwards")
		last[ident] = uses
	check(sum(last.values()) == tasks and len(last) <= 4, "local: uses do not add up")
	check(not hasattr(plain, "v"), "local: the main thread sees a worker's value")
	print("local: %d threads, %d pool tasks" % (n, tasks))


def subprocesses(scale):
	"""ThreadPoolExecutor tasks that run programs and check what they print."""
	n = 24 * scale
	text = "".join("line %d of the input\n" % i for i in range(2000))

	def task(i):
		if i % 3 == 0:
			args, inp, want = ["/bin/echo", "task", str(i)], None, "task %d\n" % i
		elif i % 3 == 1:
			args = [sys.executable, "-c", "import sys; print(sum(range(int(sys.argv[1]))))", str(i)]
			inp, want = None, "%d\n" % sum(range(i))
		else:
			args, inp, want = ["/usr/bin/tr", "a-z", "A-Z"], text, text.upper()
		r = subprocess.run(args, input=inp, capture_output=True, text=True, timeout=60)
		if r.returncode != 0 or r.stdout != want:
			fail("subprocess: task %d: %s: exit %d, %d bytes of output" %
				(i, args[0], r.returncode, len(r.stdout)))
		return len(r.stdout)

	with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
		futures = [pool.submit(task, i) for i in range(n)]
		done, _ = concurrent.futures.wait(futures, timeout=120)
		check(len(done) == n, "subprocess: tasks did not finish")
		total = sum(f.result() for f in futures)
		bad = pool.submit(lambda: 1 // 0)
		check(isinstance(bad.exception(30), ZeroDivisionError), "futures: exception not carried")
		firsts = [pool.submit(collatz_range, k * 100 + 1, k * 100 + 101) for k in range(50)]
		steps = sum(f.result() for f in concurrent.futures.as_completed(firsts, timeout=60))
		check(steps == collatz_range(1, 5001), "futures: wrong as_completed sum")
	print("subprocess: %d programs from 8 pool threads, %d bytes of output; futures steps %d" %
		(n, total, steps))


def sleeps(scale):
	"""time.sleep in many threads, and a Timer: none may return early."""
	n = 64 * scale
	join_all(start_all([threading.Thread(target=sleep_checked, args=(0.002 + (i % 8) * 0.001, "sleep"))
		for i in range(n)]), "sleep")
	fired = threading.Event()
	t0 = time.monotonic()
	timer = threading.Timer(0.02, fired.set)
	timer.start()
	check(fired.wait(10), "sleep: the Timer did not fire")
	check(time.monotonic() - t0 >= 0.02, "sleep: the Timer fired early")
	timer.join()
	cancelled = threading.Timer(0.01, lambda: fail("sleep: a cancelled Timer fired"))
	cancelled.start()
	cancelled.cancel()
	cancelled.join()
	print("sleep: %d sleeping threads, 2 timers" % n)


def exceptions():
	"""An exception ending a thread reaches threading.excepthook with its thread."""
	caught = []
	old = threading.excepthook
	threading.excepthook = lambda a: caught.append((a.exc_type, a.thread.name))
	t = threading.Thread(target=lambda: 1 // 0, name="raiser")
	t.start()
	t.join()
	threading.excepthook = old
	check(caught == [(ZeroDivisionError, "raiser")], "exceptions: excepthook saw %r" % caught)
	print("exceptions: 1 thread ended by an exception, seen by excepthook")


def signals():
	"""SIGALRM every 2 ms while the main thread sleeps, waits and computes."""
	alarms = [0]
	stop = threading.Event()
	signal.signal(signal.SIGALRM, lambda s, f: alarms.__setitem__(0, alarms[0] + 1))
	busy = start_all([threading.Thread(target=lambda: [collatz_range(1, 200) for _ in iter(stop.is_set, True)])
		for _ in range(2)])
	signal.setitimer(signal.ITIMER_REAL, 0.002, 0.002)
	never, lock = threading.Event(), threading.Lock()
	lock.acquire()
	waits = [("time.sleep", lambda: time.sleep(0.05)), ("Event.wait", lambda: never.wait(0.05)),
		("Lock.acquire", lambda: lock.acquire(timeout=0.05))]
	for name, wait in waits:
		t0 = time.monotonic()
		wait()
		check(time.monotonic() - t0 >= 0.05, "signals: %s returned early" % name)
	collatz_range(1, 3000)
	signal.setitimer(signal.ITIMER_REAL, 0)
	stop.set()
	join_all(busy, "signals")
	signal.signal(signal.SIGALRM, signal.SIG_DFL)
	check(alarms[0] > 0, "signals: no SIGALRM handled")
	print("signals: SIGALRM handled during sleep, Event.wait, Lock.acquire and computing")


def daemons():
	"""Daemon threads, one blocked and one computing, left running at exit."""
	threading.Thread(target=threading.Event().wait, daemon=True).start()
	started = threading.Event()

	def spin():
		started.set()
		while True:
			collatz_range(1, 100)

	threading.Thread(target=spin, daemon=True).start()
	check(started.wait(10), "daemons: the computing thread did not start")
	print("daemons: 2 left running at exit")


def timed(name, part, *args):
	"""Runs one part and reports its wall time on stderr, which is not compared."""
	t0 = time.monotonic()
	part(*args)
	sys.stdout.flush()
	print("%s: %.1f ms" % (name, (time.monotonic() - t0) * 1000), file=sys.stderr)


def main():
	scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
	if scale < 1:
		print("usage: threading_workload.py SCALE", file=sys.stderr)
		return 2
	print("threading_workload scale %d" % scale)
	timed("gil", gil, scale)
	timed("queue", queues, scale)
	timed("locks", locks, scale)
	timed("condition", conditions, scale)
	timed("event", events, scale)
	timed("semaphore", semaphores, scale)
	timed("barrier", barriers, scale)
	timed("local", locals_, scale)
	timed("subprocess", subprocesses, scale)
	timed("sleep", sleeps, scale)
	timed("exceptions", exceptions)
	timed("signals", signals)
	timed("daemons", daemons)
	print("FAILED" if failures else "done", flush=True)
	return 1 if failures else 0


if __name__ == "__main__":
	sys.exit(main())
