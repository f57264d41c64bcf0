/* A handler that sleeps, for a signal sent to a thread while it waits in
 * pthread_mutex_lock, pthread_mutex_timedlock or pthread_join. Natively the handler runs in
 * the middle of the wait, which then goes on: every lock and join succeeds and every signal
 * runs the handler. Under goshim a parked thread takes such a signal once it is woken. The
 * handler's sleep parked too, in pthread_join's wake-up, and the thread came back on
 * another OS thread; the one it left kept the handler's signal mask, SIGUSR1 blocked, for
 * whatever it ran next: about 1 in 4 of the signals to the joiner never ran the handler at
 * GOMAXPROCS 2 and 4. Last, a handler that sleeps and then leaves by siglongjmp, many
 * times over, from a thread that then takes one more signal. The usleeps only make it likely that a signal finds its thread
 * parked; the verdict does not depend on it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 300 };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t main_thread;
static _Atomic int handled;

static void on_usr1(int sig)
{
	struct timespec ns = { 0, 50000 };

	(void)sig;
	nanosleep(&ns, NULL);
	handled++;
}

static __thread sigjmp_buf jump_env;

/* on_usr2 sleeps, then jumps out of the handler */
static void on_usr2(int sig)
{
	struct timespec ns = { 0, 50000 };

	(void)sig;
	nanosleep(&ns, NULL);
	siglongjmp(jump_env, 1);
}

/* jumper leaves a handler by siglongjmp ROUNDS times, sleeping between, and then takes
 * a SIGUSR1: a jump leaves the thread's mask as it was at sigsetjmp */
static void *jumper(void *arg)
{
	volatile int jumped = 0;

	for (int i = 0; i < ROUNDS; i++) {
		if (sigsetjmp(jump_env, 1) == 0)
			pthread_kill(pthread_self(), SIGUSR2);
		else
			jumped++;
		usleep(10);
	}
	pthread_kill(pthread_self(), SIGUSR1);
	return jumped == ROUNDS ? arg : NULL;
}

static void *locker(void *arg)
{
	struct timespec far;
	int r;

	if (arg) {
		clock_gettime(CLOCK_REALTIME, &far);
		far.tv_sec += 3600;
		r = pthread_mutex_timedlock(&mu, &far);
	} else {
		r = pthread_mutex_lock(&mu);
	}
	if (r == 0)
		pthread_mutex_unlock(&mu);
	return (void *)(intptr_t)r;
}

static void *signal_joiner(void *arg)
{
	usleep(100);
	pthread_kill(main_thread, SIGUSR1);
	usleep(100);
	return arg;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int lock_bad = 0, timed_bad = 0, join_bad = 0, sent = 0;
	pthread_t t;
	void *rv;

	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();
	for (int i = 0; i < ROUNDS; i++) {
		bool timed = i % 2;

		pthread_mutex_lock(&mu);
		pthread_create(&t, NULL, locker, timed ? &mu : NULL);
		usleep(100);
		pthread_kill(t, SIGUSR1);
		sent++;
		usleep(100);
		pthread_mutex_unlock(&mu);
		if (pthread_join(t, &rv) != 0 || rv != NULL) {
			if (timed)
				timed_bad++;
			else
				lock_bad++;
		}
	}
	for (int i = 0; i < ROUNDS; i++) {
		pthread_create(&t, NULL, signal_joiner, &mu);
		sent++;
		if (pthread_join(t, &rv) != 0 || rv != &mu)
			join_bad++;
	}
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	pthread_create(&t, NULL, jumper, &mu);
	sent++;
	if (pthread_join(t, &rv) != 0 || rv != &mu)
		join_bad++;
	printf("failed: pthread_mutex_lock %d, pthread_mutex_timedlock %d, pthread_join %d\n",
	       lock_bad, timed_bad, join_bad);
	printf("handlers run for every signal: %s\n", handled == sent ? "yes" : "no");
	fprintf(stderr, "sent %d handled %d\n", sent, handled);
	return 0;
}
