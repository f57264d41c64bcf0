/* goshim's preemption signal (SIGURG, as Go's) and the program's view of it. goshim's
 * handler stays installed; what the program installs for SIGURG with sigaction or signal
 * is recorded and called for every SIGURG goshim did not send itself, so the program sees
 * its own handler, its own sigaction results, and all of its SIGURGs.
 * May call: runtime (preempt), real. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../runtime/preempt.h"
#include "../runtime/throw.h"
#include "real.h"
#include "shim.h"

static struct sigaction user_action;	/* the program's SIGURG action (SIG_DFL: ignore) */
static bool installed;

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
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
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
	sighandler_t old;

	if (sig != GS_PREEMPT_SIGNAL || !installed)
		return real()->signal(sig, handler);
	old = user_action.sa_handler;
	memset(&user_action, 0, sizeof(user_action));
	user_action.sa_handler = handler;
	user_action.sa_flags = SA_RESTART;	/* glibc's signal() is BSD-style */
	return old;
}
