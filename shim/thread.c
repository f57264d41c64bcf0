/* pthread_create, join, detach, exit, self, equal and yield: threads are Gs.
 * May call: runtime, real. */
#define _GNU_SOURCE
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/single_threaded.h>
#include <time.h>

#include "../runtime/timer.h"
#include "../runtime/tls.h"
#include "real.h"
#include "shim.h"
#include "sync.h"

/* decode_attr turns a pthread_attr_t into the runtime's G attributes. */
static void decode_attr(const pthread_attr_t *attr, struct gs_gattr *a)
{
	int detach;
	size_t size;
	sigset_t mask;
	void *top;

	a->stacksize = gs_shim.stacksize;
	a->guardsize = gs_shim.guardsize;
	a->stackaddr = NULL;
	a->detached = false;
	a->hasmask = false;
	if (attr == NULL)
		return;
	if (pthread_attr_getsigmask_np(attr, &mask) == 0) {
		a->hasmask = true;
		memcpy(&a->sigmask, &mask, sizeof(a->sigmask));
	}
	pthread_attr_getdetachstate(attr, &detach);
	a->detached = detach == PTHREAD_CREATE_DETACHED;
	pthread_attr_getguardsize(attr, &a->guardsize);
	pthread_attr_getstacksize(attr, &size);
	if (size != gs_shim.libc_stacksize)
		a->stacksize = size;
	real()->pthread_attr_getstackaddr(attr, &top);
	if (top) {
		a->stackaddr = (char *)top - size;
		a->stacksize = size;
		a->guardsize = 0;
	}
}

/* became_multithreaded tells the C library what the first pthread_create would: from now
 * on stdio locks and single-thread shortcuts are off. */
static void become_multithreaded(void)
{
	static _Atomic int done;

	if (atomic_exchange_explicit(&done, 1, memory_order_relaxed))
		return;
	if (real()->io_enable_locks)
		real()->io_enable_locks();
	__libc_single_threaded = 0;
	gs_tls_mark_multithreaded();
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
		   void *arg)
{
	struct gs_gattr a;
	struct g *gp;
	int err;

	if (!gs_shim.up)
		return real()->pthread_create(thread, attr, start, arg);
	become_multithreaded();
	decode_attr(attr, &a);
	err = gs_newproc(start, arg, &a, &gp);
	if (err == 0)
		*thread = (pthread_t)gp->handle;
	return err;
}

int pthread_join(pthread_t thread, void **retval)
{
	struct g *gp = gs_shim.up ? gs_handle_g((void *)thread) : NULL;

	if (gp == NULL)
		return real()->pthread_join(thread, retval);
	return gs_join(gp, retval, 0);
}

int pthread_tryjoin_np(pthread_t thread, void **retval)
{
	struct g *gp = gs_shim.up ? gs_handle_g((void *)thread) : NULL;

	if (gp == NULL)
		return real()->pthread_tryjoin_np(thread, retval);
	return gs_tryjoin(gp, retval);
}

/* timedjoin: glibc checks the deadline only when it has to wait. */
static int timedjoin(struct g *gp, void **retval, clockid_t clock, const struct timespec *abs)
{
	struct timespec now;
	int err = gs_tryjoin(gp, retval);

	if (err != EBUSY)
		return err;
	if (abs == NULL)
		return gs_join(gp, retval, 0);
	if (abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000)
		return EINVAL;
	if (getg())
		return gs_join(gp, retval, gs_deadline(clock, abs));
	/* a foreign joiner cannot park: it polls */
	for (;;) {
		err = gs_tryjoin(gp, retval);
		if (err != EBUSY)
			return err;
		clock_gettime(clock, &now);
		if (now.tv_sec > abs->tv_sec ||
		    (now.tv_sec == abs->tv_sec && now.tv_nsec >= abs->tv_nsec))
			return ETIMEDOUT;
		real()->sched_yield();
	}
}

int pthread_timedjoin_np(pthread_t thread, void **retval, const struct timespec *abstime)
{
	struct g *gp = gs_shim.up ? gs_handle_g((void *)thread) : NULL;

	if (gp == NULL)
		return real()->pthread_timedjoin_np(thread, retval, abstime);
	return timedjoin(gp, retval, CLOCK_REALTIME, abstime);
}

int pthread_clockjoin_np(pthread_t thread, void **retval, clockid_t clock,
			 const struct timespec *abstime)
{
	struct g *gp = gs_shim.up ? gs_handle_g((void *)thread) : NULL;

	if (gp == NULL)
		return real()->pthread_clockjoin_np(thread, retval, clock, abstime);
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	return timedjoin(gp, retval, clock, abstime);
}

int pthread_detach(pthread_t thread)
{
	struct g *gp = gs_shim.up ? gs_handle_g((void *)thread) : NULL;

	if (gp == NULL)
		return real()->pthread_detach(thread);
	return gs_detach(gp);
}

void gs_thread_exit(void *retval)
{
	struct g *gp = getg();

	/* glibc's order: C++ thread_local destructors, then pthread key destructors */
	if (real()->call_tls_dtors)
		real()->call_tls_dtors();
	gs_keys_exit(gp);
	gs_robust_exit();
	/* a recycled G keeps the C library's TLS block (runtime/tls.c): hand it back with
	 * the locale a new thread starts with */
	if (uselocale((locale_t)0) != LC_GLOBAL_LOCALE)
		uselocale(LC_GLOBAL_LOCALE);
	if (gs_gexit_last())
		exit(0);
	gs_goexit(retval);
}

/* run_g runs the running G's start function above the unwind buffer base. */
__attribute__((noinline, noreturn)) static void run_g(__pthread_unwind_buf_t *base)
{
	struct g *gp = getg();

	memset(base->__pad, 0, sizeof(base->__pad));
	gp->unwind_base = gs_tls_set_unwind_base(gp, base);
	/* what pthread_join sees if the C library's cancellation unwinds the G, which
	 * pthread_exit and a return replace */
	gp->retval = PTHREAD_CANCELED;
	gs_thread_exit(gp->start(gp->arg));
}

void gs_gmain(struct g *gp)
{
	__pthread_unwind_buf_t base;

	(void)gp;	/* getg() is it; a parameter would not survive the longjmp */
	/* the C library's ctype table pointers (isalpha, toupper, printf's %f) are TLS that
	 * only this sets, from the thread's locale: nptl's start_thread calls it too */
	if (real()->ctype_init)
		real()->ctype_init();
	/* pthread_exit unwinds (cleanup handlers, C++ destructors) down to this buffer, as
	 * glibc's start_thread does for its threads */
	if (__sigsetjmp_cancel(base.__cancel_jmp_buf, 0) == 0)
		run_g(&base);
	gs_thread_exit(getg()->retval);
}

void pthread_exit(void *retval)
{
	struct g *gp = getg();

	if (gp == NULL)
		real()->pthread_exit(retval);
	gp->retval = retval;
	/* glibc's pthread_exit unwinds the G's stack to the base set in gs_gmain. G 1 has
	 * none: its base is the C library's own, which would end the OS thread. */
	if (gp->unwind_base)
		real()->pthread_exit(retval);
	gs_thread_exit(retval);
}

pthread_t pthread_self(void)
{
	struct g *gp = getg();

	return gp ? (pthread_t)gp->handle : real()->pthread_self();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}
