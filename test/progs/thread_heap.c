/* A thread costs the program's malloc heap what it costs natively: the dynamic loader's
 * dtv (about 300 bytes), and nothing for goshim's G, which lives in the top bytes of the
 * G's own stack beside the TCB, in pages the thread touches anyway. Main creates THREADS
 * threads that all stay alive, then compares malloc's bytes in use (all arenas) before and
 * after, per thread. A G on the heap made it about 650 bytes. The threads alternate
 * between the default stack and a 64 KiB one, so that G recycling by stack size is
 * exercised in a second round. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>

enum { THREADS = 256, ROUNDS = 2, PER_THREAD_MAX = 400 };

static pthread_barrier_t started, leave;

static void *worker(void *arg)
{
	pthread_barrier_wait(&started);
	pthread_barrier_wait(&leave);
	return arg;
}

int main(void)
{
	pthread_t t[THREADS];
	pthread_attr_t small;
	int bad = 0;

	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 64 * 1024);
	for (int r = 0; r < ROUNDS; r++) {
		size_t before, after;

		pthread_barrier_init(&started, NULL, THREADS + 1);
		pthread_barrier_init(&leave, NULL, THREADS + 1);
		before = mallinfo2().uordblks;
		for (int i = 0; i < THREADS; i++)
			if (pthread_create(&t[i], i % 2 ? &small : NULL, worker, (void *)(long)i)) {
				printf("FAIL pthread_create\n");
				return 1;
			}
		pthread_barrier_wait(&started);
		after = mallinfo2().uordblks;
		pthread_barrier_wait(&leave);
		for (int i = 0; i < THREADS; i++) {
			void *ret;

			pthread_join(t[i], &ret);
			bad += ret != (void *)(long)i;
		}
		pthread_barrier_destroy(&started);
		pthread_barrier_destroy(&leave);
		if (after > before + (size_t)THREADS * PER_THREAD_MAX)
			printf("FAIL round %d: malloc bytes in use grew by %zu per thread\n", r,
			       (after - before) / THREADS);
		printf("round %d: heap per thread at most %d bytes: %s\n", r, PER_THREAD_MAX,
		       after <= before + (size_t)THREADS * PER_THREAD_MAX ? "yes" : "no");
	}
	printf("wrong return values: %d\n", bad);
	return 0;
}
