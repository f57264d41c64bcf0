/* Raw syscall(SYS_futex) between threads: a WAIT/WAKE ping-pong, timed
 * waits on both clocks, WAKE_BITSET with disjoint and matching bitsets,
 * CMP_REQUEUE of 9 of 10 waiters, and the EAGAIN/EINVAL/ETIMEDOUT cases.
 * Sync: futex words (atomics) and pthread_join. Not run with GOSHIM_TLS=shared:
 * it reads errno in functions that also block (the compiler may reuse an
 * errno address computed before a G migrated). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { ROUND_TRIPS = 10000, NREQUEUE = 10 };

static atomic_int nfail;
static atomic_int turn;
static atomic_int bits_word;
static atomic_int word_a;
static atomic_int word_b;
static atomic_int woken;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static long futex(atomic_int *uaddr, int op, int val, const struct timespec *ts,
		  atomic_int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* requeue: nr2 travels in the timeout argument. */
static long requeue(atomic_int *from, int op, int nr_wake, int nr_requeue, atomic_int *to,
		    int val)
{
	return syscall(SYS_futex, from, op, nr_wake, (unsigned long)nr_requeue, to, val);
}

/* queued counts the waiters on word by requeueing them all onto word
 * itself: nobody wakes, and the result is the number moved. */
static long queued(atomic_int *word)
{
	return requeue(word, FUTEX_REQUEUE_PRIVATE, 0, INT_MAX, word, 0);
}

/* wait_queued polls until n waiters are queued on word. */
static void wait_queued(atomic_int *word, long n)
{
	long got;

	while ((got = queued(word)) != n) {
		if (got < 0 || got > n) {
			check(0, "waiters queued", got, n);
			return;
		}
		sched_yield();
	}
}

/* show prints a -1/errno-style result as its value or the errno name, and
 * checks it against want (a value) or want_err (an errno). */
static void show(const char *what, long rc, int err, long want, int want_err)
{
	if (rc == -1)
		printf("%s: -1 %s\n", what, strerrorname_np(err));
	else
		printf("%s: %ld\n", what, rc);
	check(rc == want && (rc != -1 || err == want_err), what, rc == -1 ? -err : rc,
	      want == -1 ? -want_err : want);
}

static void pong(int me, int other, long *turns)
{
	for (int i = 0; i < ROUND_TRIPS; i++) {
		int v;

		while ((v = atomic_load(&turn)) != me) {
			long rc = futex(&turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);

			check(rc == 0 || errno == EAGAIN || errno == EINTR, "ping-pong wait", rc,
			      0);
		}
		(*turns)++;
		atomic_store(&turn, other);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}

static void *pong_thread(void *arg)
{
	pong(1, 0, arg);
	return NULL;
}

static void ping_pong(void)
{
	pthread_t t;
	long mine = 0, theirs = 0;

	pthread_create(&t, NULL, pong_thread, &theirs);
	pong(0, 1, &mine);
	pthread_join(t, NULL);
	check(mine == ROUND_TRIPS && theirs == ROUND_TRIPS, "round trips", mine + theirs,
	      2 * ROUND_TRIPS);
	check(atomic_load(&turn) == 0, "final turn", atomic_load(&turn), 0);
	printf("ping-pong: %ld + %ld turns, final word %d\n", mine, theirs, atomic_load(&turn));
}

static struct timespec after(clockid_t clock, long ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static void errors(void)
{
	atomic_int w = 7;
	struct timespec past = { .tv_sec = 1 };
	struct timespec zero = { 0 };
	struct timespec bad = { .tv_sec = 0, .tv_nsec = 1000000000 };
	struct timespec soon = after(CLOCK_MONOTONIC, 20);
	long rc;

	rc = futex(&w, FUTEX_WAIT_PRIVATE, 8, NULL, NULL, 0);
	show("WAIT mismatched value", rc, errno, -1, EAGAIN);
	rc = futex(&w, FUTEX_WAIT_PRIVATE, 7, &zero, NULL, 0);
	show("WAIT relative 0 timeout", rc, errno, -1, ETIMEDOUT);
	rc = futex(&w, FUTEX_WAIT_PRIVATE, 7, &bad, NULL, 0);
	show("WAIT tv_nsec 1e9", rc, errno, -1, EINVAL);
	rc = futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 7, &past, NULL, FUTEX_BITSET_MATCH_ANY);
	show("WAIT_BITSET monotonic passed", rc, errno, -1, ETIMEDOUT);
	rc = futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 7, &soon, NULL, FUTEX_BITSET_MATCH_ANY);
	show("WAIT_BITSET monotonic +20ms", rc, errno, -1, ETIMEDOUT);
	rc = futex(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 7, &past, NULL,
		   FUTEX_BITSET_MATCH_ANY);
	show("WAIT_BITSET realtime passed", rc, errno, -1, ETIMEDOUT);
	rc = futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 8, &past, NULL, FUTEX_BITSET_MATCH_ANY);
	show("WAIT_BITSET mismatched value", rc, errno, -1, EAGAIN);
	rc = futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 7, &past, NULL, 0);
	show("WAIT_BITSET bitset 0", rc, errno, -1, EINVAL);
	rc = futex(&w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0);
	show("WAKE_BITSET bitset 0", rc, errno, -1, EINVAL);
	rc = futex(&w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	show("WAKE without waiters", rc, errno, 0, 0);
	rc = requeue(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &word_b, 8);
	show("CMP_REQUEUE mismatched value", rc, errno, -1, EAGAIN);
}

