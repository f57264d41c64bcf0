/* What every test/bench program shares: its scale argument, the clock, and the exit on a
 * failed call. Each program prints "metric: value unit" lines for scripts/bench. */
#ifndef GS_BENCH_H
#define GS_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *bench_name = "bench";

/* bench_scale reads the optional SCALE argument (default 1), exiting 2 on a bad one. */
static inline double bench_scale(int argc, char **argv, const char *name)
{
	double scale = 1.0;

	bench_name = name;
	if (argc > 2 || (argc == 2 && (scale = strtod(argv[1], NULL)) <= 0)) {
		fprintf(stderr, "usage: %s [SCALE]\n", name);
		exit(2);
	}
	return scale;
}

/* bench_scaled is n times scale, rounded, at least 1. */
static inline long bench_scaled(long n, double scale)
{
	long v = (long)((double)n * scale + 0.5);

	return v < 1 ? 1 : v;
}

static inline double bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* bench_check exits if a pthread-style call returned an error number. */
static inline void bench_check(int err, const char *what)
{
	if (err != 0) {
		fprintf(stderr, "%s: %s: %s\n", bench_name, what, strerror(err));
		exit(1);
	}
}

#endif
