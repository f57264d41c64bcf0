/* Pipe and socketpair ends after dup and close: goshim wakes the reader of a pipe made by
 * the program as soon as the program writes to its other end, without waiting for epoll;
 * these are the cases where the end it remembers is no longer the one being read.
 *   - the read end is dup'ed and the original closed: a thread blocked reading the dup
 *     still gets every byte written (and end of file when the writer closes);
 *   - a new pipe, made right after that close, may reuse what goshim kept of the closed
 *     end: its reader, blocked while the old pipe carries traffic, must read only its own
 *     pipe's bytes, then end of file;
 *   - the same with a socketpair whose end is moved by dup2 onto another number.
 * Every byte is checked; the output is the same on every run. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { ROUNDS = 50, MSGS = 200 };

static int nfail;

static void check(int ok, const char *what, long a, long b)
{
	if (!ok && nfail++ < 10)
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
}

/* drain reads fd to end of file; returns the bytes read and their sum in *sum. */
static long drain(int fd, long *sum)
{
	unsigned char buf[37];
	long total = 0;
	ssize_t n;

	*sum = 0;
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			*sum += buf[i];
		total += n;
	}
	check(n == 0, "read ends with end of file", n, 0);
	return total;
}

struct reader {
	int fd;
	long total, sum;
};

static void *reader(void *arg)
{
	struct reader *r = arg;

	r->total = drain(r->fd, &r->sum);
	return NULL;
}

static void write_all(int fd, const void *p, size_t n)
{
	ssize_t w = write(fd, p, n);

	check(w == (ssize_t)n, "write", w, (long)n);
}

/* one_round: old pipe's read end moved to a dup; a new pipe made after the close. */
static void one_round(int round)
{
	int a[2], b[2];
	struct reader ra = { 0 }, rb = { 0 };
	pthread_t ta, tb;
	long want_a = 0, want_b = 0;

	if (pipe(a) != 0) {
		printf("FAIL pipe: %s\n", strerror(errno));
		return;
	}
	ra.fd = dup(a[0]);
	close(a[0]);
	if (pipe(b) != 0) {
		printf("FAIL pipe: %s\n", strerror(errno));
		return;
	}
	rb.fd = b[0];
	pthread_create(&ta, NULL, reader, &ra);
	pthread_create(&tb, NULL, reader, &rb);
	for (int i = 0; i < MSGS; i++) {
		unsigned char msg[3] = { (unsigned char)i, (unsigned char)round, 7 };

		write_all(a[1], msg, sizeof msg);
		want_a += msg[0] + msg[1] + msg[2];
		if (i % 50 == 49)
			usleep(100); /* let the readers block again */
	}
	write_all(b[1], "pipe b", 6);
	for (const char *p = "pipe b"; *p; p++)
		want_b += (unsigned char)*p;
	close(a[1]);
	close(b[1]);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	check(ra.total == MSGS * 3, "bytes through the dup", ra.total, MSGS * 3);
	check(ra.sum == want_a, "sum through the dup", ra.sum, want_a);
	check(rb.total == 6, "bytes through the new pipe", rb.total, 6);
	check(rb.sum == want_b, "sum through the new pipe", rb.sum, want_b);
	close(ra.fd);
	close(rb.fd);
}

/* socketpair_round: one end dup2'ed onto a spare number, then closed. */
static void socketpair_round(void)
{
	int sv[2], spare = dup(0);
	struct reader r = { 0 };
	pthread_t t;
	long want = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || spare < 0) {
		printf("FAIL socketpair: %s\n", strerror(errno));
		return;
	}
	dup2(sv[0], spare);
	close(sv[0]);
	r.fd = spare;
	pthread_create(&t, NULL, reader, &r);
	for (int i = 0; i < MSGS; i++) {
		unsigned char msg = (unsigned char)(i * 3);

		write_all(sv[1], &msg, 1);
		want += msg;
		if (i % 50 == 49)
			usleep(100);
	}
	shutdown(sv[1], SHUT_WR);
	pthread_join(t, NULL);
	check(r.total == MSGS, "bytes through dup2", r.total, MSGS);
	check(r.sum == want, "sum through dup2", r.sum, want);
	close(sv[1]);
	close(spare);
}

int main(void)
{
	for (int round = 0; round < ROUNDS; round++)
		one_round(round);
	socketpair_round();
	printf("%d rounds of %d messages, socketpair after dup2: %s\n", ROUNDS, MSGS,
	       nfail ? "FAILED" : "ok");
	return nfail != 0;
}
