/* Socket timeouts, shutdown and connect as the kernel does them: SO_RCVTIMEO of 100 ms
 * makes recv(), read() and accept() with nothing to take fail with EAGAIN (after at least
 * about the timeout) and getsockopt() returns the value set; SO_SNDTIMEO on a socket whose
 * send buffer is full makes send() time out (AF_UNIX: -1 EAGAIN; TCP: perhaps a partial
 * count first, then -1 EAGAIN), and does not cut short a send that a reader keeps draining;
 * shutdown() by the peer (SHUT_WR) or of the socket itself (SHUT_RD) wakes a thread blocked
 * in read() with 0; 100 threads connect() to one listener at once; connect() to a port
 * that is bound but not listening fails with ECONNREFUSED, blocking or not. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { TIMEO_MS = 100, EARLY_MS = 90, SETTLE_US = 20000, NCONNECT = 100, CHUNK = 64 * 1024,
       BULK = 1024 * 1024, MAX_SENDS = 2000 };

static atomic_int nfail;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 20) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static const char *errname(int e)
{
	switch (e) {
	case 0:
		return "no error";
	case EAGAIN:
		return "EAGAIN";
	case EINPROGRESS:
		return "EINPROGRESS";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	default:
		return strerror(e);
	}
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void set_timeo(int fd, int opt, long ms)
{
	struct timeval tv = { ms / 1000, ms % 1000 * 1000 }, got = { -1, -1 };
	socklen_t len = sizeof(got);

	check(setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) == 0, "setsockopt timeout", opt, errno);
	check(getsockopt(fd, SOL_SOCKET, opt, &got, &len) == 0, "getsockopt timeout", opt, errno);
	printf("%s set to %ld ms, getsockopt: %ld.%06ld s\n",
	       opt == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO", ms, (long)got.tv_sec,
	       (long)got.tv_usec);
	check(got.tv_sec == tv.tv_sec && got.tv_usec == tv.tv_usec, "getsockopt value", got.tv_usec,
	      tv.tv_usec);
}

static int tcp_listener(struct sockaddr_in *addr, int backlog)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	*addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, len) != 0 ||
	    (backlog > 0 && listen(fd, backlog) != 0) ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
		printf("FAIL listen: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* tcp_pair: a connected client c and its accepted peer a. */
static void tcp_pair(int *c, int *a)
{
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr, 4);

	*c = socket(AF_INET, SOCK_STREAM, 0);
	check(*c >= 0 && connect(*c, (struct sockaddr *)&addr, sizeof(addr)) == 0, "connect", *c, errno);
	*a = accept(lfd, NULL, NULL);
	check(*a >= 0, "accept", *a, errno);
	check(close(lfd) == 0, "close listener", errno, 0);
}

/* timed: runs one call that must fail with EAGAIN after the receive timeout. */
static void timed(const char *what, int fd, int call)
{
	struct timespec t0;
	char buf[16];
	long r, ms;

	errno = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (call == 'r')
		r = recv(fd, buf, sizeof(buf), 0);
	else if (call == 'R')
		r = read(fd, buf, sizeof(buf));
	else
		r = accept(fd, NULL, NULL);
	ms = ms_since(&t0);
	printf("%s with nothing there: %ld, %s\n", what, r, errname(r < 0 ? errno : 0));
	check(r == -1 && errno == EAGAIN, what, r, errno);
	check(ms >= EARLY_MS, "timed out early, ms", ms, TIMEO_MS);
}

static void rcvtimeo(void)
{
	struct sockaddr_in addr;
	int sv[2], c, a, lfd;

	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair", errno, 0);
	set_timeo(sv[0], SO_RCVTIMEO, TIMEO_MS);
	timed("AF_UNIX recv", sv[0], 'r');
	timed("AF_UNIX read", sv[0], 'R');
	check(send(sv[1], "hi", 2, 0) == 2, "send", errno, 0);
	check(recv(sv[0], (char[2]){ 0 }, 2, 0) == 2, "recv with data there", errno, 0);
	check(close(sv[0]) == 0 && close(sv[1]) == 0, "close", errno, 0);

	tcp_pair(&c, &a);
	set_timeo(c, SO_RCVTIMEO, TIMEO_MS);
	timed("TCP recv", c, 'r');
	check(close(c) == 0 && close(a) == 0, "close", errno, 0);

	lfd = tcp_listener(&addr, 4);
	set_timeo(lfd, SO_RCVTIMEO, TIMEO_MS);
	timed("accept", lfd, 'a');
	check(close(lfd) == 0, "close", errno, 0);
}

