/* Reads, writes, sends, receives, accept and connect on the fds goshim knows (fdtab.h):
 * each call is tried without blocking and, where it would block, the G parks on the
 * netpoller until the fd is ready (DESIGN.md "Three tiers of blocking", tier 1). Calls on
 * other fds, and calls from threads that are not Gs (the kernel's file is blocking, as
 * the program made it), take the C library's path. May call: runtime, fdtab, blocking,
 * raw system calls. */
#define _GNU_SOURCE
#include <limits.h>
#include <string.h>

#include "../runtime/proc.h"
#include "../runtime/sema.h"
#include "../runtime/sigmask.h"
#include "../runtime/sys.h"
#include "blocking.h"
#include "fdtab.h"
#include "real_sys.h"
#include "syscall_wrappers.h"

#define IOV_LOCAL 16

/* The arguments of one call, and how far a call that goes on to the end has come. */
struct io {
	struct iovec *iov;		/* the part still to do */
	int iovcnt;
	int flags;			/* MSG_* for sockets */
	struct sockaddr *addr;		/* recvfrom/sendto/recvmsg/sendmsg */
	socklen_t *addrlen;
	socklen_t addrlen_in;
	struct msghdr *msg;		/* recvmsg/sendmsg: the caller's header */
	size_t done;
	struct iovec *iovbuf;		/* copy_iov's allocation, if any */
};

/* poll0 asks the kernel, without waiting, whether fd has events. */
static long poll0(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	long r = sys_call6(SYS_poll, (long)&p, 1, 0, 0, 0, 0);

	return r < 0 ? r : r > 0;
}

/* nowait_rw makes one non-blocking read or write of an fd that is not a socket: with
 * RWF_NOWAIT where the kernel takes it, else a blocking call once poll says the fd is
 * ready (another reader may still win the race; then the M blocks, as a tier-2 call). */
static long nowait_rw(struct gs_fdent *e, int fd, struct io *a, bool wr)
{
	long r;

	if (!atomic_load_explicit(&e->file->nowait_broken, memory_order_relaxed)) {
		r = sys_call6(wr ? SYS_pwritev2 : SYS_preadv2, fd, (long)a->iov, a->iovcnt, -1, 0,
			      RWF_NOWAIT);
		if (r != -EOPNOTSUPP && r != -EINVAL)
			return r;
		atomic_store_explicit(&e->file->nowait_broken, true, memory_order_relaxed);
	}
	r = poll0(fd, wr ? POLLOUT : POLLIN);
	if (r <= 0)
		return r == 0 ? -EAGAIN : r;
	if (gs_enter()) {
		r = sys_call6(wr ? SYS_writev : SYS_readv, fd, (long)a->iov, a->iovcnt, 0, 0, 0);
		gs_leave();
	} else {
		r = sys_call6(wr ? SYS_writev : SYS_readv, fd, (long)a->iov, a->iovcnt, 0, 0, 0);
	}
	return r;
}

static bool is_socket(struct gs_fdent *e)
{
	return e->file->kind == FDstream || e->file->kind == FDsocket;
}

