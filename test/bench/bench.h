/* What every test/bench program shares: its scale argument, the clock, the exit on a
 * failed call, /proc/self/status, and child processes with deadlines (sleepers and echo
 * measure each case in a fresh process, so that a case that fails, hangs or crashes in
 * one mode costs only its own metrics). Each program prints "metric: value unit" lines
 * for scripts/bench. */
#ifndef GS_BENCH_H
#define GS_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *bench_name = "bench";

/* bench_scale reads the optional SCALE argument (default 1), exiting 2 on a bad one. */
static inline double bench_scale(int argc, char **argv, const char *name)
{
	double scale = 1.0;

	bench_name = name;
	if (argc > 2 || (argc == 2 && (scale = strtod(argv[1], NULL)) <= 0)) {
		fprintf(stderr, "usage: %s [SCALE]\n", name);
		exit(2);
	}
	return scale;
}

/* bench_scaled is n times scale, rounded, at least 1. */
static inline long bench_scaled(long n, double scale)
{
	long v = (long)((double)n * scale + 0.5);

	return v < 1 ? 1 : v;
}

static inline double bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* bench_check exits if a pthread-style call returned an error number. */
static inline void bench_check(int err, const char *what)
{
	if (err != 0) {
		fprintf(stderr, "%s: %s: %s\n", bench_name, what, strerror(err));
		exit(1);
	}
}

/* bench_status_kib returns FIELD (e.g. "VmHWM:") of /proc/self/status, in KiB. */
static inline long bench_status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (f == NULL) {
		fprintf(stderr, "%s: /proc/self/status: %s\n", bench_name, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0) {
			v = strtol(line + strlen(field), NULL, 10);
			break;
		}
	fclose(f);
	if (v < 0) {
		fprintf(stderr, "%s: no %s in /proc/self/status\n", bench_name, field);
		exit(1);
	}
	return v;
}

/* bench_raise_nofile raises the soft RLIMIT_NOFILE to the hard limit. */
static inline void bench_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		perror("getrlimit");
		exit(1);
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		perror("setrlimit");
		exit(1);
	}
}

/* A child process: its stdout is read line by line; its stderr is copied to ours, the last
 * line kept to explain a failure. */
struct bench_child {
	pid_t pid;
	int out, err;		/* read ends; -1 once at end of file */
	char buf[512];		/* stdout not yet returned as a line */
	size_t len;
	char ebuf[256];		/* the stderr line being read */
	size_t elen;
	char lasterr[256];	/* the last non-empty stderr line */
	bool reaped;		/* then ok and why are bench_child_end's answer */
	bool ok;
	char why[512];
};

/* bench_child_start runs this program with ARGV. NATIVE drops LD_PRELOAD from its
 * environment (it then runs without goshim whatever mode the caller is in); otherwise
 * it inherits the caller's mode. Only dup2 and execve run between fork and exec. */
