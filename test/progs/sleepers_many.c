/* Many sleeping threads at once: 100,000 under goshim (LD_PRELOAD names libgoshim), 1,000
 * natively (an argument overrides the count); all are created and gathered at a gate
 * first, then each sleeps 1 s in one of nanosleep, usleep, sleep, and clock_nanosleep with
 * a relative or an absolute deadline; every one must wake, and none before its second is
 * up. The output does not depend on the count. Then the order of wake-ups: 20 threads
 * sleep with clock_nanosleep(TIMER_ABSTIME) to CLOCK_MONOTONIC deadlines 25 ms apart,
 * given in reverse order of creation (absolute, so that the order does not depend on when
 * each thread got past the gate); each records itself on waking. The record must be in
 * deadline order under goshim with GOMAXPROCS=1, where it is certain: the one P runs the
 * overdue timers in deadline order and then their Gs first in, first out (unless a
 * thread began to sleep after its deadline, held up by a busy machine). Natively, or
 * with several Ps, a busy machine may hold a woken thread past the next deadline (a native
 * run once recorded 19 18 17 16 15 14 13 6 7 3 ...), so there only all must wake. Every
 * thread has a 64 KiB stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { GOSHIM_SLEEPERS = 100000, NATIVE_SLEEPERS = 1000, STACK = 64 * 1024, NKINDS = 5,
       NORDER = 20, STEP_MS = 25, FIRST_MS = 100 };

static const char *const kinds[NKINDS] = { "nanosleep", "usleep", "sleep",
					   "clock_nanosleep relative", "clock_nanosleep absolute" };

static atomic_int nfail;
static pthread_attr_t attr;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;	/* the gate opening */
static pthread_cond_t arrive = PTHREAD_COND_INITIALIZER;	/* main waits: no herd of sleepers */
static long arrived;		/* mu */
static int go;			/* mu */
static long woke[NKINDS];	/* mu */
static long early[NKINDS];	/* mu */

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static long long ns_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static struct timespec ts_of(long long ns)
{
	return (struct timespec){ (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
}

/* gate: counts the caller in and waits until main opens the gate. */
static void gate(void)
{
	pthread_mutex_lock(&mu);
	arrived++;
	pthread_cond_signal(&arrive);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

/* open_gate: waits for n arrivals, then lets them all go. */
static void open_gate(long n)
{
	pthread_mutex_lock(&mu);
	while (arrived < n)
		pthread_cond_wait(&arrive, &mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void close_gate(void)
{
	pthread_mutex_lock(&mu);
	arrived = 0;
	go = 0;
	pthread_mutex_unlock(&mu);
}

static int sleep_one_second(int kind, long long start)
{
	struct timespec one = { 1, 0 }, deadline = ts_of(start + 1000000000ll);

	switch (kind) {
	case 0:
		return nanosleep(&one, NULL);
	case 1:
		return usleep(1000000);
	case 2:
		return (int)sleep(1);
	case 3:
		return clock_nanosleep(CLOCK_MONOTONIC, 0, &one, NULL);
	default:
		return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
	}
}

static void *sleeper(void *arg)
{
	int kind = (int)((uintptr_t)arg % NKINDS), r;
	long long start, slept;

	gate();
	start = ns_now();
	r = sleep_one_second(kind, start);
	slept = ns_now() - start;
	check(r == 0, kinds[kind], r, errno);
	pthread_mutex_lock(&mu);
	woke[kind]++;
	early[kind] += slept < 1000000000ll;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static int under_goshim(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "libgoshim");
}

static long sleepers_wanted(int argc, char **argv)
{
	if (argc > 1)
		return strtol(argv[1], NULL, 10);
	return under_goshim() ? GOSHIM_SLEEPERS : NATIVE_SLEEPERS;
}

static void many(long n)
{
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	long total = 0, total_early = 0;

	if (t == NULL) {
		printf("FAIL calloc\n");
		exit(1);
	}
	for (long i = 0; i < n; i++) {
		int err = pthread_create(&t[i], &attr, sleeper, (void *)(uintptr_t)i);

		check(err == 0, "pthread_create", i, err);
		if (err != 0)
			exit(1);
	}
	open_gate(n);
	for (long i = 0; i < n; i++)
		check(pthread_join(t[i], NULL) == 0, "pthread_join", i, 0);
	for (int k = 0; k < NKINDS; k++) {
		total += woke[k];
		total_early += early[k];
		check(woke[k] == n / NKINDS + (k < n % NKINDS), kinds[k], woke[k], n / NKINDS);
		check(early[k] == 0, "woke before 1 s", early[k], 0);
	}
	check(total == n, "sleepers woken", total, n);
	printf("sleepers: all woke, none before its second was up: %s\n",
	       total == n && total_early == 0 ? "yes" : "no");
	free(t);
}

static long long order_base;	/* written before the gate opens */
static int order[NORDER], norder;	/* mu */
static atomic_int order_late;	/* a sleeper's deadline had passed when it began to sleep */

static void record(long i)
{
	pthread_mutex_lock(&mu);
	order[norder++] = (int)i;
	pthread_mutex_unlock(&mu);
}

/* Thread i's deadline is the (NORDER - i)th, so the last created wakes first. */
static void *ordered_sleeper(void *arg)
{
	long i = (long)(intptr_t)arg;
	struct timespec deadline;
	int r;

	gate();
	deadline = ts_of(order_base + (FIRST_MS + (NORDER - 1 - i) * STEP_MS) * 1000000ll);
	if (ns_now() >= order_base + (FIRST_MS + (NORDER - 1 - i) * STEP_MS) * 1000000ll)
		atomic_store(&order_late, 1);
	while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL)) == EINTR)
		;
	check(r == 0, "clock_nanosleep", i, r);
	record(i);
	return NULL;
}

static void ordered(void)
{
	const char *procs = getenv("GOMAXPROCS");
	int must_order = under_goshim() && procs && strcmp(procs, "1") == 0;
	pthread_t t[NORDER];
	int in_order = 1;

	close_gate();
	for (long i = 0; i < NORDER; i++)
		check(pthread_create(&t[i], &attr, ordered_sleeper, (void *)(intptr_t)i) == 0,
		      "pthread_create", i, 0);
	order_base = ns_now();
	open_gate(NORDER);
	for (int i = 0; i < NORDER; i++)
		check(pthread_join(t[i], NULL) == 0, "pthread_join", i, 0);
	for (int k = 0; k < NORDER; k++)
		in_order &= order[k] == NORDER - 1 - k;
	printf("%d sleepers with deadlines %d ms apart all woke: %s\n", NORDER, STEP_MS,
	       norder == NORDER ? "yes" : "no");
	if (must_order && !in_order && !atomic_load(&order_late)) {
		atomic_fetch_add(&nfail, 1);
		printf("FAIL wake-up order:");
		for (int k = 0; k < norder; k++)
			printf(" %d", order[k]);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	long n = sleepers_wanted(argc, argv);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (n < 1 || pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, STACK) != 0) {
		printf("FAIL setup (count %ld)\n", n);
		return 1;
	}
	many(n);
	ordered();
	return atomic_load(&nfail) != 0;
}
