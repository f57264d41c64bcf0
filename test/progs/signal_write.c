/* A signal handler that makes a blocking call (write to a self-pipe, as event loops do)
 * may interrupt a thread anywhere, including inside goshim's scheduler and in the middle of
 * another blocking call; the program must carry on unharmed. SIGALRM fires every 100 us
 * while threads create, join, lock, wait on condvars and write.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

enum { NTHREADS = 8, ROUNDS = 3000 };

static int selfpipe[2];
static int sink;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;	/* mu */
static atomic_int nfail;

static void on_alarm(int sig)
{
	int saved = errno;
	char c = (char)sig;

	/* the pipe is non-blocking: a full pipe is fine, it only has to be a real write */
	if (write(selfpipe[1], &c, 1) < 0 && errno != EAGAIN)
		atomic_fetch_add(&nfail, 1);
	errno = saved;
}

static void *leaf(void *arg)
{
	return arg;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	char buf[64];

	for (int i = 0; i < ROUNDS; i++) {
		pthread_t t;
		void *r;

		if (pthread_create(&t, NULL, leaf, (void *)(long)i) != 0 ||
		    pthread_join(t, &r) != 0 || r != (void *)(long)i)
			atomic_fetch_add(&nfail, 1);
		pthread_mutex_lock(&mu);
		counter++;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
		if (i % 100 == 0) {
			int n = snprintf(buf, sizeof(buf), "%ld %d\n", id, i);

			if (write(sink, buf, (size_t)n) != n)
				atomic_fetch_add(&nfail, 1);
		}
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	pthread_t t[NTHREADS];
	char drain[4096];

	if (pipe2(selfpipe, O_NONBLOCK) != 0 || (sink = open("/dev/null", O_WRONLY)) < 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	pthread_mutex_lock(&mu);
	while (counter < (long)NTHREADS * ROUNDS)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	it.it_value.tv_usec = 0;
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	while (read(selfpipe[0], drain, sizeof(drain)) > 0)
		;
	printf("counter: %ld\n", counter);
	if (atomic_load(&nfail))
		printf("FAIL: %d failed checks\n", atomic_load(&nfail));
	return 0;
}
