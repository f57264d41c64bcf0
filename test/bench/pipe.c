/* Pipe ping-pong benchmark: two threads bounce one byte back and forth over a
 * pair of pipes, each blocking in read(2) until the other writes. Prints
 * "name: value unit" lines for scripts/bench; test/bench/go/pipe is the same
 * workload with os.Pipe and goroutines.
 * Usage: pipe [SCALE]  (SCALE multiplies the iteration counts, default 1). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

enum {
	ROUNDS = 10000, /* round trips: ~0.2-1 s natively on 2 cores */
	WARMUP_ROUNDS = 2000,
};

static int ping[2], pong[2]; /* main -> echoer, echoer -> main */

static void put(int fd)
{
	char c = 'x';
	ssize_t n;

	while ((n = write(fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1) {
		perror("pipe: write");
		exit(1);
	}
}

static void get(int fd)
{
	char c;
	ssize_t n;

	while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1) {
		fprintf(stderr, "pipe: read: %s\n", n == 0 ? "unexpected EOF" : strerror(errno));
		exit(1);
	}
}

/* echo answers every byte on ping with one on pong. */
static void *echo(void *arg)
{
	long rounds = *(long *)arg;

	for (long i = 0; i < rounds; i++) {
		get(ping[0]);
		put(pong[1]);
	}
	return NULL;
}

/* pingpong runs rounds round trips; returns ns per round trip. */
static double pingpong(long rounds)
{
	pthread_t t;
	double start = bench_now_ns();

	bench_check(pthread_create(&t, NULL, echo, &rounds), "pthread_create");
	for (long i = 0; i < rounds; i++) {
		put(ping[1]);
		get(pong[0]);
	}
	bench_check(pthread_join(t, NULL), "pthread_join");
	return (bench_now_ns() - start) / (double)rounds;
}

int main(int argc, char **argv)
{
	double scale;

	scale = bench_scale(argc, argv, "pipe");
	if (pipe(ping) != 0 || pipe(pong) != 0) {
		perror("pipe: pipe");
		return 1;
	}
	pingpong(WARMUP_ROUNDS);
	printf("pipe_pingpong: %.1f ns\n", pingpong(bench_scaled(ROUNDS, scale)));
	return 0;
}
