/* Resolution of the C library's definitions. May call: dlsym, gs_fatal. */
#define _GNU_SOURCE
#include <signal.h>
#include <dlfcn.h>

#include "../runtime/throw.h"
#include "real.h"

struct gs_real gs_real;
_Atomic int gs_real_ready;

static void *need(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		gs_fatal(127, "cannot find the C library's pthread functions (static binary?)");
	return f;
}

void gs_real_resolve(void)
{
	struct gs_real *r = &gs_real;

	r->pthread_join = need("pthread_join");
	r->pthread_tryjoin_np = need("pthread_tryjoin_np");
	r->pthread_timedjoin_np = need("pthread_timedjoin_np");
	r->pthread_clockjoin_np = need("pthread_clockjoin_np");
	r->pthread_detach = need("pthread_detach");
	r->pthread_cancel = need("pthread_cancel");
	r->pthread_kill = need("pthread_kill");
	r->pthread_sigmask = need("pthread_sigmask");
	r->sigprocmask = need("sigprocmask");
	r->pthread_exit = need("pthread_exit");
	r->pthread_self = need("pthread_self");
	r->pthread_once = need("pthread_once");
	r->pthread_key_create = need("pthread_key_create");
	r->pthread_key_delete = need("pthread_key_delete");
	r->pthread_getspecific = need("pthread_getspecific");
	r->pthread_setspecific = need("pthread_setspecific");
	r->pthread_getattr_np = need("pthread_getattr_np");
	r->pthread_getattr_default_np = need("pthread_getattr_default_np");
	r->pthread_setattr_default_np = need("pthread_setattr_default_np");
	r->pthread_setname_np = need("pthread_setname_np");
	r->pthread_getname_np = need("pthread_getname_np");
	r->pthread_attr_getstackaddr = need("pthread_attr_getstackaddr");
	r->sched_yield = need("sched_yield");
	r->thrd_create = need("thrd_create");
	r->thrd_join = need("thrd_join");
	r->thrd_detach = need("thrd_detach");
	r->thrd_exit = need("thrd_exit");
	r->pthread_mutex_lock = need("pthread_mutex_lock");
	r->pthread_mutex_trylock = need("pthread_mutex_trylock");
	r->pthread_mutex_timedlock = need("pthread_mutex_timedlock");
	r->pthread_mutex_clocklock = need("pthread_mutex_clocklock");
	r->pthread_mutex_unlock = need("pthread_mutex_unlock");
	r->pthread_mutex_consistent = need("pthread_mutex_consistent");
	r->pthread_cond_init = need("pthread_cond_init");
	r->pthread_cond_destroy = need("pthread_cond_destroy");
	r->pthread_cond_wait = need("pthread_cond_wait");
	r->pthread_cond_timedwait = need("pthread_cond_timedwait");
	r->pthread_cond_clockwait = need("pthread_cond_clockwait");
	r->pthread_cond_signal = need("pthread_cond_signal");
	r->pthread_cond_broadcast = need("pthread_cond_broadcast");
	r->sem_wait = need("sem_wait");
	r->sem_trywait = need("sem_trywait");
	r->sem_timedwait = need("sem_timedwait");
	r->sem_clockwait = need("sem_clockwait");
	r->sem_post = need("sem_post");
	r->pthread_barrier_init = need("pthread_barrier_init");
	r->pthread_barrier_wait = need("pthread_barrier_wait");
	r->pthread_barrier_destroy = need("pthread_barrier_destroy");
	r->pthread_rwlock_init = need("pthread_rwlock_init");
	r->pthread_rwlock_destroy = need("pthread_rwlock_destroy");
	r->pthread_rwlock_rdlock = need("pthread_rwlock_rdlock");
	r->pthread_rwlock_wrlock = need("pthread_rwlock_wrlock");
	r->pthread_rwlock_tryrdlock = need("pthread_rwlock_tryrdlock");
	r->pthread_rwlock_trywrlock = need("pthread_rwlock_trywrlock");
	r->pthread_rwlock_timedrdlock = need("pthread_rwlock_timedrdlock");
	r->pthread_rwlock_timedwrlock = need("pthread_rwlock_timedwrlock");
	r->pthread_rwlock_clockrdlock = need("pthread_rwlock_clockrdlock");
	r->pthread_rwlock_clockwrlock = need("pthread_rwlock_clockwrlock");
	r->pthread_rwlock_unlock = need("pthread_rwlock_unlock");
	r->syscall = need("syscall");
	r->sigaction = need("sigaction");
	r->signal = need("signal");
	r->call_tls_dtors = dlsym(RTLD_NEXT, "__call_tls_dtors");
	r->io_enable_locks = dlsym(RTLD_NEXT, "_IO_enable_locks");
	r->ctype_init = dlsym(RTLD_NEXT, "__ctype_init");
	r->pthread_create = need("pthread_create");
	/* Racing resolvers write the same values. */
	atomic_store_explicit(&gs_real_ready, 1, memory_order_release);
}
