/* The signals goshim handles itself, and the program's view of them.
 * The preemption signal is SIGURG, as Go's, until the program installs a handler of its
 * own for SIGURG: then the program gets SIGURG for real and preemption moves to the highest
 * real-time signal the program does not handle (said on stderr under schedtrace). Until
 * then the program sees SIGURG at its default action.
 * SIGQUIT: while the program has no handler of its own, goshim's prints every G with its
 * stack and exits with status 2, like a Go traceback; the program's own action, once it
 * sets one, replaces goshim's, and goshim's comes back when it sets SIG_DFL again.
 * SIGSEGV, likewise: goshim's handler, on each M's alternate stack, names a G that ran
 * into its stack guard, then lets the signal kill the process as it would natively.
 * May call: runtime (preempt, traceback), real. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../runtime/preempt.h"
#include "../runtime/sigcatch.h"
#include "../runtime/sigmask.h"
#include "../runtime/stack.h"
#include "../runtime/sysmon.h"
#include "../runtime/tls.h"
#include "../runtime/traceback.h"
#include "../runtime/vfork.h"
#include "../runtime/throw.h"
#include "real.h"
#include "shim.h"

static bool installed;

/* The program's handlers, each installed behind on_program_signal (indexed by signal). */
static struct sigaction program_act[NSIG];

static void on_program_signal(int sig, siginfo_t *si, void *uc);
static int install_program(int sig);

static void on_preempt(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	(void)sig;
	/* one goshim did not send finds the signal at its default action: ignored for
	 * SIGURG, which is the only one the program can send while goshim holds it */
	if (!gs_sigmask_remask(si, uc))
		gs_preempt_signal(si, uc);
	errno = saved;
}

static bool program_handles(int sig)
{
	struct sigaction cur;

	return real()->sigaction(sig, NULL, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) ||
	       (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN);
}

static int install_preempt(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_preempt;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (real()->sigaction(sig, &sa, NULL) != 0)
		return -1;
	atomic_store_explicit(&gs_preempt_signo, sig, memory_order_release);
	return 0;
}

/* move_preempt gives the current preemption signal up to the program. The program's
 * handlers then hold off the new one instead (install_program). */
static void move_preempt(void)
{
	for (int sig = SIGRTMAX; sig > SIGRTMIN; sig--) {
		if (!program_handles(sig) && install_preempt(sig) == 0) {
			for (int s = 1; s < NSIG; s++) {
				struct sigaction cur;

				if (real()->sigaction(s, NULL, &cur) == 0 &&
				    (cur.sa_flags & SA_SIGINFO) &&
				    cur.sa_sigaction == on_program_signal)
					install_program(s);
			}
			if (gs_sched.schedtrace) {
				char line[128];
				int n = snprintf(line, sizeof(line),
						 "goshim: the program handles SIGURG; preemption "
						 "uses signal %d\n",
						 sig);

				(void)!write(2, line, (size_t)n);
			}
			return;
		}
	}
	gs_preempt_disable();
}

static void on_quit(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	gs_traceback_all(uc);
	_exit(2);
}

