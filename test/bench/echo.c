/* TCP echo benchmark: a thread-per-connection echo server on loopback (one accepting
 * thread; one thread per connection, default attributes, doing blocking read and write of
 * 64-byte messages until EOF), under C = 100, 1,000 and 10,000 concurrent connections,
 * each doing request/response round trips one at a time for a fixed time. Reports the
 * round trips per second and, at 10,000, the server's peak RSS per connection.
 *
 * What is measured is the server alone, so the three processes are:
 *   - this program (the driver), which starts the other two for each C and reports;
 *   - the server, this program with --server C in the driver's mode (under goshim when
 *     the driver is), started fresh for each C: its VmHWM at the end minus its VmRSS
 *     after listen, before any connection or thread, divided by C, is its own memory per
 *     connection, with nothing of the clients in it;
 *   - the load generator, this program with --client, always native: one thread driving
 *     all C connections with epoll. The load is then the same in every mode (and for the
 *     Go twin, which runs this same generator), so a difference in req/s is the server's;
 *     thread-per-connection clients would have measured goshim (or the kernel) twice.
 * The generator and server share the machine's CPUs, as clients on loopback do. It opens
 * at most CONNECTING connections at a time, each doing one round trip and then idling, so
 * the listen backlog never overflows into SYN retransmits and the setup does not compete
 * with traffic; once every connection is up it sends on all of them and counts round
 * trips for WINDOW_MS * SCALE, then lets every connection finish its last one and closes
 * them all. Both raise RLIMIT_NOFILE to its hard limit (C = 10,000 needs 10,000 fds in
 * each process).
 *
 * A case that cannot run in some mode prints "metric: FAIL reason": natively or under
 * goshim when pthread_create fails, under goshim when its 10,000-thread limit on
 * threads blocked in system calls ends the server, or when a step passes its deadline.
 * test/bench/go/echo is the same server in Go (net.Listen, a goroutine per connection).
 *
 * Prints: echo_C100, echo_C1000, echo_C10000 (req/s), echo_C10000_rss (KiB/conn).
 * Usage: echo [SCALE]  (SCALE multiplies the measured time, default 1)
 *        echo --server C  (listen on 127.0.0.1, print "port P"; serve C connections;
 *                          when all are closed print "rss_kib K")
 *        echo --client PORT C MS  (C connections to 127.0.0.1:PORT, round trips for MS
 *                          ms; print "req_per_s R")
 * Either prints "FAIL reason" instead when it cannot go on. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

enum {
	MSG = 64,		/* bytes per request and per response */
	WINDOW_MS = 1000,	/* measured time at SCALE 1 */
	CONNECTING = 256,	/* connections opened but not yet through a round trip */
	SETUP_S = 60,		/* connect + first round trip of every connection */
	DRAIN_S = 20,		/* last round trips, close, server's report */
};

static const long conns[] = { 100, 1000, 10000 };
static const long rss_conns = 10000;

/* fail prints the FAIL line of a server or client and exits; the driver reports it. */
static void fail(const char *what, int err)
{
	printf("FAIL %s: %s\n", what, strerror(err));
	fflush(stdout);
	_exit(0); /* threads and connections may be live: no exit handlers */
}

/* --- server ------------------------------------------------------------------ */

static pthread_mutex_t server_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t server_done = PTHREAD_COND_INITIALIZER;
static long server_closed;	/* server_lock */

