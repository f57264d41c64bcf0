/* The epoll netpoller, after Go's netpoll_epoll.go. May call: locks, sema, proc, raw
 * system calls. Nothing here calls the C library: a pollfd is armed by a G, and events
 * are collected on g0, on sysmon, or by the one M that sleeps in epoll_wait (whose
 * thread pointer is then its own).
 *
 * Each fd is registered once, edge-triggered for both directions, when a call on it
 * first has to wait. An event fires every waiter of that direction (an edge may stand for
 * several connections or several writes: each waiter retries its call and parks again
 * if it finds nothing). The epoll instance and the eventfd that breaks a sleeping
 * epoll_wait are moved to fd numbers near RLIMIT_NOFILE, so the program's own fds keep
 * the numbers they have natively. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>

#include "fixalloc.h"
#include "netpoll.h"
#include "proc.h"
#include "sema.h"
#include "sys.h"
#include "throw.h"
#include "timer.h"
#include "tls.h"

#define FIRE_BATCH 32

static struct {
	_Atomic bool inited;		/* from start-up on, and in a fork child once rebuilt */
	int epfd, breakfd;		/* const once inited */
	_Atomic uint32_t breaking;	/* a break is written and not yet read */
	_Atomic int32_t waiters;	/* Gs in gs_pollwait_park */
	struct gs_lock freelock;
	struct gs_pollfd *free;		/* freelock */
} np = { .epfd = -1, .breakfd = -1 };

/* pollfds are never freed: a stale event may still name one on np.free */
static struct gs_fixalloc pdalloc = { .size = sizeof(struct gs_pollfd) };

int gs_highfd(int fd, bool keep)
{
	struct rlimit rl;
	long lo = 3, r;

	if (sys_call6(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl, 0, 0) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 64)
		lo = (long)(rl.rlim_cur > INT_MAX ? INT_MAX : rl.rlim_cur) - 8;
	r = sys_call6(SYS_fcntl, fd, F_DUPFD_CLOEXEC, lo, 0, 0, 0);
	if (r < 0 && lo > 3)	/* the top of the range is taken: anywhere will do */
		r = sys_call6(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3, 0, 0, 0);
	if (r < 0)
		return keep ? (int)r : fd;
	if (!keep)
		sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
	return (int)r;
}

void gs_netpoll_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	long ep, bf;

	ep = sys_call6(SYS_epoll_create1, EPOLL_CLOEXEC, 0, 0, 0, 0, 0);
	bf = sys_call6(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0, 0, 0, 0);
	if (ep < 0 || bf < 0)
		gs_fatal(2, "cannot create the netpoller's epoll instance");
	np.epfd = gs_highfd((int)ep, false);
	np.breakfd = gs_highfd((int)bf, false);
	if (sys_call6(SYS_epoll_ctl, np.epfd, EPOLL_CTL_ADD, np.breakfd, (long)&ev, 0, 0) != 0)
		gs_fatal(2, "cannot register the netpoller's eventfd");
	atomic_store_explicit(&gs_sched.lastpoll, gs_nanotime(), memory_order_relaxed);
	atomic_store_explicit(&np.inited, true, memory_order_release);
}

bool gs_netpoll_inited(void)
{
	return atomic_load_explicit(&np.inited, memory_order_acquire);
}

bool gs_netpoll_waiting(void)
{
	return atomic_load_explicit(&np.waiters, memory_order_relaxed) > 0;
}

int gs_netpoll_fds(int fds[2])
{
	if (!gs_netpoll_inited())
		return 0;
	fds[0] = np.epfd < np.breakfd ? np.epfd : np.breakfd;
	fds[1] = np.epfd < np.breakfd ? np.breakfd : np.epfd;
	return 2;
}

struct gs_pollfd *gs_pollfd_alloc(void)
{
	struct gs_pollfd *pd;

	gs_lock(&np.freelock);
	pd = np.free;
	if (pd)
		np.free = pd->link;
	gs_unlock(&np.freelock);
	if (pd == NULL) {
		pd = gs_fixalloc_get(&pdalloc);
		if (pd == NULL)
			return NULL;
	}
	pd->fd = -1;
	atomic_store_explicit(&pd->waiters, NULL, memory_order_relaxed);
	return pd;
}

