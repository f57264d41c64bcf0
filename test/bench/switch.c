/* Yield switch benchmark: two threads take turns on an atomic turn variable,
 * each waiting for its turn with "while (turn != me) sched_yield();" and then
 * handing the turn to the other. Prints "name: value unit" lines for
 * scripts/bench; test/bench/go/switch is the same workload with runtime.Gosched.
 * Usage: switch [SCALE]  (SCALE multiplies the iteration counts, default 1). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

enum {
	ROUNDS = 1000000, /* turns per thread: ~0.2-1 s natively on 2 cores */
	WARMUP_ROUNDS = 20000,
};

static atomic_int turn; /* whose turn it is, 0 or 1 */

struct player {
	int me;
	long rounds;
};

/* play takes rounds turns: yield until mine, hand it to the other player. */
static void *play(void *arg)
{
	struct player *pl = arg;

	for (long i = 0; i < pl->rounds; i++) {
		while (atomic_load(&turn) != pl->me)
			sched_yield();
		atomic_store(&turn, 1 - pl->me);
	}
	return NULL;
}

/* run takes rounds turns per player; returns ns per switch (turn hand-off). */
static double run(long rounds)
{
	struct player p0 = { 0, rounds }, p1 = { 1, rounds };
	pthread_t t;
	double start;

	atomic_store(&turn, 0);
	start = bench_now_ns();
	bench_check(pthread_create(&t, NULL, play, &p1), "pthread_create");
	play(&p0);
	bench_check(pthread_join(t, NULL), "pthread_join");
	return (bench_now_ns() - start) / (2.0 * (double)rounds);
}

int main(int argc, char **argv)
{
	double scale;

	scale = bench_scale(argc, argv, "switch");
	run(WARMUP_ROUNDS);
	printf("yield_switch: %.1f ns\n", run(bench_scaled(ROUNDS, scale)));
	return 0;
}
