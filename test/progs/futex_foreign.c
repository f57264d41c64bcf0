/* Futex calls between a thread and a thread that is not a G: glibc runs a SIGEV_THREAD
 * timer's callback on a thread it creates itself. For a private and a non-private futex
 * word each: the callback wakes a thread waiting on it, then waits on it itself until a
 * thread wakes it. Each waker repeats its wake until the wake reports a waiter woken (so
 * the waiter was asleep when it came), for at most 10 s; each waiter waits at most 10 s.
 * A wake that could not reach the waiter shows as a waker giving up. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { TRIES = 10000, WAIT_S = 10 };

struct pair {
	const char *name;
	int priv;			/* FUTEX_PRIVATE_FLAG or 0 */
	_Atomic uint32_t to_thread;	/* the callback wakes the thread on it */
	_Atomic uint32_t to_foreign;	/* the thread wakes the callback on it */
	long thread_wait, foreign_wait;	/* what each wait returned (0 or an errno) */
	int thread_wake_ok, foreign_wake_ok;
	_Atomic int done;
};

static long wait_on(_Atomic uint32_t *w, int priv)
{
	struct timespec t = { WAIT_S, 0 };

	while (atomic_load(w) == 0)
		if (syscall(SYS_futex, w, FUTEX_WAIT | priv, 0, &t, NULL, 0) != 0 && errno != EAGAIN)
			return errno;
	return 0;
}

/* wake_sleeper wakes the waiter on w once it is asleep there, then lets it go on: 1 if
 * a wake found it within TRIES ms. */
static int wake_sleeper(_Atomic uint32_t *w, int priv)
{
	struct timespec ms = { 0, 1000000 };
	int found = 0;

	for (int i = 0; i < TRIES && !found; i++) {
		found = syscall(SYS_futex, w, FUTEX_WAKE | priv, 1, NULL, NULL, 0) == 1;
		if (!found)
			nanosleep(&ms, NULL);
	}
	atomic_store(w, 1);
	syscall(SYS_futex, w, FUTEX_WAKE | priv, 1, NULL, NULL, 0);
	return found;
}

static void callback(union sigval v)
{
	struct pair *p = v.sival_ptr;

	p->foreign_wake_ok = wake_sleeper(&p->to_thread, p->priv);
	p->foreign_wait = wait_on(&p->to_foreign, p->priv);
	atomic_store(&p->done, 1);
}

static void *thread(void *arg)
{
	struct pair *p = arg;

	p->thread_wait = wait_on(&p->to_thread, p->priv);
	p->thread_wake_ok = wake_sleeper(&p->to_foreign, p->priv);
	return NULL;
}

static void run(struct pair *p)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = callback,
				.sigev_value.sival_ptr = p };
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	struct timespec ms = { 0, 1000000 };
	timer_t tm;
	pthread_t t;

	pthread_create(&t, NULL, thread, p);
	if (timer_create(CLOCK_MONOTONIC, &sev, &tm) != 0 || timer_settime(tm, 0, &its, NULL) != 0) {
		printf("FAIL %s: timer: %s\n", p->name, strerror(errno));
		return;
	}
	pthread_join(t, NULL);
	while (!atomic_load(&p->done))
		nanosleep(&ms, NULL);
	timer_delete(tm);
	printf("%s: foreign thread's wake %s, thread's wait %s\n", p->name,
	       p->foreign_wake_ok ? "found the thread" : "FAIL: never found the thread",
	       p->thread_wait ? strerror((int)p->thread_wait) : "returned");
	printf("%s: thread's wake %s, foreign thread's wait %s\n", p->name,
	       p->thread_wake_ok ? "found the foreign thread" : "FAIL: never found the foreign thread",
	       p->foreign_wait ? strerror((int)p->foreign_wait) : "returned");
}

static struct pair private_pair = { .name = "private", .priv = FUTEX_PRIVATE_FLAG };
static struct pair shared_pair = { .name = "non-private", .priv = 0 };

int main(void)
{
	run(&private_pair);
	run(&shared_pair);
	return 0;
}
