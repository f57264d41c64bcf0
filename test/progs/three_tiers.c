/* The three tiers of blocking at once, with GOMAXPROCS=1 under goshim: one thread blocks in
 * read() on a pipe inherited from the parent process (tier 2: goshim did not create the fd),
 * one in fgets() through stdio, whose read goshim cannot interpose (tier 3), one in
 * waitpid(); four workers must still finish all their work meanwhile. The blocked threads
 * are released only after that. The program runs itself as a child so that the pipe really
 * is inherited: the parent holds its write end and waits for the child's word.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { INHERITED = 3, TO_PARENT = 4, NWORKERS = 4, ITERS = 200000 };

static FILE *stdio_in;
static int stdio_pipe[2], grandchild_pipe[2];
static pid_t grandchild;

static void *tier2(void *arg)
{
	char c = 0;

	(void)arg;
	return (void *)(long)(read(INHERITED, &c, 1) == 1 && c == 'x');
}

static void *tier3(void *arg)
{
	static char line[32];

	(void)arg;
	return fgets(line, sizeof(line), stdio_in) ? line : NULL;
}

static void *reaper(void *arg)
{
	int status = 0;

	(void)arg;
	waitpid(grandchild, &status, 0);
	return (void *)(long)(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg, sum = 0;

	for (int i = 0; i < ITERS; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		sum += x >> 61;
		if (i % 1000 == 0)
			sched_yield();
	}
	return (void *)sum;
}

static int child(void)
{
	pthread_t a, b, c, w[NWORKERS];
	unsigned long total = 0;
	void *r2, *r3, *rw;
	char ch;

	if (pipe(stdio_pipe) != 0 || pipe(grandchild_pipe) != 0 ||
	    (stdio_in = fdopen(stdio_pipe[0], "r")) == NULL)
		return 1;
	grandchild = fork();
	if (grandchild == 0)
		_exit(read(grandchild_pipe[0], &ch, 1) == 1 ? 5 : 1);
	pthread_create(&a, NULL, tier2, NULL);
	pthread_create(&b, NULL, tier3, NULL);
	pthread_create(&c, NULL, reaper, NULL);
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&w[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < NWORKERS; i++) {
		pthread_join(w[i], &rw);
		total += (unsigned long)rw;
	}
	printf("workers finished: checksum %lu\n", total);
	fflush(stdout);
	/* release the three blocked threads */
	if (write(TO_PARENT, "d", 1) != 1 || write(stdio_pipe[1], "line\n", 5) != 5 ||
	    write(grandchild_pipe[1], "g", 1) != 1)
		return 1;
	pthread_join(a, &r2);
	pthread_join(b, &r3);
	pthread_join(c, &rw);
	printf("tier 2 read: %s\n", r2 ? "ok" : "FAIL");
	printf("tier 3 fgets: %s", r3 ? (char *)r3 : "FAIL\n");
	printf("waitpid: exit status %ld\n", (long)rw);
	return 0;
}

int main(int argc, char **argv)
{
	int to_child[2], from_child[2], status;
	pid_t pid;
	char c;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();
	if (pipe(to_child) != 0 || pipe(from_child) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		if (dup2(to_child[0], INHERITED) < 0 || dup2(from_child[1], TO_PARENT) < 0)
			_exit(1);
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(1);
	}
	close(to_child[0]);
	close(from_child[1]);
	/* the child's workers are done: let its tier-2 reader go */
	if (read(from_child[0], &c, 1) != 1 || write(to_child[1], "x", 1) != 1)
		return 1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
