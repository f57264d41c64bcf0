/* system() and popen()/pclose() from several threads at once: both wait for a child.
 * goshim-test: sort
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { NSYSTEM = 4, NPOPEN = 4 };

static void *run_system(void *arg)
{
	long i = (long)arg;
	char cmd[32];
	int st;

	snprintf(cmd, sizeof(cmd), "exit %ld", i + 3);
	st = system(cmd);
	printf("system(\"%s\"): %s %d\n", cmd, WIFEXITED(st) ? "exited" : "FAIL",
	       WEXITSTATUS(st));
	return NULL;
}

static void *run_popen(void *arg)
{
	long i = (long)arg;
	char cmd[32], line[64] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "echo hello-%ld", i);
	f = popen(cmd, "r");
	if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
		printf("FAIL popen %ld\n", i);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	printf("popen(\"%s\"): %s, pclose %d\n", cmd, line, pclose(f));
	return NULL;
}

int main(void)
{
	pthread_t t[NSYSTEM + NPOPEN];

	for (long i = 0; i < NSYSTEM; i++)
		pthread_create(&t[i], NULL, run_system, (void *)i);
	for (long i = 0; i < NPOPEN; i++)
		pthread_create(&t[NSYSTEM + i], NULL, run_popen, (void *)i);
	for (int i = 0; i < NSYSTEM + NPOPEN; i++)
		pthread_join(t[i], NULL);
	return 0;
}
