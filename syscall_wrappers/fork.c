/* fork: the child rebuilds goshim around the forking G before any other child handler
 * runs (DESIGN.md "fork"). A pthread_atfork handler rather than a wrapper, so that forks
 * made inside the C library (daemon) are seen too. vfork and posix_spawn children share
 * the parent's memory until they exec, and must not touch goshim: they are left alone.
 * May call: runtime (fork.c), fdtab, the C library's pthread_atfork. */
#define _GNU_SOURCE
#include <pthread.h>

#include "../runtime/proc.h"
#include "../runtime/throw.h"
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
