/* The fd table. May call: runtime (netpoll, sema, timer, fixalloc), raw system calls.
 *
 * A two-level array indexed by fd number, filled by the calls that create pollable fds
 * (sockets, pipes, eventfds, ...) and emptied by close and dup2. Lookups take no lock:
 * entries are never freed, only recycled, so a reader that loses a race with close holds
 * a stale entry at worst, which it notices (the slot no longer points to it) and drops. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

#include "../runtime/fixalloc.h"
#include "../runtime/sys.h"
#include "../runtime/timer.h"
#include "../runtime/vfork.h"
#include "fdtab.h"
#include "syscall_wrappers.h"

#define CHUNK_BITS 12
#define CHUNK (1 << CHUNK_BITS)
#define NCHUNKS 256		/* fd numbers below 2^20 */

static _Atomic(_Atomic(struct gs_fdent *) *) chunks[NCHUNKS];
static struct gs_lock freelock;
static struct gs_fdent *freeents;	/* freelock; linked through link, not the first word,
					 * which a reader holding a stale entry may still CAS */
static struct gs_fixalloc entalloc = { .size = sizeof(struct gs_fdent) };
static struct gs_fixalloc filealloc = { .size = sizeof(struct gs_file) };

static _Atomic(struct gs_fdent *) *slot(int fd, bool create)
{
	_Atomic(struct gs_fdent *) *c, *none = NULL;

	if (fd < 0 || fd >= NCHUNKS * CHUNK)
		return NULL;
	c = atomic_load_explicit(&chunks[fd >> CHUNK_BITS], memory_order_acquire);
	if (c == NULL) {
		if (!create)
			return NULL;
		c = sys_mmap(NULL, CHUNK * sizeof(*c), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS);
		if ((unsigned long)c > -4096ul)
			return NULL;
		if (!atomic_compare_exchange_strong_explicit(&chunks[fd >> CHUNK_BITS], &none, c,
							     memory_order_acq_rel,
							     memory_order_acquire)) {
			sys_munmap(c, CHUNK * sizeof(*c));
			c = none;
		}
	}
	return &c[fd & (CHUNK - 1)];
}

static void file_put(struct gs_file *f)
{
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1)
		gs_fixalloc_put(&filealloc, f);
}

struct gs_fdent *gs_fd_get(int fd)
{
	_Atomic(struct gs_fdent *) *s = slot(fd, false);

	if (s == NULL)
		return NULL;
	for (;;) {
		struct gs_fdent *e = atomic_load_explicit(s, memory_order_acquire);
		int32_t n;

		if (e == NULL)
			return NULL;
		n = atomic_load_explicit(&e->refs, memory_order_relaxed);
		if (n > 0 && atomic_compare_exchange_weak_explicit(&e->refs, &n, n + 1,
								   memory_order_seq_cst,
								   memory_order_relaxed)) {
			if (atomic_load_explicit(s, memory_order_seq_cst) == e)
				return e;
			gs_fd_put(e);
		}
	}
}

void gs_fd_put(struct gs_fdent *e)
{
	int sysfd;

	if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* the last call on a closed fd: its private dup goes too */
	sysfd = atomic_load_explicit(&e->sysfd, memory_order_relaxed);
	if (sysfd != e->fd) {
		gs_pollfd_disarm(e->pd);
		sys_call6(SYS_close, sysfd, 0, 0, 0, 0, 0);
	}
	gs_pollfd_free(e->pd);
	file_put(e->file);
	gs_lock(&freelock);
	e->link = freeents;
	freeents = e;
	gs_unlock(&freelock);
}

static struct gs_fdent *ent_alloc(int fd, struct gs_file *f)
{
	struct gs_fdent *e;

