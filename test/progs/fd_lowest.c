/* A new fd gets the lowest free number, and a closed number stays closed: goshim must never
 * hold one of the program's numbers, even for a moment. One thread opens /dev/null, checks
 * the number is the lowest free one, closes it and checks fcntl sees EBADF, over and over:
 * - while SPINNERS threads keep every P busy (goshim then keeps asking the kernel whether
 *   they are on a CPU);
 * - in each of CHILDREN fresh fork children, while another thread makes the child's first
 *   timed wait and first non-private futex wait (goshim once opened its netpoller's fds
 *   and /proc/self/pagemap at those moments);
 * - in a fork child where close_range fails with ENOSYS, as before kernel 5.9 (goshim
 *   empties its reading thread's fd table another way there): beside spinners again, and
 *   then a pipe whose write end the child had open meanwhile must read end of file once the
 *   child closes that end, so no thread of goshim's may hold a copy of it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

#include "deny.h"

enum { SPINNERS = 5, ROUNDS = 100000, CHILDREN = 40 };

static atomic_bool done;
static int lowest;
static int taken, open_after_close;

/* round opens, checks and closes the lowest free number once. */
static void round_once(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd != lowest)
		taken++;
	close(fd);
	if (fcntl(lowest, F_GETFD) != -1 || errno != EBADF)
		open_after_close++;
}

static void *spin(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	while (!atomic_load_explicit(&done, memory_order_relaxed))
		n++;
	return NULL;
}

static void *first_waits(void *arg)
{
	struct timespec ms = { 0, 1000000 };
	unsigned int word = 0;

	(void)arg;
	syscall(SYS_futex, &word, FUTEX_WAIT, 0, &ms, NULL, 0);
	nanosleep(&ms, NULL);
	atomic_store(&done, true);
	return NULL;
}

/* fresh_child runs rounds in a fork child until its other thread's first waits are done;
 * exits 1 if a round failed. */
static void fresh_child(void)
{
	pthread_t t;

	atomic_store(&done, false);
	taken = open_after_close = 0;
	pthread_create(&t, NULL, first_waits, NULL);
	while (!atomic_load(&done))
		round_once();
	pthread_join(t, NULL);
	_exit(taken || open_after_close);
}

/* beside_spinners runs rounds while SPINNERS threads spin. */
static void beside_spinners(int rounds)
{
	pthread_t t[SPINNERS];

	atomic_store(&done, false);
	for (int i = 0; i < SPINNERS; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	for (int i = 0; i < rounds; i++)
		round_once();
	atomic_store(&done, true);
	for (int i = 0; i < SPINNERS; i++)
		pthread_join(t[i], NULL);
}

/* old_kernel_child: rounds beside spinners with close_range denied, then the pipe; prints
 * what failed, and exits 1 if anything did. */
static void old_kernel_child(void)
{
	int p[2];
	char c;
	ssize_t n;

	if (pipe(p) != 0 || deny(SYS_close_range, SECCOMP_RET_ERRNO | ENOSYS) != 0) {
		printf("FAIL old kernel: pipe or seccomp: errno %d\n", errno);
		_exit(1);
	}
	lowest = 3;
	while (fcntl(lowest, F_GETFD) != -1)
		lowest++;
	taken = open_after_close = 0;
	beside_spinners(ROUNDS / 10);
	close(p[1]);
	n = read(p[0], &c, 1);
	if (taken || open_after_close || n != 0)
		printf("FAIL old kernel: %d numbers taken, %d open after close, read %zd\n", taken,
		       open_after_close, n);
	fflush(stdout);
	_exit(taken || open_after_close || n != 0);
}

int main(void)
{
	int failed = 0, status;
	pid_t pid;

	lowest = open("/dev/null", O_RDONLY);
	if (lowest < 0) {
		perror("open");
		return 1;
	}
	close(lowest);
	beside_spinners(ROUNDS);
	if (taken)
		printf("FAIL open returned another number than the lowest free one %d times\n", taken);
	if (open_after_close)
		printf("FAIL a just-closed number was open %d times\n", open_after_close);
	printf("%d rounds beside spinners done\n", ROUNDS);
	for (int i = 0; i < CHILDREN; i++) {
		pid = fork();
		if (pid == 0)
			fresh_child();
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed++;
	}
	if (failed)
		printf("FAIL %d of %d fork children saw a number taken or open\n", failed, CHILDREN);
	printf("%d fork children done\n", CHILDREN);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		old_kernel_child();
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		printf("FAIL the old-kernel child failed\n");
	printf("old-kernel child done\n");
	return 0;
}
