/* 10,000 threads block on one condvar at once; main counts them under the
 * mutex until all are waiting, then broadcasts and all finish. Under goshim
 * this only works if a waiting G does not hold its M. Stacks are 64 KiB so
 * the native run stays small. Sync: pthread mutex and condvars.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { NTHREADS = 10000, STACK = 64 * 1024 };

static atomic_int nfail;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t waiting_cv = PTHREAD_COND_INITIALIZER;
/* Guarded by mu. */
static int go;
static int waiting;
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
	if (++waiting == NTHREADS)
		pthread_cond_signal(&waiting_cv);
	while (!go)
		pthread_cond_wait(&go_cv, &mu);
	woken++;
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(void)
{
	static pthread_t ts[NTHREADS];
	pthread_attr_t attr;
	int created = 0;

	pthread_attr_init(&attr);
	check(pthread_attr_setstacksize(&attr, STACK) == 0, "setstacksize", 0, 0);
	for (int i = 0; i < NTHREADS; i++) {
		int rc = pthread_create(&ts[i], &attr, waiter, NULL);

		check(rc == 0, "pthread_create", i, rc);
		if (rc != 0)
			break;
		created++;
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_lock(&mu);
	while (created == NTHREADS && waiting < NTHREADS)
		pthread_cond_wait(&waiting_cv, &mu);
	check(woken == 0, "woken before broadcast", woken, 0);
	printf("waiting: %d\n", waiting);
	go = 1;
	pthread_cond_broadcast(&go_cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < created; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	check(woken == NTHREADS, "woken", woken, NTHREADS);
	printf("woken: %d\n", woken);
	return atomic_load(&nfail) != 0;
}
