/* fork from a program with 100 running threads: the child has only the forking thread,
 * creates threads of its own that use a pipe, a mutex, a condvar and a sleep, and exits
 * with a status the parent reaps; the parent's threads go on meanwhile. Twice: from the
 * main thread and from another thread. Under goshim the child rebuilds the runtime
 * around the forking G (issue 7). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SPINNERS = 100, CHILD_THREADS = 10 };

static atomic_int stop;
static atomic_long spins;
static pthread_mutex_t child_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t child_cv = PTHREAD_COND_INITIALIZER;
static int child_done;

static void *spinner(void *arg)
{
	while (!atomic_load(&stop)) {
		atomic_fetch_add(&spins, 1);
		usleep(200);
	}
	return arg;
}

static void *child_worker(void *arg)
{
	int p[2];
	char b[8] = { 0 };
	long ok;

	(void)arg;
	if (pipe(p) != 0)
		return NULL;
	ok = write(p[1], "ping", 4) == 4 && read(p[0], b, 4) == 4 && strcmp(b, "ping") == 0;
	close(p[0]);
	close(p[1]);
	usleep(1000);
	pthread_mutex_lock(&child_mu);
	child_done++;
	pthread_cond_broadcast(&child_cv);
	pthread_mutex_unlock(&child_mu);
	return (void *)ok;
}

/* in_child is the whole life of a child: its own threads, then an exit status. */
static void in_child(void)
{
	pthread_t t[CHILD_THREADS];
	int good = 0;

	for (int i = 0; i < CHILD_THREADS; i++)
		if (pthread_create(&t[i], NULL, child_worker, NULL) != 0)
			_exit(2);
	pthread_mutex_lock(&child_mu);
	while (child_done < CHILD_THREADS)
		pthread_cond_wait(&child_cv, &child_mu);
	pthread_mutex_unlock(&child_mu);
	for (int i = 0; i < CHILD_THREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		good += r != NULL;
	}
	_exit(good == CHILD_THREADS ? 42 : 1);
}

static int fork_and_reap(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		in_child();
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void *forker(void *arg)
{
	(void)arg;
	return (void *)(long)fork_and_reap();
}

int main(void)
{
	pthread_t t[SPINNERS], f;
	void *r;
	long before;

	for (int i = 0; i < SPINNERS; i++)
		pthread_create(&t[i], NULL, spinner, NULL);
	while (atomic_load(&spins) < SPINNERS)
		usleep(1000);
	printf("fork from main: child exit status %d\n", fork_and_reap());
	pthread_create(&f, NULL, forker, NULL);
	pthread_join(f, &r);
	printf("fork from a thread: child exit status %ld\n", (long)r);
	before = atomic_load(&spins);
	while (atomic_load(&spins) < before + SPINNERS)
		usleep(1000);
	printf("parent threads kept running\n");
	atomic_store(&stop, 1);
	for (int i = 0; i < SPINNERS; i++)
		pthread_join(t[i], NULL);
	return 0;
}
