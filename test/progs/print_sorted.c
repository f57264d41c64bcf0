/* Threads print concurrently through stdio; line order is free, each line is
 * whole. Exercises the runner's sorting.
 * goshim-test: sort
 * goshim-test: tls-shared */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 16, NLINES = 50 };

static atomic_int go;

static void *printer(void *arg)
{
	int id = (int)(intptr_t)arg;

	while (!atomic_load_explicit(&go, memory_order_acquire))
		sched_yield();
	for (int i = 0; i < NLINES; i++) {
		printf("thread %02d line %02d\n", id, i);
		if (i % 5 == 0)
			sched_yield();
	}
	return NULL;
}

int main(void)
{
	pthread_t ts[NTHREADS];
	int created = 0, failed = 0;

	for (; created < NTHREADS; created++)
		if (pthread_create(&ts[created], NULL, printer, (void *)(intptr_t)created) != 0)
			break;
	failed = NTHREADS - created;
	atomic_store_explicit(&go, 1, memory_order_release);
	for (int i = 0; i < created; i++)
		if (pthread_join(ts[i], NULL) != 0)
			failed++;
	if (failed)
		printf("FAIL %d create/join errors\n", failed);
	printf("zz main: %d threads printed %d lines each\n", NTHREADS, NLINES);
	return failed != 0;
}
