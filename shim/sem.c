/* Unnamed and named semaphores in glibc's layout: a 64-bit word holding the value (low 32
 * bits, the futex word) and the number of waiters (high 32). Process-private semaphores
 * park Gs on the value. Shared ones (named, or pshared) are posted from other processes
 * through the kernel futex, which a parked G would not hear: a G waiting on one yields
 * while its P has other work and otherwise sleeps on the futex in slices of SLICE_NS, so
 * it never keeps runnable Gs waiting behind a blocked M for longer than that. Threads that
 * are not Gs use the C library's functions. May call: sema, proc, real. */
#include <errno.h>
#include <limits.h>
#include <semaphore.h>

#include <linux/futex.h>

#include "../runtime/proc.h"
#include "../runtime/sema.h"
#include "../runtime/sigmask.h"
#include "../runtime/sys.h"
#include "../runtime/tls.h"
#include "../runtime/timer.h"
#include "real.h"
#include "shim.h"
#include "sync.h"

#define NWAITERS_ONE (1ull << 32)
#define SLICE_NS 1000000
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

/* shared_sleep waits for a shared semaphore's value to leave 0, as described above. */
static int shared_sleep(struct gsem *s, int64_t deadline)
{
	int64_t now = gs_nanotime(), until = now + SLICE_NS;
	struct timespec ts;

	if (deadline && now >= deadline)
		return -ETIMEDOUT;
	if (!gs_sched_idle(getg()->m->p)) {
		gs_gosched();
		return 0;
	}
	if (deadline && deadline < until)
		until = deadline;
	ts.tv_sec = until / 1000000000ll;
	ts.tv_nsec = until % 1000000000ll;
	sys_call6(SYS_futex, (long)value_word(s), FUTEX_WAIT_BITSET, 0, (long)&ts, 0,
		  FUTEX_BITSET_MATCH_ANY);
	return 0;
}

/* wait implements every waiting entry for a G (and for foreign threads on a private
 * semaphore); deadline as gs_sema_wait's. */
static int wait(struct gsem *s, int64_t deadline)
{
	struct g *gp = getg();

	gs_testcancel();	/* a cancellation point */
	if (try_take(s, 0))
		return 0;
	atomic_fetch_add_explicit(&s->data, NWAITERS_ONE, memory_order_relaxed);
	for (;;) {
		int r;

		if (try_take(s, NWAITERS_ONE))
			return 0;
		if (gp)
			gp->waitintr = true;
		if (s->private == SEM_SHARED)
			r = shared_sleep(s, deadline);
		else
			r = gs_sema_wait(value_word(s), 0, GS_BITSET_ANY, deadline);
		if (gp)
			gp->waitintr = false;
		if (r == -ETIMEDOUT || r == -EINTR) {
			atomic_fetch_sub_explicit(&s->data, NWAITERS_ONE, memory_order_relaxed);
			if (r == -EINTR) {	/* acted on holding nothing */
				bool restart;

				gs_testcancel();
				/* a signal handler: EINTR, never restarted */
				if (gs_signal_take(gp, &restart)) {
					errno = EINTR;
					return -1;
				}
				atomic_fetch_add_explicit(&s->data, NWAITERS_ONE,
							  memory_order_relaxed);
				continue;
			}
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

/* goshim_waits: this thread waits on s through wait(): a private semaphore, or a G. */
static bool goshim_waits(sem_t *s)
{
	return private(s) || getg() != NULL;
}

int sem_wait(sem_t *s)
{
	if (!goshim_waits(s))
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
	if (!goshim_waits(s))
		return real()->sem_timedwait(s, abs);
	return timedwait(s, CLOCK_REALTIME, abs);
}

int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abs)
{
	if (!goshim_waits(s))
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
