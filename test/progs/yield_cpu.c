/* sched_yield gives the CPU to another OS thread when the yielding thread has
 * nothing else to run: a G spinning on sched_yield must not starve an OS thread
 * it waits for (spin-then-yield loops in Rust's channels, in glibc, in
 * programs). The process re-executes itself pinned to one CPU under
 * SCHED_FIFO, where a thread keeps the CPU until it blocks or yields; main then
 * spins on sched_yield until a thread made with a bare clone (not a G, not
 * known to goshim) sets a flag. If a yield stays in user space, that thread
 * never runs and the program hangs until the runner's time limit. A G in a
 * pthread does the same wait for a second flag. Needs CAP_SYS_NICE (root). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CLONE_STACK = 64 * 1024 };

static atomic_int flag;

/* setter runs on a thread made by clone: it may touch only atomics. */
static int setter(void *arg)
{
	atomic_store((atomic_int *)arg, 1);
	return 0;
}

static int spawn_setter(atomic_int *f, char *stack)
{
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM;

	return clone(setter, stack + CLONE_STACK, flags, f);
}

static void wait_flag(atomic_int *f)
{
	while (!atomic_load(f))
		sched_yield();
}

static atomic_int flag2;
static char stack1[CLONE_STACK] __attribute__((aligned(16)));
static char stack2[CLONE_STACK] __attribute__((aligned(16)));

static void *in_thread(void *arg)
{
	(void)arg;
	if (spawn_setter(&flag2, stack2) < 0) {
		printf("FAIL clone in a thread: %s\n", strerror(errno));
		exit(1);
	}
	wait_flag(&flag2);
	return NULL;
}

static void pin_and_reexec(char **argv)
{
	struct sched_param sp = { .sched_priority = 1 };
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one) != 0) {
		printf("FAIL sched_setaffinity: %s\n", strerror(errno));
		exit(1);
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
		printf("FAIL sched_setscheduler(SCHED_FIFO) needs CAP_SYS_NICE: %s\n", strerror(errno));
		exit(1);
	}
	execv("/proc/self/exe", (char *[]){ argv[0], "pinned", NULL });
	printf("FAIL execv: %s\n", strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2 || strcmp(argv[1], "pinned") != 0)
		pin_and_reexec(argv);
	if (sched_getscheduler(0) != SCHED_FIFO) {
		printf("FAIL the re-executed program is not SCHED_FIFO\n");
		return 1;
	}
	if (spawn_setter(&flag, stack1) < 0) {
		printf("FAIL clone: %s\n", strerror(errno));
		return 1;
	}
	wait_flag(&flag);
	printf("main: an OS thread ran while main yielded\n");
	pthread_create(&t, NULL, in_thread, NULL);
	pthread_join(t, NULL);
	printf("thread: an OS thread ran while the thread yielded\n");
	return 0;
}
