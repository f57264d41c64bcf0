/* A thread blocked in a call goshim cannot interpose must not hold its P for good: glibc's
 * fgets reads a pipe with its own internal read. With GOMAXPROCS=1 under goshim, the
 * workers finish only if sysmon takes the P from the blocked thread's OS thread; the line
 * is written only after they are done.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { NWORKERS = 4, ITERS = 300000 };

static FILE *in;

static void *reader(void *arg)
{
	static char line[64];

	(void)arg;
	if (fgets(line, sizeof(line), in) == NULL)
		return NULL;
	line[strcspn(line, "\n")] = '\0';
	return line;
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

int main(void)
{
	pthread_t r, t[NWORKERS];
	unsigned long total = 0;
	int fds[2];
	void *res;

	if (pipe(fds) != 0 || (in = fdopen(fds[0], "r")) == NULL)
		return 1;
	pthread_create(&r, NULL, reader, NULL);
	sched_yield();
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < NWORKERS; i++) {
		pthread_join(t[i], &res);
		total += (unsigned long)res;
	}
	printf("workers done: %d, checksum %lu\n", NWORKERS, total);
	if (write(fds[1], "hello through stdio\n", 20) != 20)
		return 1;
	pthread_join(r, &res);
	printf("reader got: %s\n", res ? (char *)res : "(nothing)");
	return 0;
}
