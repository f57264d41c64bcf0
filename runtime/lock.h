/* Futex-based mutex and one-shot note, usable on g0, on Gs and on foreign threads. */
#ifndef GS_LOCK_H
#define GS_LOCK_H

#include <stdatomic.h>
#include <stdint.h>

/* 0 unlocked, 1 locked, 2 locked with sleepers. Held only for short, non-blocking
 * sections: the holder never parks its G. */
struct gs_lock {
	_Atomic uint32_t key;
};

void gs_lock_slow(struct gs_lock *l);
void gs_unlock_slow(struct gs_lock *l);

static inline void gs_lock(struct gs_lock *l)
{
	uint32_t unlocked = 0;

	if (!atomic_compare_exchange_strong_explicit(&l->key, &unlocked, 1,
						     memory_order_acquire, memory_order_relaxed))
		gs_lock_slow(l);
}

static inline void gs_unlock(struct gs_lock *l)
{
	if (atomic_exchange_explicit(&l->key, 0, memory_order_release) == 2)
		gs_unlock_slow(l);
}

/* A note is a one-shot wake-up for one M: notesleep until notewakeup, then noteclear. */
void gs_notesleep(_Atomic uint32_t *note);
void gs_notewakeup(_Atomic uint32_t *note);

static inline void gs_noteclear(_Atomic uint32_t *note)
{
	atomic_store_explicit(note, 0, memory_order_relaxed);
}

#endif
