/* Address-keyed wait queues. May call: locks, proc (park/ready), timers, pagemap, raw
 * futex.
 *
 * A hashed table of buckets, each a FIFO list of parked Gs under a lock. A waiter checks the
 * word at its address under the bucket lock and parks with the lock released on g0 (the
 * commit of gs_gopark), so a waker, who needs that lock to find it, always finds it
 * parked. Threads that are not Gs sleep on the kernel futex at the same address instead;
 * wakers then also call the kernel, which costs a system call only while such a waiter
 * exists anywhere in the process.
 *
 * The waiters of the program's non-private futex calls queue apart from private ones at
 * the same address, as the kernel keys them apart: their key is the address with bit 0
 * set (a futex word is 4-aligned). The kernel may hold waiters for such a word we cannot
 * count (other processes, calls on memory not known private), so their wakes always go on
 * to it for what they did not find here. */
#include <errno.h>
#include <linux/futex.h>

#include "pagemap.h"
#include "proc.h"
#include "sema.h"
#include "sys.h"
#include "tls.h"

#define SEMTAB_SIZE 251

struct bucket {
	struct gs_lock lock;
	struct g *head, *tail;		/* bucket lock */
} __attribute__((aligned(64)));

static struct bucket semtab[SEMTAB_SIZE];
static _Atomic int32_t nforeign;	/* foreign threads asleep on a futex */

static struct bucket *bucket_of(uintptr_t key)
{
	return &semtab[(key >> 2) % SEMTAB_SIZE];
}

static uintptr_t key_of(_Atomic uint32_t *addr, bool shared)
{
	return (uintptr_t)addr | shared;
}

/* Caller holds b->lock. */
static void enqueue(struct bucket *b, struct g *gp)
{
	gp->waitnext = NULL;
	gp->waitprev = b->tail;
	if (b->tail)
		b->tail->waitnext = gp;
	else
		b->head = gp;
	b->tail = gp;
}

/* Caller holds b->lock. */
static void dequeue(struct bucket *b, struct g *gp)
{
	if (gp->waitprev)
		gp->waitprev->waitnext = gp->waitnext;
	else
		b->head = gp->waitnext;
	if (gp->waitnext)
		gp->waitnext->waitprev = gp->waitprev;
	else
		b->tail = gp->waitprev;
}

static bool sema_commit(struct g *gp, void *arg)
{
	(void)gp;
	gs_unlock(&((struct bucket *)arg)->lock);
	return true;
}

/* sema_timeout runs where timers run: it dequeues the G unless a waker did first. A
 * requeue may have moved the G to another bucket; then look again. */
static void sema_timeout(struct gs_timer *t, struct m *mp)
{
	struct g *gp = t->arg;

	for (;;) {
		uintptr_t a = atomic_load_explicit(&gp->waitaddr, memory_order_relaxed);
		struct bucket *b = bucket_of(a);

		gs_lock(&b->lock);
		if (atomic_load_explicit(&gp->waitstate, memory_order_relaxed) != Wwaiting) {
			gs_unlock(&b->lock);
			return;
		}
		if (atomic_load_explicit(&gp->waitaddr, memory_order_relaxed) == a) {
			dequeue(b, gp);
			atomic_store_explicit(&gp->waitstate, Wtimedout, memory_order_relaxed);
			gs_unlock(&b->lock);
			gs_goready(gp, mp);
			return;
		}
		gs_unlock(&b->lock);
	}
}

static int wait_foreign(_Atomic uint32_t *addr, bool shared, uint32_t val, uint32_t bits,
			int64_t deadline)
{
	struct timespec ts = { deadline / 1000000000ll, deadline % 1000000000ll };
	long r;

	if (!shared)
		atomic_fetch_add_explicit(&nforeign, 1, memory_order_seq_cst);
	r = sys_call6(SYS_futex, (long)addr,
		      shared ? FUTEX_WAIT_BITSET : FUTEX_WAIT_BITSET_PRIVATE, val,
		      deadline ? (long)&ts : 0, 0, bits);
	if (!shared)
		atomic_fetch_sub_explicit(&nforeign, 1, memory_order_relaxed);
	if (r == -EAGAIN || r == -ETIMEDOUT)
		return (int)r;
	return 0;
}

