/* The G, M, P and sched structures and their state machines. Everything in runtime/
 * includes this; nothing here may call libc. */
#ifndef GS_RUNTIME2_H
#define GS_RUNTIME2_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lock.h"
#include "stack.h"
#include "timer.h"

/*
 * Lock order, outermost first. A holder of a later lock never takes an earlier one, and
 * nobody parks, switches Gs or calls libc while holding any of them (but sysmon, on its own
 * thread, formats schedtrace lines with snprintf under sched.lock: that takes no lock).
 *   sched.lock       global run queue, idle M and P lists
 *   sched.gfree_lock global free-G lists
 *   sched.allglock   the list of all Gs
 *   sema bucket      a wait queue (sema.c); two only in address order (requeue)
 *   p.timerslock     a P's timer heap (timer.c)
 *   pollfd lock      an fd's list of waiters (netpoll.c)
 */

#define GS_RUNQ_SIZE 256
#define GS_KEY_BLOCK 32		/* pthread keys per second-level block, as glibc */
#define GS_KEYS_MAX 1024	/* PTHREAD_KEYS_MAX */
#define GS_NAME_LEN 16
#define GS_G_MAGIC 0x676f7368696d4721ull	/* "goshimG!" */
#define GS_LOCKID_BASE 0x400000	/* 2^22, the largest pid_max: no kernel tid reaches it */
#define GS_LOCKID_SPAN 0x3fc00000	/* lockids stay within FUTEX_TID_MASK */

/*
 * G status. Legal transitions (casgstatus throws on any other):
 *   Gidle     -> Grunnable   newproc: fresh or recycled G, not yet queued.
 *   Grunnable -> Grunning    execute: the M that dequeued it owns the stack from now on.
 *   Grunning  -> Grunnable   gosched: the G's own M queues it; nobody runs on its stack.
 *   Grunning  -> Gwaiting    park_m on g0: stack owned by nobody; the G is on no run queue
 *                            and whoever readies it owns the wake-up.
 *   Gwaiting  -> Grunnable   goready: the waker queues it.
 *   Grunning  -> Gdead       goexit0 on g0: stack idle; the G is on no queue.
 *   Gdead     -> Gidle       gfget: a recycled G is being set up by its creator.
 *   Grunning  -> Gsyscall    entersyscall: the G's M runs it in the kernel, without a P.
 *   Gsyscall  -> Grunning    exitsyscall got a P: the same M goes on running it.
 *   Gsyscall  -> Grunnable   exitsyscall0 on g0: no P; the G is queued, its M parks.
 * Only a Grunning or Gsyscall G's gp->m is valid.
 */
enum gstatus { Gidle, Grunnable, Grunning, Gwaiting, Gdead, Gsyscall };

/*
 * Join state of a G (g.joinstate), as seen by pthread_join/detach and the exiting G's g0.
 * A value above Jexited is the struct g of the one G parked joining it.
 *   Jjoinable -> joiner G  (CAS on the joiner's g0 after it is Gwaiting) -> Jexited
 *   Jjoinable -> Jforeign  (a non-G joiner sleeps on the low 32 bits)   -> Jexited
 *   Jjoinable -> Jexited   (the G exits first)     -> Jclaimed by the joiner or detacher
 *   Jjoinable -> Jdetached (the exiting G recycles itself)
 * Whoever moves it to Jclaimed, or the exiting g0 for Jdetached, recycles the G.
 */
enum joinstate { Jjoinable, Jforeign, Jdetached, Jclaimed, Jexited };

/*
 * Wait state of a G in a wait queue (sema.c), written under the queue's lock.
 *   Wwaiting -> Wwoken     a waker dequeued it
 *   Wwaiting -> Wtimedout  its timer dequeued it
 *   Wwaiting -> Wintr      gs_interrupt dequeued it (an interruptible wait only)
 */
enum waitstate { Wwoken, Wwaiting, Wtimedout, Wintr };	/* a new G: Wwoken */

struct m;
struct p;

/* Saved context of a G that is not running: only its stack pointer; the registers live
 * on the stack (asm/amd64.S). */
struct gobuf {
	uintptr_t sp;
};

struct key_data {
	uintptr_t seq;
	void *data;
};

