/* A thread storm for scripts/demo: plain pthreads, nothing goshim-specific.
 *   storm create   100,000 threads created and joined, 1,000 at a time
 *   storm alive    10,000 threads alive at once, then all ended
 * Prints one line: "phase=P threads=N wall_ms=W peak_rss_kb=R os_threads=T",
 * where R is VmHWM and T the largest "Threads:" count of /proc/self/status
 * seen while the threads were alive. Exits 1 on any failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { CREATE_TOTAL = 100000, CREATE_BATCH = 1000, ALIVE = 10000 };

static atomic_long sum;
static atomic_int started;
static atomic_int release;

/* status_field reads one numeric field ("Threads", "VmHWM") of /proc/self/status. */
static long status_field(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "storm: %s: %s\n", what, strerror(err));
	exit(1);
}

static void *add(void *arg)
{
	atomic_fetch_add_explicit(&sum, (long)(intptr_t)arg, memory_order_relaxed);
	return NULL;
}

/* create_join: CREATE_TOTAL short threads, CREATE_BATCH alive per round. */
static long create_join(void)
{
	static pthread_t ts[CREATE_BATCH];
	long peak = 0, want = 0;
	int err;

	for (int b = 0; b < CREATE_TOTAL / CREATE_BATCH; b++) {
		for (int i = 0; i < CREATE_BATCH; i++) {
			err = pthread_create(&ts[i], NULL, add, (void *)(intptr_t)i);
			if (err)
				die("pthread_create", err);
			want += i;
		}
		long n = status_field("Threads");
		if (n > peak)
			peak = n;
		for (int i = 0; i < CREATE_BATCH; i++) {
			err = pthread_join(ts[i], NULL);
			if (err)
				die("pthread_join", err);
		}
	}
	if (atomic_load_explicit(&sum, memory_order_relaxed) != want)
		die("create", EPROTO);
	return peak;
}

/* link waits for its predecessor in the chain, so that no thread can end
 * before the first one is released: thread k joins thread k-1. Only the
 * first thread polls; the others block in pthread_join. */
static void *link(void *arg)
{
	pthread_t *prev = arg;
	int err;

	atomic_fetch_add_explicit(&started, 1, memory_order_relaxed);
	if (prev == NULL) {
		while (!atomic_load_explicit(&release, memory_order_relaxed))
			sched_yield();
		return NULL;
	}
	err = pthread_join(*prev, NULL);
	if (err)
		die("pthread_join in chain", err);
	return NULL;
}

/* alive: ALIVE threads in one join chain, all alive until main releases
 * the first; main then joins the last. */
static long alive(void)
{
	static pthread_t ts[ALIVE];
	long peak;
	int err;

	for (int k = 0; k < ALIVE; k++) {
		err = pthread_create(&ts[k], NULL, link, k ? &ts[k - 1] : NULL);
		if (err)
			die("pthread_create", err);
	}
	while (atomic_load_explicit(&started, memory_order_relaxed) < ALIVE)
		sched_yield();
	peak = status_field("Threads");
	atomic_store_explicit(&release, 1, memory_order_relaxed);
	err = pthread_join(ts[ALIVE - 1], NULL);
	if (err)
		die("pthread_join", err);
	return peak;
}

int main(int argc, char **argv)
{
	double t0, t1;
	long peak, threads;

	if (argc != 2 || (strcmp(argv[1], "create") && strcmp(argv[1], "alive"))) {
		fprintf(stderr, "usage: storm create|alive\n");
		return 2;
	}
	t0 = now_ms();
	if (strcmp(argv[1], "create") == 0) {
		peak = create_join();
		threads = CREATE_TOTAL;
	} else {
		peak = alive();
		threads = ALIVE;
	}
	t1 = now_ms();
	printf("phase=%s threads=%ld wall_ms=%.1f peak_rss_kb=%ld os_threads=%ld\n", argv[1],
	       threads, t1 - t0, status_field("VmHWM"), peak);
	return 0;
}
