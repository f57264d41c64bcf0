/* Bookkeeping of vfork calls in progress (vfork.h). May call: raw system calls. */
#include <stdatomic.h>

#include "vfork.h"

_Atomic int gs_vforking;
_Atomic int64_t gs_vfork_pid;

void gs_vfork_begin(void)
{
	atomic_store_explicit(&gs_vfork_pid, sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0),
			      memory_order_relaxed);
	/* release: a child that sees the count sees the pid */
	atomic_fetch_add_explicit(&gs_vforking, 1, memory_order_release);
}

void gs_vfork_end(void)
{
	atomic_fetch_sub_explicit(&gs_vforking, 1, memory_order_relaxed);
}

void gs_vfork_afterfork(void)
{
	atomic_store_explicit(&gs_vforking, 0, memory_order_relaxed);
}
