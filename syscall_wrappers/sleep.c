/* The sleeps: a G parks with a timer on its P's heap, never blocking its M (DESIGN.md
 * "Timers"). Threads that are not Gs, and clocks other than the wall and monotonic ones
 * (CPU-time clocks), sleep in the kernel. May call: runtime (sema, timer), blocking. */
#define _GNU_SOURCE
#include "../runtime/proc.h"
#include "../runtime/sema.h"
#include "../runtime/sigmask.h"
#include "../runtime/timer.h"
#include "blocking.h"
#include "syscall_wrappers.h"

/* sleep_until parks the running G until deadline (CLOCK_MONOTONIC ns). Returns the time
 * left, in ns, when a signal handler interrupted it (natively the sleeping thread would
 * have run the handler and returned EINTR), else 0. */
static int64_t sleep_until(struct g *gp, int64_t deadline)
{
	_Atomic uint32_t never = 0;
	int64_t now;

	gs_hooks.testcancel();
	while ((now = gs_nanotime()) < deadline) {
		bool restart;
		int r;

		gp->waitreason = "sleep";
		gp->waitintr = true;
		/* nobody wakes this word: only the deadline, an interruption or a spurious
		 * wake-up ends it */
		r = gs_sema_wait(&never, 0, GS_BITSET_ANY, deadline);
		gp->waitintr = false;
		gp->waitreason = NULL;
		if (r != -EINTR)
			continue;
		gs_hooks.testcancel();
		if (gs_signal_take(gp, &restart)) {	/* sleeps are never restarted */
			now = gs_nanotime();
			return now < deadline ? deadline - now : 1;
		}
	}
	return 0;
}

static bool valid(const struct timespec *ts)
{
	return ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

static struct timespec ns_timespec(int64_t ns)
{
	return (struct timespec){ ns / 1000000000ll, ns % 1000000000ll };
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	struct g *gp = gs_parkable();
	int64_t left;

	if (gp == NULL || !valid(req) || req->tv_sec < 0)
		return gs_t2_nanosleep(req, rem);
	left = sleep_until(gp, gs_nanotime() + req->tv_sec * 1000000000ll + req->tv_nsec);
	if (left == 0)
		return 0;
	if (rem)
		*rem = ns_timespec(left);
	errno = EINTR;
	return -1;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
		    struct timespec *rem)
{
	struct g *gp = gs_parkable();
	int64_t left = 0;

	if (gp == NULL || !valid(req) ||
	    (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME))
		return gs_t2_clock_nanosleep(clock, flags, req, rem);
	if (flags & TIMER_ABSTIME)
		left = sleep_until(gp, gs_deadline(clock == CLOCK_MONOTONIC ? CLOCK_MONOTONIC : clock,
						   req));
	else if (req->tv_sec >= 0)
		left = sleep_until(gp, gs_nanotime() + req->tv_sec * 1000000000ll + req->tv_nsec);
	if (left == 0)
		return 0;
	if (rem && !(flags & TIMER_ABSTIME))
		*rem = ns_timespec(left);
	return EINTR;
}

int usleep(useconds_t us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	return nanosleep(&ts, NULL);
}

unsigned int sleep(unsigned int s)
{
	struct timespec ts = { s, 0 }, rem;
	int saved = errno;

	if (gs_parkable() == NULL)
		return gs_t2_sleep(s);
	if (nanosleep(&ts, &rem) == 0) {
		errno = saved;
		return 0;
	}
	return (unsigned int)rem.tv_sec;	/* whole seconds left, as glibc's */
}
