/* 64 threads increment one plain long under a static pthread mutex, first
 * with pthread_mutex_lock, then with pthread_mutex_trylock retry loops that
 * yield on EBUSY. Sync: one pthread_mutex_t.
 * goshim-test: tls-shared */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 64, LOCK_ITERS = 100000, TRY_ITERS = 10000 };

static atomic_int nfail;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* Plain on purpose: only the mutex keeps the increments from being lost. */
static long counter;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static void *locker(void *arg)
{
	(void)arg;
	for (int i = 0; i < LOCK_ITERS; i++) {
		int rc = pthread_mutex_lock(&mu);

		check(rc == 0, "pthread_mutex_lock", rc, 0);
		counter++;
		rc = pthread_mutex_unlock(&mu);
		check(rc == 0, "pthread_mutex_unlock", rc, 0);
	}
	return NULL;
}

static void *trylocker(void *arg)
{
	(void)arg;
	for (int i = 0; i < TRY_ITERS; i++) {
		int rc;

		while ((rc = pthread_mutex_trylock(&mu)) == EBUSY)
			sched_yield();
		check(rc == 0, "pthread_mutex_trylock", rc, 0);
		counter++;
		rc = pthread_mutex_unlock(&mu);
		check(rc == 0, "pthread_mutex_unlock", rc, 0);
	}
	return NULL;
}

static void phase(const char *name, void *(*fn)(void *), long want)
{
	pthread_t ts[NTHREADS];

	counter = 0;
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_create(&ts[i], NULL, fn, NULL) == 0, "pthread_create", i, 0);
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	check(counter == want, name, counter, want);
	printf("%s: %d threads, total %ld\n", name, NTHREADS, counter);
}

int main(void)
{
	phase("lock", locker, (long)NTHREADS * LOCK_ITERS);
	phase("trylock", trylocker, (long)NTHREADS * TRY_ITERS);
	check(pthread_mutex_trylock(&mu) == 0, "final trylock", 0, 0);
	check(pthread_mutex_trylock(&mu) == EBUSY, "trylock on held", 0, 0);
	check(pthread_mutex_unlock(&mu) == 0, "final unlock", 0, 0);
	printf("trylock on held mutex: EBUSY\n");
	return atomic_load(&nfail) != 0;
}
