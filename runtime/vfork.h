/* vfork children: a child of vfork runs on its parent's memory, goshim's included, until
 * it execs or exits, so goshim must not act for it: it would change the parent's state. */
#ifndef GS_VFORK_H
#define GS_VFORK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sys.h"

/* gs_vforking counts the vfork calls in progress; gs_vfork_pid is the process that makes
 * them (written before the count is raised). */
extern _Atomic int gs_vforking;
extern _Atomic int64_t gs_vfork_pid;

/* gs_vfork_child: the caller is a vfork child. Costs one load unless a vfork is in
 * progress. The parent's G is hidden from the child (gs_curg NULL), so only a thread that
 * is not a G pays the getpid. */
static inline bool gs_vfork_child(void)
{
	return atomic_load_explicit(&gs_vforking, memory_order_acquire) != 0 &&
	       sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0) !=
		       atomic_load_explicit(&gs_vfork_pid, memory_order_relaxed);
}

/* gs_vfork_begin and gs_vfork_end bracket a vfork call in the parent. */
void gs_vfork_begin(void);
void gs_vfork_end(void);

/* gs_vfork_afterfork forgets the vforks in progress in a fork child: they are its
 * parent's. */
void gs_vfork_afterfork(void);

#endif
