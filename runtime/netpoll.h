/* The epoll netpoller (DESIGN.md "Three tiers of blocking", tier 1): Gs park on file
 * descriptors until the kernel reports them ready, and an idle M sleeps in epoll_wait
 * until the earliest timer. */
#ifndef GS_NETPOLL_H
#define GS_NETPOLL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "lock.h"

struct m;

/* One waiting call (read, accept, poll over several fds, ...): fired becomes 1 when one of
 * its fds reports an event it waits for. */
struct gs_pollwait {
	_Atomic uint32_t fired;
};

/* A pollwait's entry in one fd's list of waiters; lives on the waiting G's stack. */
struct gs_pollnode {
	struct gs_pollnode *next, *prev;	/* pollfd lock */
	struct gs_pollwait *w;
	uint32_t events;			/* epoll bits that fire w */
};

/* The runtime's side of one file descriptor. Never freed: an event reported for an fd
 * since closed finds a recycled pollfd and at worst wakes its waiters spuriously. */
struct gs_pollfd {
	struct gs_lock lock;
	struct gs_pollnode *_Atomic waiters;	/* written under lock; read without by gs_pollfd_poke */
	_Atomic uint32_t evseq;		/* written under lock: bumped by every event */
	int32_t fd;			/* lock: the fd number registered in epoll, -1 if none */
	struct gs_pollfd *link;		/* the free list's lock */
};

/* Interest sets for gs_pollwait_add. */
#define GS_POLLIN (EPOLLIN | EPOLLPRI | EPOLLRDHUP | EPOLLHUP | EPOLLERR)
#define GS_POLLOUT (EPOLLOUT | EPOLLHUP | EPOLLERR)

/* gs_pollfd_alloc returns an unregistered pollfd, or NULL when out of memory. */
struct gs_pollfd *gs_pollfd_alloc(void);

/* gs_pollfd_free returns pd to the pool; its fd must be closed or disarmed. */
void gs_pollfd_free(struct gs_pollfd *pd);

/* gs_pollfd_arm registers fd for pd in the netpoller (edge-triggered, both directions), if
 * it is not yet: 0, or a negative errno (-EPERM for a regular file, which is always
 * ready). Runs on a G. */
int gs_pollfd_arm(struct gs_pollfd *pd, int fd);

/* gs_pollfd_disarm takes pd's fd out of the netpoller while it is still open;
 * gs_pollfd_forget marks it unregistered after the kernel dropped it (its file closed). */
void gs_pollfd_disarm(struct gs_pollfd *pd);
void gs_pollfd_forget(struct gs_pollfd *pd);

/* gs_pollfd_afterfork resets pd in a fork child: unlocked, unregistered, no waiters. */
void gs_pollfd_afterfork(struct gs_pollfd *pd);

/* gs_pollfd_wakeall fires every waiter of pd, which then retries its call. Runs on a G. */
void gs_pollfd_wakeall(struct gs_pollfd *pd);

/* gs_highfd dups fd to a number near RLIMIT_NOFILE, close-on-exec, away from the numbers
 * the program will be given. keep: fd stays open and the new number is returned (or a
 * negative errno); otherwise fd is closed, or returned unmoved if it could not be. */
int gs_highfd(int fd, bool keep);

/* gs_pollfd_poke fires pd's waiters for events, if it has any, as an event from the
 * netpoller would: after a write (read) the program made on the other end of a pipe or
 * socketpair whose ends are both its own, so the reader (writer) need not wait for epoll
 * to say so. A poke racing with a waiter that is just adding itself may miss it; epoll
 * then wakes it. */
void gs_pollfd_poke(struct gs_pollfd *pd, uint32_t events);

/* gs_pollwait_add puts node, for w, on pd's waiters for events (GS_POLLIN, GS_POLLOUT);
 * gs_pollwait_del takes it off. A waiter either adds its nodes before it tries its call,
 * or reads pd->evseq before the try and passes it as seq: then true means an event came
 * in between, and the call must be tried again before parking. Once the node is on the
 * list, an event fires w and the park returns at once. */
bool gs_pollwait_add(struct gs_pollfd *pd, struct gs_pollnode *node, struct gs_pollwait *w,
		     uint32_t events, const uint32_t *seq);
void gs_pollwait_del(struct gs_pollfd *pd, struct gs_pollnode *node);

/* gs_pollwait_park parks the running G until w fires or deadline (CLOCK_MONOTONIC ns, 0:
 * none) passes. Returns 0 (fired, or spuriously), -ETIMEDOUT, or -EINTR (gs_interrupt:
 * the caller lets go of what it holds, then acts on it). Runs on a G. */
int gs_pollwait_park(struct gs_pollwait *w, int64_t deadline, const char *reason);

/* gs_netpoll_init creates the epoll instance and its eventfd, at numbers far above the
 * program's. Runs while the process has one thread (start-up, a fork child): creating an
 * fd takes the lowest free number for a moment, which a thread of the program could be
 * about to get. */
void gs_netpoll_init(void);

/* gs_netpoll_fds stores the netpoller's own fds in fds, lowest first: how many (0 or 2). */
int gs_netpoll_fds(int fds[2]);

/* gs_netpoll_afterfork drops the parent's epoll instance in a fork child: the child makes
 * its own when it first needs one. pollfds stay, unregistered (gs_pollfd_forget). */
void gs_netpoll_afterfork(void);

/* Scheduler side. gs_netpoll_inited: the epoll instance exists. gs_netpoll_waiting: some
 * G is parked in gs_pollwait_park. */
bool gs_netpoll_inited(void);
bool gs_netpoll_waiting(void);

/* gs_netpoll_wait collects up to max events, waiting up to delay ns (negative: until an
 * event or gs_netpoll_break; 0: not at all), with the signal mask *mask meanwhile if
 * mask is not NULL. Returns how many; it may be interrupted.
 * gs_netpoll_ready fires the waiters of those events, readying their Gs on mp's P (mp
 * NULL on a thread with no P and no G: the global queue). */
int gs_netpoll_wait(struct epoll_event *ev, int max, int64_t delay, const uint64_t *mask);
void gs_netpoll_ready(struct epoll_event *ev, int n, struct m *mp);

/* gs_netpoll_break makes a sleeping gs_netpoll_wait return. */
void gs_netpoll_break(void);

/* gs_netpoll_wake_for is called with a new timer's deadline once its G has parked: the M
 * sleeping in netpoll is woken if it would sleep past it; if none sleeps, an idle P gets
 * an M. Runs on g0. */
void gs_netpoll_wake_for(int64_t when);

#endif
