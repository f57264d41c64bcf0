/* Timers for sleeps, timed waits and I/O deadlines: a 4-ary heap per P, ordered by
 * deadline, run by the scheduler (DESIGN.md "Timers"). */
#ifndef GS_TIMER_H
#define GS_TIMER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct m;
struct p;

/*
 * Timer status.
 *   Tidle     not in a heap; the owner may reuse it.
 *   Twaiting  in pp's heap (idx valid); only gs_timer_del or a runner take it out.
 *   Trunning  taken out by a runner, f running; gs_timer_del waits for Tidle.
 */
enum tstatus { Tidle, Twaiting, Trunning };

struct gs_timer {
	int64_t when;			/* CLOCK_MONOTONIC ns; owner, then pp->timerslock */
	/* runs on g0 of mp (which may hold no P) or on a thread with no G (mp NULL); must
	 * not block, park or touch TLS */
	void (*f)(struct gs_timer *, struct m *mp);
	void *arg;
	struct p *pp;			/* owner: the heap it was added to */
	int32_t idx;			/* pp->timerslock */
	_Atomic uint32_t status;	/* enum tstatus */
};

/* gs_nanotime is CLOCK_MONOTONIC in ns. */
int64_t gs_nanotime(void);

/* gs_deadline converts an absolute deadline on clock (CLOCK_REALTIME or CLOCK_MONOTONIC)
 * to CLOCK_MONOTONIC ns, at least 1 (0 means "no deadline" to the waits). A realtime
 * deadline is fixed at the time of the call: later clock changes do not move it. */
int64_t gs_deadline(clockid_t clock, const struct timespec *abs);

/* gs_timer_add arms t (when, f, arg set by the caller) on the running G's P. Never
 * allocates with the C library: callable under a wait-queue lock. Runs on a G. */
void gs_timer_add(struct gs_timer *t);

/* gs_timer_del disarms t. Returns true if it was removed before f ran; otherwise f has
 * run (or is waited for until it has). Runs on a G. */
bool gs_timer_del(struct gs_timer *t);

/* gs_timers_run runs pp's timers due by now on mp (see gs_timer.f). Returns the earliest
 * deadline left in pp's heap, 0 if none. */
int64_t gs_timers_run(struct p *pp, int64_t now, struct m *mp);

/* gs_timers_next is the earliest deadline on any P, 0 if none (a racy snapshot). */
int64_t gs_timers_next(void);

/* gs_timers_len is how many timers pp's heap holds (scheddetail). */
int32_t gs_timers_len(struct p *pp);

#endif
