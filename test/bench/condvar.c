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

static void check(int err, const char *what)
{
	if (err != 0) {
		fprintf(stderr, "condvar: %s: %s\n", what, strerror(err));
		exit(1);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("condvar: clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* play takes rounds turns: wait for mine, hand it to the other player. */
static void *play(void *arg)
{
	struct player *pl = arg;

	check(pthread_mutex_lock(&mu), "pthread_mutex_lock");
	for (long i = 0; i < pl->rounds; i++) {
		while (turn != pl->me)
			check(pthread_cond_wait(&cv, &mu), "pthread_cond_wait");
		turn = 1 - pl->me;
		check(pthread_cond_signal(&cv), "pthread_cond_signal");
	}
	check(pthread_mutex_unlock(&mu), "pthread_mutex_unlock");
	return NULL;
}

/* pingpong runs rounds round trips (player 0 -> 1 -> 0); returns ns per round trip. */
static double pingpong(long rounds)
{
	struct player p0 = { 0, rounds }, p1 = { 1, rounds };
	pthread_t t;
	double start;

	turn = 0;
	start = now_ns();
	check(pthread_create(&t, NULL, play, &p1), "pthread_create");
	play(&p0);
	check(pthread_join(t, NULL), "pthread_join");
	return (now_ns() - start) / (double)rounds;
}

static long scaled(long n, double scale)
{
	long v = (long)((double)n * scale + 0.5);

	return v < 1 ? 1 : v;
}

int main(int argc, char **argv)
{
	double scale = 1.0;

	if (argc > 2 || (argc == 2 && (scale = strtod(argv[1], NULL)) <= 0)) {
		fprintf(stderr, "usage: condvar [SCALE]\n");
		return 2;
	}
	pingpong(WARMUP_ROUNDS);
	printf("condvar_pingpong: %.1f ns\n", pingpong(scaled(ROUNDS, scale)));
	return 0;
}
