/* system() and popen()/pclose() from 8 threads at once; each waits for a child. The
 * threads record their results and main prints them in thread order. No errno is read.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { NSYSTEM = 4, NPOPEN = 4, LINE = 64 };

static atomic_int nfail;
static int system_status[NSYSTEM];	/* written by its thread, read after joining it */
static char popen_line[NPOPEN][LINE];	/* likewise */
static int pclose_status[NPOPEN];	/* likewise */

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static void *run_system(void *arg)
{
	long i = (long)(intptr_t)arg;
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "exit %ld", i + 3);
	system_status[i] = system(cmd);
	return NULL;
}

static void *run_popen(void *arg)
{
	long i = (long)(intptr_t)arg;
	char cmd[32], extra[LINE];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "echo hello-%ld", i);
	f = popen(cmd, "r");
	check(f != NULL, "popen", i, 0);
	if (f == NULL)
		return NULL;
	if (fgets(popen_line[i], LINE, f) == NULL)
		popen_line[i][0] = '\0';
	check(fgets(extra, LINE, f) == NULL, "popen output ends after one line", i, 0);
	pclose_status[i] = pclose(f);
	return NULL;
}

static void report(void)
{
	for (int i = 0; i < NSYSTEM; i++) {
		int st = system_status[i];

		check(st != -1 && WIFEXITED(st), "system exited", i, st);
		check(WIFEXITED(st) && WEXITSTATUS(st) == i + 3, "system exit status",
		      WEXITSTATUS(st), i + 3);
		printf("system(\"exit %d\"): exit status %d\n", i + 3,
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	for (int i = 0; i < NPOPEN; i++) {
		char want[LINE];
		int st = pclose_status[i];

		snprintf(want, sizeof(want), "hello-%d\n", i);
		check(strcmp(popen_line[i], want) == 0, "popen line", i, 0);
		check(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "pclose status", i, st);
		popen_line[i][strcspn(popen_line[i], "\n")] = '\0';
		printf("popen(\"echo hello-%d\"): \"%s\", pclose exit status %d\n", i,
		       popen_line[i], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
}

int main(void)
{
	pthread_t t[NSYSTEM + NPOPEN];
	int err;

	fflush(stdout);
	for (long i = 0; i < NSYSTEM + NPOPEN; i++) {
		if (i < NSYSTEM)
			err = pthread_create(&t[i], NULL, run_system, (void *)(intptr_t)i);
		else
			err = pthread_create(&t[i], NULL, run_popen, (void *)(intptr_t)(i - NSYSTEM));
		check(err == 0, "pthread_create", i, err);
		if (err != 0)
			return 1;
	}
	for (int i = 0; i < NSYSTEM + NPOPEN; i++)
		check(pthread_join(t[i], NULL) == 0, "pthread_join", i, 0);
	report();
	return atomic_load(&nfail) != 0;
}
