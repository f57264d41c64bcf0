/* pthread keys. The C library allocates key numbers, so Gs and foreign threads share one
 * key space; a G's values live in its struct g, with glibc's sequence-number scheme: a
 * value counts only if stored under the key's current sequence (odd while in use).
 * May call: runtime, real, malloc. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/tls.h"
#include "real.h"
#include "shim.h"

static struct {
	_Atomic uintptr_t seq;
	void (*_Atomic destr)(void *);
} keys[GS_KEYS_MAX];

int pthread_key_create(pthread_key_t *key, void (*destr)(void *))
{
	int err = real()->pthread_key_create(key, destr);

	if (err == 0 && *key < GS_KEYS_MAX) {
		atomic_store_explicit(&keys[*key].destr, destr, memory_order_relaxed);
		/* release pairs with the acquire in pthread_setspecific: destr is set first */
		atomic_store_explicit(&keys[*key].seq, keys[*key].seq | 1, memory_order_release);
	}
	return err;
}

int pthread_key_delete(pthread_key_t key)
{
	int err = real()->pthread_key_delete(key);

	if (err == 0 && key < GS_KEYS_MAX)
		atomic_fetch_add_explicit(&keys[key].seq, 1, memory_order_release);
	return err;
}

static struct key_data *slot(struct g *gp, pthread_key_t key, bool alloc)
{
	struct key_data **block;

	if (gp->keys == NULL) {
		if (!alloc)
			return NULL;
		gp->keys = calloc(GS_KEYS_MAX / GS_KEY_BLOCK, sizeof(*gp->keys));
		if (gp->keys == NULL)
			return NULL;
	}
	block = &gp->keys[key / GS_KEY_BLOCK];
	if (*block == NULL) {
		if (!alloc)
			return NULL;
		*block = calloc(GS_KEY_BLOCK, sizeof(struct key_data));
		if (*block == NULL)
			return NULL;
	}
	return &(*block)[key % GS_KEY_BLOCK];
}

void *pthread_getspecific(pthread_key_t key)
{
	struct g *gp = getg();
	struct key_data *kd;

	if (gp == NULL)
		return real()->pthread_getspecific(key);
	if (key >= GS_KEYS_MAX || (kd = slot(gp, key, false)) == NULL || kd->data == NULL)
		return NULL;
	if (kd->seq != atomic_load_explicit(&keys[key].seq, memory_order_relaxed)) {
		kd->data = NULL;
		return NULL;
	}
	return kd->data;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	struct g *gp = getg();
	struct key_data *kd;
	uintptr_t seq;

	if (gp == NULL)
		return real()->pthread_setspecific(key, value);
	if (key >= GS_KEYS_MAX)
		return EINVAL;
	seq = atomic_load_explicit(&keys[key].seq, memory_order_acquire);
	if ((seq & 1) == 0)
		return EINVAL;
	kd = slot(gp, key, true);
	if (kd == NULL)
		return ENOMEM;
	kd->seq = seq;
	kd->data = (void *)value;
	return 0;
}

/* run_destructors makes one pass over gp's values; returns whether it called any. */
static bool run_destructors(struct g *gp)
{
	bool called = false;

	for (pthread_key_t k = 0; k < GS_KEYS_MAX; k++) {
		struct key_data *kd = slot(gp, k, false);
		void (*destr)(void *);
		void *data;

		if (kd == NULL) {
			k += GS_KEY_BLOCK - 1;
			continue;
		}
		data = kd->data;
		if (data == NULL)
			continue;
		kd->data = NULL;
		destr = atomic_load_explicit(&keys[k].destr, memory_order_relaxed);
		if (kd->seq == atomic_load_explicit(&keys[k].seq, memory_order_relaxed) && destr) {
			destr(data);
			called = true;
		}
	}
	return called;
}

void gs_keys_exit(struct g *gp)
{
	for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		if (!run_destructors(gp))
			break;
	}
	/* values set by the last round's destructors are dropped, as glibc drops them */
	for (int i = 0; gp->keys && i < GS_KEYS_MAX / GS_KEY_BLOCK; i++) {
		if (gp->keys[i])
			memset(gp->keys[i], 0, GS_KEY_BLOCK * sizeof(struct key_data));
	}
}
