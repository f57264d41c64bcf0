/* poll, select and epoll_wait: a G waiting on fds goshim knows parks on the netpoller
 * until one of them may be ready or the timeout passes; each time, the kernel is asked
 * again without waiting, so the result is the kernel's own. A wait that involves an fd
 * goshim does not know, or a signal mask, takes the tier-2 path. May call: runtime,
 * fdtab, blocking, raw system calls. */
#define _GNU_SOURCE
#include <string.h>

#include "../runtime/proc.h"
#include "../runtime/sigmask.h"
#include "../runtime/sys.h"
#include "../runtime/timer.h"
#include "blocking.h"
#include "fdtab.h"
#include "real_sys.h"
#include "syscall_wrappers.h"

#define LOCAL_FDS 16
#define NOT_PARKED (-4095l)

/* A wait on several fds at once: one pollwait, a node per fd. */
struct multi {
	struct gs_pollwait w;
	struct gs_fdent **ents;
	struct gs_pollnode *nodes;
	int n;
	struct gs_fdent *ents_local[LOCAL_FDS];
	struct gs_pollnode nodes_local[LOCAL_FDS];
};

static void multi_end(struct multi *m)
{
	for (int i = 0; i < m->n; i++) {
		gs_fd_unwatch(m->ents[i], &m->nodes[i]);
		gs_fd_put(m->ents[i]);
	}
	if (m->ents != m->ents_local) {
		free(m->ents);
		free(m->nodes);
	}
}

/* multi_begin watches each fd for its events; false (nothing held) if some fd is not
 * goshim's or memory is short. */
static bool multi_begin(struct multi *m, const int *fds, const uint32_t *events, int n)
{
	m->n = 0;
	atomic_store_explicit(&m->w.fired, 0, memory_order_relaxed);
	m->ents = m->ents_local;
	m->nodes = m->nodes_local;
	if (n > LOCAL_FDS) {
		m->ents = malloc((size_t)n * sizeof(*m->ents));
		m->nodes = malloc((size_t)n * sizeof(*m->nodes));
		if (m->ents == NULL || m->nodes == NULL) {
			free(m->ents);
			free(m->nodes);
			return false;
		}
	}
	for (int i = 0; i < n; i++) {
		struct gs_fdent *e = gs_fd_get(fds[i]);

		if (e == NULL) {
			multi_end(m);
			return false;
		}
		m->ents[m->n] = e;
		gs_fd_watch(e, &m->nodes[m->n], &m->w, events[i]);
		m->n++;
	}
	return true;
}

/* multi_wait parks until an fd may be ready (0), deadline (-ETIMEDOUT), or an fd cannot
 * be polled (another negative errno). */
static int multi_wait(struct multi *m, int64_t deadline, const char *reason)
{
	int r;

	for (int i = 0; i < m->n; i++) {
		if ((r = gs_fd_arm(m->ents[i])) < 0)
			return r;
	}
	r = gs_pollwait_park(&m->w, deadline, reason);
	atomic_store_explicit(&m->w.fired, 0, memory_order_relaxed);
	return r;
}

static uint32_t poll_events(short ev)
{
	return (ev & (POLLIN | POLLPRI | POLLRDHUP) ? GS_POLLIN : 0) |
	       (ev & POLLOUT ? GS_POLLOUT : 0) | EPOLLERR | EPOLLHUP;
}

/* poll_park is poll with a deadline (0: none), parked; NOT_PARKED if it cannot be. */
static long poll_park1(struct pollfd *fds, nfds_t n, int64_t deadline)
{
	int local[LOCAL_FDS] = { 0 }, *nums = local;
	uint32_t evlocal[LOCAL_FDS] = { 0 }, *evs = evlocal;
	struct multi m;
	int k = 0;
	long r = sys_call6(SYS_poll, (long)fds, (long)n, 0, 0, 0, 0);

	if (r != 0 || n > INT32_MAX)
		return r;
	if (n > LOCAL_FDS) {
		nums = malloc(n * sizeof(*nums));
		evs = malloc(n * sizeof(*evs));
		if (nums == NULL || evs == NULL) {
			free(nums);
			free(evs);
			return NOT_PARKED;
		}
	}
	for (nfds_t i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		nums[k] = fds[i].fd;
		evs[k++] = poll_events(fds[i].events);
	}
	bool ok = multi_begin(&m, nums, evs, k);

	if (nums != local) {
		free(nums);
		free(evs);
	}
	if (!ok)
		return NOT_PARKED;
	for (;;) {
		r = sys_call6(SYS_poll, (long)fds, (long)n, 0, 0, 0, 0);
		if (r != 0)
			break;
		int w = multi_wait(&m, deadline, "IO wait");

		if (w == -ETIMEDOUT)
			break;
		if (w < 0) {
			r = w == -EINTR ? -EINTR : NOT_PARKED;
			break;
		}
	}
	multi_end(&m);
	return r;
}

