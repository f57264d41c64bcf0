/* The program's own view of O_NONBLOCK, whatever goshim does to fds behind its back:
 * F_GETFL reports O_NONBLOCK exactly when the program set it, through fcntl(F_SETFL),
 * ioctl(FIONBIO), socket(SOCK_NONBLOCK), pipe2(O_NONBLOCK) or accept4(SOCK_NONBLOCK), and
 * not otherwise (pipe(), plain accept() on a non-blocking listener, a fd after the program
 * blocked in it); a dup()ed fd shares the flag; reads of an empty non-blocking pipe or
 * socket, and accept() with nothing pending, fail with EAGAIN; a non-blocking pipe fills to
 * its capacity, then write() fails with EAGAIN; recv(MSG_DONTWAIT) does not change the
 * flags; after the program clears O_NONBLOCK a read blocks until another thread writes. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum { SETTLE_US = 20000, CHUNK = 4096 };

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
	case EBADF:
		return "EBADF";
	default:
		return strerror(e);
	}
}

/* show_flags: prints fd's access mode and O_NONBLOCK as F_GETFL reports them and checks
 * O_NONBLOCK against want. */
static void show_flags(const char *what, int fd, int want_nonblock)
{
	static const char *const modes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "?" };
	int fl = fcntl(fd, F_GETFL);

	check(fl >= 0, "F_GETFL", fd, errno);
	printf("%s: %s%s\n", what, modes[fl & O_ACCMODE], fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
	check(!!(fl & O_NONBLOCK) == want_nonblock, what, fl, want_nonblock);
}

static void set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	check(fl >= 0 && fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) == 0, "F_SETFL", fd,
	      errno);
}

/* expect_eagain: a read of fd, which has nothing to read, must fail with EAGAIN. */
static void expect_eagain(const char *what, int fd)
{
	char c;
	ssize_t n;

	errno = 0;
	n = read(fd, &c, 1);
	printf("%s: %zd, %s\n", what, n, errname(n < 0 ? errno : 0));
	check(n == -1 && errno == EAGAIN, what, (long)n, errno);
}

struct later {
	int fd;
	char byte;
};

static void *write_later(void *arg)
{
	struct later *l = arg;

	usleep(SETTLE_US);	/* lets the reader block first: not a verdict */
	check(write(l->fd, &l->byte, 1) == 1, "delayed write", l->fd, errno);
	return NULL;
}

/* blocking_read: a read of rd blocks until another thread writes byte to wr. */
static void blocking_read(const char *what, int rd, int wr, char byte)
{
	struct later l = { wr, byte };
	pthread_t t;
	char c = 0;
	ssize_t n;

	if (pthread_create(&t, NULL, write_later, &l) != 0) {
		check(0, "pthread_create", 0, 0);
		return;
	}
	n = read(rd, &c, 1);
	printf("%s: %zd byte '%c'\n", what, n, n == 1 ? c : '?');
	check(n == 1 && c == byte, what, (long)n, c);
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
}

static void *drain_later(void *arg)
{
	static char buf[CHUNK];
	int fd = (int)(intptr_t)arg;

	usleep(SETTLE_US);	/* lets the writer block first: not a verdict */
	check(read(fd, buf, sizeof(buf)) == CHUNK, "delayed drain", fd, errno);
	return NULL;
}

/* blocking_write: a write to the full pipe wr blocks until another thread reads rd. */
static void blocking_write(int rd, int wr)
{
	static char buf[CHUNK];
	pthread_t t;
	ssize_t n;

	if (pthread_create(&t, NULL, drain_later, (void *)(intptr_t)rd) != 0) {
		check(0, "pthread_create", 0, 0);
		return;
	}
	n = write(wr, buf, sizeof(buf));
	printf("blocking write to the full pipe after clearing O_NONBLOCK: %zd bytes\n", n);
	check(n == CHUNK, "blocking write", (long)n, CHUNK);
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
}

