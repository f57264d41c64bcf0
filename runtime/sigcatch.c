/* The catcher: a signal sent to the process that no OS thread takes, while some G does not
 * block it. May call: raw system calls, gs_hooks.newosthread, taskstate (its private fd
 * table), locks (allglock).
 *
 * Natively a thread that does not block a signal sent to the process takes it, parked or
 * not. Under goshim a parked thread is a G, and from the first mask change on an idle M
 * blocks every signal (one that every G blocks must wait for sigwait or an unblock, not
 * run its default action there). A signal arriving while every M is idle then found no
 * thread at all: a SIGTERM at its default action left the process alive, an alarm's
 * handler never cut a nanosleep short, until some G ran again. The catcher blocks every
 * signal too and watches the pending ones through a signalfd, in an fd table of its own.
 * For one that some G does not block and no running G's M will take, it unblocks the
 * signal for a moment: the kernel delivers it there, so a default action acts on the
 * process as natively, and a handler runs there as on an idle M, which then has the
 * waiting G the kernel would have picked interrupted (gs_signal_redirect). A signal every
 * G blocks stays pending, left out of the signalfd while it is, and looked at again every
 * RECHECK. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>

#include "lock.h"
#include "preempt.h"
#include "proc.h"
#include "sigcatch.h"
#include "sigmask.h"
#include "sys.h"
#include "taskstate.h"
#include "tls.h"

#define CATCH_STACK (64 * 1024)
#define RECHECK 10000000l	/* ns: pending signals every G blocks */
#define HANDOVER 100000l	/* ns: a running G's M takes the signal meanwhile */

enum { Cnone, Cstarting, Cup, Cfailed };

static struct {
	_Atomic uint32_t state;
	void *_Atomic tp;		/* the catcher's thread pointer */
} ct;

static const uint64_t glibc_sigs = 3ull << 31;	/* SIGCANCEL, SIGSETXID */

static uint64_t bit(int sig)
{
	return 1ull << (sig - 1);
}

/* watched: the signals the catcher may take for the program: not SIGKILL or SIGSTOP,
 * which nothing blocks, nor glibc's two or goshim's preemption signal. */
static uint64_t watched(void)
{
	int pre = atomic_load_explicit(&gs_preempt_signo, memory_order_relaxed);
	uint64_t w = ~(bit(SIGKILL) | bit(SIGSTOP) | glibc_sigs);

	return pre > 0 ? w & ~bit(pre) : w;
}

/* takers returns the signals of sigs that some live G does not block; in *running, those
 * that a G on an M (running, or in a system call) does not block, which its M takes. */
static uint64_t takers(uint64_t sigs, uint64_t *running)
{
	uint64_t any = 0, run = 0;

	gs_lock(&gs_sched.allglock);
	for (struct g *gp = gs_sched.allg; gp && (any != sigs || run != sigs);
	     gp = gp->alllink) {
		uint32_t s = atomic_load_explicit(&gp->status, memory_order_relaxed);
		uint64_t t = sigs & ~gp->sigmask;

		if (gp->goid == 0 || s == Gidle || s == Gdead)
			continue;
		any |= t;
		if (s == Grunning || s == Gsyscall)
			run |= t;
	}
	gs_unlock(&gs_sched.allglock);
	*running = run;
	return any;
}

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	sys_call6(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}

static void *catcher_main(void *arg)
{
	uint64_t all = ~glibc_sigs, set = 0, left = 0;
	long fd = -1;

	(void)arg;
	sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
	if (!gs_private_fds()) {
		atomic_store_explicit(&ct.state, Cfailed, memory_order_release);
		return NULL;
	}
	atomic_store_explicit(&ct.tp, gs_tls_thread_pointer(), memory_order_release);
	atomic_store_explicit(&ct.state, Cup, memory_order_release);
	for (;;) {
		uint64_t want = watched() & ~left, pend = 0, run, any;
		struct pollfd p;
		struct timespec ts = { 0, RECHECK };

		if (want != set) {
			long r = sys_call6(SYS_signalfd4, fd, (long)&want, 8,
					   SFD_CLOEXEC | SFD_NONBLOCK, 0, 0);

			if (r < 0) {
				atomic_store_explicit(&ct.state, Cfailed, memory_order_release);
				return NULL;
			}
			fd = r;
			set = want;
		}
		p = (struct pollfd){ .fd = (int)fd, .events = POLLIN };
		sys_call6(SYS_ppoll, (long)&p, 1, left ? (long)&ts : 0, 0, 8, 0);
		sys_call6(SYS_rt_sigpending, (long)&pend, 8, 0, 0, 0, 0);
		pend &= watched();
		if (pend == 0) {
			left = 0;
			continue;
		}
		any = takers(pend, &run);
		left = pend & ~any;
		/* the kernel delivers them as this call returns, handlers and all, one
		 * queued instance after another, before they are blocked again */
		pend = any & ~run;
		if (pend) {
			sys_call6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&pend, 0, 8, 0, 0);
			sys_call6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&pend, 0, 8, 0, 0);
		}
		if (any & run)
			nap(HANDOVER);
	}
	return NULL;
}

void gs_sigcatch_start(void)
{
	uint32_t s = Cnone;

	if (atomic_compare_exchange_strong_explicit(&ct.state, &s, Cstarting, memory_order_relaxed,
						    memory_order_relaxed) &&
	    gs_hooks.newosthread(catcher_main, NULL, CATCH_STACK) != 0)
		atomic_store_explicit(&ct.state, Cfailed, memory_order_relaxed);
}

bool gs_sigcatch_self(void)
{
	void *tp = atomic_load_explicit(&ct.tp, memory_order_acquire);

	return tp && tp == gs_tls_thread_pointer();
}

void gs_sigcatch_afterfork(void)
{
	atomic_store_explicit(&ct.state, Cnone, memory_order_relaxed);
	atomic_store_explicit(&ct.tp, NULL, memory_order_relaxed);
	if (atomic_load_explicit(&gs_sigmask_on, memory_order_relaxed))
		gs_sigcatch_start();
}
