/* syscall(SYS_futex, ...): FUTEX_WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE and
 * CMP_REQUEUE park and wake Gs on goshim's wait queues (Rust's std, libstdc++'s atomic
 * waits and hand-written futex code make these calls). Non-private ones too (libstdc++
 * 12 makes only those) where the word is in memory no other process can see; elsewhere
 * their waits go to the kernel, and their wakes reach both. Every other system call goes
 * to the kernel. May call: sema, timer, pagemap, real. */
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

#include "../runtime/pagemap.h"
#include "../runtime/sema.h"
#include "../runtime/timer.h"
#include "../runtime/tls.h"
#include "real.h"
#include "sync.h"

/* deadline_of turns a futex timeout into CLOCK_MONOTONIC ns (0: none); -1 if invalid.
 * FUTEX_WAIT's is relative; WAIT_BITSET's absolute, on the realtime clock if asked. */
static int64_t deadline_of(int cmd, int op, const struct timespec *ts)
{
	if (ts == NULL)
		return 0;
	if (!gs_timespec_valid(ts) || ts->tv_sec < 0)
		return -1;
	if (cmd == FUTEX_WAIT)
		return gs_nanotime() + ts->tv_sec * 1000000000ll + ts->tv_nsec + 1;
	return gs_deadline(op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, ts);
}

static long fail(int err)
{
	errno = err;
	return -1;
}

/* futex handles a futex call as the system call would; it sets *handled to false for the
 * calls it leaves to the kernel. */
static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
		  _Atomic uint32_t *uaddr2, uint32_t val3, bool *handled)
{
	int cmd = op & FUTEX_CMD_MASK, n = val > INT32_MAX ? INT32_MAX : (int)val;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	int64_t deadline;
	int r;

	*handled = true;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (shared && (getg() == NULL || !gs_page_private((const void *)uaddr)))
			break;
		if (cmd == FUTEX_WAIT)
			val3 = FUTEX_BITSET_MATCH_ANY;
		deadline = deadline_of(cmd, op, ts);
		if (deadline < 0 || val3 == 0)
			return fail(EINVAL);
		r = shared ? gs_sema_wait_shared(uaddr, val, val3, deadline)
			   : gs_sema_wait(uaddr, val, val3, deadline);
		return r < 0 ? fail(-r) : 0;
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE)
			val3 = FUTEX_BITSET_MATCH_ANY;
		if (val3 == 0)
			return fail(EINVAL);
		r = shared ? gs_sema_wake_shared(uaddr, n, val3) : gs_sema_wake(uaddr, n, val3);
		return r < 0 ? fail(-r) : r;
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* the fourth argument is a count here, not a timeout */
		r = (shared ? gs_sema_requeue_shared : gs_sema_requeue)(
			uaddr, uaddr2, n, (int)(intptr_t)ts, cmd == FUTEX_CMP_REQUEUE, val3);
		return r < 0 ? fail(-r) : r;
	}
	*handled = false;
	return 0;
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	bool handled = false;
	long r;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_futex) {
		r = futex((_Atomic uint32_t *)a[0], (int)a[1], (uint32_t)a[2],
			  (const struct timespec *)a[3], (_Atomic uint32_t *)a[4], (uint32_t)a[5],
			  &handled);
		if (handled)
			return r;
	}
	return real()->syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
