/* A thread-per-connection TCP echo server on 127.0.0.1: an accept loop thread starts one
 * detached thread per connection, which read()s and write()s back until EOF. The clients
 * run in a child process (this program again, with "clients PORT COUNT"), so that each
 * process needs one fd per connection: a thread per connection that sends 3 messages of
 * 100 bytes of its own content and checks every echoed byte; after its first echo it waits
 * until every client has had its first echo, so all connections, and a thread blocked in
 * read() at each end of each, are alive at once. 10,000 connections under goshim
 * (LD_PRELOAD names libgoshim), 1,000 natively; an argument overrides the count. The
 * output does not depend on the count. Both processes raise RLIMIT_NOFILE to what the
 * count needs; every thread gets a 64 KiB stack. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { GOSHIM_CONNS = 10000, NATIVE_CONNS = 1000, NMSG = 3, MSGLEN = 100, BACKLOG = 4096,
       CONNECTING = 512, CONNECT_TRIES = 5, STACK = 64 * 1024, SPARE_FDS = 64 };

static long nconn;
static int listen_fd;
static char port_arg[16], count_arg[24];
static struct sockaddr_in server_addr;
static pthread_attr_t attr;
static sem_t connect_slots;	/* bounds connects in flight below the backlog */
static atomic_int nfail;
static atomic_long accepted, server_bytes, server_eofs, live, max_live;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long ready;		/* mu: clients past their first echo (or failed) */
static long servers_done;	/* mu: server threads that returned */

static void check(int ok, long id, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL conn %ld: %s (%ld vs %ld)\n", id, what, a, b);
		fflush(stdout);
	}
}

static long conns_wanted(int argc, char **argv)
{
	const char *preload = getenv("LD_PRELOAD");

	if (argc > 1)
		return strtol(argv[1], NULL, 10);
	return preload && strstr(preload, "libgoshim") ? GOSHIM_CONNS : NATIVE_CONNS;
}

/* raise_nofile: raises the soft limit to the hard one, after raising the hard one to need
 * if it is lower (which only a privileged process may). */
static int raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_max < (rlim_t)need) {
		struct rlimit up = { (rlim_t)need, (rlim_t)need };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return 0;
		printf("FAIL RLIMIT_NOFILE hard limit %lu < %ld fds needed for %ld connections "
		       "per process, and raising it failed: %s\n",
		       (unsigned long)rl.rlim_max, need, nconn, strerror(errno));
		return -1;
	}
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* The byte at offset off of message m of connection id. */
static char pattern(long id, int m, int off)
{
	return (char)(id * 7919 + m * 131 + off * 17 + (id >> 8));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read_full: len bytes, or fewer at EOF; -1 on error. */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void *server(void *arg)
{
	int fd = (int)(intptr_t)arg;
	long now = atomic_fetch_add(&live, 1) + 1, seen = atomic_load(&max_live);
	char buf[4096];
	ssize_t n;

	while (now > seen && !atomic_compare_exchange_weak(&max_live, &seen, now))
		;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		check(n > 0, fd, "server read", n, errno);
		if (n < 0 || write_all(fd, buf, (size_t)n) != 0) {
			check(0, fd, "server write", n, errno);
			break;
		}
		atomic_fetch_add(&server_bytes, n);
	}
	if (n == 0)
		atomic_fetch_add(&server_eofs, 1);
	check(close(fd) == 0, fd, "server close", errno, 0);
	atomic_fetch_sub(&live, 1);
	pthread_mutex_lock(&mu);
	if (++servers_done == atomic_load(&accepted))
		pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* acceptor: accepts nconn connections, or fewer if main shuts the socket down. */
static void *acceptor(void *arg)
{
	(void)arg;
	while (atomic_load(&accepted) < nconn) {
		pthread_t t;
		int fd = accept(listen_fd, NULL, NULL), err;

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			break;	/* main shut the listener down after a failed connect */
		pthread_mutex_lock(&mu);
		atomic_fetch_add(&accepted, 1);
		pthread_mutex_unlock(&mu);
		err = pthread_create(&t, &attr, server, (void *)(intptr_t)fd);
		check(err == 0, fd, "pthread_create server", err, 0);
		if (err != 0)
			exit(1);
		check(pthread_detach(t) == 0, fd, "pthread_detach", 0, 0);
	}
	return NULL;
}

static int connect_retry(long id)
{
	int err = 0;

	for (int try = 0; try < CONNECT_TRIES; try++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			check(0, id, "socket", errno, 0);
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&server_addr, sizeof(server_addr)) == 0)
			return fd;
		err = errno;
		close(fd);
		usleep(10000 * (try + 1));	/* back off, then try again: not a verdict */
	}
	check(0, id, "connect failed every try, last errno", err, CONNECT_TRIES);
	return -1;
}

