/* Threads that reuse the G of an exited thread must behave like fresh ones: a recycled G
 * that blocks in read() hands its P off, and one that spins is preempted (with
 * GOMAXPROCS=1 the workers and the ticker finish only then). A G once carried its exit's
 * "inside the runtime" mark into its next life and did neither.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static atomic_int stop;

static void *nothing(void *arg)
{
	return arg;
}

static void *reader(void *arg)
{
	char c = 0;

	(void)arg;
	return (void *)(long)(read(fds[0], &c, 1) == 1 && c == 'x');
}

static void *spinner(void *arg)
{
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return arg;
}

static void *ticker(void *arg)
{
	struct timespec ts = { 0, 1000 * 1000 };

	for (int i = 0; i < 20; i++)
		nanosleep(&ts, NULL);
	atomic_store(&stop, 1);
	return arg;
}

int main(void)
{
	pthread_t r, s, t, w;
	void *ok;

	if (pipe(fds) != 0)
		return 1;
	/* every thread below reuses the G of one of these */
	for (int i = 0; i < 64; i++) {
		pthread_create(&t, NULL, nothing, NULL);
		pthread_join(t, NULL);
	}
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&s, NULL, spinner, NULL);
	pthread_create(&t, NULL, ticker, NULL);
	pthread_join(t, NULL);
	pthread_join(s, NULL);
	printf("spinner preempted and stopped\n");
	pthread_create(&w, NULL, nothing, NULL);
	pthread_join(w, NULL);
	if (write(fds[1], "x", 1) != 1)
		return 1;
	pthread_join(r, &ok);
	printf("reader %s\n", ok ? "got its byte" : "FAIL");
	return 0;
}
