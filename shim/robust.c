/* Robust mutexes for Gs, in glibc's encoding: the lock word holds the owner's id under
 * FUTEX_TID_MASK, with FUTEX_WAITERS and FUTEX_OWNER_DIED. The kernel marks a dead
 * thread's robust mutexes through its robust list, but a G's death is not a thread's: each
 * G keeps its held robust mutexes on a list of its own (through the mutex's __list links,
 * which glibc uses for the same purpose) and marks them itself when it exits. Threads that
 * are not Gs lock them here too, but their death is not detected. May call: sema, real. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>

#include "../runtime/sema.h"
#include "../runtime/tls.h"
#include "real.h"
#include "sync.h"

#define INCONSISTENT INT_MAX		/* glibc's PTHREAD_MUTEX_INCONSISTENT */
#define NOTRECOVERABLE (INT_MAX - 1)	/* glibc's PTHREAD_MUTEX_NOTRECOVERABLE */

typedef struct __pthread_internal_list link_t;

static link_t *link_of(pthread_mutex_t *m)
{
	return &m->__data.__list;
}

static pthread_mutex_t *mutex_of(link_t *l)
{
	return (pthread_mutex_t *)((char *)l - offsetof(pthread_mutex_t, __data.__list));
}

static void held_add(pthread_mutex_t *m)
{
	struct g *gp = getg();
	link_t *l = link_of(m);

	if (gp == NULL)
		return;
	l->__prev = NULL;
	l->__next = gp->robust_held;
	if (l->__next)
		l->__next->__prev = l;
	gp->robust_held = l;
}

static void held_del(pthread_mutex_t *m)
{
	struct g *gp = getg();
	link_t *l = link_of(m);

	if (gp == NULL)
		return;
	if (l->__prev)
		l->__prev->__next = l->__next;
	else
		gp->robust_held = l->__next;
	if (l->__next)
		l->__next->__prev = l->__prev;
}

static void release(_Atomic uint32_t *w)
{
	if (atomic_exchange_explicit(w, 0, memory_order_release) & FUTEX_WAITERS)
		gs_sema_wake(w, 1, GS_BITSET_ANY);
}

/* acquired finishes a lock: the owner field says whether the state is usable. */
static int acquired(pthread_mutex_t *m, int32_t id, bool dead)
{
	if (!dead && m->__data.__owner == NOTRECOVERABLE) {
		release(gs_mutex_word(m));
		return ENOTRECOVERABLE;
	}
	m->__data.__owner = dead ? INCONSISTENT : id;
	m->__data.__count = 1;
	m->__data.__nusers++;
	held_add(m);
	return dead ? EOWNERDEAD : 0;
}

int gs_robust_lock(pthread_mutex_t *m, int64_t deadline)
{
	_Atomic uint32_t *w = gs_mutex_word(m);
	uint32_t id = (uint32_t)gs_lock_id();
	/* once we have waited, others may still wait: keep FUTEX_WAITERS set */
	uint32_t waiters = 0;

	for (;;) {
		uint32_t old = atomic_load_explicit(w, memory_order_relaxed);

		if (old == 0 || (old & FUTEX_OWNER_DIED)) {
			uint32_t new = id | waiters | (old & FUTEX_WAITERS);

			if (atomic_compare_exchange_weak_explicit(w, &old, new, memory_order_acquire,
								  memory_order_relaxed))
				return acquired(m, (int32_t)id, old != 0);
			continue;
		}
		if ((old & FUTEX_TID_MASK) == id) {
			switch (m->__data.__kind & 3) {
			case PTHREAD_MUTEX_RECURSIVE_NP:
				return gs_mutex_count_up(m);
			case PTHREAD_MUTEX_ERRORCHECK_NP:
				return EDEADLK;
			}
		}
		if (deadline < 0)
			return EBUSY;
		if (!(old & FUTEX_WAITERS) &&
		    !atomic_compare_exchange_weak_explicit(w, &old, old | FUTEX_WAITERS,
							   memory_order_relaxed,
							   memory_order_relaxed))
			continue;
		waiters = FUTEX_WAITERS;
		if (gs_sema_wait(w, old | FUTEX_WAITERS, GS_BITSET_ANY, deadline) == -ETIMEDOUT)
			return ETIMEDOUT;
	}
}

int gs_robust_unlock(pthread_mutex_t *m)
{
	_Atomic uint32_t *w = gs_mutex_word(m);

	if ((atomic_load_explicit(w, memory_order_relaxed) & FUTEX_TID_MASK) !=
	    (uint32_t)gs_lock_id())
		return EPERM;
	if ((m->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP && --m->__data.__count != 0)
		return 0;
	m->__data.__owner = m->__data.__owner == INCONSISTENT ? NOTRECOVERABLE : 0;
	m->__data.__nusers--;
	held_del(m);
	release(w);
	return 0;
}

int pthread_mutex_consistent(pthread_mutex_t *m)
{
	if (!gs_mutex_goaware(m))
		return real()->pthread_mutex_consistent(m);
	if (!gs_mutex_robust(m) || m->__data.__owner != INCONSISTENT)
		return EINVAL;
	m->__data.__owner = gs_lock_id();
	return 0;
}

void gs_robust_exit(void)
{
	struct g *gp = getg();

	while (gp->robust_held) {
		link_t *l = gp->robust_held;
		_Atomic uint32_t *w = gs_mutex_word(mutex_of(l));
		uint32_t old = atomic_load_explicit(w, memory_order_relaxed);

		gp->robust_held = l->__next;
		while (!atomic_compare_exchange_weak_explicit(
			w, &old, (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED, memory_order_release,
			memory_order_relaxed))
			;
		gs_sema_wake(w, 1, GS_BITSET_ANY);
	}
}
