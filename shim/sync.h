/* What the G-aware synchronization files share: the mutex operations a condition variable
 * needs, and deadline checks. */
#ifndef GS_SYNC_H
#define GS_SYNC_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../runtime/sys.h"
#include "../runtime/tls.h"

/* glibc's mutex kind bits */
#define GS_MUTEX_ROBUST 16
#define GS_MUTEX_PP 64		/* priority protection */
#define GS_MUTEX_PSHARED 128	/* also set on every robust mutex, shared or not */

/* gs_mutex_word is the mutex's lock word: 0 free, 1 held, 2 held with waiters. */
static inline _Atomic uint32_t *gs_mutex_word(pthread_mutex_t *m)
{
	return (_Atomic uint32_t *)&m->__data.__lock;
}

/* gs_mutex_goaware: the mutex is one goshim implements, not one it leaves to the C
 * library: priority-protect ones (the ceiling lives in the lock word, and glibc refuses to
 * lock them for ordinary threads anyway) and process-shared ones (but glibc marks every
 * robust mutex shared, so a robust one counts as private). Priority-inheritance mutexes
 * are goshim's: the kernel's PI futex keys ownership to the OS thread, which a G leaves
 * whenever it migrates, and priorities mean nothing to Gs. */
static inline bool gs_mutex_goaware(pthread_mutex_t *m)
{
	int kind = atomic_load_explicit((_Atomic int *)&m->__data.__kind, memory_order_relaxed);

	return (kind & GS_MUTEX_PP) == 0 &&
	       ((kind & GS_MUTEX_PSHARED) == 0 || (kind & GS_MUTEX_ROBUST) != 0);
}

/* gs_mutex_unlock and gs_mutex_relock are pthread_mutex_unlock and a lock that leaves the
 * word marked contended (for waiters moved to the mutex by a broadcast: the next unlock
 * must wake one of them). */
int gs_mutex_unlock(pthread_mutex_t *m);
int gs_mutex_relock(pthread_mutex_t *m);

/* gs_mutex_robust: a G-aware robust mutex (shim/robust.c). */
static inline bool gs_mutex_robust(pthread_mutex_t *m)
{
	return (atomic_load_explicit((_Atomic int *)&m->__data.__kind, memory_order_relaxed) &
		GS_MUTEX_ROBUST) != 0;
}

/* Robust mutexes (shim/robust.c): lock with deadline 0 (forever), -1 (try) or a
 * CLOCK_MONOTONIC deadline; unlock; and the exit of a G that still holds some. */
int gs_robust_lock(pthread_mutex_t *m, int64_t deadline);
int gs_robust_unlock(pthread_mutex_t *m);
void gs_robust_exit(void);

/* gs_lock_id is the running thread's owner id in mutexes: its G's lockid, else its tid. */
static inline int32_t gs_lock_id(void)
{
	struct g *gp = getg();

	return gp ? gp->lockid : sys_gettid();
}

/* gs_mutex_count_up: the owner of a recursive mutex locks it once more. */
static inline int gs_mutex_count_up(pthread_mutex_t *m)
{
	if (m->__data.__count == UINT32_MAX)
		return EAGAIN;
	m->__data.__count++;
	return 0;
}

/* gs_timespec_valid: tv_nsec in [0, 1e9). */
static inline bool gs_timespec_valid(const struct timespec *ts)
{
	return ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

/* gs_clock_ok: a clock timed waits accept, as glibc's futex_abstimed_supported_clockid. */
static inline bool gs_clock_ok(clockid_t clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC;
}

#endif
