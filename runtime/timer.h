/* Timers for timed waits: a 4-ary heap ordered by deadline, run by a timer thread. */
#ifndef GS_TIMER_H
#define GS_TIMER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*
 * Timer status.
 *   Tidle     not in the heap; the owner may reuse it.
 *   Twaiting  in the heap (idx valid); only gs_timer_del or the timer thread take it out.
 *   Trunning  taken out by the timer thread, f running; gs_timer_del waits for Tidle.
 */
enum tstatus { Tidle, Twaiting, Trunning };

struct gs_timer {
	int64_t when;			/* CLOCK_MONOTONIC ns; owner, then timers.lock */
	void (*f)(struct gs_timer *);	/* runs on the timer thread; must not block */
	void *arg;
	int32_t idx;			/* timers.lock */
	_Atomic uint32_t status;	/* enum tstatus */
};

/* gs_nanotime is CLOCK_MONOTONIC in ns. */
int64_t gs_nanotime(void);

/* gs_deadline converts an absolute deadline on clock (CLOCK_REALTIME or CLOCK_MONOTONIC)
 * to CLOCK_MONOTONIC ns, at least 1 (0 means "no deadline" to the waits). A realtime
 * deadline is fixed at the time of the call: later clock changes do not move it. */
int64_t gs_deadline(clockid_t clock, const struct timespec *abs);

/* gs_timer_reserve promises the caller a slot in the heap, starting the timer thread and
 * growing the heap if need be; gs_timer_unreserve gives it back. Returns 0 or -EAGAIN.
 * Runs on a G or a foreign thread with no goshim lock held (it may allocate). */
int gs_timer_reserve(void);
void gs_timer_unreserve(void);

/* gs_timer_add arms t (when, f, arg set by the caller) in a reserved slot. Never
 * allocates: callable under a wait-queue lock. */
void gs_timer_add(struct gs_timer *t);

/* gs_timer_del disarms t. Returns true if it was removed before f ran; otherwise f has
 * run (or is waited for until it has). Runs on a G or a foreign thread. */
bool gs_timer_del(struct gs_timer *t);

#endif
