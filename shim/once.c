/* pthread_once for Gs, in glibc's encoding of pthread_once_t (0 new, 1 running, 2 done) so
 * that Gs and foreign threads, which use glibc's own, can race on one control. A G that
 * finds the routine running yields until it is done: waiting is bounded by the routine.
 * May call: runtime, real, raw futex. */
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>

#include "../runtime/tls.h"
#include "real.h"
#include "shim.h"

#define ONCE_INPROGRESS 1
#define ONCE_DONE 2

int pthread_once(pthread_once_t *control, void (*init)(void))
{
	_Atomic uint32_t *state = (_Atomic uint32_t *)control;

	/* acquire pairs with the release of ONCE_DONE: init's effects are visible */
	if (atomic_load_explicit(state, memory_order_acquire) == ONCE_DONE)
		return 0;
	if (getg() == NULL)
		return real()->pthread_once(control, init);
	for (;;) {
		uint32_t s = atomic_load_explicit(state, memory_order_acquire);

		if (s == ONCE_DONE)
			return 0;
		if (s == 0 && atomic_compare_exchange_weak_explicit(state, &s, ONCE_INPROGRESS,
								    memory_order_acquire,
								    memory_order_relaxed)) {
			init();
			atomic_store_explicit(state, ONCE_DONE, memory_order_release);
			/* foreign threads in glibc's pthread_once sleep on the futex */
			sys_futex(state, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
			return 0;
		}
		if (s != 0)
			gs_gosched();
	}
}
