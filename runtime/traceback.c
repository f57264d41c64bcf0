/* Tracebacks of every G for SIGQUIT. May call: libunwind, snprintf, dladdr, raw write.
 * A parked or runnable G's stack is unwound from the registers its switch frame saved
 * (asm/amd64.S); the running G that took the signal, from the signal context; a G running
 * or in a system call on another M has no stable stack to read and is listed without one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "proc.h"
#include "sys.h"
#include "timer.h"
#include "tls.h"
#include "traceback.h"

#define MAX_FRAMES 32

__attribute__((format(printf, 1, 2))) static void out(const char *f, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	/* nothing to do if stderr is gone */
	(void)sys_write(2, buf, (size_t)(n > 0 ? n : 0));
}

static void frames(unw_context_t *uc, int flags)
{
	unw_cursor_t cur;

	if (unw_init_local2(&cur, uc, flags) < 0)
		return;
	for (int i = 0; i < MAX_FRAMES; i++) {
		char name[128];
		unw_word_t ip, off;
		Dl_info info;

		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0)
			break;
		if (unw_get_proc_name(&cur, name, sizeof(name), &off) < 0)
			strcpy(name, "?"), off = 0;
		out("%s(...)\n\t%s +0x%lx\n", name,
		    dladdr((void *)ip, &info) && info.dli_fname ? info.dli_fname : "?",
		    (unsigned long)off);
		if (unw_step(&cur) <= 0)
			break;
	}
}

/* saved_context rebuilds the registers a switched-out G resumes with. */
static void saved_context(struct g *gp, ucontext_t *uc)
{
	const uint64_t *f = (const uint64_t *)gp->sched.sp;

	memset(uc, 0, sizeof(*uc));
	uc->uc_mcontext.gregs[REG_R15] = (greg_t)f[1];
	uc->uc_mcontext.gregs[REG_R14] = (greg_t)f[2];
	uc->uc_mcontext.gregs[REG_R13] = (greg_t)f[3];
	uc->uc_mcontext.gregs[REG_R12] = (greg_t)f[4];
	uc->uc_mcontext.gregs[REG_RBX] = (greg_t)f[5];
	uc->uc_mcontext.gregs[REG_RBP] = (greg_t)f[6];
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)f[7];
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(gp->sched.sp + 64);
}

static void one(struct g *gp, struct g *self, void *uctx, int64_t now)
{
	uint32_t s = atomic_load_explicit(&gp->status, memory_order_relaxed);
	struct m *mp = gp->m;
	ucontext_t uc;

	switch (s) {
	case Gwaiting:
		out("goroutine %llu [%s, %lld ms]:\n", (unsigned long long)gp->goid,
		    gp->waitreason ? gp->waitreason : "waiting",
		    (long long)((now - gp->waitsince) / 1000000));
		break;
	case Grunnable:
		out("goroutine %llu [runnable]:\n", (unsigned long long)gp->goid);
		break;
	case Grunning:
		out("goroutine %llu [running, m=%llu]:\n", (unsigned long long)gp->goid,
		    mp ? (unsigned long long)mp->id : 0ull);
		break;
	case Gsyscall:
		out("goroutine %llu [syscall, m=%llu]:\n", (unsigned long long)gp->goid,
		    mp ? (unsigned long long)mp->id : 0ull);
		break;
	default:
		return;
	}
	if (gp == self) {
		frames((unw_context_t *)uctx, UNW_INIT_SIGNAL_FRAME);
	} else if (s == Gwaiting || s == Grunnable) {
		saved_context(gp, &uc);
		frames((unw_context_t *)&uc, 0);
	} else {
		out("\t(running on another thread: stack not available)\n");
	}
	out("\n");
}

void gs_traceback_all(void *uctx)
{
	struct g *self = getg();
	int64_t now = gs_nanotime();

	out("SIGQUIT: quit\n\n");
	for (struct g *gp = gs_sched.allg; gp; gp = gp->alllink) {
		if (gp->goid != 0)
			one(gp, self, uctx, now);
	}
}