/* poll_park is a cancellation point: an interrupted wait acts on the cancellation holding
 * nothing, then goes on; one interrupted by a signal handler fails with EINTR. */
static long poll_park(struct pollfd *fds, nfds_t n, int64_t deadline)
{
	long r;

	bool restart;

	gs_hooks.testcancel();
	while ((r = poll_park1(fds, n, deadline)) == -EINTR) {
		gs_hooks.testcancel();
		/* a signal handler: EINTR, whatever SA_RESTART says, as natively */
		if (gs_signal_take(getg(), &restart))
			break;
	}
	return r;
}

/* ms_deadline is poll's timeout as a deadline: 0 for none. */
static int64_t ms_deadline(int timeout)
{
	return timeout < 0 ? 0 : gs_nanotime() + timeout * 1000000ll + (timeout == 0);
}

static int64_t ts_deadline(const struct timespec *ts)
{
	return ts == NULL ? 0 : gs_nanotime() + ts->tv_sec * 1000000000ll + ts->tv_nsec + 1;
}

static bool valid_ts(const struct timespec *ts)
{
	return ts == NULL || (ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000);
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	long r;

	if (timeout == 0 || !gs_parkable() ||
	    (r = poll_park(fds, n, ms_deadline(timeout))) == NOT_PARKED)
		return gs_t2_poll(fds, n, timeout);
	return (int)gs_ret(r);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	long r;

	if (mask || !valid_ts(ts) || (ts && ts->tv_sec == 0 && ts->tv_nsec == 0) ||
	    !gs_parkable() || (r = poll_park(fds, n, ts_deadline(ts))) == NOT_PARKED)
		return gs_t2_ppoll(fds, n, ts, mask);
	return (int)gs_ret(r);
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		return real_sys()->__poll_chk(fds, n, timeout, fdslen);	/* reports it */
	return poll(fds, n, timeout);
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask,
		size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		return real_sys()->__ppoll_chk(fds, n, ts, mask, fdslen);
	return ppoll(fds, n, ts, mask);
}

/* select_park is select with a deadline (0: none), parked; NOT_PARKED if it cannot be.
 * Each try is the kernel's select on fresh copies of the sets. */
static long select_park1(int n, fd_set *rd, fd_set *wr, fd_set *ex, int64_t deadline)
{
	fd_set r0, w0, e0;
	int local[LOCAL_FDS] = { 0 }, *nums = local;
	uint32_t evlocal[LOCAL_FDS] = { 0 }, *evs = evlocal;
	struct multi m;
	int k = 0;
	long r = 0;
	bool ok;

	if (n < 0 || n > FD_SETSIZE)
		return NOT_PARKED;
	if (rd)
		r0 = *rd;
	if (wr)
		w0 = *wr;
	if (ex)
		e0 = *ex;
	for (int fd = 0; fd < n; fd++) {
		uint32_t ev = (rd && FD_ISSET(fd, rd) ? GS_POLLIN : 0) |
			      (wr && FD_ISSET(fd, wr) ? GS_POLLOUT : 0) |
			      (ex && FD_ISSET(fd, ex) ? (uint32_t)EPOLLPRI : 0);

		if (ev == 0)
			continue;
		if (k == LOCAL_FDS && nums == local) {
			nums = malloc((size_t)n * sizeof(*nums));
			evs = malloc((size_t)n * sizeof(*evs));
			if (nums == NULL || evs == NULL) {
				free(nums);
				free(evs);
				return NOT_PARKED;
			}
			memcpy(nums, local, sizeof(local));
			memcpy(evs, evlocal, sizeof(evlocal));
		}
		nums[k] = fd;
		evs[k++] = ev | EPOLLERR | EPOLLHUP;
	}
	ok = multi_begin(&m, nums, evs, k);
	if (nums != local) {
		free(nums);
		free(evs);
	}
	if (!ok)
		return NOT_PARKED;
	for (;;) {
		struct timeval zero = { 0, 0 };

		if (rd)
			*rd = r0;
		if (wr)
			*wr = w0;
		if (ex)
			*ex = e0;
		r = sys_call6(SYS_select, n, (long)rd, (long)wr, (long)ex, (long)&zero, 0);
		if (r != 0)
			break;
		int w = multi_wait(&m, deadline, "select");

		if (w == -ETIMEDOUT)
			break;
		if (w < 0) {
			r = w == -EINTR ? -EINTR : NOT_PARKED;
			if (rd)
				*rd = r0;
			if (wr)
				*wr = w0;
			if (ex)
				*ex = e0;
			break;
		}
	}
	multi_end(&m);
	return r;
}

