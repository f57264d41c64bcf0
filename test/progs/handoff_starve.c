/* A new thread must get to run while another thread loops on short blocking system calls
 * (usleep(1000), then sigtimedwait() with a 1 ms timeout), after a thread that blocked in
 * read() on a pipe was released and joined. Under goshim 666660c..095843e at GOMAXPROCS=1
 * the new G stayed runnable forever: the looping G took its P back after each call, and
 * sysmon, seeing a new system call each time it looked, never handed the P off. Each wait
 * is bounded by 5,000 calls (over 5 s); natively the flag is set within a few. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 5, MAX_CALLS = 5000, SETTLE_US = 20000 };

static atomic_int flag;
static atomic_int nfail;
static int p[2];

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

	(void)arg;
	atomic_store(&flag, 1);
	return (void *)(long)read(p[0], &c, 1);
}

static void *setter(void *arg)
{
	(void)arg;
	atomic_store(&flag, 1);
	return NULL;
}

/* short_call: one system call that blocks for about 1 ms. */
static void short_call(int kind)
{
	struct timespec ms = { 0, 1000000 };
	sigset_t set;

	if (kind == 0) {
		usleep(1000);
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	check(sigtimedwait(&set, NULL, &ms) == -1 && errno == EAGAIN, "sigtimedwait", errno, EAGAIN);
}

/* wait_flag: loops on short calls until a thread sets the flag; returns the calls made. */
static long wait_flag(int kind)
{
	long calls = 0;

	while (!atomic_load(&flag) && calls < MAX_CALLS) {
		short_call(kind);
		calls++;
	}
	return calls;
}

static void round_trip(int kind)
{
	pthread_t t;
	void *r = NULL;

	check(pipe(p) == 0, "pipe", errno, 0);
	atomic_store(&flag, 0);
	check(pthread_create(&t, NULL, reader, NULL) == 0, "pthread_create reader", 0, 0);
	check(wait_flag(kind) < MAX_CALLS, "reader never ran, calls", MAX_CALLS, 0);
	usleep(SETTLE_US);	/* lets the reader block in read(): not a verdict */
	check(write(p[1], "x", 1) == 1, "write", errno, 0);
	check(pthread_join(t, &r) == 0 && r == (void *)1, "reader", (long)r, 1);
	check(close(p[0]) == 0 && close(p[1]) == 0, "close", errno, 0);

	atomic_store(&flag, 0);
	check(pthread_create(&t, NULL, setter, NULL) == 0, "pthread_create setter", 0, 0);
	check(wait_flag(kind) < MAX_CALLS, "new thread never ran, calls", MAX_CALLS, 0);
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
}

int main(void)
{
	sigset_t set;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	check(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0, "pthread_sigmask", 0, 0);
	for (int kind = 0; kind < 2 && atomic_load(&nfail) == 0; kind++) {
		for (int i = 0; i < ROUNDS && atomic_load(&nfail) == 0; i++)
			round_trip(kind);
		if (atomic_load(&nfail) == 0)
			printf("%s loop: new threads ran\n", kind ? "sigtimedwait" : "usleep");
	}
	return atomic_load(&nfail) != 0;
}
