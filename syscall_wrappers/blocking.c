/* The blocking calls goshim does not park a G in: each is bracketed by entersyscall and
 * exitsyscall, so sysmon can hand the P to another M while the kernel blocks (DESIGN.md
 * "Three tiers of blocking", tier 2). The gs_t2_* functions are the same path for the calls
 * the netpoller parks (netio.c, poll.c, sleep.c) when the fd is not one it knows. A thread
 * that is not a G calls the C library directly. Calls that
 * fail with -1 and errno are retried when goshim's own preemption signal interrupted them
 * (EINTR the program would not have seen natively).
 * May call: runtime (syscall.h), real_sys. */
#define _GNU_SOURCE
#include "decls.h"
#include "real_sys.h"
#include "syscall_wrappers.h"

ssize_t gs_t2_read(int fd, void *buf, size_t n)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->read(fd, buf, n);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->read(fd, buf, n);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t gs_t2_write(int fd, const void *buf, size_t n)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->write(fd, buf, n);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->write(fd, buf, n);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->pread(fd, buf, n, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pread(fd, buf, n, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->pread64(fd, buf, n, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pread64(fd, buf, n, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->pwrite(fd, buf, n, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pwrite(fd, buf, n, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->pwrite64(fd, buf, n, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pwrite64(fd, buf, n, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t gs_t2_readv(int fd, const struct iovec *iov, int cnt)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->readv(fd, iov, cnt);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->readv(fd, iov, cnt);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t gs_t2_writev(int fd, const struct iovec *iov, int cnt)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->writev(fd, iov, cnt);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->writev(fd, iov, cnt);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->preadv(fd, iov, cnt, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->preadv(fd, iov, cnt, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->preadv64(fd, iov, cnt, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->preadv64(fd, iov, cnt, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->pwritev(fd, iov, cnt, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pwritev(fd, iov, cnt, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->pwritev64(fd, iov, cnt, off);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pwritev64(fd, iov, cnt, off);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->preadv2(fd, iov, cnt, off, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->preadv2(fd, iov, cnt, off, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->pwritev2(fd, iov, cnt, off, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pwritev2(fd, iov, cnt, off, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->sendfile(out, in, off, n);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sendfile(out, in, off, n);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t sendfile64(int out, int in, off64_t *off, size_t n)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->sendfile64(out, in, off, n);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sendfile64(out, in, off, n);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t splice(int in, off64_t *inoff, int out, off64_t *outoff, size_t n, unsigned int flags)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->splice(in, inoff, out, outoff, n, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->splice(in, inoff, out, outoff, n, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t copy_file_range(int in, off64_t *inoff, int out, off64_t *outoff, size_t n,
	unsigned int flags)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->copy_file_range(in, inoff, out, outoff, n, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->copy_file_range(in, inoff, out, outoff, n, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int creat(const char *path, mode_t mode)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->creat(path, mode);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->creat(path, mode);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int creat64(const char *path, mode_t mode)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->creat64(path, mode);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->creat64(path, mode);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int fsync(int fd)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->fsync(fd);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->fsync(fd);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int fdatasync(int fd)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->fdatasync(fd);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->fdatasync(fd);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->sync_file_range(fd, off, n, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sync_file_range(fd, off, n, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int flock(int fd, int op)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->flock(fd, op);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->flock(fd, op);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int lockf(int fd, int cmd, off_t len)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->lockf(fd, cmd, len);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->lockf(fd, cmd, len);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int lockf64(int fd, int cmd, off64_t len)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->lockf64(fd, cmd, len);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->lockf64(fd, cmd, len);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->__pread_chk(fd, buf, n, off, buflen);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->__pread_chk(fd, buf, n, off, buflen);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->__pread64_chk(fd, buf, n, off, buflen);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->__pread64_chk(fd, buf, n, off, buflen);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

pid_t wait(int *status)
{
	uint32_t sigs;
	pid_t r;

	if (!gs_enter())
		return real_sys()->wait(status);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->wait(status);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	uint32_t sigs;
	pid_t r;

	if (!gs_enter())
		return real_sys()->waitpid(pid, status, options);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->waitpid(pid, status, options);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

pid_t wait3(int *status, int options, struct rusage *ru)
{
	uint32_t sigs;
	pid_t r;

	if (!gs_enter())
		return real_sys()->wait3(status, options, ru);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->wait3(status, options, ru);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	uint32_t sigs;
	pid_t r;

	if (!gs_enter())
		return real_sys()->wait4(pid, status, options, ru);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->wait4(pid, status, options, ru);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->waitid(type, id, info, options);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->waitid(type, id, info, options);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int system(const char *cmd)
{
	int r;

	if (!gs_enter())
		return real_sys()->system(cmd);
	r = real_sys()->system(cmd);
	gs_leave();
	return r;
}

int pclose(FILE *f)
{
	int r;

	if (!gs_enter())
		return real_sys()->pclose(f);
	r = real_sys()->pclose(f);
	gs_leave();
	return r;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
	struct addrinfo **res)
{
	int r;

	if (!gs_enter())
		return real_sys()->getaddrinfo(node, service, hints, res);
	r = real_sys()->getaddrinfo(node, service, hints, res);
	gs_leave();
	return r;
}

int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
	char *serv, socklen_t servlen, int flags)
{
	int r;

	if (!gs_enter())
		return real_sys()->getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
	r = real_sys()->getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
	gs_leave();
	return r;
}

struct hostent * gethostbyname(const char *name)
{
	struct hostent * r;

	if (!gs_enter())
		return real_sys()->gethostbyname(name);
	r = real_sys()->gethostbyname(name);
	gs_leave();
	return r;
}

struct hostent * gethostbyname2(const char *name, int af)
{
	struct hostent * r;

	if (!gs_enter())
		return real_sys()->gethostbyname2(name, af);
	r = real_sys()->gethostbyname2(name, af);
	gs_leave();
	return r;
}

struct hostent * gethostbyaddr(const void *addr, socklen_t len, int type)
{
	struct hostent * r;

	if (!gs_enter())
		return real_sys()->gethostbyaddr(addr, len, type);
	r = real_sys()->gethostbyaddr(addr, len, type);
	gs_leave();
	return r;
}

int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
	struct hostent **result, int *h_errnop)
{
	int r;

	if (!gs_enter())
		return real_sys()->gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	r = real_sys()->gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	gs_leave();
	return r;
}

int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
	struct hostent **result, int *h_errnop)
{
	int r;

	if (!gs_enter())
		return real_sys()->gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	r = real_sys()->gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	gs_leave();
	return r;
}

int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret, char *buf,
	size_t buflen, struct hostent **result, int *h_errnop)
{
	int r;

	if (!gs_enter())
		return real_sys()->gethostbyaddr_r(addr, len, type, ret, buf, buflen, result, h_errnop);
	r = real_sys()->gethostbyaddr_r(addr, len, type, ret, buf, buflen, result, h_errnop);
	gs_leave();
	return r;
}

ssize_t msgrcv(int id, void *msg, size_t n, long type, int flags)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->msgrcv(id, msg, n, type, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->msgrcv(id, msg, n, type, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int msgsnd(int id, const void *msg, size_t n, int flags)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->msgsnd(id, msg, n, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->msgsnd(id, msg, n, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int semop(int id, struct sembuf *ops, size_t n)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->semop(id, ops, n);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->semop(id, ops, n);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *ts)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->semtimedop(id, ops, n, ts);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->semtimedop(id, ops, n, ts);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t mq_receive(mqd_t q, char *msg, size_t n, unsigned int *prio)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->mq_receive(q, msg, n, prio);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->mq_receive(q, msg, n, prio);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int mq_send(mqd_t q, const char *msg, size_t n, unsigned int prio)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->mq_send(q, msg, n, prio);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->mq_send(q, msg, n, prio);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t mq_timedreceive(mqd_t q, char *msg, size_t n, unsigned int *prio, const struct timespec *ts)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->mq_timedreceive(q, msg, n, prio, ts);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->mq_timedreceive(q, msg, n, prio, ts);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int mq_timedsend(mqd_t q, const char *msg, size_t n, unsigned int prio, const struct timespec *ts)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->mq_timedsend(q, msg, n, prio, ts);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->mq_timedsend(q, msg, n, prio, ts);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int sigwait(const sigset_t *set, int *sig)
{
	int r;

	if (!gs_enter_waiting(gs_sigset_bits(set)))
		return real_sys()->sigwait(set, sig);
	r = real_sys()->sigwait(set, sig);
	gs_leave();
	return r;
}

int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	uint32_t sigs;
	int r;

	if (!gs_enter_waiting(gs_sigset_bits(set)))
		return real_sys()->sigwaitinfo(set, info);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sigwaitinfo(set, info);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *ts)
{
	uint32_t sigs;
	int r;

	if (!gs_enter_waiting(gs_sigset_bits(set)))
		return real_sys()->sigtimedwait(set, info, ts);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sigtimedwait(set, info, ts);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int sigsuspend(const sigset_t *set)
{
	uint32_t sigs;
	int r;

	if (!gs_enter_waiting(~gs_sigset_bits(set)))
		return real_sys()->sigsuspend(set);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sigsuspend(set);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int pause(void)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->pause();
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pause();
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

unsigned int gs_t2_sleep(unsigned int s)
{
	unsigned int r;

	if (!gs_enter())
		return real_sys()->sleep(s);
	r = real_sys()->sleep(s);
	gs_leave();
	return r;
}

int gs_t2_nanosleep(const struct timespec *req, struct timespec *rem)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->nanosleep(req, rem);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->nanosleep(req, rem);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
	int r;

	if (!gs_enter())
		return real_sys()->clock_nanosleep(clock, flags, req, rem);
	r = real_sys()->clock_nanosleep(clock, flags, req, rem);
	gs_leave();
	return r;
}

int gs_t2_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->poll(fds, n, timeout);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->poll(fds, n, timeout);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	uint32_t sigs;
	int r;

	if (!(mask ? gs_enter_waiting(~gs_sigset_bits(mask)) : gs_enter()))
		return real_sys()->ppoll(fds, n, ts, mask);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->ppoll(fds, n, ts, mask);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->select(n, rd, wr, ex, tv);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->select(n, rd, wr, ex, tv);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_pselect(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
	const sigset_t *mask)
{
	uint32_t sigs;
	int r;

	if (!(mask ? gs_enter_waiting(~gs_sigset_bits(mask)) : gs_enter()))
		return real_sys()->pselect(n, rd, wr, ex, ts, mask);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->pselect(n, rd, wr, ex, ts, mask);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->epoll_wait(ep, ev, max, timeout);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->epoll_wait(ep, ev, max, timeout);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	uint32_t sigs;
	int r;

	if (!(mask ? gs_enter_waiting(~gs_sigset_bits(mask)) : gs_enter()))
		return real_sys()->epoll_pwait(ep, ev, max, timeout, mask);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->epoll_pwait(ep, ev, max, timeout, mask);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_epoll_pwait2(int ep, struct epoll_event *ev, int max, const struct timespec *ts,
	const sigset_t *mask)
{
	uint32_t sigs;
	int r;

	if (!(mask ? gs_enter_waiting(~gs_sigset_bits(mask)) : gs_enter()))
		return real_sys()->epoll_pwait2(ep, ev, max, ts, mask);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->epoll_pwait2(ep, ev, max, ts, mask);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->accept4(fd, addr, len, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->accept4(fd, addr, len, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->connect(fd, addr, len);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->connect(fd, addr, len);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t gs_t2_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->recvfrom(fd, buf, n, flags, addr, len);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->recvfrom(fd, buf, n, flags, addr, len);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t gs_t2_recvmsg(int fd, struct msghdr *msg, int flags)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->recvmsg(fd, msg, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->recvmsg(fd, msg, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *ts)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->recvmmsg(fd, v, n, flags, ts);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->recvmmsg(fd, v, n, flags, ts);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t gs_t2_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
	socklen_t len)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->sendto(fd, buf, n, flags, addr, len);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sendto(fd, buf, n, flags, addr, len);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

ssize_t gs_t2_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	uint32_t sigs;
	ssize_t r;

	if (!gs_enter())
		return real_sys()->sendmsg(fd, msg, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sendmsg(fd, msg, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}

int gs_t2_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	uint32_t sigs;
	int r;

	if (!gs_enter())
		return real_sys()->sendmmsg(fd, v, n, flags);
	do {
		sigs = gs_preempt_sigs();
		r = real_sys()->sendmmsg(fd, v, n, flags);
	} while (r == -1 && gs_preempted_call(sigs));
	gs_leave();
	return r;
}
