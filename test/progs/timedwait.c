/* Outcomes (never durations) of timed waits: condvar timedwait and
 * clockwait on both clocks with passed, near and invalid deadlines, a timed
 * wait that is signalled in time, sem_timedwait/sem_clockwait, and a
 * mutex timedlock that acquires once the holder unlocks.
 * Sync: the objects under test, atomics and pthread_join.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int nfail;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
/* Guarded by mu. */
static int waiting;
static int flag;
static atomic_int holder_locked;
static atomic_int holder_release;

static void show(const char *what, int rc, int want)
{
	const char *name = rc == 0 ? "0" : strerrorname_np(rc);

	printf("%s: %s\n", what, name ? name : "?");
	if (rc != want && atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s: got %d, want %d\n", what, rc, want);
		fflush(stdout);
	}
}

/* show_sem shows a semaphore call's result as -1/ERRNO or 0. */
static void show_sem(const char *what, int rc, int err, int want)
{
	show(what, rc == 0 ? 0 : rc == -1 ? err : -2, want);
}

static struct timespec after(clockid_t clock, long ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += ms % 1000 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static int cond_timed(pthread_cond_t *c, struct timespec ts)
{
	int rc;

	pthread_mutex_lock(&mu);
	rc = pthread_cond_timedwait(c, &mu, &ts);
	pthread_mutex_unlock(&mu);
	return rc;
}

static int cond_clock(clockid_t clock, struct timespec ts)
{
	int rc;

	pthread_mutex_lock(&mu);
	rc = pthread_cond_clockwait(&cv, &mu, clock, &ts);
	pthread_mutex_unlock(&mu);
	return rc;
}

static void conds(void)
{
	pthread_condattr_t attr;
	pthread_cond_t mono;
	clockid_t clock = -1;
	struct timespec past = { .tv_sec = 1 };
	struct timespec bad = after(CLOCK_REALTIME, 1000);
	struct timespec negative = after(CLOCK_REALTIME, 1000);

	bad.tv_nsec = 1000000000;
	negative.tv_nsec = -1;
	show("cond timedwait realtime passed", cond_timed(&cv, past), ETIMEDOUT);
	show("cond timedwait realtime +20ms", cond_timed(&cv, after(CLOCK_REALTIME, 20)),
	     ETIMEDOUT);
	show("cond timedwait tv_nsec 1e9", cond_timed(&cv, bad), EINVAL);
	show("cond timedwait tv_nsec -1", cond_timed(&cv, negative), EINVAL);

	pthread_condattr_init(&attr);
	show("condattr setclock monotonic", pthread_condattr_setclock(&attr, CLOCK_MONOTONIC),
	     0);
	show("condattr setclock cputime",
	     pthread_condattr_setclock(&attr, CLOCK_PROCESS_CPUTIME_ID), EINVAL);
	pthread_condattr_getclock(&attr, &clock);
	show("condattr getclock is monotonic", clock == CLOCK_MONOTONIC ? 0 : -1, 0);
	show("cond init monotonic", pthread_cond_init(&mono, &attr), 0);
	pthread_condattr_destroy(&attr);
	show("monotonic cond timedwait passed", cond_timed(&mono, past), ETIMEDOUT);
	show("monotonic cond timedwait +20ms",
	     cond_timed(&mono, after(CLOCK_MONOTONIC, 20)), ETIMEDOUT);
	show("monotonic cond destroy", pthread_cond_destroy(&mono), 0);

	show("cond clockwait monotonic passed", cond_clock(CLOCK_MONOTONIC, past), ETIMEDOUT);
	show("cond clockwait monotonic +20ms",
	     cond_clock(CLOCK_MONOTONIC, after(CLOCK_MONOTONIC, 20)), ETIMEDOUT);
	show("cond clockwait realtime passed", cond_clock(CLOCK_REALTIME, past), ETIMEDOUT);
	show("cond clockwait tv_nsec 1e9", cond_clock(CLOCK_MONOTONIC, bad), EINVAL);
	show("cond clockwait cputime clock", cond_clock(CLOCK_PROCESS_CPUTIME_ID, past),
	     EINVAL);
}

static void *signalled_waiter(void *arg)
{
	struct timespec deadline = after(CLOCK_REALTIME, 2000);
	int rc = 0;

	pthread_mutex_lock(&mu);
	waiting = 1;
	while (!flag && rc == 0)
		rc = pthread_cond_timedwait(&cv, &mu, &deadline);
	pthread_mutex_unlock(&mu);
	*(int *)arg = rc;
	return NULL;
}

static void signalled(void)
{
	pthread_t t;
	int rc = -1, seen = 0;

	pthread_create(&t, NULL, signalled_waiter, &rc);
	while (!seen) {
		pthread_mutex_lock(&mu);
		seen = waiting;
		if (seen) {
			flag = 1;
			pthread_cond_signal(&cv);
		}
		pthread_mutex_unlock(&mu);
		sched_yield();
	}
	pthread_join(t, NULL);
	show("cond timedwait signalled before deadline", rc, 0);
}

static void sems(void)
{
	sem_t sem;
	struct timespec past = { .tv_sec = 1 };
	struct timespec bad = after(CLOCK_REALTIME, 1000);
	int rc;

	bad.tv_nsec = 1000000000;
	sem_init(&sem, 0, 0);
	rc = sem_timedwait(&sem, &past);
	show_sem("sem_timedwait passed", rc, errno, ETIMEDOUT);
	rc = sem_clockwait(&sem, CLOCK_MONOTONIC, &past);
	show_sem("sem_clockwait monotonic passed", rc, errno, ETIMEDOUT);
	rc = sem_clockwait(&sem, CLOCK_REALTIME, &past);
	show_sem("sem_clockwait realtime passed", rc, errno, ETIMEDOUT);
	rc = sem_timedwait(&sem, &bad);
	show_sem("sem_timedwait tv_nsec 1e9", rc, errno, EINVAL);
	rc = sem_timedwait(&sem, &(struct timespec){ .tv_sec = 0 });
	show_sem("sem_timedwait epoch", rc, errno, ETIMEDOUT);
	sem_post(&sem);
	rc = sem_timedwait(&sem, &past);
	show_sem("sem_timedwait passed with value 1", rc, errno, 0);
	sem_post(&sem);
	rc = sem_timedwait(&sem, &bad);
	show_sem("sem_timedwait tv_nsec 1e9 with value 1", rc, errno, EINVAL);
	sem_destroy(&sem);
}

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	atomic_store_explicit(&holder_locked, 1, memory_order_release);
	while (!atomic_load_explicit(&holder_release, memory_order_acquire))
		sched_yield();
	for (int i = 0; i < 100; i++)
		sched_yield();
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void timedlock(void)
{
	pthread_t t;
	struct timespec deadline;
	int rc;

	pthread_create(&t, NULL, holder, NULL);
	while (!atomic_load_explicit(&holder_locked, memory_order_acquire))
		sched_yield();
	show("mutex trylock while held", pthread_mutex_trylock(&mu), EBUSY);
	atomic_store_explicit(&holder_release, 1, memory_order_release);
	/* far off: only a guard. The holder's 100 yields took over 2 s natively on a machine
	 * shared with 40 busy processes */
	deadline = after(CLOCK_REALTIME, 3600 * 1000);
	rc = pthread_mutex_timedlock(&mu, &deadline);
	show("mutex timedlock acquired after holder unlocked", rc, 0);
	if (rc == 0)
		pthread_mutex_unlock(&mu);
	pthread_join(t, NULL);
}

int main(void)
{
	conds();
	signalled();
	sems();
	timedlock();
	return atomic_load(&nfail) != 0;
}
