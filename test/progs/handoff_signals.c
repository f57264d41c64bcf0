/* An OS thread sysmon starts has the signal mask an M has, not sysmon's (which blocks
 * everything): main blocks in waitpid while two threads spin, so sysmon hands main's P to
 * an OS thread it creates, which runs a spinner. When waitpid returns, main needs that P
 * back, which only preemption can give it at GOMAXPROCS=1: a preemption signal blocked
 * on that thread would hang the program. The spinners also take a SIGUSR1 each from
 * pthread_kill, which a blocked mask would keep pending forever. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SPINNERS = 2 };

static atomic_int stop, handled;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static void *spin(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return NULL;
}

int main(void)
{
	pthread_t sp[SPINNERS];
	pid_t pid;
	int st;

	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < SPINNERS; i++)
		pthread_create(&sp[i], NULL, spin, NULL);
	pid = fork();
	if (pid == 0) {
		struct timespec d = { 0, 50 * 1000000 };

		nanosleep(&d, NULL);
		_exit(3);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		printf("FAIL waitpid\n");
		return 1;
	}
	printf("child exited with status %d\n", WEXITSTATUS(st));
	for (int i = 0; i < SPINNERS; i++)
		pthread_kill(sp[i], SIGUSR1);
	while (atomic_load(&handled) < SPINNERS)
		sched_yield();
	printf("spinners handled SIGUSR1: %d\n", atomic_load(&handled));
	atomic_store(&stop, 1);
	for (int i = 0; i < SPINNERS; i++)
		pthread_join(sp[i], NULL);
	printf("spinners stopped\n");
	return 0;
}
