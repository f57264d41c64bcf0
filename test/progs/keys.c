/* pthread keys: per-thread values, destructors at thread exit (with the
 * value, re-run when they re-set it), pthread_key_delete, fresh threads
 * seeing NULL. Sync: atomics, sched_yield and pthread_join only.
 * goshim-test: tls-shared */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 32, NKEYS = 64, RESETS = 2 };

static atomic_int nfail;
static pthread_key_t plain_key, reset_key, forever_key, deleted_key;
static pthread_key_t many[NKEYS];
static long slots[NTHREADS];
static atomic_int slot_seen[NTHREADS];
static atomic_int plain_calls, reset_calls, forever_calls, deleted_calls, many_calls;
static atomic_int max_forever_round;

struct resetter {
	pthread_key_t key;
	int round;
	atomic_int *calls;
	int max_resets;
};
static struct resetter resetters[NTHREADS];
static struct resetter foreverers[NTHREADS];

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

static void plain_dtor(void *v)
{
	long *p = v;
	long i = p - slots;

	check(i >= 0 && i < NTHREADS, "plain dtor value in slots", i, NTHREADS);
	if (i < 0 || i >= NTHREADS)
		return;
	check(*p == i * 11, "plain dtor sees value", *p, i * 11);
	check(pthread_getspecific(plain_key) == NULL, "value NULL during dtor", 0, 0);
	atomic_fetch_add_explicit(&slot_seen[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&plain_calls, 1, memory_order_relaxed);
}

/* Re-sets its own value up to max_resets times; the implementation must call
 * it again each time. */
static void reset_dtor(void *v)
{
	struct resetter *r = v;

	atomic_fetch_add_explicit(r->calls, 1, memory_order_relaxed);
	check(pthread_getspecific(r->key) == NULL, "reset value NULL during dtor", 0, 0);
	r->round++;
	if (r->round <= r->max_resets)
		check(pthread_setspecific(r->key, r) == 0, "setspecific in dtor", 0, 0);
	if (r->max_resets > RESETS) {
		int m = get(&max_forever_round);

		while (r->round > m && !atomic_compare_exchange_weak_explicit(
			       &max_forever_round, &m, r->round, memory_order_relaxed,
			       memory_order_relaxed))
			;
	}
}

static void deleted_dtor(void *v)
{
	(void)v;
	atomic_fetch_add_explicit(&deleted_calls, 1, memory_order_relaxed);
}

static void many_dtor(void *v)
{
	check(v != NULL, "many dtor value", 0, 0);
	atomic_fetch_add_explicit(&many_calls, 1, memory_order_relaxed);
}

static void *worker(void *arg)
{
	long i = (long)(intptr_t)arg;

	check(pthread_getspecific(plain_key) == NULL, "fresh plain NULL", i, 0);
	check(pthread_getspecific(reset_key) == NULL, "fresh reset NULL", i, 0);
	slots[i] = i * 11;
	/* Even threads set then clear plain_key: a NULL value gets no call. */
	check(pthread_setspecific(plain_key, &slots[i]) == 0, "setspecific plain", i, 0);
	if (i % 2 == 0)
		check(pthread_setspecific(plain_key, NULL) == 0, "clear plain", i, 0);
	resetters[i] = (struct resetter){ reset_key, 0, &reset_calls, RESETS };
	check(pthread_setspecific(reset_key, &resetters[i]) == 0, "setspecific reset", i, 0);
	foreverers[i] = (struct resetter){ forever_key, 0, &forever_calls, INT_MAX };
	check(pthread_setspecific(forever_key, &foreverers[i]) == 0, "setspecific forever",
	      i, 0);
	for (int k = 0; k < NKEYS; k++)
		check(pthread_setspecific(many[k], &slots[i]) == 0, "setspecific many", k, 0);
	sched_yield();
	check(pthread_getspecific(plain_key) == (i % 2 ? &slots[i] : NULL),
	      "getspecific plain after yield", i, 0);
	for (int k = 0; k < NKEYS; k++)
		check(pthread_getspecific(many[k]) == &slots[i], "getspecific many", k, i);
	return NULL;
}

static atomic_int holder_set, holder_go;

static void *deleted_holder(void *arg)
{
	(void)arg;
	check(pthread_setspecific(deleted_key, &slots[0]) == 0, "setspecific deleted", 0, 0);
	atomic_store_explicit(&holder_set, 1, memory_order_release);
	while (!atomic_load_explicit(&holder_go, memory_order_acquire))
		sched_yield();
	return NULL;
}

static void *fresh_reader(void *arg)
{
	pthread_key_t k = *(pthread_key_t *)arg;

	return pthread_getspecific(k);
}

static void run_workers(void)
{
	pthread_t ts[NTHREADS];

	for (long i = 0; i < NTHREADS; i++)
		check(pthread_create(&ts[i], NULL, worker, (void *)(intptr_t)i) == 0,
		      "pthread_create", i, 0);
	for (long i = 0; i < NTHREADS; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	for (long i = 0; i < NTHREADS; i++)
		check(get(&slot_seen[i]) == i % 2, "plain dtor once per odd thread",
		      get(&slot_seen[i]), i % 2);
}

/* A key deleted while a thread holds a value: its destructor never runs. A
 * key created afterwards (which may reuse the slot) reads NULL everywhere. */
static void run_delete(void)
{
	pthread_t t, r;
	pthread_key_t fresh;
	void *got = &got;

	check(pthread_key_create(&deleted_key, deleted_dtor) == 0, "key_create deleted", 0, 0);
	check(pthread_setspecific(deleted_key, &slots[1]) == 0, "main setspecific", 0, 0);
	check(pthread_create(&t, NULL, deleted_holder, NULL) == 0, "create holder", 0, 0);
	while (!atomic_load_explicit(&holder_set, memory_order_acquire))
		sched_yield();
	check(pthread_key_delete(deleted_key) == 0, "key_delete", 0, 0);
	check(pthread_key_create(&fresh, deleted_dtor) == 0, "key_create fresh", 0, 0);
	check(pthread_getspecific(fresh) == NULL, "main reads NULL from fresh key", 0, 0);
	atomic_store_explicit(&holder_go, 1, memory_order_release);
	check(pthread_join(t, NULL) == 0, "join holder", 0, 0);
	check(pthread_create(&r, NULL, fresh_reader, &fresh) == 0, "create reader", 0, 0);
	check(pthread_join(r, &got) == 0, "join reader", 0, 0);
	check(got == NULL, "fresh thread reads NULL from fresh key", 0, 0);
	check(pthread_key_delete(fresh) == 0, "key_delete fresh", 0, 0);
}

int main(void)
{
	static long main_value = 99;

	check(pthread_key_create(&plain_key, plain_dtor) == 0, "key_create plain", 0, 0);
	check(pthread_key_create(&reset_key, reset_dtor) == 0, "key_create reset", 0, 0);
	check(pthread_key_create(&forever_key, reset_dtor) == 0, "key_create forever", 0, 0);
	for (int k = 0; k < NKEYS; k++)
		check(pthread_key_create(&many[k], many_dtor) == 0, "key_create many", k, 0);
	check(pthread_setspecific(plain_key, &main_value) == 0, "main setspecific", 0, 0);

	run_workers();
	check(pthread_getspecific(plain_key) == &main_value, "main value kept", 0, 0);
	run_delete();

	int fr = get(&max_forever_round);

	check(get(&plain_calls) == NTHREADS / 2, "plain calls",
	      get(&plain_calls), NTHREADS / 2);
	check(get(&reset_calls) == NTHREADS * (RESETS + 1), "reset calls",
	      get(&reset_calls), NTHREADS * (RESETS + 1));
	check(fr >= 1 && fr <= PTHREAD_DESTRUCTOR_ITERATIONS, "forever rounds", fr,
	      PTHREAD_DESTRUCTOR_ITERATIONS);
	check(get(&forever_calls) == NTHREADS * fr, "forever calls",
	      get(&forever_calls), NTHREADS * fr);
	check(get(&many_calls) == NTHREADS * NKEYS, "many calls",
	      get(&many_calls), NTHREADS * NKEYS);
	check(get(&deleted_calls) == 0, "deleted key dtor calls",
	      get(&deleted_calls), 0);
	printf("plain destructor calls: %d\n", get(&plain_calls));
	printf("re-setting destructor calls: %d (%d per thread)\n", get(&reset_calls),
	       RESETS + 1);
	printf("always re-setting destructor: %d rounds per thread\n", fr);
	printf("%d keys x %d threads destructor calls: %d\n", NKEYS, NTHREADS,
	       get(&many_calls));
	printf("deleted key destructor calls: %d\n", get(&deleted_calls));
	return get(&nfail) != 0;
}
