/* The signals goshim handles itself, and the program's view of them.
 * SIGURG, the preemption signal (as Go's): goshim's handler stays installed; what the
 * program installs with sigaction or signal is recorded and called for every SIGURG goshim
 * did not send itself, so the program sees its own handler, its own sigaction results, and
 * all of its SIGURGs.
 * SIGQUIT: while the program has no handler of its own, goshim's prints every G with its
 * stack and exits with status 2, like a Go traceback; the program's own action, once it
 * sets one, replaces goshim's, and goshim's comes back when it sets SIG_DFL again.
 * May call: runtime (preempt, traceback), real. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include <unistd.h>

#include "../runtime/preempt.h"
#include "../runtime/traceback.h"
#include "../runtime/throw.h"
#include "real.h"
#include "shim.h"

static struct sigaction user_action;	/* the program's SIGURG action (SIG_DFL: ignore) */
static bool installed;
static struct sigaction quit_action;	/* goshim's SIGQUIT action */
static bool quit_ours;			/* it is the installed one: the program sees SIG_DFL */

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	struct sigaction a = user_action;

	if (!gs_preempt_signal(si, uc)) {
		if (a.sa_flags & SA_SIGINFO)
			a.sa_sigaction(sig, si, uc);
		else if (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN)
			a.sa_handler(sig);
	}
	errno = saved;
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
	struct sigaction sa;

	gs_preempt_init();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (real()->sigaction(GS_PREEMPT_SIGNAL, &sa, &user_action) != 0)
		gs_throw("signal init", "sigaction failed");
	installed = true;
	install_quit();
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig == SIGQUIT && installed)
		return quit_sigaction(act, old);
	if (sig != GS_PREEMPT_SIGNAL || !installed)
		return real()->sigaction(sig, act, old);
	if (old)
		*old = user_action;
	if (act)
		user_action = *act;
	return 0;
}

sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, prev;
	sighandler_t old;

	if (sig == SIGQUIT && installed) {
		memset(&act, 0, sizeof(act));
		act.sa_handler = handler;
		act.sa_flags = SA_RESTART;
		return quit_sigaction(&act, &prev) == 0 ? prev.sa_handler : SIG_ERR;
	}
	if (sig != GS_PREEMPT_SIGNAL || !installed)
		return real()->signal(sig, handler);
	old = user_action.sa_handler;
	memset(&user_action, 0, sizeof(user_action));
	user_action.sa_handler = handler;
	user_action.sa_flags = SA_RESTART;	/* glibc's signal() is BSD-style */
	return old;
}
