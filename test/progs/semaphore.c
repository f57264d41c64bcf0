/* POSIX semaphores: an unnamed one with 8 posters and 8 waiters of 10,000
 * operations each, trywait/post/getvalue, then a named one shared by
 * threads, closed and unlinked. Sync: the semaphores and pthread_join.
 * Not run with GOSHIM_TLS=shared: it reads errno in functions that also block
 * (the compiler may reuse an errno address computed before a G migrated). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { NPOSTERS = 8, NWAITERS = 8, OPS = 10000 };

static atomic_int nfail;
static atomic_long waited;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

/* show prints a -1/errno-style result as 0 or the errno name, and checks
 * it. */
static void show(const char *what, int rc, int err, int want)
{
	int got = rc == 0 ? 0 : rc == -1 ? err : -2;
	const char *name = got == 0 ? "0" : strerrorname_np(got);

	printf("%s: %s\n", what, name ? name : "?");
	check(got == want, what, got, want);
}

static void *poster(void *arg)
{
	for (int i = 0; i < OPS; i++)
		check(sem_post(arg) == 0, "sem_post", i, 0);
	return NULL;
}

static void *waiter(void *arg)
{
	for (int i = 0; i < OPS; i++) {
		check(sem_wait(arg) == 0, "sem_wait", i, 0);
		atomic_fetch_add_explicit(&waited, 1, memory_order_relaxed);
	}
	return NULL;
}

/* count runs nthreads posters and as many waiters on sem. */
static void count(const char *name, sem_t *sem, int nthreads)
{
	pthread_t ts[NPOSTERS + NWAITERS];
	int value = -1;

	atomic_store(&waited, 0);
	for (int i = 0; i < 2 * nthreads; i++)
		check(pthread_create(&ts[i], NULL, i % 2 ? poster : waiter, sem) == 0,
		      "pthread_create", i, 0);
	for (int i = 0; i < 2 * nthreads; i++)
		check(pthread_join(ts[i], NULL) == 0, "pthread_join", i, 0);
	check(sem_getvalue(sem, &value) == 0, "sem_getvalue", 0, 0);
	check(value == 0, "final value", value, 0);
	check(atomic_load(&waited) == (long)nthreads * OPS, "waits", atomic_load(&waited),
	      (long)nthreads * OPS);
	printf("%s: %d posters and %d waiters, %ld waits, final value %d\n", name, nthreads,
	       nthreads, atomic_load(&waited), value);
}

static void unnamed(void)
{
	sem_t sem;
	int value = -1, rc;

	rc = sem_init(&sem, 0, (unsigned)SEM_VALUE_MAX + 1);
	show("sem_init above SEM_VALUE_MAX", rc, errno, EINVAL);
	rc = sem_init(&sem, 0, 0);
	show("sem_init", rc, errno, 0);
	count("unnamed", &sem, NPOSTERS);
	rc = sem_trywait(&sem);
	show("sem_trywait on 0", rc, errno, EAGAIN);
	rc = sem_post(&sem);
	show("sem_post", rc, errno, 0);
	sem_getvalue(&sem, &value);
	printf("value after post: %d\n", value);
	check(value == 1, "value after post", value, 1);
	rc = sem_trywait(&sem);
	show("sem_trywait on 1", rc, errno, 0);
	sem_getvalue(&sem, &value);
	printf("value after trywait: %d\n", value);
	check(value == 0, "value after trywait", value, 0);
	rc = sem_destroy(&sem);
	show("sem_destroy", rc, errno, 0);
}

static void named(void)
{
	char name[64];
	sem_t *sem, *again;
	int rc;

	snprintf(name, sizeof name, "/goshim-test-%d", (int)getpid());
	sem = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	show("sem_open create", sem == SEM_FAILED ? -1 : 0, errno, 0);
	if (sem == SEM_FAILED)
		return;
	again = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	show("sem_open create existing", again == SEM_FAILED ? -1 : 0, errno, EEXIST);
	again = sem_open(name, 0);
	show("sem_open existing", again == SEM_FAILED ? -1 : 0, errno, 0);
	count("named", sem, NPOSTERS / 2);
	if (again != SEM_FAILED) {
		rc = sem_post(again);
		show("sem_post via second handle", rc, errno, 0);
		rc = sem_trywait(sem);
		show("sem_trywait via first handle", rc, errno, 0);
		rc = sem_close(again);
		show("sem_close second handle", rc, errno, 0);
	}
	rc = sem_close(sem);
	show("sem_close", rc, errno, 0);
	rc = sem_unlink(name);
	show("sem_unlink", rc, errno, 0);
	again = sem_open(name, 0);
	show("sem_open after unlink", again == SEM_FAILED ? -1 : 0, errno, ENOENT);
	rc = sem_unlink(name);
	show("sem_unlink again", rc, errno, ENOENT);
}

int main(void)
{
	unnamed();
	named();
	return atomic_load(&nfail) != 0;
}
