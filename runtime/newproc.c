/* G lifecycle: start-up of the scheduler, creation (newproc), exit, join and detach, and the
 * free-G caches. May call: proc.c, runq, stack pool, tls, malloc (never on g0). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../asm/asm.h"
#include "netpoll.h"
#include "pagemap.h"
#include "proc.h"
#include "sigmask.h"
#include "runq.h"
#include "sysmon.h"
#include "throw.h"
#include "tls.h"

#define GFREE_LOCAL_MAX 64
#define G0_STACK_SIZE (256 * 1024)

struct g *gs_g1;

/* main_stack records the extent the main thread's stack may grow to (not ours to free). */
static void main_stack(struct gs_stack *st)
{
	extern void *__libc_stack_end;
	uintptr_t hi = ((uintptr_t)__libc_stack_end + 4095) & ~(uintptr_t)4095;
	struct rlimit rl;
	size_t size = 8ul << 20;

	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		size = rl.rlim_cur;
	else if (getrlimit(RLIMIT_STACK, &rl) == 0)
		size = 1ul << 30;
	if (size > hi)
		size = hi;
	st->lo = (void *)(hi - size);
	st->size = size;
}

const char *gs_schedinit(int gomaxprocs)
{
	static struct m m0;
	static struct g g1;
	struct gs_stack st;

	gs_sched.gomaxprocs = gomaxprocs;
	gs_sched.allp = calloc((size_t)gomaxprocs, sizeof(struct p));
	if (gs_sched.allp == NULL || gs_stack_alloc(&st, G0_STACK_SIZE, 4096) != 0)
		return "out of memory";
	for (int i = gomaxprocs - 1; i >= 0; i--) {
		gs_sched.allp[i].id = i;
		if (i > 0)
			pidleput(&gs_sched.allp[i]);
	}
	atomic_store_explicit(&gs_sched.allp[0].status, Prunning, memory_order_relaxed);
	m0.tid = sys_gettid();
	m0.sigmask = gs_sigmask_thread();
	gs_altstack();
	m0.tp = gs_tls_thread_pointer();
	m0.tcb = gs_tls_new_m();
	if (m0.tcb == NULL)
		return "out of memory";
	m0.g0sp = ((uintptr_t)st.lo + st.size) & ~(uintptr_t)15;
	m0.fastrand = 0x9e3779b97f4a7c15ull;
	gs_sched.mcount = 1;
	gs_sched.allm = &m0;
	acquirep(&m0, &gs_sched.allp[0]);

	g1.magic = GS_G_MAGIC;
	g1.is_main = true;
	main_stack(&g1.stack);
	g1.goid = atomic_fetch_add_explicit(&gs_sched.goidgen, 1, memory_order_relaxed) + 1;
	g1.lockid = GS_LOCKID_BASE + (int32_t)g1.goid;
	g1.status = Grunning;
	g1.sigmask = m0.sigmask;
	g1.m = &m0;
	gs_tls_bind_main(&g1);
	g1.handle = g1.tcb;
	m0.curg = &g1;
	gs_g1 = &g1;
	gs_sched.allg = &g1;
	atomic_store_explicit(&gs_sched.ngoroutines, 1, memory_order_relaxed);
	gs_netpoll_init();
	gs_pagemap_init();
	return NULL;
}

static struct p *curp(void)
{
	struct g *gp = getg();

	return gp ? gp->m->p : NULL;
}

/* gfree_key is the kind of G a thread created with a needs: one on its own stack of that
 * size and guard, or (0, 0) one without a stack for the program's. */
static void gfree_key(const struct gs_gattr *a, size_t *size, size_t *guard)
{
	*size = a->stackaddr ? 0 : gs_stack_round(a->stacksize);
	*guard = a->stackaddr ? 0 : gs_stack_round(a->guardsize);
}

static bool gfits(const struct g *gp, size_t size, size_t guard)
{
	return gp->instack ? gp->stack.size == size && gp->stack.guard == guard : size == 0;
}

