/* Per-G signal masks. May call: raw system calls, preempt (its signal number).
 *
 * The kernel's mask belongs to the OS thread. An M loads the mask of the G it is about to
 * run when another is loaded (one rt_sigprocmask, only for programs that use masks), and
 * blocks everything but glibc's own two signals while idle. A signal the running G blocks, and that no other running
 * G takes, stays pending in the process until a G that does not block it runs or
 * sigwait()s for it, as it would natively. goshim's preemption signal is never blocked
 * in the kernel, whatever the G's mask says.
 *
 * Redirects: a program's handler that runs on an idle M for a signal sent to the process
 * (a G running its own code would have taken it itself) leaves the interruption a blocked
 * thread would have seen natively to sysmon, which picks the G and interrupts its wait. */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "netpoll.h"
#include "preempt.h"
#include "proc.h"
#include "runtime2.h"
#include "sema.h"
#include "sigcatch.h"
#include "sigmask.h"
#include "sys.h"
#include "sysmon.h"
#include "tls.h"

_Atomic bool gs_sigmask_on;
_Atomic uint64_t gs_sa_restart;

/* every signal but glibc's own two (SIGCANCEL, SIGSETXID), which no thread blocks: a
 * credential change signals every thread (allthreads.c) */
static const uint64_t all = ~(3ull << 31);

#define REMASK_MAGIC 0x67736d6b	/* si_value of remask_idle's signals */
#define REMASK_WAIT 10000000	/* ns: how long the first mask change waits for them */

static _Atomic uint32_t remasks;	/* futex word: Ms remask_idle's signal reached */

/* kernel_mask is what an M loads for mask: all but the preemption signal and glibc's. */
static uint64_t kernel_mask(uint64_t mask)
{
	int sig = atomic_load_explicit(&gs_preempt_signo, memory_order_relaxed);

	mask &= all;
	return sig > 0 ? mask & ~(1ull << (sig - 1)) : mask;
}

static void load(struct m *mp, uint64_t mask)
{
	if (mp->sigmask == mask && !atomic_load_explicit(&mp->remasked, memory_order_relaxed))
		return;
	/* again if gs_sigmask_remask blocked everything meanwhile */
	do {
		atomic_store_explicit(&mp->remasked, false, memory_order_relaxed);
		sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8, 0, 0);
		mp->sigmask = mask;
	} while (atomic_load_explicit(&mp->remasked, memory_order_relaxed));
}

/* remask_idle: an M without a G has the mask of the last G it ran, or none if it went to
 * sleep before this first mask change; the kernel could hand it a signal every G blocks
 * (whose default action would then end the process). Each such M gets a signal whose
 * handler makes it block everything (gs_sigmask_remask), and the change waits, a while
 * at most, until they all have. An M running a G has that G's mask, as it should. */
static void remask_idle(struct m *self)
{
	struct timespec wait = { 0, REMASK_WAIT };
	uint32_t sent = 0, done;

	atomic_store_explicit(&remasks, 0, memory_order_relaxed);
	for (struct m *mp = gs_sched.allm; mp; mp = mp->alllink) {
		if (mp == self || mp->tid == 0 ||
		    (!atomic_load_explicit(&mp->asleep, memory_order_seq_cst) && mp->curg))
			continue;
		if (sys_tgsigqueue(mp->tid,
				   atomic_load_explicit(&gs_preempt_signo, memory_order_relaxed),
				   REMASK_MAGIC) == 0)
			sent++;
	}
	while ((done = atomic_load_explicit(&remasks, memory_order_acquire)) < sent) {
		if (sys_futex(&remasks, FUTEX_WAIT_PRIVATE, done, &wait) == -ETIMEDOUT)
			break;
	}
}

void gs_sigmask_start(struct m *self)
{
	/* seq_cst pairs with gs_sigmask_idle: a sleeper sees the flag, or is seen asleep */
	if (!atomic_exchange_explicit(&gs_sigmask_on, true, memory_order_seq_cst)) {
		remask_idle(self);
		gs_sigcatch_start();
	}
}