	gs_lock(&freelock);
	e = freeents;
	if (e)
		freeents = e->link;
	gs_unlock(&freelock);
	if (e == NULL && (e = gs_fixalloc_get(&entalloc)) == NULL)
		return NULL;
	e->pd = gs_pollfd_alloc();
	if (e->pd == NULL) {
		gs_lock(&freelock);
		e->link = freeents;
		freeents = e;
		gs_unlock(&freelock);
		return NULL;
	}
	e->fd = fd;
	e->file = f;
	atomic_store_explicit(&e->sysfd, fd, memory_order_relaxed);
	atomic_store_explicit(&e->insys, 0, memory_order_relaxed);
	atomic_store_explicit(&e->refs, 1, memory_order_release);
	return e;
}

/* install puts e (or nothing) in fd's slot, dropping what was there. */
static void install(int fd, struct gs_fdent *e)
{
	_Atomic(struct gs_fdent *) *s = slot(fd, e != NULL);
	struct gs_fdent *old;

	if (s == NULL)
		return;
	old = atomic_exchange_explicit(s, e, memory_order_seq_cst);
	if (old) {
		/* its file went away behind goshim's back: so did its registration */
		gs_pollfd_forget(old->pd);
		gs_fd_put(old);
	}
}

void gs_fd_new(int fd, enum fdkind kind, bool nonblock)
{
	struct gs_file *f;
	struct gs_fdent *e;

	if (gs_vfork_child())
		return;
	f = gs_fixalloc_get(&filealloc);
	if (f == NULL) {
		install(fd, NULL);	/* without an entry, calls on fd hand off their P */
		return;
	}
	atomic_store_explicit(&f->refs, 1, memory_order_relaxed);
	f->kind = (uint8_t)kind;
	atomic_store_explicit(&f->nonblock, nonblock, memory_order_relaxed);
	e = ent_alloc(fd, f);
	if (e == NULL)
		gs_fixalloc_put(&filealloc, f);
	install(fd, e);
}

void gs_fd_pair(int a, int b)
{
	struct gs_fdent *ea = gs_fd_get(a), *eb = gs_fd_get(b);

	if (ea && eb) {
		atomic_store_explicit(&ea->file->peer, eb->pd, memory_order_relaxed);
		atomic_store_explicit(&eb->file->peer, ea->pd, memory_order_relaxed);
	}
	if (ea)
		gs_fd_put(ea);
	if (eb)
		gs_fd_put(eb);
}

void gs_fd_poke_peer(struct gs_fdent *e, bool wrote)
{
	struct gs_pollfd *peer = atomic_load_explicit(&e->file->peer, memory_order_relaxed);

	if (peer)
		gs_pollfd_poke(peer, wrote ? EPOLLIN : EPOLLOUT);
}

void gs_fd_dup(int oldfd, int newfd)
{
	struct gs_fdent *src, *e = NULL;

	if (gs_vfork_child())
		return;
	src = gs_fd_get(oldfd);
	if (src) {
		atomic_fetch_add_explicit(&src->file->refs, 1, memory_order_relaxed);
		e = ent_alloc(newfd, src->file);
		if (e == NULL)
			file_put(src->file);
		gs_fd_put(src);
	}
	install(newfd, e);
}

void gs_fd_forget(int fd)
{
	if (!gs_vfork_child() && slot(fd, false))
		install(fd, NULL);
}

void gs_fd_close(int fd)
{
	_Atomic(struct gs_fdent *) *s = slot(fd, false);
	struct gs_fdent *e;
	int nfd;

	if (gs_vfork_child() || s == NULL ||
	    (e = atomic_exchange_explicit(s, NULL, memory_order_seq_cst)) == NULL)
		return;
	if (atomic_load_explicit(&e->refs, memory_order_seq_cst) == 1) {
		gs_pollfd_disarm(e->pd);
		gs_fd_put(e);
		return;
	}
	/* calls in flight go on with this file, under a number of their own */
	nfd = gs_highfd(fd, true);
	gs_pollfd_disarm(e->pd);
	if (nfd >= 0) {
		atomic_store_explicit(&e->sysfd, nfd, memory_order_seq_cst);
		/* seq_cst pairs with gs_fd_enter: a caller either counted itself before we
		 * looked, or reads nfd */
		while (atomic_load_explicit(&e->insys, memory_order_seq_cst) != 0)
			sys_sched_yield();
	}
	gs_pollfd_wakeall(e->pd);
	gs_fd_put(e);
}

