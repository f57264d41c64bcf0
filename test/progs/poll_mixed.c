/* poll(), ppoll(), select() and pselect() over a mix of fds this program created (pipes,
 * an AF_UNIX socketpair), an inherited fd (stdin, /dev/null in the runner: always readable)
 * and fds that cannot be waited on in epoll (/dev/null opened here, a regular file): exact
 * revents and fd_set results with timeout 0; a small timeout that expires (result 0,
 * select's timeval run down to 0, and at least the timeout elapsed); blocking calls woken
 * by another thread's write, close or shutdown; a blocking poll that must return at once
 * because the inherited stdin is ready; EBADF and POLLNVAL for a closed fd; 8 threads
 * blocked in poll() at once, each on its own pipe. Wake-ups are a flag handshake followed
 * by a short sleep that only makes it likely the poller is already blocked. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

enum { NPOLLERS = 8, SETTLE_US = 20000 };

static atomic_int nfail;
static int pp[2], sp[2], devnull, regfile, closed_fd;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 20) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static const char *events_name(short ev)
{
	static const struct {
		short bit;
		const char *name;
	} bits[] = { { POLLIN, "IN" },	 { POLLPRI, "PRI" }, { POLLOUT, "OUT" },	{ POLLERR, "ERR" },
		     { POLLHUP, "HUP" }, { POLLNVAL, "NVAL" }, { POLLRDHUP, "RDHUP" } };
	static char buf[64];

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (ev & bits[i].bit)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? "|" : "",
				 bits[i].name);
	return buf[0] ? buf : "-";
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

struct watch {
	const char *name;
	int fd;
	short events, want;
};

/* report: prints and checks one poll result against the wanted revents. */
static void report(const char *call, int ret, struct pollfd *p, const struct watch *w, int n)
{
	int want = 0;

	for (int i = 0; i < n; i++)
		want += w[i].want != 0;
	printf("%s: returned %d\n", call, ret);
	check(ret == want, call, ret, want);
	for (int i = 0; i < n; i++) {
		printf("  %s: %s\n", w[i].name, events_name(p[i].revents));
		check(p[i].revents == w[i].want, w[i].name, p[i].revents, w[i].want);
	}
}

static int do_poll(const char *call, const struct watch *w, int n, int timeout)
{
	struct pollfd p[16];
	int ret;

	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = w[i].fd, .events = w[i].events, .revents = 0x5a5a };
	ret = poll(p, (nfds_t)n, timeout);
	report(call, ret, p, w, n);
	return ret;
}

/* The delayed action another thread runs once the poller says it is about to block. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int polling;	/* mu */

struct action {
	void (*fn)(int fd);
	int fd;
};

static void *later(void *arg)
{
	struct action *a = arg;

	pthread_mutex_lock(&mu);
	while (!polling)
		pthread_cond_wait(&cv, &mu);
	polling = 0;
	pthread_mutex_unlock(&mu);
	usleep(SETTLE_US);	/* lets the poller block first: not a verdict */
	a->fn(a->fd);
	return NULL;
}

static pthread_t start_later(struct action *a)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, later, a);

	check(err == 0, "pthread_create", err, 0);
	if (err != 0)
		exit(1);
	return t;
}

