/* Stack pool. May call: raw syscalls, its own lock. Never parks, never calls libc. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "lock.h"
#include "stack.h"
#include "sys.h"
#include "throw.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102	/* Linux 6.13 */
#endif

#define PAGE 4096ul
#define POOL_MAX 256		/* cached stacks; beyond this they are unmapped */

/* The pool is a stack of free entries; each entry lives at the top of its own stack's
 * usable area, so the pool needs no memory of its own. */
struct pooled {
	struct gs_stack st;
	struct pooled *next;
};

static struct gs_lock pool_lock;
static struct pooled *pool;	/* pool_lock */
static int pool_count;		/* pool_lock */
static _Atomic int madv_guard = -1;	/* -1 unknown, 0 no, 1 yes */

static size_t round_page(size_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

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

static struct pooled *pool_take(size_t size, size_t guard)
{
	struct pooled **pp, *e = NULL;

	gs_lock(&pool_lock);
	for (pp = &pool; *pp; pp = &(*pp)->next) {
		if ((*pp)->st.size == size && (*pp)->st.guard == guard) {
			e = *pp;
			*pp = e->next;
			pool_count--;
			break;
		}
	}
	gs_unlock(&pool_lock);
	return e;
}

int gs_stack_alloc(struct gs_stack *st, size_t size, size_t guard)
{
	struct pooled *e;
	void *base;
	int r;

	size = round_page(size);
	guard = round_page(guard);
	e = pool_take(size, guard);
	if (e) {
		*st = e->st;
		return 0;
	}
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

void gs_stack_free(struct gs_stack *st)
{
	struct pooled *e;

	if (st->base == NULL)
		return;
	gs_lock(&pool_lock);
	if (pool_count < POOL_MAX) {
		e = (struct pooled *)((char *)st->lo + st->size) - 1;
		e->st = *st;
		e->next = pool;
		pool = e;
		pool_count++;
		gs_unlock(&pool_lock);
		st->base = NULL;
		return;
	}
	gs_unlock(&pool_lock);
	if (sys_munmap(st->base, st->mapsize) != 0)
		gs_throw("stack free", "munmap failed");
	st->base = NULL;
}

int gs_stack_pool_count(void)
{
	int n;

	gs_lock(&pool_lock);
	n = pool_count;
	gs_unlock(&pool_lock);
	return n;
}

int gs_stack_uses_madv_guard(void)
{
	return atomic_load_explicit(&madv_guard, memory_order_relaxed) == 1;
}

void gs_stack_afterfork(void)
{
	pool_lock = (struct gs_lock){ 0 };
	pool = NULL;
	pool_count = 0;
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
