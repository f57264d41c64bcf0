/* The runtime in a child of fork (DESIGN.md "fork"). May call: every runtime part's
 * afterfork reset, raw system calls.
 *
 * The child has one thread: the M that ran the forking G. Every other M, G, and the
 * sysmon thread are gone, perhaps in the middle of changing runtime state under a lock.
 * So nothing is trusted: each lock is reset to unlocked, each shared list to the one M,
 * G and P that are left (other Gs' memory is leaked, as their stacks are natively), the
 * timer heaps and wait queues are emptied (their Gs are gone), the netpoller is built
 * anew, and sysmon starts afresh when next needed. */
#include <string.h>

#include "allthreads.h"
#include "netpoll.h"
#include "pagemap.h"
#include "proc.h"
#include "runq.h"
#include "sema.h"
#include "sigcatch.h"
#include "stack.h"
#include "sys.h"
#include "sysmon.h"
#include "taskstate.h"
#include "tls.h"
#include "vfork.h"

void gs_afterfork_child(void)
{
	struct g *gp = getg();
	struct m *mp;
	struct p *pp;

	gs_vfork_afterfork();
	if (gp == NULL)
		return;
	mp = gp->m;
	/* the forking M's P, as the child has it: in the parent, sysmon may have handed it to
	 * another M (or been about to) while the G sat in a call goshim does not interpose,
	 * before the G noticed; the child has no other M, so the P is this one's, running.
	 * An M that had lost its P takes the first. */
	pp = mp->p ? mp->p : &gs_sched.allp[0];
	mp->p = pp;
	pp->m = mp;
	atomic_store_explicit(&pp->status, Prunning, memory_order_relaxed);
	gs_sched.lock = (struct gs_lock){ 0 };
	gs_sched.gfree_lock = (struct gs_lock){ 0 };
	gs_sched.allglock = (struct gs_lock){ 0 };
	mp->tid = sys_gettid();
	gs_tls_afterfork(mp, gp);
	mp->spinning = false;
	/* the child traces nothing: tracees stay with the parent's OS thread; a handler
	 * that forked returns on the child's one thread */
	gp->lockedext = false;
	gp->lockedm = gp->handlersp ? mp : NULL;
	mp->lockedg = gp->handlersp ? gp : NULL;
	mp->schedlink = NULL;
	mp->alllink = NULL;
	gs_sched.allm = mp;
	gs_sched.mcount = 1;
	gs_sched.midle = NULL;
	gs_sched.nmidle = 0;
	atomic_store_explicit(&gs_sched.nmspinning, 0, memory_order_relaxed);
	gs_sched.runqhead = gs_sched.runqtail = NULL;
	atomic_store_explicit(&gs_sched.runqsize, 0, memory_order_relaxed);
	memset(gs_sched.gfree, 0, sizeof(gs_sched.gfree));
	atomic_store_explicit(&gs_sched.ngfree, 0, memory_order_relaxed);
	gp->alllink = NULL;
	gs_sched.allg = gp;
	atomic_store_explicit(&gs_sched.ngoroutines, 1, memory_order_relaxed);
	gs_sched.pidle = NULL;
	atomic_store_explicit(&gs_sched.npidle, 0, memory_order_relaxed);
	for (int i = gs_sched.gomaxprocs - 1; i >= 0; i--) {
		struct p *x = &gs_sched.allp[i];

		atomic_store_explicit(&x->runqhead, 0, memory_order_relaxed);
		atomic_store_explicit(&x->runqtail, 0, memory_order_relaxed);
		atomic_store_explicit(&x->runnext, NULL, memory_order_relaxed);
		x->gfree = NULL;
		x->gfreecnt = 0;
		x->timerslock = (struct gs_lock){ 0 };
		x->ntimers = 0;
		atomic_store_explicit(&x->timer0when, 0, memory_order_relaxed);
		if (x != pp) {
			x->m = NULL;
			pidleput(x);
		}
	}
	atomic_store_explicit(&gs_sched.lastpoll, 0, memory_order_relaxed);
	atomic_store_explicit(&gs_sched.polluntil, 0, memory_order_relaxed);
	gs_sema_afterfork();
	gs_netpoll_afterfork();
	gs_pagemap_afterfork();
	gs_taskstate_afterfork();
	gs_allthreads_afterfork();
	gs_sysmon_afterfork();
	gs_sigcatch_afterfork();
}
