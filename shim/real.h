/* The C library's own definitions of the functions goshim interposes, resolved once with
 * dlsym(RTLD_NEXT) and usable before goshim's constructor has run. */
#ifndef GS_REAL_H
#define GS_REAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <threads.h>

struct gs_real {
	int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	int (*pthread_join)(pthread_t, void **);
	int (*pthread_tryjoin_np)(pthread_t, void **);
	int (*pthread_timedjoin_np)(pthread_t, void **, const struct timespec *);
	int (*pthread_clockjoin_np)(pthread_t, void **, clockid_t, const struct timespec *);
	int (*pthread_detach)(pthread_t);
	void (*pthread_exit)(void *) __attribute__((noreturn));
	pthread_t (*pthread_self)(void);
	int (*pthread_once)(pthread_once_t *, void (*)(void));
	int (*pthread_key_create)(pthread_key_t *, void (*)(void *));
	int (*pthread_key_delete)(pthread_key_t);
	void *(*pthread_getspecific)(pthread_key_t);
	int (*pthread_setspecific)(pthread_key_t, const void *);
	int (*pthread_getattr_np)(pthread_t, pthread_attr_t *);
	int (*pthread_getattr_default_np)(pthread_attr_t *);
	int (*pthread_setattr_default_np)(const pthread_attr_t *);
	int (*pthread_setname_np)(pthread_t, const char *);
	int (*pthread_getname_np)(pthread_t, char *, size_t);
	int (*pthread_attr_getstackaddr)(const pthread_attr_t *, void **);
	int (*sched_yield)(void);
	int (*thrd_create)(thrd_t *, thrd_start_t, void *);
	int (*thrd_join)(thrd_t, int *);
	int (*thrd_detach)(thrd_t);
	void (*thrd_exit)(int) __attribute__((noreturn));
	void (*call_tls_dtors)(void);		/* __call_tls_dtors: C++ thread_local */
	void (*io_enable_locks)(void);		/* _IO_enable_locks: stdio locking on */
};

extern struct gs_real gs_real;
extern _Atomic int gs_real_ready;	/* release-stored once gs_real is complete */

/* gs_real_resolve fills gs_real; idempotent, callable from any interposed function. */
void gs_real_resolve(void);

/* real returns the resolved table, resolving it first if goshim's constructor has not run. */
static inline struct gs_real *real(void)
{
	if (__builtin_expect(!atomic_load_explicit(&gs_real_ready, memory_order_acquire), 0))
		gs_real_resolve();
	return &gs_real;
}

#endif
