/* pthread_self/equal, join error cases, tryjoin/timedjoin, getattr_np stack
 * and guard reporting, user stacks, thread names. Sync: atomics, sched_yield
 * and the join calls under test.
 * goshim-test: tls-shared */
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

enum {
	STACK_1M = 1 << 20,
	GUARD_64K = 64 << 10,
	USER_STACK = 256 << 10,
};

static atomic_int nfail;
static atomic_int released;
static atomic_int started;
static atomic_int finished;
static _Atomic pthread_t published_self;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static void report(const char *what, int got, int want)
{
	check(got == want, what, got, want);
	printf("%s: %s\n", what, got == 0 ? "0" : strerror(got));
}

/* Publishes pthread_self, waits for release, finishes. */
static void *waiter(void *arg)
{
	atomic_store_explicit(&published_self, pthread_self(), memory_order_relaxed);
	atomic_fetch_add_explicit(&started, 1, memory_order_release);
	while (!atomic_load_explicit(&released, memory_order_acquire))
		sched_yield();
	atomic_fetch_add_explicit(&finished, 1, memory_order_release);
	return arg;
}

static void wait_started(int n)
{
	while (atomic_load_explicit(&started, memory_order_acquire) < n)
		sched_yield();
}

static void *self_joiner(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)pthread_join(pthread_self(), NULL);
}

static void test_self(void)
{
	pthread_t t, main_self = pthread_self();
	void *ret = NULL;

	check(pthread_equal(main_self, pthread_self()), "main self equal", 0, 0);
	atomic_store_explicit(&released, 0, memory_order_relaxed);
	atomic_store_explicit(&started, 0, memory_order_relaxed);
	check(pthread_create(&t, NULL, waiter, (void *)7) == 0, "create", 0, 0);
	wait_started(1);
	pthread_t seen = atomic_load_explicit(&published_self, memory_order_relaxed);

	printf("thread self equals created id: %d\n", pthread_equal(seen, t) != 0);
	printf("thread self equals main: %d\n", pthread_equal(seen, main_self) != 0);
	check(pthread_equal(seen, t), "self == created id", 0, 0);
	check(!pthread_equal(seen, main_self), "self != main", 0, 0);
	report("main self-join", pthread_join(main_self, NULL), EDEADLK);
	atomic_store_explicit(&released, 1, memory_order_release);
	check(pthread_join(t, &ret) == 0 && ret == (void *)7, "join waiter", 0, 0);

	check(pthread_create(&t, NULL, self_joiner, NULL) == 0, "create", 0, 0);
	check(pthread_join(t, &ret) == 0, "join self_joiner", 0, 0);
	report("thread self-join", (int)(intptr_t)ret, EDEADLK);
}

static void test_detached_join(void)
{
	pthread_attr_t attr;
	pthread_t t, u;

	atomic_store_explicit(&released, 0, memory_order_relaxed);
	atomic_store_explicit(&started, 0, memory_order_relaxed);
	atomic_store_explicit(&finished, 0, memory_order_relaxed);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	check(pthread_create(&t, &attr, waiter, NULL) == 0, "create detached", 0, 0);
	pthread_attr_destroy(&attr);
	check(pthread_create(&u, NULL, waiter, NULL) == 0, "create", 0, 0);
	wait_started(2);
	/* Both are alive until released, so their ids are still valid. */
	report("join detached thread", pthread_join(t, NULL), EINVAL);
	report("detach joinable thread", pthread_detach(u), 0);
	report("detach it again", pthread_detach(u), EINVAL);
	report("join it", pthread_join(u, NULL), EINVAL);
	atomic_store_explicit(&released, 1, memory_order_release);
	while (atomic_load_explicit(&finished, memory_order_acquire) < 2)
		sched_yield();
}

static struct timespec realtime_plus(long sec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += sec;
	return ts;
}

static void test_tryjoin(void)
{
	pthread_t t;
	void *ret = NULL;
	int err;

	atomic_store_explicit(&released, 0, memory_order_relaxed);
	atomic_store_explicit(&started, 0, memory_order_relaxed);
	check(pthread_create(&t, NULL, waiter, (void *)11) == 0, "create", 0, 0);
	wait_started(1);
	report("tryjoin running thread", pthread_tryjoin_np(t, &ret), EBUSY);
	struct timespec past = realtime_plus(-1);

	report("timedjoin past deadline, running thread", pthread_timedjoin_np(t, &ret, &past),
	       ETIMEDOUT);
	check(ret == NULL, "retval untouched by failed joins", 0, 0);
	atomic_store_explicit(&released, 1, memory_order_release);
	while ((err = pthread_tryjoin_np(t, &ret)) == EBUSY)
		sched_yield();
	report("tryjoin after it finished", err, 0);
	check(ret == (void *)11, "tryjoin retval", (long)(intptr_t)ret, 11);

	atomic_store_explicit(&released, 0, memory_order_relaxed);
	atomic_store_explicit(&started, 0, memory_order_relaxed);
	check(pthread_create(&t, NULL, waiter, (void *)13) == 0, "create", 0, 0);
	wait_started(1);
	atomic_store_explicit(&released, 1, memory_order_release);
	struct timespec future = realtime_plus(30);

	report("timedjoin future deadline", pthread_timedjoin_np(t, &ret, &future), 0);
	check(ret == (void *)13, "timedjoin retval", (long)(intptr_t)ret, 13);
}

