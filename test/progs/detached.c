/* 10,000 detached threads: half detached by attribute, a quarter by the
 * creator with pthread_detach, a quarter by themselves. Completion is counted
 * with atomics; main polls the counter with sched_yield.
 * goshim-test: tls-shared */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 10000, MAX_LIVE = 256 };

static atomic_int nfail;
static atomic_int ndone;
static atomic_long argsum;

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

static void *worker(void *arg)
{
	long i = (long)(intptr_t)arg;

	atomic_fetch_add_explicit(&argsum, i, memory_order_relaxed);
	/* Release pairs with main's acquire load of ndone: argsum is complete
	 * once ndone reaches NTHREADS. */
	atomic_fetch_add_explicit(&ndone, 1, memory_order_release);
	return NULL;
}

static void *self_detacher(void *arg)
{
	int err = pthread_detach(pthread_self());

	check(err == 0, "pthread_detach(self)", err, 0);
	return worker(arg);
}

/* Keep at most MAX_LIVE threads unfinished so the test does not depend on
 * how many threads the system allows at once. */
static void throttle(int created)
{
	while (created - atomic_load_explicit(&ndone, memory_order_acquire) > MAX_LIVE)
		sched_yield();
}

static int create_one(int i, const pthread_attr_t *detached)
{
	pthread_t t;
	void *arg = (void *)(intptr_t)i;
	int err;

	switch (i % 4) {
	case 0:
	case 1:
		return pthread_create(&t, detached, worker, arg);
	case 2:
		err = pthread_create(&t, NULL, worker, arg);
		if (err == 0) {
			int derr = pthread_detach(t);

			check(derr == 0, "pthread_detach(t)", derr, 0);
		}
		return err;
	default:
		return pthread_create(&t, NULL, self_detacher, arg);
	}
}

int main(void)
{
	pthread_attr_t attr;
	int state = -1, created = 0;

	check(pthread_attr_init(&attr) == 0, "attr_init", 0, 0);
	check(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0,
	      "setdetachstate", 0, 0);
	check(pthread_attr_getdetachstate(&attr, &state) == 0 &&
		      state == PTHREAD_CREATE_DETACHED, "getdetachstate", state,
	      PTHREAD_CREATE_DETACHED);
	check(pthread_attr_setdetachstate(&attr, 12345) == EINVAL,
	      "setdetachstate(bad) is EINVAL", 0, 0);

	for (int i = 0; i < NTHREADS; i++) {
		throttle(created);
		int err = create_one(i, &attr);

		check(err == 0, "pthread_create", err, 0);
		created += err == 0;
	}
	pthread_attr_destroy(&attr);

	while (atomic_load_explicit(&ndone, memory_order_acquire) < created)
		sched_yield();

	long expect = (long)NTHREADS * (NTHREADS - 1) / 2;
	long sum = atomic_load_explicit(&argsum, memory_order_relaxed);

	check(created == NTHREADS, "created", created, NTHREADS);
	check(sum == expect, "argument sum", sum, expect);
	check(get(&ndone) == NTHREADS, "done count", get(&ndone), NTHREADS);
	printf("detached threads created: %d\n", created);
	printf("detached threads finished: %d\n", get(&ndone));
	printf("argument sum: %ld\n", sum);
	return get(&nfail) != 0;
}
