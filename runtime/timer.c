/* The per-P timer heaps. May call: locks, raw mmap, netpoll (to wake its sleeper).
 *
 * A timer lives in the heap of the P its owner ran on when it was armed, and stays there
 * until it fires or is deleted; whoever holds that heap's lock may run it: the P's own M
 * in findrunnable, a spinning M looking for work, the M that slept in netpoll until the
 * earliest deadline, or sysmon. Heaps grow with mremap under their lock, so arming a timer
 * never calls the C library and needs no slot reserved beforehand. A G arms its timer
 * just before it parks; park_m then makes sure some M will be awake at the deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

#include "netpoll.h"
#include "proc.h"
#include "sys.h"
#include "throw.h"
#include "timer.h"
#include "tls.h"

#define ARITY 4
#define HEAP_MIN_BYTES 4096

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

static void heap_set(struct p *pp, int32_t i, struct gs_timer *t)
{
	pp->timers[i] = t;
	t->idx = i;
}

static void sift_up(struct p *pp, int32_t i)
{
	struct gs_timer *t = pp->timers[i];

	while (i > 0) {
		int32_t parent = (i - 1) / ARITY;

		if (pp->timers[parent]->when <= t->when)
			break;
		heap_set(pp, i, pp->timers[parent]);
		i = parent;
	}
	heap_set(pp, i, t);
}

static void sift_down(struct p *pp, int32_t i)
{
	struct gs_timer *t = pp->timers[i];

	for (;;) {
		int32_t c = i * ARITY + 1, best = -1;

		for (int32_t k = c; k < c + ARITY && k < pp->ntimers; k++) {
			if (pp->timers[k]->when <
			    (best < 0 ? t->when : pp->timers[best]->when))
				best = k;
		}
		if (best < 0)
			break;
		heap_set(pp, i, pp->timers[best]);
		i = best;
	}
	heap_set(pp, i, t);
}

/* Caller holds pp->timerslock. */
static void update_when(struct p *pp)
{
	/* seq_cst pairs with netpoll_sleep: it publishes lastpoll, then reads this */
	atomic_store_explicit(&pp->timer0when, pp->ntimers ? pp->timers[0]->when : 0,
			      memory_order_seq_cst);
}

/* Caller holds pp->timerslock. */
static void heap_remove(struct p *pp, int32_t i)
{
	struct gs_timer *last = pp->timers[--pp->ntimers];

	if (i != pp->ntimers) {
		heap_set(pp, i, last);
		sift_down(pp, i);
		sift_up(pp, last->idx);
	}
	update_when(pp);
}

/* Caller holds pp->timerslock: grows the heap's array with raw system calls only. */
static void heap_grow(struct p *pp)
{
	size_t old = (size_t)pp->timerscap * sizeof(struct gs_timer *);
	size_t len = old ? old * 2 : HEAP_MIN_BYTES;
	void *a = old ? sys_mremap(pp->timers, old, len, MREMAP_MAYMOVE)
		      : sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);

	if ((uintptr_t)a > (uintptr_t)-4096)
		gs_throw("timer add", "out of memory for the timer heap");
	pp->timers = a;
	pp->timerscap = (int32_t)(len / sizeof(struct gs_timer *));
}

void gs_timer_add(struct gs_timer *t)
{
	struct g *self = gs_acquirem();
	struct p *pp = self->m->p;

	t->pp = pp;
	gs_lock(&pp->timerslock);
	if (pp->ntimers == pp->timerscap)
		heap_grow(pp);
	atomic_store_explicit(&t->status, Twaiting, memory_order_relaxed);
	pp->timers[pp->ntimers] = t;
	t->idx = pp->ntimers++;
	sift_up(pp, t->idx);
	update_when(pp);
	gs_unlock(&pp->timerslock);
	/* the M that parks the G wakes the netpoller if need be (park_m) */
	gs_releasem(self);
}

bool gs_timer_del(struct gs_timer *t)
{
	struct p *pp = t->pp;

	gs_lock(&pp->timerslock);
	if (atomic_load_explicit(&t->status, memory_order_relaxed) == Twaiting) {
		heap_remove(pp, t->idx);
		atomic_store_explicit(&t->status, Tidle, memory_order_relaxed);
		gs_unlock(&pp->timerslock);
		return true;
	}
	gs_unlock(&pp->timerslock);
	while (atomic_load_explicit(&t->status, memory_order_acquire) != Tidle)
		sys_sched_yield();
	return false;
}

int64_t gs_timers_run(struct p *pp, int64_t now, struct m *mp)
{
	int64_t next = atomic_load_explicit(&pp->timer0when, memory_order_relaxed);

	if (next == 0 || next > now)
		return next;
	gs_lock(&pp->timerslock);
	while (pp->ntimers > 0 && pp->timers[0]->when <= now) {
		struct gs_timer *t = pp->timers[0];

		heap_remove(pp, 0);
		atomic_store_explicit(&t->status, Trunning, memory_order_relaxed);
		gs_unlock(&pp->timerslock);
		t->f(t, mp);
		/* release pairs with gs_timer_del's acquire: f is done with t */
		atomic_store_explicit(&t->status, Tidle, memory_order_release);
		gs_lock(&pp->timerslock);
	}
	next = pp->ntimers ? pp->timers[0]->when : 0;
	gs_unlock(&pp->timerslock);
	return next;
}

int64_t gs_timers_next(void)
{
	int64_t next = 0;

	for (int i = 0; i < gs_sched.gomaxprocs; i++) {
		int64_t w = atomic_load_explicit(&gs_sched.allp[i].timer0when,
						 memory_order_seq_cst);

		if (w && (next == 0 || w < next))
			next = w;
	}
	return next;
}

int32_t gs_timers_len(struct p *pp)
{
	int32_t n;

	gs_lock(&pp->timerslock);
	n = pp->ntimers;
	gs_unlock(&pp->timerslock);
	return n;
}