int gs_fd_enter(struct gs_fdent *e)
{
	atomic_fetch_add_explicit(&e->insys, 1, memory_order_seq_cst);
	return atomic_load_explicit(&e->sysfd, memory_order_seq_cst);
}

void gs_fd_leave(struct gs_fdent *e)
{
	atomic_fetch_sub_explicit(&e->insys, 1, memory_order_release);
}

void gs_fd_watch(struct gs_fdent *e, struct gs_pollnode *node, struct gs_pollwait *w,
		 uint32_t events)
{
	gs_pollwait_add(e->pd, node, w, events, NULL);
}

void gs_fd_unwatch(struct gs_fdent *e, struct gs_pollnode *node)
{
	gs_pollwait_del(e->pd, node);
}

int gs_fd_arm(struct gs_fdent *e)
{
	/* registering reports the fd's present state too: no readiness since the caller's
	 * last try is missed. A no-op once registered, unless close moved the file. */
	int r = gs_pollfd_arm(e->pd, gs_fd_enter(e));

	gs_fd_leave(e);
	return r;
}

bool gs_fd_wait_begin(struct gs_fdent *e, struct gs_fdwait *fw, uint32_t events,
		      const uint32_t *seq)
{
	atomic_store_explicit(&fw->w.fired, 0, memory_order_relaxed);
	return gs_pollwait_add(e->pd, &fw->node, &fw->w, events, seq);
}

int gs_fd_wait(struct gs_fdent *e, struct gs_fdwait *fw, int64_t deadline, const char *reason)
{
	int r = gs_fd_arm(e);

	if (r < 0)
		return r;
	r = gs_pollwait_park(&fw->w, deadline, reason);
	atomic_store_explicit(&fw->w.fired, 0, memory_order_relaxed);
	return r;
}

void gs_fd_wait_end(struct gs_fdent *e, struct gs_fdwait *fw)
{
	gs_pollwait_del(e->pd, &fw->node);
}

int64_t gs_fd_deadline(int64_t timeout)
{
	return timeout > 0 ? gs_nanotime() + timeout : 0;
}

void gs_fd_close_range(unsigned int first, unsigned int last)
{
	if (gs_vfork_child())
		return;
	/* only the chunks that exist: a closefrom(3) is not a million lookups */
	for (unsigned int i = first >> CHUNK_BITS; i < NCHUNKS && i <= last >> CHUNK_BITS; i++) {
		_Atomic(struct gs_fdent *) *c = atomic_load_explicit(&chunks[i], memory_order_acquire);
		unsigned int lo = i << CHUNK_BITS, hi = lo + CHUNK - 1;

		if (c == NULL)
			continue;
		for (unsigned int fd = lo < first ? first : lo; fd <= hi && fd <= last; fd++)
			if (atomic_load_explicit(&c[fd - lo], memory_order_relaxed))
				gs_fd_close((int)fd);
	}
}

void gs_fd_afterfork(void)
{
	freelock = (struct gs_lock){ 0 };
	gs_fixalloc_afterfork(&entalloc);
	gs_fixalloc_afterfork(&filealloc);
	for (int i = 0; i < NCHUNKS; i++) {
		_Atomic(struct gs_fdent *) *c = atomic_load_explicit(&chunks[i], memory_order_relaxed);

		for (int j = 0; c && j < CHUNK; j++) {
			struct gs_fdent *e = atomic_load_explicit(&c[j], memory_order_relaxed);

			if (e == NULL)
				continue;
			atomic_store_explicit(&e->insys, 0, memory_order_relaxed);
			atomic_store_explicit(&e->file->turn, 0, memory_order_relaxed);
			gs_pollfd_afterfork(e->pd);
		}
	}
}
