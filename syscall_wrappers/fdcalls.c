/* The calls that create, duplicate, configure and close the fds the netpoller parks Gs
 * on, keeping the fd table (fdtab.h) in step with the kernel's. None changes what the
 * program sees: every call is made as the program asked, and goshim only takes notes.
 * The netpoller's own fds are invisible to close, close_range and closefrom. May call:
 * runtime (netpoll), fdtab, raw system calls, the C library's fclose and closefrom. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/close_range.h>
#include <stdarg.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "../runtime/pagemap.h"
#include "../runtime/sys.h"
#include "fdtab.h"
#include "real_sys.h"
#include "syscall_wrappers.h"

static int made(long r, enum fdkind kind, bool nonblock)
{
	if (r >= 0)
		gs_fd_new((int)r, kind, nonblock);
	return (int)gs_ret(r);
}

int socket(int domain, int type, int proto)
{
	long r = sys_call6(SYS_socket, domain, type, proto, 0, 0, 0);

	return made(r, (type & 0xf) == SOCK_STREAM ? FDstream : FDsocket, type & SOCK_NONBLOCK);
}

int socketpair(int domain, int type, int proto, int sv[2])
{
	long r = sys_call6(SYS_socketpair, domain, type, proto, (long)sv, 0, 0);

	if (r == 0) {
		made(sv[0], (type & 0xf) == SOCK_STREAM ? FDstream : FDsocket, type & SOCK_NONBLOCK);
		made(sv[1], (type & 0xf) == SOCK_STREAM ? FDstream : FDsocket, type & SOCK_NONBLOCK);
		gs_fd_pair(sv[0], sv[1]);
	}
	return (int)gs_ret(r);
}

int pipe2(int fds[2], int flags)
{
	long r = sys_call6(SYS_pipe2, (long)fds, flags, 0, 0, 0, 0);

	if (r == 0) {
		made(fds[0], FDpipe, flags & O_NONBLOCK);
		made(fds[1], FDpipe, flags & O_NONBLOCK);
		gs_fd_pair(fds[0], fds[1]);
	}
	return (int)gs_ret(r);
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

int eventfd(unsigned int init, int flags)
{
	return made(sys_call6(SYS_eventfd2, init, flags, 0, 0, 0, 0), FDevent, flags & EFD_NONBLOCK);
}

int timerfd_create(int clock, int flags)
{
	return made(sys_call6(SYS_timerfd_create, clock, flags, 0, 0, 0, 0), FDevent,
		    flags & TFD_NONBLOCK);
}

int signalfd(int fd, const sigset_t *mask, int flags)
{
	long r = sys_call6(SYS_signalfd4, fd, (long)mask, _NSIG / 8, flags, 0, 0);

	if (fd != -1)	/* a new mask for an existing signalfd */
		return (int)gs_ret(r);
	return made(r, FDevent, flags & SFD_NONBLOCK);
}

int inotify_init1(int flags)
{
	return made(sys_call6(SYS_inotify_init1, flags, 0, 0, 0, 0, 0), FDevent,
		    flags & IN_NONBLOCK);
}

int inotify_init(void)
{
	return inotify_init1(0);
}

int epoll_create1(int flags)
{
	return made(sys_call6(SYS_epoll_create1, flags, 0, 0, 0, 0, 0), FDepoll, false);
}

int epoll_create(int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	return epoll_create1(0);
}

int dup(int fd)
{
	long r = sys_call6(SYS_dup, fd, 0, 0, 0, 0, 0);

	if (r >= 0)
		gs_fd_dup(fd, (int)r);
	return (int)gs_ret(r);
}

int dup3(int oldfd, int newfd, int flags)
{
	long r;

	if (oldfd != newfd)
		gs_fd_close(newfd);
	r = sys_call6(SYS_dup3, oldfd, newfd, flags, 0, 0, 0);
	if (r >= 0)
		gs_fd_dup(oldfd, newfd);
	return (int)gs_ret(r);
}