/* gfree_list is the global list for Gs of the kind (size, guard): the one holding such
 * Gs, else for a new one (put) an empty list, else the last list, which mixes kinds. */
static struct gfree_list *gfree_list(size_t size, size_t guard, bool put)
{
	struct gfree_list *empty = NULL;

	for (int i = 0; i < GS_GFREE_LISTS - 1; i++) {
		struct gfree_list *l = &gs_sched.gfree[i];

		if (l->n > 0 && l->size == size && l->guard == guard)
			return l;
		if (l->n == 0 && empty == NULL)
			empty = l;
	}
	if (put && empty) {
		empty->size = size;
		empty->guard = guard;
		return empty;
	}
	return &gs_sched.gfree[GS_GFREE_LISTS - 1];
}

/* Caller holds gfree_lock. */
static void gfree_push(struct g *gp)
{
	struct gfree_list *l = gp->instack ? gfree_list(gp->stack.size, gp->stack.guard, true)
					   : gfree_list(0, 0, true);

	gp->schedlink = l->head;
	l->head = gp;
	l->n++;
	atomic_fetch_add_explicit(&gs_sched.ngfree, 1, memory_order_relaxed);
}

/* Caller holds gfree_lock: takes a G of the kind (size, guard), or returns NULL. */
static struct g *gfree_pop(size_t size, size_t guard)
{
	struct gfree_list *l = gfree_list(size, guard, false);

	for (struct g **gpp = &l->head; *gpp; gpp = &(*gpp)->schedlink) {
		struct g *gp = *gpp;

		if (gfits(gp, size, guard)) {
			*gpp = gp->schedlink;
			l->n--;
			atomic_fetch_sub_explicit(&gs_sched.ngfree, 1, memory_order_relaxed);
			return gp;
		}
	}
	return NULL;
}

/* gfput caches a dead G for reuse; pp NULL means the global cache. Runs on g0 too. */
static void gfput(struct p *pp, struct g *gp)
{
	if (gp->is_main)
		return;
	casgstatus(gp, Gdead, Gidle);
	if (pp) {
		gp->schedlink = pp->gfree;
		pp->gfree = gp;
		if (++pp->gfreecnt < GFREE_LOCAL_MAX)
			return;
	}
	gs_lock(&gs_sched.gfree_lock);
	if (pp) {
		while (pp->gfreecnt > GFREE_LOCAL_MAX / 2) {
			struct g *x = pp->gfree;

			pp->gfree = x->schedlink;
			pp->gfreecnt--;
			gfree_push(x);
		}
	} else {
		gfree_push(gp);
	}
	gs_unlock(&gs_sched.gfree_lock);
}

/* gfget takes a dead G of the kind a thread created with a needs, from pp's cache
 * (refilled from the global one) or, pp NULL, the global one; NULL if there is none. */
static struct g *gfget(struct p *pp, const struct gs_gattr *a)
{
	struct g *gp = NULL, *more;
	size_t size, guard;

	gfree_key(a, &size, &guard);
	if (pp) {
		for (struct g **gpp = &pp->gfree; *gpp; gpp = &(*gpp)->schedlink) {
			if (gfits(*gpp, size, guard)) {
				gp = *gpp;
				*gpp = gp->schedlink;
				pp->gfreecnt--;
				return gp;
			}
		}
	}
	if (atomic_load_explicit(&gs_sched.ngfree, memory_order_relaxed) == 0)
		return NULL;
	gs_lock(&gs_sched.gfree_lock);
	gp = gfree_pop(size, guard);
	while (gp && pp && pp->gfreecnt < GFREE_LOCAL_MAX / 2 && (more = gfree_pop(size, guard))) {
		more->schedlink = pp->gfree;
		pp->gfree = more;
		pp->gfreecnt++;
	}
	gs_unlock(&gs_sched.gfree_lock);
	return gp;
}

