/* Read-write locks for Gs, with glibc's kinds: prefer readers (the default; a reader may
 * lock recursively) and prefer writers nonrecursive (readers wait while a writer waits).
 * Process-private rwlocks use goshim's state inside pthread_rwlock_t, keeping glibc's
 * __shared and __flags fields (and so its static initializers); shared ones stay with the
 * C library. Waiters park on one of two sequence words, bumped by every unlock that may
 * let them in. May call: sema, timer, real. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "../runtime/sema.h"
#include "../runtime/sys.h"
#include "../runtime/timer.h"
#include "../runtime/tls.h"
#include "real.h"
#include "sync.h"

#define WRITER 0x80000000u

struct grwlock {
	_Atomic uint32_t state;		/* WRITER, or the number of readers */
	_Atomic uint32_t wwaiting;	/* writers waiting */
	_Atomic uint32_t rseq;		/* futex word readers wait on */
	_Atomic uint32_t wseq;		/* futex word writers wait on */
	uint32_t unused[2];
	_Atomic int32_t writer;		/* lock id of the writer, for EDEADLK */
	int shared;			/* glibc's __shared */
	uint32_t unused2[4];
	uint32_t flags;			/* glibc's __flags: the kind */
	uint32_t unused3;
};

_Static_assert(sizeof(struct grwlock) == sizeof(pthread_rwlock_t), "rwlock layout");
_Static_assert(offsetof(struct grwlock, shared) == offsetof(pthread_rwlock_t, __data.__shared),
	       "rwlock shared");
_Static_assert(offsetof(struct grwlock, flags) == offsetof(pthread_rwlock_t, __data.__flags),
	       "rwlock flags");

static struct grwlock *grw(pthread_rwlock_t *l)
{
	return (struct grwlock *)l;
}

static int32_t self_id(void)
{
	struct g *gp = getg();

	return gp ? gp->lockid : sys_gettid();
}

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr)
{
	int pshared = PTHREAD_PROCESS_PRIVATE, kind = PTHREAD_RWLOCK_DEFAULT_NP;

	if (attr) {
		pthread_rwlockattr_getpshared(attr, &pshared);
		pthread_rwlockattr_getkind_np(attr, &kind);
	}
	if (pshared == PTHREAD_PROCESS_SHARED)
		return real()->pthread_rwlock_init(l, attr);
	memset(l, 0, sizeof(*l));
	grw(l)->flags = (uint32_t)kind;
	return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	if (grw(l)->shared)
		return real()->pthread_rwlock_destroy(l);
	return 0;
}

static bool prefer_writer(struct grwlock *g)
{
	return g->flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
}

static bool try_read(struct grwlock *g)
{
	uint32_t s = atomic_load_explicit(&g->state, memory_order_relaxed);

	while (!(s & WRITER) &&
	       !(prefer_writer(g) && atomic_load_explicit(&g->wwaiting, memory_order_relaxed))) {
		if (atomic_compare_exchange_weak_explicit(&g->state, &s, s + 1,
							  memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

static bool try_write(struct grwlock *g)
{
	uint32_t zero = 0;

	if (!atomic_compare_exchange_strong_explicit(&g->state, &zero, WRITER,
						     memory_order_acquire, memory_order_relaxed))
		return false;
	atomic_store_explicit(&g->writer, self_id(), memory_order_relaxed);
	return true;
}

static void wake(_Atomic uint32_t *seq, int n)
{
	atomic_fetch_add_explicit(seq, 1, memory_order_seq_cst);
	gs_sema_wake(seq, n, GS_BITSET_ANY);
}

/* acquire waits until the lock is taken; deadline -1 means do not wait. */
static int acquire(struct grwlock *g, bool write, int64_t deadline)
{
	_Atomic uint32_t *seq = write ? &g->wseq : &g->rseq;
	int err = 0;

	/* glibc: the writer's own lock attempt is EDEADLK, its try EBUSY */
	if (deadline >= 0 && (atomic_load_explicit(&g->state, memory_order_relaxed) & WRITER) &&
	    atomic_load_explicit(&g->writer, memory_order_relaxed) == self_id())
		return EDEADLK;
	if (write ? try_write(g) : try_read(g))
		return 0;
	if (deadline < 0)
		return EBUSY;
	if (write)
		atomic_fetch_add_explicit(&g->wwaiting, 1, memory_order_seq_cst);
	for (;;) {
		/* seq before the retry: an unlock after the retry changes seq, so the wait
		 * returns at once instead of missing it */
		uint32_t s = atomic_load_explicit(seq, memory_order_seq_cst);

		if (write ? try_write(g) : try_read(g))
			break;
		if (gs_sema_wait(seq, s, GS_BITSET_ANY, deadline) == -ETIMEDOUT) {
			err = ETIMEDOUT;
			break;
		}
	}
	/* a writer giving up may have held back readers (prefer-writer kind) */
	if (write && atomic_fetch_sub_explicit(&g->wwaiting, 1, memory_order_seq_cst) == 1 &&
	    err)
		wake(&g->rseq, INT_MAX);
	return err;
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	struct grwlock *g = grw(l);
	uint32_t s;

	if (g->shared)
		return real()->pthread_rwlock_unlock(l);
	s = atomic_load_explicit(&g->state, memory_order_relaxed);
	if (s & WRITER) {
		atomic_store_explicit(&g->writer, 0, memory_order_relaxed);
		atomic_store_explicit(&g->state, 0, memory_order_release);
	} else if (s == 0 ||
		   atomic_fetch_sub_explicit(&g->state, 1, memory_order_release) != 1) {
		return 0;
	}
	/* the lock is free: a writer first, then (unless one waits and writers are
	 * preferred) every reader */
	if (atomic_load_explicit(&g->wwaiting, memory_order_seq_cst))
		wake(&g->wseq, 1);
	if (!prefer_writer(g) || !atomic_load_explicit(&g->wwaiting, memory_order_seq_cst))
		wake(&g->rseq, INT_MAX);
	return 0;
}

static int timed(pthread_rwlock_t *l, bool write, clockid_t clock, const struct timespec *abs)
{
	int err;

	if (!gs_clock_ok(clock))
		return EINVAL;
	err = acquire(grw(l), write, -1);
	if (err != EBUSY)
		return err;
	if (!gs_timespec_valid(abs))
		return EINVAL;
	return acquire(grw(l), write, gs_deadline(clock, abs));
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return grw(l)->shared ? real()->pthread_rwlock_rdlock(l) : acquire(grw(l), false, 0);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return grw(l)->shared ? real()->pthread_rwlock_wrlock(l) : acquire(grw(l), true, 0);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	return grw(l)->shared ? real()->pthread_rwlock_tryrdlock(l) : acquire(grw(l), false, -1);
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	return grw(l)->shared ? real()->pthread_rwlock_trywrlock(l) : acquire(grw(l), true, -1);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *abs)
{
	if (grw(l)->shared)
		return real()->pthread_rwlock_timedrdlock(l, abs);
	return timed(l, false, CLOCK_REALTIME, abs);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *abs)
{
	if (grw(l)->shared)
		return real()->pthread_rwlock_timedwrlock(l, abs);
	return timed(l, true, CLOCK_REALTIME, abs);
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clock, const struct timespec *abs)
{
	if (grw(l)->shared)
		return real()->pthread_rwlock_clockrdlock(l, clock, abs);
	return timed(l, false, clock, abs);
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clock, const struct timespec *abs)
{
	if (grw(l)->shared)
		return real()->pthread_rwlock_clockwrlock(l, clock, abs);
	return timed(l, true, clock, abs);
}
