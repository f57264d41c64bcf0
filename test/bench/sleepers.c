/* Sleepers benchmark: create 10,000 threads that each sleep 1 s in nanosleep,
 * then join them all; reports the wall time and the peak resident memory per
 * thread. Default thread attributes, as a real program would use. Prints
 * "name: value unit" lines for scripts/bench ("name: FAIL reason" when the
 * threads cannot be created); test/bench/go/sleepers is the same workload with
 * goroutines and time.Sleep.
 * Usage: sleepers [SCALE]  (SCALE multiplies the thread count, default 1). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

enum {
	THREADS = 10000,
	SLEEP_MS = 1000,
};

static void *sleeper(void *arg)
{
	struct timespec ts = { SLEEP_MS / 1000, (SLEEP_MS % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return arg;
}

/* status_kib returns the value of FIELD (e.g. "VmHWM:") in /proc/self/status, in KiB. */
static long status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (f == NULL) {
		perror("sleepers: /proc/self/status");
		exit(1);
	}
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0) {
			v = strtol(line + strlen(field), NULL, 10);
			break;
		}
	fclose(f);
	if (v < 0) {
		fprintf(stderr, "sleepers: no %s in /proc/self/status\n", field);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	double scale, start, wall_ms;
	long n, rss_before;
	pthread_t *threads;

	scale = bench_scale(argc, argv, "sleepers");
	n = bench_scaled(THREADS, scale);
	threads = calloc((size_t)n, sizeof *threads);
	if (threads == NULL) {
		perror("sleepers: calloc");
		return 1;
	}
	rss_before = status_kib("VmRSS:");
	start = bench_now_ns();
	for (long i = 0; i < n; i++) {
		int err = pthread_create(&threads[i], NULL, sleeper, NULL);

		if (err != 0) {
			/* Not a crash: the native limit is the point of the comparison. */
			printf("sleepers_10k_wall: FAIL pthread_create: %s\n", strerror(err));
			printf("sleepers_10k_rss_per_thread: FAIL pthread_create: %s\n", strerror(err));
			fflush(stdout);
			_exit(0); /* the threads created so far are still sleeping */
		}
	}
	for (long i = 0; i < n; i++) {
		int err = pthread_join(threads[i], NULL);

		if (err != 0) {
			fprintf(stderr, "sleepers: pthread_join: %s\n", strerror(err));
			return 1;
		}
	}
	wall_ms = (bench_now_ns() - start) / 1e6;
	printf("sleepers_10k_wall: %.1f ms\n", wall_ms);
	printf("sleepers_10k_rss_per_thread: %.2f KiB\n",
	       (double)(status_kib("VmHWM:") - rss_before) / (double)n);
	free(threads);
	return 0;
}
