/* The program's own epoll instances, beside whatever goshim does with epoll: 8 pipes
 * registered EPOLLIN|EPOLLONESHOT and 4 threads blocked in epoll_wait() on the instance at
 * once; a writer puts one byte into every pipe per round, 50 rounds, and every event must
 * be consumed exactly once (by whichever waiter gets it, which re-arms the pipe); then a
 * level-triggered stop pipe wakes all 4. Also: epoll_wait() and epoll_pwait() with a
 * timeout that expires (0), several ready fds in one call, an edge-triggered registration
 * that reports a write once, poll() on the epoll fd itself, and epoll_pwait() blocked until
 * another thread writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

enum { NPIPES = 8, NWAITERS = 4, ROUNDS = 50, STOP = NPIPES, SETTLE_US = 20000 };

static atomic_int nfail;
static int epfd;
static int pipes[NPIPES + 1][2];	/* the last one is the stop pipe */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int consumed[ROUNDS][NPIPES];	/* mu */
static int consumed_in_round;		/* mu */
static int waiters_started, waiters_stopped;	/* mu */

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 20) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int add(int ep, int fd, uint32_t events, uint32_t data)
{
	struct epoll_event ev = { .events = events, .data.u32 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* consume: one event for data pipe i, which holds exactly the round's byte. */
static void consume(uint32_t i, uint32_t events)
{
	struct epoll_event rearm = { .events = EPOLLIN | EPOLLONESHOT, .data.u32 = i };
	unsigned char c = 0xff;
	int left = -1;

	check(events == EPOLLIN, "event mask", (long)events, EPOLLIN);
	check(read(pipes[i][0], &c, 1) == 1, "read after the event", (long)i, errno);
	check(ioctl(pipes[i][0], FIONREAD, &left) == 0 && left == 0, "bytes left in pipe", left, 0);
	pthread_mutex_lock(&mu);
	if (c < ROUNDS) {
		consumed[c][i]++;
		if (++consumed_in_round == NPIPES)
			pthread_cond_broadcast(&cv);
	} else {
		check(0, "byte read", c, ROUNDS);
	}
	pthread_mutex_unlock(&mu);
	check(epoll_ctl(epfd, EPOLL_CTL_MOD, pipes[i][0], &rearm) == 0, "re-arm", (long)i, errno);
}

static void *waiter(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	pthread_mutex_lock(&mu);
	waiters_started++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (;;) {
		int n = epoll_wait(epfd, &ev, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		check(n == 1, "epoll_wait", n, errno);
		if (n != 1)
			break;
		if (ev.data.u32 == STOP)
			break;
		check(ev.data.u32 < NPIPES, "event data", (long)ev.data.u32, NPIPES);
		if (ev.data.u32 < NPIPES)
			consume(ev.data.u32, ev.events);
	}
	pthread_mutex_lock(&mu);
	waiters_stopped++;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void oneshot_waiters(void)
{
	pthread_t t[NWAITERS];
	int once = 0;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	check(epfd >= 0, "epoll_create1", epfd, errno);
	for (int i = 0; i <= NPIPES; i++) {
		check(pipe(pipes[i]) == 0, "pipe", i, errno);
		check(add(epfd, pipes[i][0], i == STOP ? EPOLLIN : EPOLLIN | EPOLLONESHOT, (uint32_t)i) == 0,
		      "EPOLL_CTL_ADD", i, errno);
	}
	for (int i = 0; i < NWAITERS; i++)
		check(pthread_create(&t[i], NULL, waiter, NULL) == 0, "pthread_create", i, 0);
	pthread_mutex_lock(&mu);
	while (waiters_started < NWAITERS)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	usleep(SETTLE_US);	/* lets all 4 block in epoll_wait: not a verdict */
	for (int r = 0; r < ROUNDS; r++) {
		unsigned char c = (unsigned char)r;

		for (int i = 0; i < NPIPES; i++)
			check(write(pipes[i][1], &c, 1) == 1, "write", i, errno);
		pthread_mutex_lock(&mu);
		while (consumed_in_round < NPIPES)
			pthread_cond_wait(&cv, &mu);
		consumed_in_round = 0;
		pthread_mutex_unlock(&mu);
	}
	check(write(pipes[STOP][1], "s", 1) == 1, "write stop", 0, errno);
	for (int i = 0; i < NWAITERS; i++)
		check(pthread_join(t[i], NULL) == 0, "pthread_join", i, 0);
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < NPIPES; i++)
			once += consumed[r][i] == 1;
	check(once == ROUNDS * NPIPES, "events consumed exactly once", once, ROUNDS * NPIPES);
	printf("oneshot: %d pipes x %d rounds, %d events each consumed exactly once\n", NPIPES, ROUNDS,
	       once);
	printf("oneshot: %d waiters stopped by the level-triggered stop pipe\n", waiters_stopped);
	check(close(epfd) == 0, "close epoll fd", errno, 0);
	for (int i = 0; i <= NPIPES; i++)
		check(close(pipes[i][0]) == 0 && close(pipes[i][1]) == 0, "close pipe", i, errno);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int ep2, q[5][2];

static void *write_q4_later(void *arg)
{
	(void)arg;
	usleep(SETTLE_US);	/* lets main block in epoll_pwait: not a verdict */
	check(write(q[4][1], "w", 1) == 1, "write q4", 0, errno);
	return NULL;
}

static void timeouts_and_batches(void)
{
	struct epoll_event ev[8];
	struct pollfd pfd;
	struct timespec t0;
	uint32_t got[8];
	sigset_t mask;
	pthread_t t;
	long ms;
	int n;

	ep2 = epoll_create1(0);
	check(ep2 >= 0, "epoll_create1", ep2, errno);
	for (int i = 0; i < 5; i++) {
		check(pipe(q[i]) == 0, "pipe", i, errno);
		check(add(ep2, q[i][0], i == 3 ? EPOLLIN | EPOLLET : EPOLLIN, (uint32_t)(100 + i)) == 0,
		      "EPOLL_CTL_ADD", i, errno);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = epoll_wait(ep2, ev, 8, 30);
	ms = ms_since(&t0);
	printf("epoll_wait timeout 30 ms, nothing ready: %d\n", n);
	check(n == 0, "epoll_wait timeout", n, 0);
	check(ms >= 29, "epoll_wait 30 ms returned early, ms", ms, 30);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = epoll_pwait(ep2, ev, 8, 30, &mask);
	ms = ms_since(&t0);
	printf("epoll_pwait timeout 30 ms, nothing ready: %d\n", n);
	check(n == 0, "epoll_pwait timeout", n, 0);
	check(ms >= 29, "epoll_pwait 30 ms returned early, ms", ms, 30);
	pfd = (struct pollfd){ .fd = ep2, .events = POLLIN };
	n = poll(&pfd, 1, 0);
	printf("poll on the epoll fd, nothing ready: %d\n", n);
	check(n == 0 && pfd.revents == 0, "poll on idle epoll fd", n, pfd.revents);

	for (int i = 0; i < 4; i += 2)	/* q0 and q2 */
		check(write(q[i][1], "ab", 2) == 2, "write", i, errno);
	check(write(q[3][1], "e", 1) == 1, "write q3", 3, errno);
	n = poll(&pfd, 1, 0);
	printf("poll on the epoll fd, 3 ready: %d, revents %s\n", n, pfd.revents == POLLIN ? "IN" : "?");
	check(n == 1 && pfd.revents == POLLIN, "poll on ready epoll fd", n, pfd.revents);
	n = epoll_wait(ep2, ev, 8, 0);
	for (int i = 0; i < n && i < 8; i++) {
		got[i] = ev[i].data.u32;
		check(ev[i].events == EPOLLIN, "batch event mask", ev[i].events, EPOLLIN);
	}
	qsort(got, (size_t)(n > 0 ? n : 0), sizeof(got[0]), cmp_u32);
	printf("epoll_wait timeout 0, 3 ready:");
	for (int i = 0; i < n; i++)
		printf(" %u", got[i]);
	printf("\n");
	check(n == 3, "ready in one call", n, 3);
	n = epoll_wait(ep2, ev, 8, 0);
	printf("again, level-triggered ones still ready, edge-triggered one not: %d\n", n);
	check(n == 2, "second call", n, 2);
	check(write(q[3][1], "f", 1) == 1, "write q3 again", 3, errno);
	n = epoll_wait(ep2, ev, 8, 0);
	printf("after another write to the edge-triggered pipe: %d\n", n);
	check(n == 3, "third call", n, 3);
	for (int i = 0; i < 4; i += 2) {
		char buf[2];

		check(read(q[i][0], buf, 2) == 2, "drain", i, errno);
	}

	check(pthread_create(&t, NULL, write_q4_later, NULL) == 0, "pthread_create", 0, 0);
	n = epoll_pwait(ep2, ev, 8, -1, &mask);
	printf("epoll_pwait blocked until a write: %d event, data %u\n", n, n == 1 ? ev[0].data.u32 : 0);
	check(n == 1 && ev[0].data.u32 == 104, "epoll_pwait woken", n, n == 1 ? ev[0].data.u32 : 0);
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
	check(close(ep2) == 0, "close", errno, 0);
	for (int i = 0; i < 5; i++)
		check(close(q[i][0]) == 0 && close(q[i][1]) == 0, "close pipe", i, errno);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	oneshot_waiters();
	timeouts_and_batches();
	return atomic_load(&nfail) != 0;
}
