/* sysmon, after Go's proc.go: a thread of its own, with no P, sleeping 20 us and doubling
 * up to 10 ms while there is nothing to do. May call: proc, runq, locks, raw futex, and
 * (on its own thread, which has a TLS of its own) snprintf for schedtrace.
 *
 * retake: a P whose M has been in a system call since sysmon's previous look is taken
 * (Psyscall -> Pidle) and handed off, unless it has no work and some M is idle or
 * spinning, and the call is younger than 10 ms; so is one whose G has kept it 10 ms
 * through a run of short system calls, each of which sysmon sees as new (Go's
 * sysretake). */
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "netpoll.h"
#include "preempt.h"
#include "proc.h"
#include "runq.h"
#include "sigmask.h"
#include "sys.h"
#include "sysmon.h"
#include "taskstate.h"
#include "throw.h"
#include "timer.h"

#define DELAY_MIN 20000ll		/* ns */
#define DELAY_MAX 10000000ll
#define IDLE_BEFORE_BACKOFF 50
#define SYSCALL_FORCE_RETAKE 10000000ll
#define SYSMON_STACK (128 * 1024)

#define FORCE_PREEMPT 10000000ll	/* a G running this long is asked to yield */
#define BLOCKED_RETAKE 1000000ll	/* a G blocked this long in an uninterposed call loses
					 * its P, if there is work for it */
#define POLL_OVERDUE 10000000ll	/* nobody has polled the network for this long */
#define TIMER_OVERDUE 1000000ll	/* a timer this late, with nobody asleep in netpoll */
#define POLL_BATCH 128

struct sysmontick {
	uint32_t schedtick;
	int64_t schedwhen;
	int64_t runsince;		/* since when schedtick has not moved */
	uint32_t syscalltick;
	int64_t syscallwhen;
};

static struct {
	_Atomic int32_t started;	/* 0 no, 1 starting, 2 running */
	_Atomic uint32_t wake;		/* futex word: 1 once somebody wants sysmon now */
	_Atomic int32_t needm;		/* an M was wanted where none could be created */
	struct sysmontick *ticks;	/* sysmon only, one per P */
	int64_t start;			/* sysmon only: schedtrace's zero */
	int64_t nexttrace;		/* sysmon only */
} sysmon;

/* work_elsewhere: runnable Gs wait, or nobody would be left to look for them. */
static bool work_elsewhere(struct p *pp)
{
	return !runqempty(pp) || atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed) ||
	       atomic_load_explicit(&gs_sched.nmspinning, memory_order_relaxed) +
			       atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed) ==
		       0;
}

/* steal takes pp from an M whose G is blocked in the kernel in a call goshim could not
 * interpose (DESIGN.md tier 3), with the Pstealing handshake of gs_checkp. */
static bool steal(struct p *pp)
{
	struct m *mp = pp->m;
	struct g *gp = mp ? mp->curg : NULL;
	uint32_t s = Prunning;

	if (gp == NULL || atomic_load_explicit(&gp->status, memory_order_relaxed) != Grunning ||
	    atomic_load_explicit(&gp->inruntime, memory_order_relaxed) ||
	    gs_task_cpu(mp->tid) != Toff)
		return false;
	if (!atomic_compare_exchange_strong_explicit(&pp->status, &s, Pstealing,
						     memory_order_seq_cst, memory_order_relaxed))
		return false;
	/* seq_cst pairs with gs_acquirem: either the G sees Pstealing, or we see it inside */
	if (atomic_load_explicit(&gp->inruntime, memory_order_seq_cst) || mp->curg != gp ||
	    atomic_load_explicit(&gp->status, memory_order_relaxed) != Grunning) {
		atomic_store_explicit(&pp->status, Prunning, memory_order_seq_cst);
		return false;
	}
	pp->m = NULL;
	atomic_store_explicit(&pp->status, Pidle, memory_order_seq_cst);
	handoffp(pp);
	return true;
}

