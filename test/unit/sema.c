/* Unit tests for runtime/sema: FIFO wake-ups, value mismatch, timeouts, a timed wait racing
 * its wake-up, requeue, bitsets, and foreign threads on the kernel futex. Each test starts
 * the scheduler itself, as shim/init.c does, and runs as G 1. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "../../runtime/proc.h"
#include "../../runtime/sema.h"
#include "../../runtime/timer.h"
#include "../../runtime/tls.h"
#include "unit.h"

#define NFIFO 5
#define NREQUEUE 10
#define RACE_ITERS 2000
#define RACE_SPREAD_US 50
#define SEMTAB_SIZE 251		/* runtime/sema.c: words this many apart share a bucket */

static int newosthread(void *(*fn)(void *), void *arg, size_t stacksize)
{
	pthread_attr_t attr;
	pthread_t t;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, stacksize);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

/* gmain is shim/thread.c's gs_gmain without the unwind buffer and the destructors. */
__attribute__((noreturn)) static void gmain(struct g *gp)
{
	void *ret = gp->start(gp->arg);

	if (gs_gexit_last())
		exit(0);
	gs_goexit(ret);
}

/* start makes the running thread G 1 of a scheduler with procs Ps. */
static void start(int procs)
{
	ck_assert_ptr_null(gs_tls_init(true));
	gs_hooks.newosthread = newosthread;
	gs_hooks.gmain = gmain;
	ck_assert_ptr_null(gs_schedinit(procs));
	ck_assert_ptr_eq(getg(), gs_g1);
}

static struct g *spawn(void *(*fn)(void *), void *arg)
{
	struct gs_gattr a = { .stacksize = 64 * 1024, .guardsize = 4096 };
	struct g *gp;

	ck_assert_int_eq(gs_newproc(fn, arg, &a, &gp), 0);
	return gp;
}

static void *join(struct g *gp)
{
	void *ret;

	ck_assert_int_eq(gs_join(gp, &ret, 0), 0);
	return ret;
}

/* Not joined yet, so gp is not recycled and its status stays readable. */
static uint32_t status_of(struct g *gp)
{
	return atomic_load_explicit(&gp->status, memory_order_acquire);
}

/* wait_parked lets the other Gs run until gp is parked, or gone: a G with a deadline
 * may find it passed before it parks, on a loaded machine. */
static void wait_parked(struct g *gp)
{
	while (status_of(gp) != Gwaiting && status_of(gp) != Gdead)
		gs_gosched();
}

static void wait_count(_Atomic int *n, int want)
{
	while (atomic_load_explicit(n, memory_order_acquire) < want)
		gs_gosched();
}

/* slot waits for a recorder that took slot *o (norder counts taken slots) to fill it. */
static int slot(_Atomic int *o)
{
	int v;

	while ((v = atomic_load_explicit(o, memory_order_acquire)) == -1)
		gs_gosched();
	return v;
}

/* A G that waits on word with bits and then records its id in order[]. */
struct waiter {
	int id;
	_Atomic uint32_t *word;
	uint32_t bits;
	int64_t deadline;
	int result;
	_Atomic int *order;	/* slots start at -1 */
	_Atomic int *norder;
};

static void *wait_g(void *arg)
{
	struct waiter *w = arg;

	w->result = gs_sema_wait(w->word, 0, w->bits, w->deadline);
	if (w->order)
		atomic_store_explicit(&w->order[atomic_fetch_add_explicit(w->norder, 1,
									  memory_order_acq_rel)],
				      w->id, memory_order_release);
	return w;
}

START_TEST(test_fifo)
{
	static _Atomic uint32_t word;
	struct waiter w[NFIFO];
	struct g *gs[NFIFO];
	_Atomic int order[NFIFO];
	_Atomic int norder = 0;

	for (int i = 0; i < NFIFO; i++)
		atomic_init(&order[i], -1);
	start(_i);
	for (int i = 0; i < NFIFO; i++) {
		w[i] = (struct waiter){ .id = i, .word = &word, .bits = GS_BITSET_ANY,
					.order = order, .norder = &norder };
		gs[i] = spawn(wait_g, &w[i]);
		wait_parked(gs[i]);
	}
	/* one at a time, so the order of the records is the order of the wake-ups */
	for (int i = 0; i < NFIFO; i++) {
		ck_assert_int_eq(gs_sema_wake(&word, 1, GS_BITSET_ANY), 1);
		wait_count(&norder, i + 1);
		ck_assert_int_eq(slot(&order[i]), i);
	}
	ck_assert_int_eq(gs_sema_wake(&word, 1, GS_BITSET_ANY), 0);
	for (int i = 0; i < NFIFO; i++) {
		ck_assert_ptr_eq(join(gs[i]), &w[i]);
		ck_assert_int_eq(w[i].result, 0);
	}
}
END_TEST

