/* A thread that spins in a tight loop with no calls until a flag is set must not starve
 * the others: another thread prints and sleeps 100 times, then sets the flag. Under
 * goshim with GOMAXPROCS=1 this finishes only if the spinning G is preempted. Progress is
 * asserted, never timing. Vector registers must survive preemption: the spinner keeps a
 * running double sum that it checks at the end.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int flag;

static void *spin(void *arg)
{
	unsigned long n = 0;
	double x = 0.0, step = 0.25;

	(void)arg;
	while (!atomic_load_explicit(&flag, memory_order_relaxed)) {
		n++;
		x += step;
	}
	/* every addition was exact: x must be n quarters */
	return (void *)(long)(x == (double)n * 0.25);
}

static void *ticker(void *arg)
{
	struct timespec ts = { 0, 1000 * 1000 };

	(void)arg;
	for (int i = 0; i < 100; i++) {
		printf("tick %d\n", i);
		nanosleep(&ts, NULL);
	}
	atomic_store(&flag, 1);
	return NULL;
}

int main(void)
{
	pthread_t s, t;
	void *exact;

	pthread_create(&s, NULL, spin, NULL);
	pthread_create(&t, NULL, ticker, NULL);
	pthread_join(t, NULL);
	pthread_join(s, &exact);
	printf("spinner stopped, floating-point state %s\n", exact ? "intact" : "CORRUPTED");
	if (!exact)
		printf("FAIL: vector registers lost across preemption\n");
	return 0;
}
