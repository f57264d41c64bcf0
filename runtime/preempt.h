/* Preemption: a G that has run for 10 ms is asked to yield, by a flag checked at interposed
 * calls and by a signal whose handler switches only at a safe point. */
#ifndef GS_PREEMPT_H
#define GS_PREEMPT_H

#include <signal.h>
#include <stdbool.h>

#include "runtime2.h"

/* gs_preempt_signo is the preemption signal: SIGURG unless the program took it
 * (shim/signal.c). */
extern _Atomic int gs_preempt_signo;

/* gs_preempt_disable turns the signal path off (no signal is free): the flag remains. */
void gs_preempt_disable(void);

/* gs_preempt_init learns where the C library, the dynamic loader and goshim live, and
 * whether the signal path can be used. Runs once, in the constructor. */
void gs_preempt_init(void);

/* gs_preemptone asks the G running on pp to yield. Runs on sysmon. */
void gs_preemptone(struct p *pp);

/* gs_preempt_kick sends goshim's preemption signal to mp's OS thread, if signals are in
 * use: a G running there checks its preempt flag; a system call there fails with EINTR
 * unless the kernel restarts it (the handler has SA_RESTART). */
void gs_preempt_kick(struct m *mp);

/* gs_preempt_signal handles a preemption signal: returns false if goshim did not send it
 * (it belongs to the program), true otherwise (whether or not it switched). Runs in the
 * signal handler. */
bool gs_preempt_signal(siginfo_t *si, void *uctx);

/* gs_preempt_check yields if sysmon asked the running G to (the cooperative path, at
 * interposed calls). Runs on a G. */
void gs_preempt_check_slow(struct g *gp);

static inline void gs_preempt_check(struct g *gp)
{
	if (__builtin_expect(atomic_load_explicit(&gp->preempt, memory_order_relaxed), 0))
		gs_preempt_check_slow(gp);
}

#endif