/* fill_dontwait: fills fd's send buffer without blocking; returns the bytes sent. */
static long fill_dontwait(int fd)
{
	static char buf[CHUNK];
	long n, total = 0;

	while ((n = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL)) > 0)
		total += n;
	check(n == -1 && errno == EAGAIN, "fill with MSG_DONTWAIT", n, errno);
	return total;
}

static void *drain(void *arg)
{
	static char buf[4096];
	int fd = (int)(intptr_t)arg;
	long total = 0, n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return (void *)total;
}

static void sndtimeo(void)
{
	static char buf[BULK];
	int sv[2], c, a, sndbuf = 16384, sends = 0;
	void *drained = NULL;
	pthread_t t;
	long n, filled;

	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair", errno, 0);
	check(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) == 0, "SO_SNDBUF",
	      errno, 0);
	set_timeo(sv[0], SO_SNDTIMEO, TIMEO_MS);
	filled = fill_dontwait(sv[0]);
	errno = 0;
	n = send(sv[0], buf, 4096, MSG_NOSIGNAL);
	printf("AF_UNIX send to a full buffer: %ld, %s\n", n, errname(n < 0 ? errno : 0));
	check(n == -1 && errno == EAGAIN, "AF_UNIX send timeout", n, errno);

	check(pthread_create(&t, NULL, drain, (void *)(intptr_t)sv[1]) == 0, "pthread_create", 0, 0);
	/* Linux counts the timeout over the whole call: a reader held off the CPU for 100 ms
	 * would cut the send short natively too, so a long one for this */
	set_timeo(sv[0], SO_SNDTIMEO, 60000);
	n = send(sv[0], buf, BULK, MSG_NOSIGNAL);
	printf("AF_UNIX send of 1 MiB while a reader drains: %s\n", n == BULK ? "all of it" : "short");
	check(n == BULK, "send while draining", n, BULK);
	check(shutdown(sv[0], SHUT_WR) == 0, "shutdown", errno, 0);
	check(pthread_join(t, &drained) == 0, "pthread_join", 0, 0);
	printf("reader got everything sent: %s\n", (long)drained == filled + BULK ? "yes" : "no");
	check((long)drained == filled + BULK, "drained", (long)drained, filled + BULK);
	check(close(sv[0]) == 0 && close(sv[1]) == 0, "close", errno, 0);

	tcp_pair(&c, &a);
	set_timeo(c, SO_SNDTIMEO, TIMEO_MS);
	/* Space may free up while the peer's kernel takes what is in flight, so a timed-out
	 * send may have sent part of its buffer; the next one then finds no room at all. */
	while ((n = send(c, buf, CHUNK, MSG_NOSIGNAL)) > 0 && ++sends < MAX_SENDS)
		;
	printf("TCP sends into an unread connection: blocked, then %s\n", errname(n < 0 ? errno : 0));
	check(n == -1 && errno == EAGAIN, "TCP send timeout", n, errno);
	check(close(c) == 0 && close(a) == 0, "close", errno, 0);
}

static void *read_zero(void *arg)
{
	char c;

	return (void *)read((int)(intptr_t)arg, &c, 1);
}

/* woken: a thread blocked in read(rd) must return 0 after shutdown(fd, how). */
static void woken(const char *what, int rd, int fd, int how)
{
	pthread_t t;
	void *r = (void *)-2;

	check(pthread_create(&t, NULL, read_zero, (void *)(intptr_t)rd) == 0, "pthread_create", 0, 0);
	usleep(SETTLE_US);	/* lets the reader block first: not a verdict */
	check(shutdown(fd, how) == 0, "shutdown", how, errno);
	check(pthread_join(t, &r) == 0, "pthread_join", 0, 0);
	printf("%s: blocked read returned %ld\n", what, (long)r);
	check(r == NULL, what, (long)r, 0);
}

