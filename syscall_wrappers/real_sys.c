/* Resolution of the blocking calls' C-library definitions. May call: dlsym, gs_fatal. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "../runtime/throw.h"
#include "real_sys.h"

struct gs_real_sys gs_real_sys;
_Atomic int gs_real_sys_ready;

static void *need(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		gs_fatal(127, "cannot find the C library's system-call wrappers");
	return f;
}

void gs_real_sys_resolve(void)
{
	struct gs_real_sys *r = &gs_real_sys;

	r->read = need("read");
	r->write = need("write");
	r->pread = need("pread");
	r->pread64 = need("pread64");
	r->pwrite = need("pwrite");
	r->pwrite64 = need("pwrite64");
	r->readv = need("readv");
	r->writev = need("writev");
	r->preadv = need("preadv");
	r->preadv64 = need("preadv64");
	r->pwritev = need("pwritev");
	r->pwritev64 = need("pwritev64");
	r->preadv2 = need("preadv2");
	r->pwritev2 = need("pwritev2");
	r->sendfile = need("sendfile");
	r->sendfile64 = need("sendfile64");
	r->splice = need("splice");
	r->copy_file_range = need("copy_file_range");
	r->creat = need("creat");
	r->creat64 = need("creat64");
	r->fsync = need("fsync");
	r->fdatasync = need("fdatasync");
	r->sync_file_range = need("sync_file_range");
	r->flock = need("flock");
	r->lockf = need("lockf");
	r->lockf64 = need("lockf64");
	r->__read_chk = need("__read_chk");
	r->__pread_chk = need("__pread_chk");
	r->__pread64_chk = need("__pread64_chk");
	r->wait = need("wait");
	r->waitpid = need("waitpid");
	r->wait3 = need("wait3");
	r->wait4 = need("wait4");
	r->waitid = need("waitid");
	r->ptrace = need("ptrace");
	r->system = need("system");
	r->pclose = need("pclose");
	r->getaddrinfo = need("getaddrinfo");
	r->getnameinfo = need("getnameinfo");
	r->gethostbyname = need("gethostbyname");
	r->gethostbyname2 = need("gethostbyname2");
	r->gethostbyaddr = need("gethostbyaddr");
	r->gethostbyname_r = need("gethostbyname_r");
	r->gethostbyname2_r = need("gethostbyname2_r");
	r->gethostbyaddr_r = need("gethostbyaddr_r");
	r->msgrcv = need("msgrcv");
	r->msgsnd = need("msgsnd");
	r->semop = need("semop");
	r->semtimedop = need("semtimedop");
	r->mq_receive = need("mq_receive");
	r->mq_send = need("mq_send");
	r->mq_timedreceive = need("mq_timedreceive");
	r->mq_timedsend = need("mq_timedsend");
	r->sigwait = need("sigwait");
	r->sigwaitinfo = need("sigwaitinfo");
	r->sigtimedwait = need("sigtimedwait");
	r->sigsuspend = need("sigsuspend");
	r->pause = need("pause");
	r->sleep = need("sleep");
	r->nanosleep = need("nanosleep");
	r->clock_nanosleep = need("clock_nanosleep");
	r->poll = need("poll");
	r->ppoll = need("ppoll");
	r->__poll_chk = need("__poll_chk");
	r->__ppoll_chk = need("__ppoll_chk");
	r->select = need("select");
	r->pselect = need("pselect");
	r->epoll_wait = need("epoll_wait");
	r->epoll_pwait = need("epoll_pwait");
	r->epoll_pwait2 = need("epoll_pwait2");
	r->accept4 = need("accept4");
	r->connect = need("connect");
	r->recvfrom = need("recvfrom");
	r->recvmsg = need("recvmsg");
	r->recvmmsg = need("recvmmsg");
	r->sendto = need("sendto");
	r->sendmsg = need("sendmsg");
	r->sendmmsg = need("sendmmsg");
	r->__recv_chk = need("__recv_chk");
	r->__recvfrom_chk = need("__recvfrom_chk");
	r->open = need("open");
	r->open64 = need("open64");
	r->openat = need("openat");
	r->openat64 = need("openat64");
	r->fcntl = need("fcntl");
	r->fcntl64 = need("fcntl64");
	/* racing resolvers write the same values */
	atomic_store_explicit(&gs_real_sys_ready, 1, memory_order_release);
}
