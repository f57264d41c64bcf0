/* The scheduler loop and M/P management, after Go's proc.go: schedule -> findrunnable ->
 * execute; wakep/startm/stopm; park and ready. May call: runq, locks, notes, tls install,
 * asm. Code here runs on g0 unless its comment says otherwise; g0 never touches TLS, so
 * it reaches its M through arguments and g->m, never through gs_curg.
 *
 * Spinning Ms (Go's protocol): an M looking for work to steal is "spinning" and counted
 * in sched.nmspinning. wakep starts an M only when none spins, so a burst of new work
 * wakes one M at a time; a spinning M that finds work calls wakep again before running
 * it. A spinning M that finds nothing gives up its P, stops spinning, and only then
 * re-checks every run queue: whoever queued work concurrently either saw it spinning (and
 * so did not wake anybody) or sees its P idle and wakes an M. */
#include <stdlib.h>

#include "../asm/asm.h"
#include "netpoll.h"
#include "proc.h"
#include "runq.h"
#include "sigmask.h"
#include "sys.h"
#include "sysmon.h"
#include "throw.h"
#include "timer.h"
#include "tls.h"

#define STEAL_TRIES 4
#define GLOBRUNQ_FAIR_TICK 61
#define POLL_BATCH 128
#define KERNEL_YIELD_EVERY 64

struct schedt gs_sched;
struct gs_hooks gs_hooks;

void casgstatus(struct g *gp, uint32_t from, uint32_t to)
{
	if (!atomic_compare_exchange_strong_explicit(&gp->status, &from, to,
						     memory_order_acq_rel, memory_order_relaxed))
		gs_throw("casgstatus", "bad G status transition");
}

static uint32_t fastrand(struct m *mp)
{
	/* xorshift64* */
	mp->fastrand ^= mp->fastrand >> 12;
	mp->fastrand ^= mp->fastrand << 25;
	mp->fastrand ^= mp->fastrand >> 27;
	return (uint32_t)((mp->fastrand * 2685821657736338717ull) >> 32);
}

/* Caller holds sched.lock. */
void pidleput(struct p *pp)
{
	atomic_store_explicit(&pp->status, Pidle, memory_order_relaxed);
	pp->link = gs_sched.pidle;
	gs_sched.pidle = pp;
	atomic_fetch_add_explicit(&gs_sched.npidle, 1, memory_order_relaxed);
}

/* Caller holds sched.lock. */
struct p *pidleget(void)
{
	struct p *pp = gs_sched.pidle;

	if (pp) {
		gs_sched.pidle = pp->link;
		atomic_fetch_sub_explicit(&gs_sched.npidle, 1, memory_order_relaxed);
		atomic_store_explicit(&pp->status, Prunning, memory_order_relaxed);
	}
	return pp;
}

/* Caller holds sched.lock. */
void mput(struct m *mp)
{
	mp->schedlink = gs_sched.midle;
	gs_sched.midle = mp;
	gs_sched.nmidle++;
}

/* Caller holds sched.lock. */
static struct m *mget(void)
{
	struct m *mp = gs_sched.midle;

	if (mp) {
		gs_sched.midle = mp->schedlink;
		gs_sched.nmidle--;
	}
	return mp;
}

void acquirep(struct m *mp, struct p *pp)
{
	if (mp->p || pp->m)
		gs_throw("acquirep", "M or P already bound");
	mp->p = pp;
	pp->m = mp;
	atomic_store_explicit(&pp->status, Prunning, memory_order_relaxed);
}

static struct p *releasep(struct m *mp)
{
	struct p *pp = mp->p;

	pp->m = NULL;
	mp->p = NULL;
	return pp;
}

#define MAX_MS 10000

