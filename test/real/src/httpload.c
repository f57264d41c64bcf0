/* httpload: an HTTP/1.1 keep-alive load generator for src/http_server.py, always run
 * natively. It opens CONNS connections to 127.0.0.1:PORT at once and, over each, makes
 * REQS requests one after another (GET /c<conn>/r<req>), driven by one epoll loop. Every
 * response must be "200", carry a Content-Length and a body of exactly the bytes the
 * server promises: the path and a newline, repeated 1 + (sum of the path's bytes) % 64
 * times. Then it asks the server to stop (GET /quit, on a connection of its own).
 * Prints the connections made, the good and bad responses and the requests per second;
 * the exit status is 1 if any response was bad, a connection failed, or the load stalled.
 *
 * usage: httpload PORT CONNS REQS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STALL_MS 60000	/* no event for this long: the server is stuck */
#define MAX_REPORTS 10	/* bad responses described on stderr */

struct conn {
	int fd;
	int id;
	int req;		/* the request in flight */
	int connected;
	char out[128];
	size_t outlen, outoff;
	char *in;
	size_t inlen, incap;
};

static struct sockaddr_in server;
static int epfd;
static long ok, bad, done;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* die reports a failure of the load generator itself and exits. */
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "httpload: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* expected writes the body the server sends for PATH into buf (size cap), returns its length. */
static size_t expected(const char *path, char *buf, size_t cap)
{
	size_t plen = strlen(path), n = 0;
	unsigned sum = 0;

	for (size_t i = 0; i < plen; i++)
		sum += (unsigned char)path[i];
	for (unsigned r = 0; r < 1 + sum % 64; r++) {
		if (n + plen + 1 > cap)
			die("body of %s does not fit", path);
		memcpy(buf + n, path, plen);
		n += plen;
		buf[n++] = '\n';
	}
	return n;
}

/* finish ends a connection: its last request answered, or a bad response. */
static void finish(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	done++;
}

/* fail counts a bad response on C, describes it (the first few times) and ends C. */
static void fail(struct conn *c, const char *why)
{
	if (bad++ < MAX_REPORTS)
		fprintf(stderr, "httpload: connection %d request %d: %s\n", c->id, c->req, why);
	finish(c);
}

/* want sets the events C waits for. */
static void want(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

/* next_request formats C's request and waits to send it. */
static void next_request(struct conn *c)
{
	c->outlen = (size_t)snprintf(c->out, sizeof(c->out),
				     "GET /c%d/r%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", c->id, c->req);
	c->outoff = 0;
	c->inlen = 0;
	want(c, EPOLLOUT);
}

/* on_writable finishes a connect, then sends the rest of the request. */
static void on_writable(struct conn *c)
{
	ssize_t n;

	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			fail(c, strerror(err));
			return;
		}
		c->connected = 1;
	}
	n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
	if (n < 0) {
		if (errno != EAGAIN)
			fail(c, strerror(errno));
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		want(c, EPOLLIN);
}

/* check_response: the bytes read so far hold a whole response: returns NULL when it is
 * good, the reason when it is bad, and sets *partial when more bytes are needed. */
static const char *check_response(struct conn *c, int *partial)
{
	char path[64], body[8192], *end, *cl;
	size_t head, want_len, blen;

	*partial = 0;
	c->in[c->inlen] = '\0';
	end = strstr(c->in, "\r\n\r\n");
	if (end == NULL) {
		*partial = 1;
		return NULL;
	}
	head = (size_t)(end - c->in) + 4;
	if (strncmp(c->in, "HTTP/1.1 200 ", 13) != 0)
		return "status is not HTTP/1.1 200";
	cl = strcasestr(c->in, "\r\nContent-Length:");
	if (cl == NULL || cl > end)
		return "no Content-Length";
	want_len = strtoul(cl + 17, NULL, 10);
	if (c->inlen < head + want_len) {
		*partial = 1;
		return NULL;
	}
	if (c->inlen > head + want_len)
		return "bytes after the body";
	snprintf(path, sizeof(path), "/c%d/r%d", c->id, c->req);
	blen = expected(path, body, sizeof(body));
	if (want_len != blen)
		return "wrong Content-Length";
	if (memcmp(c->in + head, body, blen) != 0)
		return "wrong body";
	return NULL;
}

/* on_readable reads what the server sent and, once the response is whole, checks it. */
static void on_readable(struct conn *c, int reqs)
{
	const char *why;
	int partial;
	ssize_t n;

	if (c->incap - c->inlen < 4096) {
		c->incap = c->incap * 2 + 8192;
		c->in = realloc(c->in, c->incap);
		if (c->in == NULL)
			die("out of memory");
	}
	n = read(c->fd, c->in + c->inlen, c->incap - c->inlen - 1);
	if (n < 0) {
		if (errno != EAGAIN)
			fail(c, strerror(errno));
		return;
	}
	if (n == 0) {
		fail(c, "the server closed the connection");
		return;
	}
	c->inlen += (size_t)n;
	why = check_response(c, &partial);
	if (partial)
		return;
	if (why != NULL) {
		fail(c, why);
		return;
	}
	ok++;
	if (++c->req == reqs)
		finish(c);
	else
		next_request(c);
}

/* open_all starts a non-blocking connect for every connection. */
static void open_all(struct conn *cs, int conns)
{
	for (int i = 0; i < conns; i++) {
		struct conn *c = &cs[i];
		struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

		c->id = i;
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c->fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(c->fd, (struct sockaddr *)&server, sizeof(server)) < 0 &&
		    errno != EINPROGRESS)
			die("connect: %s", strerror(errno));
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			die("epoll_ctl: %s", strerror(errno));
		next_request(c);
	}
}

/* quit asks the server to stop, on a blocking connection, and checks it answered 200. */
static int quit(void)
{
	const char req[] = "GET /quit HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&server, sizeof(server)) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		die("/quit: %s", strerror(errno));
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return strncmp(buf, "HTTP/1.1 200 ", 13) == 0;
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct rlimit rl;
	struct conn *cs;
	int conns, reqs, quit_ok;
	double t0, secs;

	if (argc != 4 || (conns = atoi(argv[2])) < 1 || (reqs = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: httpload PORT CONNS REQS\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)atoi(argv[1]));
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	epfd = epoll_create1(0);
	cs = calloc((size_t)conns, sizeof(*cs));
	if (epfd < 0 || cs == NULL)
		die("setup: %s", strerror(errno));
	t0 = now();
	open_all(cs, conns);
	while (done < conns) {
		int n = epoll_wait(epfd, evs, 256, STALL_MS);

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		if (n == 0)
			die("stalled: no event for %d s, %ld of %d connections done, %ld responses",
			    STALL_MS / 1000, done, conns, ok + bad);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->fd < 0)
				continue;
			if (evs[i].events & EPOLLOUT)
				on_writable(c);
			else
				on_readable(c, reqs);
		}
	}
	secs = now() - t0;
	quit_ok = quit();
	printf("connections %d\nrequests %ld\nok %ld\nbad %ld\nseconds %.3f\nreq/s %.0f\nquit %s\n",
	       conns, (long)conns * reqs, ok, bad, secs, (double)ok / secs, quit_ok ? "ok" : "FAILED");
	return bad == 0 && ok == (long)conns * reqs && quit_ok ? 0 : 1;
}
