/* fork: the child rebuilds goshim around the forking G before any other child handler
 * runs (DESIGN.md "fork"). A pthread_atfork handler rather than a wrapper, so that forks
 * made inside the C library (daemon) are seen too.
 *
 * vfork: the child runs on the parent's memory, goshim's included, until it execs or
 * exits, while the parent's OS thread waits in the kernel. The vfork stub (vfork_amd64.S)
 * brackets the system call with gs_vfork_enter and gs_vfork_leave: the parent's G gives
 * up its P for the wait, and is hidden from the child, which finds no G in the TLS it
 * shares and so gets the C library's own behaviour from every wrapper; the fd table and
 * the signal handlers goshim records ignore it (runtime/vfork.h). posix_spawn's child
 * runs only the C library's internal calls and needs none of this.
 * May call: runtime (fork.c, vfork.c), fdtab, the C library's pthread_atfork. */
#define _GNU_SOURCE
#include <pthread.h>

#include "../runtime/proc.h"
#include "../runtime/throw.h"
#include "../runtime/vfork.h"
#include "fdtab.h"
#include "syscall_wrappers.h"

static void child(void)
{
	gs_afterfork_child();
	gs_fd_afterfork();
}

void gs_fork_init(void)
{
	if (pthread_atfork(NULL, NULL, child) != 0)
		gs_fatal(2, "cannot register the fork handler");
}

/* What the vfork stub keeps in registers across the system call (returned in rax:rdx). */
struct gs_vforkcall {
	struct g *gp;	/* the G hidden from the child, NULL if the caller is not one */
	long entered;	/* gp gave up its P (gs_enter) */
};

struct gs_vforkcall gs_vfork_enter(void)
{
	struct gs_vforkcall c = { getg(), 0 };

	gs_vfork_begin();
	if (c.gp) {
		c.entered = gs_enter();
		gs_curg = NULL;
	}
	return c;
}

/* gs_vfork_leave runs in the parent only, once the child has exec'd or exited; r is the
 * system call's result. */
long gs_vfork_leave(struct g *gp, long entered, long r)
{
	if (gp)
		gs_curg = gp;
	gs_vfork_end();
	if (entered)
		gs_leave();
	return gs_ret(r);
}
