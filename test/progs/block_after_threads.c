/* A signal blocked after threads have come and gone must stay pending for sigwait: the
 * process has no thread that takes it. Under goshim the OS threads of those threads stay,
 * idle, and they went to sleep when no thread blocked anything; one the kernel handed the
 * signal to ran its default action and killed the process (SIGUSR1, at GOMAXPROCS 2 and 4,
 * every time). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { THREADS = 4, SIGNALS = 100 };

static void *nap(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	nanosleep(&ms, NULL);
	return arg;
}

int main(void)
{
	pthread_t t[THREADS];
	struct timespec settle = { 0, 20000000 };
	sigset_t set;
	int sig, got = 0;

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, nap, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	nanosleep(&settle, NULL);	/* only makes it likely goshim's threads are asleep */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < SIGNALS; i++) {
		kill(getpid(), SIGUSR1);
		if (sigwait(&set, &sig) == 0 && sig == SIGUSR1)
			got++;
	}
	printf("%d of %d SIGUSR1 taken by sigwait\n", got, SIGNALS);
	return 0;
}