START_TEST(test_value_mismatch)
{
	static _Atomic uint32_t word = 1;

	start(_i);
	ck_assert_int_eq(gs_sema_wait(&word, 0, GS_BITSET_ANY, 0), -EAGAIN);
	ck_assert_int_eq(gs_sema_wait(&word, 2, GS_BITSET_ANY, gs_nanotime() + 1000000000ll),
			 -EAGAIN);
	/* the mismatch is checked before the deadline */
	ck_assert_int_eq(gs_sema_wait(&word, 0, GS_BITSET_ANY, 1), -EAGAIN);
	ck_assert_int_eq(gs_sema_wake(&word, INT_MAX, GS_BITSET_ANY), 0);
}
END_TEST

START_TEST(test_timeout)
{
	static _Atomic uint32_t word;
	struct waiter w = { .word = &word, .bits = GS_BITSET_ANY };
	struct g *gp;

	start(_i);
	ck_assert_int_eq(gs_sema_wait(&word, 0, GS_BITSET_ANY, gs_nanotime() + 5000000),
			 -ETIMEDOUT);
	/* the timer took G 1 off the queue: nobody is left to wake */
	ck_assert_int_eq(gs_sema_wake(&word, INT_MAX, GS_BITSET_ANY), 0);
	/* deadlines already past */
	ck_assert_int_eq(gs_sema_wait(&word, 0, GS_BITSET_ANY, gs_nanotime() - 1), -ETIMEDOUT);
	ck_assert_int_eq(gs_sema_wait(&word, 0, GS_BITSET_ANY, 1), -ETIMEDOUT);
	/* and on another G */
	w.deadline = gs_nanotime() + 5000000;
	gp = spawn(wait_g, &w);
	join(gp);
	ck_assert_int_eq(w.result, -ETIMEDOUT);
	ck_assert_int_eq(gs_sema_wake(&word, INT_MAX, GS_BITSET_ANY), 0);
}
END_TEST

/* The race: in round i the waiter G waits with deadline[i] while G 1 wakes it at about
 * that time. One G does every round, so a timer still live from round i would take it off
 * the queue in round i + 1. */
static struct {
	_Atomic uint32_t word;
	int64_t deadline[RACE_ITERS];
	int result[RACE_ITERS];
	_Atomic int go;			/* rounds G 1 has opened */
	_Atomic int done;		/* rounds the waiter has finished */
} race;

static void *race_waiter(void *arg)
{
	(void)arg;
	for (int i = 0; i < RACE_ITERS; i++) {
		wait_count(&race.go, i + 1);
		race.result[i] = gs_sema_wait(&race.word, 0, GS_BITSET_ANY, race.deadline[i]);
		atomic_store_explicit(&race.done, i + 1, memory_order_release);
	}
	return NULL;
}

START_TEST(test_timeout_races_wake)
{
	int woken[RACE_ITERS];
	struct g *gp;

	start(_i);
	gp = spawn(race_waiter, NULL);
	for (int i = 0; i < RACE_ITERS; i++) {
		int64_t d = gs_nanotime() + (i % RACE_SPREAD_US) * 1000ll;

		race.deadline[i] = d;
		atomic_store_explicit(&race.go, i + 1, memory_order_release);
		/* until the waiter is parked in this round or has left it */
		while (status_of(gp) != Gwaiting &&
		       atomic_load_explicit(&race.done, memory_order_acquire) <= i)
			gs_gosched();
		while (gs_nanotime() < d)
			;
		woken[i] = gs_sema_wake(&race.word, 1, GS_BITSET_ANY);
		wait_count(&race.done, i + 1);
	}
	join(gp);
	for (int i = 0; i < RACE_ITERS; i++) {
		ck_assert_msg(woken[i] == 0 || woken[i] == 1, "round %d: wake returned %d", i,
			      woken[i]);
		ck_assert_msg(race.result[i] == (woken[i] ? 0 : -ETIMEDOUT),
			      "round %d: wait returned %d, wake returned %d", i, race.result[i],
			      woken[i]);
	}
}
END_TEST

