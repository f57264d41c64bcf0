/* Sleepers benchmark: N threads, all created, then all joined, for N = 10,000, 100,000
 * and 1,000,000; each sleeps 1 s in nanosleep, then, if the creating thread has not yet
 * created all N (it takes longer than a second where 1,000,000 cost a few µs each),
 * waits on a condition variable until it has, so that all N are alive at once (sleeping
 * again instead would add a wake-up per thread and second of creation, and distort the
 * wall time: 31 s instead of 10 s for Go's 1,000,000). Reports the wall time and the
 * peak resident memory per thread (VmHWM at the end minus VmRSS before the first create).
 * Default thread attributes, as a real program would use: an 8 MiB stack each (natively
 * and under goshim), of which only the touched pages become resident.
 *
 * Each N runs in a fresh process (this program with --threads N, in the caller's mode:
 * under goshim when the caller is), so that each RSS figure is that N's alone and a case
 * that dies or hangs costs only its own two metrics. Where the threads cannot be created
 * (natively the kernel stops near kernel.pid_max, 32,768 by default; every stack is a
 * mapping, so vm.max_map_count, 65,530 by default, bounds it too) or the case dies or
 * outlives its deadline, both of its metrics are "metric: FAIL reason".
 * test/bench/go/sleepers is the same workload with goroutines and time.Sleep.
 *
 * Prints: sleepers_10k_wall (ms), sleepers_10k_rss (KiB/thread), the same for 100k and 1M.
 * Usage: sleepers [SCALE]  The counts are in the metric names, so SCALE does not change
 *                          them; SCALE < 1 (scripts/bench --quick) skips 1,000,000.
 *        sleepers --threads N  One case, in this process. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

enum {
	SLEEP_MS = 1000,
};

static const struct sleepers_case {
	long threads;
	const char *label;
	int min_scale_1;	/* run only at SCALE >= 1 */
	int timeout_s;		/* generous: the child's own run, setup included */
} cases[] = {
	{ 10000, "10k", 0, 60 },
	{ 100000, "100k", 0, 120 },
	{ 1000000, "1M", 1, 300 },
};

static pthread_mutex_t created_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t created_cond = PTHREAD_COND_INITIALIZER;
static atomic_bool all_created;	/* set under created_lock */

static void *sleeper(void *arg)
{
	struct timespec ts = { SLEEP_MS / 1000, (SLEEP_MS % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	/* pairs with the release store in set_all_created */
	if (atomic_load_explicit(&all_created, memory_order_acquire))
		return arg;
	bench_check(pthread_mutex_lock(&created_lock), "pthread_mutex_lock");
	while (!atomic_load_explicit(&all_created, memory_order_relaxed))
		bench_check(pthread_cond_wait(&created_cond, &created_lock), "pthread_cond_wait");
	bench_check(pthread_mutex_unlock(&created_lock), "pthread_mutex_unlock");
	return arg;
}

static void set_all_created(void)
{
	bench_check(pthread_mutex_lock(&created_lock), "pthread_mutex_lock");
	atomic_store_explicit(&all_created, true, memory_order_release);
	bench_check(pthread_cond_broadcast(&created_cond), "pthread_cond_broadcast");
	bench_check(pthread_mutex_unlock(&created_lock), "pthread_mutex_unlock");
}

/* run_case creates n sleepers, joins them, and prints the case's two metrics. */
static int run_case(long n, const char *label)
{
	double start, wall_ms;
	long rss_before;
	pthread_t *threads = calloc((size_t)n, sizeof *threads);

	if (threads == NULL) {
		perror("sleepers: calloc");
		return 1;
	}
	rss_before = bench_status_kib("VmRSS:");
	start = bench_now_ns();
	for (long i = 0; i < n; i++) {
		int err = pthread_create(&threads[i], NULL, sleeper, NULL);

		if (err != 0) {
			/* Not a crash: the native limit is the point of the comparison. */
			printf("sleepers_%s_wall: FAIL pthread_create: %s after %ld threads\n",
			       label, strerror(err), i);
			printf("sleepers_%s_rss: FAIL pthread_create: %s after %ld threads\n",
			       label, strerror(err), i);
			fflush(stdout);
			_exit(0); /* the threads created so far are still sleeping */
		}
	}
	set_all_created();
	for (long i = 0; i < n; i++)
		bench_check(pthread_join(threads[i], NULL), "pthread_join");
	wall_ms = (bench_now_ns() - start) / 1e6;
	printf("sleepers_%s_wall: %.1f ms\n", label, wall_ms);
	printf("sleepers_%s_rss: %.2f KiB/thread\n", label,
	       (double)(bench_status_kib("VmHWM:") - rss_before) / (double)n);
	free(threads);
	return 0;
}

/* drive_case runs one case in a child and passes its metrics on, or FAIL for both. */
static void drive_case(char *self, const struct sleepers_case *cs)
{
	char count[32], line[512], why[512], wall[64], rss[64];
	char *argv[] = { self, "--threads", count, NULL };
	double deadline = bench_now_ns() + cs->timeout_s * 1e9;
	bool got_wall = false, got_rss = false;
	struct bench_child c;
	int r;

	snprintf(count, sizeof count, "%ld", cs->threads);
	snprintf(wall, sizeof wall, "sleepers_%s_wall:", cs->label);
	snprintf(rss, sizeof rss, "sleepers_%s_rss:", cs->label);
	bench_child_start(&c, argv, false);
	while ((r = bench_child_line(&c, deadline, line, sizeof line)) > 0) {
		if (strncmp(line, wall, strlen(wall)) == 0)
			got_wall = true;
		else if (strncmp(line, rss, strlen(rss)) == 0)
			got_rss = true;
		else
			continue;
		printf("%s\n", line);
	}
	if (bench_child_end(&c, deadline, why, sizeof why))
		snprintf(why, sizeof why, "no output");
	if (r < 0)
		snprintf(why, sizeof why, "timed out after %d s", cs->timeout_s);
	if (!got_wall)
		printf("%s FAIL %s\n", wall, why);
	if (!got_rss)
		printf("%s FAIL %s\n", rss, why);
}

int main(int argc, char **argv)
{
	double scale;

	if (argc == 3 && strcmp(argv[1], "--threads") == 0) {
		long n = strtol(argv[2], NULL, 10);

		bench_name = "sleepers";
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
			if (cases[i].threads == n)
				return run_case(n, cases[i].label);
		fprintf(stderr, "sleepers: --threads: want 10000, 100000 or 1000000\n");
		return 2;
	}
	scale = bench_scale(argc, argv, "sleepers");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].min_scale_1 && scale < 1)
			continue;
		drive_case(argv[0], &cases[i]);
		fflush(stdout);
	}
	return 0;
}
