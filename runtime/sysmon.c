/* sysmon, after Go's proc.go: a thread of its own, with no P, sleeping 20 us and doubling
 * up to 10 ms while there is nothing to do. May call: proc, runq, locks, raw futex, and
 * (on its own thread, which has a TLS of its own) snprintf for schedtrace.
 *
 * retake: a P whose M has been in a system call since sysmon's previous look is taken
 * (Psyscall -> Pidle) and handed off, unless it has no work and some M is idle or
 * spinning, and the call is younger than 10 ms. */
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>

#include "proc.h"
#include "runq.h"
#include "sys.h"
#include "sysmon.h"
#include "throw.h"
#include "timer.h"

#define DELAY_MIN 20000ll		/* ns */
#define DELAY_MAX 10000000ll
#define IDLE_BEFORE_BACKOFF 50
#define SYSCALL_FORCE_RETAKE 10000000ll
#define SYSMON_STACK (128 * 1024)

struct sysmontick {
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

static uint32_t retake(int64_t now)
{
	uint32_t n = 0;

	for (int i = 0; i < gs_sched.gomaxprocs; i++) {
		struct p *pp = &gs_sched.allp[i];
		struct sysmontick *pd = &sysmon.ticks[i];
		uint32_t s = Psyscall;
		uint32_t t;

		if (atomic_load_explicit(&pp->status, memory_order_relaxed) != Psyscall)
			continue;
		t = atomic_load_explicit(&pp->syscalltick, memory_order_relaxed);
		if (pd->syscalltick != t) {
			pd->syscalltick = t;
			pd->syscallwhen = now;
			continue;
		}
		if (runqempty(pp) &&
		    atomic_load_explicit(&gs_sched.nmspinning, memory_order_relaxed) +
				    atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed) >
			    0 &&
		    pd->syscallwhen + SYSCALL_FORCE_RETAKE > now)
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

/* schedtrace prints Go 1.19's SCHED line, on sysmon's own thread. */
static void schedtrace(int64_t now)
{
	char buf[4096];
	int n;

	gs_lock(&gs_sched.lock);
	n = snprintf(buf, sizeof(buf),
		     "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d "
		     "idlethreads=%d runqueue=%d",
		     (long long)((now - sysmon.start) / 1000000), gs_sched.gomaxprocs,
		     atomic_load_explicit(&gs_sched.npidle, memory_order_relaxed),
		     gs_sched.mcount + 1 /* sysmon */,
		     atomic_load_explicit(&gs_sched.nmspinning, memory_order_relaxed),
		     gs_sched.nmidle,
		     atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed));
	for (int i = 0; i < gs_sched.gomaxprocs && n < (int)sizeof(buf) - 16; i++) {
		struct p *pp = &gs_sched.allp[i];
		uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_relaxed);
		uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);

		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%u%s", i == 0 ? " [" : " ",
			      t - h, i == gs_sched.gomaxprocs - 1 ? "]\n" : "");
	}
	gs_unlock(&gs_sched.lock);
	/* nothing to do if stderr is gone */
	(void)sys_write(2, buf, (size_t)n);
}

static void *sysmon_main(void *arg)
{
	int64_t delay = DELAY_MIN;
	int idle = 0;

	(void)arg;
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
		if (retake(now) ||
		    atomic_exchange_explicit(&sysmon.needm, 0, memory_order_relaxed) ||
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

void gs_sysmon_needm(void)
{
	atomic_store_explicit(&sysmon.needm, 1, memory_order_relaxed);
	if (atomic_exchange_explicit(&sysmon.wake, 1, memory_order_relaxed) == 0)
		sys_futex(&sysmon.wake, FUTEX_WAKE_PRIVATE, 1, NULL);
}
