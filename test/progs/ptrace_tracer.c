/* A thread that traces a child process with ptrace while it also waits on pipes, sleeps
 * and yields. Linux takes a tracee's requests only from the OS thread that attached it, so
 * under goshim the thread must stay on that OS thread (before goshim locked it, its
 * requests failed with ESRCH once it had moved). For PTRACE_SEIZE with PTRACE_INTERRUPT,
 * then for PTRACE_ATTACH: the child sets a word, says so on a pipe and blocks reading
 * another; the tracer stops it, then 20 times waits on another thread and reads the word
 * in the child's memory (PEEKDATA); then it writes the word (POKEDATA) and detaches; the
 * child, let go, exits with that word. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 20, SECRET = 42424242, POKED = 7 };

static long secret;	/* the child's word */
static int to_echo[2], from_echo[2];

/* echo answers each byte on to_echo with one on from_echo. */
static void *echo(void *arg)
{
	char c;

	(void)arg;
	while (read(to_echo[0], &c, 1) == 1)
		if (write(from_echo[1], &c, 1) != 1)
			break;
	return NULL;
}

/* elsewhere: a round trip through the echo thread, a short sleep and a yield, each of
 * which lets goshim run the caller on another OS thread afterwards. */
static void elsewhere(void)
{
	struct timespec d = { 0, 200000 };
	char c = 'x';

	if (write(to_echo[1], &c, 1) != 1 || read(from_echo[0], &c, 1) != 1)
		printf("FAIL echo round trip\n");
	nanosleep(&d, NULL);
	sched_yield();
}

static void trace(const char *how, int seize)
{
	int go[2], ready[2], status;
	long peeked = 0, bad = 0;
	char c = 'g';
	pid_t pid;

	if (pipe(go) != 0 || pipe(ready) != 0) {
		printf("FAIL pipe\n");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		secret = SECRET;
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(100);
		_exit((int)secret);
	}
	if (read(ready[0], &c, 1) != 1)
		printf("FAIL %s: the child did not start\n", how);
	elsewhere();
	if (seize) {
		if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0 ||
		    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) != 0)
			printf("FAIL %s: seize or interrupt: %s\n", how, strerror(errno));
	} else if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) != 0) {
		printf("FAIL %s: attach: %s\n", how, strerror(errno));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		printf("FAIL %s: the child did not stop (status %#x)\n", how, status);
	for (int i = 0; i < ROUNDS; i++) {
		long w;

		elsewhere();
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, pid, &secret, NULL);
		if (errno != 0 && bad++ == 0)
			printf("FAIL %s: peek %d: %s\n", how, i, strerror(errno));
		peeked += errno == 0 && w == SECRET;
	}
	elsewhere();
	if (ptrace(PTRACE_POKEDATA, pid, &secret, (void *)(long)POKED) != 0)
		printf("FAIL %s: poke: %s\n", how, strerror(errno));
	elsewhere();
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) != 0) {
		printf("FAIL %s: detach: %s\n", how, strerror(errno));
		kill(pid, SIGKILL);	/* still stopped for a tracer: it would never exit */
	}
	kill(pid, SIGCONT);	/* PTRACE_ATTACH's SIGSTOP stopped the child's other threads */
	if (write(go[1], &c, 1) != 1)
		printf("FAIL %s: write\n", how);
	if (waitpid(pid, &status, 0) != pid) {
		printf("FAIL %s: waitpid: %s\n", how, strerror(errno));
		status = 0;
	}
	printf("%s: read the child's word %ld of %d times; the child exited %d\n", how, peeked,
	       ROUNDS, WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

int main(void)
{
	pthread_t t;

	if (pipe(to_echo) != 0 || pipe(from_echo) != 0 ||
	    pthread_create(&t, NULL, echo, NULL) != 0) {
		printf("FAIL setup\n");
		return 1;
	}
	trace("PTRACE_SEIZE", 1);
	trace("PTRACE_ATTACH", 0);
	close(to_echo[1]);
	pthread_join(t, NULL);
	return 0;
}
