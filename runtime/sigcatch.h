/* The thread that takes, for the program, a signal sent to the process that no OS thread
 * of goshim's would take. */
#ifndef GS_SIGCATCH_H
#define GS_SIGCATCH_H

#include <stdbool.h>

/* gs_sigcatch_start starts the catcher, unless it runs already: from the first mask
 * change on, when idle Ms block every signal. Runs on a G. */
void gs_sigcatch_start(void);

/* gs_sigcatch_self: the calling thread is the catcher. Async-signal-safe. */
bool gs_sigcatch_self(void);

/* gs_sigcatch_afterfork forgets the parent's catcher and starts the child's own if masks
 * are in use. Runs in a fork child. */
void gs_sigcatch_afterfork(void);

#endif
