/* fork right after a call goshim does not interpose blocked the forking thread long
 * enough for sysmon to hand its P to another OS thread. The child, which has only the
 * forking thread, must still run threads. Under goshim the child inherited the P as the
 * parent had it, given away and on no list of the child's: its only G queued itself for a
 * P nobody would run, and the child hung (stress-ng --futex at GOMAXPROCS=1, once in a
 * while). The spinning threads keep the P wanted elsewhere; the wait for each child is a
 * hang guard, not a timing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SPINNERS = 4, ROUNDS = 20 };

static atomic_bool stop;

static void *spin(void *arg)
{
	while (!atomic_load(&stop))
		;
	return arg;
}

static void *nothing(void *arg)
{
	return arg;
}

int main(void)
{
	struct timespec block = { 0, 30000000 };
	pthread_t s[SPINNERS];
	int done = 0;

	for (int i = 0; i < SPINNERS; i++)
		pthread_create(&s[i], NULL, spin, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		int status = -1;
		pid_t pid;

		/* a raw system call: the thread sleeps in the kernel with its P */
		syscall(SYS_nanosleep, &block, NULL);
		pid = fork();
		if (pid == 0) {
			pthread_t t;

			pthread_create(&t, NULL, nothing, NULL);
			pthread_join(t, NULL);
			_exit(7);
		}
		for (int k = 0; k < 1000 && waitpid(pid, &status, WNOHANG) == 0; k++)
			usleep(10000);
		if (kill(pid, SIGKILL) == 0)
			waitpid(pid, &status, 0);
		done += WIFEXITED(status) && WEXITSTATUS(status) == 7;
	}
	atomic_store(&stop, true);
	for (int i = 0; i < SPINNERS; i++)
		pthread_join(s[i], NULL);
	printf("children that ran a thread and exited: %d of %d\n", done, ROUNDS);
	return 0;
}
