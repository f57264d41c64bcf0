/* Per-G thread-local storage: each G's TCB and static TLS come from the dynamic loader's
 * allocator, and the G's thread pointer is installed when an M switches to it. */
#ifndef GS_TLS_H
#define GS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime2.h"
#include "sys.h"
#include "throw.h"

/* gs_curg is the running G as seen through the thread pointer: in each G's own TLS block
 * (private mode) or in its M's (shared mode, rewritten at each switch). NULL on threads
 * that are not Gs. g0 code never reads it: the thread pointer there is stale. */
extern __thread struct g *gs_curg __attribute__((tls_model("initial-exec")));

static inline struct g *getg(void)
{
	return gs_curg;
}

/* gs_checkp makes sure the running G's M still owns its P, which sysmon may have taken
 * while the M was blocked in a call goshim could not interpose; otherwise it gets another
 * P, or queues the G until one runs it. Runs on a G with inruntime just raised to 1. */
void gs_checkp(struct g *gp);

/* gs_acquirem and gs_releasem bracket runtime code that a G runs on its own stack and that
 * uses its M's P (Go's acquirem): sysmon does not take the P meanwhile, and a signal
 * handler interrupting it makes its blocking calls without a hand-off. NULL-safe for
 * foreign threads. */
static inline struct g *gs_acquirem(void)
{
	struct g *gp = getg();

	/* seq_cst pairs with sysmon's Pstealing store and its load of inruntime */
	if (gp && atomic_fetch_add_explicit(&gp->inruntime, 1, memory_order_seq_cst) == 0)
		gs_checkp(gp);
	return gp;
}

static inline void gs_releasem(struct g *gp)
{
	if (gp)
		atomic_fetch_sub_explicit(&gp->inruntime, 1, memory_order_relaxed);
}

struct gs_tls {
	bool private;			/* const after init: one TCB per G */
	bool fsgsbase;			/* const after init: wrfsbase usable */
	ptrdiff_t curg_off;		/* const: &gs_curg - thread pointer */
	ptrdiff_t tcbg_off;		/* const: the same for the TCB's own G (gs_handle_g) */
};

extern struct gs_tls gs_tls;

/* gs_tls_init learns the C library's thread layout from the main thread. Returns NULL or
 * the reason private TLS cannot work here. Runs once, on the main thread, before any G. */
const char *gs_tls_init(bool private);

/* gs_tls_bind_main makes the running thread's own TCB the TLS of gp (G 1). */
void gs_tls_bind_main(struct g *gp);

/* gs_tls_prepare gives gp a fresh TLS view for a new thread, and sets gp->stacktop. On a
 * stack of goshim's the TCB and static TLS go at its top, as nptl puts them (one set of
 * pages for both); on the program's own stack they are allocated. A recycled G's view is
 * reset in place. Returns 0 or -ENOMEM. */
int gs_tls_prepare(struct g *gp);

/* gs_tls_set_unwind_base records buf as the outermost unwind buffer of gp, where glibc's
 * pthread_exit unwinding ends (its start_thread keeps one the same way). Returns false if
 * this C library's layout is not known well enough, or TLS is shared. Runs on gp. */
bool gs_tls_set_unwind_base(struct g *gp, void *buf);

/* gs_tls_new_m makes a TCB of its own for M 0, whose thread's TCB is G 1's (private TLS);
 * with shared TLS it is the running thread's. Returns NULL if out of memory. Runs once, on
 * the main thread. */
void *gs_tls_new_m(void);

/* gs_tls_cancelhandling is the C library's cancellation word in gp's TCB (private TLS),
 * or NULL. */
_Atomic int *gs_tls_cancelhandling(struct g *gp);

/* gs_tls_set_tid records the kernel thread id of the M that runs gp where the C library
 * keeps it in the TCB. Runs on g0. */
void gs_tls_set_tid(struct g *gp, int32_t tid);

/* gs_tls_afterfork records the fork child's thread id in mp's own TCB too (the C library
 * updated only the TCB loaded, gp's). */
void gs_tls_afterfork(struct m *mp, struct g *gp);

/* gs_tls_mark_multithreaded sets the C library's "more than one thread" flag in G 1's TCB,
 * as its pthread_create does for the creating thread. */
void gs_tls_mark_multithreaded(void);

/* gs_tls_thread_pointer reads the running thread's thread pointer. */
static inline void *gs_tls_thread_pointer(void)
{
	return __builtin_thread_pointer();
}

/* gs_tls_install makes gp's TLS the running thread's: the one install per switch to a G.
 * Runs on g0, on the M that is about to run gp. */
static inline void gs_tls_install(struct m *mp, struct g *gp)
{
	if (!gs_tls.private) {
		*(struct g **)((char *)mp->tcb + gs_tls.curg_off) = gp;
		return;
	}
	if (mp->tp == gp->tcb)
		return;
	mp->tp = gp->tcb;
	if (gs_tls.fsgsbase)
		__asm__ volatile("wrfsbase %0" : : "r"(gp->tcb) : "memory");
	else if (sys_arch_prctl(0x1002 /* ARCH_SET_FS */, (uintptr_t)gp->tcb) != 0)
		gs_throw("tls install", "arch_prctl(ARCH_SET_FS) failed");
}

/* gs_tls_install_m gives mp its own thread pointer back, so that no G's TLS stays loaded
 * on an M that is not running that G: a signal handler would run on it meanwhile (twice at
 * once if the G runs elsewhere, or on freed memory once the G is recycled). Done when a G
 * exits and when an M parks. Runs on g0. */
static inline void gs_tls_install_m(struct m *mp)
{
	if (!gs_tls.private) {
		*(struct g **)((char *)mp->tcb + gs_tls.curg_off) = NULL;
		return;
	}
	if (mp->tp == mp->tcb)
		return;
	mp->tp = mp->tcb;
	if (gs_tls.fsgsbase)
		__asm__ volatile("wrfsbase %0" : : "r"(mp->tcb) : "memory");
	else if (sys_arch_prctl(0x1002 /* ARCH_SET_FS */, (uintptr_t)mp->tcb) != 0)
		gs_throw("tls install", "arch_prctl(ARCH_SET_FS) failed");
}

#endif
