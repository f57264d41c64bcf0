/* Per-G signal masks (DESIGN.md §2: a G has its own signal mask). */
#ifndef GS_SIGMASK_H
#define GS_SIGMASK_H

#include <signal.h>
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

/* gs_sigmask_start puts per-G masks in use, as the first mask change does (Ms load each
 * G's, idle ones block everything, the catcher starts); self is the caller's M, or NULL.
 * For a G created with a mask of its own. */
void gs_sigmask_start(struct m *self);

/* gs_sigmask_load loads gp's mask on mp if another is loaded (execute, on g0). */
void gs_sigmask_load(struct m *mp, struct g *gp);

/* gs_sigmask_mstart gives a new M, on its own thread, the mask an M has, not its
 * creator's (sysmon blocks everything): the one the process started with while masks are
 * not in use, else everything blocked until it loads a G's. */
void gs_sigmask_mstart(struct m *mp);

/* gs_sigmask_idle blocks every signal on mp, which is going idle: a signal that every
 * G blocks stays pending for the one that waits for it (sigwait) rather than reaching
 * an idle M. *all is the mask to pass to a call that sleeps with one (epoll_pwait), or
 * NULL when masks are not in use. */
const uint64_t *gs_sigmask_idle(struct m *mp);

/* gs_sigmask_awake ends the sleep gs_sigmask_idle began: mp changes masks itself again. */
void gs_sigmask_awake(struct m *mp);

/* gs_sigmask_remask handles the signal by which the first mask change makes a sleeping
 * M block everything; false if the signal is another. Runs in the preemption signal's
 * handler. */
bool gs_sigmask_remask(siginfo_t *si, void *uctx);

/* gs_signal_redirect is called by a handler of the program's that ran on an idle M for
 * a signal sent to the process: natively the kernel would have picked one of the
 * program's threads, interrupting it if it was blocked in a call. sysmon interrupts such a
 * G in its place (G 1 first, as the kernel prefers the main thread; only one parked in an
 * interruptible wait, not blocking sig). Async-signal-safe. */
void gs_signal_redirect(int sig, bool restart);

/* gs_signal_main_waits: G 1 waits where sig would interrupt it (parked in an interruptible
 * wait or in a system call, not blocking sig). The kernel offers a signal sent to the
 * process to the main thread first. */
bool gs_signal_main_waits(int sig);

/* gs_signal_redirect_run does the pending redirects, on sysmon or on the M that slept in
 * netpoll (holding no lock). */
void gs_signal_redirect_run(void);

/* gs_sa_restart: the signals whose handler the program installed with SA_RESTART. */
extern _Atomic uint64_t gs_sa_restart;

/* gs_signal_send is pthread_kill to gp, which is not the caller: sent to its OS thread
 * while it is in a system call there, else kept pending in gp and raised on its own stack
 * when it next yields, parks or is preempted (it is asked to be), interrupting its wait if
 * it is parked in an interruptible one; a signal it blocks waits until it unblocks it. */
void gs_signal_send(struct g *gp, int sig);

/* gs_signal_deliver raises, on the running G's own thread and stack, the signals
 * pthread_kill left pending for it that it does not block. Runs on a G, holding no lock,
 * when it resumes (after a park or a yield) and when it unblocks signals. */
void gs_signal_deliver(struct g *gp);

/* A handler of the program's that a G runs on its own stack runs wired to the G's M
 * (gs_handler_wire), with the G's mask the handler's: gs_handler_enter, first thing in
 * the handler, which the kernel started with the preemption signal blocked (in sa_mask,
 * with samask the program's), wires it and unblocks preemption; false if it did nothing
 * (not on a G's stack, or a nested handler), and then gs_handler_exit must not be called.
 * gs_handler_exit, last thing, unwires it with every signal blocked until the handler's
 * return loads the mask in uctx. */
struct gs_handler {
	struct g *gp;
	uint64_t sigmask;		/* the G's mask before the handler */
	uint64_t ucmask;		/* the kernel's, saved in the handler's context */
};

bool gs_handler_enter(struct gs_handler *h, int sig, const sigset_t *samask, bool nodefer,
		      void *uctx);
void gs_handler_exit(struct gs_handler *h, void *uctx);

/* gs_signal_flush hands the signals of set that pthread_kill left pending in gp to the
 * kernel, on the calling OS thread: for gp, in a system call on it (entersyscall), that
 * waits for them (sigwait) or unblocks them (sigsuspend, a mask given to ppoll), or is
 * one that a signal it does not block would interrupt. */
void gs_signal_flush(struct g *gp, uint64_t set);

/* gs_on_idle_m: the calling thread is an M with no G loaded (idle, or between Gs with
 * its own thread pointer). Async-signal-safe. */
bool gs_on_idle_m(void);

/* gs_signal_take is what a wait interrupted with -EINTR does once it holds nothing: it
 * runs the handlers of signals pthread_kill left for the G, and returns the signal that
 * interrupted the wait (0: none, a cancellation) and whether its handler asked for the
 * call to be restarted. Runs on the G. */
int gs_signal_take(struct g *gp, bool *restart);

/* gs_sigmask_thread reads the calling thread's kernel mask. */
uint64_t gs_sigmask_thread(void);

#endif