/* read_msg reads one whole message; false at end of file or on an error. */
static bool read_msg(int fd, char *buf)
{
	for (size_t got = 0; got < MSG;) {
		ssize_t n = read(fd, buf + got, MSG - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static bool write_msg(int fd, const char *buf)
{
	for (size_t put = 0; put < MSG;) {
		ssize_t n = write(fd, buf + put, MSG - put);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		put += (size_t)n;
	}
	return true;
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[MSG];

	while (read_msg(fd, buf) && write_msg(fd, buf))
		;
	close(fd);
	bench_check(pthread_mutex_lock(&server_lock), "pthread_mutex_lock");
	server_closed++;
	bench_check(pthread_cond_signal(&server_done), "pthread_cond_signal");
	bench_check(pthread_mutex_unlock(&server_lock), "pthread_mutex_unlock");
	return NULL;
}

static int server(long c)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof sa;
	int one = 1, lfd;
	long rss_before;

	bench_raise_nofile();
	signal(SIGPIPE, SIG_IGN); /* a client that goes away is an error from write */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		fail("socket", errno);
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		fail("setsockopt", errno);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, SOMAXCONN) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
		fail("listen", errno);
	rss_before = bench_status_kib("VmRSS:");
	printf("port %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (long i = 0; i < c; i++) {
		pthread_t t;
		int fd, err;

		while ((fd = accept(lfd, NULL, NULL)) < 0)
			if (errno != EINTR && errno != ECONNABORTED)
				fail("accept", errno);
		/* as Go's net package does for every TCP connection */
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
			fail("setsockopt", errno);
		err = pthread_create(&t, NULL, serve, (void *)(long)fd);
		if (err != 0)
			fail("pthread_create", err);
		bench_check(pthread_detach(t), "pthread_detach");
	}
	bench_check(pthread_mutex_lock(&server_lock), "pthread_mutex_lock");
	while (server_closed < c)
		bench_check(pthread_cond_wait(&server_done, &server_lock), "pthread_cond_wait");
	bench_check(pthread_mutex_unlock(&server_lock), "pthread_mutex_unlock");
	printf("rss_kib %ld\n", bench_status_kib("VmHWM:") - rss_before);
	return 0;
}

/* --- load generator ----------------------------------------------------------- */

struct conn {
	int fd;
	int got;		/* bytes of the response read so far */
	bool connected;
	bool warm;		/* has had a round trip */
};

struct client {
	int ep;
	struct sockaddr_in sa;
	struct conn *conn;
	long c, opened, warm;
	bool counting;		/* in the window: an answer counts; a request follows */
	long done;		/* round trips completed while counting */
	long outstanding;	/* requests sent and not yet answered */
};

static void client_open(struct client *cl)
{
	struct conn *cn = &cl->conn[cl->opened];
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = cn };
	int one = 1;

	cn->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (cn->fd < 0)
		fail("socket", errno);
	if (setsockopt(cn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		fail("setsockopt", errno);
	if (connect(cn->fd, (struct sockaddr *)&cl->sa, sizeof cl->sa) != 0 && errno != EINPROGRESS)
		fail("connect", errno);
	if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, cn->fd, &ev) != 0)
		fail("epoll_ctl", errno);
	cl->opened++;
}

/* client_send sends one request on a connection that has none outstanding. */
static void client_send(struct client *cl, struct conn *cn)
{
	static const char req[MSG] = "ping";
	ssize_t n = send(cn->fd, req, MSG, MSG_NOSIGNAL);

	/* An idle connection's send buffer has room for one message. */
	if (n != MSG)
		fail("send", n < 0 ? errno : EAGAIN);
	cn->got = 0;
	cl->outstanding++;
}

/* client_event handles readiness of one connection. */
static void client_event(struct client *cl, struct conn *cn)
{
	char buf[MSG];
	ssize_t n;

	if (!cn->connected) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = cn };
		int err = 0;
		socklen_t len = sizeof err;

		if (getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
			fail("connect", err != 0 ? err : errno);
		if (epoll_ctl(cl->ep, EPOLL_CTL_MOD, cn->fd, &ev) != 0)
			fail("epoll_ctl", errno);
		cn->connected = true;
		client_send(cl, cn);
		return;
	}
	n = recv(cn->fd, buf, (size_t)(MSG - cn->got), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		fail("recv", n < 0 ? errno : ECONNRESET);
	cn->got += (int)n;
	if (cn->got < MSG)
		return;
	cl->outstanding--;
	if (!cn->warm) {
		cn->warm = true;
		cl->warm++;
	}
	if (cl->counting) {
		cl->done++;
		client_send(cl, cn);
	}
}

/* client_loop handles events until STOP (with cl) is true or DEADLINE passes, opening
 * connections as the CONNECTING budget allows. */
static void client_loop(struct client *cl, bool (*stop)(struct client *), double deadline)
{
	struct epoll_event ev[256];

	while (!stop(cl)) {
		double left = deadline - bench_now_ns();
		int n;

		if (left <= 0) {
			printf("FAIL timed out: %ld of %ld connections warm; %ld requests"
			       " unanswered\n", cl->warm, cl->c, cl->outstanding);
			fflush(stdout);
			_exit(0);
		}
		while (cl->opened < cl->c && cl->opened - cl->warm < CONNECTING)
			client_open(cl);
		/* at most 100 ms, so that a time-based STOP is late by no more than that */
		n = epoll_wait(cl->ep, ev, 256, left < 1e8 ? (int)(left / 1e6) + 1 : 100);
		if (n < 0 && errno != EINTR)
			fail("epoll_wait", errno);
		for (int i = 0; i < n; i++)
			client_event(cl, ev[i].data.ptr);
	}
}

static bool all_warm(struct client *cl)
{
	return cl->warm == cl->c;
}

static double window_end;

static bool window_over(struct client *cl)
{
	(void)cl;
	return bench_now_ns() >= window_end;
}

static bool drained(struct client *cl)
{
	return cl->outstanding == 0;
}

