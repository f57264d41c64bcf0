/* Inherited fds keep their file status flags: the flags of fds 0, 1 and 2 are recorded at
 * the start, both as F_GETFL reports them and as the kernel has them
 * (/proc/self/fdinfo/N, which goshim cannot dress up); then threads ping-pong through a
 * pipe and a socketpair, write lines to stdout and stderr with write(), and, when stdin is
 * a read-write fifo (as test/progs/run makes it for this program), read the line the
 * runner put there and block in read() on stdin until another thread writes to it (fd 0
 * is open for writing too). The kernel's flags are checked while that reader is blocked,
 * and both views at the end: nothing may have changed, in particular O_NONBLOCK must never
 * appear on a file description shared with the parent. The runner checks the same
 * descriptions again after the program has exited.
 * goshim-test: stdio-flags
 * goshim-test: sort */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum { ROUNDS = 1000, NWRITERS = 4, LINES = 200, SETTLE_US = 50000 };

static const char runner_line[] = "stdio-flags\n";

static atomic_int nfail;
static int user_flags[3], kernel_flags[3];

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 20) {
		/* write(), not stdio: stdout is written by several threads with write() */
		char buf[160];
		int n = snprintf(buf, sizeof(buf), "FAIL %s (%ld vs %ld)\n", what, a, b);

		if (write(1, buf, (size_t)n) != n)
			exit(3);
	}
}

static void say(const char *line)
{
	size_t len = strlen(line);

	check(write(1, line, len) == (ssize_t)len, "write to stdout", errno, 0);
}

/* fdinfo_flags: the "flags:" line of /proc/self/fdinfo/FD (octal), or -1. */
static int fdinfo_flags(int fd)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int in;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	n = read(in, buf, sizeof(buf) - 1);
	close(in);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "flags:");
	return p ? (int)strtol(p + 6, NULL, 8) : -1;
}

static void kernel_unchanged(const char *when)
{
	char what[96];

	for (int fd = 0; fd < 3; fd++) {
		int now = fdinfo_flags(fd);

		snprintf(what, sizeof(what), "kernel flags of fd %d changed %s", fd, when);
		check(now == kernel_flags[fd], what, now, kernel_flags[fd]);
		snprintf(what, sizeof(what), "kernel O_NONBLOCK on fd %d %s", fd, when);
		check(!(now & O_NONBLOCK) || (kernel_flags[fd] & O_NONBLOCK), what, now, kernel_flags[fd]);
	}
}

static int pp[2][2], sv[2];

static void *ponger(void *arg)
{
	uint32_t v;

	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		check(read(pp[0][0], &v, sizeof(v)) == sizeof(v) && v == (uint32_t)i, "pipe pong", v, i);
		v++;
		check(write(pp[1][1], &v, sizeof(v)) == sizeof(v), "pipe pong write", errno, 0);
		check(read(sv[1], &v, sizeof(v)) == sizeof(v) && v == (uint32_t)i, "socket pong", v, i);
		check(write(sv[1], &v, sizeof(v)) == sizeof(v), "socket pong write", errno, 0);
	}
	return NULL;
}

static void *writer(void *arg)
{
	long w = (long)(intptr_t)arg;
	char line[64];

	for (int i = 0; i < LINES; i++) {
		int n = snprintf(line, sizeof(line), "writer %ld line %03d\n", w, i);

		check(write(i % 10 ? 1 : 2, line, (size_t)n) == n, "write a line", errno, 0);
	}
	return NULL;
}

static void work(void)
{
	pthread_t t, w[NWRITERS];
	uint32_t v;

	check(pipe(pp[0]) == 0 && pipe(pp[1]) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0,
	      "pipes", errno, 0);
	check(pthread_create(&t, NULL, ponger, NULL) == 0, "pthread_create", 0, 0);
	for (long i = 0; i < NWRITERS; i++)
		check(pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i) == 0, "pthread_create", i, 0);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		v = i;
		check(write(pp[0][1], &v, sizeof(v)) == sizeof(v), "ping write", errno, 0);
		check(read(pp[1][0], &v, sizeof(v)) == sizeof(v) && v == i + 1, "ping", v, i + 1);
		v = i;
		check(write(sv[0], &v, sizeof(v)) == sizeof(v), "socket ping write", errno, 0);
		check(read(sv[0], &v, sizeof(v)) == sizeof(v) && v == i, "socket ping", v, i);
	}
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
	for (int i = 0; i < NWRITERS; i++)
		check(pthread_join(w[i], NULL) == 0, "pthread_join", i, 0);
	say("pipe and socketpair ping-pong done, writers done\n");
}

static void *stdin_reader(void *arg)
{
	char c = 0;

	(void)arg;
	return (void *)(intptr_t)(read(0, &c, 1) == 1 ? c : -1);
}

/* read_stdin: the runner's line, then a read() blocked on stdin until main writes to it. */
static void read_stdin(void)
{
	char line[sizeof(runner_line)] = { 0 };
	size_t got = 0, want = sizeof(runner_line) - 1;
	pthread_t t;
	void *r = NULL;
	ssize_t n;

	while (got < want && (n = read(0, line + got, want - got)) > 0)
		got += (size_t)n;
	check(strcmp(line, runner_line) == 0, "the runner's line on stdin", (long)got, 0);
	check(pthread_create(&t, NULL, stdin_reader, NULL) == 0, "pthread_create", 0, 0);
	usleep(SETTLE_US);	/* lets the reader block first: not a verdict */
	kernel_unchanged("while a thread is blocked reading stdin");
	check(write(0, "z", 1) == 1, "write to stdin", errno, 0);
	check(pthread_join(t, &r) == 0, "pthread_join", 0, 0);
	check((intptr_t)r == 'z', "blocked stdin read", (long)(intptr_t)r, 'z');
	say("stdin: a read-write fifo; read the runner's line; a blocked read was woken\n");
}

static void show(int fd)
{
	static const char *const modes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "?" };
	int fl = fcntl(fd, F_GETFL);
	char line[128], what[64];

	snprintf(what, sizeof(what), "F_GETFL of fd %d changed", fd);
	check(fl == user_flags[fd], what, fl, user_flags[fd]);
	snprintf(line, sizeof(line), "fd %d: %s%s%s, %s\n", fd, modes[fl & O_ACCMODE],
		 fl & O_NONBLOCK ? "|O_NONBLOCK" : "", fl & O_APPEND ? "|O_APPEND" : "",
		 fl == user_flags[fd] ? "unchanged" : "CHANGED");
	say(line);
}

int main(void)
{
	struct stat st;

	for (int fd = 0; fd < 3; fd++) {
		user_flags[fd] = fcntl(fd, F_GETFL);
		kernel_flags[fd] = fdinfo_flags(fd);
		if (user_flags[fd] < 0 || kernel_flags[fd] < 0) {
			printf("FAIL fd %d is not open\n", fd);
			return 1;
		}
	}
	work();
	kernel_unchanged("after the threads' work");
	if (fstat(0, &st) == 0 && S_ISFIFO(st.st_mode) && (user_flags[0] & O_ACCMODE) == O_RDWR)
		read_stdin();
	else
		say("stdin: not a read-write fifo, not read\n");
	kernel_unchanged("at the end");
	for (int fd = 0; fd < 3; fd++)
		show(fd);
	return atomic_load(&nfail) != 0;
}