static int sema_wait1(_Atomic uint32_t *addr, bool shared, uint32_t val, uint32_t bits,
		      int64_t deadline)
{
	struct g *gp = getg();
	struct bucket *b = bucket_of(key_of(addr, shared));

	if (gp == NULL)
		return wait_foreign(addr, shared, val, bits, deadline);
	gs_lock(&b->lock);
	/* seq_cst pairs with gs_interrupt: it sets interrupt, then looks in the queue */
	if (gp->waitintr && (atomic_load_explicit(&gp->interrupt, memory_order_seq_cst) ||
			     (atomic_load_explicit(&gp->pendsig, memory_order_seq_cst) &
			      ~gp->sigmask))) {
		gs_unlock(&b->lock);
		return -EINTR;
	}
	/* one load: the word may change back between two (-EAGAIN, never -ETIMEDOUT) */
	if (atomic_load_explicit(addr, memory_order_relaxed) != val) {
		gs_unlock(&b->lock);
		return -EAGAIN;
	}
	if (deadline && deadline <= gs_nanotime()) {
		gs_unlock(&b->lock);
		return -ETIMEDOUT;
	}
	atomic_store_explicit(&gp->waitaddr, key_of(addr, shared), memory_order_relaxed);
	atomic_store_explicit(&gp->waitstate, Wwaiting, memory_order_relaxed);
	gp->waitbits = bits;
	enqueue(b, gp);
	if (deadline) {
		gp->waittimer.when = deadline;
		gp->waittimer.f = sema_timeout;
		gp->waittimer.arg = gp;
		gs_timer_add(&gp->waittimer);
	}
	gs_gopark(sema_commit, b, gp->waitreason ? gp->waitreason : "semacquire");
	gp->waitreason = NULL;
	if (deadline)
		gs_timer_del(&gp->waittimer);
	switch (atomic_load_explicit(&gp->waitstate, memory_order_relaxed)) {
	case Wwoken:
		return 0;
	case Wintr:
		return -EINTR;
	default:
		return -ETIMEDOUT;
	}
}

int gs_sema_wait(_Atomic uint32_t *addr, uint32_t val, uint32_t bits, int64_t deadline)
{
	struct g *self = gs_acquirem();
	int r = sema_wait1(addr, false, val, bits, deadline);

	gs_releasem(self);
	gs_park_signals(self);
	return r;
}

int gs_sema_wait_shared(_Atomic uint32_t *addr, uint32_t val, uint32_t bits, int64_t deadline)
{
	struct g *self = gs_acquirem();
	int r = sema_wait1(addr, true, val, bits, deadline);

	gs_releasem(self);
	gs_park_signals(self);
	return r;
}

/* take moves up to n waiters on key with matching bits from b to the list *out (linked
 * through waitnext, oldest first), marking them woken. Caller holds b->lock. */
static int take(struct bucket *b, uintptr_t key, int n, uint32_t bits, struct g **out)
{
	struct g *gp = b->head, *next, **tail = out;
	int k = 0;

	while (*tail)
		tail = &(*tail)->waitnext;
	for (; gp && k < n; gp = next) {
		next = gp->waitnext;
		if (atomic_load_explicit(&gp->waitaddr, memory_order_relaxed) != key ||
		    (gp->waitbits & bits) == 0)
			continue;
		dequeue(b, gp);
		atomic_store_explicit(&gp->waitstate, Wwoken, memory_order_relaxed);
		gp->waitnext = NULL;
		*tail = gp;
		tail = &gp->waitnext;
		k++;
	}
	return k;
}

static void ready_all(struct g *list, struct m *mp)
{
	while (list) {
		struct g *next = list->waitnext;

		gs_goready(list, mp);
		list = next;
	}
}

static int sema_wake1(_Atomic uint32_t *addr, bool shared, int n, uint32_t bits,
		      struct m *mp)
{
	uintptr_t key = key_of(addr, shared);
	struct bucket *b = bucket_of(key);
	struct g *list = NULL;
	int k;

	gs_lock(&b->lock);
	k = take(b, key, n, bits, &list);
	gs_unlock(&b->lock);
	ready_all(list, mp);
	/* seq_cst pairs with wait_foreign's increment: a foreign waiter that checked the
	 * word before our caller changed it is counted by now */
	if (k < n && (shared || atomic_load_explicit(&nforeign, memory_order_seq_cst) > 0)) {
		long r = sys_call6(SYS_futex, (long)addr,
				   shared ? FUTEX_WAKE_BITSET : FUTEX_WAKE_BITSET_PRIVATE, n - k,
				   0, 0, bits);
		if (r > 0)
			k += (int)r;
		else if (r < 0 && k == 0 && shared)
			return (int)r;
	}
	return k;
}

int gs_sema_wake(_Atomic uint32_t *addr, int n, uint32_t bits)
{
	struct g *self = gs_acquirem();
	int r = sema_wake1(addr, false, n, bits, NULL);

	gs_releasem(self);
	return r;
}

