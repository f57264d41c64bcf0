/* The tier-2 versions of the calls the netpoller parks: for fds goshim does not know, the
 * C library's call bracketed by entersyscall/exitsyscall (blocking.c). */
#ifndef GS_BLOCKING_H
#define GS_BLOCKING_H

#include "decls.h"

ssize_t gs_t2_read(int fd, void *buf, size_t n);
ssize_t gs_t2_write(int fd, const void *buf, size_t n);
ssize_t gs_t2_readv(int fd, const struct iovec *iov, int cnt);
ssize_t gs_t2_writev(int fd, const struct iovec *iov, int cnt);
unsigned int gs_t2_sleep(unsigned int s);
int gs_t2_nanosleep(const struct timespec *req, struct timespec *rem);
int gs_t2_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem);
int gs_t2_poll(struct pollfd *fds, nfds_t n, int timeout);
int gs_t2_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask);
int gs_t2_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv);
int gs_t2_pselect(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
	const sigset_t *mask);
int gs_t2_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout);
int gs_t2_epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask);
int gs_t2_epoll_pwait2(int ep, struct epoll_event *ev, int max, const struct timespec *ts,
	const sigset_t *mask);
int gs_t2_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int gs_t2_connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t gs_t2_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len);
ssize_t gs_t2_recvmsg(int fd, struct msghdr *msg, int flags);
int gs_t2_recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *ts);
ssize_t gs_t2_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
	socklen_t len);
ssize_t gs_t2_sendmsg(int fd, const struct msghdr *msg, int flags);
int gs_t2_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);

#endif