/* newg makes a G for a thread created with a. On a stack of goshim's the G lives in the
 * stack's top bytes, in the page that holds the TCB, so that it costs no memory of its
 * own, and the stack is its for good: Gs are never freed (stale pointers to a dead G, say
 * sysmon's, stay harmless), and a dead G serves only threads that want its stack's size
 * and guard. A G for the program's own stacks is on the heap. */
static struct g *newg(const struct gs_gattr *a)
{
	struct gs_stack st;
	struct g *gp;

	if (a->stackaddr) {
		gp = calloc(1, sizeof(*gp));
		if (gp == NULL)
			return NULL;
	} else {
		if (gs_stack_alloc(&st, a->stacksize, a->guardsize) != 0)
			return NULL;
		gp = (struct g *)((char *)st.lo + st.size - GS_GBLOCK);
		gp->stack = st;
		gp->instack = true;
	}
	gp->magic = GS_G_MAGIC;
	gs_lock(&gs_sched.allglock);
	gp->alllink = gs_sched.allg;
	gs_sched.allg = gp;
	gs_unlock(&gs_sched.allglock);
	return gp;
}

/* setup_stack points gp at the program's stack a supplies, if any, and prepares its TLS. */
static int setup_stack(struct g *gp, const struct gs_gattr *a)
{
	if (a->stackaddr)
		gp->stack = (struct gs_stack){ .lo = a->stackaddr, .size = a->stacksize };
	return gs_tls_prepare(gp);
}

/* init_frame builds the switch frame (asm/amd64.S) that starts gp in gs_gstart_asm. */
static void init_frame(struct g *gp)
{
	uintptr_t top = gp->stacktop & ~(uintptr_t)15;
	uint64_t *frame = (uint64_t *)(top - 16 - GS_SWITCH_FRAME);
	uint32_t csr[2];

	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(csr[0]), "=m"(csr[1]));
	memset(frame, 0, GS_SWITCH_FRAME);
	memcpy(frame, csr, sizeof(csr));	/* the creator's floating-point modes */
	frame[4] = (uint64_t)gp;		/* r12 */
	frame[7] = (uint64_t)gs_gstart_asm;	/* return address */
	gp->sched.sp = (uintptr_t)frame;
}

static int newproc1(void *(*start)(void *), void *arg, const struct gs_gattr *a, struct g **out)
{
	struct g *self = getg();
	struct p *pp;
	struct g *gp;
	int err = gs_sysmon_start();

	if (err)
		return err;
	pp = curp();
	gp = gfget(pp, a);
	if (gp == NULL && (gp = newg(a)) == NULL)
		return EAGAIN;
	if (setup_stack(gp, a) != 0) {
		casgstatus(gp, Gidle, Gdead);
		gfput(pp, gp);
		return EAGAIN;
	}
	gp->handle = gs_tls.private ? gp->tcb : (void *)gp;
	gp->start = start;
	gp->arg = arg;
	if (a->hasmask)
		gs_sigmask_start(self ? self->m : NULL);
	/* the creator's, unless the attributes name one; never glibc's own two */
	gp->sigmask = (a->hasmask ? a->sigmask : self ? self->sigmask : gs_sigmask_thread()) &
		      ~(3ull << 31);
	gp->retval = NULL;
	/* a recycled G left these as its last run ended (inside gs_goexit) */
	atomic_store_explicit(&gp->inruntime, 0, memory_order_relaxed);
	atomic_store_explicit(&gp->preempt, 0, memory_order_relaxed);
	gp->waitreason = NULL;
	gp->goid = atomic_fetch_add_explicit(&gs_sched.goidgen, 1, memory_order_relaxed) + 1;
	gp->lockid = GS_LOCKID_BASE + (int32_t)(gp->goid % GS_LOCKID_SPAN);
	memcpy(gp->name, self ? self->name : gs_g1->name, GS_NAME_LEN);
	atomic_store_explicit(&gp->joinstate, a->detached ? Jdetached : Jjoinable,
			      memory_order_relaxed);
	init_frame(gp);
	atomic_fetch_add_explicit(&gs_sched.ngoroutines, 1, memory_order_relaxed);
	*out = gp;
	casgstatus(gp, Gidle, Grunnable);
	if (pp) {
		runqput(pp, gp, true);
	} else {
		gs_lock(&gs_sched.lock);
		globrunqput(gp);
		gs_unlock(&gs_sched.lock);
	}
	wakep(true);
	return 0;
}