static uint32_t retake(int64_t now)
{
	uint32_t n = 0;

	for (int i = 0; i < gs_sched.gomaxprocs; i++) {
		struct p *pp = &gs_sched.allp[i];
		struct sysmontick *pd = &sysmon.ticks[i];
		uint32_t s = atomic_load_explicit(&pp->status, memory_order_relaxed);
		bool sysretake = false;
		uint32_t t;

		if (s != Prunning && s != Psyscall)
			continue;
		/* one G on the P for 10 ms, running or looping on short system calls */
		t = atomic_load_explicit(&pp->schedtick, memory_order_relaxed);
		if (pd->schedtick != t) {
			pd->schedtick = t;
			pd->schedwhen = now;
			pd->runsince = now;
		} else if (s == Prunning && now - pd->runsince >= BLOCKED_RETAKE &&
			   work_elsewhere(pp) && steal(pp)) {
			n++;
			continue;
		} else if (now - pd->schedwhen >= FORCE_PREEMPT) {
			gs_preemptone(pp);
			pd->schedwhen = now;	/* ask again in 10 ms, not every tick */
			sysretake = true;	/* a P in a system call has no G to ask */
		}
		if (s != Psyscall)
			continue;
		t = atomic_load_explicit(&pp->syscalltick, memory_order_relaxed);
		if (!sysretake && pd->syscalltick != t) {
			pd->syscalltick = t;
			pd->syscallwhen = now;
			continue;
		}
		if (!work_elsewhere(pp) && pd->syscallwhen + SYSCALL_FORCE_RETAKE > now)
			continue;
		/* acquire pairs with entersyscall's release */
		if (atomic_compare_exchange_strong_explicit(&pp->status, &s, Pidle,
							    memory_order_acquire,
							    memory_order_relaxed)) {
			n++;
			atomic_fetch_add_explicit(&pp->syscalltick, 1, memory_order_relaxed);
			handoffp(pp);
		}
	}
	return n;
}

/* poll_overdue does the netpoller's work when no M has for a while, as Go's sysmon does:
 * ready Gs go to the global queue. True if it readied any. */
static bool poll_overdue(int64_t now)
{
	int64_t last = atomic_load_explicit(&gs_sched.lastpoll, memory_order_relaxed);
	int64_t next = gs_timers_next();
	bool any = false;

	if (last == 0) {
		/* an M sleeps in netpoll, until the earliest timer; should one be overdue all
		 * the same, wake it (Go's sysmon starts an M then) */
		if (next && next + TIMER_OVERDUE <= now)
			gs_netpoll_break();
		return false;
	}
	if (gs_netpoll_waiting() && now - last > POLL_OVERDUE &&
	    atomic_compare_exchange_strong_explicit(&gs_sched.lastpoll, &last, now,
						    memory_order_relaxed, memory_order_relaxed)) {
		struct epoll_event ev[POLL_BATCH];
		int n = gs_netpoll_wait(ev, POLL_BATCH, 0, NULL);

		gs_netpoll_ready(ev, n, NULL);
		any = n > 0;
	}
	if (next && next + TIMER_OVERDUE <= now) {
		for (int i = 0; i < gs_sched.gomaxprocs; i++)
			gs_timers_run(&gs_sched.allp[i], now, NULL);
		any = true;
	}
	return any;
}

/* work_waiting: some runnable G sits where an idle P could take it. */
static bool work_waiting(void)
{
	if (atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed) == 0)
		return false;
	if (atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed))
		return true;
	for (int i = 0; i < gs_sched.gomaxprocs; i++) {
		if (!runqempty(&gs_sched.allp[i]))
			return true;
	}
	return false;
}

/* tracebuf collects one schedtrace report; it is written with one raw write per line. */
struct tracebuf {
	char buf[512];
	int n;
};

