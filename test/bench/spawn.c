/* Thread spawn benchmark: create+join one thread at a time, and create 10,000
 * threads before joining them all. Prints "name: value unit" lines for
 * scripts/bench; test/bench/go/spawn is the same workload with goroutines.
 * Usage: spawn [SCALE]  (SCALE multiplies the iteration counts, default 1). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

enum {
	JOIN_ONE_ITERS = 10000, /* with MANY_ROUNDS: ~0.3-1 s natively */
	MANY_THREADS = 10000,
	MANY_ROUNDS = 2,
};

static pthread_t threads[MANY_THREADS];

static void *worker(void *arg)
{
	return arg;
}

static void spawn(pthread_t *tp)
{
	int err = pthread_create(tp, NULL, worker, NULL);

	if (err != 0) {
		fprintf(stderr, "spawn: pthread_create: %s\n", strerror(err));
		exit(1);
	}
}

static void join(pthread_t t)
{
	int err = pthread_join(t, NULL);

	if (err != 0) {
		fprintf(stderr, "spawn: pthread_join: %s\n", strerror(err));
		exit(1);
	}
}

static double spawn_join_one(long iters)
{
	double start = bench_now_ns();

	for (long i = 0; i < iters; i++) {
		pthread_t t;

		spawn(&t);
		join(t);
	}
	return (bench_now_ns() - start) / (double)iters;
}

static double spawn_many_then_join(long rounds)
{
	double start = bench_now_ns();

	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < MANY_THREADS; i++)
			spawn(&threads[i]);
		for (int i = 0; i < MANY_THREADS; i++)
			join(threads[i]);
	}
	return (bench_now_ns() - start) / ((double)rounds * MANY_THREADS);
}

int main(int argc, char **argv)
{
	double scale;

	scale = bench_scale(argc, argv, "spawn");
	spawn_join_one(100); /* warm up: thread stack cache, page faults */
	printf("spawn_join_one: %.1f ns\n",
	       spawn_join_one(bench_scaled(JOIN_ONE_ITERS, scale)));
	printf("spawn_10k_then_join: %.1f ns\n",
	       spawn_many_then_join(bench_scaled(MANY_ROUNDS, scale)));
	return 0;
}
