/* glibc state bound to the kernel thread keeps working in every thread: raise() reaches the
 * calling thread's handler, sched_getcpu() names a CPU this process may run on, and the
 * stack-protector canary stays valid in functions that yield (and may migrate) midway.
 * goshim-test: tls-shared */
#pragma GCC optimize("stack-protector-all")
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { NTHREADS = 32, YIELDS = 200 };

static atomic_int handled;
static atomic_int bad_cpu;
static atomic_int nfail;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&handled, 1, memory_order_relaxed);
}

/* guarded has a protected frame: its canary is checked on return, after the yields. */
static int guarded(int id)
{
	char buf[128];
	int sum = 0;

	memset(buf, id, sizeof(buf));
	for (int i = 0; i < YIELDS; i++) {
		sched_yield();
		sum += buf[i % sizeof(buf)];
	}
	return sum;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	cpu_set_t set;
	int cpu;

	if (raise(SIGUSR1) != 0)
		atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed);
	/* sched_getcpu must agree with the kernel whenever the thread did not move between
	 * the two system calls around it */
	for (int try = 0; try < 100; try++) {
		unsigned before, after;

		syscall(SYS_getcpu, &before, NULL, NULL);
		cpu = sched_getcpu();
		syscall(SYS_getcpu, &after, NULL, NULL);
		if (before != after)
			continue;
		if (sched_getaffinity(0, sizeof(set), &set) != 0 || cpu != (int)before ||
		    !CPU_ISSET(cpu, &set))
			atomic_fetch_add_explicit(&bad_cpu, 1, memory_order_relaxed);
		break;
	}
	if (guarded(id) != id * YIELDS)
		atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("raise handled: %d of %d\n", atomic_load(&handled), NTHREADS);
	printf("sched_getcpu disagreeing with the kernel: %d\n", atomic_load(&bad_cpu));
	if (atomic_load(&nfail))
		printf("FAIL: %d checks failed\n", atomic_load(&nfail));
	return 0;
}