void gs_pollfd_free(struct gs_pollfd *pd)
{
	gs_lock(&np.freelock);
	pd->link = np.free;
	np.free = pd;
	gs_unlock(&np.freelock);
}

int gs_pollfd_arm(struct gs_pollfd *pd, int fd)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET,
		.data.ptr = pd,
	};
	long r = 0;

	gs_lock(&pd->lock);
	if (pd->fd != fd) {
		r = sys_call6(SYS_epoll_ctl, np.epfd, EPOLL_CTL_ADD, fd, (long)&ev, 0, 0);
		if (r == -EEXIST)	/* registered by an earlier owner of this number */
			r = sys_call6(SYS_epoll_ctl, np.epfd, EPOLL_CTL_MOD, fd, (long)&ev, 0, 0);
		if (r == 0)
			pd->fd = fd;
	}
	gs_unlock(&pd->lock);
	return (int)r;
}

void gs_pollfd_disarm(struct gs_pollfd *pd)
{
	gs_lock(&pd->lock);
	if (pd->fd >= 0)
		sys_call6(SYS_epoll_ctl, np.epfd, EPOLL_CTL_DEL, pd->fd, 0, 0, 0);
	pd->fd = -1;
	gs_unlock(&pd->lock);
}

void gs_pollfd_forget(struct gs_pollfd *pd)
{
	gs_lock(&pd->lock);
	pd->fd = -1;
	gs_unlock(&pd->lock);
}

/* fire wakes the waiters of pd that wait for events, from a G (ong) or else as
 * gs_sema_wake_m(mp) does. Waiters that leave meanwhile are harmless: a pollwait is only
 * an address to the wait queues, and fired is set once. */
