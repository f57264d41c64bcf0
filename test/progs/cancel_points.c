/* Deferred cancellation of threads waiting in pthread_cond_wait (the mutex is held again
 * when the cleanup handler runs), read on a pipe, sleep, sem_wait, poll and a socket
 * recv; pthread_join yields PTHREAD_CANCELED and every cleanup handler runs once. A
 * thread that disables cancellation is not canceled inside that section, and is at its
 * next cancellation point once it enables it again. Under goshim the waits park Gs, and
 * pthread_cancel wakes the one it cancels (issue 7). */
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int p[2], sv[2];
static atomic_int cleanups, held_in_cleanup, in_section, section_done;

static void cleanup(void *m)
{
	if (m) {
		/* trylock fails with EBUSY only because this thread holds it */
		if (pthread_mutex_trylock(m) != 0)
			atomic_fetch_add(&held_in_cleanup, 1);
		pthread_mutex_unlock(m);
	}
	atomic_fetch_add(&cleanups, 1);
}

static void *in_cond(void *arg)
{
	pthread_mutex_lock(&mu);
	pthread_cleanup_push(cleanup, &mu);
	for (;;)
		pthread_cond_wait(&cv, &mu);
	pthread_cleanup_pop(0);
	return arg;
}

static void *in_read(void *arg)
{
	char c;

	pthread_cleanup_push(cleanup, NULL);
	if (read(p[0], &c, 1) >= 0)
		printf("FAIL read returned\n");
	pthread_cleanup_pop(0);
	return arg;
}

static void *in_sleep(void *arg)
{
	pthread_cleanup_push(cleanup, NULL);
	sleep(100);
	pthread_cleanup_pop(0);
	return arg;
}

static void *in_sem(void *arg)
{
	pthread_cleanup_push(cleanup, NULL);
	sem_wait(&sem);
	pthread_cleanup_pop(0);
	return arg;
}

static void *in_poll(void *arg)
{
	struct pollfd pf = { .fd = p[0], .events = POLLIN };

	pthread_cleanup_push(cleanup, NULL);
	poll(&pf, 1, -1);
	pthread_cleanup_pop(0);
	return arg;
}

static void *in_recv(void *arg)
{
	char c;

	pthread_cleanup_push(cleanup, NULL);
	recv(sv[0], &c, 1, 0);
	pthread_cleanup_pop(0);
	return arg;
}

static void *disabled(void *arg)
{
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	atomic_store(&in_section, 1);
	while (!atomic_load(&section_done))
		usleep(1000);	/* a cancellation point, but cancellation is disabled */
	pthread_setcancelstate(old, NULL);
	pthread_cleanup_push(cleanup, NULL);
	pthread_testcancel();
	pthread_cleanup_pop(0);
	return arg;
}

static void run(const char *name, void *(*fn)(void *))
{
	pthread_t t;
	void *r;

	pthread_create(&t, NULL, fn, NULL);
	usleep(10000);	/* likely in its wait by now; deferred cancellation works either way */
	pthread_cancel(t);
	if (fn == disabled) {
		while (!atomic_load(&in_section))
			usleep(1000);
		usleep(20000);
		atomic_store(&section_done, 1);
	}
	pthread_join(t, &r);
	printf("%s: %s\n", name, r == PTHREAD_CANCELED ? "canceled" : "not canceled");
}

int main(void)
{
	if (pipe(p) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || sem_init(&sem, 0, 0))
		return 1;
	run("pthread_cond_wait", in_cond);
	run("read", in_read);
	run("sleep", in_sleep);
	run("sem_wait", in_sem);
	run("poll", in_poll);
	run("recv", in_recv);
	run("disabled, then enabled", disabled);
	printf("cleanup handlers run: %d, with the mutex held: %d\n", atomic_load(&cleanups),
	       atomic_load(&held_in_cleanup));
	return 0;
}