/* select_park is a cancellation point: an interrupted wait acts on the cancellation holding
 * nothing, then goes on; one interrupted by a signal handler fails with EINTR. */
static long select_park(int n, fd_set *rd, fd_set *wr, fd_set *ex, int64_t deadline)
{
	long r;

	bool restart;

	gs_hooks.testcancel();
	while ((r = select_park1(n, rd, wr, ex, deadline)) == -EINTR) {
		gs_hooks.testcancel();
		/* a signal handler: EINTR, whatever SA_RESTART says, as natively */
		if (gs_signal_take(getg(), &restart))
			break;
	}
	return r;
}

int select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	int64_t deadline;
	long r;

	if ((tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)) ||
	    (tv && tv->tv_sec == 0 && tv->tv_usec == 0) || !gs_parkable())
		return gs_t2_select(n, rd, wr, ex, tv);
	deadline = tv ? gs_nanotime() + tv->tv_sec * 1000000000ll + tv->tv_usec * 1000ll + 1 : 0;
	r = select_park(n, rd, wr, ex, deadline);
	if (r == NOT_PARKED)
		return gs_t2_select(n, rd, wr, ex, tv);
	if (tv) {	/* Linux reports the time left */
		int64_t left = deadline - gs_nanotime();

		left = left > 0 ? left : 0;
		tv->tv_sec = left / 1000000000ll;
		tv->tv_usec = (left % 1000000000ll) / 1000;
	}
	return (int)gs_ret(r);
}

int pselect(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
	    const sigset_t *mask)
{
	long r;

	if (mask || !valid_ts(ts) || (ts && ts->tv_sec == 0 && ts->tv_nsec == 0) ||
	    !gs_parkable() || (r = select_park(n, rd, wr, ex, ts_deadline(ts))) == NOT_PARKED)
		return gs_t2_pselect(n, rd, wr, ex, ts, mask);
	return (int)gs_ret(r);
}

/* epoll_park waits on the program's own epoll instance, which is itself pollable. */
static long epoll_park1(int ep, struct epoll_event *ev, int max, int64_t deadline)
{
	struct gs_fdent *e = gs_fd_get(ep);
	struct gs_fdwait fw;
	long r;

	if (e == NULL || e->file->kind != FDepoll) {
		if (e)
			gs_fd_put(e);
		return NOT_PARKED;
	}
	gs_fd_wait_begin(e, &fw, GS_POLLIN, NULL);
	for (;;) {
		r = sys_call6(SYS_epoll_pwait, gs_fd_enter(e), (long)ev, max, 0, 0, 8);
		gs_fd_leave(e);
		if (r != 0)
			break;
		int w = gs_fd_wait(e, &fw, deadline, "IO wait");

		if (w == -ETIMEDOUT)
			break;
		if (w < 0) {
			r = w == -EINTR ? -EINTR : NOT_PARKED;
			break;
		}
	}
	gs_fd_wait_end(e, &fw);
	gs_fd_put(e);
	return r;
}

/* epoll_park is a cancellation point: an interrupted wait acts on the cancellation holding
 * nothing, then goes on; one interrupted by a signal handler fails with EINTR. */
static long epoll_park(int ep, struct epoll_event *ev, int max, int64_t deadline)
{
	long r;

	bool restart;

	gs_hooks.testcancel();
	while ((r = epoll_park1(ep, ev, max, deadline)) == -EINTR) {
		gs_hooks.testcancel();
		/* a signal handler: EINTR, whatever SA_RESTART says, as natively */
		if (gs_signal_take(getg(), &restart))
			break;
	}
	return r;
}

int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	long r;

	if (timeout == 0 || !gs_parkable() ||
	    (r = epoll_park(ep, ev, max, ms_deadline(timeout))) == NOT_PARKED)
		return gs_t2_epoll_wait(ep, ev, max, timeout);
	return (int)gs_ret(r);
}

int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	long r;

	if (mask || timeout == 0 || !gs_parkable() ||
	    (r = epoll_park(ep, ev, max, ms_deadline(timeout))) == NOT_PARKED)
		return gs_t2_epoll_pwait(ep, ev, max, timeout, mask);
	return (int)gs_ret(r);
}

int epoll_pwait2(int ep, struct epoll_event *ev, int max, const struct timespec *ts,
		 const sigset_t *mask)
{
	long r;

	if (mask || !valid_ts(ts) || (ts && ts->tv_sec == 0 && ts->tv_nsec == 0) ||
	    !gs_parkable() || (r = epoll_park(ep, ev, max, ts_deadline(ts))) == NOT_PARKED)
		return gs_t2_epoll_pwait2(ep, ev, max, ts, mask);
	return (int)gs_ret(r);
}
