/* A thread blocked in the kernel must not hold its P: one thread blocks in read() on a
 * pipe, one in waitpid() on a child, one in nanosleep(); meanwhile 8 workers must finish
 * all their work. With GOMAXPROCS=1 under goshim this completes only if every blocked
 * thread's P was handed to another OS thread. The blocked ones are released only after the
 * workers are done. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { NWORKERS = 8, ITERS = 200000 };

static int data_pipe[2], child_pipe[2];
static pid_t child;
static atomic_int nfail;

static void *reader(void *arg)
{
	char c = 0;

	(void)arg;
	if (read(data_pipe[0], &c, 1) != 1 || c != 'x')
		atomic_fetch_add(&nfail, 1);
	return NULL;
}

static void *reaper(void *arg)
{
	int status = 0;

	(void)arg;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		atomic_fetch_add(&nfail, 1);
	return (void *)(long)WEXITSTATUS(status);
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)arg;
	for (int i = 0; i < 5; i++)
		nanosleep(&ts, NULL);
	return NULL;
}

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg, sum = 0;

	for (int i = 0; i < ITERS; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		sum += x >> 60;
		if (i % 1000 == 0)
			sched_yield();
	}
	return (void *)sum;
}

int main(void)
{
	pthread_t r, w, s, t[NWORKERS];
	unsigned long total = 0;
	void *res;
	char c;

	if (pipe(data_pipe) != 0 || pipe(child_pipe) != 0)
		return 1;
	child = fork();
	if (child == 0) {
		/* the child waits for its go-ahead, then exits 7 */
		if (read(child_pipe[0], &c, 1) != 1)
			_exit(1);
		_exit(7);
	}
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&w, NULL, reaper, NULL);
	pthread_create(&s, NULL, sleeper, NULL);
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < NWORKERS; i++) {
		pthread_join(t[i], &res);
		total += (unsigned long)res;
	}
	printf("workers done: %d, checksum %lu\n", NWORKERS, total);
	if (write(data_pipe[1], "x", 1) != 1 || write(child_pipe[1], "y", 1) != 1)
		atomic_fetch_add(&nfail, 1);
	pthread_join(r, NULL);
	pthread_join(w, &res);
	pthread_join(s, NULL);
	printf("reader done, child exit status %ld, sleeper done\n", (long)res);
	if (atomic_load(&nfail))
		printf("FAIL: %d failed checks\n", atomic_load(&nfail));
	return 0;
}
