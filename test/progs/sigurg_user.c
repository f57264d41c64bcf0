/* goshim preempts with SIGURG; a program that installs its own SIGURG handler must still
 * see that handler (through sigaction and signal) and receive every SIGURG it is sent, and
 * a thread spinning without calls must still be preempted (goshim moved to another signal:
 * with GOMAXPROCS=1 the ticker below finishes only then).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int got, got_info, stop;

static void *spin(void *arg)
{
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return arg;
}

static void *ticker(void *arg)
{
	struct timespec ts = { 0, 1000 * 1000 };

	for (int i = 0; i < 50; i++)
		nanosleep(&ts, NULL);
	atomic_store(&stop, 1);
	return arg;
}

static void on_urg(int sig)
{
	(void)sig;
	atomic_fetch_add(&got, 1);
}

static void on_urg_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_QUEUE && si->si_value.sival_int == 42)
		atomic_fetch_add(&got_info, 1);
}

static void *worker(void *arg)
{
	for (int i = 0; i < 10; i++)
		pthread_kill(pthread_self(), SIGURG);
	return arg;
}

int main(void)
{
	struct sigaction sa, old;
	pthread_t t, spinner_ticker;
	union sigval v = { .sival_int = 42 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_urg;
	sigaction(SIGURG, &sa, NULL);
	sigaction(SIGURG, NULL, &old);
	printf("sigaction reports the program's handler: %s\n",
	       old.sa_handler == on_urg ? "yes" : "no");
	for (int i = 0; i < 10; i++)
		raise(SIGURG);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	printf("SIGURG received: %d of 20\n", atomic_load(&got));

	sa.sa_sigaction = on_urg_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGURG, &sa, NULL);
	for (int i = 0; i < 5; i++)
		sigqueue(getpid(), SIGURG, v);
	printf("queued SIGURG with value 42 received: %d of 5\n", atomic_load(&got_info));
	printf("signal() returns the previous handler: %s\n",
	       (void *)signal(SIGURG, SIG_DFL) == (void *)on_urg_info ? "yes" : "no");

	sa.sa_handler = on_urg;
	sa.sa_flags = 0;
	sigaction(SIGURG, &sa, NULL);
	pthread_create(&t, NULL, spin, NULL);
	pthread_create(&spinner_ticker, NULL, ticker, NULL);
	pthread_join(spinner_ticker, NULL);
	pthread_join(t, NULL);
	printf("spinner stopped while the program handles SIGURG\n");
	return 0;
}
