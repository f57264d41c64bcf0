/* C11 <threads.h>: thrd_create/join/exit/yield/current/equal/detach/sleep,
 * plus call_once and tss with destructors. Sync: atomics and thrd_join.
 * goshim-test: tls-shared */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

enum { NTHREADS = 32, NDETACHED = 64, YIELDS = 100 };

static atomic_int nfail;
static atomic_int detached_done;
static atomic_int once_calls;
static atomic_int tss_dtor_calls;
static once_flag flag = ONCE_FLAG_INIT;
static tss_t key;
static thrd_t main_thrd;
static int tss_values[NTHREADS];

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

/* get is a relaxed load: callers poll a counter, or read it after joining
 * (or otherwise synchronizing with) its writers. */
static inline int get(atomic_int *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

static void once_init(void)
{
	atomic_fetch_add_explicit(&once_calls, 1, memory_order_relaxed);
}

static void tss_dtor(void *v)
{
	int *p = v;

	check(p >= tss_values && p < tss_values + NTHREADS, "tss dtor value", 0, 0);
	atomic_fetch_add_explicit(&tss_dtor_calls, 1, memory_order_relaxed);
}

/* Calls thrd_exit(res) from depth frames down; returns only for res < 0. */
static int exit_from(int depth, int res)
{
	if (depth == 0) {
		if (res >= 0)
			thrd_exit(res);
		return res;
	}
	thrd_yield();
	return exit_from(depth - 1, res) + 1;
}

static int worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	thrd_t self = thrd_current();

	check(thrd_equal(self, thrd_current()), "thrd_equal(self, self)", id, 0);
	check(!thrd_equal(self, main_thrd), "thrd_equal(self, main)", id, 0);
	call_once(&flag, once_init);
	check(tss_get(key) == NULL, "fresh tss NULL", id, 0);
	tss_values[id] = id;
	check(tss_set(key, &tss_values[id]) == thrd_success, "tss_set", id, 0);
	for (int i = 0; i < YIELDS; i++)
		thrd_yield();
	check(tss_get(key) == &tss_values[id], "tss_get after yields", id, 0);
	if (id % 4 == 3)
		return -exit_from(10, id * 10 + 1);
	return id * 10;
}

static int sleeper(void *arg)
{
	struct timespec ts = { 0, 1000000 };
	struct timespec rem = { 7, 7 };
	int r = thrd_sleep(&ts, &rem);

	check(r == 0, "thrd_sleep returns 0", r, 0);
	(void)arg;
	return r;
}

static int detached(void *arg)
{
	thrd_yield();
	atomic_fetch_add_explicit(&detached_done, 1, memory_order_release);
	return (int)(intptr_t)arg;
}

int main(void)
{
	thrd_t ts[NTHREADS], s, d;
	long sum = 0, expect = 0;

	main_thrd = thrd_current();
	check(tss_create(&key, tss_dtor) == thrd_success, "tss_create", 0, 0);
	for (int i = 0; i < NTHREADS; i++)
		check(thrd_create(&ts[i], worker, (void *)(intptr_t)i) == thrd_success,
		      "thrd_create", i, 0);
	for (int i = 0; i < NTHREADS; i++) {
		int res = -1;

		check(thrd_join(ts[i], &res) == thrd_success, "thrd_join", i, 0);
		check(res == i * 10 + (i % 4 == 3), "thrd_join result", res, i * 10 + (i % 4 == 3));
		sum += res;
		expect += i * 10 + (i % 4 == 3);
	}
	check(sum == expect, "result sum", sum, expect);
	printf("joined %d threads, result sum %ld (%d via thrd_exit)\n", NTHREADS, sum,
	       NTHREADS / 4);
	check(get(&once_calls) == 1, "call_once", get(&once_calls), 1);
	check(get(&tss_dtor_calls) == NTHREADS, "tss dtor calls",
	      get(&tss_dtor_calls), NTHREADS);
	printf("call_once calls: %d, tss destructor calls: %d\n", get(&once_calls),
	       get(&tss_dtor_calls));

	int res = -1;

	check(thrd_create(&s, sleeper, NULL) == thrd_success, "thrd_create sleeper", 0, 0);
	check(thrd_join(s, &res) == thrd_success && res == 0, "sleeper", res, 0);
	printf("thrd_sleep: %d\n", res);

	for (int i = 0; i < NDETACHED; i++) {
		check(thrd_create(&d, detached, (void *)(intptr_t)i) == thrd_success,
		      "thrd_create detached", i, 0);
		check(thrd_detach(d) == thrd_success, "thrd_detach", i, 0);
	}
	while (atomic_load_explicit(&detached_done, memory_order_acquire) < NDETACHED)
		thrd_yield();
	printf("detached threads finished: %d\n", get(&detached_done));
	tss_delete(key);
	return get(&nfail) != 0;
}
