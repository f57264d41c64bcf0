/* vfork children run on their parent's memory until they exit, goshim's included: what
 * they call must act for them alone. Two threads spin meanwhile, so the parent's P goes
 * to another OS thread while its thread waits in vfork. Each child runs longer than a
 * sysmon tick, then calls what goshim wraps: a sleep, a yield, close and dup2 over the
 * parent's pipe, signal(SIGPIPE, SIG_DFL), closefrom(3), and _exit. Checked in the parent: every child's
 * exit status; SIGPIPE still ignored (a write to a pipe without readers fails with EPIPE);
 * the pipe the children closed still carries bytes to a thread parked reading it; the
 * parent is still the process it was. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { CHILDREN = 20, SPINNERS = 2 };

static atomic_int stop;
static int pipefd[2];

static void *spin(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return NULL;
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000l + ts.tv_nsec / 1000;
}

static __attribute__((noreturn)) void child(void)
{
	struct timespec ms = { 0, 1000000 };
	long t0 = now_us();

	while (now_us() - t0 < 3000)
		;
	nanosleep(&ms, NULL);
	sched_yield();
	close(pipefd[0]);
	dup2(pipefd[1], pipefd[0]);
	signal(SIGPIPE, SIG_DFL);
	closefrom(3);
	_exit(7);
}

/* vfork_one: 1 if a vforked child ran child() and exited with status 7. Apart from main,
 * so that no variable of main's lives across vfork. */
static int vfork_one(void)
{
	pid_t pid = vfork();
	int st;

	if (pid == 0)
		child();
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

static void *reader(void *arg)
{
	char buf[16] = { 0 };
	ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);

	(void)arg;
	printf("reader: %zd bytes: %s\n", n, buf);
	return NULL;
}

int main(void)
{
	pthread_t sp[SPINNERS], rd;
	struct sigaction sa;
	pid_t self = getpid();
	int good = 0;
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(pipefd) != 0) {
		printf("FAIL pipe: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < SPINNERS; i++)
		pthread_create(&sp[i], NULL, spin, NULL);
	for (int k = 0; k < CHILDREN; k++)
		good += vfork_one();
	printf("children exiting with status 7: %d of %d\n", good, CHILDREN);
	printf("parent is the same process: %s\n", getpid() == self ? "yes" : "no");
	sigaction(SIGPIPE, NULL, &sa);
	printf("SIGPIPE in the parent: %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "not ignored");
	pthread_create(&rd, NULL, reader, NULL);
	usleep(20000);		/* let the reader park first; the output does not depend on it */
	if (write(pipefd[1], "still here", 10) != 10)
		printf("FAIL write to the pipe: %s\n", strerror(errno));
	pthread_join(rd, NULL);
	close(pipefd[0]);
	errno = 0;
	n = write(pipefd[1], "x", 1);
	printf("write without readers: %zd, %s\n", n, strerror(errno));
	atomic_store(&stop, 1);
	for (int i = 0; i < SPINNERS; i++)
		pthread_join(sp[i], NULL);
	return 0;
}
