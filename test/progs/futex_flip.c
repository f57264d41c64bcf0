/* FUTEX_WAIT without a timeout on a word another thread keeps changing: each call returns
 * 0 (woken, or spuriously) or fails with EAGAIN (the word was not the value), never with
 * ETIMEDOUT. goshim read the word twice when it did not match, once to decide to fail and
 * once to pick the error: a word that changed back in between gave ETIMEDOUT, which
 * pthread_mutex_lock passed on (stress-ng --pthread at GOMAXPROCS=4: "pthread_mutex_lock
 * failed, errno=110", in about 1 run in 20 under load). The flipping only gives the window
 * many chances; the verdict does not depend on how many it hits. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { WAITERS = 3, WAITS = 200000 };

static _Atomic uint32_t word = 2;
static atomic_int running = WAITERS, timedout, other;

static void *waiter(void *arg)
{
	for (int i = 0; i < WAITS; i++) {
		long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);

		if (r == -1 && errno == ETIMEDOUT)
			timedout++;
		else if (r == -1 && errno != EAGAIN && errno != EINTR)
			other++;
	}
	running--;
	return arg;
}

int main(void)
{
	pthread_t t[WAITERS];

	for (int i = 0; i < WAITERS; i++)
		pthread_create(&t[i], NULL, waiter, NULL);
	/* flip the word between 2 and 0, waking the waiters now and then so none sleeps for
	 * good; the last word is 0, so no wait can start after the last wake */
	for (unsigned long n = 0; running > 0; n++) {
		atomic_store(&word, n & 1 ? 2 : 0);
		if (n % 64 == 0)
			syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		if (n % 65536 == 0)
			sched_yield();
	}
	for (int i = 0; i < WAITERS; i++)
		pthread_join(t[i], NULL);
	printf("FUTEX_WAIT without a timeout: ETIMEDOUT %d times, other errors %d times\n",
	       timedout, other);
	return 0;
}
