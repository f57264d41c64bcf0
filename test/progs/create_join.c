/* 10,000 threads created and joined, one at a time and in batches; each
 * returns a value through pthread_join's retval. Sync: pthread_join only.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { SINGLE = 5000, BATCHES = 50, BATCH = 100 };

static atomic_int nfail;
static atomic_int nran;
static pthread_t main_self;

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

static inline long result_of(long arg)
{
	return arg * 3 + 1;
}

static void *worker(void *arg)
{
	long i = (long)(intptr_t)arg;

	check(!pthread_equal(pthread_self(), main_self), "worker is main", i, 0);
	atomic_fetch_add_explicit(&nran, 1, memory_order_relaxed);
	return (void *)(intptr_t)result_of(i);
}

static long join_one(pthread_t t, long arg)
{
	void *ret = NULL;
	int err = pthread_join(t, &ret);

	check(err == 0, "pthread_join", err, 0);
	check((long)(intptr_t)ret == result_of(arg), "retval", (long)(intptr_t)ret,
	      result_of(arg));
	return (long)(intptr_t)ret;
}

static long run_single(void)
{
	long sum = 0;

	for (long i = 0; i < SINGLE; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, worker, (void *)(intptr_t)i);

		check(err == 0, "pthread_create single", err, 0);
		if (err == 0)
			sum += join_one(t, i);
	}
	return sum;
}

static long run_batches(void)
{
	static pthread_t ts[BATCH];
	static int ok[BATCH];
	long sum = 0;

	for (long b = 0; b < BATCHES; b++) {
		long base = SINGLE + b * BATCH;

		for (long i = 0; i < BATCH; i++) {
			int err = pthread_create(&ts[i], NULL, worker,
						 (void *)(intptr_t)(base + i));

			check(err == 0, "pthread_create batch", err, 0);
			ok[i] = err == 0;
		}
		/* Join in reverse order every other batch: joining a thread that
		 * has not yet finished and one long finished must both work. */
		for (long k = 0; k < BATCH; k++) {
			long i = b % 2 ? BATCH - 1 - k : k;

			if (ok[i])
				sum += join_one(ts[i], base + i);
		}
	}
	return sum;
}

int main(void)
{
	long expect_single = 0, expect_batch = 0;

	main_self = pthread_self();
	for (long i = 0; i < SINGLE; i++)
		expect_single += result_of(i);
	for (long i = SINGLE; i < SINGLE + BATCHES * BATCH; i++)
		expect_batch += result_of(i);

	long single = run_single();
	long batch = run_batches();

	check(single == expect_single, "single sum", single, expect_single);
	check(batch == expect_batch, "batch sum", batch, expect_batch);
	check(get(&nran) == SINGLE + BATCHES * BATCH, "threads ran",
	      get(&nran), SINGLE + BATCHES * BATCH);
	printf("one at a time: %d threads, sum %ld\n", SINGLE, single);
	printf("batches: %d x %d threads, sum %ld\n", BATCHES, BATCH, batch);
	printf("total: %d threads ran, sum %ld\n", get(&nran), single + batch);
	return get(&nfail) != 0;
}
