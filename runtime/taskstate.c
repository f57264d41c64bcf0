/* What the kernel says of the process's OS threads, from /proc/self/task: whether one is on
 * a CPU (sysmon asks), and which there are (a credential change asks). May call: raw
 * system calls, gs_hooks.newosthread, gs_nanotime, locks.
 *
 * Opening a file takes the lowest free fd number, and that is the number the program may
 * be about to get from its own open, or have just closed and be checking with fcntl. So
 * no thread that shares the program's fd table opens anything: the files are opened by a
 * thread of goshim's, the reader, whose fd table is its own and starts empty. The asker
 * hands it a question and sleeps until the answer is in; sysmon, only until ANSWER_WAIT
 * has passed: on a busy machine the reader may wait for a CPU, and sysmon must go on with
 * its rounds. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "proc.h"
#include "sys.h"
#include "taskstate.h"
#include "timer.h"

#define READER_STACK (64 * 1024)
#define ANSWER_WAIT 1000000ll	/* ns */

enum { Rnone, Rstarting, Rup, Rfailed };

static struct {
	_Atomic uint32_t state;		/* futex word: Rfailed holds until a fork */
	_Atomic uint32_t asked;		/* futex word: bumped by sysmon with each question */
	_Atomic uint32_t answered;	/* futex word: set to asked once the answer is in */
	struct gs_lock asklock;		/* one asker at a time */
	/* the question, published by asked: is tid on a CPU, or (tid 0) which threads there
	 * are, into list[max] */
	_Atomic int32_t tid;
	int32_t *list;
	int max;
	_Atomic int answer;		/* published by answered: 1 or 0, or how many */
} rd;

/* close_listed closes every fd in this thread's table by its /proc listing; for kernels
 * before 5.9, which unshare the table only as a copy of the program's. */
static bool close_listed(void)
{
	char buf[2048];
	long dir, n;

	dir = sys_call6(SYS_openat, AT_FDCWD, (long)"/proc/thread-self/fd",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return false;
	while ((n = sys_call6(SYS_getdents64, dir, (long)buf, sizeof(buf), 0, 0, 0)) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			long fd = strtol(d->d_name, NULL, 10);

			if (d->d_name[0] != '.' && fd != dir)
				sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
			off += d->d_reclen;
		}
	}
	sys_call6(SYS_close, dir, 0, 0, 0, 0, 0);
	return n == 0;
}

bool gs_private_fds(void)
{
	if (sys_call6(SYS_close_range, 0, ~0u, CLOSE_RANGE_UNSHARE, 0, 0, 0) == 0)
		return true;
	return sys_call6(SYS_unshare, CLONE_FILES, 0, 0, 0, 0, 0) == 0 && close_listed();
}

