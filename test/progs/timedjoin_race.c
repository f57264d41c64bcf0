/* pthread_timedjoin_np whose deadline comes as the thread exits: the join either gets the
 * thread or times out, and then a plain join gets it. Either way the joiner is woken once.
 * Under goshim the exit and the timeout could both wake it: the second wake-up then
 * landed in the joiner's next wait, here a pthread_mutex_lock on a mutex another thread
 * holds, which returned ETIMEDOUT with no deadline. The window is a few instructions
 * wide; the rounds only give it many chances. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum { ROUNDS = 2000 };

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static sem_t holding;

/* holder keeps held locked for a while, so that the joiner's lock waits */
static void *holder(void *arg)
{
	pthread_mutex_lock(&held);
	sem_post(&holding);
	nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	pthread_mutex_unlock(&held);
	return arg;
}

static struct timespec deadline;

/* exiter returns as the joiner's deadline passes: it spins, so that it is on a CPU then */
static void *exiter(void *arg)
{
	struct timespec now;

	do
		clock_gettime(CLOCK_REALTIME, &now);
	while (now.tv_sec < deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec < deadline.tv_nsec));
	return arg;
}

int main(void)
{
	int joined = 0, timedout = 0, bad = 0;

	sem_init(&holding, 0, 0);
	for (int i = 0; i < ROUNDS; i++) {
		intptr_t id = i + 1;
		pthread_t h, t;
		void *rv = NULL;
		int r;

		pthread_create(&h, NULL, holder, NULL);
		sem_wait(&holding);
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += 100000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_nsec -= 1000000000;
			deadline.tv_sec++;
		}
		pthread_create(&t, NULL, exiter, (void *)id);
		r = pthread_timedjoin_np(t, &rv, &deadline);
		if (pthread_mutex_lock(&held) != 0)
			bad++;
		else
			pthread_mutex_unlock(&held);
		if (r == 0 && rv == (void *)id)
			joined++;
		else if (r == ETIMEDOUT && pthread_join(t, &rv) == 0 && rv == (void *)id)
			timedout++;
		else
			bad++;
		pthread_join(h, NULL);
	}
	printf("every round joined its thread once: %s\n",
	       joined + timedout == ROUNDS && bad == 0 ? "yes" : "no");
	fprintf(stderr, "joined %d, timed out %d, bad %d\n", joined, timedout, bad);
	return 0;
}