/* try_io makes one attempt, without blocking. Returns bytes or a negative errno. */
static long try_io(struct gs_fdent *e, int fd, struct io *a, bool wr)
{
	struct msghdr m = { 0 };

	if (!is_socket(e))
		return e->file->kind == FDepoll
			       ? sys_call6(wr ? SYS_writev : SYS_readv, fd, (long)a->iov, a->iovcnt,
					   0, 0, 0)
			       : nowait_rw(e, fd, a, wr);
	if (!a->msg && a->iovcnt == 1) {	/* the kernel's cheaper path: no msghdr to copy */
		socklen_t len = a->addrlen_in;
		int flags = (a->flags & ~MSG_WAITALL) | MSG_DONTWAIT;
		long r;

		if (wr)
			return sys_call6(SYS_sendto, fd, (long)a->iov->iov_base,
					 (long)a->iov->iov_len, flags, (long)a->addr,
					 a->addr ? a->addrlen_in : 0);
		r = sys_call6(SYS_recvfrom, fd, (long)a->iov->iov_base, (long)a->iov->iov_len,
			      flags, a->addrlen ? (long)a->addr : 0, a->addrlen ? (long)&len : 0);
		if (r >= 0 && a->addrlen)
			*a->addrlen = len;
		return r;
	}
	if (a->msg) {
		m = *a->msg;
		if (a->done) {		/* ancillary data went with the first part */
			m.msg_control = NULL;
			m.msg_controllen = 0;
		}
	} else {
		m.msg_name = a->addr;
		m.msg_namelen = a->addrlen ? a->addrlen_in : (wr && a->addr ? a->addrlen_in : 0);
	}
	m.msg_iov = a->iov;
	m.msg_iovlen = (size_t)a->iovcnt;
	long r = sys_call6(wr ? SYS_sendmsg : SYS_recvmsg, fd, (long)&m,
			   (a->flags & ~MSG_WAITALL) | MSG_DONTWAIT, 0, 0, 0);
	if (r >= 0 && !wr) {
		if (a->msg) {
			a->msg->msg_namelen = m.msg_namelen;
			a->msg->msg_controllen = m.msg_controllen;
			a->msg->msg_flags = m.msg_flags;
		} else if (a->addrlen) {
			*a->addrlen = m.msg_namelen;
		}
	}
	return r;
}

/* advance moves a's iovec past n more bytes done. */
static void advance(struct io *a, size_t n)
{
	a->done += n;
	while (a->iovcnt > 0 && n >= a->iov->iov_len) {
		n -= a->iov->iov_len;
		a->iov++;
		a->iovcnt--;
	}
	if (a->iovcnt > 0) {
		a->iov->iov_base = (char *)a->iov->iov_base + n;
		a->iov->iov_len -= n;
	}
}

/* A call's wait for its fd, across the tries it makes. */
struct wait {
	struct gs_fdwait fw;
	bool waiting;		/* listening on the fd: fw is on its list */
	int64_t deadline;
};

/* not_ready is the step a call takes when a try found e not ready (seq read before that
 * try): it starts listening the first time, then parks. 0: try again; otherwise what the
 * call ends with: -EAGAIN at the deadline, -EINTR when interrupted, GS_NOPOLL if e
 * cannot be polled. wait_end stops listening. */
#define GS_NOPOLL (-4095l)
static long not_ready(struct gs_fdent *e, struct wait *wt, uint32_t events, uint32_t seq,
		      int64_t timeout)
{
	int w;

	if (!wt->waiting) {
		wt->waiting = true;
		wt->deadline = gs_fd_deadline(timeout);
		if (gs_fd_wait_begin(e, &wt->fw, events, &seq))
			return 0;	/* an event since the try */
	}
	w = gs_fd_wait(e, &wt->fw, wt->deadline, "IO wait");
	if (w == 0)
		return 0;
	return w == -ETIMEDOUT ? -EAGAIN : w == -EINTR ? -EINTR : GS_NOPOLL;
}

static void wait_end(struct gs_fdent *e, struct wait *wt)
{
	if (wt->waiting)
		gs_fd_wait_end(e, &wt->fw);
}

/* io_wait runs the call as the program's blocking call would run: it parks while the fd
 * is not ready and, for a write to a stream (or a MSG_WAITALL read), goes on until every
 * byte is done. Returns bytes or a negative errno; GS_NOPOLL if the fd turned out not to
 * be pollable (a stale entry): the caller then takes the tier-2 path; -EINTR if the G was
 * interrupted (a cancellation) before anything was done. */
