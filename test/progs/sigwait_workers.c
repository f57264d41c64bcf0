/* The usual server pattern: worker threads block every signal, one thread sigwait()s
 * for SIGUSR1 and SIGTERM, which a child process sends with kill(); the workers keep
 * working (and moving between OS threads under goshim) meanwhile. Every SIGUSR1 must
 * reach the waiting thread, none may kill the process. Each thread's mask is its own:
 * pthread_sigmask in one does not change another's (issue 7). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { WORKERS = 8, ROUNDS = 20 };

static atomic_int ready, stop;
static atomic_long work;
static int ack[2];

static void *worker(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	atomic_fetch_add(&ready, 1);
	while (!atomic_load(&stop)) {
		atomic_fetch_add(&work, 1);
		usleep(100);
		sched_yield();
	}
	return arg;
}

static void *unblocked(void *arg)
{
	sigset_t cur;

	(void)arg;
	/* created before anyone blocked anything: its own mask is still empty */
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return (void *)(long)sigismember(&cur, SIGUSR1);
}

static void *waiter(void *arg)
{
	sigset_t set;
	int sig, got = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			break;
		if (sig == SIGTERM)
			break;
		got++;
		if (write(ack[1], "a", 1) != 1)
			break;
	}
	printf("sigwait: %d SIGUSR1 of %d, then SIGTERM\n", got, ROUNDS);
	return arg;
}

int main(void)
{
	pthread_t w[WORKERS], wt, u;
	sigset_t set;
	void *r;
	int st;
	long before;

	pthread_create(&u, NULL, unblocked, NULL);
	pthread_join(u, &r);
	printf("a thread's mask is its own: %s\n", r ? "no" : "yes");
	if (pipe(ack) != 0)
		return 1;
	for (int i = 0; i < WORKERS; i++)
		pthread_create(&w[i], NULL, worker, NULL);
	while (atomic_load(&ready) < WORKERS)
		usleep(1000);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_create(&wt, NULL, waiter, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char c;

		close(ack[1]);	/* so that the parent's death ends the reads below */
		for (int i = 0; i < ROUNDS; i++) {
			kill(getppid(), SIGUSR1);
			if (read(ack[0], &c, 1) != 1)
				_exit(1);
		}
		kill(getppid(), SIGTERM);
		_exit(0);
	}
	pthread_join(wt, NULL);
	waitpid(pid, &st, 0);
	before = atomic_load(&work);
	while (atomic_load(&work) < before + WORKERS)
		usleep(1000);
	printf("workers kept working: yes; child exit status %d\n", WEXITSTATUS(st));
	atomic_store(&stop, 1);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	return 0;
}
