/* A thread blocked in read() keeps reading the file it started on, as the kernel does,
 * when another thread reuses the fd number under it: close() the fd and create a new pipe
 * (or socketpair), which gets the same number; or dup2() another pipe over the fd. Data
 * written to the new file must not reach the blocked reader: it stays in the new file,
 * where the fd number now reads it. Data written to the original file's write end (kept
 * open) then completes the blocked read. Each step's outcome is printed. The reader is let
 * block first: natively main waits until the reader's thread sleeps in the kernel; then a
 * short sleep, not a verdict. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { SETTLE_US = 50000, STATE_TRIES = 500, JOIN_SECONDS = 10 };

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

struct reader {
	int fd;
	atomic_int tid;		/* set just before the read */
	sem_t started;		/* posted just before the read */
	atomic_int done;	/* set when the read returned */
	char buf[16];
	long n;
};

static void *reader(void *arg)
{
	struct reader *r = arg;

	atomic_store(&r->tid, gettid());
	sem_post(&r->started);
	r->n = read(r->fd, r->buf, sizeof(r->buf) - 1);
	atomic_store(&r->done, 1);
	return NULL;
}

/* thread_state: the state letter in /proc/self/task/TID/stat, or '?'. */
static char thread_state(int tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* start_reader: starts r's thread and lets it block in read(). Natively the thread's
 * state is S only in read(); under goshim its OS thread may be doing other work, hence the
 * bounded wait. */
static pthread_t start_reader(struct reader *r, int fd)
{
	pthread_t t;
	int tid;

	r->fd = fd;
	if (sem_init(&r->started, 0, 0) != 0 || pthread_create(&t, NULL, reader, r) != 0) {
		printf("FAIL pthread_create\n");
		exit(1);
	}
	while (sem_wait(&r->started) != 0)
		;
	tid = atomic_load(&r->tid);
	for (int i = 0; i < STATE_TRIES && thread_state(tid) != 'S'; i++)
		usleep(1000);
	usleep(SETTLE_US);
	return t;
}

/* new_file_keeps: data written to the new file stays there, read back through fd. */
static void new_file_keeps(struct reader *r, int fd, int new_wr)
{
	char buf[8] = { 0 };
	int avail = -1;

	check(write(new_wr, "new", 3) == 3, "write to the new file", errno, 0);
	usleep(SETTLE_US);	/* gives a wrongly woken reader time to take it: not a verdict */
	printf("  blocked reader still blocked after a write to the new file: %s\n",
	       atomic_load(&r->done) ? "no" : "yes");
	check(!atomic_load(&r->done), "reader returned", (long)r->n, 0);
	check(ioctl(fd, FIONREAD, &avail) == 0, "FIONREAD", errno, 0);
	printf("  bytes waiting in the new file: %d\n", avail);
	check(avail == 3, "bytes in the new file", avail, 3);
	if (avail == 3) {
		check(read(fd, buf, 3) == 3, "read the new file", errno, 0);
		printf("  the fd number reads the new file: \"%s\"\n", buf);
		check(strcmp(buf, "new") == 0, "new file's data", buf[0], 'n');
	}
}

/* old_file_delivers: data written to the original file completes the blocked read. */
static void old_file_delivers(struct reader *r, pthread_t t, int old_wr, int new_wr)
{
	struct timespec deadline;

	check(write(old_wr, "old", 3) == 3, "write to the original file", errno, 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_SECONDS;	/* a safety net only */
	if (pthread_timedjoin_np(t, NULL, &deadline) != 0) {
		check(0, "blocked reader did not return after the write to its file, seconds", JOIN_SECONDS, 0);
		check(write(new_wr, "xxx", 3) == 3, "release the reader", errno, 0);
		pthread_join(t, NULL);
	}
	r->buf[r->n > 0 ? r->n : 0] = 0;
	printf("  after a write to the original file the blocked read returned %ld: \"%s\"\n", r->n,
	       r->buf);
	check(r->n == 3 && strcmp(r->buf, "old") == 0, "blocked read's data", r->n, 3);
}

static void close_and_reuse(const char *kind, int use_socket)
{
	static struct reader r;
	int a[2], b[2], ok;
	pthread_t t;

	memset(&r, 0, sizeof(r));
	ok = use_socket ? socketpair(AF_UNIX, SOCK_STREAM, 0, a) : pipe(a);
	check(ok == 0, kind, errno, 0);
	printf("%s: close() under a blocked reader, then a new %s\n", kind, kind);
	t = start_reader(&r, a[0]);
	check(close(a[0]) == 0, "close the reader's fd", errno, 0);
	ok = use_socket ? socketpair(AF_UNIX, SOCK_STREAM, 0, b) : pipe(b);
	check(ok == 0, kind, errno, 0);
	printf("  new %s reuses the fd number: %s\n", kind, b[0] == a[0] ? "yes" : "no");
	check(b[0] == a[0], "fd number reused", b[0], a[0]);
	new_file_keeps(&r, b[0], b[1]);
	old_file_delivers(&r, t, a[1], b[1]);
	check(close(a[1]) == 0 && close(b[0]) == 0 && close(b[1]) == 0, "close", errno, 0);
}

static void dup2_over(void)
{
	static struct reader r;
	int c[2], d[2];
	pthread_t t;

	memset(&r, 0, sizeof(r));
	check(pipe(c) == 0 && pipe(d) == 0, "pipe", errno, 0);
	printf("pipe: dup2() of another pipe over a blocked reader's fd\n");
	t = start_reader(&r, c[0]);
	check(dup2(d[0], c[0]) == c[0], "dup2", errno, 0);
	new_file_keeps(&r, c[0], d[1]);
	old_file_delivers(&r, t, c[1], d[1]);
	check(close(c[0]) == 0 && close(c[1]) == 0 && close(d[0]) == 0 && close(d[1]) == 0, "close",
	      errno, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	close_and_reuse("pipe", 0);
	close_and_reuse("socketpair", 1);
	dup2_over();
	return atomic_load(&nfail) != 0;
}
