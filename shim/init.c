/* The constructor: environment, then the runtime; the main thread becomes G 1.
 * May call: libc, runtime. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "../runtime/allthreads.h"
#include "../runtime/sysmon.h"
#include "../runtime/throw.h"
#include "../runtime/tls.h"
#include "env.h"
#include "../syscall_wrappers/fdtab.h"
#include "../syscall_wrappers/real_sys.h"
#include "real.h"
#include "shim.h"

struct gs_shim gs_shim;

/* newosthread starts an OS thread of goshim's (an M, sysmon, the /proc reader) with every
 * signal blocked until it sets its own mask: the creator's, which it would otherwise
 * start with, may be a G's that lets a signal through which every G blocks now, and the
 * signal's default action would end the process. */
static int newosthread(void *(*fn)(void *), void *arg, size_t stacksize)
{
	pthread_attr_t attr;
	sigset_t all;
	pthread_t t;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, stacksize);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_attr_setsigmask_np(&attr, &all);
	gs_allthreads_lock();
	err = real()->pthread_create(&t, &attr, fn, arg);
	gs_allthreads_unlock();
	pthread_attr_destroy(&attr);
	return err;
}

__attribute__((constructor)) static void gs_init(void)
{
	struct gs_config cfg;
	char err[256], msg[300];
	const char *why;
	int procs;

	gs_real_resolve();
	gs_real_sys_resolve();
	if (gs_env_parse(&cfg, err, sizeof(err)))
		gs_fatal(2, err);
	gs_attr_defaults();
	if (cfg.stacksize)
		gs_shim.stacksize = cfg.stacksize;
	procs = cfg.gomaxprocs ? cfg.gomaxprocs : gs_default_procs();
	why = gs_tls_init(!cfg.tls_shared);
	if (why) {
		snprintf(msg, sizeof(msg), "private TLS unavailable: %s; try GOSHIM_TLS=shared", why);
		gs_fatal(2, msg);
	}
	gs_hooks.newosthread = newosthread;
	gs_hooks.gmain = gs_gmain;
	gs_hooks.testcancel = gs_testcancel;
	why = gs_schedinit(procs);
	if (why)
		gs_throw("schedinit", why);
	gs_sched.oversubscribed = procs > gs_default_procs();
	gs_sched.schedtrace = cfg.schedtrace;
	gs_sched.scheddetail = cfg.scheddetail;
	/* Go prints schedtrace lines whether or not the program starts threads */
	if (cfg.schedtrace && gs_sysmon_start() != 0)
		gs_throw("sysmon", "cannot start");
	if (prctl(PR_GET_NAME, gs_g1->name) != 0)
		strcpy(gs_g1->name, "?");
	gs_signal_init();
	gs_fork_init();
	gs_shim.up = true;
}
