/* Unnamed and named semaphores in glibc's layout: a 64-bit word holding the value (low 32
 * bits, the futex word) and the number of waiters (high 32). Process-private semaphores
 * park Gs on the value; shared ones (named, or pshared) stay with the C library, whose
 * futex other processes wait on too. May call: sema, real. */
#include <errno.h>
#include <limits.h>
#include <semaphore.h>

#include "../runtime/sema.h"
#include "../runtime/timer.h"
#include "real.h"
#include "sync.h"

#define NWAITERS_ONE (1ull << 32)
#define VALUE_MASK 0xffffffffull
#define SEM_SHARED 128	/* glibc's new_sem.private for a process-shared sem */

struct gsem {
	_Atomic uint64_t data;
	int private;
	int pad;
};

_Static_assert(sizeof(struct gsem) <= sizeof(sem_t), "sem_t layout");

static struct gsem *gsem(sem_t *s)
{
	return (struct gsem *)s;
}

static bool private(sem_t *s)
{
	return gsem(s)->private != SEM_SHARED;
}

static _Atomic uint32_t *value_word(struct gsem *s)
{
	return (_Atomic uint32_t *)&s->data;	/* little-endian: the low half */
}

static bool try_take(struct gsem *s, uint64_t sub)
{
	uint64_t d = atomic_load_explicit(&s->data, memory_order_relaxed);

	while (d & VALUE_MASK) {
		if (atomic_compare_exchange_weak_explicit(&s->data, &d, d - 1 - sub,
							  memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

/* wait implements every waiting entry; deadline as gs_sema_wait's. */
static int wait(struct gsem *s, int64_t deadline)
{
	if (try_take(s, 0))
		return 0;
	atomic_fetch_add_explicit(&s->data, NWAITERS_ONE, memory_order_relaxed);
	for (;;) {
		if (try_take(s, NWAITERS_ONE))
			return 0;
		if (gs_sema_wait(value_word(s), 0, GS_BITSET_ANY, deadline) == -ETIMEDOUT) {
			atomic_fetch_sub_explicit(&s->data, NWAITERS_ONE, memory_order_relaxed);
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

int sem_wait(sem_t *s)
{
	if (!private(s))
		return real()->sem_wait(s);
	return wait(gsem(s), 0);
}

int sem_trywait(sem_t *s)
{
	if (!private(s))
		return real()->sem_trywait(s);
	if (try_take(gsem(s), 0))
		return 0;
	errno = EAGAIN;
	return -1;
}

static int timedwait(sem_t *s, clockid_t clock, const struct timespec *abs)
{
	if (!gs_clock_ok(clock) || !gs_timespec_valid(abs)) {
		errno = EINVAL;
		return -1;
	}
	if (try_take(gsem(s), 0))
		return 0;
	return wait(gsem(s), gs_deadline(clock, abs));
}

int sem_timedwait(sem_t *s, const struct timespec *abs)
{
	if (!private(s))
		return real()->sem_timedwait(s, abs);
	return timedwait(s, CLOCK_REALTIME, abs);
}

int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abs)
{
	if (!private(s))
		return real()->sem_clockwait(s, clock, abs);
	return timedwait(s, clock, abs);
}

int sem_post(sem_t *s)
{
	struct gsem *g = gsem(s);
	uint64_t d;

	if (!private(s))
		return real()->sem_post(s);
	d = atomic_load_explicit(&g->data, memory_order_relaxed);
	do {
		if ((d & VALUE_MASK) == SEM_VALUE_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
	} while (!atomic_compare_exchange_weak_explicit(&g->data, &d, d + 1, memory_order_release,
							memory_order_relaxed));
	if (d >> 32)
		gs_sema_wake(value_word(g), 1, GS_BITSET_ANY);
	return 0;
}
