/* sched_yield and pthread_yield: a G yields its P, not its OS thread. Kept apart from
 * <pthread.h>, which redirects pthread_yield to sched_yield. May call: runtime, real. */
#include <sched.h>

#include "../runtime/tls.h"
#include "../runtime/proc.h"
#include "real.h"

int pthread_yield(void);

int sched_yield(void)
{
	if (getg() == NULL)
		return real()->sched_yield();
	gs_gosched();
	return 0;
}

int pthread_yield(void)
{
	return sched_yield();
}