static void shutdowns(void)
{
	int sv[2], c, a;

	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair", errno, 0);
	woken("AF_UNIX peer shutdown(SHUT_WR)", sv[0], sv[1], SHUT_WR);
	check(close(sv[0]) == 0 && close(sv[1]) == 0, "close", errno, 0);
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair", errno, 0);
	woken("AF_UNIX own shutdown(SHUT_RD)", sv[0], sv[0], SHUT_RD);
	check(close(sv[0]) == 0 && close(sv[1]) == 0, "close", errno, 0);

	tcp_pair(&c, &a);
	woken("TCP peer shutdown(SHUT_WR)", a, c, SHUT_WR);
	woken("TCP own shutdown(SHUT_RD)", c, c, SHUT_RD);
	check(close(c) == 0 && close(a) == 0, "close", errno, 0);
}

static struct sockaddr_in many_addr;

static void *connector(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg, reply = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&many_addr, sizeof(many_addr)) != 0) {
		check(0, "connect from a thread", id, errno);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	check(write(fd, &id, sizeof(id)) == sizeof(id), "write id", id, errno);
	check(read(fd, &reply, sizeof(reply)) == sizeof(reply) && reply == id * 3, "reply", reply, id * 3);
	check(close(fd) == 0, "close", errno, 0);
	return NULL;
}

static void many_connects(void)
{
	static pthread_t t[NCONNECT];
	static int seen[NCONNECT];
	int lfd = tcp_listener(&many_addr, NCONNECT + 28), distinct = 0;

	for (long i = 0; i < NCONNECT; i++)
		check(pthread_create(&t[i], NULL, connector, (void *)(uintptr_t)i) == 0, "pthread_create", i, 0);
	for (int i = 0; i < NCONNECT; i++) {
		uint32_t id = UINT32_MAX, reply;
		int fd = accept(lfd, NULL, NULL);

		check(fd >= 0, "accept", fd, errno);
		if (fd < 0)
			break;
		check(read(fd, &id, sizeof(id)) == sizeof(id) && id < NCONNECT, "read id", id, NCONNECT);
		if (id < NCONNECT)
			seen[id]++;
		reply = id * 3;
		check(write(fd, &reply, sizeof(reply)) == sizeof(reply), "write reply", id, errno);
		check(close(fd) == 0, "close", errno, 0);
	}
	for (int i = 0; i < NCONNECT; i++) {
		check(pthread_join(t[i], NULL) == 0, "pthread_join", i, 0);
		distinct += seen[i] == 1;
	}
	printf("%d threads connected at once: %d distinct clients accepted\n", NCONNECT, distinct);
	check(distinct == NCONNECT, "distinct clients", distinct, NCONNECT);
	check(close(lfd) == 0, "close", errno, 0);
}

static void refused(void)
{
	struct sockaddr_in addr;
	int bound = tcp_listener(&addr, 0), fd, r, err = -1;
	socklen_t len = sizeof(err);
	struct pollfd p;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	printf("connect to a port bound but not listening: %d, %s\n", r, errname(r < 0 ? errno : 0));
	check(r == -1 && errno == ECONNREFUSED, "blocking connect refused", r, errno);
	check(close(fd) == 0, "close", errno, 0);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	if (r == -1 && errno == EINPROGRESS) {
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		check(poll(&p, 1, -1) == 1, "poll", errno, 0);
		check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0, "SO_ERROR", errno, 0);
	} else {
		err = r == -1 ? errno : 0;
	}
	/* Loopback may refuse at once or after EINPROGRESS; either is native. */
	printf("non-blocking connect there: %s\n", errname(err));
	check(err == ECONNREFUSED, "non-blocking connect refused", err, ECONNREFUSED);
	check(close(fd) == 0 && close(bound) == 0, "close", errno, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	rcvtimeo();
	sndtimeo();
	shutdowns();
	many_connects();
	refused();
	return atomic_load(&nfail) != 0;
}
