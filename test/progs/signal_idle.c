/* Signals sent to the process while every thread waits, in a program that has changed a
 * signal mask (here: SIGUSR2 blocked). Natively a waiting thread that does not block the
 * signal takes it. Under goshim every OS thread was idle then, and idle ones block every
 * signal once masks are in use: an interval timer's handler did not cut a 3 s nanosleep
 * short, and a SIGTERM at its default action left a child waiting on a semaphore alive. A signal every thread blocks must still wait, pending, for sigwait. The sleeps
 * before each signal only make it likely that the threads wait by then; the verdict does
 * not depend on it. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static _Atomic int alarms;

static void on_alrm(int sig)
{
	(void)sig;
	alarms++;
}

static void *nap(void *arg)
{
	usleep(1000);
	return arg;
}

static void block(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* waiting_child waits for ever, once it has said it is about to; SIGTERM should end it */
static pid_t waiting_child(void)
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		pthread_t t;

		pthread_create(&t, NULL, nap, NULL);
		pthread_join(t, NULL);
		sem_t never;

		sem_init(&never, 0, 0);
		(void)!write(p[1], &c, 1);
		sem_wait(&never);
		_exit(0);
	}
	close(p[1]);
	(void)!read(p[0], &c, 1);
	close(p[0]);
	return pid;
}

/* send_later has a child process send sig to this process after ms milliseconds */
static pid_t send_later(int sig, int ms)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		usleep(ms * 1000);
		kill(parent, sig);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alrm };
	struct itimerval once = { { 0, 0 }, { 0, 100000 } };
	struct timespec req = { 3, 0 }, rem = { 0, 0 };
	sigset_t usr1;
	pthread_t t;
	pid_t pid;
	int r, e, status, sig;

	block(SIGUSR2);
	pthread_create(&t, NULL, nap, NULL);
	pthread_join(t, NULL);

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &once, NULL);
	r = nanosleep(&req, &rem);
	e = errno;
	printf("nanosleep cut short by the timer's handler: %s (errno %s, time left %s)\n",
	       r == -1 && alarms == 1 ? "yes" : "no", e == EINTR ? "EINTR" : "other",
	       rem.tv_sec >= 1 ? "over 1 s" : "under 1 s");

	pid = waiting_child();
	usleep(100000);
	kill(pid, SIGTERM);
	/* a hang guard, not a timing: natively the child is gone at once */
	for (int i = 0; i < 1000 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (kill(pid, SIGKILL) == 0)
		waitpid(pid, &status, 0);
	printf("waiting child ended by SIGTERM: %s\n",
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM ? "yes" : "no");

	block(SIGUSR1);
	pid = send_later(SIGUSR1, 50);
	usleep(200000);
	waitpid(pid, NULL, 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	r = sigwait(&usr1, &sig);
	printf("SIGUSR1, blocked everywhere, taken by sigwait: %s\n",
	       r == 0 && sig == SIGUSR1 ? "yes" : "no");
	return 0;
}
