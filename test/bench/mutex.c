/* Mutex benchmark: T threads (1, 2, 4, 8) each add K to one counter under one
 * pthread_mutex_t, timed from a common start to the last join, per increment; and
 * lock+unlock pairs in one thread with nobody else around. Prints "name: value unit"
 * lines for scripts/bench; test/bench/go/mutex is the same workload with sync.Mutex.
 * Usage: mutex [SCALE]  (SCALE multiplies the iteration counts, default 1). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

enum {
	/* ~0.15-0.5 s per metric natively on 2 cores */
	CONTENDED_OPS = 20000000, /* increments per T, split among the threads */
	UNCONTENDED_OPS = 40000000,
	MAX_THREADS = 8,
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter; /* mu */
static pthread_barrier_t start_line;

static void add(long k)
{
	for (long i = 0; i < k; i++) {
		bench_check(pthread_mutex_lock(&mu), "pthread_mutex_lock");
		counter++;
		bench_check(pthread_mutex_unlock(&mu), "pthread_mutex_unlock");
	}
}

static void *worker(void *arg)
{
	int r = pthread_barrier_wait(&start_line);

	if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
		bench_check(r, "pthread_barrier_wait");
	add(*(long *)arg);
	return NULL;
}

/* contended runs nthreads threads of k increments each; returns ns per increment. */
static double contended(int nthreads, long k)
{
	pthread_t t[MAX_THREADS];
	double start, ns;
	int r;

	counter = 0;
	bench_check(pthread_barrier_init(&start_line, NULL, (unsigned)nthreads + 1),
	      "pthread_barrier_init");
	for (int i = 0; i < nthreads; i++)
		bench_check(pthread_create(&t[i], NULL, worker, &k), "pthread_create");
	/* the clock starts before the barrier opens: a thread that ran ahead of this one
	 * (one P under goshim, no preemption) would otherwise be done before it starts */
	start = bench_now_ns();
	r = pthread_barrier_wait(&start_line);
	if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
		bench_check(r, "pthread_barrier_wait");
	for (int i = 0; i < nthreads; i++)
		bench_check(pthread_join(t[i], NULL), "pthread_join");
	ns = (bench_now_ns() - start) / ((double)nthreads * (double)k);
	bench_check(pthread_barrier_destroy(&start_line), "pthread_barrier_destroy");
	if (counter != nthreads * k) {
		fprintf(stderr, "mutex: counter %ld, want %ld\n", counter, nthreads * k);
		exit(1);
	}
	return ns;
}

/* uncontended returns ns per lock+unlock pair in this thread alone. */
static double uncontended(long k)
{
	double start = bench_now_ns();

	counter = 0;
	add(k);
	return (bench_now_ns() - start) / (double)k;
}

int main(int argc, char **argv)
{
	static const int nthreads[] = { 1, 2, 4, 8 };
	double scale;

	scale = bench_scale(argc, argv, "mutex");
	uncontended(100000); /* warm up */
	for (size_t i = 0; i < sizeof(nthreads) / sizeof(nthreads[0]); i++) {
		long k = bench_scaled(CONTENDED_OPS, scale) / nthreads[i];

		printf("mutex_T%d: %.1f ns\n", nthreads[i], contended(nthreads[i], k < 1 ? 1 : k));
	}
	printf("mutex_uncontended: %.1f ns\n", uncontended(bench_scaled(UNCONTENDED_OPS, scale)));
	return 0;
}