static long io_wait(struct gs_fdent *e, struct io *a, bool wr)
{
	bool all = wr ? (e->file->kind == FDstream || e->file->kind == FDpipe)
		      : (e->file->kind == FDstream && (a->flags & MSG_WAITALL));
	bool nonblock = atomic_load_explicit(&e->file->nonblock, memory_order_relaxed) ||
			(a->flags & MSG_DONTWAIT);
	int64_t timeout = atomic_load_explicit(wr ? &e->file->sndtimeo : &e->file->rcvtimeo,
					       memory_order_relaxed);
	struct wait wt = { .waiting = false };
	long r;

	for (;;) {
		uint32_t seq = gs_fd_seq(e);

		r = try_io(e, gs_fd_enter(e), a, wr);
		gs_fd_leave(e);
		if (r > 0)
			gs_fd_poke_peer(e, wr);
		if (r > 0 && all) {
			advance(a, (size_t)r);
			if (a->iovcnt > 0)
				continue;
			break;
		}
		if (r != -EAGAIN || nonblock)
			break;
		long w = not_ready(e, &wt, wr ? GS_POLLOUT : GS_POLLIN, seq, timeout);

		if (w != 0) {
			r = w;
			break;
		}
	}
	wait_end(e, &wt);
	if (all && a->done > 0 && (r <= 0 || a->iovcnt == 0))
		return (long)a->done;
	return r;
}

/* copy_iov gives a a private copy of iov that advance may change; false if it cannot
 * (a bad count, left for the kernel to refuse, or no memory). */
static bool copy_iov(struct io *a, struct iovec *local, const struct iovec *iov, int cnt)
{
	if (cnt < 0 || cnt > IOV_MAX)
		return false;
	a->iovbuf = cnt <= IOV_LOCAL ? NULL : malloc((size_t)cnt * sizeof(*iov));
	a->iov = cnt <= IOV_LOCAL ? local : a->iovbuf;
	if (a->iov == NULL)
		return false;
	if (cnt)
		memcpy(a->iov, iov, (size_t)cnt * sizeof(*iov));
	a->iovcnt = cnt;
	return true;
}

/* entry is fd's entry if the caller is a G that may park, or NULL. */
static struct gs_fdent *entry(int fd)
{
	return gs_parkable() ? gs_fd_get(fd) : NULL;
}

/* interrupted acts on what interrupted a parked call: a cancellation (which unwinds), or
 * a signal handler that ran in the G's place: true if the call must then fail with EINTR
 * (its handler did not ask for SA_RESTART). */
static bool interrupted(void)
{
	bool restart;

	gs_hooks.testcancel();
	return gs_signal_take(getg(), &restart) != 0 && !restart;
}

/* run makes the call and drops e; GS_NOPOLL sends the caller to the tier-2 path. A
 * cancellation point: it acts on a cancellation holding nothing, then goes on. */
static long run(struct gs_fdent *e, int fd, struct io *a, bool wr)
{
	long r;

	gs_hooks.testcancel();
	while ((r = io_wait(e, a, wr)) == -EINTR) {
		gs_fd_put(e);
		e = NULL;
		if (interrupted())
			break;
		if ((e = entry(fd)) == NULL) {
			r = GS_NOPOLL;
			break;
		}
	}
	if (e)
		gs_fd_put(e);
	free(a->iovbuf);
	if (r == GS_NOPOLL)
		gs_fd_forget(fd);
	return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct gs_fdent *e = entry(fd);
	struct iovec v = { buf, n };
	struct io a = { .iov = &v, .iovcnt = 1 };
	long r;

	if (e == NULL || (r = run(e, fd, &a, false)) == GS_NOPOLL)
		return gs_t2_read(fd, buf, n);
	return gs_ret(r);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	struct gs_fdent *e = entry(fd);
	struct iovec v = { (void *)buf, n };
	struct io a = { .iov = &v, .iovcnt = 1 };
	long r;

	if (e == NULL || (r = run(e, fd, &a, true)) == GS_NOPOLL)
		return gs_t2_write(fd, buf, n);
	return gs_ret(r);
}

