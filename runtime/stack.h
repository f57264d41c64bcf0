/* G stacks: lazily committed mmap regions with a guard area below, never freed. */
#ifndef GS_STACK_H
#define GS_STACK_H

#include <stdbool.h>
#include <stddef.h>

struct gs_stack {
	void *base;		/* start of the mapping (the guard), NULL if not ours */
	size_t mapsize;		/* guard + usable size */
	void *lo;		/* lowest usable byte */
	size_t size;		/* usable size */
	size_t guard;		/* guard bytes below lo */
};

/* gs_stack_round rounds a stack or guard size up to whole pages, as gs_stack_alloc does. */
static inline size_t gs_stack_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

/* gs_stack_alloc maps a stack of size usable bytes, zeroed, with guard bytes of guard
 * below it; both are rounded up to pages. Returns 0 or -ENOMEM. Runs on any thread. */
int gs_stack_alloc(struct gs_stack *st, size_t size, size_t guard);

/* gs_stack_uses_madv_guard says whether guards are MADV_GUARD_INSTALL markers (one VMA per
 * stack) rather than PROT_NONE mappings. */
int gs_stack_uses_madv_guard(void);

/* gs_altstack gives the calling OS thread (an M) an alternate signal stack, on which a
 * G's stack overflow can still be reported. Raw system calls only. */
void gs_altstack(void);

/* gs_stack_guard_hit: addr lies in the guard goshim put below st. */
static inline bool gs_stack_guard_hit(const struct gs_stack *st, const void *addr)
{
	const char *a = addr, *lo = st->lo;

	return st->base && st->guard && a >= lo - st->guard && a < lo;
}

#endif
