/* Threads really use their stacks: 1 MiB of recursion (a touched 4 KiB array
 * per frame) on the default stack, several at once while yielding, and
 * 16 KiB on a 64 KiB stack.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum {
	FRAME = 4096,
	DEEP_FRAMES = 256, /* 256 x 4 KiB = 1 MiB */
	SMALL_STACK = 64 << 10,
	SMALL_FRAMES = 4, /* 16 KiB */
	NCONCURRENT = 8,
};

static atomic_int nfail;

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

struct dive {
	int frames;
	int yield;
	uintptr_t top;
	uintptr_t bottom;
};

/* Touches every byte of its frame before and checks them after the deeper
 * call, so an overlapping or clobbered stack shows up as a wrong sum. */
static long recurse(struct dive *d, int depth)
{
	volatile unsigned char buf[FRAME];
	long sum = 0;

	for (int i = 0; i < FRAME; i++)
		buf[i] = (unsigned char)(depth + i);
	if (depth == 0)
		d->top = (uintptr_t)buf;
	if (d->yield && depth % 16 == 0)
		sched_yield();
	if (depth + 1 < d->frames)
		sum = recurse(d, depth + 1);
	else
		d->bottom = (uintptr_t)buf;
	for (int i = 0; i < FRAME; i++)
		sum += buf[i] == (unsigned char)(depth + i);
	return sum;
}

static void *diver(void *arg)
{
	struct dive *d = arg;

	return (void *)(intptr_t)recurse(d, 0);
}

static long run(pthread_attr_t *attr, struct dive *d)
{
	pthread_t t;
	void *ret = NULL;

	check(pthread_create(&t, attr, diver, d) == 0, "pthread_create", 0, 0);
	check(pthread_join(t, &ret) == 0, "pthread_join", 0, 0);
	return (long)(intptr_t)ret;
}

/* verify returns whether every frame of the dive d came back intact. */
static int verify(const char *what, struct dive *d, long sum)
{
	long want = (long)d->frames * FRAME;
	long span = (long)(d->top - d->bottom) + FRAME;

	check(sum == want, what, sum, want);
	check(span >= want, "stack really used", span, want);
	return sum == want;
}

static void report(const char *what, struct dive *d, long sum)
{
	int ok = verify(what, d, sum);

	printf("%s: %d frames of %d bytes, all intact: %d\n", what, d->frames, FRAME, ok);
}

int main(void)
{
	struct dive d = { DEEP_FRAMES, 0, 0, 0 };
	struct dive ds[NCONCURRENT];
	pthread_t ts[NCONCURRENT];
	pthread_attr_t attr;
	int intact = 0;

	report("default stack, 1 MiB", &d, run(NULL, &d));

	for (int i = 0; i < NCONCURRENT; i++) {
		ds[i] = (struct dive){ DEEP_FRAMES, 1, 0, 0 };
		check(pthread_create(&ts[i], NULL, diver, &ds[i]) == 0, "pthread_create", i, 0);
	}
	for (int i = 0; i < NCONCURRENT; i++) {
		void *ret = NULL;

		check(pthread_join(ts[i], &ret) == 0, "pthread_join", i, 0);
		intact += verify("concurrent default stack, 1 MiB", &ds[i], (long)(intptr_t)ret);
	}
	printf("%d concurrent yielding threads, 1 MiB each, intact: %d\n", NCONCURRENT, intact);

	d = (struct dive){ SMALL_FRAMES, 1, 0, 0 };
	pthread_attr_init(&attr);
	check(pthread_attr_setstacksize(&attr, SMALL_STACK) == 0, "setstacksize 64k", 0, 0);
	report("64 KiB stack, 16 KiB", &d, run(&attr, &d));
	pthread_attr_destroy(&attr);
	return get(&nfail) != 0;
}