static ssize_t rwv(int fd, const struct iovec *iov, int cnt, bool wr)
{
	struct gs_fdent *e = entry(fd);
	struct iovec local[IOV_LOCAL];
	struct io a = { 0 };
	long r;

	if (e && !copy_iov(&a, local, iov, cnt)) {
		gs_fd_put(e);
		e = NULL;
	}
	if (e == NULL || (r = run(e, fd, &a, wr)) == GS_NOPOLL)
		return wr ? gs_t2_writev(fd, iov, cnt) : gs_t2_readv(fd, iov, cnt);
	return gs_ret(r);
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	return rwv(fd, iov, cnt, false);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	return rwv(fd, iov, cnt, true);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len)
{
	struct gs_fdent *e = entry(fd);
	struct iovec v = { buf, n };
	struct io a = { .iov = &v, .iovcnt = 1, .flags = flags, .addr = addr, .addrlen = len };
	long r;

	if (e && !is_socket(e)) {
		gs_fd_put(e);
		e = NULL;
	}
	if (e && addr && len)
		a.addrlen_in = *len;
	else
		a.addr = NULL, a.addrlen = NULL;
	if (e == NULL || (r = run(e, fd, &a, false)) == GS_NOPOLL)
		return gs_t2_recvfrom(fd, buf, n, flags, addr, len);
	return gs_ret(r);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return recvfrom(fd, buf, n, flags, NULL, NULL);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
	       socklen_t len)
{
	struct gs_fdent *e = entry(fd);
	struct iovec v = { (void *)buf, n };
	struct io a = { .iov = &v, .iovcnt = 1, .flags = flags, .addr = (struct sockaddr *)addr,
			.addrlen_in = len };
	long r;

	if (e && !is_socket(e)) {
		gs_fd_put(e);
		e = NULL;
	}
	if (e == NULL || (r = run(e, fd, &a, true)) == GS_NOPOLL)
		return gs_t2_sendto(fd, buf, n, flags, addr, len);
	return gs_ret(r);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return sendto(fd, buf, n, flags, NULL, 0);
}

static ssize_t msg(int fd, struct msghdr *m, int flags, bool wr)
{
	struct gs_fdent *e = entry(fd);
	struct iovec local[IOV_LOCAL];
	struct io a = { .flags = flags, .msg = m };
	long r;

	if (e && (!is_socket(e) || m->msg_iovlen > INT_MAX ||
		  !copy_iov(&a, local, m->msg_iov, (int)m->msg_iovlen))) {
		gs_fd_put(e);
		e = NULL;
	}
	if (e == NULL || (r = run(e, fd, &a, wr)) == GS_NOPOLL)
		return wr ? gs_t2_sendmsg(fd, m, flags) : gs_t2_recvmsg(fd, m, flags);
	return gs_ret(r);
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	return msg(fd, m, flags, false);
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	return msg(fd, (struct msghdr *)m, flags, true);
}

/* mmsg makes recvmmsg and sendmmsg wait for the first message only; a blocking recvmmsg
 * natively waits for all n (README, compatibility). */
