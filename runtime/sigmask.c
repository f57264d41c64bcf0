/* Per-G signal masks. May call: raw system calls, preempt (its signal number).
 *
 * The kernel's mask belongs to the OS thread. An M loads the mask of the G it is about to
 * run when another is loaded (one rt_sigprocmask, only for programs that use masks), and
 * blocks everything while idle. A signal the running G blocks, and that no other running
 * G takes, stays pending in the process until a G that does not block it runs or
 * sigwait()s for it, as it would natively. goshim's preemption signal is never blocked
 * in the kernel, whatever the G's mask says. */
#include <signal.h>

#include "preempt.h"
#include "runtime2.h"
#include "sigmask.h"
#include "sys.h"

_Atomic bool gs_sigmask_on;

static const uint64_t all = ~0ull;

/* kernel_mask is what an M loads for mask: all but the preemption signal. */
static uint64_t kernel_mask(uint64_t mask)
{
	int sig = atomic_load_explicit(&gs_preempt_signo, memory_order_relaxed);

	return sig > 0 ? mask & ~(1ull << (sig - 1)) : mask;
}

static void load(struct m *mp, uint64_t mask)
{
	if (mp->sigmask == mask)
		return;
	sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8, 0, 0);
	mp->sigmask = mask;
}

void gs_sigmask_set(struct g *gp, uint64_t mask)
{
	gp->sigmask = mask;
	atomic_store_explicit(&gs_sigmask_on, true, memory_order_relaxed);
	load(gp->m, kernel_mask(mask));
}

void gs_sigmask_load(struct m *mp, struct g *gp)
{
	if (atomic_load_explicit(&gs_sigmask_on, memory_order_relaxed))
		load(mp, kernel_mask(gp->sigmask));
}

const uint64_t *gs_sigmask_idle(struct m *mp)
{
	if (!atomic_load_explicit(&gs_sigmask_on, memory_order_relaxed))
		return NULL;
	load(mp, all);
	return &all;
}

uint64_t gs_sigmask_thread(void)
{
	uint64_t cur = 0;

	sys_call6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&cur, 8, 0, 0);
	return cur;
}