/* Loop over Ps (1, 2) and whether the two words share a bucket: _i in [0, 4). */
START_TEST(test_requeue)
{
	static _Atomic uint32_t words[2 * SEMTAB_SIZE];
	_Atomic uint32_t *from = &words[0], *to = &words[_i & 1 ? SEMTAB_SIZE : 1];
	struct waiter w[NREQUEUE];
	struct g *gs[NREQUEUE];
	_Atomic int order[NREQUEUE];
	_Atomic int norder = 0;

	for (int i = 0; i < NREQUEUE; i++)
		atomic_init(&order[i], -1);
	start(1 + (_i >> 1));
	for (int i = 0; i < NREQUEUE; i++) {
		w[i] = (struct waiter){ .id = i, .word = from, .bits = GS_BITSET_ANY,
					.order = order, .norder = &norder };
		gs[i] = spawn(wait_g, &w[i]);
		wait_parked(gs[i]);
	}
	atomic_store(from, 1);
	ck_assert_int_eq(gs_sema_requeue(from, to, 1, NREQUEUE - 1, 1, 0), -EAGAIN);
	atomic_store(from, 0);
	ck_assert_int_eq(gs_sema_requeue(from, to, 1, NREQUEUE - 1, 0, 0), NREQUEUE);
	/* the oldest was woken; the others are parked on to now */
	wait_count(&norder, 1);
	ck_assert_int_eq(slot(&order[0]), 0);
	join(gs[0]);
	for (int i = 1; i < NREQUEUE; i++)
		ck_assert_uint_eq(status_of(gs[i]), Gwaiting);
	ck_assert_int_eq(gs_sema_wake(from, INT_MAX, GS_BITSET_ANY), 0);
	ck_assert_int_eq(gs_sema_wake(to, INT_MAX, GS_BITSET_ANY), NREQUEUE - 1);
	for (int i = 0; i < NREQUEUE; i++) {
		if (i > 0)
			join(gs[i]);
		ck_assert_int_eq(w[i].result, 0);
	}
	ck_assert_int_eq(atomic_load(&norder), NREQUEUE);
}
END_TEST

/* A timed waiter moved by a requeue times out on its new word. */
START_TEST(test_requeue_timed)
{
	static _Atomic uint32_t from, to;
	struct waiter w = { .word = &from, .bits = GS_BITSET_ANY };
	struct g *gp;
	int n;

	start(_i);
	w.deadline = gs_nanotime() + 20000000;
	gp = spawn(wait_g, &w);
	wait_parked(gp);
	/* 0 if the timer was first */
	n = gs_sema_requeue(&from, &to, 0, 1, 0, 0);
	ck_assert_int_ge(n, 0);
	ck_assert_int_le(n, 1);
	join(gp);
	ck_assert_int_eq(w.result, -ETIMEDOUT);
	ck_assert_int_eq(gs_sema_wake(&to, INT_MAX, GS_BITSET_ANY), 0);
	ck_assert_int_eq(gs_sema_wake(&from, INT_MAX, GS_BITSET_ANY), 0);
}
END_TEST

START_TEST(test_bitset)
{
	static _Atomic uint32_t word;
	struct waiter w1 = { .id = 1, .word = &word, .bits = 1 };
	struct waiter w2 = { .id = 2, .word = &word, .bits = 2 };
	struct g *g1, *g2;

	start(_i);
	g1 = spawn(wait_g, &w1);
	wait_parked(g1);
	g2 = spawn(wait_g, &w2);
	wait_parked(g2);
	ck_assert_int_eq(gs_sema_wake(&word, INT_MAX, 4), 0);
	ck_assert_int_eq(gs_sema_wake(&word, INT_MAX, 2), 1);
	join(g2);
	ck_assert_int_eq(w2.result, 0);
	ck_assert_uint_eq(status_of(g1), Gwaiting);
	ck_assert_int_eq(gs_sema_wake(&word, INT_MAX, 2), 0);
	ck_assert_int_eq(gs_sema_wake(&word, INT_MAX, 3), 1);
	join(g1);
	ck_assert_int_eq(w1.result, 0);
}
END_TEST

