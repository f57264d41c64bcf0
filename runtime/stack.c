/* Stacks of Gs and of g0s: lazily committed mappings with a guard below. A G made on one
 * keeps it for good (newproc.c), so stacks are never freed. May call: raw syscalls. Never
 * parks, never calls libc. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "stack.h"
#include "sys.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102	/* Linux 6.13 */
#endif

static _Atomic int madv_guard = -1;	/* -1 unknown, 0 no, 1 yes */

static int install_guard(void *base, size_t guard)
{
	int mode = atomic_load_explicit(&madv_guard, memory_order_relaxed);

	if (guard == 0)
		return 0;
	if (mode != 0) {
		long r = sys_madvise(base, guard, MADV_GUARD_INSTALL);

		if (r == 0) {
			atomic_store_explicit(&madv_guard, 1, memory_order_relaxed);
			return 0;
		}
		if (mode == 1)
			return (int)r;
		atomic_store_explicit(&madv_guard, 0, memory_order_relaxed);
	}
	return (int)sys_mprotect(base, guard, PROT_NONE);
}

int gs_stack_alloc(struct gs_stack *st, size_t size, size_t guard)
{
	void *base;
	int r;

	size = gs_stack_round(size);
	guard = gs_stack_round(guard);
	base = sys_mmap(NULL, size + guard, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK);
	if ((unsigned long)base > -4096ul)
		return -ENOMEM;
	r = install_guard(base, guard);
	if (r < 0) {
		sys_munmap(base, size + guard);
		return -ENOMEM;
	}
	st->base = base;
	st->mapsize = size + guard;
	st->lo = (char *)base + guard;
	st->size = size;
	st->guard = guard;
	return 0;
}

int gs_stack_uses_madv_guard(void)
{
	return atomic_load_explicit(&madv_guard, memory_order_relaxed) == 1;
}

#define ALTSTACK_SIZE (64 * 1024)

void gs_altstack(void)
{
	void *p = sys_mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	stack_t ss = { .ss_sp = p, .ss_size = ALTSTACK_SIZE, .ss_flags = 0 };

	if ((uintptr_t)p > (uintptr_t)-4096)
		return;		/* no message on overflow then; the SIGSEGV still kills */
	sys_call6(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
}
