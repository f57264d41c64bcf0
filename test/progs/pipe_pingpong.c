/* Blocking pipes and sockets between threads: 10,000 ping-pong round trips of a counter
 * through two pipes, checked at each hop; the same through an AF_UNIX stream socketpair;
 * then a writer puts 1 MiB into a pipe in 64 KiB write()s, which must each return the full
 * 64 KiB, while a reader drains it in small odd-sized reads (so the writer finds the pipe
 * full again and again) and checks every byte and a checksum. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { ROUNDS = 10000, CHUNK = 64 * 1024, TOTAL = 1024 * 1024, SMALL_READ = 1021 };

static atomic_int nfail;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

/* A ping-pong channel: the pinger writes to out[1] and reads in[0]; the ponger the other
 * way round. For a socketpair both are the same pair. */
struct channel {
	int ping_rd, ping_wr;	/* pinger's ends */
	int pong_rd, pong_wr;	/* ponger's ends */
	const char *name;
};

static int read_u32(int fd, uint32_t *v)
{
	size_t got = 0;

	while (got < sizeof(*v)) {
		ssize_t n = read(fd, (char *)v + got, sizeof(*v) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int write_u32(int fd, uint32_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static void *ponger(void *arg)
{
	struct channel *ch = arg;
	uint32_t v;

	for (uint32_t i = 0; i < ROUNDS; i++) {
		if (read_u32(ch->pong_rd, &v) != 0) {
			check(0, "ponger read", (long)i, errno);
			return NULL;
		}
		check(v == 2 * i, "ponger got", v, 2 * i);
		check(write_u32(ch->pong_wr, v + 1) == 0, "ponger write", (long)i, errno);
	}
	return NULL;
}

static void pingpong(struct channel *ch)
{
	pthread_t t;
	uint32_t v, last = 0;
	int err = pthread_create(&t, NULL, ponger, ch);

	check(err == 0, "pthread_create ponger", err, 0);
	if (err != 0)
		return;
	for (uint32_t i = 0; i < ROUNDS; i++) {
		check(write_u32(ch->ping_wr, 2 * i) == 0, "pinger write", (long)i, errno);
		if (read_u32(ch->ping_rd, &v) != 0) {
			check(0, "pinger read", (long)i, errno);
			break;
		}
		check(v == 2 * i + 1, "pinger got", v, 2 * i + 1);
		last = v;
	}
	check(pthread_join(t, NULL) == 0, "pthread_join ponger", 0, 0);
	printf("%s ping-pong: %d round trips, last value %u\n", ch->name, ROUNDS, last);
}

static void pipe_pingpong(void)
{
	int a[2], b[2];
	struct channel ch;

	if (pipe(a) != 0 || pipe(b) != 0) {
		check(0, "pipe", errno, 0);
		return;
	}
	ch = (struct channel){ .ping_wr = a[1], .pong_rd = a[0], .pong_wr = b[1], .ping_rd = b[0],
			       .name = "pipe" };
	pingpong(&ch);
	for (int i = 0; i < 2; i++)
		check(close(a[i]) == 0 && close(b[i]) == 0, "close pipes", i, 0);
}

static void socket_pingpong(void)
{
	int sv[2];
	struct channel ch;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		check(0, "socketpair", errno, 0);
		return;
	}
	ch = (struct channel){ .ping_wr = sv[0], .ping_rd = sv[0], .pong_rd = sv[1], .pong_wr = sv[1],
			       .name = "socketpair" };
	pingpong(&ch);
	check(close(sv[0]) == 0 && close(sv[1]) == 0, "close socketpair", 0, 0);
}

static unsigned char pattern(long off)
{
	return (unsigned char)(off * 131 + (off >> 9) * 7 + (off >> 16));
}

static int bulk_pipe[2];

static void *bulk_writer(void *arg)
{
	static char buf[CHUNK];
	long off = 0, full = 0;

	(void)arg;
	for (int c = 0; c < TOTAL / CHUNK; c++) {
		ssize_t n;

		for (int i = 0; i < CHUNK; i++)
			buf[i] = (char)pattern(off + i);
		n = write(bulk_pipe[1], buf, CHUNK);
		check(n == CHUNK, "64 KiB write to a blocking pipe returned", n, CHUNK);
		if (n > 0)
			off += n;
		full += n == CHUNK;
	}
	check(close(bulk_pipe[1]) == 0, "close writer", errno, 0);
	return (void *)full;
}

/* bulk: the reader takes SMALL_READ bytes at a time, so the writer blocks on a full pipe
 * about 64 times per chunk. */
static void bulk(void)
{
	char buf[SMALL_READ];
	pthread_t t;
	uint64_t hash = 1469598103934665603ull;
	long off = 0, bad = -1;
	ssize_t n;
	void *full = NULL;
	int err;

	if (pipe(bulk_pipe) != 0) {
		check(0, "pipe", errno, 0);
		return;
	}
	err = pthread_create(&t, NULL, bulk_writer, NULL);
	check(err == 0, "pthread_create writer", err, 0);
	if (err != 0)
		return;
	while ((n = read(bulk_pipe[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			check(errno == EINTR, "bulk read", n, errno);
			if (errno != EINTR)
				break;
			continue;
		}
		for (ssize_t i = 0; i < n; i++, off++) {
			if ((unsigned char)buf[i] != pattern(off) && bad < 0)
				bad = off;
			hash = (hash ^ (unsigned char)buf[i]) * 1099511628211ull;
		}
	}
	check(pthread_join(t, &full) == 0, "pthread_join writer", 0, 0);
	check(close(bulk_pipe[0]) == 0, "close reader", errno, 0);
	check(bad < 0, "first wrong byte at offset", bad, 0);
	check(off == TOTAL, "bytes read", off, TOTAL);
	printf("bulk pipe: %ld full 64 KiB writes, %ld bytes read, FNV-1a %016llx\n",
	       (long)full, off, (unsigned long long)hash);
}

int main(void)
{
	pipe_pingpong();
	socket_pingpong();
	bulk();
	return atomic_load(&nfail) != 0;
}
