/* Condition variables on goshim's wait queues. Process-private condvars use goshim's own
 * layout inside pthread_cond_t (all zeros is PTHREAD_COND_INITIALIZER); process-shared ones
 * keep glibc's layout and functions, so other processes can share them.
 *
 * A waiter samples seq, unlocks, and parks on seq if it has not changed: a signal in
 * between changes seq, so it is never lost. A broadcast wakes one waiter and moves the
 * others to the mutex's wait queue; each reacquires with the lock word marked contended,
 * so every unlock hands the mutex to the next one instead of waking the herd. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "../runtime/sema.h"
#include "../runtime/sigmask.h"
#include "../runtime/timer.h"
#include "../runtime/tls.h"
#include "real.h"
#include "shim.h"
#include "sync.h"

/* glibc's flags in __wrefs, kept there so both layouts agree on them */
#define COND_CLOCK_MONOTONIC 2
#define COND_SHARED 1

struct gcond {
	_Atomic uint32_t seq;
	_Atomic uint32_t nwaiters;
	pthread_mutex_t *_Atomic mutex;	/* the latest waiter's mutex, if goshim implements
					 * it, for broadcast to requeue onto */
	uint32_t unused[5];
	uint32_t wrefs;			/* glibc's __wrefs position: the flags above */
	uint32_t unused2[2];
};

_Static_assert(sizeof(struct gcond) == sizeof(pthread_cond_t), "condvar layout");
_Static_assert(offsetof(struct gcond, wrefs) == offsetof(pthread_cond_t, __data.__wrefs),
	       "condvar flags");

static struct gcond *gc(pthread_cond_t *c)
{
	return (struct gcond *)c;
}

static bool shared(pthread_cond_t *c)
{
	return (gc(c)->wrefs & COND_SHARED) != 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
	clockid_t clock = CLOCK_REALTIME;
	int pshared = PTHREAD_PROCESS_PRIVATE;

	if (attr) {
		pthread_condattr_getclock(attr, &clock);
		pthread_condattr_getpshared(attr, &pshared);
	}
	if (pshared == PTHREAD_PROCESS_SHARED)
		return real()->pthread_cond_init(c, attr);
	memset(c, 0, sizeof(*c));
	if (clock == CLOCK_MONOTONIC)
		gc(c)->wrefs = COND_CLOCK_MONOTONIC;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	if (shared(c))
		return real()->pthread_cond_destroy(c);
	return 0;
}

/* wait implements every waiting entry; abs NULL waits forever. */
static int wait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
		const struct timespec *abs)
{
	struct gcond *g = gc(c);
	bool goaware = gs_mutex_goaware(m);
	int64_t deadline = 0;
	uint32_t seq;
	int r, err;

	if (abs) {
		if (!gs_timespec_valid(abs))
			return EINVAL;
		deadline = gs_deadline(clock, abs);
	}
	gs_testcancel();	/* a cancellation point, acted on with the mutex held */
	seq = atomic_load_explicit(&g->seq, memory_order_relaxed);
	atomic_fetch_add_explicit(&g->nwaiters, 1, memory_order_seq_cst);
	/* a robust mutex's waiters need FUTEX_WAITERS set: none are moved onto it */
	atomic_store_explicit(&g->mutex, goaware && !gs_mutex_robust(m) ? m : NULL,
			      memory_order_relaxed);
	err = goaware ? gs_mutex_unlock(m) : real()->pthread_mutex_unlock(m);
	if (err) {
		atomic_fetch_sub_explicit(&g->nwaiters, 1, memory_order_relaxed);
		return err;
	}
	if (getg()) {
		getg()->waitreason = "sync.Cond.Wait";
		getg()->waitintr = true;
	}
	r = gs_sema_wait(&g->seq, seq, GS_BITSET_ANY, deadline);
	if (getg()) {
		getg()->waitintr = false;
		getg()->waitreason = NULL;
	}
	atomic_fetch_sub_explicit(&g->nwaiters, 1, memory_order_relaxed);
	if (goaware)
		gs_mutex_relock(m);
	else
		real()->pthread_mutex_lock(m);
	/* canceled: unwind with the mutex held, as POSIX has it; a signal handler, or
	 * nothing: a spurious wake-up */
	if (r == -EINTR) {
		bool restart;

		gs_testcancel();
		gs_signal_take(getg(), &restart);
	}
	return r == -ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	if (shared(c))
		return real()->pthread_cond_wait(c, m);
	return wait(c, m, CLOCK_REALTIME, NULL);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abs)
{
	if (shared(c))
		return real()->pthread_cond_timedwait(c, m, abs);
	return wait(c, m, gc(c)->wrefs & COND_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME,
		    abs);
}

int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
			   const struct timespec *abs)
{
	if (shared(c))
		return real()->pthread_cond_clockwait(c, m, clock, abs);
	if (!gs_clock_ok(clock))
		return EINVAL;
	return wait(c, m, clock, abs);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	struct gcond *g = gc(c);

	if (shared(c))
		return real()->pthread_cond_signal(c);
	atomic_fetch_add_explicit(&g->seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&g->nwaiters, memory_order_seq_cst) != 0)
		gs_sema_wake(&g->seq, 1, GS_BITSET_ANY);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	struct gcond *g = gc(c);
	pthread_mutex_t *m;

	if (shared(c))
		return real()->pthread_cond_broadcast(c);
	atomic_fetch_add_explicit(&g->seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&g->nwaiters, memory_order_seq_cst) == 0)
		return 0;
	m = atomic_load_explicit(&g->mutex, memory_order_relaxed);
	if (m)
		gs_sema_requeue(&g->seq, gs_mutex_word(m), 1, INT_MAX, 0, 0);
	else
		gs_sema_wake(&g->seq, INT_MAX, GS_BITSET_ANY);
	return 0;
}