int gs_newproc(void *(*start)(void *), void *arg, const struct gs_gattr *a, struct g **out)
{
	struct g *self = gs_acquirem();
	int r = newproc1(start, arg, a, out);

	gs_releasem(self);
	return r;
}

/* gs_gstart is a new G's first frame: called from gs_gstart_asm on the G's stack. */
__attribute__((noreturn)) void gs_gstart(struct g *gp)
{
	gs_hooks.gmain(gp);
}

bool gs_gexit_last(void)
{
	return atomic_fetch_sub_explicit(&gs_sched.ngoroutines, 1, memory_order_acq_rel) == 1;
}

static void goexit0(struct g *gp)
{
	struct m *mp = gp->m;
	uintptr_t s;

	mp->curg = NULL;
	/* its M runs any G again; kernel state tied to the OS thread (tracees) stays with it */
	mp->lockedg = NULL;
	gp->lockedm = NULL;
	gp->lockedext = false;
	gp->handlersp = 0;
	/* once it is Gdead and claimed, the G's TCB may be recycled: stop using it */
	gs_tls_install_m(mp);
	casgstatus(gp, Grunning, Gdead);
	for (;;) {
		s = atomic_load_explicit(&gp->joinstate, memory_order_acquire);
		if (s == Jdetached) {
			gfput(mp->p, gp);
			break;
		}
		/* release publishes retval to the joiner's acquire load; a CAS, since a timed
		 * joiner's timeout may take it back meanwhile (join_timeout), and then it is
		 * no longer ours to ready */
		if (!atomic_compare_exchange_weak_explicit(&gp->joinstate, &s, Jexited,
							   memory_order_release, memory_order_relaxed))
			continue;
		if (s == Jforeign)
			sys_futex((_Atomic uint32_t *)&gp->joinstate, FUTEX_WAKE_PRIVATE, INT_MAX,
				  NULL);
		else if (s != Jjoinable)
			gs_goready((struct g *)s, mp);
		break;
	}
	schedule(mp);
}

void gs_goexit(void *retval)
{
	struct g *gp = gs_acquirem();

	gp->retval = retval;
	gs_mcall(&gp->sched, gp->m->g0sp, goexit0, gp);
	gs_throw("goexit", "dead G resumed");
}

/* claim takes an exited G for its joiner or detacher and recycles it. */
static bool claim(struct g *gp, void **retval)
{
	uintptr_t s = Jexited;

	if (!atomic_compare_exchange_strong_explicit(&gp->joinstate, &s, Jclaimed,
						     memory_order_acquire, memory_order_relaxed))
		return false;
	struct g *self = gs_acquirem();

	if (retval)
		*retval = gp->retval;
	gfput(curp(), gp);
	gs_releasem(self);
	return true;
}

/* join_commit runs on the joiner's g0 once it is Gwaiting: from now on the exiting G may
 * ready it. */
static bool join_commit(struct g *joiner, void *arg)
{
	struct g *gp = arg;
	uintptr_t s = Jjoinable;

	return atomic_compare_exchange_strong_explicit(&gp->joinstate, &s, (uintptr_t)joiner,
						       memory_order_acq_rel, memory_order_relaxed);
}