/* stat_running reads the state field of tid's stat: R is running or runnable. */
static bool stat_running(int32_t tid)
{
	char path[64], buf[256], *state;
	long fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = sys_call6(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return false;
	n = sys_call6(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	state = strrchr(buf, ')');	/* the name before it may hold anything */
	return state && state[1] == ' ' && state[2] == 'R';
}

/* list_tasks stores the tids of the process's threads in list: how many (more than max if
 * they did not fit), -1 if /proc cannot be read. */
static int list_tasks(int32_t *list, int max)
{
	char buf[2048];
	long dir, n;
	int k = 0;

	dir = sys_call6(SYS_openat, AT_FDCWD, (long)"/proc/self/task",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return -1;
	while ((n = sys_call6(SYS_getdents64, dir, (long)buf, sizeof(buf), 0, 0, 0)) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			int32_t tid = (int32_t)strtol(d->d_name, NULL, 10);

			off += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			if (k < max)
				list[k] = tid;
			k++;
		}
	}
	sys_call6(SYS_close, dir, 0, 0, 0, 0, 0);
	return n == 0 ? k : -1;
}

static void *reader_main(void *arg)
{
	bool ok;
	uint32_t seen = 0;

	(void)arg;
	/* the program's signals are never delivered here; glibc's own two are (a credential
	 * change needs this thread too) */
	sys_call6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&(uint64_t){ ~(3ull << 31) }, 0, 8, 0, 0);
	ok = gs_private_fds();
	atomic_store_explicit(&rd.state, ok ? Rup : Rfailed, memory_order_release);
	sys_futex(&rd.state, FUTEX_WAKE_PRIVATE, 1, NULL);
	if (!ok)
		return NULL;
	for (;;) {
		uint32_t a;
		int32_t tid;

		while ((a = atomic_load_explicit(&rd.asked, memory_order_acquire)) == seen)
			sys_futex(&rd.asked, FUTEX_WAIT_PRIVATE, seen, NULL);
		/* acquire: a later question than a may be in already, list and max with it */
		tid = atomic_load_explicit(&rd.tid, memory_order_acquire);
		atomic_store_explicit(&rd.answer,
				      tid ? stat_running(tid) : list_tasks(rd.list, rd.max),
				      memory_order_relaxed);
		seen = a;
		atomic_store_explicit(&rd.answered, a, memory_order_release);
		sys_futex(&rd.answered, FUTEX_WAKE_PRIVATE, 1, NULL);
	}
	return NULL;
}

/* sleep_on waits on word while it holds val, until deadline (gs_nanotime); false once the
 * deadline has passed. */
static bool sleep_on(_Atomic uint32_t *word, uint32_t val, int64_t deadline)
{
	int64_t left = deadline - gs_nanotime();
	struct timespec ts;

	if (left <= 0)
		return false;
	ts.tv_sec = left / 1000000000;
	ts.tv_nsec = left % 1000000000;
	sys_futex(word, FUTEX_WAIT_PRIVATE, val, &ts);
	return true;
}

/* reader_state starts the reader the first time it is wanted (after a fork, again), and
 * waits until deadline for it to be up. */
static uint32_t reader_state(int64_t deadline)
{
	uint32_t s = Rnone;

	if (atomic_compare_exchange_strong_explicit(&rd.state, &s, Rstarting, memory_order_relaxed,
						    memory_order_relaxed) &&
	    gs_hooks.newosthread(reader_main, NULL, READER_STACK) != 0)
		atomic_store_explicit(&rd.state, Rfailed, memory_order_relaxed);
	while ((s = atomic_load_explicit(&rd.state, memory_order_acquire)) == Rstarting &&
	       sleep_on(&rd.state, Rstarting, deadline))
		;
	return s;
}

/* ask puts a question to the reader (tid, and for a list the fields it needs, set by the
 * caller under asklock) and waits for the answer until deadline (0: for good); false if
 * it is late. */
static bool ask(int32_t tid, int64_t deadline, int *answer)
{
	uint32_t a, got;

	atomic_store_explicit(&rd.tid, tid, memory_order_release);
	a = atomic_fetch_add_explicit(&rd.asked, 1, memory_order_release) + 1;
	sys_futex(&rd.asked, FUTEX_WAKE_PRIVATE, 1, NULL);
	while ((got = atomic_load_explicit(&rd.answered, memory_order_acquire)) != a) {
		if (deadline == 0)
			sys_futex(&rd.answered, FUTEX_WAIT_PRIVATE, got, NULL);
		else if (!sleep_on(&rd.answered, got, deadline))
			return false;
	}
	*answer = atomic_load_explicit(&rd.answer, memory_order_relaxed);
	return true;
}

/* A late answer, or none while the reader starts, is Tunknown: sysmon then neither signals
 * the thread (asleep in a call goshim did not interpose, it could see EINTR) nor takes its
 * P (a G running its own code would run on without one, where sysmon never preempts it);
 * it asks again next round. Without a reader at all, sysmon reads the file itself: its fd
 * may then take one of the program's numbers for a moment. */
enum gs_taskcpu gs_task_cpu(int32_t tid)
{
	int64_t deadline = gs_nanotime() + ANSWER_WAIT;
	uint32_t s = reader_state(deadline);
	int running = -1;

	if (s == Rfailed)
		return stat_running(tid) ? Ton : Toff;
	if (s != Rup)
		return Tunknown;
	gs_lock(&rd.asklock);
	ask(tid, deadline, &running);
	gs_unlock(&rd.asklock);
	return running < 0 ? Tunknown : running ? Ton : Toff;
}

void gs_taskstate_start(void)
{
	while (reader_state(gs_nanotime() + ANSWER_WAIT) == Rstarting)
		;
}

int gs_task_list(int32_t *list, int max)
{
	int n;

	/* without a reader, here: its fds may take a number of the program's for a moment */
	if (atomic_load_explicit(&rd.state, memory_order_acquire) != Rup)
		return list_tasks(list, max);
	gs_lock(&rd.asklock);
	rd.list = list;
	rd.max = max;
	ask(0, 0, &n);
	gs_unlock(&rd.asklock);
	return n;
}

void gs_taskstate_afterfork(void)
{
	atomic_store_explicit(&rd.state, Rnone, memory_order_relaxed);
	atomic_store_explicit(&rd.asked, 0, memory_order_relaxed);
	atomic_store_explicit(&rd.answered, 0, memory_order_relaxed);
	rd.asklock = (struct gs_lock){ 0 };
}