void gs_sigmask_set(struct g *gp, uint64_t mask)
{
	gp->sigmask = mask;
	gs_sigmask_start(gp->m);
	load(gp->m, kernel_mask(mask));
}

bool gs_sigmask_remask(siginfo_t *si, void *uctx)
{
	int32_t tid;

	if (!sys_sigmarked(si, REMASK_MAGIC))
		return false;
	tid = sys_gettid();
	for (struct m *mp = gs_sched.allm; mp; mp = mp->alllink) {
		if (mp->tid != tid)
			continue;
		/* asleep, the M changes no mask of its own until it wakes; running its
		 * scheduler, it may be inside load(), which then loads its mask again */
		if (atomic_load_explicit(&mp->asleep, memory_order_relaxed)) {
			memcpy(&((ucontext_t *)uctx)->uc_sigmask, &all, sizeof(all));
			mp->sigmask = all;
		} else if (mp->curg == NULL) {
			memcpy(&((ucontext_t *)uctx)->uc_sigmask, &all, sizeof(all));
			atomic_store_explicit(&mp->remasked, true, memory_order_relaxed);
		}
		break;
	}
	atomic_fetch_add_explicit(&remasks, 1, memory_order_release);
	sys_futex(&remasks, FUTEX_WAKE_PRIVATE, 1, NULL);
	return true;
}

void gs_sigmask_load(struct m *mp, struct g *gp)
{
	if (atomic_load_explicit(&gs_sigmask_on, memory_order_relaxed))
		load(mp, kernel_mask(gp->sigmask));
}

const uint64_t *gs_sigmask_idle(struct m *mp)
{
	atomic_store_explicit(&mp->asleep, true, memory_order_seq_cst);
	if (!atomic_load_explicit(&gs_sigmask_on, memory_order_seq_cst))
		return NULL;
	load(mp, all);
	return &all;
}

void gs_sigmask_awake(struct m *mp)
{
	atomic_store_explicit(&mp->asleep, false, memory_order_relaxed);
}

bool gs_handler_enter(struct gs_handler *h, int sig, const sigset_t *samask, bool nodefer,
		      void *uctx)
{
	struct g *gp = getg();
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uint64_t add, now;

	if (gp == NULL || atomic_load_explicit(&gp->status, memory_order_relaxed) != Grunning ||
	    sp < (uintptr_t)gp->stack.lo || sp >= (uintptr_t)gp->stack.lo + gp->stack.size)
		return false;
	if (gp->handlersp) {
		if (sp < gp->handlersp)
			return false;	/* nested: the outer handler wired the G */
		gs_handler_unwire(gp);	/* the last one jumped out */
	}
	memcpy(&add, samask, sizeof(add));
	if (!nodefer)
		add |= 1ull << (sig - 1);
	memcpy(&now, &((ucontext_t *)uctx)->uc_sigmask, sizeof(now));
	h->gp = gp;
	h->sigmask = gp->sigmask;
	h->ucmask = now;
	gs_handler_wire(gp, sp);
	gp->sigmask |= add;
	/* the handler's mask as the kernel made it, but for the preemption signal, which
	 * sa_mask held off until the G was wired */
	now = kernel_mask(now | add);
	sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&now, 0, 8, 0, 0);
	gp->m->sigmask = now;
	return true;
}

void gs_handler_exit(struct gs_handler *h, void *uctx)
{
	struct g *gp = h->gp;
	uint64_t now;

	memcpy(&now, &((ucontext_t *)uctx)->uc_sigmask, sizeof(now));
	/* until sigreturn loads uc_sigmask, no preemption may switch the G out (glibc's two
	 * stay open, as on every thread of goshim's) */
	sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
	gp->m->sigmask = now;
	/* the mask from before the handler, or the one the handler put in its context */
	gp->sigmask = now == h->ucmask ? h->sigmask : now;
	gs_handler_unwire(gp);
}

