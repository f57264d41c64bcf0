/* A system call made on every OS thread of the process, after Go's AllThreadsSyscall:
 * Linux keeps credentials per thread, POSIX wants setuid and its kind per process. May
 * call: raw system calls, taskstate, locks.
 *
 * glibc does this itself with SIGSETXID, for the threads on its list; under goshim that
 * list is not the OS threads (a G's TCB is on none, G 1's moves between threads, goshim's
 * own threads block signals), and the call hung. Here the caller makes the call first; if
 * it succeeds, every other thread in /proc/self/task gets SIGSETXID with goshim's mark,
 * makes the same call in the handler and reports back (no thread of goshim's or glibc's
 * blocks that signal for long); one that exits first is crossed off. New OS threads wait
 * meanwhile (gs_allthreads_lock), so none starts with the old credentials. A thread whose
 * call fails where the caller's succeeded would leave the process half changed: goshim
 * then ends it, as glibc does. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>

#include "../asm/asm.h"
#include "allthreads.h"
#include "lock.h"
#include "sys.h"
#include "taskstate.h"
#include "throw.h"

#define SIGSETXID 33
#define SETXID_MARK 0x67737878	/* si_value of goshim's own SIGSETXID */
#define MAX_THREADS 4096
#define REAP_EVERY 100000000ll	/* ns: how often the caller looks for threads gone */

struct ksigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static struct {
	struct gs_lock lock;		/* one call at a time; no OS thread starts meanwhile */
	long nr, a[3];			/* the call */
	_Atomic uint32_t pending;	/* futex word: threads yet to report */
	_Atomic long failed;		/* the first error a thread reported */
	struct ksigaction glibc;	/* the handler ours replaced, for glibc's own signals */
	int ntids;
	int32_t tids[MAX_THREADS];	/* the threads listed */
	_Atomic bool done[MAX_THREADS];	/* reported, or crossed off */
} at;

/* cross_off marks thread i done, once: true for the one that did. */
static bool cross_off(int i)
{
	bool no = false;

	return atomic_compare_exchange_strong_explicit(&at.done[i], &no, true,
						       memory_order_relaxed, memory_order_relaxed);
}

/* one_less counts a share of pending down, waking the caller at 0. */
static void one_less(void)
{
	if (atomic_fetch_sub_explicit(&at.pending, 1, memory_order_release) == 1)
		sys_futex(&at.pending, FUTEX_WAKE_PRIVATE, 1, NULL);
}

static void report(int i)
{
	if (cross_off(i))
		one_less();
}

static void on_setxid(int sig, siginfo_t *si, void *uc)
{
	long r;

	if (!sys_sigmarked(si, SETXID_MARK)) {
		if (at.glibc.handler && (at.glibc.flags & SA_SIGINFO))
			at.glibc.handler(sig, si, uc);
		return;
	}
	r = sys_call6(at.nr, at.a[0], at.a[1], at.a[2], 0, 0, 0);
	if (r < 0) {
		long zero = 0;

		atomic_compare_exchange_strong_explicit(&at.failed, &zero, r, memory_order_relaxed,
							memory_order_relaxed);
	}
	for (int i = 0, self = sys_gettid(); i < at.ntids; i++) {
		if (at.tids[i] == self) {
			report(i);
			break;
		}
	}
}

/* own_handler puts on_setxid on SIGSETXID, keeping whatever glibc installed there (it does
 * when its first thread starts) to pass its own signals on to. */
static void own_handler(void)
{
	struct ksigaction cur, ours = {
		.handler = on_setxid,
		.flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK | 0x04000000 /* SA_RESTORER */,
		.restorer = gs_sigreturn,
		.mask = ~0ull,
	};

	if (sys_call6(SYS_rt_sigaction, SIGSETXID, 0, (long)&cur, 8, 0, 0) != 0 ||
	    cur.handler == on_setxid)
		return;
	at.glibc = cur;
	if (sys_call6(SYS_rt_sigaction, SIGSETXID, (long)&ours, 0, 8, 0, 0) != 0)
		gs_throw("allthreads", "cannot install the SIGSETXID handler");
}

/* await_reports sleeps until every listed thread reported, crossing off those that exited
 * with the signal still pending. */
static void await_reports(int32_t pid)
{
	struct timespec every = { 0, REAP_EVERY };
	uint32_t left;

	while ((left = atomic_load_explicit(&at.pending, memory_order_acquire)) != 0) {
		if (sys_futex(&at.pending, FUTEX_WAIT_PRIVATE, left, &every) != -ETIMEDOUT)
			continue;
		for (int i = 0; i < at.ntids; i++) {
			if (!atomic_load_explicit(&at.done[i], memory_order_relaxed) &&
			    sys_call6(SYS_tgkill, pid, at.tids[i], 0, 0, 0, 0) == -ESRCH)
				report(i);
		}
	}
}

void gs_allthreads_lock(void)
{
	gs_lock(&at.lock);
}

void gs_allthreads_unlock(void)
{
	gs_unlock(&at.lock);
}

long gs_allthreads_syscall(long nr, long a, long b, long c)
{
	int32_t self = sys_gettid(), pid = (int32_t)sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	long r;
	int n;

	gs_taskstate_start();
	/* held while the others make the call: nothing they do needs it */
	gs_lock(&at.lock);
	r = sys_call6(nr, a, b, c, 0, 0, 0);
	if (r < 0) {
		gs_unlock(&at.lock);
		return r;
	}
	own_handler();
	at.nr = nr;
	at.a[0] = a;
	at.a[1] = b;
	at.a[2] = c;
	atomic_store_explicit(&at.failed, 0, memory_order_relaxed);
	n = gs_task_list(at.tids, MAX_THREADS);
	if (n < 0 || n > MAX_THREADS)
		gs_fatal(2, "cannot list the process's threads to change their credentials");
	at.ntids = n;
	atomic_store_explicit(&at.pending, (uint32_t)n + 1, memory_order_relaxed);
	for (int i = 0; i < n; i++)
		atomic_store_explicit(&at.done[i], false, memory_order_relaxed);
	/* a thread that has exited since the listing fails with ESRCH */
	for (int i = 0; i < n; i++) {
		if (at.tids[i] == self || sys_tgsigqueue(at.tids[i], SIGSETXID, SETXID_MARK) != 0)
			report(i);
	}
	one_less();	/* the caller's own share, held while the signals went out */
	await_reports(pid);
	if (atomic_load_explicit(&at.failed, memory_order_relaxed) != 0)
		gs_fatal(127, "a credential change succeeded on one thread and failed on another; "
			      "the process cannot go on half changed");
	gs_unlock(&at.lock);
	return r;
}

void gs_allthreads_afterfork(void)
{
	at.lock = (struct gs_lock){ 0 };
}
