/* Fixed-size objects for goshim's own records (after Go's mfixalloc.go): carved from
 * mappings of goshim's own, recycled through a free list, never returned. */
#ifndef GS_FIXALLOC_H
#define GS_FIXALLOC_H

#include <stddef.h>

#include "lock.h"

/* A per-type allocator; define it static with .size set, the rest zero. Its objects are
 * aligned to 8 and never reach malloc: goshim's records take nothing from the program's
 * heap, and a thread that frees one does not get a malloc cache of its own for it. */
struct gs_fixalloc {
	size_t size;			/* const: object bytes */
	struct gs_lock lock;
	void *list;			/* lock: freed objects, linked through their first word */
	char *chunk;			/* lock: the unused rest of the newest mapping */
	size_t left;			/* lock: bytes in chunk */
};

/* gs_fixalloc_get returns a zeroed object, or NULL when out of memory. Raw system calls
 * only: callable on g0 and under locks. */
void *gs_fixalloc_get(struct gs_fixalloc *f);

/* gs_fixalloc_put gives p back for reuse. */
void gs_fixalloc_put(struct gs_fixalloc *f, void *p);

/* gs_fixalloc_afterfork resets f's lock in a fork child (the parent's other threads may
 * have held it); its objects stay. */
void gs_fixalloc_afterfork(struct gs_fixalloc *f);

#endif