/* put_u appends n in decimal at p; returns the new end. */
static char *put_u(char *p, unsigned long long n)
{
	char d[24];
	int k = 0;

	do
		d[k++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (k > 0)
		*p++ = d[--k];
	return p;
}

static char *put_s(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* on_segv runs on the M's alternate stack: a G that ran into its stack's guard gets
 * goshim's message; then the signal takes its default action, as natively (the fault
 * repeats on return; a SIGSEGV sent with kill is sent again). */
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	struct g *gp = getg();
	struct sigaction dfl;
	char msg[160], *p = msg;

	(void)uc;
	if (si->si_code > 0 && gp && gs_stack_guard_hit(&gp->stack, si->si_addr)) {
		p = put_s(p, "goshim: stack overflow in thread ");
		p = put_u(p, gp->goid);
		p = put_s(p, " (stack ");
		p = put_u(p, gp->stack.size);
		p = put_s(p, " bytes; set GOSHIM_STACK or pthread_attr_setstacksize)\n");
		(void)!write(2, msg, (size_t)(p - msg));
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	real()->sigaction(sig, &dfl, NULL);
	if (si->si_code <= 0)
		syscall(SYS_tgkill, getpid(), gettid(), sig);
}

/* A signal whose default action goshim replaces while the program has none of its own:
 * the program sees SIG_DFL, its own action replaces goshim's, and goshim's comes back when
 * it sets SIG_DFL again. */
struct own_action {
	int sig;
	struct sigaction act;	/* goshim's */
	bool ours;		/* goshim's is installed */
};

static struct own_action quit = { .sig = SIGQUIT }, segv = { .sig = SIGSEGV };

/* install_own sets goshim's handler for o->sig unless the program has one already. */
static void install_own(struct own_action *o, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction cur;

	memset(&o->act, 0, sizeof(o->act));
	o->act.sa_sigaction = fn;
	o->act.sa_flags = SA_SIGINFO | flags;
	sigfillset(&o->act.sa_mask);
	if (real()->sigaction(o->sig, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL &&
	    !(cur.sa_flags & SA_SIGINFO) && real()->sigaction(o->sig, &o->act, NULL) == 0)
		o->ours = true;
}

/* own_sigaction is sigaction(o->sig, ...) as the program sees it. */
static int own_sigaction(struct own_action *o, const struct sigaction *act,
			 struct sigaction *old)
{
	bool restore_ours = act && !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL;
	bool was_ours = o->ours;
	int r;

	if (act == NULL || restore_ours) {
		r = real()->sigaction(o->sig, restore_ours ? &o->act : NULL, old);
		if (r == 0 && restore_ours)
			o->ours = true;
	} else {
		r = real()->sigaction(o->sig, act, old);
		if (r == 0)
			o->ours = false;
	}
	if (r == 0 && old && was_ours) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = SIG_DFL;
	}
	return r;
}

void gs_signal_init(void)
{
	gs_preempt_init();
	if (program_handles(SIGURG))
		move_preempt();
	else if (install_preempt(SIGURG) != 0)
		gs_throw("signal init", "sigaction failed");
	installed = true;
	install_own(&quit, on_quit, 0);
	install_own(&segv, on_segv, SA_ONSTACK);
}

/* on_program_signal runs the program's handler, then, for a signal sent to the process,
 * has sysmon interrupt the G the kernel would have picked natively (gs_signal_redirect)
 * if the handler ran on an idle M, or on another G while the main thread waits. */
static void on_program_signal(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *a = &program_act[sig];
	struct gs_handler h;
	bool wired = gs_handler_enter(&h, sig, &a->sa_mask, a->sa_flags & SA_NODEFER, uc);
	struct g *gp = getg();
	int saved;

	/* a wrapper's call this interrupts fails with EINTR, even if a preemption signal
	 * came too (gs_preempted_call) */
	if (gp)
		atomic_store_explicit(&gp->handled, true, memory_order_relaxed);

	if (a->sa_flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else if (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN)
		a->sa_handler(sig);
	saved = errno;
	if (si->si_code != SI_TKILL &&
	    (gs_on_idle_m() || gs_sigcatch_self() ||
	     (getg() != gs_g1 && gs_signal_main_waits(sig))))
		gs_signal_redirect(sig, (a->sa_flags & SA_RESTART) != 0);
	if (wired)
		gs_handler_exit(&h, uc);
	errno = saved;
}

/* install_program puts on_program_signal in front of the program's action for sig, the
 * preemption signal added to its mask (gs_handler_enter). */
static int install_program(int sig)
{
	struct sigaction k = program_act[sig];
	int pre = atomic_load_explicit(&gs_preempt_signo, memory_order_acquire);

	k.sa_sigaction = on_program_signal;
	k.sa_flags |= SA_SIGINFO;
	if (pre > 0)
		sigaddset(&k.sa_mask, pre);
	return real()->sigaction(sig, &k, NULL);
}

/* program_sigaction is sigaction for a signal goshim does not keep: a handler is
 * installed behind on_program_signal, with the program's flags and mask; what the
 * program reads back is its own action. */
static int program_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction cur;
	bool handler = act && ((act->sa_flags & SA_SIGINFO) ||
			       (act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN));
	int r;

	if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return real()->sigaction(sig, act, old);
	if (old && real()->sigaction(sig, NULL, &cur) != 0)
		return -1;
	if (sig <= 64) {
		uint64_t bit = 1ull << (sig - 1);

		if (handler && (act->sa_flags & SA_RESTART))
			atomic_fetch_or_explicit(&gs_sa_restart, bit, memory_order_relaxed);
		else if (act)
			atomic_fetch_and_explicit(&gs_sa_restart, ~bit, memory_order_relaxed);
	}
	if (handler) {
		/* sysmon carries out redirects; a program that never makes a thread has none */
		if (getg())
			gs_sysmon_start();
		program_act[sig] = *act;
		r = install_program(sig);
	} else {
		r = act ? real()->sigaction(sig, act, NULL) : 0;
	}
	if (r == 0 && old) {
		if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_program_signal)
			cur = program_act[sig];
		*old = cur;
	}
	return r;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	/* a vfork child's handlers are its own; goshim's record of them is its parent's */
	if (!installed || gs_vfork_child())
		return real()->sigaction(sig, act, old);
	if (sig == SIGQUIT)
		return own_sigaction(&quit, act, old);
	if (sig == SIGSEGV)
		return own_sigaction(&segv, act, old);
	if (sig != atomic_load_explicit(&gs_preempt_signo, memory_order_acquire))
		return program_sigaction(sig, act, old);
	if (old) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = SIG_DFL;
	}
	if (act == NULL || (!(act->sa_flags & SA_SIGINFO) &&
			    (act->sa_handler == SIG_DFL || act->sa_handler == SIG_IGN)))
		return 0;
	/* the program takes the signal: preemption moves out of its way first */
	move_preempt();
	return program_sigaction(sig, act, NULL);
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, prev;

	if (!installed || gs_vfork_child())
		return real()->signal(sig, handler);
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;	/* glibc's signal() is BSD-style */
	if (sig > 0 && sig < NSIG)
		sigaddset(&act.sa_mask, sig);
	return sigaction(sig, &act, &prev) == 0 ? prev.sa_handler : SIG_ERR;
}

