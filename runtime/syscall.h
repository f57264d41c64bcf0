/* entersyscall/exitsyscall: a G entering a call that may block gives up its P for the
 * duration, so sysmon can hand the P to another M. */
#ifndef GS_SYSCALL_H
#define GS_SYSCALL_H

/* gs_entersyscall leaves the P in Psyscall: the fast path costs no lock; the P is taken
 * back on return if sysmon did not retake it. Runs on a G, right before the call. */
void gs_entersyscall(void);

/* gs_exitsyscall reacquires the P, or any idle one, or else queues the G and parks the M
 * until a P runs it again. Runs on the same G, right after the call; errno is the G's
 * and is left alone. */
void gs_exitsyscall(void);

#endif