static void pipes(void)
{
	int p[2], d, q[2];
	long written = 0, cap;
	ssize_t n;
	static char buf[CHUNK];

	check(pipe(p) == 0, "pipe", errno, 0);
	blocking_read("pipe(): blocking read", p[0], p[1], 'a');
	show_flags("pipe() read end after a blocking read", p[0], 0);
	show_flags("pipe() write end after a write", p[1], 0);

	set_nonblock(p[0], 1);
	show_flags("read end after F_SETFL O_NONBLOCK", p[0], 1);
	expect_eagain("read of the empty non-blocking pipe", p[0]);
	d = dup(p[0]);
	check(d >= 0, "dup", errno, 0);
	show_flags("its dup", d, 1);
	expect_eagain("read through the dup", d);
	set_nonblock(d, 0);
	show_flags("read end after F_SETFL without O_NONBLOCK on the dup", p[0], 0);
	blocking_read("blocking read after clearing O_NONBLOCK", p[0], p[1], 'b');
	check(close(d) == 0, "close dup", errno, 0);

	set_nonblock(p[1], 1);
	show_flags("write end after F_SETFL O_NONBLOCK", p[1], 1);
	cap = fcntl(p[1], F_GETPIPE_SZ);
	memset(buf, 'f', sizeof(buf));
	while ((n = write(p[1], buf, sizeof(buf))) > 0)
		written += n;
	printf("non-blocking write end: filled %s capacity, then %s\n",
	       written == cap ? "exactly the pipe's" : "NOT the pipe's", errname(errno));
	check(written == cap && n == -1 && errno == EAGAIN, "fill to capacity", written, cap);
	set_nonblock(p[1], 0);
	blocking_write(p[0], p[1]);
	check(close(p[0]) == 0 && close(p[1]) == 0, "close", errno, 0);

	check(pipe2(q, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2", errno, 0);
	show_flags("pipe2(O_NONBLOCK) read end", q[0], 1);
	show_flags("pipe2(O_NONBLOCK) write end", q[1], 1);
	expect_eagain("read of the empty pipe2 pipe", q[0]);
	set_nonblock(q[0], 0);
	blocking_read("pipe2 read end after clearing O_NONBLOCK", q[0], q[1], 'c');
	check(close(q[0]) == 0 && close(q[1]) == 0, "close", errno, 0);
}

static void unix_sockets(void)
{
	int sv[2];
	char c;
	ssize_t n;

	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair", errno, 0);
	show_flags("socketpair()", sv[0], 0);
	errno = 0;
	n = recv(sv[0], &c, 1, MSG_DONTWAIT);
	printf("recv(MSG_DONTWAIT) on a blocking socket: %zd, %s\n", n, errname(n < 0 ? errno : 0));
	check(n == -1 && errno == EAGAIN, "recv MSG_DONTWAIT", (long)n, errno);
	show_flags("socket after recv(MSG_DONTWAIT)", sv[0], 0);
	blocking_read("blocking read of the socket", sv[0], sv[1], 'd');
	set_nonblock(sv[0], 1);
	show_flags("socket after F_SETFL O_NONBLOCK", sv[0], 1);
	expect_eagain("read of the empty non-blocking socket", sv[0]);
	check(close(sv[0]) == 0 && close(sv[1]) == 0, "close", errno, 0);
}

static int tcp_listener(int flags, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	*addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, len) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
		printf("FAIL listen: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static int tcp_connect(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	check(fd >= 0 && connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0, "connect", fd,
	      errno);
	return fd;
}

/* wait_pending: poll until the listener has a connection to accept. */
static void wait_pending(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	check(poll(&p, 1, -1) == 1 && p.revents == POLLIN, "poll listener", p.revents, POLLIN);
}

static void tcp_sockets(void)
{
	struct sockaddr_in addr;
	struct pollfd pw;
	int lfd = tcp_listener(SOCK_NONBLOCK, &addr), c1, c2, c3, a1, a2, one = 1, zero = 0, err = -1, r;
	socklen_t len = sizeof(err);

	show_flags("socket(SOCK_NONBLOCK) listener", lfd, 1);
	errno = 0;
	r = accept(lfd, NULL, NULL);
	printf("accept with nothing pending: %d, %s\n", r, errname(r < 0 ? errno : 0));
	check(r == -1 && errno == EAGAIN, "accept on empty non-blocking listener", r, errno);

	c1 = tcp_connect(&addr);
	wait_pending(lfd);
	a1 = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	check(a1 >= 0, "accept4", a1, errno);
	show_flags("accept4(SOCK_NONBLOCK)", a1, 1);
	expect_eagain("read of the accept4 socket", a1);
	c2 = tcp_connect(&addr);
	wait_pending(lfd);
	a2 = accept(lfd, NULL, NULL);
	check(a2 >= 0, "accept", a2, errno);
	show_flags("accept() on a non-blocking listener", a2, 0);
	blocking_read("blocking read of the accepted socket", a2, c2, 'e');

	check(ioctl(c1, FIONBIO, &one) == 0, "FIONBIO 1", errno, 0);
	show_flags("connected socket after ioctl(FIONBIO, 1)", c1, 1);
	expect_eagain("read of the FIONBIO socket", c1);
	check(ioctl(c1, FIONBIO, &zero) == 0, "FIONBIO 0", errno, 0);
	show_flags("after ioctl(FIONBIO, 0)", c1, 0);
	blocking_read("blocking read after FIONBIO 0", c1, a1, 'f');

	c3 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	check(c3 >= 0, "socket", c3, errno);
	show_flags("socket(SOCK_NONBLOCK) client", c3, 1);
	r = connect(c3, (struct sockaddr *)&addr, sizeof(addr));
	/* Loopback may finish the handshake at once; either answer is native. */
	printf("non-blocking connect: %s\n", r == 0 || errno == EINPROGRESS ? "done or in progress" : "?");
	check(r == 0 || errno == EINPROGRESS, "non-blocking connect", r, errno);
	pw = (struct pollfd){ .fd = c3, .events = POLLOUT };
	check(poll(&pw, 1, -1) == 1 && pw.revents == POLLOUT, "poll connect", pw.revents, POLLOUT);
	check(getsockopt(c3, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, "SO_ERROR", err, 0);
	printf("connect completed: SO_ERROR %s\n", errname(err));
	expect_eagain("read of the non-blocking client", c3);
	show_flags("non-blocking client after all that", c3, 1);

	check(close(lfd) == 0 && close(c1) == 0 && close(c2) == 0 && close(c3) == 0 && close(a1) == 0 &&
		      close(a2) == 0,
	      "close", errno, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pipes();
	unix_sockets();
	tcp_sockets();
	return atomic_load(&nfail) != 0;
}
