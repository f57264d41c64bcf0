/* The fd table: what goshim knows of each file descriptor it can park Gs on. */
#ifndef GS_FDTAB_H
#define GS_FDTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../runtime/netpoll.h"

/*
 * What an fd is, which decides how a call on it is made without blocking. goshim never
 * changes a file's O_NONBLOCK flag: the kernel's flags stay the program's own, shared as
 * they are with stdio, children and exec'd programs. Instead each call is made
 * non-blocking by itself: MSG_DONTWAIT on sockets, RWF_NOWAIT on pipes and the like, or,
 * where the kernel has neither, a poll for readiness first.
 */
enum fdkind {
	FDstream,	/* SOCK_STREAM socket: writes and MSG_WAITALL reads go on to the end */
	FDsocket,	/* any other socket: one message per call */
	FDpipe,		/* pipe or FIFO end: writes go on to the end */
	FDevent,	/* eventfd, timerfd, signalfd, inotify */
	FDepoll,	/* the program's own epoll instance */
};

/* One open file description, shared by an fd and its dups. */
struct gs_file {
	_Atomic int32_t refs;
	uint8_t kind;			/* enum fdkind; const */
	_Atomic bool nonblock;		/* the O_NONBLOCK flag, as last set through goshim */
	_Atomic bool nowait_broken;	/* the kernel refused RWF_NOWAIT: poll first */
	_Atomic int64_t rcvtimeo;	/* SO_RCVTIMEO in ns, 0 none */
	_Atomic int64_t sndtimeo;	/* SO_SNDTIMEO in ns, 0 none */
	_Atomic uint32_t turn;		/* accept, which has no per-call non-blocking flag,
					 * is made by one G at a time: 0 free, 1 taken, 2 taken
					 * with waiters */
	struct gs_pollfd *_Atomic peer;	/* the other end of a pipe or socketpair made by
					 * the program: the pollfd of the fd it was made as,
					 * poked when data or room is made for it (after that
					 * fd is closed, a recycled one: a spurious wake) */
};

/*
 * One fd number's entry. refs counts the table's reference and every call in flight.
 * When the program closes the fd while calls are in flight, those calls go on with the
 * file they started on (as on Linux natively): sysfd becomes a private dup of it, far
 * from the program's fd numbers, closed when the last of them returns. insys counts the
 * callers between reading sysfd and leaving the kernel, so that close never lets one of
 * them act on a file that reused the number.
 */
struct gs_fdent {
	_Atomic int32_t refs;
	_Atomic int32_t insys;
	_Atomic int sysfd;
	int fd;
	struct gs_file *file;
	struct gs_pollfd *pd;
	struct gs_fdent *link;		/* free list */
};

/* gs_fd_get takes a reference to fd's entry, or returns NULL if goshim does not know fd
 * (it was inherited, or opened as a regular file, or by the C library itself). */
struct gs_fdent *gs_fd_get(int fd);

/* gs_fd_put drops a reference taken by gs_fd_get. */
void gs_fd_put(struct gs_fdent *e);

/* gs_fd_new, gs_fd_dup, gs_fd_close(_range) and gs_fd_forget do nothing in a vfork child: the
 * table is its parent's, and the child's fd numbers are its own. */

/* gs_fd_new records fd, just created, as kind with the program's O_NONBLOCK flag. An
 * entry left for a number the C library closed behind goshim's back is replaced. */
void gs_fd_new(int fd, enum fdkind kind, bool nonblock);

/* gs_fd_pair records fds a and b, just made by gs_fd_new, as the two ends of one pipe or
 * socketpair. */
void gs_fd_pair(int a, int b);

/* gs_fd_poke_peer tells the other end of e's pipe or socketpair, if goshim knows it, that
 * a call on e made data (wrote) or room (read) for it: its waiters for that try again at
 * once rather than when epoll reports it. */
void gs_fd_poke_peer(struct gs_fdent *e, bool wrote);

/* gs_fd_dup records newfd as a dup of oldfd, if goshim knows oldfd (and forgets newfd
 * otherwise). */
void gs_fd_dup(int oldfd, int newfd);

/* gs_fd_close makes fd's number free for reuse in the table: calls in flight on it move
 * to a private dup of the file. Call before the real close or dup2 over fd. */
void gs_fd_close(int fd);

/* gs_fd_close_range is gs_fd_close for every fd in [first, last]. */
void gs_fd_close_range(unsigned int first, unsigned int last);

/* gs_fd_forget drops fd's entry when the file behind the number changed without goshim's
 * help (a new file got a number the C library had closed). */
void gs_fd_forget(int fd);

/* gs_fd_afterfork resets the table's locks and counts in a fork child, whose other
 * threads vanished in the middle of calls; the entries stay (the fds are inherited). */
void gs_fd_afterfork(void);

/* gs_fork_init registers the fork child's rebuild (fork.c). Called once at start-up. */
void gs_fork_init(void);

/* gs_fd_enter and gs_fd_leave bracket each use of e's sysfd in a system call. */
int gs_fd_enter(struct gs_fdent *e);
void gs_fd_leave(struct gs_fdent *e);

/* A call that may have to wait on e begins with gs_fd_wait_begin (events: GS_POLLIN,
 * GS_POLLOUT), then tries its system call and, each time it would block, parks in
 * gs_fd_wait until e may be ready (0), deadline passes (-ETIMEDOUT) or e cannot be polled
 * (another negative errno); it ends with gs_fd_wait_end. A call that tried once before
 * gs_fd_wait_begin passes the gs_fd_seq it read before that try: true from
 * gs_fd_wait_begin then says to try again before parking. */
struct gs_fdwait {
	struct gs_pollwait w;
	struct gs_pollnode node;
};
static inline uint32_t gs_fd_seq(struct gs_fdent *e)
{
	return atomic_load_explicit(&e->pd->evseq, memory_order_relaxed);
}
bool gs_fd_wait_begin(struct gs_fdent *e, struct gs_fdwait *fw, uint32_t events,
		      const uint32_t *seq);
int gs_fd_wait(struct gs_fdent *e, struct gs_fdwait *fw, int64_t deadline, const char *reason);
void gs_fd_wait_end(struct gs_fdent *e, struct gs_fdwait *fw);

/* gs_fd_watch puts node, for w, on e's waiters for events, and gs_fd_unwatch takes it
 * off: for a call that waits on several fds at once (poll, select). gs_fd_arm registers
 * e in the netpoller if it is not yet (0, or a negative errno). */
void gs_fd_watch(struct gs_fdent *e, struct gs_pollnode *node, struct gs_pollwait *w,
		 uint32_t events);
void gs_fd_unwatch(struct gs_fdent *e, struct gs_pollnode *node);
int gs_fd_arm(struct gs_fdent *e);

/* gs_fd_deadline is now plus a timeout in ns, or 0 (none) for 0. */
int64_t gs_fd_deadline(int64_t timeout);

#endif
