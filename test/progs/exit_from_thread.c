/* exit(3) from a non-main thread while others spin with sched_yield and main
 * is blocked in pthread_join: the process exits 3 right away and the atexit
 * handler runs. If exit fails to stop the spinners, the runner's timeout does.
 * goshim-test: exit 3
 * goshim-test: tls-shared */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

enum { NSPIN = 8 };

static atomic_int nspinning;
static atomic_int stop;
static atomic_int exiting;

static void on_exit_handler(void)
{
	printf("atexit: handler ran%s\n",
	       atomic_load_explicit(&exiting, memory_order_relaxed) ? "" : " FAIL before exit was called");
}

static void *spinner(void *arg)
{
	(void)arg;
	atomic_fetch_add_explicit(&nspinning, 1, memory_order_relaxed);
	/* Nothing sets stop: only the process exit ends this loop. */
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		sched_yield();
	return NULL;
}

static void *exiter(void *arg)
{
	(void)arg;
	while (atomic_load_explicit(&nspinning, memory_order_relaxed) < NSPIN)
		sched_yield();
	printf("thread: %d spinners running, calling exit(3)\n", NSPIN);
	atomic_store_explicit(&exiting, 1, memory_order_relaxed);
	exit(3);
}

int main(void)
{
	pthread_t t;

	if (atexit(on_exit_handler) != 0) {
		printf("FAIL atexit\n");
		return 1;
	}
	for (int i = 0; i < NSPIN; i++)
		if (pthread_create(&t, NULL, spinner, NULL) != 0)
			printf("FAIL pthread_create spinner\n");
	if (pthread_create(&t, NULL, exiter, NULL) != 0)
		printf("FAIL pthread_create exiter\n");
	pthread_join(t, NULL);
	printf("FAIL main: pthread_join of a thread that called exit returned\n");
	return 1;
}
