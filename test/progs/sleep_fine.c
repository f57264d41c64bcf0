/* Sleeps shorter than a millisecond. Under goshim a sleeping thread is a timer, and the
 * M that has nothing to run waits for it in epoll; epoll_pwait counts milliseconds, so a
 * 50 us nanosleep took a whole millisecond there. goshim must wait in epoll_pwait2, whose
 * timeout is in nanoseconds, and fall back to epoll_pwait only on a kernel without it.
 * Timing never decides this test: two forked children run the same sleeping threads
 * under a seccomp filter each, and what the filter sees decides.
 *   A: epoll_pwait kills the process (natively nobody calls it here). Not run on a kernel
 *      without epoll_pwait2, where epoll_pwait is goshim's only way; the output says so.
 *   B: epoll_pwait2 fails with ENOSYS, as on a kernel older than 5.11: the sleeps must
 *      still all complete. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deny.h"

enum { THREADS = 4, SLEEPS = 100 };

static void *sleeper(void *arg)
{
	struct timespec d = { 0, 50000 };
	long *done = arg;

	for (int i = 0; i < SLEEPS; i++)
		if (nanosleep(&d, NULL) == 0)
			(*done)++;
	return NULL;
}

/* sleepers: THREADS threads sleep 50 us SLEEPS times each; how many sleeps completed. */
static long sleepers(void)
{
	pthread_t t[THREADS];
	long done[THREADS] = { 0 }, sum = 0;

	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, sleeper, &done[i]) != 0)
			return -1;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		sum += done[i];
	}
	return sum;
}

static void run(const char *name, int nr, unsigned int action)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork: errno %d\n", name, errno);
		return;
	}
	if (pid == 0) {
		if (deny(nr, action) != 0) {
			printf("FAIL %s: seccomp: errno %d\n", name, errno);
			exit(1);
		}
		printf("%s: %ld of %d sleeps of 50 us completed\n", name, sleepers(),
		       THREADS * SLEEPS);
		exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		printf("FAIL %s: waitpid: errno %d\n", name, errno);
	else if (WIFSIGNALED(status))
		printf("FAIL %s: child killed by signal %d%s\n", name, WTERMSIG(status),
		       WTERMSIG(status) == SIGSYS ? " (SIGSYS: epoll_pwait was called)" : "");
	else if (WEXITSTATUS(status) != 0)
		printf("FAIL %s: child exited %d\n", name, WEXITSTATUS(status));
}

int main(void)
{
	/* an fd of -1 with a real kernel call: EBADF if the kernel has it, ENOSYS if not */
	if (syscall(SYS_epoll_pwait2, -1, NULL, 1, NULL, NULL, 8) == -1 && errno == ENOSYS)
		printf("A: not run, the kernel has no epoll_pwait2\n");
	else
		run("A", SYS_epoll_pwait, SECCOMP_RET_KILL_PROCESS);
	run("B", SYS_epoll_pwait2, SECCOMP_RET_ERRNO | ENOSYS);
	return 0;
}
