/* Threads that reuse dead threads' Gs get the stack they asked for: goshim keeps a dead G
 * with its stack (the G lives on it), so a new thread must be given a G whose stack has the
 * size and guard it wants, or a G without a stack for a stack of its own. Each thread
 * checks that a local variable lies inside the stack pthread_getattr_np reports, that the
 * size is the one asked for (at least), and for a program-supplied stack that it is that
 * stack. Kinds are mixed in every order across rounds; no G is lost or shared. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { KINDS = 5, ROUNDS = 40, BATCH = 6, USER_STACK = 128 * 1024 };

static const size_t sizes[KINDS] = { 0, 64 * 1024, 256 * 1024, 64 * 1024, USER_STACK };
static const size_t guards[KINDS] = { 0, 4096, 4096, 3 * 4096, 0 };

struct job {
	int kind;
	void *user;	/* the program's stack for kind KINDS - 1 */
	int ok;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	pthread_attr_t a;
	void *addr;
	size_t size;
	char here;

	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return NULL;
	pthread_attr_getstack(&a, &addr, &size);
	pthread_attr_destroy(&a);
	j->ok = (uintptr_t)&here > (uintptr_t)addr &&
		(uintptr_t)&here < (uintptr_t)addr + size &&
		(sizes[j->kind] == 0 || size >= sizes[j->kind]) &&
		(j->user == NULL || addr == j->user);
	return j;
}

int main(void)
{
	unsigned seed = 1;
	int bad = 0, done = 0;

	for (int r = 0; r < ROUNDS; r++) {
		pthread_t t[BATCH];
		struct job jobs[BATCH];

		for (int i = 0; i < BATCH; i++) {
			pthread_attr_t a;
			int k = (int)(rand_r(&seed) % KINDS);

			jobs[i] = (struct job){ .kind = k };
			pthread_attr_init(&a);
			if (k == KINDS - 1) {
				jobs[i].user = aligned_alloc(4096, USER_STACK);
				pthread_attr_setstack(&a, jobs[i].user, USER_STACK);
			} else if (sizes[k]) {
				pthread_attr_setstacksize(&a, sizes[k]);
				pthread_attr_setguardsize(&a, guards[k]);
			}
			if (pthread_create(&t[i], &a, worker, &jobs[i]) != 0) {
				printf("FAIL pthread_create kind %d\n", k);
				return 1;
			}
			pthread_attr_destroy(&a);
		}
		for (int i = 0; i < BATCH; i++) {
			void *ret;

			pthread_join(t[i], &ret);
			if (ret != &jobs[i] || !jobs[i].ok) {
				printf("FAIL round %d thread %d (kind %d): wrong stack\n", r, i,
				       jobs[i].kind);
				bad++;
			}
			free(jobs[i].user);
			done++;
		}
	}
	printf("threads %d, wrong stacks %d\n", done, bad);
	return 0;
}
