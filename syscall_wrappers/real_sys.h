/* The C library's definitions of the blocking calls syscall_wrappers/ brackets with
 * entersyscall/exitsyscall, resolved once with dlsym(RTLD_NEXT). */
#ifndef GS_REAL_SYS_H
#define GS_REAL_SYS_H

#include "decls.h"

struct gs_real_sys {
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pread64)(int, void *, size_t, off64_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*pwrite64)(int, const void *, size_t, off64_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*preadv)(int, const struct iovec *, int, off_t);
	ssize_t (*preadv64)(int, const struct iovec *, int, off64_t);
	ssize_t (*pwritev)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev64)(int, const struct iovec *, int, off64_t);
	ssize_t (*preadv2)(int, const struct iovec *, int, off_t, int);
	ssize_t (*pwritev2)(int, const struct iovec *, int, off_t, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*sendfile64)(int, int, off64_t *, size_t);
	ssize_t (*splice)(int, off64_t *, int, off64_t *, size_t, unsigned int);
	ssize_t (*copy_file_range)(int, off64_t *, int, off64_t *, size_t, unsigned int);
	int (*creat)(const char *, mode_t);
	int (*creat64)(const char *, mode_t);
	int (*fsync)(int);
	int (*fdatasync)(int);
	int (*sync_file_range)(int, off64_t, off64_t, unsigned int);
	int (*flock)(int, int);
	int (*lockf)(int, int, off_t);
	int (*lockf64)(int, int, off64_t);
	ssize_t (*__read_chk)(int, void *, size_t, size_t);
	ssize_t (*__pread_chk)(int, void *, size_t, off_t, size_t);
	ssize_t (*__pread64_chk)(int, void *, size_t, off64_t, size_t);
	pid_t (*wait)(int *);
	pid_t (*waitpid)(pid_t, int *, int);
	pid_t (*wait3)(int *, int, struct rusage *);
	pid_t (*wait4)(pid_t, int *, int, struct rusage *);
	int (*waitid)(idtype_t, id_t, siginfo_t *, int);
	long (*ptrace)(int, pid_t, void *, void *);
	int (*system)(const char *);
	int (*pclose)(FILE *);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	int (*getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
	struct hostent * (*gethostbyname)(const char *);
	struct hostent * (*gethostbyname2)(const char *, int);
	struct hostent * (*gethostbyaddr)(const void *, socklen_t, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **, int *);
	int (*gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t, struct hostent **, int *);
	int (*gethostbyaddr_r)(const void *, socklen_t, int, struct hostent *, char *, size_t, struct hostent **, int *);
	ssize_t (*msgrcv)(int, void *, size_t, long, int);
	int (*msgsnd)(int, const void *, size_t, int);
	int (*semop)(int, struct sembuf *, size_t);
	int (*semtimedop)(int, struct sembuf *, size_t, const struct timespec *);
	ssize_t (*mq_receive)(mqd_t, char *, size_t, unsigned int *);
	int (*mq_send)(mqd_t, const char *, size_t, unsigned int);
	ssize_t (*mq_timedreceive)(mqd_t, char *, size_t, unsigned int *, const struct timespec *);
	int (*mq_timedsend)(mqd_t, const char *, size_t, unsigned int, const struct timespec *);
	int (*sigwait)(const sigset_t *, int *);
	int (*sigwaitinfo)(const sigset_t *, siginfo_t *);
	int (*sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
	int (*sigsuspend)(const sigset_t *);
	int (*pause)(void);
	unsigned int (*sleep)(unsigned int);
	int (*nanosleep)(const struct timespec *, struct timespec *);
	int (*clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*__poll_chk)(struct pollfd *, nfds_t, int, size_t);
	int (*__ppoll_chk)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *, const sigset_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	ssize_t (*__recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*__recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
};

extern struct gs_real_sys gs_real_sys;

/* gs_real_sys_resolve fills gs_real_sys; called by the constructor and, idempotently, by
 * real_sys() before it. */
void gs_real_sys_resolve(void);

/* real_sys returns the resolved table, resolving it first if need be. */
static inline struct gs_real_sys *real_sys(void)
{
	extern _Atomic int gs_real_sys_ready;

	if (__builtin_expect(!atomic_load_explicit(&gs_real_sys_ready, memory_order_acquire), 0))
		gs_real_sys_resolve();
	return &gs_real_sys;
}

#endif