static void *bits_waiter(void *arg)
{
	long rc;

	do
		rc = futex(&bits_word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0x1);
	while (rc == -1 && errno == EINTR);
	*(long *)arg = rc;
	return NULL;
}

static void bitsets(void)
{
	pthread_t t;
	long rc, waiter_rc = -2;

	pthread_create(&t, NULL, bits_waiter, &waiter_rc);
	wait_queued(&bits_word, 1);
	rc = futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2);
	show("WAKE_BITSET disjoint bitset", rc, errno, 0, 0);
	rc = queued(&bits_word);
	show("waiters after disjoint wake", rc, errno, 1, 0);
	rc = futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x3);
	show("WAKE_BITSET overlapping bitset", rc, errno, 1, 0);
	pthread_join(t, NULL);
	show("woken WAIT_BITSET", waiter_rc, 0, 0, 0);
}

static void *requeue_waiter(void *arg)
{
	long rc;

	(void)arg;
	do
		rc = futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	while (rc == -1 && errno == EINTR);
	check(rc == 0, "requeued waiter", rc, 0);
	atomic_fetch_add(&woken, 1);
	return NULL;
}

static void requeues(void)
{
	pthread_t ts[NREQUEUE];
	long rc;

	for (int i = 0; i < NREQUEUE; i++)
		pthread_create(&ts[i], NULL, requeue_waiter, NULL);
	wait_queued(&word_a, NREQUEUE);
	rc = requeue(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, NREQUEUE - 1, &word_b, 0);
	show("CMP_REQUEUE wake 1 requeue 9 (woken + requeued)", rc, errno, NREQUEUE, 0);
	while (atomic_load(&woken) < 1)
		sched_yield();
	show("woken by CMP_REQUEUE", atomic_load(&woken), 0, 1, 0);
	show("waiters left on first word", queued(&word_a), errno, 0, 0);
	show("waiters on second word", queued(&word_b), errno, NREQUEUE - 1, 0);
	rc = futex(&word_a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	show("WAKE first word", rc, errno, 0, 0);
	rc = futex(&word_b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	show("WAKE second word", rc, errno, NREQUEUE - 1, 0);
	for (int i = 0; i < NREQUEUE; i++)
		pthread_join(ts[i], NULL);
	show("woken in all", atomic_load(&woken), 0, NREQUEUE, 0);
}

int main(void)
{
	ping_pong();
	errors();
	bitsets();
	requeues();
	return atomic_load(&nfail) != 0;
}
