/* errno and __thread variables stay private to each thread, and keep their
 * addresses, while threads yield (and may migrate between OS threads). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { NTHREADS = 64, YIELDS = 1000, ARR = 16 };

static __thread int tls_int;
static __thread long tls_arr[ARR];
static __thread int tls_init = 12345;
static __thread char tls_str[8] = "goshim";

static atomic_int nfail;
static atomic_int go;
static uintptr_t errno_addr[NTHREADS + 1];
static uintptr_t tls_addr[NTHREADS + 1];

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

static void check_fresh(void)
{
	check(tls_int == 0, "fresh tls_int is 0", tls_int, 0);
	check(tls_init == 12345, "fresh tls_init", tls_init, 12345);
	check(tls_str[0] == 'g' && tls_str[5] == 'm' && tls_str[6] == 0,
	      "fresh tls_str", tls_str[0], 'g');
	for (int k = 0; k < ARR; k++)
		check(tls_arr[k] == 0, "fresh tls_arr is 0", tls_arr[k], 0);
}

static void set_values(long id, int round)
{
	errno = (int)(id * 100000 + round);
	tls_int = (int)(id * 7 + round);
	tls_init = (int)(id + round);
	for (int k = 0; k < ARR; k++)
		tls_arr[k] = id * 1000 + k + round;
}

static void check_values(long id, int round, int *eaddr, int *taddr)
{
	check(errno == (int)(id * 100000 + round), "errno kept", errno, id * 100000 + round);
	check(tls_int == (int)(id * 7 + round), "tls_int kept", tls_int, id * 7 + round);
	check(tls_init == (int)(id + round), "tls_init kept", tls_init, id + round);
	for (int k = 0; k < ARR; k++)
		check(tls_arr[k] == id * 1000 + k + round, "tls_arr kept", tls_arr[k],
		      id * 1000 + k + round);
	check(&errno == eaddr, "&errno stable", 0, 0);
	check(&tls_int == taddr, "&tls_int stable", 0, 0);
}

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;

	check_fresh();
	int *eaddr = &errno;
	int *taddr = &tls_int;

	errno_addr[id] = (uintptr_t)eaddr;
	tls_addr[id] = (uintptr_t)taddr;
	while (!atomic_load_explicit(&go, memory_order_acquire))
		sched_yield();
	for (int round = 0; round < YIELDS; round++) {
		set_values(id, round);
		sched_yield();
		check_values(id, round, eaddr, taddr);
	}
	return (void *)(intptr_t)tls_int;
}

static int cmp_uintptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return (x > y) - (x < y);
}

static int distinct(uintptr_t *v, int n)
{
	qsort(v, n, sizeof v[0], cmp_uintptr);
	for (int i = 1; i < n; i++)
		if (v[i] == v[i - 1])
			return 0;
	return 1;
}

/* Runs one wave of NTHREADS threads, all alive at once. The second wave
 * reuses whatever the first wave left behind, and must still start fresh. */
static void run_wave(void)
{
	pthread_t ts[NTHREADS];

	atomic_store_explicit(&go, 0, memory_order_relaxed);
	for (long i = 0; i < NTHREADS; i++) {
		int err = pthread_create(&ts[i], NULL, worker, (void *)(intptr_t)i);

		check(err == 0, "pthread_create", err, 0);
	}
	atomic_store_explicit(&go, 1, memory_order_release);
	for (long i = 0; i < NTHREADS; i++) {
		void *ret = NULL;
		int err = pthread_join(ts[i], &ret);

		check(err == 0, "pthread_join", err, 0);
		check((long)(intptr_t)ret == i * 7 + YIELDS - 1, "returned tls_int",
		      (long)(intptr_t)ret, i * 7 + YIELDS - 1);
	}
	errno_addr[NTHREADS] = (uintptr_t)&errno;
	tls_addr[NTHREADS] = (uintptr_t)&tls_int;
	check(distinct(errno_addr, NTHREADS + 1), "&errno distinct per thread", 0, 0);
	check(distinct(tls_addr, NTHREADS + 1), "&tls_int distinct per thread", 0, 0);
}

int main(void)
{
	int *eaddr = &errno;
	int *taddr = &tls_int;

	errno = 4242;
	tls_int = -1;
	tls_init = -2;
	tls_arr[3] = -3;
	run_wave();
	run_wave();
	/* pthread_create/join may set errno internally; the thread's own
	 * values above and main's TLS below are what must be untouched. */
	errno = 4242;
	sched_yield();
	check(errno == 4242, "main errno", errno, 4242);
	check(tls_int == -1 && tls_init == -2 && tls_arr[3] == -3 && tls_arr[4] == 0,
	      "main tls untouched", tls_int, -1);
	check(&errno == eaddr, "main &errno stable", 0, 0);
	check(&tls_int == taddr, "main &tls_int stable", 0, 0);
	printf("waves: 2, threads each: %d, yields each: %d\n", NTHREADS, YIELDS);
	printf("errno and __thread private: %s\n", get(&nfail) ? "no" : "yes");
	return get(&nfail) != 0;
}