__attribute__((format(printf, 2, 3))) static void tprintf(struct tracebuf *t, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(t->buf + t->n, sizeof(t->buf) - (size_t)t->n, f, ap);
	va_end(ap);
	if (n > 0)
		t->n = t->n + n < (int)sizeof(t->buf) ? t->n + n : (int)sizeof(t->buf) - 1;
	if (t->n > 0 && t->buf[t->n - 1] == '\n') {
		/* nothing to do if stderr is gone */
		(void)sys_write(2, t->buf, (size_t)t->n);
		t->n = 0;
	}
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

/* go_gstatus is a G status in Go's numbering (runtime2.go), which scheddetail prints. */
static int go_gstatus(uint32_t s)
{
	static const int go[] = { [Gidle] = 0, [Grunnable] = 1, [Grunning] = 2, [Gsyscall] = 3,
				  [Gwaiting] = 4, [Gdead] = 6 };

	return go[s];
}

static bool m_idle(struct m *mp)
{
	for (struct m *x = gs_sched.midle; x; x = x->schedlink) {
		if (x == mp)
			return true;
	}
	return false;
}

/* detail prints scheddetail's P, M and G lines. Caller holds sched.lock. */
static void detail(struct tracebuf *t)
{
	for (int i = 0; i < gs_sched.gomaxprocs; i++) {
		struct p *pp = &gs_sched.allp[i];
		struct m *mp = pp->m;

		tprintf(t, "  P%d: status=%u schedtick=%u syscalltick=%u m=%lld runqsize=%u "
			   "gfreecnt=%d timerslen=%d\n",
			i, atomic_load_explicit(&pp->status, memory_order_relaxed),
			atomic_load_explicit(&pp->schedtick, memory_order_relaxed),
			atomic_load_explicit(&pp->syscalltick, memory_order_relaxed),
			mp ? (long long)mp->id : -1ll,
			atomic_load_explicit(&pp->runqtail, memory_order_relaxed) -
				atomic_load_explicit(&pp->runqhead, memory_order_relaxed),
			pp->gfreecnt, gs_timers_len(pp));
	}
	for (struct m *mp = gs_sched.allm; mp; mp = mp->alllink) {
		struct g *gp = mp->curg;

		tprintf(t, "  M%llu: p=%d curg=%lld mallocing=0 throwing=0 preemptoff= locks=0 "
			   "dying=0 spinning=%s blocked=%s lockedg=-1\n",
			(unsigned long long)mp->id, mp->p ? mp->p->id : -1,
			gp ? (long long)gp->goid : -1ll, tf(mp->spinning), tf(m_idle(mp)));
	}
	gs_lock(&gs_sched.allglock);
	for (struct g *gp = gs_sched.allg; gp; gp = gp->alllink) {
		uint32_t s = atomic_load_explicit(&gp->status, memory_order_relaxed);
		const char *why = s == Gwaiting && gp->waitreason ? gp->waitreason : "";
		struct m *mp = s == Grunning || s == Gsyscall ? gp->m : NULL;

		if (gp->goid == 0)
			continue;	/* being made by newproc */
		tprintf(t, "  G%llu: status=%d(%s) m=%lld lockedm=-1\n",
			(unsigned long long)gp->goid, go_gstatus(s), why,
			mp ? (long long)mp->id : -1ll);
	}
	gs_unlock(&gs_sched.allglock);
}

/* schedtrace prints Go 1.19's report, on sysmon's own thread. */
static void schedtrace(int64_t now)
{
	struct tracebuf t = { .n = 0 };

	gs_lock(&gs_sched.lock);
	tprintf(&t, "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d "
		    "idlethreads=%d runqueue=%d",
		(long long)((now - sysmon.start) / 1000000), gs_sched.gomaxprocs,
		atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed),
		gs_sched.mcount + 1 /* sysmon */,
		atomic_load_explicit(&gs_sched.nmspinning, memory_order_relaxed), gs_sched.nmidle,
		atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed));
	if (gs_sched.scheddetail) {
		tprintf(&t, " gcwaiting=0 nmidlelocked=0 stopwait=0 sysmonwait=0\n");
		detail(&t);
	} else {
		for (int i = 0; i < gs_sched.gomaxprocs; i++) {
			struct p *pp = &gs_sched.allp[i];

			tprintf(&t, "%s%u%s", i == 0 ? " [" : " ",
				atomic_load_explicit(&pp->runqtail, memory_order_relaxed) -
					atomic_load_explicit(&pp->runqhead, memory_order_relaxed),
				i == gs_sched.gomaxprocs - 1 ? "]\n" : "");
		}
	}
	gs_unlock(&gs_sched.lock);
}