static int mmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, bool wr)
{
	struct gs_fdent *e = entry(fd);
	struct wait wt = { .waiting = false };
	bool nonblock;
	long r;

	if (e && !is_socket(e)) {
		gs_fd_put(e);
		e = NULL;
	}
	if (e == NULL)
		return wr ? gs_t2_sendmmsg(fd, v, n, flags) : gs_t2_recvmmsg(fd, v, n, flags, NULL);
	nonblock = atomic_load_explicit(&e->file->nonblock, memory_order_relaxed) ||
		   (flags & MSG_DONTWAIT);
	for (;;) {
		uint32_t seq = gs_fd_seq(e);

		r = sys_call6(wr ? SYS_sendmmsg : SYS_recvmmsg, gs_fd_enter(e), (long)v, n,
			      flags | MSG_DONTWAIT, 0, 0);
		gs_fd_leave(e);
		if (r != -EAGAIN || nonblock)
			break;
		long w = not_ready(e, &wt, wr ? GS_POLLOUT : GS_POLLIN, seq, 0);

		if (w != 0) {
			r = w == -EINTR ? -EINTR : r;	/* unpollable: the EAGAIN stands */
			break;
		}
	}
	wait_end(e, &wt);
	gs_fd_put(e);
	if (r == -EINTR) {
		if (interrupted()) {
			errno = EINTR;
			return -1;
		}
		return mmsg(fd, v, n, flags, wr);
	}
	return (int)gs_ret(r);
}

int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *ts)
{
	if (ts)		/* a timeout of its own: left to the kernel */
		return gs_t2_recvmmsg(fd, v, n, flags, ts);
	return mmsg(fd, v, n, flags, false);
}

int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	return mmsg(fd, v, n, flags, true);
}

static void turn_lock(struct gs_file *f)
{
	uint32_t c = 0;

	if (atomic_compare_exchange_strong_explicit(&f->turn, &c, 1, memory_order_acquire,
						    memory_order_relaxed))
		return;
	if (c != 2)
		c = atomic_exchange_explicit(&f->turn, 2, memory_order_acquire);
	while (c != 0) {
		gs_sema_wait(&f->turn, 2, GS_BITSET_ANY, 0);
		c = atomic_exchange_explicit(&f->turn, 2, memory_order_acquire);
	}
}

static void turn_unlock(struct gs_file *f)
{
	if (atomic_exchange_explicit(&f->turn, 0, memory_order_release) == 2)
		gs_sema_wake(&f->turn, 1, GS_BITSET_ANY);
}

/* try_accept accepts a connection if one is waiting, else -EAGAIN. The kernel has no
 * per-call non-blocking accept: poll first, one G at a time, so that Gs woken together
 * do not all block their Ms in accept for the one connection (another process sharing
 * the socket may still take it first; then the M blocks, as in a tier-2 call). */
static long try_accept(struct gs_fdent *e, int fd, struct sockaddr *addr, socklen_t *len,
		       int flags)
{
	long r;

	turn_lock(e->file);
	r = poll0(fd, POLLIN);
	if (r > 0 && gs_enter()) {
		r = sys_call6(SYS_accept4, fd, (long)addr, (long)len, flags, 0, 0);
		gs_leave();
	} else if (r == 0) {
		r = -EAGAIN;
	}
	turn_unlock(e->file);
	return r;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct gs_fdent *e = entry(fd);
	struct wait wt = { .waiting = false };
	bool nonblock;
	enum fdkind kind;
	long r;

	if (e && !is_socket(e)) {
		gs_fd_put(e);
		e = NULL;
	}
	if (e == NULL) {
		r = gs_t2_accept4(fd, addr, len, flags);
		if (r >= 0)
			gs_fd_forget((int)r);
		return (int)r;
	}
	kind = e->file->kind;
	nonblock = atomic_load_explicit(&e->file->nonblock, memory_order_relaxed);
	if (nonblock) {
		r = sys_call6(SYS_accept4, gs_fd_enter(e), (long)addr, (long)len, flags, 0, 0);
		gs_fd_leave(e);
	}
	for (; !nonblock;) {
		uint32_t seq = gs_fd_seq(e);

		r = try_accept(e, gs_fd_enter(e), addr, len, flags);
		gs_fd_leave(e);
		if (r != -EAGAIN)
			break;
		long w = not_ready(e, &wt, GS_POLLIN, seq,
				   atomic_load_explicit(&e->file->rcvtimeo, memory_order_relaxed));

		if (w != 0) {
			r = w == -EINTR ? -EINTR : -EAGAIN;
			break;
		}
	}
	wait_end(e, &wt);
	gs_fd_put(e);
	if (r == -EINTR) {
		if (interrupted()) {
			errno = EINTR;
			return -1;
		}
		return accept4(fd, addr, len, flags);
	}
	if (r >= 0)
		gs_fd_new((int)r, kind, flags & SOCK_NONBLOCK);
	return (int)gs_ret(r);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}

