/* 2,000 threads alive at once, each spinning with sched_yield on an atomic
 * "go" flag; then all are released and joined.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 2000 };

static atomic_int nfail;
static atomic_int narrived;
static atomic_int nreleased;
static atomic_int go;

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

	atomic_fetch_add_explicit(&narrived, 1, memory_order_relaxed);
	/* Acquire pairs with main's release store of go. */
	while (!atomic_load_explicit(&go, memory_order_acquire))
		sched_yield();
	atomic_fetch_add_explicit(&nreleased, 1, memory_order_relaxed);
	return (void *)(intptr_t)(i * i);
}

int main(void)
{
	static pthread_t ts[NTHREADS];
	int created = 0;
	long sum = 0, expect = 0;

	for (long i = 0; i < NTHREADS; i++) {
		int err = pthread_create(&ts[i], NULL, worker, (void *)(intptr_t)i);

		check(err == 0, "pthread_create", err, 0);
		if (err != 0)
			break;
		created++;
		expect += i * i;
	}
	while (get(&narrived) < created)
		sched_yield();
	/* Everyone is alive and waiting: nobody can have passed the flag. */
	int released_early = get(&nreleased);

	check(released_early == 0, "released before go", released_early, 0);
	printf("alive at once: %d\n", get(&narrived));
	atomic_store_explicit(&go, 1, memory_order_release);

	for (int i = 0; i < created; i++) {
		void *ret = NULL;
		int err = pthread_join(ts[i], &ret);

		check(err == 0, "pthread_join", err, 0);
		sum += (long)(intptr_t)ret;
	}
	check(created == NTHREADS, "created", created, NTHREADS);
	check(get(&nreleased) == created, "released", get(&nreleased), created);
	check(sum == expect, "sum", sum, expect);
	printf("released and joined: %d\n", get(&nreleased));
	printf("sum of squares: %ld\n", sum);
	return get(&nfail) != 0;
}