/* all_ready: counts this client in and waits for every other one. */
static void all_ready(void)
{
	pthread_mutex_lock(&mu);
	if (++ready == nconn)
		pthread_cond_broadcast(&cv);
	while (ready < nconn)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

static void *client(void *arg)
{
	long id = (long)(intptr_t)arg;
	char out[MSGLEN], in[MSGLEN];
	int fd, m = 0;

	sem_wait(&connect_slots);
	fd = connect_retry(id);
	for (; fd >= 0 && m < NMSG; m++) {
		ssize_t n;

		for (int i = 0; i < MSGLEN; i++)
			out[i] = pattern(id, m, i);
		check(write_all(fd, out, MSGLEN) == 0, id, "client write", m, errno);
		n = read_full(fd, in, MSGLEN);
		check(n == MSGLEN, id, "client read", n, MSGLEN);
		check(n == MSGLEN && memcmp(in, out, MSGLEN) == 0, id, "echoed bytes", m, 0);
		if (m == 0) {
			sem_post(&connect_slots);
			all_ready();
		}
	}
	if (m == 0) {
		sem_post(&connect_slots);
		all_ready();
	}
	if (fd >= 0)
		check(close(fd) == 0, id, "client close", errno, 0);
	return NULL;
}

static int listen_local(void)
{
	socklen_t len = sizeof(server_addr);

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	server_addr.sin_port = 0;
	/* The kernel caps the backlog at /proc/sys/net/core/somaxconn; connects in flight
	 * are bounded by CONNECTING anyway. */
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&server_addr, len) != 0 ||
	    listen(listen_fd, BACKLOG) != 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&server_addr, &len) != 0) {
		printf("FAIL listen on 127.0.0.1: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_threads(void)
{
	if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, STACK) != 0) {
		printf("FAIL thread attributes\n");
		return -1;
	}
	return 0;
}

/* run_clients: the child process. Prints its own lines; its status is its verdict. */
static int run_clients(const char *port, const char *count)
{
	pthread_t *clients;
	int err;

	nconn = strtol(count, NULL, 10);
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	server_addr.sin_port = htons((uint16_t)strtol(port, NULL, 10));
	clients = calloc((size_t)nconn, sizeof(*clients));
	if (nconn < 1 || clients == NULL || raise_nofile(nconn + SPARE_FDS) != 0 ||
	    setup_threads() != 0 || sem_init(&connect_slots, 0, CONNECTING) != 0) {
		printf("FAIL client setup\n");
		return 1;
	}
	for (long i = 0; i < nconn; i++) {
		err = pthread_create(&clients[i], &attr, client, (void *)(intptr_t)i);
		check(err == 0, i, "pthread_create client", err, 0);
		if (err != 0)
			return 1;
	}
	for (long i = 0; i < nconn; i++)
		check(pthread_join(clients[i], NULL) == 0, i, "pthread_join client", 0, 0);
	if (atomic_load(&nfail) != 0)
		return 1;
	printf("clients ok: all connected at once, every echoed byte checked\n");
	return 0;
}

/* spawn_clients: runs the clients in a child, before this process has any thread. */
static pid_t spawn_clients(const char *argv0)
{
	pid_t pid;

	snprintf(port_arg, sizeof(port_arg), "%d", ntohs(server_addr.sin_port));
	snprintf(count_arg, sizeof(count_arg), "%ld", nconn);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(listen_fd);
		execl("/proc/self/exe", argv0, "clients", port_arg, count_arg, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		printf("FAIL fork: %s\n", strerror(errno));
	return pid;
}

int main(int argc, char **argv)
{
	pthread_t acc;
	pid_t pid;
	int err, status = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "clients") == 0)
		return run_clients(argv[2], argv[3]);
	nconn = conns_wanted(argc, argv);
	if (nconn < 1) {
		printf("FAIL bad connection count %ld\n", nconn);
		return 1;
	}
	if (raise_nofile(nconn + SPARE_FDS) != 0 || listen_local() != 0 || setup_threads() != 0)
		return 1;
	printf("listening on 127.0.0.1\n");
	pid = spawn_clients(argv[0]);
	if (pid < 0)
		return 1;
	err = pthread_create(&acc, &attr, acceptor, NULL);
	check(err == 0, -1, "pthread_create acceptor", err, 0);
	check(waitpid(pid, &status, 0) == pid, -1, "waitpid", errno, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, -1, "client process status", status, 0);
	if (atomic_load(&accepted) < nconn)
		shutdown(listen_fd, SHUT_RDWR);	/* wakes the acceptor waiting for them */
	check(pthread_join(acc, NULL) == 0, -1, "pthread_join acceptor", 0, 0);
	pthread_mutex_lock(&mu);
	while (servers_done < atomic_load(&accepted))
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	check(close(listen_fd) == 0, -1, "close listener", errno, 0);

	check(atomic_load(&accepted) == nconn, -1, "accepted", atomic_load(&accepted), nconn);
	check(atomic_load(&max_live) == nconn, -1, "server threads alive at once",
	      atomic_load(&max_live), nconn);
	check(atomic_load(&server_eofs) == nconn, -1, "server EOFs", atomic_load(&server_eofs), nconn);
	check(atomic_load(&server_bytes) == nconn * NMSG * MSGLEN, -1, "bytes echoed",
	      atomic_load(&server_bytes), nconn * NMSG * MSGLEN);
	if (atomic_load(&nfail) != 0)
		return 1;
	printf("server ok: all accepted, a thread per connection alive at once\n");
	printf("bytes echoed ok: %d messages of %d bytes per connection\n", NMSG, MSGLEN);
	printf("server threads saw EOF ok\n");
	return 0;
}