void gs_sigmask_mstart(struct m *mp)
{
	uint64_t mask = all;

	/* after mp->tid is set: the first mask change sees this M, or it sees the change */
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&gs_sigmask_on, memory_order_relaxed))
		mask = kernel_mask(gs_g1->sigmask);
	sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8, 0, 0);
	mp->sigmask = mask;
}

uint64_t gs_sigmask_thread(void)
{
	uint64_t cur = 0;

	sys_call6(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&cur, 8, 0, 0);
	return cur;
}

static _Atomic uint64_t redirect_sigs, redirect_restart;

void gs_signal_redirect(int sig, bool restart)
{
	uint64_t bit = 1ull << (sig - 1);

	if (restart)
		atomic_fetch_or_explicit(&redirect_restart, bit, memory_order_relaxed);
	else
		atomic_fetch_and_explicit(&redirect_restart, ~bit, memory_order_relaxed);
	atomic_fetch_or_explicit(&redirect_sigs, bit, memory_order_release);
	/* whichever looks first: sysmon, or the M asleep in netpoll (there may be no
	 * sysmon yet in a program that never made a thread) */
	gs_sysmon_wake();
	gs_netpoll_break();
}

/* takes: gp, parked in an interruptible wait, would take sig. */
static bool takes(struct g *gp, uint64_t bit)
{
	return atomic_load_explicit(&gp->status, memory_order_relaxed) == Gwaiting &&
	       gp->waitintr && !(gp->sigmask & bit) &&
	       atomic_load_explicit(&gp->intrsig, memory_order_relaxed) == 0;
}

/* in_call: gp, in a system call on its own OS thread, would take sig there. */
static bool in_call(struct g *gp, uint64_t bit)
{
	return atomic_load_explicit(&gp->status, memory_order_relaxed) == Gsyscall &&
	       !(gp->sigmask & bit) && atomic_load_explicit(&gp->intrsig, memory_order_relaxed) == 0;
}

/* main_waits: G 1 waits where sig (bit) would interrupt it. */
static bool main_waits(uint64_t bit)
{
	return takes(gs_g1, bit) || in_call(gs_g1, bit);
}

bool gs_signal_main_waits(int sig)
{
	return main_waits(1ull << (sig - 1));
}

/* redirect_target: the G the kernel would have interrupted for sig: G 1 if it waits, else
 * one parked in an interruptible wait, else one in a system call. */
static struct g *redirect_target(uint64_t bit)
{
	struct g *t = NULL;

	if (main_waits(bit))
		return gs_g1;
	gs_lock(&gs_sched.allglock);
	for (struct g *gp = gs_sched.allg; gp && !t; gp = gp->alllink) {
		if (gp->goid && takes(gp, bit))
			t = gp;
	}
	for (struct g *gp = gs_sched.allg; gp && !t; gp = gp->alllink) {
		if (gp->goid && in_call(gp, bit))
			t = gp;
	}
	gs_unlock(&gs_sched.allglock);
	return t;
}

void gs_signal_redirect_run(void)
{
	uint64_t sigs = atomic_exchange_explicit(&redirect_sigs, 0, memory_order_acquire);
	uint64_t restart = atomic_load_explicit(&redirect_restart, memory_order_relaxed);

	for (int sig = 1; sigs; sig++) {
		uint64_t bit = 1ull << (sig - 1);
		struct g *t;
		struct m *mp;

		if (!(sigs & bit))
			continue;
		sigs &= ~bit;
		t = redirect_target(bit);
		if (t == NULL)
			continue;
		atomic_store_explicit(&t->intrrestart, (restart & bit) != 0, memory_order_relaxed);
		atomic_store_explicit(&t->intrsig, (uint32_t)sig, memory_order_release);
		/* in a system call, the call fails with EINTR, as the kernel's handler run would
		 * have made it (restartable calls go on: goshim's handler has SA_RESTART), and
		 * the wrapper, finding intrsig, returns it; t->m is valid while t is in Gsyscall,
		 * and a kick arriving after the call returned is a harmless preemption request */
		if (atomic_load_explicit(&t->status, memory_order_acquire) != Gsyscall)
			gs_interrupt(t);
		else if ((mp = t->m))
			gs_preempt_kick(mp);
	}
}

