/* Per-P runq/runnext and the global runq, after Go's proc.go. May call: atomics,
 * sched.lock. Never parks.
 *
 * The local queue is a single-producer ring: only the owner M writes runqtail, while
 * stealers take from the head with a CAS on runqhead. Slots are atomics read relaxed: a
 * stealer may read a slot the owner is rewriting, but then its CAS on runqhead fails,
 * because the owner only reuses a slot after runqhead moved past it. */
#include "runq.h"
#include "throw.h"

static bool runqputslow(struct p *pp, struct g *gp, uint32_t h, uint32_t t)
{
	struct g *batch[GS_RUNQ_SIZE / 2 + 1];
	uint32_t n = (t - h) / 2;

	if (n != GS_RUNQ_SIZE / 2)
		gs_throw("runqputslow", "queue is not full");
	for (uint32_t i = 0; i < n; i++)
		batch[i] = atomic_load_explicit(&pp->runq[(h + i) % GS_RUNQ_SIZE],
						memory_order_relaxed);
	/* release pairs with the stealers' acquire load of runqhead. */
	if (!atomic_compare_exchange_strong_explicit(&pp->runqhead, &h, h + n,
						     memory_order_release, memory_order_relaxed))
		return false;
	batch[n] = gp;
	for (uint32_t i = 0; i < n; i++)
		batch[i]->schedlink = batch[i + 1];
	gs_lock(&gs_sched.lock);
	globrunqputbatch(batch[0], batch[n], (int)n + 1);
	gs_unlock(&gs_sched.lock);
	return true;
}

void runqput(struct p *pp, struct g *gp, bool next)
{
	uint32_t h, t;

	if (next) {
		gp = atomic_exchange_explicit(&pp->runnext, gp, memory_order_acq_rel);
		if (gp == NULL)
			return;
	}
	for (;;) {
		/* acquire pairs with the stealers' release CAS: their reads of the slots
		 * happened before we overwrite them. */
		h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
		t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
		if (t - h < GS_RUNQ_SIZE) {
			atomic_store_explicit(&pp->runq[t % GS_RUNQ_SIZE], gp, memory_order_relaxed);
			/* release makes the slot visible to the consumers' acquire of runqtail */
			atomic_store_explicit(&pp->runqtail, t + 1, memory_order_release);
			return;
		}
		if (runqputslow(pp, gp, h, t))
			return;
	}
}

struct g *runqget(struct p *pp)
{
	struct g *next = atomic_load_explicit(&pp->runnext, memory_order_relaxed);
	uint32_t h, t;

	if (next && atomic_compare_exchange_strong_explicit(&pp->runnext, &next, NULL,
							    memory_order_acq_rel,
							    memory_order_relaxed))
		return next;
	for (;;) {
		h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
		t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
		if (t == h)
			return NULL;
		struct g *gp = atomic_load_explicit(&pp->runq[h % GS_RUNQ_SIZE],
						    memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&pp->runqhead, &h, h + 1,
							  memory_order_release,
							  memory_order_relaxed))
			return gp;
	}
}

/* runqgrab copies half of victim's queue into pp's ring starting at slot t, without
 * publishing it. Returns how many. */
static uint32_t runqgrab(struct p *victim, struct p *pp, uint32_t t, bool stealnext)
{
	for (;;) {
		uint32_t h = atomic_load_explicit(&victim->runqhead, memory_order_acquire);
		/* acquire pairs with the owner's release store of runqtail */
		uint32_t vt = atomic_load_explicit(&victim->runqtail, memory_order_acquire);
		uint32_t n = vt - h;

		n = n - n / 2;
		if (n == 0) {
			struct g *next;

			if (!stealnext)
				return 0;
			next = atomic_load_explicit(&victim->runnext, memory_order_relaxed);
			if (next == NULL ||
			    !atomic_compare_exchange_strong_explicit(&victim->runnext, &next, NULL,
								     memory_order_acq_rel,
								     memory_order_relaxed))
				return 0;
			atomic_store_explicit(&pp->runq[t % GS_RUNQ_SIZE], next,
					      memory_order_relaxed);
			return 1;
		}
		if (n > GS_RUNQ_SIZE / 2)
			continue;	/* h and vt read at different times; retry */
		for (uint32_t i = 0; i < n; i++) {
			struct g *gp = atomic_load_explicit(&victim->runq[(h + i) % GS_RUNQ_SIZE],
							    memory_order_relaxed);
			atomic_store_explicit(&pp->runq[(t + i) % GS_RUNQ_SIZE], gp,
					      memory_order_relaxed);
		}
		if (atomic_compare_exchange_strong_explicit(&victim->runqhead, &h, h + n,
							    memory_order_release,
							    memory_order_relaxed))
			return n;
	}
}

struct g *runqsteal(struct p *pp, struct p *victim, bool stealnext)
{
	uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
	uint32_t n = runqgrab(victim, pp, t, stealnext);
	struct g *gp;

	if (n == 0)
		return NULL;
	n--;
	gp = atomic_load_explicit(&pp->runq[(t + n) % GS_RUNQ_SIZE], memory_order_relaxed);
	if (n == 0)
		return gp;
	if (t - atomic_load_explicit(&pp->runqhead, memory_order_acquire) + n >= GS_RUNQ_SIZE)
		gs_throw("runqsteal", "runq overflow");
	atomic_store_explicit(&pp->runqtail, t + n, memory_order_release);
	return gp;
}

bool runqempty(struct p *pp)
{
	uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
	uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_acquire);

	return h == t && atomic_load_explicit(&pp->runnext, memory_order_acquire) == NULL;
}

void globrunqput(struct g *gp)
{
	gp->schedlink = NULL;
	globrunqputbatch(gp, gp, 1);
}

void globrunqputbatch(struct g *head, struct g *tail, int n)
{
	tail->schedlink = NULL;
	if (gs_sched.runqtail)
		gs_sched.runqtail->schedlink = head;
	else
		gs_sched.runqhead = head;
	gs_sched.runqtail = tail;
	atomic_store_explicit(&gs_sched.runqsize,
			      atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static struct g *globrunqpop(void)
{
	struct g *gp = gs_sched.runqhead;

	gs_sched.runqhead = gp->schedlink;
	if (gs_sched.runqhead == NULL)
		gs_sched.runqtail = NULL;
	atomic_store_explicit(&gs_sched.runqsize,
			      atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed) - 1,
			      memory_order_relaxed);
	return gp;
}

struct g *globrunqget(struct p *pp, int max)
{
	int size = atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed);
	int n;
	struct g *gp;

	if (size == 0)
		return NULL;
	n = size / gs_sched.gomaxprocs + 1;
	if (n > size)
		n = size;
	if (max > 0 && n > max)
		n = max;
	if (n > GS_RUNQ_SIZE / 2)
		n = GS_RUNQ_SIZE / 2;
	gp = globrunqpop();
	while (--n > 0)
		runqput(pp, globrunqpop(), false);
	return gp;
}