/* connect_wait waits for a non-blocking connect to finish: 0 or a negative errno. */
static long connect_wait(struct gs_fdent *e)
{
	struct gs_fdwait fw;
	int64_t deadline = gs_fd_deadline(
		atomic_load_explicit(&e->file->sndtimeo, memory_order_relaxed));
	socklen_t l = sizeof(int);
	int err = 0;
	long r;

	gs_fd_wait_begin(e, &fw, GS_POLLOUT, NULL);
	for (;;) {
		r = poll0(gs_fd_enter(e), POLLOUT);
		gs_fd_leave(e);
		if (r != 0)
			break;
		r = gs_fd_wait(e, &fw, deadline, "IO wait");
		if (r < 0) {
			r = r == -ETIMEDOUT ? -EINPROGRESS : r;
			break;
		}
	}
	gs_fd_wait_end(e, &fw);
	if (r < 0)
		return r;
	r = sys_call6(SYS_getsockopt, gs_fd_enter(e), SOL_SOCKET, SO_ERROR, (long)&err, (long)&l,
		      0);
	gs_fd_leave(e);
	return r < 0 ? r : -err;
}

/* connect runs an IP connect without blocking, the socket made non-blocking for the one
 * call (a socket being connected is not in use elsewhere), then waits for it. Other
 * families connect at once or wait for a peer's backlog: those take the tier-2 path. */
int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct gs_fdent *e = entry(fd);
	long r, fl;
	int sfd;

	if (e && (!is_socket(e) || addr == NULL || len < sizeof(sa_family_t) ||
		  (addr->sa_family != AF_INET && addr->sa_family != AF_INET6) ||
		  atomic_load_explicit(&e->file->nonblock, memory_order_relaxed))) {
		gs_fd_put(e);
		e = NULL;
	}
	if (e == NULL)
		return gs_t2_connect(fd, addr, len);
	sfd = gs_fd_enter(e);
	fl = sys_call6(SYS_fcntl, sfd, F_GETFL, 0, 0, 0, 0);
	if (fl >= 0)
		sys_call6(SYS_fcntl, sfd, F_SETFL, fl | O_NONBLOCK, 0, 0, 0);
	r = sys_call6(SYS_connect, sfd, (long)addr, len, 0, 0, 0);
	if (fl >= 0)
		sys_call6(SYS_fcntl, sfd, F_SETFL, fl, 0, 0, 0);
	gs_fd_leave(e);
	while (r == -EINPROGRESS && (r = connect_wait(e)) == -EINTR) {
		bool restart;

		gs_fd_put(e);
		gs_hooks.testcancel();	/* a cancellation point */
		/* a handler: EINTR, the connection goes on in the background (never
		 * restarted, as natively) */
		if (gs_signal_take(getg(), &restart)) {
			errno = EINTR;
			return -1;
		}
		if ((e = entry(fd)) == NULL)
			return gs_t2_connect(fd, addr, len);
		r = -EINPROGRESS;
	}
	gs_fd_put(e);
	return (int)gs_ret(r);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		return real_sys()->__read_chk(fd, buf, n, buflen);	/* reports the overflow */
	return read(fd, buf, n);
}

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	if (n > buflen)
		return real_sys()->__recv_chk(fd, buf, n, buflen, flags);
	return recv(fd, buf, n, flags);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *len)
{
	if (n > buflen)
		return real_sys()->__recvfrom_chk(fd, buf, n, buflen, flags, addr, len);
	return recvfrom(fd, buf, n, flags, addr, len);
}