/* newm starts a new M for pp. Needs the C library: never on g0. */
static void newm(struct p *pp, bool spinning)
{
	struct m *mp = calloc(1, sizeof(*mp));

	if (mp == NULL)
		gs_throw("newm", "out of memory");
	gs_lock(&gs_sched.lock);
	if (gs_sched.mcount >= MAX_MS)	/* Go's limit, and Go's exit status */
		gs_fatal(2, "program exceeds 10000-thread limit (threads blocked in system calls)");
	mp->id = (uint64_t)gs_sched.mcount++;
	mp->alllink = gs_sched.allm;
	gs_sched.allm = mp;
	gs_unlock(&gs_sched.lock);
	mp->fastrand = 0x9e3779b97f4a7c15ull * (mp->id + 1);
	mp->spinning = spinning;
	mp->nextp = pp;
	/* woken before it starts: mstart's notesleep returns at once */
	atomic_store_explicit(&mp->park, 1, memory_order_relaxed);
	if (gs_hooks.newosthread(gs_mstart, mp, M_STACK_SIZE) != 0)
		gs_throw("newm", "cannot create an OS thread");
}

/* startm runs some M on pp, or on an idle P if pp is NULL, reusing an idle M or creating
 * one. On g0 (cancreate false) an M cannot be created: the P goes back and sysmon, asked
 * to, starts one. Runs on a G, on g0, on sysmon or on a foreign thread. */
static void startm(struct p *pp, bool spinning, bool cancreate)
{
	struct m *mp;

	gs_lock(&gs_sched.lock);
	if (pp == NULL) {
		pp = pidleget();
		if (pp == NULL) {
			gs_unlock(&gs_sched.lock);
			if (spinning)
				atomic_fetch_sub_explicit(&gs_sched.nmspinning, 1,
							  memory_order_relaxed);
			return;
		}
	}
	mp = mget();
	if (mp == NULL && !cancreate) {
		pidleput(pp);
		gs_unlock(&gs_sched.lock);
		if (spinning)
			atomic_fetch_sub_explicit(&gs_sched.nmspinning, 1, memory_order_relaxed);
		/* the M asleep in netpoll, if any, takes the P when it wakes */
		if (atomic_load_explicit(&gs_sched.lastpoll, memory_order_relaxed) == 0)
			gs_netpoll_break();
		else
			gs_sysmon_needm();
		return;
	}
	gs_unlock(&gs_sched.lock);
	if (mp == NULL) {
		newm(pp, spinning);
		return;
	}
	mp->spinning = spinning;
	mp->nextp = pp;
	gs_notewakeup(&mp->park);
}

void wakep(bool cancreate)
{
	int32_t zero = 0;

	if (atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed) == 0)
		return;
	if (atomic_load_explicit(&gs_sched.nmspinning, memory_order_relaxed) != 0 ||
	    !atomic_compare_exchange_strong_explicit(&gs_sched.nmspinning, &zero, 1,
						     memory_order_seq_cst, memory_order_relaxed))
		return;
	startm(NULL, true, cancreate);
}

void handoffp(struct p *pp)
{
	int32_t zero = 0;

	if (!runqempty(pp) || atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed)) {
		startm(pp, false, true);
		return;
	}
	/* no work: keep one M spinning if none is, else park the P */
	if (atomic_load_explicit(&gs_sched.nmspinning, memory_order_relaxed) +
			atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed) == 0 &&
	    atomic_compare_exchange_strong_explicit(&gs_sched.nmspinning, &zero, 1,
						    memory_order_seq_cst, memory_order_relaxed)) {
		startm(pp, true, true);
		return;
	}
	gs_lock(&gs_sched.lock);
	if (atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed)) {
		gs_unlock(&gs_sched.lock);
		startm(pp, false, true);
		return;
	}
	pidleput(pp);
	gs_unlock(&gs_sched.lock);
}

/* stopm parks mp, which holds no P, until startm hands it one. */
void stopm(struct m *mp)
{
	gs_tls_install_m(mp);
	gs_sigmask_idle(mp);
	gs_lock(&gs_sched.lock);
	mput(mp);
	gs_unlock(&gs_sched.lock);
	gs_notesleep(&mp->park);
	gs_sigmask_awake(mp);
	gs_noteclear(&mp->park);
	acquirep(mp, mp->nextp);
	mp->nextp = NULL;
}

