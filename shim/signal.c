/* The signals goshim handles itself, and the program's view of them.
 * The preemption signal is SIGURG, as Go's, until the program installs a handler of its
 * own for SIGURG: then the program gets SIGURG for real and preemption moves to the highest
 * real-time signal the program does not handle (said on stderr under schedtrace). Until
 * then the program sees SIGURG at its default action.
 * SIGQUIT: while the program has no handler of its own, goshim's prints every G with its
 * stack and exits with status 2, like a Go traceback; the program's own action, once it
 * sets one, replaces goshim's, and goshim's comes back when it sets SIG_DFL again.
 * May call: runtime (preempt, traceback), real. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../runtime/preempt.h"
#include "../runtime/tls.h"
#include "../runtime/traceback.h"
#include "../runtime/throw.h"
#include "real.h"
#include "shim.h"

static bool installed;
static struct sigaction quit_action;	/* goshim's SIGQUIT action */
static bool quit_ours;			/* it is the installed one: the program sees SIG_DFL */

static void on_preempt(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	(void)sig;
	/* one goshim did not send finds the signal at its default action: ignored for
	 * SIGURG, which is the only one the program can send while goshim holds it */
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

/* move_preempt gives the current preemption signal up to the program. */
static void move_preempt(void)
{
	for (int sig = SIGRTMAX; sig > SIGRTMIN; sig--) {
		if (!program_handles(sig) && install_preempt(sig) == 0) {
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

/* install_quit sets goshim's SIGQUIT handler unless the program has a handler already. */
static void install_quit(void)
{
	struct sigaction cur;

	memset(&quit_action, 0, sizeof(quit_action));
	quit_action.sa_sigaction = on_quit;
	quit_action.sa_flags = SA_SIGINFO;
	sigfillset(&quit_action.sa_mask);
	if (real()->sigaction(SIGQUIT, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL &&
	    !(cur.sa_flags & SA_SIGINFO) && real()->sigaction(SIGQUIT, &quit_action, NULL) == 0)
		quit_ours = true;
}

/* quit_sigaction is sigaction(SIGQUIT, ...) as the program sees it. */
static int quit_sigaction(const struct sigaction *act, struct sigaction *old)
{
	struct sigaction def;
	bool restore_ours = act && !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL;
	int r;

	if (act == NULL || restore_ours) {
		r = real()->sigaction(SIGQUIT, restore_ours ? &quit_action : NULL, old);
		if (r == 0 && old && quit_ours) {
			memset(&def, 0, sizeof(def));
			def.sa_handler = SIG_DFL;
			*old = def;
		}
		if (r == 0 && restore_ours)
			quit_ours = true;
		return r;
	}
	r = real()->sigaction(SIGQUIT, act, old);
	if (r == 0 && old && quit_ours) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = SIG_DFL;
	}
	if (r == 0)
		quit_ours = false;
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
	install_quit();
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!installed)
		return real()->sigaction(sig, act, old);
	if (sig == SIGQUIT)
		return quit_sigaction(act, old);
	if (sig != atomic_load_explicit(&gs_preempt_signo, memory_order_acquire))
		return real()->sigaction(sig, act, old);
	if (old) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = SIG_DFL;
	}
	if (act == NULL || (!(act->sa_flags & SA_SIGINFO) &&
			    (act->sa_handler == SIG_DFL || act->sa_handler == SIG_IGN)))
		return 0;
	/* the program takes the signal: preemption moves out of its way first */
	move_preempt();
	return real()->sigaction(sig, act, NULL);
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, prev;

	if (!installed || (sig != SIGQUIT &&
			   sig != atomic_load_explicit(&gs_preempt_signo, memory_order_acquire)))
		return real()->signal(sig, handler);
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;	/* glibc's signal() is BSD-style */
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
