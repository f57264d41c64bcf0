/* C11 threads: glibc's thrd_* call its internal pthread functions directly, so they are
 * interposed here and mapped onto the pthread ones. May call: the pthread interposers. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <threads.h>
#include <time.h>

#include "../runtime/tls.h"
#include "real.h"
#include "shim.h"

static int thrd_err(int err)
{
	switch (err) {
	case 0:
		return thrd_success;
	case ENOMEM:
	case EAGAIN:
		return thrd_nomem;
	case ETIMEDOUT:
		return thrd_timedout;
	case EBUSY:
		return thrd_busy;
	default:
		return thrd_error;
	}
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
	if (!gs_shim.up)
		return real()->thrd_create(thr, func, arg);
	/* glibc does the same cast: the int result travels as a pointer-sized value */
	return thrd_err(pthread_create(thr, NULL, (void *(*)(void *))(void (*)(void))func, arg));
}

int thrd_join(thrd_t thr, int *res)
{
	void *r;
	int err;

	if (!gs_shim.up || gs_handle_g((void *)thr) == NULL)
		return real()->thrd_join(thr, res);
	err = pthread_join(thr, &r);
	if (err == 0 && res)
		*res = (int)(intptr_t)r;
	return thrd_err(err);
}

int thrd_detach(thrd_t thr)
{
	if (!gs_shim.up || gs_handle_g((void *)thr) == NULL)
		return real()->thrd_detach(thr);
	return thrd_err(pthread_detach(thr));
}

void thrd_exit(int res)
{
	if (getg() == NULL)
		real()->thrd_exit(res);
	gs_thread_exit((void *)(intptr_t)res);
}

thrd_t thrd_current(void)
{
	return pthread_self();
}

int thrd_equal(thrd_t a, thrd_t b)
{
	return a == b;
}

void thrd_yield(void)
{
	sched_yield();
}

/* thrd_sleep parks as nanosleep does. glibc's made the call in the kernel, where the G sat
 * on its P, and sysmon's preemption signal, sent to a thread seen running a moment before
 * it slept, cut it short. Like glibc's, it leaves errno alone: 0, -1 if a signal handler
 * interrupted it, -2 on a bad argument. */
int thrd_sleep(const struct timespec *d, struct timespec *rem)
{
	int saved = errno, r = nanosleep(d, rem), err = errno;

	errno = saved;
	return r == 0 ? 0 : err == EINTR ? -1 : -2;
}

/* tss_* and call_once reach glibc's internal key and once functions directly; the
 * interposed pthread ones keep a G's values in the G and its waits G-aware. */
int tss_create(tss_t *key, tss_dtor_t dtor)
{
	return thrd_err(pthread_key_create(key, dtor));
}

void tss_delete(tss_t key)
{
	pthread_key_delete(key);
}

void *tss_get(tss_t key)
{
	return pthread_getspecific(key);
}

int tss_set(tss_t key, void *value)
{
	return thrd_err(pthread_setspecific(key, value));
}

void call_once(once_flag *flag, void (*func)(void))
{
	/* once_flag has pthread_once_t's layout and encoding, as in glibc */
	pthread_once((pthread_once_t *)flag, func);
}

/* mtx_* and cnd_* share pthread's layouts (glibc's mtx_init and cnd_init produce the same
 * bytes as pthread_mutex_init and a default pthread_cond_init); glibc's versions call its
 * internal functions, so the waiting ones are mapped here onto the interposed ones. */
int mtx_lock(mtx_t *m)
{
	return thrd_err(pthread_mutex_lock((pthread_mutex_t *)m));
}

int mtx_trylock(mtx_t *m)
{
	return thrd_err(pthread_mutex_trylock((pthread_mutex_t *)m));
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts)
{
	return thrd_err(pthread_mutex_timedlock((pthread_mutex_t *)m, ts));
}

int mtx_unlock(mtx_t *m)
{
	return thrd_err(pthread_mutex_unlock((pthread_mutex_t *)m));
}

int cnd_wait(cnd_t *c, mtx_t *m)
{
	return thrd_err(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
	return thrd_err(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, ts));
}

int cnd_signal(cnd_t *c)
{
	return thrd_err(pthread_cond_signal((pthread_cond_t *)c));
}

int cnd_broadcast(cnd_t *c)
{
	return thrd_err(pthread_cond_broadcast((pthread_cond_t *)c));
}