static void resetspinning(struct m *mp)
{
	mp->spinning = false;
	/* seq_cst pairs with wakep's CAS: either it sees our decrement or we see its work. */
	if (atomic_fetch_sub_explicit(&gs_sched.nmspinning, 1, memory_order_seq_cst) == 1)
		wakep(false);
}

static struct g *stealwork(struct m *mp)
{
	int n = gs_sched.gomaxprocs;

	for (int i = 0; i < STEAL_TRIES; i++) {
		uint32_t start = fastrand(mp) % (uint32_t)n;

		for (int j = 0; j < n; j++) {
			struct p *victim = &gs_sched.allp[(start + (uint32_t)j) % (uint32_t)n];
			struct g *gp;

			if (victim == mp->p)
				continue;
			/* runnext is the victim's own next G; take it only on the last round */
			gp = runqsteal(mp->p, victim, i == STEAL_TRIES - 1);
			if (gp)
				return gp;
		}
	}
	return NULL;
}

static struct g *globrunqget_locked(struct p *pp, int max)
{
	struct g *gp;

	if (atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed) == 0)
		return NULL;
	gs_lock(&gs_sched.lock);
	gp = globrunqget(pp, max);
	gs_unlock(&gs_sched.lock);
	return gp;
}

/* any_runq_busy: some P's local queue holds work. */
static bool any_runq_busy(void)
{
	for (int i = 0; i < gs_sched.gomaxprocs; i++) {
		if (!runqempty(&gs_sched.allp[i]))
			return true;
	}
	return false;
}

/* runtimers runs the timers due on every P, readying their Gs on mp's P. */
static void runtimers(struct m *mp)
{
	int64_t now = 0;

	for (int i = 0; i < gs_sched.gomaxprocs; i++) {
		struct p *pp = &gs_sched.allp[i];

		if (atomic_load_explicit(&pp->timer0when, memory_order_relaxed) == 0)
			continue;
		if (now == 0)
			now = gs_nanotime();
		gs_timers_run(pp, now, mp);
	}
}

/* netpoll_sleep is the idle M without a P becoming the netpoller: it sleeps in epoll_wait
 * until an event, a break, or the earliest timer, then takes an idle P if there is one
 * (true) to run what it readied; otherwise those Gs go to the global queue. Only one M
 * sleeps there at a time (lastpoll 0); false if another does or there is nothing to wait
 * for. */
static bool netpoll_sleep(struct m *mp)
{
	struct epoll_event ev[POLL_BATCH];
	int64_t until = gs_timers_next(), last, delay = -1;
	struct p *pp;
	int n;

	if (!gs_netpoll_inited() || (until == 0 && !gs_netpoll_waiting()))
		return false;
	last = atomic_load_explicit(&gs_sched.lastpoll, memory_order_relaxed);
	if (last == 0 ||
	    !atomic_compare_exchange_strong_explicit(&gs_sched.lastpoll, &last, 0,
						     memory_order_seq_cst, memory_order_relaxed))
		return false;
	/* Publish the deadline we sleep until, then look again: a timer armed before it was
	 * published did not break us. Until the two agree: a deadline that went away meanwhile
	 * (a timed wait signaled in time deletes its timer) left a stale, earlier one
	 * published while we slept until a later one or for ever, and timers armed in
	 * between broke nobody, so they fired only when something else woke an M. */
	for (;;) {
		int64_t again;

		atomic_store_explicit(&gs_sched.polluntil, until, memory_order_seq_cst);
		again = gs_timers_next();
		if (again == until)
			break;
		until = again;
	}
	if (until) {
		delay = until - gs_nanotime();
		if (delay < 0)
			delay = 0;
	}
	gs_tls_install_m(mp);
	n = gs_netpoll_wait(ev, POLL_BATCH, delay, gs_sigmask_idle(mp));
	gs_sigmask_awake(mp);
	gs_signal_redirect_run();
	atomic_store_explicit(&gs_sched.polluntil, 0, memory_order_relaxed);
	atomic_store_explicit(&gs_sched.lastpoll, gs_nanotime(), memory_order_seq_cst);
	gs_lock(&gs_sched.lock);
	pp = pidleget();
	gs_unlock(&gs_sched.lock);
	if (pp)
		acquirep(mp, pp);
	/* with no P, what they ready goes to the global queue, for the busy Ps */
	gs_netpoll_ready(ev, n, mp);
	runtimers(mp);
	return pp != NULL;
}