/* A plain thread, not a G: it waits on the kernel futex. */
struct foreign {
	_Atomic uint32_t *word;
	uint32_t val;
	int64_t deadline;
	int result;
	_Atomic int started;
};

static void *foreign_wait(void *arg)
{
	struct foreign *f = arg;

	atomic_store(&f->started, getg() == NULL ? 1 : -1);
	f->result = gs_sema_wait(f->word, f->val, GS_BITSET_ANY, f->deadline);
	return NULL;
}

static void run_foreign(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
}

START_TEST(test_foreign_waiter)
{
	static _Atomic uint32_t word;
	struct foreign f = { .word = &word };
	pthread_t t;
	int k;

	start(_i);
	ck_assert_int_eq(pthread_create(&t, NULL, foreign_wait, &f), 0);
	while (atomic_load(&f.started) == 0)
		sched_yield();
	ck_assert_int_eq(atomic_load(&f.started), 1);
	/* it may not be asleep yet: wake until a wake-up finds it */
	while ((k = gs_sema_wake(&word, 1, GS_BITSET_ANY)) == 0)
		sched_yield();
	ck_assert_int_eq(k, 1);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(f.result, 0);
}
END_TEST

START_TEST(test_foreign_mismatch_and_timeout)
{
	static _Atomic uint32_t word;
	struct foreign f = { .word = &word, .val = 1 };

	start(_i);
	run_foreign(foreign_wait, &f);
	ck_assert_int_eq(f.result, -EAGAIN);
	f = (struct foreign){ .word = &word, .deadline = gs_nanotime() + 5000000 };
	run_foreign(foreign_wait, &f);
	ck_assert_int_eq(f.result, -ETIMEDOUT);
	f = (struct foreign){ .word = &word, .deadline = 1 };
	run_foreign(foreign_wait, &f);
	ck_assert_int_eq(f.result, -ETIMEDOUT);
}
END_TEST

/* A foreign thread wakes a parked G. */
struct foreign_waker {
	_Atomic uint32_t *word;
	int result;
};

static void *foreign_wake(void *arg)
{
	struct foreign_waker *f = arg;

	f->result = gs_sema_wake(f->word, INT_MAX, GS_BITSET_ANY);
	return NULL;
}

START_TEST(test_foreign_waker)
{
	static _Atomic uint32_t word;
	struct waiter w = { .word = &word, .bits = GS_BITSET_ANY };
	struct foreign_waker f = { .word = &word };
	struct g *gp;

	start(_i);
	gp = spawn(wait_g, &w);
	wait_parked(gp);
	run_foreign(foreign_wake, &f);
	ck_assert_int_eq(f.result, 1);
	join(gp);
	ck_assert_int_eq(w.result, 0);
}
END_TEST

/* Loop tests take the number of Ps from _i: 1 and 2. */
static Suite *sema_suite(void)
{
	Suite *s = suite_create("sema");
	TCase *tc = tcase_create("sema");

	/* a lost wake-up would hang a test: the timeout turns that into a failure. It is a
	 * bound on a hang, not an assertion on speed. */
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_fifo, 1, 3);
	tcase_add_loop_test(tc, test_value_mismatch, 1, 3);
	tcase_add_loop_test(tc, test_timeout, 1, 3);
	tcase_add_loop_test(tc, test_timeout_races_wake, 1, 3);
	tcase_add_loop_test(tc, test_requeue, 0, 4);
	tcase_add_loop_test(tc, test_requeue_timed, 1, 3);
	tcase_add_loop_test(tc, test_bitset, 1, 3);
	tcase_add_loop_test(tc, test_foreign_waiter, 1, 3);
	tcase_add_loop_test(tc, test_foreign_mismatch_and_timeout, 1, 3);
	tcase_add_loop_test(tc, test_foreign_waker, 1, 3);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return gs_unit_run(sema_suite());
}
