/* pthread_exit from deep recursion (cleanup handlers run innermost first,
 * pthread_join gets the value), then pthread_exit from main while other
 * threads still run: the last of them prints and the process exits 0. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NDEEP = 16, DEPTH = 50, NLATE = 8, LATE_YIELDS = 2000 };

static atomic_int nfail;
static atomic_int returned_normally;
static atomic_int cleanups;
static atomic_int main_gone;
static atomic_int late_left = NLATE;
static atomic_int late_ready;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

/* get is a relaxed load: callers poll a counter, or read it after joining
 * (or otherwise synchronizing with) its writers. */
static inline int get(atomic_int *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

struct frame {
	long id;
	int depth;
	int *next_cleanup;
};

/* Cleanup handlers must run innermost first: each checks it is the next
 * expected depth, counting down. */
static void cleanup(void *arg)
{
	struct frame *f = arg;

	check(*f->next_cleanup == f->depth, "cleanup order", f->depth, *f->next_cleanup);
	*f->next_cleanup = f->depth - 10;
	atomic_fetch_add_explicit(&cleanups, 1, memory_order_relaxed);
}

static long dive(long id, int depth, int exit_at, int *next_cleanup)
{
	volatile char pad[64];
	long r;

	pad[depth % 64] = (char)depth;
	if (depth >= exit_at) {
		if (exit_at == DEPTH)
			pthread_exit((void *)(intptr_t)(id * 1000 + depth));
		return depth;
	}
	if (depth % 10 == 0) {
		struct frame f = { id, depth, next_cleanup };

		pthread_cleanup_push(cleanup, &f);
		r = dive(id, depth + 1, exit_at, next_cleanup) + pad[depth % 64];
		pthread_cleanup_pop(0);
	} else {
		r = dive(id, depth + 1, exit_at, next_cleanup) + pad[depth % 64];
	}
	return r;
}

static void *deep(void *arg)
{
	long id = (long)(intptr_t)arg;
	int next_cleanup = 40;

	sched_yield();
	dive(id, 0, DEPTH, &next_cleanup);
	atomic_fetch_add_explicit(&returned_normally, 1, memory_order_relaxed);
	return NULL;
}

static void run_deep(void)
{
	pthread_t ts[NDEEP];

	for (long i = 0; i < NDEEP; i++)
		check(pthread_create(&ts[i], NULL, deep, (void *)(intptr_t)i) == 0,
		      "pthread_create", i, 0);
	for (long i = 0; i < NDEEP; i++) {
		void *ret = NULL;

		check(pthread_join(ts[i], &ret) == 0, "pthread_join", i, 0);
		check((long)(intptr_t)ret == i * 1000 + DEPTH, "exit value",
		      (long)(intptr_t)ret, i * 1000 + DEPTH);
	}
	check(get(&returned_normally) == 0, "code after pthread_exit ran",
	      get(&returned_normally), 0);
	check(get(&cleanups) == NDEEP * 5, "cleanup handlers",
	      get(&cleanups), NDEEP * 5);
	printf("deep exits joined: %d, depth %d, cleanup handlers run: %d\n", NDEEP, DEPTH,
	       get(&cleanups));
}

/* Runs on after main has called pthread_exit. The last one out reports. */
static void *late(void *arg)
{
	(void)arg;
	atomic_fetch_add_explicit(&late_ready, 1, memory_order_relaxed);
	while (!atomic_load_explicit(&main_gone, memory_order_acquire))
		sched_yield();
	for (int i = 0; i < LATE_YIELDS; i++)
		sched_yield();
	if (atomic_fetch_sub_explicit(&late_left, 1, memory_order_acq_rel) == 1) {
		if (get(&nfail) == 0)
			printf("last thread: %d threads outlived main\n", NLATE);
		else
			printf("FAIL: %d failures\n", get(&nfail));
		fflush(stdout);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	run_deep();
	for (int i = 0; i < NLATE; i++) {
		check(pthread_create(&t, NULL, late, NULL) == 0, "pthread_create late", i, 0);
		/* Half stay joinable and are never joined. */
		if (i % 2 == 0)
			check(pthread_detach(t) == 0, "detach", i, 0);
	}
	while (get(&late_ready) < NLATE)
		sched_yield();
	printf("main: calling pthread_exit\n");
	fflush(stdout);
	atomic_store_explicit(&main_gone, 1, memory_order_release);
	pthread_exit(NULL);
}
