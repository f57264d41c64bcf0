/* The sleeps: a G parks with a timer on its P's heap, never blocking its M (DESIGN.md
 * "Timers"). Threads that are not Gs, and clocks other than the wall and monotonic ones
 * (CPU-time clocks), sleep in the kernel. May call: runtime (sema, timer), blocking. */
#define _GNU_SOURCE
#include "../runtime/proc.h"
#include "../runtime/sema.h"
#include "../runtime/timer.h"
#include "blocking.h"
#include "syscall_wrappers.h"

/* sleep_until parks the running G until deadline (CLOCK_MONOTONIC ns). */
static void sleep_until(struct g *gp, int64_t deadline)
{
	_Atomic uint32_t never = 0;

	gs_hooks.testcancel();
	while (gs_nanotime() < deadline) {
		gp->waitreason = "sleep";
		gp->waitintr = true;
		/* nobody wakes this word: only the deadline, a cancellation or a spurious
		 * wake-up ends it */
		int r = gs_sema_wait(&never, 0, GS_BITSET_ANY, deadline);

		gp->waitintr = false;
		gp->waitreason = NULL;
		if (r == -EINTR)
			gs_hooks.testcancel();
	}
}

static bool valid(const struct timespec *ts)
{
	return ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	struct g *gp = gs_parkable();

	if (gp == NULL || !valid(req) || req->tv_sec < 0)
		return gs_t2_nanosleep(req, rem);
	sleep_until(gp, gs_nanotime() + req->tv_sec * 1000000000ll + req->tv_nsec);
	return 0;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
		    struct timespec *rem)
{
	struct g *gp = gs_parkable();

	if (gp == NULL || !valid(req) ||
	    (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME))
		return gs_t2_clock_nanosleep(clock, flags, req, rem);
	if (flags & TIMER_ABSTIME)
		sleep_until(gp, gs_deadline(clock == CLOCK_MONOTONIC ? CLOCK_MONOTONIC : clock, req));
	else if (req->tv_sec >= 0)
		sleep_until(gp, gs_nanotime() + req->tv_sec * 1000000000ll + req->tv_nsec);
	return 0;
}

int usleep(useconds_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	return nanosleep(&ts, NULL);
}

unsigned int sleep(unsigned int s)
{
	struct timespec ts = { s, 0 };

	if (gs_parkable() == NULL)
		return gs_t2_sleep(s);
	nanosleep(&ts, NULL);
	return 0;
}
