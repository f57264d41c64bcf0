/* entersyscall/exitsyscall, after Go's proc.go. May call: proc, locks. */
#include "../asm/asm.h"
#include "proc.h"
#include "runq.h"
#include "sys.h"
#include "syscall.h"
#include "tls.h"

/* run_or_queue runs gp, just made Grunnable because its M has no P, on an idle P if there
 * is one, else leaves it on the global queue and parks the M. Runs on g0. */
__attribute__((noreturn)) static void run_or_queue(struct m *mp, struct g *gp)
{
	struct p *pp;

	mp->curg = NULL;
	gs_lock(&gs_sched.lock);
	pp = pidleget();
	if (pp == NULL)
		globrunqput(gp);
	gs_unlock(&gs_sched.lock);
	if (pp) {
		acquirep(mp, pp);
		execute(mp, gp);
	}
	if (mp->lockedg == NULL)	/* a locked M waits for its G in schedule */
		stopm(mp);
	schedule(mp);
}

/* lostp0 runs on g0 when a G found its P taken and none idle. */
static void lostp0(struct g *gp)
{
	casgstatus(gp, Grunning, Grunnable);
	run_or_queue(gp->m, gp);
}

void gs_checkp(struct g *gp)
{
	struct m *mp = gp->m;
	struct p *pp = mp->p;
	uint32_t s;

	if (pp == NULL)
		return;
	while ((s = atomic_load_explicit(&pp->status, memory_order_seq_cst)) == Pstealing)
		sys_sched_yield();
	if (s == Prunning && pp->m == mp)
		return;
	/* sysmon gave pp away while this M was blocked in the kernel */
	mp->p = NULL;
	gs_lock(&gs_sched.lock);
	pp = pidleget();
	gs_unlock(&gs_sched.lock);
	if (pp)
		acquirep(mp, pp);
	else
		gs_mcall(&gp->sched, mp->g0sp, lostp0, gp);
}

void gs_entersyscall(void)
{
	struct g *gp = gs_acquirem();
	struct m *mp = gp->m;
	struct p *pp = mp->p;

	casgstatus(gp, Grunning, Gsyscall);
	atomic_fetch_add_explicit(&pp->syscalltick, 1, memory_order_relaxed);
	mp->oldp = pp;
	pp->m = NULL;
	mp->p = NULL;
	/* release: sysmon, seeing Psyscall, may take pp and everything we left in it */
	atomic_store_explicit(&pp->status, Psyscall, memory_order_release);
}

/* exitsyscall0 runs on g0 when no P was free on the way out of a system call. */
static void exitsyscall0(struct g *gp)
{
	casgstatus(gp, Gsyscall, Grunnable);
	run_or_queue(gp->m, gp);
}

void gs_exitsyscall(void)
{
	struct g *gp = getg();
	struct m *mp = gp->m;
	struct p *pp = mp->oldp;
	uint32_t s = Psyscall;

	/* a redirected signal the call did not see (the kernel restarted it) is spent */
	atomic_store_explicit(&gp->intrsig, 0, memory_order_relaxed);
	mp->oldp = NULL;
	/* acquire pairs with entersyscall's release or the previous owner's */
	if (!atomic_compare_exchange_strong_explicit(&pp->status, &s, Prunning,
						     memory_order_acquire, memory_order_relaxed)) {
		gs_lock(&gs_sched.lock);
		pp = pidleget();
		gs_unlock(&gs_sched.lock);
		if (pp == NULL) {
			gs_mcall(&gp->sched, mp->g0sp, exitsyscall0, gp);
			gs_releasem(gp);
			return;
		}
	}
	acquirep(mp, pp);
	atomic_fetch_add_explicit(&pp->syscalltick, 1, memory_order_relaxed);
	casgstatus(gp, Gsyscall, Grunning);
	gs_releasem(gp);
}