struct g {
	uint64_t magic;			/* const; first field: tells a G handle from a TCB */
	struct gobuf sched;		/* owner M while switching */
	_Atomic uint32_t status;	/* enum gstatus; casgstatus */
	_Atomic uintptr_t joinstate;	/* enum joinstate or joiner G; see above */
	struct m *m;			/* owner M; valid while Grunning */
	struct m *lockedm;		/* owner G: the one M it may run on (gs_lockosthread,
					 * gs_handler_wire) */
	bool lockedext;			/* owner G: wired for good (gs_lockosthread) */
	uintptr_t handlersp;		/* owner G: the frame of the program's signal handler
					 * it runs wired to its M, 0 if none (sigmask.c) */
	struct g *schedlink;		/* queue owner (global runq, free lists) */
	bool (*parkfn)(struct g *, void *);	/* owner G, read by its g0 in park_m */
	void *parkarg;
	uint64_t goid;			/* const after newproc */
	int32_t lockid;			/* const after newproc: owner id in the mutexes it holds,
					 * distinct from every kernel thread id */
	void *robust_held;		/* owner G: robust mutexes it holds (shim/robust.c) */
	const char *waitreason;		/* owner G: why it is Gwaiting, in Go's words where one
					 * fits (scheddetail) */
	int64_t waitsince;		/* owner G: when it parked (SIGQUIT dump) */
	struct g *alllink;		/* sched.allglock: every G ever made */
	void *handle;			/* pthread_t: the TCB (private TLS) or this G */
	void *tcb;			/* thread pointer to install; NULL with shared TLS */
	struct gs_stack stack;		/* owner G; stack.base == NULL for a user stack */
	bool instack;			/* const: this struct lives in the top GS_GBLOCK bytes
					 * of stack, which is its for good (newproc.c) */
	uintptr_t stacktop;		/* owner G: where its frames start, below a TCB kept
					 * at the top of its stack (tls.c) */
	void *(*start)(void *);		/* const after newproc */
	void *arg;
	void *retval;			/* written before Jexited, read by the joiner */
	bool is_main;			/* G 1: its stack and TCB are the process's */
	bool unwind_base;		/* owner G: pthread_exit may unwind to its first frame */
	_Atomic uint32_t preempt;	/* set by sysmon: yield at the next safe point */
	_Atomic uint32_t preempt_sigs;	/* preemption signals taken while it ran (handler) */
	_Atomic bool handled;		/* a program's handler ran on it (shim/signal.c), since
					 * the wrapper's last gs_preempt_sigs */
	_Atomic int32_t inruntime;	/* owner G; read by sysmon: inside runtime code that uses
					 * its M's P (sysmon must not take the P; a signal
					 * handler's blocking call must not hand it off) */
	char name[GS_NAME_LEN];		/* owner G, or creator before the G runs */
	_Atomic uintptr_t waitaddr;	/* sema bucket lock: the address waited on */
	struct g *waitnext, *waitprev;	/* sema bucket lock */
	uint32_t waitbits;		/* sema bucket lock */
	_Atomic uint32_t waitstate;	/* enum waitstate; sema bucket lock */
	struct gs_timer waittimer;	/* owner G: its timed wait's timer */
	bool waitintr;			/* owner G, read under the sema bucket lock: its wait
					 * may end early with -EINTR (gs_interrupt) */
	_Atomic uint32_t interrupt;	/* set by gs_interrupt (a cancellation), cleared by
					 * the G when it acts on it */
	_Atomic uint32_t canceled;	/* pthread_cancel with shared TLS (shim/cancel.c) */
	uint64_t sigmask;		/* owner G: its signal mask, signals 1-64 (sigmask.c) */
	_Atomic uint32_t intrsig;	/* the signal whose handler interrupted its wait, set by
					 * sysmon (gs_signal_redirect), taken by the G */
	_Atomic uint32_t intrrestart;	/* that handler has SA_RESTART */
	_Atomic uint64_t pendsig;	/* signals sent to it by pthread_kill while it did not
					 * run, delivered on its own stack when it next runs */
	struct key_data **keys;		/* owner G: GS_KEYS_MAX / GS_KEY_BLOCK blocks of
					 * values, the table and each block malloc'd at the
					 * first value set in it (most threads set none) */
};

/* A G made for a stack of goshim's lives at that stack's top, above its TCB. */
#define GS_GBLOCK ((sizeof(struct g) + 63) & ~(size_t)63)

/* gs_gstacktop is the top of the part of gp's stack its TLS and frames may use. */
static inline uintptr_t gs_gstacktop(const struct g *gp)
{
	return (uintptr_t)gp->stack.lo + gp->stack.size - (gp->instack ? GS_GBLOCK : 0);
}

