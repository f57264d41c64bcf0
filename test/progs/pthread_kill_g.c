/* pthread_kill reaches the thread it names, whether that thread is running, parked in
 * a blocking call, or blocks the signal for now: the handler sees its own thread (a
 * __thread id), a read() without SA_RESTART fails with EINTR after the handler ran, and a
 * blocked signal is handled once the thread unblocks it. Under goshim these are Gs that
 * move between OS threads (issue 7). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static __thread int my_id;
static atomic_int handled_by[8];
static atomic_int stage, spinning;
static int p[2];

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled_by[my_id], 1);
}

static void *spinner(void *arg)
{
	my_id = 1;
	atomic_store(&spinning, 1);
	while (atomic_load(&handled_by[1]) == 0)
		;	/* running, no calls */
	return arg;
}

static void *reader(void *arg)
{
	char c;
	long r;

	(void)arg;
	my_id = 2;
	atomic_store(&stage, 1);
	r = read(p[0], &c, 1);
	return (void *)(long)(r < 0 && errno == EINTR && atomic_load(&handled_by[2]) >= 1);
}

static void *blocker(void *arg)
{
	sigset_t set;

	(void)arg;
	my_id = 3;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	atomic_store(&stage, 2);
	while (atomic_load(&stage) != 3)
		usleep(1000);
	int before = atomic_load(&handled_by[3]);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	return (void *)(long)(before == 0 && atomic_load(&handled_by[3]) == 1);
}

int main(void)
{
	struct sigaction sa;
	struct timespec dl;
	pthread_t t;
	void *r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(p) != 0)
		return 1;

	pthread_create(&t, NULL, spinner, NULL);
	while (!atomic_load(&spinning))	/* my_id set: the handler counts for it */
		usleep(1000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	printf("running thread: handled by it: %s\n", atomic_load(&handled_by[1]) == 1 ? "yes" : "no");

	pthread_create(&t, NULL, reader, NULL);
	while (atomic_load(&stage) != 1)
		usleep(1000);
	/* Into its read, likely. A signal handled before the read leaves it blocked, so the
	 * signal is sent again until the read has failed with EINTR. */
	do {
		usleep(20000);
		pthread_kill(t, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 50000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
	} while (pthread_timedjoin_np(t, &r, &dl) == ETIMEDOUT);
	printf("thread in read: EINTR after its handler: %s\n", r ? "yes" : "no");

	pthread_create(&t, NULL, blocker, NULL);
	while (atomic_load(&stage) != 2)
		usleep(1000);
	pthread_kill(t, SIGUSR1);
	usleep(20000);
	atomic_store(&stage, 3);
	pthread_join(t, &r);
	printf("thread blocking it: handled once unblocked: %s\n", r ? "yes" : "no");
	printf("main handled none: %s\n", atomic_load(&handled_by[0]) == 0 ? "yes" : "no");
	printf("pthread_kill with signal 0: %d\n", pthread_kill(pthread_self(), 0));
	return 0;
}
