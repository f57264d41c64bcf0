/* main returns 7 while a detached thread still spins: the process exits 7
 * right away, after the atexit handler ran.
 * goshim-test: exit 7
 * goshim-test: tls-shared */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { NJOINED = 16 };

static atomic_int spinning;
static atomic_int stop;

static void on_exit_handler(void)
{
	printf("atexit: handler ran\n");
}

static void *spinner(void *arg)
{
	(void)arg;
	atomic_store_explicit(&spinning, 1, memory_order_relaxed);
	/* Nothing sets stop: only the process exit ends this loop. */
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		sched_yield();
	return NULL;
}

static void *square(void *arg)
{
	intptr_t i = (intptr_t)arg;

	return (void *)(i * i);
}

int main(void)
{
	pthread_t ts[NJOINED], s;
	long sum = 0;

	if (atexit(on_exit_handler) != 0) {
		printf("FAIL atexit\n");
		return 1;
	}
	for (intptr_t i = 0; i < NJOINED; i++)
		if (pthread_create(&ts[i], NULL, square, (void *)i) != 0)
			printf("FAIL pthread_create\n");
	for (int i = 0; i < NJOINED; i++) {
		void *ret = NULL;

		if (pthread_join(ts[i], &ret) != 0)
			printf("FAIL pthread_join\n");
		sum += (long)(intptr_t)ret;
	}
	if (pthread_create(&s, NULL, spinner, NULL) != 0 || pthread_detach(s) != 0)
		printf("FAIL spinner\n");
	while (!atomic_load_explicit(&spinning, memory_order_relaxed))
		sched_yield();
	printf("joined %d threads, sum %ld\n", NJOINED, sum);
	printf("main: returning 7\n");
	return 7;
}