struct m {
	uint64_t id;			/* const */
	uintptr_t g0sp;			/* const: top of the g0 stack, 16-byte aligned */
	void *tcb;			/* const: the M's own thread pointer */
	void *tp;			/* owner M: the thread pointer loaded now */
	struct g *curg;			/* owner M */
	struct p *p;			/* owner M */
	struct p *nextp;		/* written by startm before the wake-up */
	struct p *oldp;			/* owner M: the P it held when it entered a syscall */
	bool spinning;			/* owner M; counted in sched.nmspinning */
	_Atomic uint32_t park;		/* note: stopm sleeps on it */
	int32_t tid;			/* const after mstart */
	uint64_t sigmask;		/* owner M: the signal mask loaded (sigmask.c) */
	_Atomic bool asleep;		/* idle, past its last mask change before it sleeps */
	_Atomic bool remasked;		/* a signal blocked everything: sigmask is stale */
	uint64_t fastrand;		/* owner M */
	uint32_t idleyields;		/* owner M: yields it had no other G for */
	struct g *lockedg;		/* owner M: the one G it runs, if any (gs_lockosthread) */
	struct m *schedlink;		/* sched.lock */
	struct m *alllink;		/* sched.lock: every M */
};

/*
 * P status.
 *   Pidle    on sched.pidle, owned by nobody; only pidleget takes it (sched.lock).
 *   Prunning owned by pp->m, which alone touches runq tail, gfree and schedtick.
 *   Psyscall its M is in a system call (m->oldp); whoever CASes it away owns it: that M
 *            on return (-> Prunning), or sysmon's retake (-> Pidle, then handoffp).
 *   Pstealing sysmon is taking a Prunning P from an M blocked in a call goshim could not
 *            interpose: it commits (-> Pidle, handoffp) only if the M's G is not inside
 *            the runtime, else it backs off (-> Prunning). The M, entering the runtime
 *            (gs_acquirem), waits out Pstealing and finds whether it still owns the P.
 */
enum pstatus { Pidle, Prunning, Psyscall, Pstealing };

struct p {
	int32_t id;			/* const */
	_Atomic uint32_t status;	/* enum pstatus */
	struct m *m;			/* owner M */
	struct p *link;			/* sched.lock, while Pidle */
	_Atomic uint32_t schedtick;	/* owner M; read by sysmon */
	_Atomic uint32_t syscalltick;	/* owner M; read by sysmon */
	_Atomic uint32_t runqhead;	/* atomic: stealers CAS it */
	_Atomic uint32_t runqtail;	/* atomic: written only by the owner M */
	_Atomic(struct g *) runq[GS_RUNQ_SIZE];
	_Atomic(struct g *) runnext;	/* atomic: stealers CAS it */
	struct g *gfree;		/* owner M: dead Gs ready for reuse */
	int32_t gfreecnt;
	struct gs_lock timerslock;
	struct gs_timer **timers;	/* timerslock: 4-ary heap by deadline (timer.c) */
	int32_t ntimers, timerscap;	/* timerslock */
	_Atomic int64_t timer0when;	/* earliest deadline in timers, 0 if none; written
					 * under timerslock, read anywhere */
};

/* Dead Gs whose stacks have one size and guard (both 0: Gs without a stack of their own,
 * for threads on the program's stacks). The last list of sched.gfree takes every kind the
 * others have no room for. */
#define GS_GFREE_LISTS 8
struct gfree_list {
	size_t size, guard;
	struct g *head;
	int32_t n;
};

struct schedt {
	struct gs_lock lock;
	struct m *midle;		/* sched.lock */
	int32_t nmidle;			/* sched.lock */
	int32_t mcount;			/* sched.lock */
	struct p *pidle;		/* sched.lock */
	_Atomic int32_t npidle;		/* written under sched.lock, read anywhere */
	_Atomic int32_t nmspinning;	/* atomic */
	struct g *runqhead;		/* sched.lock */
	struct g *runqtail;		/* sched.lock */
	_Atomic int32_t runqsize;	/* written under sched.lock, read anywhere */
	struct gs_lock gfree_lock;
	struct gfree_list gfree[GS_GFREE_LISTS];	/* sched.gfree_lock */
	_Atomic int32_t ngfree;		/* written under sched.gfree_lock: Gs in gfree */
	_Atomic uint64_t goidgen;	/* atomic */
	_Atomic int32_t ngoroutines;	/* atomic: live Gs; the last to exit ends the process */
	struct m *allm;			/* sched.lock */
	struct gs_lock allglock;
	struct g *allg;			/* sched.allglock */
	int32_t schedtrace;		/* const after init: GODEBUG schedtrace ms, 0 off */
	bool scheddetail;		/* const after init: GODEBUG scheddetail=1 */
	_Atomic int64_t lastpoll;	/* when netpoll last ran; 0 while an M sleeps in it */
	_Atomic int64_t polluntil;	/* the sleeping netpoller's wake-up time, 0 if none */
	struct p *allp;			/* const after schedinit */
	int32_t gomaxprocs;		/* const after schedinit */
	bool oversubscribed;		/* const after init: more Ps than CPUs to run them */
};

extern struct schedt gs_sched;

#endif
