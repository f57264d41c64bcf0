/* Preemption, after Go's preempt.go and signal_unix.go. May call: proc (gosched), raw
 * syscalls, libunwind (in the signal handler, with caching off so it allocates nothing),
 * taskstate.
 *
 * A safe point is an interrupted G running its own code: every frame from the interrupted
 * one down to the first goshim frame (the G's entry, or an interposed call that called the
 * program back) must lie outside the C library and the dynamic loader, and the interrupted
 * one outside goshim, since their locks and half-updated state are not the G's to leave. The
 * handler then makes the G "call" gs_preempt_asm, which saves every register and yields. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <ucontext.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "../asm/asm.h"
#include "preempt.h"
#include "proc.h"
#include "sys.h"
#include "taskstate.h"
#include "tls.h"

#define MAX_RANGES 16
#define MAX_DEPTH 64
#define RED_ZONE 128
#define PREEMPT_MAGIC 0x67736870	/* si_value of goshim's own preemption signals */

struct range {
	uintptr_t lo, hi;
};

static struct {
	struct range foreign[MAX_RANGES];	/* libc and the loader */
	int nforeign;
	struct range self[MAX_RANGES];		/* goshim */
	int nself;
	_Atomic bool signals;			/* the signal path is usable */
	uintptr_t main_base;			/* G 1's frames above this are the C library's start */
} pre;

uint64_t gs_xsave_size __attribute__((visibility("hidden")));
_Atomic int gs_preempt_signo = SIGURG;

void gs_preempt_disable(void)
{
	atomic_store_explicit(&pre.signals, false, memory_order_relaxed);
}

static void add_segments(struct dl_phdr_info *info, struct range *r, int *n)
{
	for (int i = 0; i < info->dlpi_phnum && *n < MAX_RANGES; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			r[*n].lo = info->dlpi_addr + ph->p_vaddr;
			r[*n].hi = r[*n].lo + ph->p_memsz;
			(*n)++;
		}
	}
}

static int learn_object(struct dl_phdr_info *info, size_t size, void *self_addr)
{
	Dl_info me;

	(void)size;
	if (dladdr(self_addr, &me) && (uintptr_t)me.dli_fbase == info->dlpi_addr)
		add_segments(info, pre.self, &pre.nself);
	else if (strstr(info->dlpi_name, "/libc.so.") || strstr(info->dlpi_name, "/ld-linux"))
		add_segments(info, pre.foreign, &pre.nforeign);
	return 0;
}

void gs_preempt_init(void)
{
	extern void *__libc_stack_end;
	unsigned int a, b, c, d;

	dl_iterate_phdr(learn_object, (void *)gs_preempt_init);
	pre.main_base = (uintptr_t)__libc_stack_end - 4096;
	/* the signal path needs XSAVE enabled by the OS to save every vector register */
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && __get_cpuid_max(0, NULL) >= 0xd) {
		__cpuid_count(0xd, 0, a, b, c, d);
		gs_xsave_size = ((uint64_t)b + 63) & ~63ull;
		atomic_store_explicit(&pre.signals,
				      pre.nself > 0 && pre.nforeign > 0 &&
					      unw_set_caching_policy(unw_local_addr_space,
								     UNW_CACHE_NONE) == 0,
				      memory_order_relaxed);
	}
}

static bool in(const struct range *r, int n, uintptr_t ip)
{
	for (int i = 0; i < n; i++) {
		if (ip >= r[i].lo && ip < r[i].hi)
			return true;
	}
	return false;
}

/* safe_point walks the interrupted frames (see the comment at the top). */
static bool safe_point(struct g *gp, ucontext_t *uc)
{
	unw_cursor_t cur;

	if (unw_init_local2(&cur, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) < 0)
		return false;
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		unw_word_t ip, sp;

		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || unw_get_reg(&cur, UNW_REG_SP, &sp) < 0)
			return false;
		if (in(pre.self, pre.nself, ip))
			return depth > 0;
		if (in(pre.foreign, pre.nforeign, ip))
			return depth > 0 && gp->is_main && sp >= pre.main_base;
		if (unw_step(&cur) <= 0)
			return false;
	}
	return false;
}

bool gs_preempt_signal(siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
	greg_t *regs = uc->uc_mcontext.gregs;
	struct g *gp;
	uintptr_t sp;
	bool safe;

	if (!sys_sigmarked(si, PREEMPT_MAGIC))
		return false;
	gp = getg();
	if (gp)
		atomic_fetch_add_explicit(&gp->preempt_sigs, 1, memory_order_relaxed);
	sp = (uintptr_t)regs[REG_RSP];
	if (gp == NULL || !atomic_load_explicit(&gp->preempt, memory_order_relaxed) ||
	    atomic_load_explicit(&gp->inruntime, memory_order_relaxed) ||
	    atomic_load_explicit(&gp->status, memory_order_relaxed) != Grunning ||
	    sp - RED_ZONE - 8 < (uintptr_t)gp->stack.lo ||
	    sp >= (uintptr_t)gp->stack.lo + gp->stack.size)
		return true;
	/* libunwind calls interposed functions (pipe2, write, read, sigprocmask) while it
	 * holds the loader's lock in dl_iterate_phdr: seeing the G, they could switch it out
	 * there (its preempt flag is set), and every M taking this signal would then block on
	 * that lock with the G that holds it in a run queue. Hidden, it is a plain thread. */
	gs_curg = NULL;
	safe = safe_point(gp, uc);
	gs_curg = gp;
	if (!safe)
		return true;
	sp -= RED_ZONE + 8;
	*(uintptr_t *)sp = (uintptr_t)regs[REG_RIP];
	regs[REG_RSP] = (greg_t)sp;
	regs[REG_RIP] = (greg_t)gs_preempt_asm;
	return true;
}

/* gs_preempt_park is called by gs_preempt_asm on the interrupted G. */
void gs_preempt_park(void)
{
	gs_preempt_check_slow(getg());
}

void gs_preempt_check_slow(struct g *gp)
{
	if (atomic_load_explicit(&gp->inruntime, memory_order_relaxed))
		return;
	atomic_store_explicit(&gp->preempt, 0, memory_order_relaxed);
	gs_gopreempt();
}

void gs_preemptone(struct p *pp)
{
	struct m *mp = pp->m;
	struct g *gp = mp ? mp->curg : NULL;

	if (gp == NULL || atomic_load_explicit(&gp->status, memory_order_relaxed) != Grunning)
		return;
	atomic_store_explicit(&gp->preempt, 1, memory_order_relaxed);
	if (gs_task_cpu(mp->tid) == Ton)
		gs_preempt_kick(mp);
}

void gs_preempt_kick(struct m *mp)
{
	if (!atomic_load_explicit(&pre.signals, memory_order_relaxed))
		return;
	/* the M may have moved on meanwhile: the handler checks the flag on whatever G it
	 * finds, and a failure here (the thread is gone) is harmless */
	sys_tgsigqueue(mp->tid, atomic_load_explicit(&gs_preempt_signo, memory_order_acquire),
		       PREEMPT_MAGIC);
}
