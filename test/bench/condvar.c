/* Condition variable ping-pong benchmark: two threads take turns on a shared turn
 * variable under one mutex, each waiting for its turn with pthread_cond_wait and
 * signalling the other. Prints "name: value unit" lines for scripts/bench;
 * test/bench/go/condvar is the same workload with sync.Mutex and sync.Cond.
 * Usage: condvar [SCALE]  (SCALE multiplies the iteration counts, default 1). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

enum {
	ROUNDS = 8000, /* round trips: ~0.2-0.5 s natively on 2 cores */
	WARMUP_ROUNDS = 1000,
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn; /* mu: whose turn it is, 0 or 1 */

struct player {
	int me;
	long rounds;
};

/* play takes rounds turns: wait for mine, hand it to the other player. */
static void *play(void *arg)
{
	struct player *pl = arg;

	bench_check(pthread_mutex_lock(&mu), "pthread_mutex_lock");
	for (long i = 0; i < pl->rounds; i++) {
		while (turn != pl->me)
			bench_check(pthread_cond_wait(&cv, &mu), "pthread_cond_wait");
		turn = 1 - pl->me;
		bench_check(pthread_cond_signal(&cv), "pthread_cond_signal");
	}
	bench_check(pthread_mutex_unlock(&mu), "pthread_mutex_unlock");
	return NULL;
}

/* pingpong runs rounds round trips (player 0 -> 1 -> 0); returns ns per round trip. */
static double pingpong(long rounds)
{
	struct player p0 = { 0, rounds }, p1 = { 1, rounds };
	pthread_t t;
	double start;

	turn = 0;
	start = bench_now_ns();
	bench_check(pthread_create(&t, NULL, play, &p1), "pthread_create");
	play(&p0);
	bench_check(pthread_join(t, NULL), "pthread_join");
	return (bench_now_ns() - start) / (double)rounds;
}

int main(int argc, char **argv)
{
	double scale;

	scale = bench_scale(argc, argv, "condvar");
	pingpong(WARMUP_ROUNDS);
	printf("condvar_pingpong: %.1f ns\n", pingpong(bench_scaled(ROUNDS, scale)));
	return 0;
}
