/* The scheduler's interface to the rest of goshim: start-up, G creation, parking, exit. */
#ifndef GS_PROC_H
#define GS_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime2.h"

#define M_STACK_SIZE (256 * 1024)	/* an M's own stack, which is its g0 stack */

/* What the runtime needs from the C library, supplied by shim/ at start-up. */
struct gs_hooks {
	/* start an OS thread running fn(arg) with the given stack size; 0 or an errno */
	int (*newosthread)(void *(*fn)(void *), void *arg, size_t stacksize);
	/* the body of every G but G 1: run gp->start(gp->arg), then exit */
	__attribute__((noreturn)) void (*gmain)(struct g *gp);
	/* a cancellation point: act on a pending pthread_cancel of the running G */
	void (*testcancel)(void);
};

extern struct gs_hooks gs_hooks;

/* Attributes of a new G, decoded from pthread_attr_t by the shim. */
struct gs_gattr {
	size_t stacksize;
	size_t guardsize;
	void *stackaddr;	/* lowest byte of a user-supplied stack, or NULL */
	bool detached;
	bool hasmask;		/* pthread_attr_setsigmask_np: start with sigmask */
	uint64_t sigmask;
};

/* gs_schedinit builds the Ps, M 0 and G 1 (the running main thread). Returns NULL or why
 * it failed. Runs once on the main thread. */
const char *gs_schedinit(int gomaxprocs);

/* gs_newproc creates a runnable G that will run start(arg); *out is its handle. Runs on a
 * G or a foreign thread. Returns 0, EAGAIN or ENOMEM. */
int gs_newproc(void *(*start)(void *), void *arg, const struct gs_gattr *a, struct g **out);

/* gs_gosched yields the running G's P to the next runnable G, or, if there is none, the OS
 * thread's CPU to another thread (sched_yield). Runs on a G. */
void gs_gosched(void);

/* gs_gopreempt is gs_gosched for a G that sysmon asked to yield: it goes behind the Gs
 * waiting on the global queue. Runs on a G. */
void gs_gopreempt(void);

/* gs_lockosthread wires the running G to its M for the rest of its life, as Go's
 * LockOSThread: for state the kernel keeps per OS thread, such as being a tracer (ptrace).
 * The M then runs no other G; while the G waits, the M sleeps and its P goes to others.
 * Runs on a G. */
void gs_lockosthread(void);

/* gs_handler_wire wires the running G, on its own stack, to its M while it runs a signal
 * handler of the program's whose frame is at sp: the kernel keeps what the handler's
 * return (sigreturn) restores, the thread's signal mask and alternate stack, per OS
 * thread, so the G must return on the thread it was interrupted on, and that thread must
 * run no other G with the handler's mask meanwhile. gs_handler_unwire undoes it (unless
 * gs_lockosthread wired the G for good); gs_handler_left does, for a G whose handler
 * jumped out (siglongjmp), once it runs above the handler's frame. Run on the G. */
void gs_handler_wire(struct g *gp, uintptr_t sp);
void gs_handler_unwire(struct g *gp);
void gs_handler_left(struct g *gp);

/* gs_gopark parks the running G, waiting for reason (shown by scheddetail). On g0, once
 * the G is Gwaiting, commit(gp, arg) decides: true keeps it parked until gs_goready, false
 * resumes it at once. Runs on a G. */
void gs_gopark(bool (*commit)(struct g *, void *), void *arg, const char *reason);

/* gs_park_signals raises the signals pthread_kill left pending for gp while it was parked
 * in a wait that is not interruptible. Called by each waiting call once it is done with
 * its wait's state (waitstate, waittimer), since a handler may wait too, and outside the
 * runtime (inruntime 0), since a handler's blocking calls may hand the P off. NULL-safe. */
void gs_park_signals(struct g *gp);

/* gs_goready makes a Gwaiting gp runnable on the caller's P. Runs on a G (mp NULL), on
 * g0 (its M given; the global queue if it holds no P), or on a thread with no P (mp NULL,
 * no G: the global queue). */
void gs_goready(struct g *gp, struct m *mp);

/* gs_goexit ends the running G: it must have run its destructors. Runs on a G. */
__attribute__((noreturn)) void gs_goexit(void *retval);

/* gs_gexit_last says whether the running G is the last live one, which must end the
 * process itself instead of calling gs_goexit. Runs on a G, once, at its exit. */
bool gs_gexit_last(void);

/* gs_join, gs_tryjoin and gs_detach implement pthread_join, tryjoin_np and detach for a
 * G target; they return 0 or the pthread error number. gs_join's deadline is in
 * CLOCK_MONOTONIC ns (0: none; ETIMEDOUT once it passes; only a G may give one). */
int gs_join(struct g *gp, void **retval, int64_t deadline);
int gs_tryjoin(struct g *gp, void **retval);
int gs_detach(struct g *gp);

/* gs_handle_g maps a pthread_t to its G, or NULL if it is not one. */
struct g *gs_handle_g(void *handle);

/* gs_afterfork_child rebuilds the runtime in the child of a fork around the forking G,
 * the only thread left (fork.c). Runs on that G, before anything else in the child. */
void gs_afterfork_child(void);

/* gs_g1 is G 1, the main thread's G. */
extern struct g *gs_g1;

/* gs_sched_idle: nothing else wants pp (its runq and the global runq are empty). Racy
 * snapshot; runs on pp's owner. */
bool gs_sched_idle(struct p *pp);

/* Internal to runtime/: shared by proc.c and newproc.c. */
void casgstatus(struct g *gp, uint32_t from, uint32_t to);
__attribute__((noreturn)) void schedule(struct m *mp);
void wakep(bool cancreate);
void handoffp(struct p *pp);
void acquirep(struct m *mp, struct p *pp);
void pidleput(struct p *pp);
struct p *pidleget(void);
void stopm(struct m *mp);
__attribute__((noreturn)) void execute(struct m *mp, struct g *gp);
void mput(struct m *mp);
void *gs_mstart(void *arg);

#endif