static void fire(struct gs_pollfd *pd, uint32_t events, struct m *mp, bool ong)
{
	struct gs_pollwait *batch[FIRE_BATCH];
	int n;

	do {
		n = 0;
		gs_lock(&pd->lock);
		atomic_store_explicit(&pd->evseq,
				      atomic_load_explicit(&pd->evseq, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		for (struct gs_pollnode *x = atomic_load_explicit(&pd->waiters, memory_order_relaxed);
		     x && n < FIRE_BATCH; x = x->next) {
			if ((x->events & events) &&
			    atomic_exchange_explicit(&x->w->fired, 1, memory_order_relaxed) == 0)
				batch[n++] = x->w;
		}
		gs_unlock(&pd->lock);
		for (int i = 0; i < n; i++) {
			if (ong)
				gs_sema_wake(&batch[i]->fired, 1, GS_BITSET_ANY);
			else
				gs_sema_wake_m(&batch[i]->fired, 1, GS_BITSET_ANY, mp);
		}
	} while (n == FIRE_BATCH);
}

void gs_pollfd_wakeall(struct gs_pollfd *pd)
{
	fire(pd, GS_POLLIN | GS_POLLOUT, NULL, true);
}

void gs_pollfd_poke(struct gs_pollfd *pd, uint32_t events)
{
	if (atomic_load_explicit(&pd->waiters, memory_order_relaxed))
		fire(pd, events, NULL, true);
}

bool gs_pollwait_add(struct gs_pollfd *pd, struct gs_pollnode *node, struct gs_pollwait *w,
		     uint32_t events, const uint32_t *seq)
{
	bool missed;

	node->w = w;
	node->events = events;
	node->prev = NULL;
	gs_lock(&pd->lock);
	node->next = atomic_load_explicit(&pd->waiters, memory_order_relaxed);
	if (node->next)
		node->next->prev = node;
	atomic_store_explicit(&pd->waiters, node, memory_order_relaxed);
	missed = seq && atomic_load_explicit(&pd->evseq, memory_order_relaxed) != *seq;
	gs_unlock(&pd->lock);
	return missed;
}

void gs_pollwait_del(struct gs_pollfd *pd, struct gs_pollnode *node)
{
	gs_lock(&pd->lock);
	if (node->prev)
		node->prev->next = node->next;
	else
		atomic_store_explicit(&pd->waiters, node->next, memory_order_relaxed);
	if (node->next)
		node->next->prev = node->prev;
	gs_unlock(&pd->lock);
}

int gs_pollwait_park(struct gs_pollwait *w, int64_t deadline, const char *reason)
{
	struct g *gp = getg();
	int r;

	atomic_fetch_add_explicit(&np.waiters, 1, memory_order_relaxed);
	gp->waitreason = reason;
	gp->waitintr = true;
	r = gs_sema_wait(&w->fired, 0, GS_BITSET_ANY, deadline);
	gp->waitintr = false;
	gp->waitreason = NULL;
	atomic_fetch_sub_explicit(&np.waiters, 1, memory_order_relaxed);
	return r == -ETIMEDOUT || r == -EINTR ? r : 0;
}

/* epoll_pwait2 (Linux 5.11) takes its timeout in nanoseconds; epoll_pwait counts
 * milliseconds, so a sleeping M woke up to a millisecond late for a 50 us nanosleep. Set
 * once the kernel said it has no epoll_pwait2: from then on, epoll_pwait. */
static _Atomic bool no_pwait2;

int gs_netpoll_wait(struct epoll_event *ev, int max, int64_t delay, const uint64_t *mask)
{
	struct timespec ts = { 0 };
	long ms, r;

	if (!gs_netpoll_inited())
		return 0;
	if (delay > 0) {
		ts.tv_sec = delay / 1000000000;
		ts.tv_nsec = delay % 1000000000;
	}
	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		r = sys_call6(SYS_epoll_pwait2, np.epfd, (long)ev, max, delay < 0 ? 0 : (long)&ts,
			      (long)mask, 8);
		if (r != -ENOSYS)
			return r > 0 ? (int)r : 0;
		atomic_store_explicit(&no_pwait2, true, memory_order_relaxed);
	}
	/* round a sub-millisecond wait up, not down to a busy loop */
	if (delay < 0)
		ms = -1;
	else if (delay == 0)
		ms = 0;
	else if (delay < 1000000000ll * 1000)
		ms = (long)((delay + 999999) / 1000000);
	else
		ms = 1000000000;
	r = sys_call6(SYS_epoll_pwait, np.epfd, (long)ev, max, ms, (long)mask, 8);
	return r > 0 ? (int)r : 0;
}

void gs_netpoll_ready(struct epoll_event *ev, int n, struct m *mp)
{
	for (int i = 0; i < n; i++) {
		struct gs_pollfd *pd = ev[i].data.ptr;

		if (pd == NULL) {
			uint64_t v;

			sys_call6(SYS_read, np.breakfd, (long)&v, sizeof(v), 0, 0, 0);
			atomic_store_explicit(&np.breaking, 0, memory_order_relaxed);
			continue;
		}
		fire(pd, ev[i].events, mp, false);
	}
}

void gs_netpoll_break(void)
{
	uint64_t one = 1;

	if (!gs_netpoll_inited() ||
	    atomic_exchange_explicit(&np.breaking, 1, memory_order_relaxed) != 0)
		return;
	sys_call6(SYS_write, np.breakfd, (long)&one, sizeof(one), 0, 0, 0);
}

void gs_netpoll_wake_for(int64_t when)
{
	if (atomic_load_explicit(&gs_sched.lastpoll, memory_order_seq_cst) == 0) {
		int64_t until = atomic_load_explicit(&gs_sched.polluntil, memory_order_seq_cst);

		if (until == 0 || until > when)
			gs_netpoll_break();
	} else {
		wakep(false);
	}
}

void gs_netpoll_afterfork(void)
{
	if (gs_netpoll_inited()) {
		sys_call6(SYS_close, np.epfd, 0, 0, 0, 0, 0);
		sys_call6(SYS_close, np.breakfd, 0, 0, 0, 0, 0);
	}
	np.epfd = np.breakfd = -1;
	atomic_store_explicit(&np.breaking, 0, memory_order_relaxed);
	atomic_store_explicit(&np.waiters, 0, memory_order_relaxed);
	np.freelock = (struct gs_lock){ 0 };
	np.free = NULL;
	gs_fixalloc_afterfork(&pdalloc);
	atomic_store_explicit(&np.inited, false, memory_order_release);
	gs_netpoll_init();
}

void gs_pollfd_afterfork(struct gs_pollfd *pd)
{
	pd->lock = (struct gs_lock){ 0 };
	atomic_store_explicit(&pd->waiters, NULL, memory_order_relaxed);
	pd->fd = -1;
}
