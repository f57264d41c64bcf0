/* A system call made on every OS thread of the process (the set*id family). */
#ifndef GS_ALLTHREADS_H
#define GS_ALLTHREADS_H

/* gs_allthreads_syscall makes system call nr on the calling thread and, if it succeeds,
 * on every other thread of the process; returns the caller's result (a negative errno on
 * failure, when no other thread made it). */
long gs_allthreads_syscall(long nr, long a, long b, long c);

/* gs_allthreads_lock and gs_allthreads_unlock bracket the start of an OS thread, which
 * must not miss a call made meanwhile. */
void gs_allthreads_lock(void);
void gs_allthreads_unlock(void);

/* gs_allthreads_afterfork resets the lock in a fork child. */
void gs_allthreads_afterfork(void);

#endif
