/* Robust mutexes: a thread that exits holding one passes EOWNERDEAD to the
 * next locker (already blocked, or locking later); pthread_mutex_consistent
 * repairs it, and unlocking without it makes it ENOTRECOVERABLE.
 * Sync: the mutexes under test, atomics and pthread_join.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int nfail;
static atomic_int owner_locked;
static atomic_int waiter_started;

static void show(const char *what, int rc, int want)
{
	const char *name = rc == 0 ? "0" : strerrorname_np(rc);

	printf("%s: %s\n", what, name ? name : "?");
	if (rc != want && atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s: got %d, want %d\n", what, rc, want);
		fflush(stdout);
	}
}

static void init_robust(pthread_mutex_t *mu, int type)
{
	pthread_mutexattr_t attr;
	int robust = -1;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, type);
	show("setrobust", pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST), 0);
	pthread_mutexattr_getrobust(&attr, &robust);
	show("getrobust is robust", robust == PTHREAD_MUTEX_ROBUST ? 0 : -1, 0);
	show("init", pthread_mutex_init(mu, &attr), 0);
	pthread_mutexattr_destroy(&attr);
}

/* die_holding locks arg and exits without unlocking it. */
static void *die_holding(void *arg)
{
	show("dying owner lock", pthread_mutex_lock(arg), 0);
	return NULL;
}

/* die_holding_after_waiter is die_holding, but exits only once a waiter
 * is about to block on the mutex. */
static void *die_holding_after_waiter(void *arg)
{
	show("dying owner lock", pthread_mutex_lock(arg), 0);
	atomic_store_explicit(&owner_locked, 1, memory_order_release);
	while (!atomic_load_explicit(&waiter_started, memory_order_acquire))
		sched_yield();
	for (int i = 0; i < 100; i++)
		sched_yield();
	return NULL;
}

struct waiter {
	pthread_mutex_t *mu;
	int rc;
};

static void *blocked_waiter(void *arg)
{
	struct waiter *w = arg;

	atomic_store_explicit(&waiter_started, 1, memory_order_release);
	w->rc = pthread_mutex_lock(w->mu);
	if (w->rc == EOWNERDEAD)
		show("waiter consistent", pthread_mutex_consistent(w->mu), 0);
	if (w->rc == EOWNERDEAD || w->rc == 0)
		show("waiter unlock", pthread_mutex_unlock(w->mu), 0);
	return NULL;
}

static void owner_dies(pthread_mutex_t *mu)
{
	pthread_t t;

	pthread_create(&t, NULL, die_holding, mu);
	pthread_join(t, NULL);
}

/* Owner dies, the next locker makes the mutex consistent. */
static void recovered(const char *kind, int type)
{
	pthread_mutex_t mu;

	printf("-- %s, recovered\n", kind);
	init_robust(&mu, type);
	owner_dies(&mu);
	show("next lock", pthread_mutex_lock(&mu), EOWNERDEAD);
	show("consistent", pthread_mutex_consistent(&mu), 0);
	show("unlock", pthread_mutex_unlock(&mu), 0);
	show("later lock", pthread_mutex_lock(&mu), 0);
	show("consistent on consistent", pthread_mutex_consistent(&mu), EINVAL);
	show("later unlock", pthread_mutex_unlock(&mu), 0);
	owner_dies(&mu);
	show("trylock after owner died", pthread_mutex_trylock(&mu), EOWNERDEAD);
	show("consistent", pthread_mutex_consistent(&mu), 0);
	show("unlock", pthread_mutex_unlock(&mu), 0);
	show("destroy", pthread_mutex_destroy(&mu), 0);
}

/* Owner dies, the next locker unlocks without repairing the mutex. */
static void unrecoverable(void)
{
	pthread_mutex_t mu;

	printf("-- normal, not recovered\n");
	init_robust(&mu, PTHREAD_MUTEX_NORMAL);
	owner_dies(&mu);
	show("next lock", pthread_mutex_lock(&mu), EOWNERDEAD);
	show("unlock without consistent", pthread_mutex_unlock(&mu), 0);
	show("lock", pthread_mutex_lock(&mu), ENOTRECOVERABLE);
	show("lock again", pthread_mutex_lock(&mu), ENOTRECOVERABLE);
	/* Last: with glibc 2.36 a lock after this trylock blocks forever. */
	show("trylock", pthread_mutex_trylock(&mu), ENOTRECOVERABLE);
	show("destroy", pthread_mutex_destroy(&mu), 0);
}

/* The owner dies while another thread is (probably) blocked in lock. */
static void blocked(void)
{
	pthread_mutex_t mu;
	pthread_t owner, waiter;
	struct waiter w = { .mu = &mu, .rc = -1 };

	printf("-- normal, waiter blocked when the owner dies\n");
	init_robust(&mu, PTHREAD_MUTEX_NORMAL);
	pthread_create(&owner, NULL, die_holding_after_waiter, &mu);
	while (!atomic_load_explicit(&owner_locked, memory_order_acquire))
		sched_yield();
	pthread_create(&waiter, NULL, blocked_waiter, &w);
	pthread_join(owner, NULL);
	pthread_join(waiter, NULL);
	show("waiter lock", w.rc, EOWNERDEAD);
	show("lock after waiter", pthread_mutex_lock(&mu), 0);
	show("unlock", pthread_mutex_unlock(&mu), 0);
	show("destroy", pthread_mutex_destroy(&mu), 0);
}

int main(void)
{
	recovered("normal", PTHREAD_MUTEX_NORMAL);
	recovered("errorcheck", PTHREAD_MUTEX_ERRORCHECK);
	recovered("recursive", PTHREAD_MUTEX_RECURSIVE);
	unrecoverable();
	blocked();
	return atomic_load(&nfail) != 0;
}