static int client(int port, long c, long ms)
{
	struct client cl = { .c = c };
	double start;

	bench_raise_nofile();
	cl.sa.sin_family = AF_INET;
	cl.sa.sin_port = htons((uint16_t)port);
	cl.sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cl.conn = calloc((size_t)c, sizeof *cl.conn);
	cl.ep = epoll_create1(0);
	if (cl.conn == NULL || cl.ep < 0)
		fail("client", errno);
	client_loop(&cl, all_warm, bench_now_ns() + SETUP_S * 1e9);
	cl.counting = true;
	start = bench_now_ns();
	window_end = start + (double)ms * 1e6;
	for (long i = 0; i < c; i++)
		client_send(&cl, &cl.conn[i]);
	client_loop(&cl, window_over, window_end + 1e9);
	cl.counting = false;
	printf("req_per_s %.1f\n", (double)cl.done / ((bench_now_ns() - start) / 1e9));
	client_loop(&cl, drained, bench_now_ns() + DRAIN_S * 1e9);
	for (long i = 0; i < c; i++)
		close(cl.conn[i].fd);
	return 0;
}

/* --- driver --------------------------------------------------------------------- */

/* child_result reads the next line of a server or client: 1 with the value after WANT in
 * V; otherwise the reason in WHY and 0, or -1 if DEADLINE passed first. */
static int child_result(struct bench_child *ch, const char *want, double deadline, double *v,
			char *why, size_t size)
{
	char line[512];
	int r = bench_child_line(ch, deadline, line, sizeof line);

	if (r > 0 && strncmp(line, want, strlen(want)) == 0 && line[strlen(want)] == ' ') {
		*v = strtod(line + strlen(want) + 1, NULL);
		return 1;
	}
	if (r > 0 && strncmp(line, "FAIL ", 5) == 0)
		snprintf(why, size, "%s", line + 5);
	else if (r > 0)
		snprintf(why, size, "unexpected output: %.200s", line);
	else if (r < 0)
		snprintf(why, size, "timed out");
	else if (bench_child_end(ch, deadline, why, size))
		snprintf(why, size, "no output");
	return r < 0 ? -1 : 0;
}

/* run_client runs the load generator on PORT; true with the rate in RPS, or the reason. */
static bool run_client(char *self, char *port, char *cs, char *ms, double deadline,
		       double *rps, char *why, size_t size)
{
	char *argv[] = { self, "--client", port, cs, ms, NULL };
	struct bench_child cli;
	char end[512];
	bool ok;

	bench_child_start(&cli, argv, true);
	ok = child_result(&cli, "req_per_s", deadline, rps, why, size) > 0;
	if (!bench_child_end(&cli, deadline, end, sizeof end) && ok) {
		snprintf(why, size, "load generator: %.400s", end);
		ok = false;
	}
	return ok;
}

/* drive_case runs one C. When the load generator fails, the server's reason (it died, or
 * could not create a thread) wins over the generator's, which only sees its connections
 * reset. */
static void drive_case(char *self, long c, long ms)
{
	char cs[32], port[32], msbuf[32], why[512], swhy[512];
	char *argv[] = { self, "--server", cs, NULL };
	double deadline = bench_now_ns() + (SETUP_S + DRAIN_S) * 1e9 + (double)ms * 1e6;
	double p, rps = 0, rss = 0;
	struct bench_child srv;
	bool ok;

	snprintf(cs, sizeof cs, "%ld", c);
	snprintf(msbuf, sizeof msbuf, "%ld", ms);
	bench_child_start(&srv, argv, false);
	ok = child_result(&srv, "port", deadline, &p, why, sizeof why) > 0;
	if (ok) {
		snprintf(port, sizeof port, "%d", (int)p);
		ok = run_client(self, port, cs, msbuf, deadline, &rps, why, sizeof why);
		if (ok && child_result(&srv, "rss_kib", deadline, &rss, swhy, sizeof swhy) <= 0) {
			snprintf(why, sizeof why, "server: %.400s", swhy);
			ok = false;
		} else if (!ok && child_result(&srv, "rss_kib", bench_now_ns() + 2e9, &rss, swhy,
					       sizeof swhy) == 0) {
			snprintf(why, sizeof why, "server: %.400s", swhy);
		}
	}
	if (!bench_child_end(&srv, ok ? deadline : 0, swhy, sizeof swhy) && ok) {
		snprintf(why, sizeof why, "server: %.400s", swhy);
		ok = false;
	}
	if (ok) {
		printf("echo_C%ld: %.0f req/s\n", c, rps);
		if (c == rss_conns)
			printf("echo_C%ld_rss: %.2f KiB/conn\n", c, rss / (double)c);
	} else {
		printf("echo_C%ld: FAIL %s\n", c, why);
		if (c == rss_conns)
			printf("echo_C%ld_rss: FAIL %s\n", c, why);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double scale;

	bench_name = "echo";
	if (argc == 3 && strcmp(argv[1], "--server") == 0)
		return server(strtol(argv[2], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "--client") == 0)
		return client((int)strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10),
			      strtol(argv[4], NULL, 10));
	scale = bench_scale(argc, argv, "echo");
	bench_raise_nofile();
	for (size_t i = 0; i < sizeof conns / sizeof conns[0]; i++)
		drive_case(argv[0], conns[i], bench_scaled(WINDOW_MS, scale));
	return 0;
}
