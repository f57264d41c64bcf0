/* Barriers and spinlocks for Gs. Process-private barriers use goshim's layout inside
 * pthread_barrier_t, keeping glibc's "shared" field where glibc has it; process-shared ones
 * stay with the C library. A spinlock spins briefly, then yields the G instead of the M.
 * May call: sema, proc, real. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>

#include "../runtime/proc.h"
#include "../runtime/sema.h"
#include "../runtime/tls.h"
#include "real.h"
#include "sync.h"

#define BARRIER_SHARED 128	/* glibc's pthread_barrier.shared for a process-shared one */
#define SPIN 100

struct gbarrier {
	_Atomic uint32_t arrived;
	_Atomic uint32_t round;		/* futex word: bumped when the last thread arrives */
	uint32_t count;
	int shared;			/* glibc's position */
	uint32_t unused[4];
};

_Static_assert(sizeof(struct gbarrier) == sizeof(pthread_barrier_t), "barrier layout");

static struct gbarrier *gb(pthread_barrier_t *b)
{
	return (struct gbarrier *)b;
}

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr,
			 unsigned count)
{
	int pshared = PTHREAD_PROCESS_PRIVATE;

	if (attr)
		pthread_barrierattr_getpshared(attr, &pshared);
	if (pshared == PTHREAD_PROCESS_SHARED || count == 0)
		return real()->pthread_barrier_init(b, attr, count);
	atomic_store_explicit(&gb(b)->arrived, 0, memory_order_relaxed);
	atomic_store_explicit(&gb(b)->round, 0, memory_order_relaxed);
	gb(b)->count = count;
	gb(b)->shared = 0;
	return 0;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
	struct gbarrier *g = gb(b);
	uint32_t round;

	if (g->shared == BARRIER_SHARED)
		return real()->pthread_barrier_wait(b);
	/* acquire pairs with the last arrival's release of round: nobody arrives for the
	 * next round before arrived was reset */
	round = atomic_load_explicit(&g->round, memory_order_acquire);
	if (atomic_fetch_add_explicit(&g->arrived, 1, memory_order_acq_rel) + 1 == g->count) {
		atomic_store_explicit(&g->arrived, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&g->round, 1, memory_order_release);
		gs_sema_wake(&g->round, INT_MAX, GS_BITSET_ANY);
		return PTHREAD_BARRIER_SERIAL_THREAD;
	}
	while (atomic_load_explicit(&g->round, memory_order_acquire) == round)
		gs_sema_wait(&g->round, round, GS_BITSET_ANY, 0);
	return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	if (gb(b)->shared == BARRIER_SHARED)
		return real()->pthread_barrier_destroy(b);
	return 0;
}

/* Spinlocks keep glibc's x86-64 encoding (pthread_spin_init is the C library's): 1 is
 * free, anything else held. */
int pthread_spin_lock(pthread_spinlock_t *l)
{
	_Atomic int *w = (_Atomic int *)l;

	for (;;) {
		for (int i = 0; i < SPIN; i++) {
			int one = 1;

			if (atomic_load_explicit(w, memory_order_relaxed) == 1 &&
			    atomic_compare_exchange_weak_explicit(w, &one, 0, memory_order_acquire,
								  memory_order_relaxed))
				return 0;
			__builtin_ia32_pause();
		}
		/* the holder may be a G queued behind us: let it run */
		if (getg())
			gs_gosched();
		else
			sys_sched_yield();
	}
}

int pthread_spin_trylock(pthread_spinlock_t *l)
{
	int one = 1;

	return atomic_compare_exchange_strong_explicit((_Atomic int *)l, &one, 0,
						       memory_order_acquire, memory_order_relaxed)
		       ? 0
		       : EBUSY;
}

int pthread_spin_unlock(pthread_spinlock_t *l)
{
	atomic_store_explicit((_Atomic int *)l, 1, memory_order_release);
	return 0;
}
