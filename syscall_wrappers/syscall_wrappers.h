/* Entering and leaving a blocking call from a wrapper. */
#ifndef GS_SYSCALL_WRAPPERS_H
#define GS_SYSCALL_WRAPPERS_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../runtime/preempt.h"
#include "../runtime/sigmask.h"
#include "../runtime/syscall.h"
#include "../runtime/tls.h"

/* gs_parkable is the running G if it may park or give up its P: a G running on its own
 * stack outside the runtime. NULL for a thread that is not a G, and for a signal handler
 * interrupting the scheduler (on g0, with a G's thread pointer) or runtime code that uses
 * the P: those call the C library directly. */
static inline struct g *gs_parkable(void)
{
	struct g *gp = getg();
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	if (gp == NULL || atomic_load_explicit(&gp->inruntime, memory_order_relaxed) ||
	    atomic_load_explicit(&gp->status, memory_order_relaxed) != Grunning ||
	    sp < (uintptr_t)gp->stack.lo || sp >= (uintptr_t)gp->stack.lo + gp->stack.size)
		return NULL;
	return gp;
}

/* gs_enter brackets the start of a blocking call: true if the caller is a G running on its
 * own stack outside the runtime (gs_parkable), which then gave up its P. */
static inline bool gs_enter(void)
{
	struct g *gp = gs_parkable();

	if (gp == NULL)
		return false;
	gs_preempt_check(gp);
	gs_entersyscall();
	/* pthread_kill's pending signals that it does not block: natively they would have
	 * run their handlers by now, or interrupt the call */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&gp->pendsig, memory_order_relaxed) & ~gp->sigmask)
		gs_signal_flush(gp, ~gp->sigmask);
	return true;
}

/* gs_enter_waiting is gs_enter for a call that waits for the signals in set (sigwait) or
 * lets them through while it waits (sigsuspend, a mask given to ppoll): those pthread_kill
 * left pending for the G go to the kernel for it. */
static inline bool gs_enter_waiting(uint64_t set)
{
	if (!gs_enter())
		return false;
	if (atomic_load_explicit(&getg()->pendsig, memory_order_relaxed) & set)
		gs_signal_flush(getg(), set);
	return true;
}

/* gs_sigset_bits: signals 1-64 of set, bit n-1 for signal n. */
static inline uint64_t gs_sigset_bits(const sigset_t *set)
{
	uint64_t b;

	memcpy(&b, set, sizeof(b));
	return b;
}

/* gs_preempt_sigs is how many of goshim's preemption signals the running G's M has taken
 * (read before a call to tell whether one of them interrupted it); it forgets the
 * program's handlers that ran on the G before. */
static inline uint32_t gs_preempt_sigs(void)
{
	struct g *gp = getg();

	atomic_store_explicit(&gp->handled, false, memory_order_relaxed);
	return atomic_load_explicit(&gp->preempt_sigs, memory_order_relaxed);
}

/* gs_preempted_call: the call that just failed did so with EINTR while a preemption signal
 * arrived, since sigs: it must be made again, unless the signal stood for one of the
 * program's whose handler ran on an idle OS thread (sysmon's redirect, intrsig), or a
 * handler of the program's ran on the G too, in the call: either interrupts the call as
 * natively. */
static inline bool gs_preempted_call(uint32_t sigs)
{
	struct g *gp = getg();

	return errno == EINTR &&
	       atomic_load_explicit(&gp->preempt_sigs, memory_order_relaxed) != sigs &&
	       atomic_exchange_explicit(&gp->intrsig, 0, memory_order_acquire) == 0 &&
	       !atomic_load_explicit(&gp->handled, memory_order_relaxed);
}

/* gs_restore_errno sets errno on the thread the G now runs on. Out of line so that the
 * errno location is looked up afresh (with shared TLS it changes when the G moves). */
void gs_restore_errno(int e);

/* gs_ret turns a raw system call's result into the C library's: -1 with errno set. */
static inline long gs_ret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* gs_leave ends a blocking call begun by a true gs_enter, keeping the call's errno. */
static inline void gs_leave(void)
{
	int e = errno;

	gs_exitsyscall();
	gs_restore_errno(e);
}

#endif
