/* Address-keyed wait queues: the one waiting primitive under every G-aware lock, condvar,
 * semaphore, barrier, join and futex call (Go's semaRoot idea, with futex semantics). */
#ifndef GS_SEMA_H
#define GS_SEMA_H

#include <stdatomic.h>
#include <stdint.h>

#define GS_BITSET_ANY 0xffffffffu

/* gs_sema_wait parks the caller on addr if *addr == val (checked under the queue's lock,
 * so no wake-up between the check and the park is lost) until a gs_sema_wake on addr whose
 * bits meet bits, or until deadline (CLOCK_MONOTONIC ns; 0 means none). Returns 0 when
 * woken, -EAGAIN if *addr != val, -ETIMEDOUT, or -EINTR (see gs_interrupt). A G parks; a foreign thread sleeps on the
 * kernel futex at addr (private), and wakers wake both kinds. Spurious returns of 0 are
 * possible, as with futexes. */
int gs_sema_wait(_Atomic uint32_t *addr, uint32_t val, uint32_t bits, int64_t deadline);

/* gs_interrupt asks gp to act on a pending cancellation: its interruptible waits (those
 * made with gp->waitintr set) return -EINTR until it clears gp->interrupt, the one it is
 * parked in at once. Runs on a G or a foreign thread. */
struct g;
void gs_interrupt(struct g *gp);

/* gs_sema_wake wakes up to n waiters on addr whose bits meet bits, oldest first. Returns
 * how many. Runs on a G or a foreign thread. */
int gs_sema_wake(_Atomic uint32_t *addr, int n, uint32_t bits);

/* gs_sema_wake_m is gs_sema_wake for scheduler code: on g0 of mp, or on a thread with no
 * G (mp NULL); see gs_goready. */
struct m;
int gs_sema_wake_m(_Atomic uint32_t *addr, int n, uint32_t bits, struct m *mp);

/* gs_sema_afterfork empties every wait queue: in a fork child their Gs are gone. */
void gs_sema_afterfork(void);

/* gs_sema_requeue wakes up to nwake waiters on from and moves up to nmove of the others to
 * to. With check, does nothing and returns -EAGAIN unless *from == val. Returns how many
 * it woke plus how many it moved. */
int gs_sema_requeue(_Atomic uint32_t *from, _Atomic uint32_t *to, int nwake, int nmove,
		    int check, uint32_t val);

/* gs_sema_wait_shared, gs_sema_wake_shared and gs_sema_requeue_shared are the calls above
 * for the program's non-private futex calls on addr: their waiters queue apart from the
 * private ones, and their wakes and requeues go on to the kernel (non-private) for what
 * they did not find parked here. A G may park on addr only if gs_page_private(addr): a
 * waker in another process could not reach it. For the same reason a requeue onto a word
 * that is not wakes the Gs it would move there. */
int gs_sema_wait_shared(_Atomic uint32_t *addr, uint32_t val, uint32_t bits, int64_t deadline);
int gs_sema_wake_shared(_Atomic uint32_t *addr, int n, uint32_t bits);
int gs_sema_requeue_shared(_Atomic uint32_t *from, _Atomic uint32_t *to, int nwake, int nmove,
			   int check, uint32_t val);

#endif
