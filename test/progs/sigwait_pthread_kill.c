/* pthread_kill of a signal the thread blocks, sent just before the thread waits for it:
 * sigtimedwait takes it, and sigsuspend (or ppoll) with a mask that lets it through runs
 * its handler and fails with EINTR. Under goshim such a signal, kept for the thread while it
 * ran, never reached the kernel, where these calls wait: sigtimedwait waited out its
 * timeout and sigsuspend for ever. The timeouts are hang guards; natively no call here
 * waits for them. Each round makes a new thread, so the signal comes before or during
 * the wait, in whatever order the threads run. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

enum { ROUNDS = 200 };

static _Atomic int handled;
static pthread_barrier_t ready;

static void on_usr2(int sig)
{
	(void)sig;
	handled++;
}

static void *waiter(void *arg)
{
	struct timespec guard = { 5, 0 };
	sigset_t set;
	int r;

	sigemptyset(&set);
	pthread_barrier_wait(&ready);
	if (arg) {
		sigaddset(&set, SIGUSR1);
		r = sigtimedwait(&set, NULL, &guard) == SIGUSR1;
	} else {
		r = ppoll(NULL, 0, &guard, &set) == -1 && errno == EINTR;
	}
	return (void *)(long)r;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr2 };
	int took = 0, interrupted = 0;
	sigset_t block;

	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	pthread_barrier_init(&ready, NULL, 2);
	for (int i = 0; i < 2 * ROUNDS; i++) {
		bool wait_for_it = i % 2 == 0;
		pthread_t t;
		void *ok;

		pthread_create(&t, NULL, waiter, wait_for_it ? &took : NULL);
		pthread_barrier_wait(&ready);
		pthread_kill(t, wait_for_it ? SIGUSR1 : SIGUSR2);
		pthread_join(t, &ok);
		if (ok && wait_for_it)
			took++;
		else if (ok)
			interrupted++;
	}
	printf("sigtimedwait took SIGUSR1 in %d of %d rounds\n", took, ROUNDS);
	printf("ppoll with SIGUSR2 let through: handler then EINTR in %d of %d rounds (%d handlers)\n",
	       interrupted, ROUNDS, handled);
	return 0;
}