/* findrunnable returns a G to run, blocking (parking the M) until there is one. On return
 * mp holds a P. */
static struct g *findrunnable(struct m *mp)
{
	struct g *gp;
	struct p *pp;

top:
	pp = mp->p;
	if (atomic_load_explicit(&pp->timer0when, memory_order_relaxed))
		gs_timers_run(pp, gs_nanotime(), mp);
	/* 1. Fairness: now and then the global queue goes first. */
	if (atomic_load_explicit(&pp->schedtick, memory_order_relaxed) % GLOBRUNQ_FAIR_TICK == 0 &&
	    (gp = globrunqget_locked(pp, 1)))
		return gp;
	/* 2. Local queue, then 3. global queue (the local one is empty: room for a batch). */
	if ((gp = runqget(pp)) || (gp = globrunqget_locked(pp, 0)))
		return gp;
	/* 4. Gs whose fds are ready, unless an M sleeping in netpoll will see to them. */
	if (gs_netpoll_waiting() && atomic_load_explicit(&gs_sched.lastpoll, memory_order_relaxed)) {
		struct epoll_event ev[POLL_BATCH];
		int n = gs_netpoll_wait(ev, POLL_BATCH, 0, NULL);

		if (n > 0) {
			gs_netpoll_ready(ev, n, mp);
			if ((gp = runqget(pp)))
				return gp;
		}
	}
	/* 5. Steal Gs and run other Ps' due timers, with at most half of the busy Ps
	 * spinning. */
	int32_t busy = gs_sched.gomaxprocs -
		       atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed);
	if (mp->spinning ||
	    2 * atomic_load_explicit(&gs_sched.nmspinning, memory_order_relaxed) < busy) {
		if (!mp->spinning) {
			mp->spinning = true;
			atomic_fetch_add_explicit(&gs_sched.nmspinning, 1, memory_order_seq_cst);
		}
		runtimers(mp);
		if ((gp = runqget(pp)) || (gp = stealwork(mp)))
			return gp;
	}
	/* 6. Give up the P, unless the global queue got work meanwhile. */
	gs_lock(&gs_sched.lock);
	if ((gp = globrunqget(pp, 0))) {
		gs_unlock(&gs_sched.lock);
		return gp;
	}
	pidleput(releasep(mp));
	gs_unlock(&gs_sched.lock);
	/* 7. Stop spinning, then look once more: see the protocol note above. */
	if (mp->spinning) {
		mp->spinning = false;
		atomic_fetch_sub_explicit(&gs_sched.nmspinning, 1, memory_order_seq_cst);
		if (any_runq_busy() ||
		    atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed) > 0) {
			gs_lock(&gs_sched.lock);
			pp = pidleget();
			gs_unlock(&gs_sched.lock);
			if (pp) {
				acquirep(mp, pp);
				mp->spinning = true;
				atomic_fetch_add_explicit(&gs_sched.nmspinning, 1,
							  memory_order_seq_cst);
				goto top;
			}
		}
	}
	/* 8. Sleep in netpoll until the next event or timer, or else until startm. */
	if (netpoll_sleep(mp))
		goto top;
	stopm(mp);
	goto top;
}

