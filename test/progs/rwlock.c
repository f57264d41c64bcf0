/* pthread rwlocks: the reader/writer exclusion invariant under 8 readers
 * and 4 writers, for the default and the writer-preferring kinds; then the
 * try, timed and clock variants on held locks, read-lock counting,
 * recursive read locks and self-deadlock detection.
 * Sync: the rwlocks under test, atomics and pthread_join.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { NREADERS = 8, NWRITERS = 4, ITERS = 20000 };

static atomic_int nfail;
static pthread_rwlock_t rw;
static atomic_int active_readers;
static atomic_int active_writers;
static atomic_long reads;
/* Guarded by rw (write side). */
static long writes;

static void show(const char *what, int rc, int want)
{
	const char *name = rc == 0 ? "0" : strerrorname_np(rc);

	printf("%s: %s\n", what, name ? name : "?");
	if (rc != want && atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s: got %d, want %d\n", what, rc, want);
		fflush(stdout);
	}
}

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static void *reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		pthread_rwlock_rdlock(&rw);
		atomic_fetch_add(&active_readers, 1);
		check(atomic_load(&active_writers) == 0, "writer active under read lock",
		      atomic_load(&active_writers), 0);
		atomic_fetch_add_explicit(&reads, 1, memory_order_relaxed);
		atomic_fetch_sub(&active_readers, 1);
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		int w;

		pthread_rwlock_wrlock(&rw);
		w = atomic_fetch_add(&active_writers, 1) + 1;
		check(w == 1, "writers under write lock", w, 1);
		check(atomic_load(&active_readers) == 0, "readers under write lock",
		      atomic_load(&active_readers), 0);
		writes++;
		atomic_fetch_sub(&active_writers, 1);
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void stress(const char *name, int kind)
{
	pthread_rwlockattr_t attr;
	pthread_t ts[NREADERS + NWRITERS];
	int got = -1;

	pthread_rwlockattr_init(&attr);
	show("setkind", pthread_rwlockattr_setkind_np(&attr, kind), 0);
	pthread_rwlockattr_getkind_np(&attr, &got);
	show("getkind matches", got == kind ? 0 : -1, 0);
	show("init", pthread_rwlock_init(&rw, &attr), 0);
	pthread_rwlockattr_destroy(&attr);
	atomic_store(&reads, 0);
	writes = 0;
	for (int i = 0; i < NREADERS + NWRITERS; i++)
		pthread_create(&ts[i], NULL, i < NREADERS ? reader : writer, NULL);
	for (int i = 0; i < NREADERS + NWRITERS; i++)
		pthread_join(ts[i], NULL);
	check(atomic_load(&reads) == (long)NREADERS * ITERS, "reads", atomic_load(&reads),
	      (long)NREADERS * ITERS);
	check(writes == (long)NWRITERS * ITERS, "writes", writes, (long)NWRITERS * ITERS);
	printf("%s: %ld reads, %ld writes\n", name, atomic_load(&reads), writes);
	show("destroy", pthread_rwlock_destroy(&rw), 0);
}

enum op { TRYRD, TRYWR, TIMEDRD, TIMEDWR, CLOCKRD, CLOCKWR, TIMEDWR_BADNSEC };

static void *run_op(void *arg)
{
	static const struct timespec past = { .tv_sec = 1 };
	struct timespec bad = { .tv_sec = time(NULL) + 10, .tv_nsec = 1000000000 };
	int *op = arg, rc = -1;

	switch (*op) {
	case TRYRD: rc = pthread_rwlock_tryrdlock(&rw); break;
	case TRYWR: rc = pthread_rwlock_trywrlock(&rw); break;
	case TIMEDRD: rc = pthread_rwlock_timedrdlock(&rw, &past); break;
	case TIMEDWR: rc = pthread_rwlock_timedwrlock(&rw, &past); break;
	case CLOCKRD: rc = pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &past); break;
	case CLOCKWR: rc = pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &past); break;
	case TIMEDWR_BADNSEC: rc = pthread_rwlock_timedwrlock(&rw, &bad); break;
	}
	if (rc == 0)
		pthread_rwlock_unlock(&rw);
	*op = rc;
	return NULL;
}

/* in_thread runs op on rw in a new thread; a lock it gets it releases. */
static int in_thread(enum op op)
{
	int arg = op;
	pthread_t t;

	pthread_create(&t, NULL, run_op, &arg);
	pthread_join(t, NULL);
	return arg;
}

static void errors(void)
{
	show("init default", pthread_rwlock_init(&rw, NULL), 0);

	show("wrlock", pthread_rwlock_wrlock(&rw), 0);
	show("wrlock by writer", pthread_rwlock_wrlock(&rw), EDEADLK);
	show("rdlock by writer", pthread_rwlock_rdlock(&rw), EDEADLK);
	show("tryrdlock on write-held", in_thread(TRYRD), EBUSY);
	show("trywrlock on write-held", in_thread(TRYWR), EBUSY);
	show("timedrdlock passed on write-held", in_thread(TIMEDRD), ETIMEDOUT);
	show("timedwrlock passed on write-held", in_thread(TIMEDWR), ETIMEDOUT);
	show("clockrdlock monotonic passed on write-held", in_thread(CLOCKRD), ETIMEDOUT);
	show("clockwrlock monotonic passed on write-held", in_thread(CLOCKWR), ETIMEDOUT);
	show("timedwrlock tv_nsec 1e9 on write-held", in_thread(TIMEDWR_BADNSEC), EINVAL);
	show("unlock writer", pthread_rwlock_unlock(&rw), 0);

	show("rdlock", pthread_rwlock_rdlock(&rw), 0);
	show("recursive rdlock", pthread_rwlock_rdlock(&rw), 0);
	show("recursive tryrdlock", pthread_rwlock_tryrdlock(&rw), 0);
	show("tryrdlock on read-held", in_thread(TRYRD), 0);
	show("trywrlock on read-held", in_thread(TRYWR), EBUSY);
	show("timedwrlock passed on read-held", in_thread(TIMEDWR), ETIMEDOUT);
	show("clockwrlock monotonic passed on read-held", in_thread(CLOCKWR), ETIMEDOUT);
	show("unlock reader 1 of 3", pthread_rwlock_unlock(&rw), 0);
	show("unlock reader 2 of 3", pthread_rwlock_unlock(&rw), 0);
	show("trywrlock with 1 reader left", in_thread(TRYWR), EBUSY);
	show("unlock reader 3 of 3", pthread_rwlock_unlock(&rw), 0);
	show("trywrlock with no reader left", in_thread(TRYWR), 0);
	show("trywrlock", pthread_rwlock_trywrlock(&rw), 0);
	show("trywrlock by writer", pthread_rwlock_trywrlock(&rw), EBUSY);
	show("unlock", pthread_rwlock_unlock(&rw), 0);
	show("destroy", pthread_rwlock_destroy(&rw), 0);
}

int main(void)
{
	stress("default", PTHREAD_RWLOCK_DEFAULT_NP);
	stress("prefer writer nonrecursive", PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	stress("prefer reader", PTHREAD_RWLOCK_PREFER_READER_NP);
	errors();
	return atomic_load(&nfail) != 0;
}
