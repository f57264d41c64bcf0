/* pthread_barrier: 16 threads for 1,000 rounds. Each round has exactly one
 * PTHREAD_BARRIER_SERIAL_THREAD, every thread reaches a round's barrier in
 * that round, and none leaves it before all have arrived.
 * Sync: the barrier under test, atomics and pthread_join.
 * goshim-test: tls-shared */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { NTHREADS = 16, ROUNDS = 1000 };

static atomic_int nfail;
static pthread_barrier_t barrier;
/* Arrivals at a barrier, over all rounds. */
static atomic_long arrivals;
static atomic_int serials[ROUNDS];

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static void *worker(void *arg)
{
	(void)arg;
	for (long r = 0; r < ROUNDS; r++) {
		long a = atomic_fetch_add(&arrivals, 1);
		int rc;

		/* Arrivals for round r+1 follow all N arrivals for round r. */
		check(a / NTHREADS == r, "round of arrival", a / NTHREADS, r);
		rc = pthread_barrier_wait(&barrier);
		if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&serials[r], 1);
		else
			check(rc == 0, "pthread_barrier_wait", rc, 0);
		/* All of round r arrived; round r+1 cannot have completed. */
		a = atomic_load(&arrivals);
		check(a >= (r + 1) * NTHREADS, "left before all arrived", a, (r + 1) * NTHREADS);
		check(a < (r + 2) * NTHREADS, "arrivals beyond next round", a,
		      (r + 2) * NTHREADS);
	}
	return NULL;
}

int main(void)
{
	pthread_t ts[NTHREADS];
	pthread_barrier_t zero;
	int total = 0, min = NTHREADS, max = 0;

	check(pthread_barrier_init(&zero, NULL, 0) == EINVAL, "init with count 0", 0, 0);
	check(pthread_barrier_init(&barrier, NULL, NTHREADS) == 0, "init", 0, 0);
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_create(&ts[i], NULL, worker, NULL) == 0, "pthread_create", i, 0);
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	for (int r = 0; r < ROUNDS; r++) {
		int n = atomic_load(&serials[r]);

		check(n == 1, "serial threads in round", n, 1);
		total += n;
		min = n < min ? n : min;
		max = n > max ? n : max;
	}
	check(atomic_load(&arrivals) == (long)NTHREADS * ROUNDS, "arrivals",
	      atomic_load(&arrivals), (long)NTHREADS * ROUNDS);
	check(pthread_barrier_destroy(&barrier) == 0, "destroy", 0, 0);
	printf("%d threads, %d rounds, %ld arrivals\n", NTHREADS, ROUNDS,
	       atomic_load(&arrivals));
	printf("serial threads: %d in all, per round min %d max %d\n", total, min, max);
	printf("barrier init with count 0: EINVAL\n");
	return atomic_load(&nfail) != 0;
}
