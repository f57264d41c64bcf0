/* Futex calls without FUTEX_PRIVATE_FLAG, made with syscall() as libstdc++ 12 makes them
 * for every std::atomic wait, latch, barrier and semaphore. goshim parks the G when the
 * word is in this process's private memory, where no other process can reach it, and
 * leaves the wait to the kernel otherwise.
 *   - density: 1,000 threads wait at once on words in the heap and in .bss; under goshim
 *     (LD_PRELOAD names libgoshim) the process must then have at most 64 OS threads, not
 *     one per waiter; then all are woken and joined;
 *   - the kernel keys non-private and private waiters of one word apart: a private wake
 *     finds no non-private waiter, nor the reverse; WAKE_BITSET wakes only matching bits;
 *     CMP_REQUEUE moves a waiter to another word, where a wake finds it, and a waiter
 *     moved onto MAP_SHARED memory is woken by a child process's wake there;
 *   - memory shared with a child process (MAP_SHARED anonymous, and a memfd): threads of
 *     the child wait on a word there and the parent's wakes must reach every one of them.
 * Counts of woken waiters are printed only where they do not depend on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { WAITERS = 1000, MAX_OS_THREADS = 64, CHILD_WAITERS = 4, STACK = 64 * 1024 };

static int nfail;

static void check(int ok, const char *what, long a, long b)
{
	if (!ok && nfail++ < 10)
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
}

static long futex(_Atomic uint32_t *w, int op, uint32_t val, long arg4, _Atomic uint32_t *w2,
		  uint32_t val3)
{
	return syscall(SYS_futex, w, op, val, arg4, w2, val3);
}

/* wait_while waits (non-private) until *w is no longer 0. */
static void wait_while(_Atomic uint32_t *w)
{
	while (atomic_load(w) == 0)
		futex(w, FUTEX_WAIT, 0, 0, NULL, 0);
}

static void pause_ms(long ms)
{
	struct timespec d = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&d, NULL);
}