/* to_self sends sig with info to the calling thread when it does not block sig: POSIX
 * has a signal a thread sends its own process delivered before the call returns when no
 * other thread can take it, and the other threads of a goshim process are Ms, which would
 * take it later, on another G. false if it must go to the process after all. */
static bool to_self(pid_t pid, int sig, siginfo_t *info, int *r)
{
	sigset_t cur;
	pid_t self = getpid();

	if (pid != self || sig <= 0 || sig >= NSIG || getg() == NULL ||
	    pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0 || sigismember(&cur, sig))
		return false;
	/* the kernel takes a sender's own si_code only from the main thread */
	if (info->si_code >= 0 && gettid() != self)
		return false;
	*r = (int)syscall(SYS_rt_tgsigqueueinfo, self, gettid(), sig, info);
	return *r == 0;
}

int kill(pid_t pid, int sig)
{
	siginfo_t info = { .si_signo = sig, .si_code = SI_USER };
	int r;

	info.si_pid = getpid();
	info.si_uid = getuid();
	if (to_self(pid, sig, &info, &r))
		return r;
	return (int)syscall(SYS_kill, pid, sig);
}

int sigqueue(pid_t pid, int sig, const union sigval value)
{
	siginfo_t info = { .si_signo = sig, .si_code = SI_QUEUE };
	int r;

	info.si_pid = getpid();
	info.si_uid = getuid();
	info.si_value = value;
	if (to_self(pid, sig, &info, &r))
		return r;
	return (int)syscall(SYS_rt_sigqueueinfo, pid, sig, &info);
}

/* sigmask_g is pthread_sigmask for a G: the mask is the G's own (runtime/sigmask.c), as
 * glibc keeps it per thread, without glibc's two internal signals. Returns 0 or an
 * error number. */
static int sigmask_g(struct g *gp, int how, const sigset_t *set, sigset_t *old)
{
	uint64_t cur = gp->sigmask, next = cur, s;

	if (set) {
		memcpy(&s, set, sizeof(s));
		switch (how) {
		case SIG_BLOCK:
			next = cur | s;
			break;
		case SIG_UNBLOCK:
			next = cur & ~s;
			break;
		case SIG_SETMASK:
			next = s;
			break;
		default:
			return EINVAL;
		}
		/* SIGCANCEL and SIGSETXID (32, 33) stay deliverable, as glibc keeps them */
		next &= ~(3ull << 31);
	}
	if (old) {
		sigemptyset(old);
		memcpy(old, &cur, sizeof(cur));
	}
	if (set) {
		struct g *self = gs_acquirem();

		gs_sigmask_set(self, next);
		gs_releasem(self);
		gs_signal_deliver(gp);	/* what pthread_kill left pending, now unblocked */
	}
	return 0;
}

int pthread_kill(pthread_t thread, int sig)
{
	struct g *self = getg();
	struct g *gp = gs_shim.up ? gs_handle_g((void *)thread) : NULL;

	if (gp == NULL)
		return real()->pthread_kill(thread, sig);
	if (sig < 0 || sig >= NSIG)
		return EINVAL;
	if (sig == 0)
		return 0;
	if (gp == self)		/* delivered before the call returns, as natively */
		return syscall(SYS_tgkill, getpid(), gettid(), sig) == 0 ? 0 : errno;
	gs_signal_send(gp, sig);
	return 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	struct g *gp = gs_shim.up ? getg() : NULL;

	if (gp == NULL)
		return real()->pthread_sigmask(how, set, old);
	return sigmask_g(gp, how, set, old);
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	struct g *gp = gs_shim.up ? getg() : NULL;
	int err;

	if (gp == NULL)
		return real()->sigprocmask(how, set, old);
	err = sigmask_g(gp, how, set, old);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
