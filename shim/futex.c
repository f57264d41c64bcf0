/* syscall(SYS_futex, ...) from a G: private FUTEX_WAIT, WAKE, WAIT_BITSET, WAKE_BITSET,
 * REQUEUE and CMP_REQUEUE park and wake Gs on goshim's wait queues (Rust's std,
 * libstdc++'s atomic waits and hand-written futex code make these calls). Every other
 * system call, and shared futexes, go to the kernel. May call: sema, timer, real. */
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

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

/* futex handles a private futex call from a G, as the system call would; it sets *handled
 * to false for the operations it leaves to the kernel. */
static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
		  _Atomic uint32_t *uaddr2, uint32_t val3, bool *handled)
{
	int cmd = op & FUTEX_CMD_MASK;
	int64_t deadline;
	int r;

	*handled = true;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (cmd == FUTEX_WAIT)
			val3 = FUTEX_BITSET_MATCH_ANY;
		deadline = deadline_of(cmd, op, ts);
		if (deadline < 0 || val3 == 0)
			return fail(EINVAL);
		r = gs_sema_wait(uaddr, val, val3, deadline);
		return r < 0 ? fail(-r) : 0;
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE)
			val3 = FUTEX_BITSET_MATCH_ANY;
		if (val3 == 0)
			return fail(EINVAL);
		return gs_sema_wake(uaddr, val > INT32_MAX ? INT32_MAX : (int)val, val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* the fourth argument is a count here, not a timeout */
		r = gs_sema_requeue(uaddr, uaddr2, val > INT32_MAX ? INT32_MAX : (int)val,
				    (int)(intptr_t)ts, cmd == FUTEX_CMP_REQUEUE, val3);
		return r < 0 ? fail(-r) : r;
	default:
		*handled = false;
		return 0;
	}
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
	if (nr == SYS_futex && (a[1] & FUTEX_PRIVATE_FLAG) && getg()) {
		r = futex((_Atomic uint32_t *)a[0], (int)a[1], (uint32_t)a[2],
			  (const struct timespec *)a[3], (_Atomic uint32_t *)a[4], (uint32_t)a[5],
			  &handled);
		if (handled)
			return r;
	}
	return real()->syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
