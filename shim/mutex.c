/* pthread mutexes on goshim's wait queues: normal, recursive, errorcheck and adaptive
 * kinds in glibc's own layout, so static initializers and pthread_mutex_init/destroy are
 * the C library's. The lock word is Drepper's three-state futex word; a contended locker
 * parks its G (or sleeps on the futex, if foreign) instead of blocking its M. Robust ones
 * are in robust.c; PI, PP and process-shared mutexes stay with the C library.
 * May call: sema, robust, real. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>

#include "../runtime/preempt.h"
#include "../runtime/proc.h"
#include "../runtime/sema.h"
#include "../runtime/sys.h"
#include "../runtime/timer.h"
#include "../runtime/tls.h"
#include "real.h"
#include "sync.h"

/* A contended locker checks the word SPIN times, SPIN_PAUSES pauses apart, before it
 * parks: polling it more often steals the cache line from the holder (Go spins the same). */
#define SPIN 4
#define SPIN_PAUSES 30

static _Atomic int *owner_of(pthread_mutex_t *m)
{
	return (_Atomic int *)&m->__data.__owner;
}

/* lock_slow takes w after a failed fast path, marking it contended; parks until then. */
static int lock_slow(_Atomic uint32_t *w, int64_t deadline)
{
	if (gs_sched.gomaxprocs > 1) {
		for (int i = 0; i < SPIN; i++) {
			uint32_t zero = 0;

			for (int k = 0; k < SPIN_PAUSES; k++)
				__builtin_ia32_pause();
			if (atomic_load_explicit(w, memory_order_relaxed) == 0 &&
			    atomic_compare_exchange_weak_explicit(w, &zero, 1, memory_order_acquire,
								  memory_order_relaxed))
				return 0;
		}
	}
	while (atomic_exchange_explicit(w, 2, memory_order_acquire) != 0) {
		if (gs_sema_wait(w, 2, GS_BITSET_ANY, deadline) == -ETIMEDOUT)
			return ETIMEDOUT;
	}
	return 0;
}

static void set_owner(pthread_mutex_t *m, int32_t id)
{
	atomic_store_explicit(owner_of(m), id, memory_order_relaxed);
	m->__data.__nusers++;
	if ((m->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP)
		m->__data.__count = 1;
}

/* relock_owned handles a lock by the current owner; returns -1 if it is not one. */
static int relock_owned(pthread_mutex_t *m, int32_t id, bool try)
{
	if (atomic_load_explicit(owner_of(m), memory_order_relaxed) != id)
		return -1;
	switch (m->__data.__kind & 3) {
	case PTHREAD_MUTEX_RECURSIVE_NP:
		return gs_mutex_count_up(m);
	case PTHREAD_MUTEX_ERRORCHECK_NP:
		return try ? EBUSY : EDEADLK;
	default:
		return -1;
	}
}

/* lock implements every locking entry: deadline 0 waits forever, -1 never waits. */
static int lock(pthread_mutex_t *m, int64_t deadline)
{
	_Atomic uint32_t *w = gs_mutex_word(m);
	int32_t id = gs_lock_id();
	uint32_t zero = 0;
	int err;

	if (gs_mutex_robust(m))
		return gs_robust_lock(m, deadline);
	err = relock_owned(m, id, deadline < 0);
	if (err >= 0)
		return err;
	if (!atomic_compare_exchange_strong_explicit(w, &zero, 1, memory_order_acquire,
						     memory_order_relaxed)) {
		if (deadline < 0)
			return EBUSY;
		err = lock_slow(w, deadline);
		if (err)
			return err;
	}
	set_owner(m, id);
	return 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	struct g *gp = getg();

	if (gp)
		gs_preempt_check(gp);
	if (!gs_mutex_goaware(m))
		return real()->pthread_mutex_lock(m);
	return lock(m, 0);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	if (!gs_mutex_goaware(m))
		return real()->pthread_mutex_trylock(m);
	return lock(m, -1);
}

/* timedlock: glibc checks the clock first, and the deadline only when it must wait. */
static int timedlock(pthread_mutex_t *m, clockid_t clock, const struct timespec *abs)
{
	int err;

	if (!gs_clock_ok(clock))
		return EINVAL;
	err = lock(m, -1);
	if (err != EBUSY)
		return err;
	if (!gs_timespec_valid(abs))
		return EINVAL;
	return lock(m, gs_deadline(clock, abs));
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abs)
{
	if (!gs_mutex_goaware(m))
		return real()->pthread_mutex_timedlock(m, abs);
	return timedlock(m, CLOCK_REALTIME, abs);
}

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock, const struct timespec *abs)
{
	if (!gs_mutex_goaware(m))
		return real()->pthread_mutex_clocklock(m, clock, abs);
	return timedlock(m, clock, abs);
}

int gs_mutex_unlock(pthread_mutex_t *m)
{
	_Atomic uint32_t *w = gs_mutex_word(m);
	int kind = m->__data.__kind & 3;

	if (gs_mutex_robust(m))
		return gs_robust_unlock(m);
	if (kind == PTHREAD_MUTEX_RECURSIVE_NP || kind == PTHREAD_MUTEX_ERRORCHECK_NP) {
		if (atomic_load_explicit(owner_of(m), memory_order_relaxed) != gs_lock_id() ||
		    atomic_load_explicit(w, memory_order_relaxed) == 0)
			return EPERM;
		if (kind == PTHREAD_MUTEX_RECURSIVE_NP && --m->__data.__count != 0)
			return 0;
	}
	atomic_store_explicit(owner_of(m), 0, memory_order_relaxed);
	m->__data.__nusers--;
	if (atomic_exchange_explicit(w, 0, memory_order_release) == 2)
		gs_sema_wake(w, 1, GS_BITSET_ANY);
	return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (!gs_mutex_goaware(m))
		return real()->pthread_mutex_unlock(m);
	return gs_mutex_unlock(m);
}

int gs_mutex_relock(pthread_mutex_t *m)
{
	_Atomic uint32_t *w = gs_mutex_word(m);

	if (gs_mutex_robust(m))
		return gs_robust_lock(m, 0);
	while (atomic_exchange_explicit(w, 2, memory_order_acquire) != 0)
		gs_sema_wait(w, 2, GS_BITSET_ANY, 0);
	set_owner(m, gs_lock_id());
	return 0;
}