int dup2(int oldfd, int newfd)
{
	long r;

	if (oldfd == newfd)	/* dup3 refuses this; dup2 checks oldfd is open */
		return (int)gs_ret(sys_call6(SYS_fcntl, oldfd, F_GETFD, 0, 0, 0, 0) < 0
					 ? -EBADF
					 : newfd);
	gs_fd_close(newfd);
	r = sys_call6(SYS_dup2, oldfd, newfd, 0, 0, 0, 0);
	if (r >= 0)
		gs_fd_dup(oldfd, newfd);
	return (int)gs_ret(r);
}

/* own_fds stores goshim's own fds (the netpoller's two, the pagemap's) in fds, lowest
 * first: how many. The program may not close them. */
static int own_fds(int fds[3])
{
	int n = gs_netpoll_fds(fds), pm = gs_pagemap_fd(), i;

	if (pm < 0)
		return n;
	for (i = n; i > 0 && fds[i - 1] > pm; i--)
		fds[i] = fds[i - 1];
	fds[i] = pm;
	return n + 1;
}

int close(int fd)
{
	int own[3], n = own_fds(own);
	long r;

	for (int i = 0; i < n; i++) {
		if (own[i] != fd)
			continue;
		errno = EBADF;
		return -1;
	}
	gs_fd_close(fd);
	if (gs_enter()) {	/* a socket with SO_LINGER may block in close */
		r = sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
		gs_leave();
	} else {
		r = sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
	}
	/* Linux frees the number even when close reports an error */
	return r == -EINTR ? 0 : (int)gs_ret(r);
}

/* close_range1 closes [first, last], which holds none of goshim's own fds. */
static long close_range1(unsigned int first, unsigned int last, unsigned int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		gs_fd_close_range(first, last);
	return sys_call6(SYS_close_range, first, last, flags, 0, 0, 0);
}

int close_range(unsigned int first, unsigned int last, int flags)
{
	int own[3], n = own_fds(own);
	unsigned int lo = first;
	long r = 0;

	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		unsigned int o = (unsigned int)own[i];

		if (o < lo || o > last)
			continue;
		if (o > lo && (r = close_range1(lo, o - 1, (unsigned int)flags)) < 0)
			return (int)gs_ret(r);
		lo = o + 1;
	}
	if (lo <= last)
		r = close_range1(lo, last, (unsigned int)flags);
	return (int)gs_ret(r);
}

void closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	close_range((unsigned int)lowfd, ~0u, 0);
}

int fclose(FILE *f)
{
	static int (*real_fclose)(FILE *);
	int fd = fileno(f);

	if (real_fclose == NULL)
		real_fclose = (int (*)(FILE *))dlsym(RTLD_NEXT, "fclose");
	/* the C library closes the fd behind goshim's back */
	if (fd >= 0)
		gs_fd_close(fd);
	return real_fclose(f);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	long r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	r = sys_call6(SYS_ioctl, fd, (long)req, (long)arg, 0, 0, 0);
	if (r == 0 && req == FIONBIO) {
		struct gs_fdent *e = gs_fd_get(fd);

		if (e) {
			atomic_store_explicit(&e->file->nonblock, *(int *)arg != 0,
					      memory_order_relaxed);
			gs_fd_put(e);
		}
	}
	return (int)gs_ret(r);
}

int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	long r = sys_call6(SYS_setsockopt, fd, level, opt, (long)val, len, 0);
	struct gs_fdent *e;

	if (r == 0 && level == SOL_SOCKET &&
	    (opt == SO_RCVTIMEO_OLD || opt == SO_RCVTIMEO_NEW || opt == SO_SNDTIMEO_OLD ||
	     opt == SO_SNDTIMEO_NEW) &&
	    len >= sizeof(struct timeval) && (e = gs_fd_get(fd))) {
		const struct timeval *tv = val;
		int64_t ns = tv->tv_sec * 1000000000ll + tv->tv_usec * 1000ll;

		atomic_store_explicit(opt == SO_RCVTIMEO_OLD || opt == SO_RCVTIMEO_NEW
					      ? &e->file->rcvtimeo
					      : &e->file->sndtimeo,
				      ns, memory_order_relaxed);
		gs_fd_put(e);
	}
	return (int)gs_ret(r);
}
