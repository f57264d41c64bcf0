/* A signal handler interrupts a thread blocked in a call, as natively: SIGALRM from
 * setitimer() (sent to the process) while the main thread waits in read() on a socket
 * (EINTR), in nanosleep (EINTR and the time left), in sleep (the seconds left), in
 * poll (EINTR) and in sem_wait (EINTR); with SA_RESTART, read goes on and gets the
 * byte written after the handler ran. The timer repeats every second until the call
 * returns, so a signal that comes before the call is followed by one that interrupts it.
 * Under goshim the handler runs on whichever OS thread the kernel picks, and the blocked
 * G is interrupted in its place (issue 7). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ASK_S = 3600 };	/* what nanosleep and sleep ask for: the signal comes long before */

static volatile sig_atomic_t got;
static int ran[2] = { -1, -1 };	/* once set, the handler writes a byte to ran[1] */

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	got++;
	/* the pipe holds far more bytes than the handler runs */
	if (ran[1] >= 0 && write(ran[1], "r", 1) != 1)
		_exit(3);
	errno = saved;
}

static const char *err(long r)
{
	return r < 0 ? strerrorname_np(errno) : "no error";
}

/* every: SIGALRM in sec seconds and every sec seconds after; 0 stops it. */
static void every(long sec)
{
	struct itimerval it = { { sec, 0 }, { sec, 0 } };

	if (setitimer(ITIMER_REAL, &it, NULL) != 0)
		_exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct sigaction sa;
	struct timespec ts = { ASK_S, 0 }, rem = { 0, 0 };
	struct pollfd pf;
	sem_t sem;
	int sv[2], st, before;
	double t0, slept;
	long r;
	char c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || sem_init(&sem, 0, 0) != 0)
		return 1;

	every(1);
	r = read(sv[0], &c, 1);
	every(0);
	printf("read: %ld, %s; handler ran: %s\n", r, err(r), got > 0 ? "yes" : "no");

	/* the time left is what was asked less at most the time slept */
	t0 = now();
	every(1);
	r = nanosleep(&ts, &rem);
	every(0);
	slept = now() - t0;
	printf("nanosleep: %ld, %s; left: %s\n", r, err(r),
	       rem.tv_sec < ASK_S && rem.tv_sec + rem.tv_nsec / 1e9 >= ASK_S - slept ?
	       "what was asked less the time slept" : "wrong");

	/* sleep rounds the seconds left */
	t0 = now();
	every(1);
	r = sleep(ASK_S);
	every(0);
	slept = now() - t0;
	printf("sleep: seconds left: %s\n",
	       r <= ASK_S && r >= ASK_S - slept - 1 ? "those asked less those slept" : "wrong");

	pf.fd = sv[0];
	pf.events = POLLIN;
	every(1);
	r = poll(&pf, 1, -1);
	every(0);
	printf("poll: %ld, %s\n", r, err(r));

	every(1);
	r = sem_wait(&sem);
	every(0);
	printf("sem_wait: %ld, %s\n", r, err(r));

	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(ran) != 0)
		return 1;
	before = got;
	pid_t pid = fork();
	if (pid == 0) {
		/* the byte comes only after the handler ran, during the read or just before it */
		_exit(read(ran[0], &c, 1) == 1 && write(sv[1], "x", 1) == 1 ? 0 : 1);
	}
	every(1);
	r = read(sv[0], &c, 1);
	every(0);
	printf("read with SA_RESTART: %ld, %s; handler ran: %s\n", r, err(r),
	       got > before ? "yes" : "no");
	waitpid(pid, &st, 0);
	return 0;
}
