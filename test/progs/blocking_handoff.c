/* A thread blocked in the kernel does not hold its P. Thread A blocks in read() on a
 * pipe, B in waitpid() on a child that waits for a byte, C in nanosleep() a few times;
 * 8 workers run only once A, B and C are about to block, and A and B are released only
 * after main has joined every worker. At GOMAXPROCS=1 under goshim this finishes only
 * if each blocked thread's P was handed to another M. No errno is read.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { NWORKERS = 8, ITERS = 100000, YIELD_EVERY = 1000, NSLEEPS = 3, NBLOCKERS = 3,
       CHILD_STATUS = 7, RETRIES = 100 };

static int data_pipe[2], child_pipe[2];
static pid_t child;
static atomic_int nfail;
static atomic_int entered;	/* blockers about to make their blocking call */
static atomic_int reader_done, reaper_done;
static int sleeps_done;		/* written by C, read by main after joining C */
static int child_status = -1;	/* written by B, read by main after joining B */

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static void *reader(void *arg)
{
	char c = 0;
	ssize_t n;
	int tries = 0;

	(void)arg;
	atomic_fetch_add_explicit(&entered, 1, memory_order_release);
	do
		n = read(data_pipe[0], &c, 1);
	while (n < 0 && ++tries < RETRIES);
	check(n == 1, "read returns the byte", n, 1);
	check(c == 'x', "read byte", c, 'x');
	atomic_store_explicit(&reader_done, 1, memory_order_release);
	return NULL;
}

static void *reaper(void *arg)
{
	int status = 0, tries = 0;
	pid_t pid;

	(void)arg;
	atomic_fetch_add_explicit(&entered, 1, memory_order_release);
	do
		pid = waitpid(child, &status, 0);
	while (pid < 0 && ++tries < RETRIES);
	check(pid == child, "waitpid returns the child", pid, child);
	check(WIFEXITED(status), "child exited normally", status, 0);
	child_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	atomic_store_explicit(&reaper_done, 1, memory_order_release);
	return NULL;
}

/* Restarts with the remaining time: a signal may end a nanosleep early. */
static void *sleeper(void *arg)
{
	(void)arg;
	atomic_fetch_add_explicit(&entered, 1, memory_order_release);
	for (int i = 0; i < NSLEEPS; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		int r, tries = 0;

		while ((r = nanosleep(&ts, &ts)) != 0 && ++tries < RETRIES)
			;
		check(r == 0, "nanosleep", r, 0);
		sleeps_done += r == 0;
	}
	return NULL;
}

static void *worker(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg, sum = 0;

	while (atomic_load_explicit(&entered, memory_order_acquire) < NBLOCKERS)
		sched_yield();
	for (int i = 1; i <= ITERS; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		sum += x >> 56;
		if (i % YIELD_EVERY == 0)
			sched_yield();
	}
	return (void *)(uintptr_t)sum;
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg, const char *what)
{
	int err = pthread_create(t, NULL, fn, arg);

	check(err == 0, what, err, 0);
	if (err != 0) {
		fflush(stdout);
		_exit(1);
	}
}

/* Runs in the child: waits for main's go-ahead, then exits CHILD_STATUS. */
static void child_main(void)
{
	char c;

	close(child_pipe[1]);
	close(data_pipe[0]);
	close(data_pipe[1]);
	_exit(read(child_pipe[0], &c, 1) == 1 ? CHILD_STATUS : 1);
}

int main(void)
{
	pthread_t a, b, c, t[NWORKERS];
	uint64_t total = 0;
	void *res;

	if (pipe(data_pipe) != 0 || pipe(child_pipe) != 0) {
		printf("FAIL pipe\n");
		return 1;
	}
	fflush(stdout);
	child = fork();
	if (child < 0) {
		printf("FAIL fork\n");
		return 1;
	}
	if (child == 0)
		child_main();
	close(child_pipe[0]);
	start(&a, reader, NULL, "pthread_create reader");
	start(&b, reaper, NULL, "pthread_create reaper");
	start(&c, sleeper, NULL, "pthread_create sleeper");
	for (long i = 0; i < NWORKERS; i++)
		start(&t[i], worker, (void *)(uintptr_t)(i + 1), "pthread_create worker");
	for (int i = 0; i < NWORKERS; i++) {
		check(pthread_join(t[i], &res) == 0, "pthread_join worker", i, 0);
		total += (uint64_t)(uintptr_t)res;
	}
	/* Nothing has released A or B yet. */
	check(!atomic_load_explicit(&reader_done, memory_order_acquire), "reader still blocked", 1, 0);
	check(!atomic_load_explicit(&reaper_done, memory_order_acquire), "reaper still blocked", 1, 0);
	printf("workers: %d finished, %d iterations, %d yields, checksum %llu\n", NWORKERS,
	       NWORKERS * ITERS, NWORKERS * (ITERS / YIELD_EVERY), (unsigned long long)total);
	check(write(data_pipe[1], "x", 1) == 1, "write to reader's pipe", 0, 1);
	check(write(child_pipe[1], "y", 1) == 1, "write to child's pipe", 0, 1);
	check(pthread_join(a, NULL) == 0, "pthread_join reader", 0, 0);
	check(pthread_join(b, NULL) == 0, "pthread_join reaper", 0, 0);
	check(pthread_join(c, NULL) == 0, "pthread_join sleeper", 0, 0);
	check(child_status == CHILD_STATUS, "child exit status", child_status, CHILD_STATUS);
	check(sleeps_done == NSLEEPS, "sleeps", sleeps_done, NSLEEPS);
	printf("reader: got 1 byte\n");
	printf("reaper: child exit status %d\n", child_status);
	printf("sleeper: %d sleeps of 50 ms\n", sleeps_done);
	return atomic_load(&nfail) != 0;
}