/* os_threads: the Threads line of /proc/self/status. */
static long os_threads(void)
{
	char line[256];
	long n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static _Atomic uint32_t bss_word;
static _Atomic int arrived;

static void *waiter(void *arg)
{
	atomic_fetch_add(&arrived, 1);
	wait_while(arg);
	return NULL;
}

static void density(void)
{
	const char *pre = getenv("LD_PRELOAD");
	_Atomic uint32_t *heap_word = calloc(1, sizeof(*heap_word));
	static pthread_t t[WAITERS];
	pthread_attr_t attr;
	long n;
	int made = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK);
	for (int i = 0; i < WAITERS; i++)
		if (pthread_create(&t[i], &attr, waiter, i % 2 ? heap_word : &bss_word) == 0)
			made++;
	check(made == WAITERS, "threads created", made, WAITERS);
	while (atomic_load(&arrived) < made)
		pause_ms(1);
	pause_ms(100);
	n = os_threads();
	if (pre && strstr(pre, "libgoshim"))
		check(n <= MAX_OS_THREADS, "OS threads while 1000 wait on futexes", n,
		      MAX_OS_THREADS);
	else
		check(n == made + 1, "OS threads while 1000 wait on futexes", n, made + 1);
	atomic_store(heap_word, 1);
	atomic_store(&bss_word, 1);
	futex(heap_word, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
	futex(&bss_word, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	printf("density: %d threads waited on non-private futexes and were woken\n", made);
	free(heap_word);
	pthread_attr_destroy(&attr);
}

static _Atomic uint32_t word, word2;
static _Atomic int result = -1;

static void *bits_waiter(void *arg)
{
	(void)arg;
	atomic_store(&result, (int)futex(&word, FUTEX_WAIT_BITSET, 0, 0, NULL, 1));
	return NULL;
}

static void *plain_waiter(void *arg)
{
	(void)arg;
	atomic_store(&result, (int)futex(&word, FUTEX_WAIT, 0, 0, NULL, 0));
	return NULL;
}

/* keys: what a private wake, a wake of other bits and a requeue do to a non-private
 * waiter. Each non-private wake is retried until it finds the waiter parked. */
static void keys(void)
{
	pthread_t t;
	long r = 0;

	pthread_create(&t, NULL, bits_waiter, NULL);
	do {
		pause_ms(1);
		check(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0) == 0,
		      "private wake woke a non-private waiter", 1, 0);
		check(futex(&word, FUTEX_WAKE_BITSET, INT_MAX, 0, NULL, 2) == 0,
		      "bitset 2 woke a waiter of bitset 1", 1, 0);
	} while ((r = futex(&word, FUTEX_WAKE_BITSET, 1, 0, NULL, 1)) == 0);
	pthread_join(t, NULL);
	printf("keys: bitset wake woke %ld, wait returned %d\n", r, atomic_load(&result));

	pthread_create(&t, NULL, plain_waiter, NULL);
	while ((r = futex(&word, FUTEX_CMP_REQUEUE, 0, 1, &word2, 0)) == 0)
		pause_ms(1);
	printf("keys: cmp_requeue moved %ld\n", r);
	check(futex(&word, FUTEX_WAKE, INT_MAX, 0, NULL, 0) == 0,
	      "a wake on the old word found the moved waiter", 1, 0);
	check(futex(&word2, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0) == 0,
	      "a private wake found the moved waiter", 1, 0);
	r = futex(&word2, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
	pthread_join(t, NULL);
	printf("keys: wake on the new word woke %ld, wait returned %d\n", r,
	       atomic_load(&result));
	errno = 0;
	r = futex(&word, FUTEX_CMP_REQUEUE, 0, 1, &word2, 7);
	printf("keys: cmp_requeue with a stale value: %ld, %s\n", r, strerror(errno));
}

/* requeue_out: a waiter requeued onto a word in MAP_SHARED memory must be in reach of a
 * wake from another process there. */
static void requeue_out(void)
{
	_Atomic uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec dl;
	pthread_t t;
	pid_t pid;
	int r;

	if (sh == MAP_FAILED) {
		printf("FAIL requeue_out: mmap: %s\n", strerror(errno));
		return;
	}
	atomic_store(sh, 0);
	pthread_create(&t, NULL, plain_waiter, NULL);
	while (futex(&word, FUTEX_CMP_REQUEUE, 0, 1, sh, 0) == 0)
		pause_ms(1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		futex(sh, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	r = pthread_timedjoin_np(t, NULL, &dl);
	check(r == 0, "a waiter requeued onto MAP_SHARED memory woken by a child", r, 0);
	if (r != 0) {
		futex(sh, FUTEX_WAKE, INT_MAX, 0, NULL, 0);
		pthread_join(t, NULL);
	}
	printf("keys: a waiter requeued onto MAP_SHARED memory was woken from another process\n");
	munmap((void *)sh, 4096);
}

/* child_waits: in the child, CHILD_WAITERS threads wait on w; one byte to ready once all
 * have started. */
static void child_waits(_Atomic uint32_t *w, int ready)
{
	pthread_t t[CHILD_WAITERS];

	atomic_store(&arrived, 0);
	for (int i = 0; i < CHILD_WAITERS; i++)
		pthread_create(&t[i], NULL, waiter, (void *)w);
	while (atomic_load(&arrived) < CHILD_WAITERS)
		pause_ms(1);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	for (int i = 0; i < CHILD_WAITERS; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

/* across: a child's threads wait on a word in memory mapped from fd (-1: anonymous),
 * MAP_SHARED; the parent wakes them. A child whose waiters are out of the kernel's
 * reach never ends: after 10 s it is killed. */
static void across(const char *what, int fd)
{
	_Atomic uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	int p[2], status = 0;
	long woken = 0;
	char c;
	pid_t pid;

	if (w == MAP_FAILED || pipe(p) != 0) {
		printf("FAIL %s: mmap or pipe: %s\n", what, strerror(errno));
		return;
	}
	atomic_store(w, 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		child_waits(w, p[1]);
	check(read(p[0], &c, 1) == 1, "child ready", 0, 1);
	pause_ms(50);
	atomic_store(w, 1);
	for (int i = 0; i < 1000; i++) {
		long r = futex(w, FUTEX_WAKE, INT_MAX, 0, NULL, 0);

		if (r > 0)
			woken += r;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		pause_ms(10);
		if (i == 999) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child's waiters all woken",
	      status, 0);
	check(woken <= CHILD_WAITERS, "woken", woken, CHILD_WAITERS);
	printf("%s: the parent woke the child's %d waiters\n", what, CHILD_WAITERS);
	munmap((void *)w, 4096);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	int mfd = memfd_create("futex_shared", 0);

	density();
	keys();
	requeue_out();
	across("MAP_SHARED anonymous", -1);
	if (mfd < 0 || ftruncate(mfd, 4096) != 0)
		printf("FAIL memfd: %s\n", strerror(errno));
	else
		across("memfd MAP_SHARED", mfd);
	return nfail != 0;
}