/* execute switches mp to gp: the one thread-pointer install of a G-to-G switch. */
__attribute__((noreturn)) void execute(struct m *mp, struct g *gp)
{
	gp->m = mp;
	mp->curg = gp;
	casgstatus(gp, Grunnable, Grunning);
	atomic_store_explicit(&mp->p->schedtick,
			      atomic_load_explicit(&mp->p->schedtick, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	gs_tls_set_tid(gp, mp->tid);
	gs_sigmask_load(mp, gp);
	gs_tls_install(mp, gp);
	gs_gogo(&gp->sched);
}

/* stoplockedm parks mp, whose locked G is not running (it waits, or is queued), until
 * startlockedm hands it a P to run that G on. Its own P, if it has one, goes to other Gs.
 * Runs on g0. */
static void stoplockedm(struct m *mp)
{
	if (mp->p) {
		struct p *pp = releasep(mp);

		if (!gs_sched_idle(pp) || atomic_load_explicit(&pp->timer0when, memory_order_relaxed)) {
			startm(pp, false, false);
		} else {
			gs_lock(&gs_sched.lock);
			pidleput(pp);
			gs_unlock(&gs_sched.lock);
		}
	}
	gs_tls_install_m(mp);
	gs_sigmask_idle(mp);
	gs_notesleep(&mp->park);
	gs_sigmask_awake(mp);
	gs_noteclear(&mp->park);
	acquirep(mp, mp->nextp);
	mp->nextp = NULL;
}

/* startlockedm hands mp's P to the M gp is locked to, to run gp (which mp took off a run
 * queue), and parks mp. Runs on g0. */
static void startlockedm(struct m *mp, struct g *gp)
{
	struct m *lm = gp->lockedm;

	lm->nextp = releasep(mp);
	gs_notewakeup(&lm->park);
	stopm(mp);
}

__attribute__((noreturn)) void schedule(struct m *mp)
{
	struct g *gp;

	for (;;) {
		if (mp->lockedg) {
			stoplockedm(mp);
			execute(mp, mp->lockedg);
		}
		gp = findrunnable(mp);
		if (mp->spinning)
			resetspinning(mp);
		else if (!runqempty(mp->p))	/* e.g. several Gs readied by netpoll or timers */
			wakep(false);
		if (gp->lockedm == NULL)
			execute(mp, gp);
		startlockedm(mp, gp);
	}
}

void gs_lockosthread(void)
{
	struct g *gp = gs_acquirem();

	gp->lockedext = true;
	gp->lockedm = gp->m;
	gp->m->lockedg = gp;
	gs_releasem(gp);
}

/* No acquirem: the P may be gone (sysmon took it while the G sat in a call goshim does
 * not wrap), and finding that out moves the G; the fields are the G's and its M's own. */
void gs_handler_wire(struct g *gp, uintptr_t sp)
{
	gp->handlersp = sp;
	gp->lockedm = gp->m;
	gp->m->lockedg = gp;
}

void gs_handler_unwire(struct g *gp)
{
	gp->handlersp = 0;
	if (!gp->lockedext) {
		gp->m->lockedg = NULL;
		gp->lockedm = NULL;
	}
}

void gs_handler_left(struct g *gp)
{
	if (gp->handlersp && (uintptr_t)__builtin_frame_address(0) > gp->handlersp)
		gs_handler_unwire(gp);
}

static void park_m(struct g *gp)
{
	struct m *mp = gp->m;
	/* read before the commit, after which the G may run (and rearm it) elsewhere */
	int64_t when = atomic_load_explicit(&gp->waittimer.status, memory_order_relaxed) ==
				       Twaiting
			       ? gp->waittimer.when
			       : 0;

	casgstatus(gp, Grunning, Gwaiting);
	mp->curg = NULL;
	if (gp->parkfn && !gp->parkfn(gp, gp->parkarg)) {
		casgstatus(gp, Gwaiting, Grunnable);
		execute(mp, gp);
	}
	if (when)
		gs_netpoll_wake_for(when);
	schedule(mp);
}

void gs_gopark(bool (*commit)(struct g *, void *), void *arg, const char *reason)
{
	struct g *gp = gs_acquirem();

	gs_handler_left(gp);
	gp->waitreason = reason;
	gp->waitsince = gs_nanotime();
	gp->parkfn = commit;
	gp->parkarg = arg;
	gs_mcall(&gp->sched, gp->m->g0sp, park_m, gp);
	gs_releasem(gp);
}

void gs_park_signals(struct g *gp)
{
	/* an interruptible wait leaves them to its caller (gs_signal_take), which then
	 * fails or restarts the call */
	if (gp && atomic_load_explicit(&gp->pendsig, memory_order_relaxed) && !gp->waitintr)
		gs_signal_deliver(gp);
}

void gs_goready(struct g *gp, struct m *mp)
{
	bool ong0 = mp != NULL;

	struct g *self = ong0 ? NULL : gs_acquirem();

	casgstatus(gp, Gwaiting, Grunnable);
	if (mp == NULL && self)
		mp = self->m;
	if (mp && mp->p) {
		/* a G readies another into runnext, to run next; the scheduler's batches
		 * (timers, netpoll) keep their order */
		runqput(mp->p, gp, !ong0);
	} else {
		gs_lock(&gs_sched.lock);
		globrunqput(gp);
		gs_unlock(&gs_sched.lock);
	}
	/* on g0 the scheduler itself is looking for work: schedule wakes an M if it found
	 * more than it takes */
	if (!ong0)
		wakep(true);
	gs_releasem(self);
}

static void gosched_m(struct g *gp)
{
	struct m *mp = gp->m;

	casgstatus(gp, Grunning, Grunnable);
	mp->curg = NULL;
	runqput(mp->p, gp, false);
	schedule(mp);
}

/* gopreempt_m queues a preempted G on the global queue, as Go does: on the local one it
 * would run again before a G readied to the global queue (which findrunnable looks at
 * only every 61st tick while the local one has work). */
static void gopreempt_m(struct g *gp)
{
	struct m *mp = gp->m;

	casgstatus(gp, Grunning, Grunnable);
	mp->curg = NULL;
	gs_lock(&gs_sched.lock);
	globrunqput(gp);
	gs_unlock(&gs_sched.lock);
	schedule(mp);
}

void gs_gopreempt(void)
{
	struct g *gp = gs_acquirem();

	if (!gs_sched_idle(gp->m->p))
		gs_mcall(&gp->sched, gp->m->g0sp, gopreempt_m, gp);
	gs_releasem(gp);
	if (atomic_load_explicit(&gp->pendsig, memory_order_relaxed))
		gs_signal_deliver(gp);
}

bool gs_sched_idle(struct p *pp)
{
	return runqempty(pp) && atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed) == 0;
}

void gs_gosched(void)
{
	struct g *gp = gs_acquirem();

	gs_handler_left(gp);
	/* With no other G to run, the OS thread yields instead: a G spinning on a yield may
	 * be waiting for a G of another M, or a thread goshim does not know, that shares its
	 * CPU and runs only if the kernel is asked. With no more Ps than CPUs, only every
	 * KERNEL_YIELD_EVERY-th time: a G waiting for one that runs on another CPU sees it
	 * within a few loads rather than a system call, as in Go. With more, every time:
	 * the M it waits for likely shares its CPU (test/real's C++ workload, which spins
	 * on yields, ran 12% slower at GOMAXPROCS=4 on 2 CPUs without). */
	if (gs_sched_idle(gp->m->p)) {
		if (gs_sched.oversubscribed || ++gp->m->idleyields % KERNEL_YIELD_EVERY == 0)
			sys_sched_yield();
	} else
		gs_mcall(&gp->sched, gp->m->g0sp, gosched_m, gp);
	gs_releasem(gp);
	if (atomic_load_explicit(&gp->pendsig, memory_order_relaxed))
		gs_signal_deliver(gp);
}

/* mstart is the body of every M but M 0, on its own OS thread: that thread's stack is g0's. */
void *gs_mstart(void *arg)
{
	struct m *mp = arg;

	mp->tid = sys_gettid();
	gs_sigmask_mstart(mp);
	mp->tcb = gs_tls_thread_pointer();
	mp->tp = mp->tcb;
	/* g0 stack frames start below this one, which is never returned to. */
	mp->g0sp = ((uintptr_t)__builtin_frame_address(0) - 512) & ~(uintptr_t)15;
	gs_altstack();
	gs_notesleep(&mp->park);
	gs_sigmask_awake(mp);
	gs_noteclear(&mp->park);
	acquirep(mp, mp->nextp);
	mp->nextp = NULL;
	schedule(mp);
}