static inline void bench_child_start(struct bench_child *c, char *const argv[], bool native)
{
	int out[2], err[2];
	size_t n = 0;
	char **envp;

	for (char **e = environ; *e != NULL; e++)
		n++;
	envp = calloc(n + 1, sizeof *envp);
	if (envp == NULL || pipe(out) != 0 || pipe(err) != 0 ||
	    fcntl(out[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(out[1], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(err[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(err[1], F_SETFD, FD_CLOEXEC) != 0) {
		perror("bench: child");
		exit(1);
	}
	n = 0;
	for (char **e = environ; *e != NULL; e++)
		if (!native || strncmp(*e, "LD_PRELOAD=", 11) != 0)
			envp[n++] = *e;
	fflush(NULL);
	memset(c, 0, sizeof *c);
	c->pid = fork();
	if (c->pid < 0) {
		perror("bench: fork");
		exit(1);
	}
	if (c->pid == 0) {
		if (dup2(out[1], 1) == 1 && dup2(err[1], 2) == 2)
			execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	free(envp);
	close(out[1]);
	close(err[1]);
	c->out = out[0];
	c->err = err[0];
}

/* bench_child_stderr copies N bytes of the child's stderr to ours, keeping its last line. */
static inline void bench_child_stderr(struct bench_child *c, const char *p, size_t n)
{
	if (write(2, p, n) < 0) {
		/* nowhere left to report it; the line is still kept for the FAIL reason */
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (c->elen < sizeof c->ebuf - 1)
				c->ebuf[c->elen++] = p[i];
			continue;
		}
		if (c->elen > 0) {
			memcpy(c->lasterr, c->ebuf, c->elen);
			c->lasterr[c->elen] = '\0';
		}
		c->elen = 0;
	}
}

/* bench_child_poll waits until DEADLINE (bench_now_ns) for output from the child and
 * takes what is there. Returns false at the deadline. */
static inline bool bench_child_poll(struct bench_child *c, double deadline)
{
	struct pollfd pfd[2] = { { c->out, POLLIN, 0 }, { c->err, POLLIN, 0 } };
	double left = deadline - bench_now_ns();
	char tmp[512];
	ssize_t n;
	int r;

	if (left <= 0)
		return false;
	r = poll(pfd, 2, (int)(left / 1e6) + 1);
	if (r < 0 && errno != EINTR) {
		perror("bench: poll");
		exit(1);
	}
	if (r > 0 && pfd[1].revents != 0) {
		n = read(c->err, tmp, sizeof tmp);
		if (n > 0)
			bench_child_stderr(c, tmp, (size_t)n);
		else if (n == 0 || errno != EINTR) {
			close(c->err);
			c->err = -1;
		}
	}
	if (r > 0 && pfd[0].revents != 0) {
		n = read(c->out, c->buf + c->len, sizeof c->buf - 1 - c->len);
		if (n > 0)
			c->len += (size_t)n;
		else if (n == 0 || errno != EINTR) {
			close(c->out);
			c->out = -1;
		}
	}
	return true;
}

/* bench_child_line returns the child's next stdout line in LINE: 1, or 0 at its end of
 * file, or -1 at DEADLINE. */
static inline int bench_child_line(struct bench_child *c, double deadline, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		size_t n;

		if (nl != NULL || (c->out < 0 && c->len > 0) || c->len == sizeof c->buf - 1) {
			n = nl != NULL ? (size_t)(nl - c->buf) : c->len;
			snprintf(line, size, "%.*s", (int)n, c->buf);
			n += nl != NULL;
			memmove(c->buf, c->buf + n, c->len - n);
			c->len -= n;
			return 1;
		}
		if (c->out < 0)
			return 0;
		if (!bench_child_poll(c, deadline))
			return -1;
	}
}

/* bench_child_end waits until DEADLINE for the child to close its output and exit, kills
 * it then, and reaps it. Returns true if it exited with status 0; otherwise WHY says how
 * it ended. Its remaining stdout is discarded. Once reaped, it returns the same answer. */
static inline bool bench_child_end(struct bench_child *c, double deadline, char *why, size_t size)
{
	bool late = false;
	int status;

	if (c->reaped) {
		snprintf(why, size, "%s", c->why);
		return c->ok;
	}

	while ((c->out >= 0 || c->err >= 0) && !late) {
		c->len = 0;
		late = !bench_child_poll(c, deadline);
	}
	while (!late) {
		struct timespec ts = { 0, 10000000 };
		pid_t r = waitpid(c->pid, &status, WNOHANG);

		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR) {
			perror("bench: waitpid");
			exit(1);
		}
		late = bench_now_ns() >= deadline;
		nanosleep(&ts, NULL);
	}
	if (late) {
		/* it may have exited meanwhile: the reap below is the same */
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &status, 0) < 0)
			if (errno != EINTR) {
				perror("bench: waitpid");
				exit(1);
			}
	}
	if (c->out >= 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	c->out = c->err = -1;
	c->reaped = true;
	c->ok = !late && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (c->ok)
		snprintf(c->why, sizeof c->why, "exit status 0");
	else if (late)
		snprintf(c->why, sizeof c->why, "timed out");
	else if (WIFEXITED(status))
		snprintf(c->why, sizeof c->why, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(c->why, sizeof c->why, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	if (!c->ok && c->lasterr[0] != '\0') {
		size_t n = strlen(c->why);

		snprintf(c->why + n, sizeof c->why - n, ": %s", c->lasterr);
	}
	snprintf(why, size, "%s", c->why);
	return c->ok;
}

#endif
