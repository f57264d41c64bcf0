/* A signal handler interrupts a thread blocked in a call, as natively: SIGALRM from
 * alarm() (sent to the process) while the main thread waits in read() on a socket
 * (EINTR), in nanosleep (EINTR and the time left), in sleep (the seconds left), in
 * poll (EINTR) and in sem_wait (EINTR); with SA_RESTART, read goes on and gets the
 * byte written later. Under goshim the handler runs on whichever OS thread the kernel
 * picks, and the blocked G is interrupted in its place (issue 7). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_alarm(int sig)
{
	(void)sig;
	got++;
}

static const char *err(long r)
{
	return r < 0 ? strerrorname_np(errno) : "no error";
}

int main(void)
{
	struct sigaction sa;
	struct timespec ts = { 5, 0 }, rem = { 0, 0 };
	struct pollfd pf;
	sem_t sem;
	int sv[2], st;
	long r;
	char c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || sem_init(&sem, 0, 0) != 0)
		return 1;

	alarm(1);
	r = read(sv[0], &c, 1);
	printf("read: %ld, %s; handler runs: %d\n", r, err(r), (int)got);

	alarm(1);
	r = nanosleep(&ts, &rem);
	printf("nanosleep: %ld, %s; left: %s\n", r, err(r),
	       rem.tv_sec >= 2 && rem.tv_sec < 5 ? "between 2 and 5 s" : "wrong");

	alarm(1);
	r = sleep(5);
	printf("sleep: %s seconds left\n", r >= 2 && r < 5 ? "between 2 and 5" : "wrong");

	pf.fd = sv[0];
	pf.events = POLLIN;
	alarm(1);
	r = poll(&pf, 1, 5000);
	printf("poll: %ld, %s\n", r, err(r));

	alarm(1);
	r = sem_wait(&sem);
	printf("sem_wait: %ld, %s\n", r, err(r));

	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		sleep(2);
		_exit(write(sv[1], "x", 1) == 1 ? 0 : 1);
	}
	alarm(1);
	r = read(sv[0], &c, 1);
	printf("read with SA_RESTART: %ld, %s; handler runs: %d\n", r, err(r), (int)got);
	waitpid(pid, &st, 0);
	return 0;
}