static void about_to_block(void)
{
	pthread_mutex_lock(&mu);
	polling = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

static void write_byte(int fd)
{
	check(write(fd, "x", 1) == 1, "write a byte", fd, errno);
}

static void drain_byte(int fd)
{
	char c;

	check(read(fd, &c, 1) == 1 && c == 'x', "read the byte back", fd, errno);
}

static void close_fd(int fd)
{
	check(close(fd) == 0, "close", fd, errno);
}

static void shut_wr(int fd)
{
	check(shutdown(fd, SHUT_WR) == 0, "shutdown", fd, errno);
}

/* blocking_poll: poll(-1) on w while another thread runs fn(fd). */
static void blocking_poll(const char *call, const struct watch *w, int n, void (*fn)(int), int fd)
{
	struct action a = { fn, fd };
	pthread_t t = start_later(&a);

	about_to_block();
	do_poll(call, w, n, -1);
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
}

static void make_fds(void)
{
	char path[] = "/tmp/goshim-poll_mixed-XXXXXX";

	regfile = mkstemp(path);
	if (pipe(pp) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0 || regfile < 0 ||
	    (devnull = open("/dev/null", O_RDWR)) < 0 || (closed_fd = dup(0)) < 0 ||
	    close(closed_fd) != 0) {
		printf("FAIL creating fds: %s\n", strerror(errno));
		exit(1);
	}
	check(unlink(path) == 0, "unlink", errno, 0);
}

static void polls(void)
{
	struct timespec t0, ts = { 0, 30 * 1000000 };
	struct watch all[] = {
		{ "pipe read end", pp[0], POLLIN, 0 },
		{ "pipe write end", pp[1], POLLOUT, POLLOUT },
		{ "socket", sp[0], POLLIN | POLLOUT, POLLOUT },
		{ "stdin", 0, POLLIN, POLLIN },
		{ "/dev/null", devnull, POLLIN | POLLOUT, POLLIN | POLLOUT },
		{ "regular file", regfile, POLLIN | POLLOUT, POLLIN | POLLOUT },
		{ "negative fd", -1, POLLIN, 0 },
		{ "closed fd", closed_fd, POLLIN, POLLNVAL },
	};
	struct watch quiet[] = { { "pipe read end", pp[0], POLLIN, 0 }, { "socket", sp[0], POLLIN, 0 } };
	struct watch two[] = { { "pipe read end", pp[0], POLLIN, POLLIN },
			       { "socket", sp[0], POLLIN, 0 } };
	struct watch two_sock[] = { { "pipe read end", pp[0], POLLIN, 0 },
				    { "socket", sp[0], POLLIN, POLLIN } };
	struct watch with_stdin[] = { { "pipe read end", pp[0], POLLIN, 0 },
				      { "stdin", 0, POLLIN, POLLIN } };
	struct pollfd p[2];
	long ms;
	int ret;

	do_poll("poll timeout 0", all, 8, 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do_poll("poll timeout 50 ms", quiet, 2, 50);
	ms = ms_since(&t0);
	check(ms >= 49, "poll timeout 50 ms returned early, ms", ms, 50);

	for (int i = 0; i < 2; i++)
		p[i] = (struct pollfd){ .fd = quiet[i].fd, .events = quiet[i].events, .revents = 0x5a5a };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = ppoll(p, 2, &ts, NULL);
	ms = ms_since(&t0);
	report("ppoll timeout 30 ms", ret, p, quiet, 2);
	check(ms >= 29, "ppoll timeout 30 ms returned early, ms", ms, 30);

	blocking_poll("poll woken by a pipe write", two, 2, write_byte, pp[1]);
	drain_byte(pp[0]);
	blocking_poll("poll woken by a socket write", two_sock, 2, write_byte, sp[1]);
	drain_byte(sp[0]);
	do_poll("poll -1 with stdin ready", with_stdin, 2, -1);
}

static void hangups(void)
{
	struct watch pipe_hup[] = { { "pipe read end", pp[0], POLLIN, POLLHUP } };
	struct watch sock_rdhup[] = { { "socket", sp[0], POLLIN | POLLRDHUP, POLLIN | POLLRDHUP } };
	struct watch sock_hup[] = { { "socket", sp[0], POLLIN | POLLRDHUP | POLLOUT,
				      POLLIN | POLLRDHUP | POLLOUT | POLLHUP } };
	struct watch pipe_err[1];
	int q[2];

	blocking_poll("poll woken by closing the pipe's write end", pipe_hup, 1, close_fd, pp[1]);
	blocking_poll("poll woken by the peer's shutdown(SHUT_WR)", sock_rdhup, 1, shut_wr, sp[1]);
	close_fd(sp[1]);
	do_poll("poll after the peer closed", sock_hup, 1, 0);
	close_fd(pp[0]);
	close_fd(sp[0]);

	if (pipe(q) != 0) {
		check(0, "pipe", errno, 0);
		return;
	}
	pipe_err[0] = (struct watch){ "pipe write end", q[1], POLLOUT, POLLOUT | POLLERR };
	close_fd(q[0]);
	do_poll("poll pipe write end without a reader", pipe_err, 1, 0);
	close_fd(q[1]);
}

static void print_set(const char *name, fd_set *set, const int *fds, const char *const *names,
		      int n)
{
	printf("  %s:", name);
	for (int i = 0; i < n; i++)
		if (FD_ISSET(fds[i], set))
			printf(" %s", names[i]);
	printf("\n");
}

/* select_report: prints the sets and checks them against the wanted bit masks (bit i for
 * fds[i]). */
static void select_report(const char *call, int ret, fd_set *rd, fd_set *wr, const int *fds,
			  const char *const *names, int n, unsigned want_rd, unsigned want_wr)
{
	int want = __builtin_popcount(want_rd) + __builtin_popcount(want_wr);

	printf("%s: returned %d\n", call, ret);
	check(ret == want, call, ret, want);
	print_set("readable", rd, fds, names, n);
	print_set("writable", wr, fds, names, n);
	for (int i = 0; i < n; i++) {
		check(!!FD_ISSET(fds[i], rd) == !!(want_rd & 1u << i), names[i], i, 'r');
		check(!!FD_ISSET(fds[i], wr) == !!(want_wr & 1u << i), names[i], i, 'w');
	}
}

static void fill_sets(fd_set *rd, fd_set *wr, const int *fds, int n, unsigned rd_mask,
		      unsigned wr_mask)
{
	FD_ZERO(rd);
	FD_ZERO(wr);
	for (int i = 0; i < n; i++) {
		if (rd_mask & 1u << i)
			FD_SET(fds[i], rd);
		if (wr_mask & 1u << i)
			FD_SET(fds[i], wr);
	}
}

static void *write_later(void *arg)
{
	struct action a = { write_byte, (int)(intptr_t)arg };

	return later(&a);
}

static void selects(void)
{
	int fds[] = { pp[0], pp[1], sp[0], 0, devnull, regfile };
	const char *const names[] = { "pipe-read", "pipe-write", "socket", "stdin", "/dev/null", "file" };
	struct timeval tv;
	struct timespec t0, ts;
	fd_set rd, wr;
	pthread_t t;
	sigset_t mask;
	long ms;
	int ret, maxfd = 0;

	for (int i = 0; i < 6; i++)
		maxfd = fds[i] > maxfd ? fds[i] : maxfd;
	fill_sets(&rd, &wr, fds, 6, 0x3d, 0x36);
	tv = (struct timeval){ 0, 0 };
	ret = select(maxfd + 1, &rd, &wr, NULL, &tv);
	select_report("select timeout 0", ret, &rd, &wr, fds, names, 6, 0x38, 0x36);

	fill_sets(&rd, &wr, fds, 3, 0x5, 0);
	tv = (struct timeval){ 0, 30000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = select(maxfd + 1, &rd, &wr, NULL, &tv);
	ms = ms_since(&t0);
	select_report("select timeout 30 ms", ret, &rd, &wr, fds, names, 3, 0, 0);
	printf("  timeval left: %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
	check(tv.tv_sec == 0 && tv.tv_usec == 0, "select timeval left (us)", tv.tv_usec, 0);
	check(ms >= 29, "select timeout 30 ms returned early, ms", ms, 30);

	fill_sets(&rd, &wr, fds, 3, 0x5, 0);
	check(pthread_create(&t, NULL, write_later, (void *)(intptr_t)pp[1]) == 0, "pthread_create", 0, 0);
	about_to_block();
	ret = select(maxfd + 1, &rd, &wr, NULL, NULL);
	select_report("select woken by a pipe write", ret, &rd, &wr, fds, names, 3, 0x1, 0);
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
	drain_byte(pp[0]);

	fill_sets(&rd, &wr, fds, 3, 0x5, 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	check(pthread_create(&t, NULL, write_later, (void *)(intptr_t)sp[1]) == 0, "pthread_create", 0, 0);
	about_to_block();
	ts = (struct timespec){ 30, 0 };	/* a safety net, never reached */
	ret = pselect(maxfd + 1, &rd, &wr, NULL, &ts, &mask);
	select_report("pselect woken by a socket write", ret, &rd, &wr, fds, names, 3, 0x4, 0);
	check(pthread_join(t, NULL) == 0, "pthread_join", 0, 0);
	drain_byte(sp[0]);

	FD_ZERO(&rd);
	FD_SET(pp[0], &rd);
	FD_SET(closed_fd, &rd);
	tv = (struct timeval){ 0, 0 };
	errno = 0;
	ret = select((closed_fd > pp[0] ? closed_fd : pp[0]) + 1, &rd, NULL, NULL, &tv);
	printf("select with a closed fd: %d, %s\n", ret, errno == EBADF ? "EBADF" : strerror(errno));
	check(ret == -1 && errno == EBADF, "select with a closed fd", ret, errno);
}

static int poller_pipes[NPOLLERS][2];
static atomic_int pollers_ready;

static void *poller(void *arg)
{
	long i = (long)(intptr_t)arg;
	struct pollfd p = { .fd = poller_pipes[i][0], .events = POLLIN };
	char c = 0;
	int ret;

	atomic_fetch_add(&pollers_ready, 1);
	ret = poll(&p, 1, -1);
	check(ret == 1 && p.revents == POLLIN, "poller woken", i, p.revents);
	check(read(p.fd, &c, 1) == 1 && c == 'a' + i, "poller read", i, c);
	return NULL;
}

static void many_pollers(void)
{
	pthread_t t[NPOLLERS];

	for (long i = 0; i < NPOLLERS; i++) {
		if (pipe(poller_pipes[i]) != 0 ||
		    pthread_create(&t[i], NULL, poller, (void *)(intptr_t)i) != 0) {
			check(0, "pipe or pthread_create", i, errno);
			exit(1);
		}
	}
	while (atomic_load(&pollers_ready) < NPOLLERS)
		usleep(1000);
	usleep(SETTLE_US);	/* lets them block in poll: not a verdict */
	for (long i = NPOLLERS - 1; i >= 0; i--) {
		char c = (char)('a' + i);

		check(write(poller_pipes[i][1], &c, 1) == 1, "write to poller", i, errno);
	}
	for (int i = 0; i < NPOLLERS; i++) {
		check(pthread_join(t[i], NULL) == 0, "pthread_join poller", i, 0);
		check(close(poller_pipes[i][0]) == 0 && close(poller_pipes[i][1]) == 0, "close", i, 0);
	}
	printf("%d threads blocked in poll at once: each woken by its own pipe\n", NPOLLERS);
}

int main(void)
{
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fstat(0, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		printf("FAIL stdin is not /dev/null: run this with </dev/null, as test/progs/run does\n");
		return 1;
	}
	make_fds();
	polls();
	selects();
	hangups();
	many_pollers();
	return atomic_load(&nfail) != 0;
}
