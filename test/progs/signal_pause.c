/* A signal from another process interrupts pause() in the main thread, whichever OS thread
 * the main thread's G runs on. The kernel offers a process-directed signal to the thread
 * group leader first; under goshim that is an OS thread which may be idle while the main
 * G waits in pause() on another, so goshim's handler run on the idle one must interrupt
 * the pause itself. Each round, main sleeps a little while two threads compute, so that
 * it comes back on whichever OS thread is free, then forks a child that sends it SIGUSR1
 * (every 20 ms, until killed) and waits in pause(): it must return -1 with EINTR after
 * the handler ran. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 30, WORKERS = 2 };

static volatile sig_atomic_t got;
static atomic_int stop;

static void on_usr1(int sig)
{
	(void)sig;
	got = 1;
}

static void *work(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct timespec d = { 0, 200000 };
		long t0 = clock();

		while (clock() - t0 < CLOCKS_PER_SEC / 500)
			;
		nanosleep(&d, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t w[WORKERS];
	pid_t parent = getpid();
	int ok = 0;

	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, work, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		pid_t pid;
		int st, e;

		for (int k = 0; k < 3; k++)
			usleep(300);
		got = 0;
		pid = fork();
		if (pid == 0) {
			/* again and again: one sent before main reached pause() is not lost */
			for (;;) {
				usleep(20000);
				kill(parent, SIGUSR1);
			}
		}
		e = pause() == -1 ? errno : 0;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		ok += e == EINTR && got;
	}
	printf("rounds where pause failed with EINTR after the handler ran: %d of %d\n", ok, ROUNDS);
	atomic_store(&stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	return 0;
}