int gs_sema_wake_shared(_Atomic uint32_t *addr, int n, uint32_t bits)
{
	struct g *self = gs_acquirem();
	int r = sema_wake1(addr, true, n, bits, NULL);

	gs_releasem(self);
	return r;
}

int gs_sema_wake_m(_Atomic uint32_t *addr, int n, uint32_t bits, struct m *mp)
{
	return sema_wake1(addr, false, n, bits, mp);
}

static void lock_pair(struct bucket *a, struct bucket *b)
{
	if (a == b) {
		gs_lock(&a->lock);
	} else if (a < b) {
		gs_lock(&a->lock);
		gs_lock(&b->lock);
	} else {
		gs_lock(&b->lock);
		gs_lock(&a->lock);
	}
}

static void unlock_pair(struct bucket *a, struct bucket *b)
{
	gs_unlock(&a->lock);
	if (a != b)
		gs_unlock(&b->lock);
}

/* sema_requeue1: with canmove false, the Gs it would move are woken instead (a futex
 * waiter allows for spurious wake-ups). */
static int sema_requeue1(_Atomic uint32_t *from, _Atomic uint32_t *to, bool shared, bool canmove,
			 int nwake, int nmove, int check, uint32_t val)
{
	uintptr_t kf = key_of(from, shared), kt = key_of(to, shared);
	struct bucket *bf = bucket_of(kf), *bt = bucket_of(kt);
	struct g *list = NULL, *moved = NULL;
	int woken, nmoved;

	lock_pair(bf, bt);
	if (check && atomic_load_explicit(from, memory_order_relaxed) != val) {
		unlock_pair(bf, bt);
		return -EAGAIN;
	}
	woken = take(bf, kf, nwake, GS_BITSET_ANY, &list);
	nmoved = take(bf, kf, nmove, GS_BITSET_ANY, canmove ? &moved : &list);
	for (struct g *gp = moved, *next; gp; gp = next) {
		next = gp->waitnext;
		atomic_store_explicit(&gp->waitstate, Wwaiting, memory_order_relaxed);
		atomic_store_explicit(&gp->waitaddr, kt, memory_order_relaxed);
		enqueue(bt, gp);
	}
	unlock_pair(bf, bt);
	ready_all(list, NULL);
	if ((shared || atomic_load_explicit(&nforeign, memory_order_seq_cst) > 0) &&
	    (woken < nwake || nmoved < nmove)) {
		int op = check ? FUTEX_CMP_REQUEUE : FUTEX_REQUEUE;
		long r = sys_call6(SYS_futex, (long)from, shared ? op : op | FUTEX_PRIVATE_FLAG,
				   nwake - woken, nmove - nmoved, (long)to, val);
		if (r > 0)
			woken += (int)r;
	}
	return woken + nmoved;
}

int gs_sema_requeue(_Atomic uint32_t *from, _Atomic uint32_t *to, int nwake, int nmove,
		    int check, uint32_t val)
{
	struct g *self = gs_acquirem();
	int r = sema_requeue1(from, to, false, true, nwake, nmove, check, val);

	gs_releasem(self);
	return r;
}

int gs_sema_requeue_shared(_Atomic uint32_t *from, _Atomic uint32_t *to, int nwake, int nmove,
			   int check, uint32_t val)
{
	/* a G moved where another process may wake the word would be out of its reach */
	bool canmove = gs_page_private((const void *)to);
	struct g *self = gs_acquirem();
	int r = sema_requeue1(from, to, true, canmove, nwake, nmove, check, val);

	gs_releasem(self);
	return r;
}

void gs_sema_afterfork(void)
{
	for (int i = 0; i < SEMTAB_SIZE; i++)
		semtab[i] = (struct bucket){ .head = NULL, .tail = NULL };
	atomic_store_explicit(&nforeign, 0, memory_order_relaxed);
}

void gs_interrupt(struct g *gp)
{
	atomic_store_explicit(&gp->interrupt, 1, memory_order_seq_cst);
	for (;;) {
		uintptr_t a = atomic_load_explicit(&gp->waitaddr, memory_order_seq_cst);
		struct bucket *b = bucket_of(a);

		gs_lock(&b->lock);
		if (a == 0 || !gp->waitintr ||
		    atomic_load_explicit(&gp->waitstate, memory_order_relaxed) != Wwaiting) {
			gs_unlock(&b->lock);
			return;
		}
		if (atomic_load_explicit(&gp->waitaddr, memory_order_relaxed) == a) {
			dequeue(b, gp);
			atomic_store_explicit(&gp->waitstate, Wintr, memory_order_relaxed);
			gs_unlock(&b->lock);
			gs_goready(gp, NULL);
			return;
		}
		gs_unlock(&b->lock);
	}
}
