/* Thread cancellation. May call: runtime (sema: gs_interrupt; tls), the C library's
 * pthread_testcancel and pthread_exit.
 *
 * A G's cancellation state is the C library's own, in the G's TCB (private TLS):
 * pthread_setcancelstate, setcanceltype and testcancel are glibc's and act on it, and so do
 * glibc's own cancellation points (the tier-2 calls). pthread_cancel sets the request as
 * glibc does for deferred cancellation, without glibc's signal, which would reach the OS
 * thread and not the G, and interrupts the G if it is parked in a wait that is a
 * cancellation point; each such wait acts on it through gs_testcancel. Asynchronous
 * cancellation acts at the next cancellation point, as deferred. With shared TLS there
 * is no per-G state: a request always acts, at the next cancellation point, by
 * pthread_exit(PTHREAD_CANCELED). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>

#include "../runtime/proc.h"
#include "../runtime/sema.h"
#include "../runtime/tls.h"
#include "real.h"
#include "shim.h"

/* glibc's cancelhandling bits (nptl/descr.h, since 2.34) */
#define CANCELING_BITMASK 0x04
#define CANCELED_BITMASK 0x08

void gs_testcancel(void)
{
	struct g *gp = getg();

	if (gp == NULL)
		return;
	if (atomic_load_explicit(&gp->interrupt, memory_order_relaxed))
		atomic_store_explicit(&gp->interrupt, 0, memory_order_relaxed);
	if (gs_tls_cancelhandling(gp)) {
		pthread_testcancel();	/* the C library's: it unwinds if the G is canceled */
		return;
	}
	if (atomic_load_explicit(&gp->canceled, memory_order_relaxed))
		pthread_exit(PTHREAD_CANCELED);
}

int pthread_cancel(pthread_t thread)
{
	struct g *gp = gs_shim.up ? gs_handle_g((void *)thread) : NULL;
	_Atomic int *ch;

	if (gp == NULL)
		return real()->pthread_cancel(thread);
	ch = gs_tls_cancelhandling(gp);
	if (ch)
		atomic_fetch_or_explicit(ch, CANCELING_BITMASK | CANCELED_BITMASK,
					 memory_order_acq_rel);
	else
		atomic_store_explicit(&gp->canceled, 1, memory_order_relaxed);
	gs_interrupt(gp);
	return 0;
}
