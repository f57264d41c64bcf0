/* Fixed-size object allocator. May call: raw system calls, its own lock. */
#include <string.h>
#include <sys/mman.h>

#include "fixalloc.h"
#include "sys.h"

#define CHUNK (64 * 1024)	/* bytes mapped at a time */

void *gs_fixalloc_get(struct gs_fixalloc *f)
{
	size_t size = (f->size + 7) & ~(size_t)7;
	void *p;

	gs_lock(&f->lock);
	p = f->list;
	if (p) {
		f->list = *(void **)p;
	} else {
		if (f->left < size) {
			char *c = sys_mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS);

			if ((unsigned long)c > -4096ul) {
				gs_unlock(&f->lock);
				return NULL;
			}
			f->chunk = c;	/* the old chunk's tail, under one object, is lost */
			f->left = CHUNK;
		}
		p = f->chunk;
		f->chunk += size;
		f->left -= size;
	}
	gs_unlock(&f->lock);
	memset(p, 0, size);
	return p;
}

void gs_fixalloc_put(struct gs_fixalloc *f, void *p)
{
	gs_lock(&f->lock);
	*(void **)p = f->list;
	f->list = p;
	gs_unlock(&f->lock);
}

void gs_fixalloc_afterfork(struct gs_fixalloc *f)
{
	f->lock = (struct gs_lock){ 0 };
}
