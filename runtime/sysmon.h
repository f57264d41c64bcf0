/* sysmon: the M with no P that retakes Ps from Gs stuck in system calls, starts Ms for
 * g0 code (which cannot create threads), and prints GODEBUG=schedtrace lines. */
#ifndef GS_SYSMON_H
#define GS_SYSMON_H

/* gs_sysmon_start starts sysmon once. Returns 0 or EAGAIN. Runs on a G or a foreign
 * thread (it creates an OS thread). */
int gs_sysmon_start(void);

/* gs_sysmon_needm asks sysmon to start an M for an idle P with work. Async-signal-safe;
 * usable on g0. */
void gs_sysmon_needm(void);

/* gs_sysmon_wake makes sysmon look at once (for a signal redirect). Async-signal-safe. */
void gs_sysmon_wake(void);

/* gs_sysmon_afterfork: in a fork child sysmon is gone; the next gs_sysmon_start starts it
 * (at the child's first new thread, or at once with schedtrace). */
void gs_sysmon_afterfork(void);

#endif
