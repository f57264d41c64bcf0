/* Per-G signal masks (DESIGN.md §2: a G has its own signal mask). */
#ifndef GS_SIGMASK_H
#define GS_SIGMASK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct m;
struct g;

/* gs_sigmask_on: some G has changed its mask. Until then every thread keeps the mask the
 * process started with and a switch costs nothing. */
extern _Atomic bool gs_sigmask_on;

/* gs_sigmask_set makes mask (signals 1-64, bit n-1 for signal n) the running G's, on its
 * M at once. Runs on a G, inside gs_acquirem. */
void gs_sigmask_set(struct g *gp, uint64_t mask);

/* gs_sigmask_load loads gp's mask on mp if another is loaded (execute, on g0). */
void gs_sigmask_load(struct m *mp, struct g *gp);

/* gs_sigmask_idle blocks every signal on mp, which is going idle: a signal that every
 * G blocks stays pending for the one that waits for it (sigwait) rather than reaching
 * an idle M. *all is the mask to pass to a call that sleeps with one (epoll_pwait), or
 * NULL when masks are not in use. */
const uint64_t *gs_sigmask_idle(struct m *mp);

/* gs_sigmask_thread reads the calling thread's kernel mask. */
uint64_t gs_sigmask_thread(void);

#endif
