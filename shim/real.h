/* The C library's own definitions of the functions goshim interposes, resolved once with
 * dlsym(RTLD_NEXT) and usable before goshim's constructor has run. */
#ifndef GS_REAL_H
#define GS_REAL_H

#include <pthread.h>
#include <signal.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <threads.h>

struct gs_real {
	int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	int (*pthread_join)(pthread_t, void **);
	int (*pthread_tryjoin_np)(pthread_t, void **);
	int (*pthread_timedjoin_np)(pthread_t, void **, const struct timespec *);
	int (*pthread_clockjoin_np)(pthread_t, void **, clockid_t, const struct timespec *);
	int (*pthread_detach)(pthread_t);
	int (*pthread_cancel)(pthread_t);
	int (*pthread_kill)(pthread_t, int);
	int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
	int (*sigprocmask)(int, const sigset_t *, sigset_t *);
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
	int (*pthread_mutex_lock)(pthread_mutex_t *);
	int (*pthread_mutex_trylock)(pthread_mutex_t *);
	int (*pthread_mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*pthread_mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
	int (*pthread_mutex_unlock)(pthread_mutex_t *);
	int (*pthread_mutex_consistent)(pthread_mutex_t *);
	int (*pthread_cond_init)(pthread_cond_t *, const pthread_condattr_t *);
	int (*pthread_cond_destroy)(pthread_cond_t *);
	int (*pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*pthread_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
				      const struct timespec *);
	int (*pthread_cond_signal)(pthread_cond_t *);
	int (*pthread_cond_broadcast)(pthread_cond_t *);
	int (*sem_wait)(sem_t *);
	int (*sem_trywait)(sem_t *);
	int (*sem_timedwait)(sem_t *, const struct timespec *);
	int (*sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
	int (*sem_post)(sem_t *);
	int (*pthread_barrier_init)(pthread_barrier_t *, const pthread_barrierattr_t *, unsigned);
	int (*pthread_barrier_wait)(pthread_barrier_t *);
	int (*pthread_barrier_destroy)(pthread_barrier_t *);
	int (*pthread_rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
	int (*pthread_rwlock_destroy)(pthread_rwlock_t *);
	int (*pthread_rwlock_rdlock)(pthread_rwlock_t *);
	int (*pthread_rwlock_wrlock)(pthread_rwlock_t *);
	int (*pthread_rwlock_tryrdlock)(pthread_rwlock_t *);
	int (*pthread_rwlock_trywrlock)(pthread_rwlock_t *);
	int (*pthread_rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
	int (*pthread_rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
	int (*pthread_rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*pthread_rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
	int (*pthread_rwlock_unlock)(pthread_rwlock_t *);
	long (*syscall)(long, ...);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	__sighandler_t (*signal)(int, __sighandler_t);
	void (*call_tls_dtors)(void);		/* __call_tls_dtors: C++ thread_local */
	void (*io_enable_locks)(void);		/* _IO_enable_locks: stdio locking on */
	void (*ctype_init)(void);		/* __ctype_init: a thread's ctype table pointers */
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
