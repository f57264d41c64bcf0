/* pthread_once raced by 64 threads over several once controls, one of whose
 * init routines itself runs another pthread_once. Sync: atomics only.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { NTHREADS = 64, NONCE = 4, INIT_YIELDS = 200 };

static atomic_int nfail;
static atomic_int go;
static atomic_int ready;
static pthread_once_t onces[NONCE] = { PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT,
				       PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT };
static pthread_once_t inner_once = PTHREAD_ONCE_INIT;
static atomic_int init_calls[NONCE];
static atomic_int inner_calls;
/* Plain ints on purpose: pthread_once must publish them to every caller. */
static int effect[NONCE];
static int inner_effect;

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

static void inner_init(void)
{
	atomic_fetch_add_explicit(&inner_calls, 1, memory_order_relaxed);
	sched_yield();
	inner_effect = 777;
}

/* Yields while "half done" so racing callers find the init in progress. */
static void init_n(int n)
{
	atomic_fetch_add_explicit(&init_calls[n], 1, memory_order_relaxed);
	for (int i = 0; i < INIT_YIELDS; i++)
		sched_yield();
	if (n == 2) {
		check(pthread_once(&inner_once, inner_init) == 0, "nested once", 0, 0);
		check(inner_effect == 777, "nested effect", inner_effect, 777);
	}
	effect[n] = 1000 + n;
}

static void init0(void) { init_n(0); }
static void init1(void) { init_n(1); }
static void init2(void) { init_n(2); }
static void init3(void) { init_n(3); }

static void (*const inits[NONCE])(void) = { init0, init1, init2, init3 };

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;

	atomic_fetch_add_explicit(&ready, 1, memory_order_relaxed);
	while (!atomic_load_explicit(&go, memory_order_acquire))
		sched_yield();
	/* Each thread visits the controls in its own rotation. */
	for (int k = 0; k < NONCE; k++) {
		int n = (int)((id + k) % NONCE);

		check(pthread_once(&onces[n], inits[n]) == 0, "pthread_once", n, 0);
		check(effect[n] == 1000 + n, "effect visible after once", effect[n], 1000 + n);
	}
	check(pthread_once(&inner_once, inner_init) == 0, "inner once", 0, 0);
	check(inner_effect == 777, "inner effect visible", inner_effect, 777);
	return NULL;
}

int main(void)
{
	pthread_t ts[NTHREADS];

	for (long i = 0; i < NTHREADS; i++)
		check(pthread_create(&ts[i], NULL, worker, (void *)(intptr_t)i) == 0,
		      "pthread_create", i, 0);
	while (get(&ready) < NTHREADS)
		sched_yield();
	atomic_store_explicit(&go, 1, memory_order_release);
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	for (int n = 0; n < NONCE; n++) {
		check(pthread_once(&onces[n], inits[n]) == 0, "main once", n, 0);
		check(get(&init_calls[n]) == 1, "init ran once",
		      get(&init_calls[n]), 1);
		printf("once %d: init calls %d, effect %d\n", n, get(&init_calls[n]),
		       effect[n]);
	}
	check(get(&inner_calls) == 1, "inner init ran once", get(&inner_calls), 1);
	printf("nested once: init calls %d, effect %d\n", get(&inner_calls), inner_effect);
	return get(&nfail) != 0;
}
