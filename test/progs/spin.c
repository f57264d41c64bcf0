/* pthread spinlocks: 16 threads increment one plain long 50,000 times each
 * under pthread_spin_lock, half of them acquiring with trylock loops; then
 * trylock on a held lock. Sync: the spinlock and pthread_join.
 * goshim-test: tls-shared */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 16, ITERS = 50000 };

static atomic_int nfail;
static pthread_spinlock_t spin;
/* Plain on purpose: only the spinlock keeps increments from being lost. */
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

static void *worker(void *arg)
{
	int use_try = (int)(intptr_t)arg % 2;

	for (int i = 0; i < ITERS; i++) {
		int rc;

		if (use_try) {
			while ((rc = pthread_spin_trylock(&spin)) == EBUSY)
				sched_yield();
			check(rc == 0, "pthread_spin_trylock", rc, 0);
		} else {
			check(pthread_spin_lock(&spin) == 0, "pthread_spin_lock", i, 0);
		}
		counter++;
		check(pthread_spin_unlock(&spin) == 0, "pthread_spin_unlock", i, 0);
	}
	return NULL;
}

static void *try_held(void *arg)
{
	*(int *)arg = pthread_spin_trylock(&spin);
	return NULL;
}

int main(void)
{
	pthread_t ts[NTHREADS];
	int rc = -1;

	check(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE) == 0, "init", 0, 0);
	for (long i = 0; i < NTHREADS; i++)
		check(pthread_create(&ts[i], NULL, worker, (void *)(intptr_t)i) == 0,
		      "pthread_create", i, 0);
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	check(counter == (long)NTHREADS * ITERS, "total", counter, (long)NTHREADS * ITERS);
	printf("%d threads, total %ld\n", NTHREADS, counter);

	check(pthread_spin_lock(&spin) == 0, "lock", 0, 0);
	check(pthread_spin_trylock(&spin) == EBUSY, "trylock by holder", 0, 0);
	pthread_create(&ts[0], NULL, try_held, &rc);
	pthread_join(ts[0], NULL);
	check(rc == EBUSY, "trylock by other thread", rc, EBUSY);
	printf("trylock on held: %s\n", rc == EBUSY ? "EBUSY" : "not EBUSY");
	check(pthread_spin_unlock(&spin) == 0, "unlock", 0, 0);
	pthread_create(&ts[0], NULL, try_held, &rc);
	pthread_join(ts[0], NULL);
	check(rc == 0, "trylock on free", rc, 0);
	printf("trylock on free: %d\n", rc);
	check(pthread_spin_unlock(&spin) == 0, "unlock after trylock", 0, 0);
	check(pthread_spin_destroy(&spin) == 0, "destroy", 0, 0);
	return atomic_load(&nfail) != 0;
}
