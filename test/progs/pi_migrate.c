/* A priority-inheritance mutex locked by a thread that then blocks (and, under goshim, may
 * resume on another OS thread) must still unlock cleanly: the kernel's PI futex ties
 * ownership to the OS thread, so goshim implements these mutexes itself.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { NTHREADS = 8, NAPS = 5 };

static pthread_mutex_t mu[NTHREADS];
static atomic_int unlocked, busy_stop;

static void *busy(void *arg)
{
	while (!atomic_load_explicit(&busy_stop, memory_order_relaxed))
		sched_yield();
	return arg;
}

static void *holder(void *arg)
{
	long i = (long)arg;
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	if (pthread_mutex_lock(&mu[i]) != 0)
		return NULL;
	for (int n = 0; n < NAPS; n++)
		nanosleep(&ts, NULL);
	if (pthread_mutex_unlock(&mu[i]) == 0 && pthread_mutex_trylock(&mu[i]) == 0 &&
	    pthread_mutex_unlock(&mu[i]) == 0)
		atomic_fetch_add(&unlocked, 1);
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t attr;
	pthread_t h[NTHREADS], b[2];
	int destroyed = 0;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
	for (int i = 0; i < NTHREADS; i++)
		pthread_mutex_init(&mu[i], &attr);
	for (int i = 0; i < 2; i++)
		pthread_create(&b[i], NULL, busy, NULL);
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&h[i], NULL, holder, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(h[i], NULL);
	atomic_store(&busy_stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(b[i], NULL);
	for (int i = 0; i < NTHREADS; i++)
		destroyed += pthread_mutex_destroy(&mu[i]) == 0;
	printf("PI mutexes unlocked after blocking: %d of %d, destroyed: %d\n",
	       atomic_load(&unlocked), NTHREADS, destroyed);
	if (atomic_load(&unlocked) != NTHREADS || destroyed != NTHREADS)
		printf("FAIL\n");
	return 0;
}