static int join_foreign(struct g *gp, void **retval)
{
	uintptr_t s = Jjoinable;

	if (!atomic_compare_exchange_strong_explicit(&gp->joinstate, &s, Jforeign,
						     memory_order_acq_rel, memory_order_acquire))
		return s == Jexited ? (claim(gp, retval) ? 0 : EINVAL) : EINVAL;
	while (atomic_load_explicit(&gp->joinstate, memory_order_acquire) == Jforeign)
		sys_futex((_Atomic uint32_t *)&gp->joinstate, FUTEX_WAIT_PRIVATE, Jforeign, NULL);
	return claim(gp, retval) ? 0 : EINVAL;
}

/* join_timeout runs where timers run: it takes a timed joiner back from the G it
 * waits for, unless that G's exit readied it first. A joiner not yet parked is about to
 * be: wait for its commit. */
static void join_timeout(struct gs_timer *t, struct m *mp)
{
	struct g *joiner = t->arg;
	struct g *gp = joiner->parkarg;

	for (;;) {
		uintptr_t s = atomic_load_explicit(&gp->joinstate, memory_order_acquire);

		if (s == (uintptr_t)joiner) {
			if (atomic_compare_exchange_strong_explicit(&gp->joinstate, &s, Jjoinable,
								    memory_order_acq_rel,
								    memory_order_relaxed)) {
				gs_goready(joiner, mp);
				return;
			}
		} else if (s != Jjoinable) {
			return;
		}
		sys_sched_yield();
	}
}

static int join(struct g *self, struct g *gp, void **retval, int64_t deadline)
{
	for (;;) {
		uintptr_t s = atomic_load_explicit(&gp->joinstate, memory_order_acquire);

		if (s == Jexited)
			return claim(gp, retval) ? 0 : EINVAL;
		if (s != Jjoinable)
			return EINVAL;
		if (deadline == 0) {
			gs_gopark(join_commit, gp, "pthread_join");
			continue;
		}
		if (gs_nanotime() >= deadline)
			return ETIMEDOUT;
		self->waittimer.when = deadline;
		self->waittimer.f = join_timeout;
		self->waittimer.arg = self;
		gs_timer_add(&self->waittimer);
		gs_gopark(join_commit, gp, "pthread_join");
		gs_timer_del(&self->waittimer);
	}
}

int gs_join(struct g *gp, void **retval, int64_t deadline)
{
	struct g *self = getg();
	int err;

	if (gp == self)
		return EDEADLK;
	if (self == NULL)
		return join_foreign(gp, retval);
	err = join(self, gp, retval, deadline);
	gs_park_signals(self);
	return err;
}

int gs_tryjoin(struct g *gp, void **retval)
{
	uintptr_t s = atomic_load_explicit(&gp->joinstate, memory_order_acquire);

	if (gp == getg())
		return EDEADLK;
	if (s == Jjoinable)
		return EBUSY;
	if (s == Jexited)
		return claim(gp, retval) ? 0 : EINVAL;
	return EINVAL;
}

int gs_detach(struct g *gp)
{
	for (;;) {
		uintptr_t s = atomic_load_explicit(&gp->joinstate, memory_order_acquire);

		if (s == Jexited)
			return claim(gp, NULL) ? 0 : EINVAL;
		if (s != Jjoinable)
			return EINVAL;
		if (atomic_compare_exchange_weak_explicit(&gp->joinstate, &s, Jdetached,
							  memory_order_acq_rel,
							  memory_order_relaxed))
			return 0;
	}
}

struct g *gs_handle_g(void *handle)
{
	struct g *gp;

	if (handle == NULL)
		return NULL;
	if (gs_tls.private) {
		gp = *(struct g **)((char *)handle + gs_tls.tcbg_off);
		return gp && gp->magic == GS_G_MAGIC && gp->handle == handle ? gp : NULL;
	}
	if (handle == gs_g1->handle)
		return gs_g1;
	gp = handle;
	return gp->magic == GS_G_MAGIC && gp->handle == handle ? gp : NULL;
}
