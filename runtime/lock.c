/* Futex mutex (Drepper's three states) and notes. May call: raw syscalls. Never parks a G. */
#include <linux/futex.h>

#include "lock.h"
#include "sys.h"
#include "throw.h"

#define SPIN_TRIES 100

void gs_lock_slow(struct gs_lock *l)
{
	for (int i = 0; i < SPIN_TRIES; i++) {
		uint32_t unlocked = 0;

		__builtin_ia32_pause();
		if (atomic_load_explicit(&l->key, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_weak_explicit(&l->key, &unlocked, 1,
							  memory_order_acquire,
							  memory_order_relaxed))
			return;
	}
	/* Once we mark the lock contended we must keep it so: we cannot know whether others
	 * still sleep, so the unlock that follows our own must wake. */
	while (atomic_exchange_explicit(&l->key, 2, memory_order_acquire) != 0)
		sys_futex(&l->key, FUTEX_WAIT_PRIVATE, 2, NULL);
}

void gs_unlock_slow(struct gs_lock *l)
{
	sys_futex(&l->key, FUTEX_WAKE_PRIVATE, 1, NULL);
}

void gs_notesleep(_Atomic uint32_t *note)
{
	/* acquire pairs with the release store in gs_notewakeup: the waker's writes (nextp)
	 * are visible once we see 1. */
	while (atomic_load_explicit(note, memory_order_acquire) == 0) {
		long r = sys_futex(note, FUTEX_WAIT_PRIVATE, 0, NULL);

		if (r < 0 && r != -11 /* EAGAIN */ && r != -4 /* EINTR */)
			gs_throw("notesleep", "futex wait failed");
	}
}

void gs_notewakeup(_Atomic uint32_t *note)
{
	if (atomic_exchange_explicit(note, 1, memory_order_release) != 0)
		gs_throw("notewakeup", "double wakeup");
	sys_futex(note, FUTEX_WAKE_PRIVATE, 1, NULL);
}
