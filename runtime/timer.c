/* The timer heap and its thread. May call: locks, raw futex, malloc and the thread hook
 * (in gs_timer_reserve only, with no lock held). The timer thread is not a G and has no P: what its timers make
 * runnable goes to the global run queue.
 *
 * One heap for the process, served by one thread sleeping on a futex until the earliest
 * deadline: the per-P heaps of DESIGN.md come with the netpoller, which can sleep in
 * epoll_wait instead. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>

#include "proc.h"
#include "sys.h"
#include "throw.h"
#include "timer.h"

#define ARITY 4
#define TIMER_STACK (64 * 1024)

static struct {
	struct gs_lock lock;
	struct gs_timer **heap;		/* timers.lock */
	int32_t n, cap;			/* timers.lock */
	int32_t reserved;		/* timers.lock: slots promised, n <= reserved <= cap */
	int64_t sleep_until;		/* timers.lock: the timer thread's wake-up time */
	_Atomic uint32_t seq;		/* futex word: bumped to wake the thread early */
	_Atomic int32_t started;	/* 0 no, 1 starting, 2 running */
} timers;

int64_t gs_nanotime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int64_t gs_deadline(clockid_t clock, const struct timespec *abs)
{
	struct timespec now;
	int64_t d;

	if (abs->tv_sec < 0)
		return 1;
	if (clock == CLOCK_MONOTONIC) {
		d = abs->tv_sec * 1000000000ll + abs->tv_nsec;
	} else {
		clock_gettime(clock, &now);
		d = gs_nanotime() + (abs->tv_sec - now.tv_sec) * 1000000000ll +
		    (abs->tv_nsec - now.tv_nsec);
	}
	return d > 0 ? d : 1;
}

static void heap_set(int32_t i, struct gs_timer *t)
{
	timers.heap[i] = t;
	t->idx = i;
}

static void sift_up(int32_t i)
{
	struct gs_timer *t = timers.heap[i];

	while (i > 0) {
		int32_t parent = (i - 1) / ARITY;

		if (timers.heap[parent]->when <= t->when)
			break;
		heap_set(i, timers.heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

static void sift_down(int32_t i)
{
	struct gs_timer *t = timers.heap[i];

	for (;;) {
		int32_t c = i * ARITY + 1, best = -1;

		for (int32_t k = c; k < c + ARITY && k < timers.n; k++) {
			if (timers.heap[k]->when < (best < 0 ? t->when : timers.heap[best]->when))
				best = k;
		}
		if (best < 0)
			break;
		heap_set(i, timers.heap[best]);
		i = best;
	}
	heap_set(i, t);
}

/* Caller holds timers.lock. */
static void heap_remove(int32_t i)
{
	struct gs_timer *last = timers.heap[--timers.n];

	if (i == timers.n)
		return;
	heap_set(i, last);
	sift_down(i);
	sift_up(last->idx);
}

static void *timer_thread(void *arg)
{
	(void)arg;
	gs_lock(&timers.lock);
	for (;;) {
		int64_t now = gs_nanotime();

		while (timers.n > 0 && timers.heap[0]->when <= now) {
			struct gs_timer *t = timers.heap[0];

			heap_remove(0);
			atomic_store_explicit(&t->status, Trunning, memory_order_relaxed);
			gs_unlock(&timers.lock);
			t->f(t);
			/* release pairs with gs_timer_del's acquire: f is done with t */
			atomic_store_explicit(&t->status, Tidle, memory_order_release);
			gs_lock(&timers.lock);
			now = gs_nanotime();
		}
		bool forever = timers.n == 0;
		int64_t wait = forever ? 0 : timers.heap[0]->when - now;
		struct timespec ts = { wait / 1000000000ll, wait % 1000000000ll };
		uint32_t seq = atomic_load_explicit(&timers.seq, memory_order_relaxed);

		timers.sleep_until = forever ? INT64_MAX : timers.heap[0]->when;
		gs_unlock(&timers.lock);
		/* an earlier timer bumps seq first, so this returns at once */
		sys_futex(&timers.seq, FUTEX_WAIT_PRIVATE, seq, forever ? NULL : &ts);
		gs_lock(&timers.lock);
	}
	return NULL;
}

static int start_thread(void)
{
	int32_t zero = 0;

	if (atomic_load_explicit(&timers.started, memory_order_acquire) == 2)
		return 0;
	if (!atomic_compare_exchange_strong_explicit(&timers.started, &zero, 1,
						     memory_order_acquire, memory_order_acquire)) {
		while (atomic_load_explicit(&timers.started, memory_order_acquire) != 2)
			sys_sched_yield();
		return 0;
	}
	timers.sleep_until = INT64_MAX;
	if (gs_hooks.newosthread(timer_thread, NULL, TIMER_STACK) != 0) {
		atomic_store_explicit(&timers.started, 0, memory_order_release);
		return -EAGAIN;
	}
	atomic_store_explicit(&timers.started, 2, memory_order_release);
	return 0;
}

int gs_timer_reserve(void)
{
	int err = start_thread();

	if (err)
		return err;
	for (;;) {
		struct gs_timer **h, **old = NULL;
		int32_t cap;

		gs_lock(&timers.lock);
		if (timers.reserved < timers.cap) {
			timers.reserved++;
			gs_unlock(&timers.lock);
			return 0;
		}
		cap = timers.cap ? timers.cap * 2 : 64;
		gs_unlock(&timers.lock);
		/* allocate with no lock held; another thread may have grown it meanwhile */
		h = malloc((size_t)cap * sizeof(*h));
		if (h == NULL)
			return -EAGAIN;
		gs_lock(&timers.lock);
		if (timers.cap < cap) {
			for (int32_t i = 0; i < timers.n; i++)
				h[i] = timers.heap[i];
			old = timers.heap;
			timers.heap = h;
			timers.cap = cap;
			h = NULL;
		}
		gs_unlock(&timers.lock);
		free(h);
		free(old);
	}
}

void gs_timer_unreserve(void)
{
	gs_lock(&timers.lock);
	timers.reserved--;
	gs_unlock(&timers.lock);
}

void gs_timer_add(struct gs_timer *t)
{
	bool wake = false;

	gs_lock(&timers.lock);
	if (timers.n >= timers.reserved)
		gs_throw("timer add", "no slot reserved");
	atomic_store_explicit(&t->status, Twaiting, memory_order_relaxed);
	timers.heap[timers.n] = t;
	t->idx = timers.n++;
	sift_up(t->idx);
	if (t->when < timers.sleep_until) {
		timers.sleep_until = t->when;
		atomic_fetch_add_explicit(&timers.seq, 1, memory_order_relaxed);
		wake = true;
	}
	gs_unlock(&timers.lock);
	if (wake)
		sys_futex(&timers.seq, FUTEX_WAKE_PRIVATE, 1, NULL);
}

bool gs_timer_del(struct gs_timer *t)
{
	gs_lock(&timers.lock);
	if (atomic_load_explicit(&t->status, memory_order_relaxed) == Twaiting) {
		heap_remove(t->idx);
		atomic_store_explicit(&t->status, Tidle, memory_order_relaxed);
		gs_unlock(&timers.lock);
		return true;
	}
	gs_unlock(&timers.lock);
	while (atomic_load_explicit(&t->status, memory_order_acquire) != Tidle)
		sys_sched_yield();
	return false;
}
