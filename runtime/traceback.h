/* The SIGQUIT dump: every G with its state, wait reason and symbolized stack, like a Go
 * traceback. */
#ifndef GS_TRACEBACK_H
#define GS_TRACEBACK_H

/* gs_traceback_all writes the dump to fd 2. uctx is the signal context of the thread that
 * received SIGQUIT (its running G's stack is read from it). Runs in a signal handler, once,
 * right before the process exits: it reads runtime state without locks. */
void gs_traceback_all(void *uctx);

#endif
