/* pthread_attr_setsigmask_np (glibc 2.32): the new thread starts with the mask the
 * attributes name, not its creator's. Under goshim the G took its creator's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

static void *worker(void *arg)
{
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	printf("%s thread blocks SIGUSR1: %s, SIGUSR2: %s\n", (const char *)arg,
	       sigismember(&cur, SIGUSR1) ? "yes" : "no", sigismember(&cur, SIGUSR2) ? "yes" : "no");
	return arg;
}

int main(void)
{
	pthread_attr_t attr;
	sigset_t mask;
	pthread_t t;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	pthread_attr_init(&attr);
	pthread_attr_setsigmask_np(&attr, &mask);
	pthread_create(&t, &attr, worker, "a new");
	pthread_join(t, NULL);
	/* the creator's mask, for one made without */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	pthread_create(&t, NULL, worker, "a plain");
	pthread_join(t, NULL);
	return 0;
}
