/* 1,000 threads wait on one condvar for a generation number; main counts
 * them under the mutex, broadcasts once all are waiting, and repeats for 5
 * rounds. Sync: pthread mutex and condvars.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { NTHREADS = 1000, ROUNDS = 5 };

static atomic_int nfail;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gen_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t arrived_cv = PTHREAD_COND_INITIALIZER;
/* Guarded by mu. arrived and woken count over all rounds. */
static int gen;
static int arrived;
static int woken;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (int r = 0; r < ROUNDS; r++) {
		check(gen == r, "generation on arrival", gen, r);
		if (++arrived == NTHREADS * (r + 1))
			pthread_cond_signal(&arrived_cv);
		while (gen == r)
			check(pthread_cond_wait(&gen_cv, &mu) == 0, "pthread_cond_wait", r, 0);
		woken++;
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(void)
{
	static pthread_t ts[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		check(pthread_create(&ts[i], NULL, waiter, NULL) == 0, "pthread_create", i, 0);
	pthread_mutex_lock(&mu);
	for (int r = 0; r < ROUNDS; r++) {
		while (arrived < NTHREADS * (r + 1))
			pthread_cond_wait(&arrived_cv, &mu);
		/* Every waiter of round r-1 woke before it arrived for round r. */
		check(woken == NTHREADS * r, "woken before round", woken, NTHREADS * r);
		check(arrived == NTHREADS * (r + 1), "arrived", arrived, NTHREADS * (r + 1));
		printf("round %d: %d waiting\n", r, arrived - NTHREADS * r);
		gen = r + 1;
		check(pthread_cond_broadcast(&gen_cv) == 0, "pthread_cond_broadcast", r, 0);
	}
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	check(woken == NTHREADS * ROUNDS, "woken", woken, NTHREADS * ROUNDS);
	printf("woken %d times in %d rounds\n", woken, ROUNDS);
	return atomic_load(&nfail) != 0;
}