static void *sysmon_main(void *arg)
{
	int64_t delay = DELAY_MIN;
	int idle = 0;

	(void)arg;
	/* sysmon never runs the program's signal handlers; glibc's own two it takes, as
	 * every thread must (a credential change needs this one too) */
	sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&(uint64_t){ ~(3ull << 31) }, 0, 8, 0,
		  0);
	for (;;) {
		int64_t now = gs_nanotime();
		int64_t sleep = delay;
		struct timespec ts;

		if (gs_sched.schedtrace && sysmon.nexttrace - now < sleep)
			sleep = sysmon.nexttrace > now ? sysmon.nexttrace - now : 0;
		ts.tv_sec = sleep / 1000000000ll;
		ts.tv_nsec = sleep % 1000000000ll;
		if (sleep > 0)
			sys_futex(&sysmon.wake, FUTEX_WAIT_PRIVATE, 0, &ts);
		atomic_store_explicit(&sysmon.wake, 0, memory_order_relaxed);
		now = gs_nanotime();
		gs_signal_redirect_run();
		/* Gs the overdue poll readied want an M, but as in Go they do not keep sysmon
		 * at its shortest sleep: the Ms of a busy server never run out of work, so its
		 * poll is done here every 10 ms, and each one used to cost 50 wake-ups */
		if (poll_overdue(now))
			wakep(true);
		if (retake(now) || atomic_exchange_explicit(&sysmon.needm, 0, memory_order_relaxed) ||
		    work_waiting()) {
			wakep(true);
			idle = 0;
		} else {
			idle++;
		}
		if (idle > IDLE_BEFORE_BACKOFF && delay < DELAY_MAX)
			delay *= 2;
		else if (idle == 0)
			delay = DELAY_MIN;
		if (gs_sched.schedtrace && now >= sysmon.nexttrace) {
			schedtrace(now);
			sysmon.nexttrace += gs_sched.schedtrace * 1000000ll;
		}
	}
	return NULL;
}

int gs_sysmon_start(void)
{
	int32_t zero = 0;

	if (atomic_load_explicit(&sysmon.started, memory_order_acquire) == 2)
		return 0;
	if (!atomic_compare_exchange_strong_explicit(&sysmon.started, &zero, 1,
						     memory_order_acquire, memory_order_acquire)) {
		while (atomic_load_explicit(&sysmon.started, memory_order_acquire) != 2)
			sys_sched_yield();
		return 0;
	}
	sysmon.ticks = calloc((size_t)gs_sched.gomaxprocs, sizeof(*sysmon.ticks));
	sysmon.start = gs_nanotime();
	sysmon.nexttrace = sysmon.start;
	if (sysmon.ticks == NULL || gs_hooks.newosthread(sysmon_main, NULL, SYSMON_STACK) != 0) {
		atomic_store_explicit(&sysmon.started, 0, memory_order_release);
		return EAGAIN;
	}
	atomic_store_explicit(&sysmon.started, 2, memory_order_release);
	return 0;
}

void gs_sysmon_wake(void)
{
	if (atomic_exchange_explicit(&sysmon.wake, 1, memory_order_relaxed) == 0)
		sys_futex(&sysmon.wake, FUTEX_WAKE_PRIVATE, 1, NULL);
}

void gs_sysmon_needm(void)
{
	atomic_store_explicit(&sysmon.needm, 1, memory_order_relaxed);
	gs_sysmon_wake();
}

void gs_sysmon_afterfork(void)
{
	bool was = atomic_load_explicit(&sysmon.started, memory_order_relaxed) != 0;

	atomic_store_explicit(&sysmon.started, 0, memory_order_relaxed);
	atomic_store_explicit(&sysmon.wake, 0, memory_order_relaxed);
	atomic_store_explicit(&sysmon.needm, 0, memory_order_relaxed);
	free(sysmon.ticks);
	sysmon.ticks = NULL;
	if (was && gs_sched.schedtrace)
		gs_sysmon_start();
}