int gs_signal_take(struct g *gp, bool *restart)
{
	uint64_t d = atomic_load_explicit(&gp->pendsig, memory_order_acquire) & ~gp->sigmask;
	int sig = (int)atomic_exchange_explicit(&gp->intrsig, 0, memory_order_acquire);

	*restart = atomic_load_explicit(&gp->intrrestart, memory_order_relaxed) != 0;
	atomic_store_explicit(&gp->interrupt, 0, memory_order_relaxed);
	if (d) {	/* pthread_kill's: its handler runs now, then the call sees it */
		gs_signal_deliver(gp);
		if (sig == 0) {
			sig = __builtin_ctzll(d) + 1;
			*restart = (atomic_load_explicit(&gs_sa_restart, memory_order_relaxed) & d) != 0;
		}
	}
	return sig;
}

bool gs_on_idle_m(void)
{
	void *tp = gs_tls_thread_pointer();

	if (getg() != NULL)
		return false;
	/* Ms are never freed and are added at the head: a racy walk is safe */
	for (struct m *mp = gs_sched.allm; mp; mp = mp->alllink) {
		if (mp->tcb == tp)
			return true;
	}
	return false;
}

void gs_signal_send(struct g *gp, int sig)
{
	uint64_t bit = 1ull << (sig - 1);
	struct m *mp;

	/* gp->m only once it is in Gsyscall: read before, it may name the M it ran on last */
	if (atomic_load_explicit(&gp->status, memory_order_acquire) == Gsyscall && (mp = gp->m)) {
		/* its OS thread is its own until the call returns: the kernel interrupts it */
		sys_call6(SYS_tgkill, sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0), mp->tid, sig, 0, 0, 0);
		return;
	}
	/* seq_cst pairs with sema_wait1: a G about to park sees it, or is seen parked */
	atomic_fetch_or_explicit(&gp->pendsig, bit, memory_order_seq_cst);
	/* and with gs_signal_flush: a G that entered a system call meanwhile, after it
	 * looked, gets it from the kernel; whoever clears the bit raises it */
	if (atomic_load_explicit(&gp->status, memory_order_seq_cst) == Gsyscall && (mp = gp->m) &&
	    atomic_fetch_and_explicit(&gp->pendsig, ~bit, memory_order_seq_cst) & bit) {
		sys_call6(SYS_tgkill, sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0), mp->tid, sig, 0, 0, 0);
		return;
	}
	if (gp->sigmask & bit)
		return;		/* raised when the G unblocks it */
	if (takes(gp, bit)) {
		gs_interrupt(gp);
		return;
	}
	/* running, or about to run: raised when it next yields, parks or is preempted */
	if (atomic_load_explicit(&gp->status, memory_order_relaxed) == Grunning && (mp = gp->m) &&
	    mp->p)
		gs_preemptone(mp->p);
}

/* raise_taken raises, on the calling OS thread, the signals of sigs, which the caller took
 * out of a G's pendsig: whoever clears a bit there raises the signal. */
static void raise_taken(uint64_t sigs)
{
	long pid, tid;

	if (sigs == 0)
		return;
	pid = sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	tid = sys_gettid();
	for (int sig = 1; sigs; sig++) {
		if (sigs & (1ull << (sig - 1))) {
			sigs &= ~(1ull << (sig - 1));
			sys_call6(SYS_tgkill, pid, tid, sig, 0, 0, 0);
		}
	}
}

void gs_signal_flush(struct g *gp, uint64_t set)
{
	raise_taken(atomic_fetch_and_explicit(&gp->pendsig, ~set, memory_order_seq_cst) & set);
}

void gs_signal_deliver(struct g *gp)
{
	if (atomic_load_explicit(&gp->pendsig, memory_order_acquire) & ~gp->sigmask)
		gs_signal_flush(gp, ~gp->sigmask);
}