struct stackinfo {
	int err;
	void *addr;
	size_t size;
	size_t guard;
	uintptr_t local;
};

static void *stack_reporter(void *arg)
{
	struct stackinfo *si = arg;
	pthread_attr_t attr;
	volatile int local = 1;

	si->local = (uintptr_t)&local;
	si->err = pthread_getattr_np(pthread_self(), &attr);
	if (si->err == 0) {
		si->err = pthread_attr_getstack(&attr, &si->addr, &si->size);
		pthread_attr_getguardsize(&attr, &si->guard);
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

static struct stackinfo run_reporter(pthread_attr_t *attr)
{
	struct stackinfo si = { 0 };
	pthread_t t;

	check(pthread_create(&t, attr, stack_reporter, &si) == 0, "create reporter", 0, 0);
	check(pthread_join(t, NULL) == 0, "join reporter", 0, 0);
	return si;
}

static int inside(uintptr_t p, void *addr, size_t size)
{
	return p >= (uintptr_t)addr && p < (uintptr_t)addr + size;
}

static void test_stacks(void)
{
	pthread_attr_t attr;
	struct stackinfo si;
	void *buf;

	si = run_reporter(NULL);
	check(si.err == 0, "getattr_np default", si.err, 0);
	printf("default stack: local inside: %d\n", inside(si.local, si.addr, si.size));
	check(inside(si.local, si.addr, si.size), "local inside default stack", 0, 0);

	pthread_attr_init(&attr);
	check(pthread_attr_setstacksize(&attr, STACK_1M) == 0, "setstacksize", 0, 0);
	si = run_reporter(&attr);
	check(si.err == 0, "getattr_np", si.err, 0);
	printf("setstacksize 1 MiB: reported size %zu KiB, local inside: %d\n", si.size >> 10,
	       inside(si.local, si.addr, si.size));
	check(si.size == STACK_1M, "reported stack size", (long)si.size, STACK_1M);
	check(inside(si.local, si.addr, si.size), "local inside reported stack", 0, 0);
	check(pthread_attr_setguardsize(&attr, GUARD_64K) == 0, "setguardsize", 0, 0);
	si = run_reporter(&attr);
	printf("setguardsize 64 KiB: reported guard %zu KiB, size %zu KiB\n", si.guard >> 10,
	       si.size >> 10);
	check(si.guard == GUARD_64K, "reported guard size", (long)si.guard, GUARD_64K);
	check(inside(si.local, si.addr, si.size), "local inside guarded stack", 0, 0);
	pthread_attr_destroy(&attr);

	buf = aligned_alloc(4096, USER_STACK);
	check(buf != NULL, "aligned_alloc", 0, 0);
	pthread_attr_init(&attr);
	check(pthread_attr_setstack(&attr, buf, USER_STACK) == 0, "setstack", 0, 0);
	si = run_reporter(&attr);
	printf("setstack 256 KiB buffer: reported addr is buffer: %d, size %zu KiB, "
	       "local inside buffer: %d\n",
	       si.addr == buf, si.size >> 10, inside(si.local, buf, USER_STACK));
	check(si.addr == buf, "reported stack addr is buffer", 0, 0);
	check(si.size == USER_STACK, "reported user stack size", (long)si.size, USER_STACK);
	check(inside(si.local, buf, USER_STACK), "local inside user buffer", 0, 0);
	pthread_attr_destroy(&attr);
	free(buf);
}

static void *namer(void *arg)
{
	char name[16] = "";

	check(pthread_setname_np(pthread_self(), "self-named") == 0, "setname self", 0, 0);
	check(pthread_getname_np(pthread_self(), name, sizeof name) == 0, "getname self", 0, 0);
	check(strcmp(name, "self-named") == 0, "own name round trip", 0, 0);
	return waiter(arg);
}

static void test_names(void)
{
	pthread_t t;
	char name[16] = "";

	atomic_store_explicit(&released, 0, memory_order_relaxed);
	atomic_store_explicit(&started, 0, memory_order_relaxed);
	check(pthread_create(&t, NULL, namer, NULL) == 0, "create namer", 0, 0);
	wait_started(1);
	check(pthread_getname_np(t, name, sizeof name) == 0, "getname", 0, 0);
	printf("name set by thread: %s\n", name);
	check(strcmp(name, "self-named") == 0, "name seen by main", 0, 0);
	report("setname 15 chars", pthread_setname_np(t, "fifteen-chars-x"), 0);
	check(pthread_getname_np(t, name, sizeof name) == 0, "getname", 0, 0);
	printf("name set by main: %s\n", name);
	check(strcmp(name, "fifteen-chars-x") == 0, "name round trip", 0, 0);
	report("setname 16 chars", pthread_setname_np(t, "sixteen-chars-xx"), ERANGE);
	report("getname into 8 bytes", pthread_getname_np(t, name, 8), ERANGE);
	atomic_store_explicit(&released, 1, memory_order_release);
	check(pthread_join(t, NULL) == 0, "join namer", 0, 0);
}

int main(void)
{
	test_self();
	test_detached_join();
	test_tryjoin();
	test_stacks();
	test_names();
	return atomic_load_explicit(&nfail, memory_order_relaxed) != 0;
}
