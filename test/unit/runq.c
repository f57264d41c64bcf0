/* Unit tests for runtime/runq: local ring order, runnext, overflow to the global queue,
 * stealing, global batches, and one owner racing two stealers. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/runq.h"
#include "unit.h"

#define NP 4
#define NG 1000
#define RACE_ITEMS 1000000
#define RACE_GS 4096		/* Gs recycled through the race, as the runtime recycles them */
#define RACE_STEALERS 2

static struct p allp[NP];
static struct g gs[NG];

static void setup(void)
{
	memset(allp, 0, sizeof(allp));
	memset(gs, 0, sizeof(gs));
	for (int i = 0; i < NP; i++)
		allp[i].id = i;
	gs_sched.allp = allp;
	gs_sched.gomaxprocs = NP;
	gs_sched.runqhead = NULL;
	gs_sched.runqtail = NULL;
	atomic_store_explicit(&gs_sched.runqsize, 0, memory_order_relaxed);
}

static int local_len(struct p *pp)
{
	return (int)(atomic_load_explicit(&pp->runqtail, memory_order_relaxed) -
		     atomic_load_explicit(&pp->runqhead, memory_order_relaxed));
}

static struct g *runnext_of(struct p *pp)
{
	return atomic_load_explicit(&pp->runnext, memory_order_relaxed);
}

static int runqsize(void)
{
	return atomic_load_explicit(&gs_sched.runqsize, memory_order_relaxed);
}

/* globpop takes the head of the global queue alone (max 1 moves nothing to pp). */
static struct g *globpop(struct p *pp)
{
	struct g *gp;

	gs_lock(&gs_sched.lock);
	gp = globrunqget(pp, 1);
	gs_unlock(&gs_sched.lock);
	return gp;
}

static void put_range(struct p *pp, int from, int to)
{
	for (int i = from; i < to; i++)
		runqput(pp, &gs[i], false);
}

static void expect_local(struct p *pp, int from, int to)
{
	for (int i = from; i < to; i++)
		ck_assert_ptr_eq(runqget(pp), &gs[i]);
}

/* expect_once drains every P and the global queue and checks each of gs[0..n) came out
 * exactly once and nothing else did. */
static void expect_once(int n)
{
	int seen[NG] = { 0 };
	struct g *gp;

	for (int i = 0; i < NP; i++) {
		while ((gp = runqget(&allp[i])) != NULL) {
			ck_assert(gp >= gs && gp < gs + n);
			seen[gp - gs]++;
		}
	}
	while ((gp = globpop(&allp[0])) != NULL) {
		ck_assert(gp >= gs && gp < gs + n);
		seen[gp - gs]++;
	}
	ck_assert_int_eq(runqsize(), 0);
	for (int i = 0; i < n; i++)
		ck_assert_msg(seen[i] == 1, "G %d seen %d times", i, seen[i]);
}

START_TEST(test_fifo)
{
	put_range(&allp[0], 0, 10);
	expect_local(&allp[0], 0, 10);
	ck_assert_ptr_null(runqget(&allp[0]));
	/* the ring wraps: indices keep growing past GS_RUNQ_SIZE */
	for (int round = 0; round < 3; round++) {
		put_range(&allp[0], 0, 200);
		expect_local(&allp[0], 0, 200);
	}
	ck_assert_ptr_null(runqget(&allp[0]));
	ck_assert_int_eq(runqsize(), 0);
}
END_TEST

START_TEST(test_runnext_first)
{
	struct p *pp = &allp[0];

	runqput(pp, &gs[0], false);
	runqput(pp, &gs[1], false);
	runqput(pp, &gs[2], true);
	ck_assert_ptr_eq(runqget(pp), &gs[2]);
	expect_local(pp, 0, 2);
	ck_assert_ptr_null(runqget(pp));
}
END_TEST

START_TEST(test_runnext_kicks_old_to_tail)
{
	struct p *pp = &allp[0];

	runqput(pp, &gs[0], false);
	runqput(pp, &gs[1], true);
	runqput(pp, &gs[2], true);
	ck_assert_ptr_eq(runnext_of(pp), &gs[2]);
	ck_assert_int_eq(local_len(pp), 2);
	ck_assert_ptr_eq(runqget(pp), &gs[2]);
	ck_assert_ptr_eq(runqget(pp), &gs[0]);
	ck_assert_ptr_eq(runqget(pp), &gs[1]);
	ck_assert_ptr_null(runqget(pp));
}
END_TEST

START_TEST(test_runqempty)
{
	struct p *pp = &allp[0];

	ck_assert(runqempty(pp));
	runqput(pp, &gs[0], true);
	ck_assert(!runqempty(pp));
	ck_assert_ptr_eq(runqget(pp), &gs[0]);
	ck_assert(runqempty(pp));
	runqput(pp, &gs[1], false);
	ck_assert(!runqempty(pp));
	ck_assert_ptr_eq(runqget(pp), &gs[1]);
	ck_assert(runqempty(pp));
}
END_TEST

START_TEST(test_overflow_moves_half_and_new)
{
	struct p *pp = &allp[0];

	put_range(pp, 0, GS_RUNQ_SIZE);
	ck_assert_int_eq(local_len(pp), GS_RUNQ_SIZE);
	ck_assert_int_eq(runqsize(), 0);
	runqput(pp, &gs[GS_RUNQ_SIZE], false);
	ck_assert_int_eq(runqsize(), GS_RUNQ_SIZE / 2 + 1);
	ck_assert_int_eq(local_len(pp), GS_RUNQ_SIZE / 2);
	/* the older half went global in order, followed by the G being put */
	expect_local(pp, GS_RUNQ_SIZE / 2, GS_RUNQ_SIZE);
	ck_assert_ptr_null(runqget(pp));
	for (int i = 0; i < GS_RUNQ_SIZE / 2; i++)
		ck_assert_ptr_eq(globpop(pp), &gs[i]);
	ck_assert_ptr_eq(globpop(pp), &gs[GS_RUNQ_SIZE]);
	ck_assert_ptr_null(globpop(pp));
	ck_assert_int_eq(runqsize(), 0);
}
END_TEST

START_TEST(test_overflow_loses_nothing)
{
	/* 1000 puts overflow at 257, 386, 515, ...: each moves 129 Gs to the global queue. */
	put_range(&allp[0], 0, NG);
	ck_assert_int_eq(runqsize() + local_len(&allp[0]), NG);
	ck_assert_int_eq(runqsize() % (GS_RUNQ_SIZE / 2 + 1), 0);
	ck_assert_int_gt(runqsize(), 0);
	expect_once(NG);
}
END_TEST

START_TEST(test_steal_half)
{
	struct p *thief = &allp[1], *victim = &allp[0];

	put_range(victim, 0, 10);
	/* the thief takes the oldest half and runs the last of it */
	ck_assert_ptr_eq(runqsteal(thief, victim, false), &gs[4]);
	ck_assert_int_eq(local_len(thief), 4);
	ck_assert_int_eq(local_len(victim), 5);
	expect_local(thief, 0, 4);
	expect_local(victim, 5, 10);
	ck_assert_ptr_null(runqget(thief));
	ck_assert_ptr_null(runqget(victim));
}
END_TEST

START_TEST(test_steal_odd_and_one)
{
	struct p *thief = &allp[1], *victim = &allp[0];

	put_range(victim, 0, 7);
	ck_assert_ptr_eq(runqsteal(thief, victim, false), &gs[3]);
	ck_assert_int_eq(local_len(thief), 3);
	ck_assert_int_eq(local_len(victim), 3);
	expect_local(thief, 0, 3);
	expect_local(victim, 4, 7);

	runqput(victim, &gs[7], false);
	ck_assert_ptr_eq(runqsteal(thief, victim, false), &gs[7]);
	ck_assert_int_eq(local_len(thief), 0);
	ck_assert(runqempty(victim));
	ck_assert_ptr_null(runqsteal(thief, victim, true));
}
END_TEST

START_TEST(test_steal_runnext)
{
	struct p *thief = &allp[1], *victim = &allp[0];

	runqput(victim, &gs[0], true);
	ck_assert_ptr_null(runqsteal(thief, victim, false));
	ck_assert_ptr_eq(runnext_of(victim), &gs[0]);
	ck_assert_ptr_eq(runqsteal(thief, victim, true), &gs[0]);
	ck_assert(runqempty(victim));
	ck_assert(runqempty(thief));

	/* with a non-empty queue, runnext stays even when stealnext is allowed */
	put_range(victim, 1, 3);
	runqput(victim, &gs[3], true);
	ck_assert_ptr_eq(runqsteal(thief, victim, true), &gs[1]);
	ck_assert_ptr_eq(runnext_of(victim), &gs[3]);
	ck_assert_ptr_eq(runqget(victim), &gs[3]);
	ck_assert_ptr_eq(runqget(victim), &gs[2]);
	ck_assert(runqempty(thief));
}
END_TEST

static void globput_range(int from, int to)
{
	gs_lock(&gs_sched.lock);
	for (int i = from; i < to; i++)
		globrunqput(&gs[i]);
	gs_unlock(&gs_sched.lock);
}

START_TEST(test_globrunqget_batches)
{
	struct p *pp = &allp[0];
	struct g *gp;

	ck_assert_ptr_null(globpop(pp));
	globput_range(0, 10);
	ck_assert_int_eq(runqsize(), 10);

	/* max 1: one G, nothing moved */
	ck_assert_ptr_eq(globpop(pp), &gs[0]);
	ck_assert_int_eq(runqsize(), 9);
	ck_assert(runqempty(pp));

	/* max 0: a fair share, 9/4+1 = 3: one returned, two moved to pp in order */
	gs_lock(&gs_sched.lock);
	gp = globrunqget(pp, 0);
	gs_unlock(&gs_sched.lock);
	ck_assert_ptr_eq(gp, &gs[1]);
	ck_assert_int_eq(runqsize(), 6);
	ck_assert_int_eq(local_len(pp), 2);
	expect_local(pp, 2, 4);

	/* a max above the fair share (6/4+1 = 2) does not raise it */
	gs_lock(&gs_sched.lock);
	gp = globrunqget(pp, 5);
	gs_unlock(&gs_sched.lock);
	ck_assert_ptr_eq(gp, &gs[4]);
	ck_assert_int_eq(local_len(pp), 1);
	ck_assert_int_eq(runqsize(), 4);
	expect_local(pp, 5, 6);
	for (int i = 6; i < 10; i++)
		ck_assert_ptr_eq(globpop(pp), &gs[i]);
	ck_assert_ptr_null(globpop(pp));
}
END_TEST

START_TEST(test_globrunqget_caps_at_half_ring)
{
	struct p *pp = &allp[0];
	struct g *gp;

	gs_sched.gomaxprocs = 1;
	globput_range(0, 300);
	gs_lock(&gs_sched.lock);
	gp = globrunqget(pp, 0);
	gs_unlock(&gs_sched.lock);
	ck_assert_ptr_eq(gp, &gs[0]);
	ck_assert_int_eq(local_len(pp), GS_RUNQ_SIZE / 2 - 1);
	ck_assert_int_eq(runqsize(), 300 - GS_RUNQ_SIZE / 2);
	expect_local(pp, 1, GS_RUNQ_SIZE / 2);
	ck_assert_ptr_null(runqget(pp));
	for (int i = GS_RUNQ_SIZE / 2; i < 300; i++)
		ck_assert_ptr_eq(globpop(pp), &gs[i]);
	ck_assert_ptr_null(globpop(pp));
}
END_TEST

/* The race: item i travels in G race_g[i % RACE_GS]; whoever obtains a G records the item
 * it carries and hands the G back to the owner by clearing busy. */
static struct g race_g[RACE_GS];
static _Atomic uint32_t race_item[RACE_GS];	/* owner writes while !busy */
static _Atomic uint8_t race_busy[RACE_GS];
static _Atomic uint8_t race_count[RACE_ITEMS];
static _Atomic int race_obtained;
static _Atomic int race_dups;		/* Gs obtained while not queued, or not ours */
static _Atomic int race_stop;

static void race_consume(struct g *gp)
{
	size_t gi = (size_t)(gp - race_g);
	uint32_t item;

	if (gi >= RACE_GS) {
		atomic_fetch_add_explicit(&race_dups, 1, memory_order_relaxed);
		return;
	}
	item = atomic_load_explicit(&race_item[gi], memory_order_relaxed);
	atomic_fetch_add_explicit(&race_count[item], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&race_obtained, 1, memory_order_relaxed);
	/* release pairs with the owner's acquire before it rewrites race_item[gi] */
	if (atomic_exchange_explicit(&race_busy[gi], 0, memory_order_release) != 1)
		atomic_fetch_add_explicit(&race_dups, 1, memory_order_relaxed);
}

/* owner_consume_one is the owner's scheduler: local queue, then the global queue. */
static bool owner_consume_one(struct p *pp, int max)
{
	struct g *gp = runqget(pp);

	if (gp == NULL) {
		gs_lock(&gs_sched.lock);
		gp = globrunqget(pp, max);
		gs_unlock(&gs_sched.lock);
	}
	if (gp)
		race_consume(gp);
	return gp != NULL;
}

static void *stealer(void *arg)
{
	struct p *pp = arg;
	bool stealnext = false;
	struct g *gp;

	while (!atomic_load_explicit(&race_stop, memory_order_relaxed)) {
		stealnext = !stealnext;
		gp = runqsteal(pp, &allp[0], stealnext);
		if (gp == NULL) {
			sched_yield();
			continue;
		}
		race_consume(gp);
		while ((gp = runqget(pp)) != NULL)
			race_consume(gp);
	}
	return NULL;
}

/* owner_run puts every item on allp[0], consuming at a third of the rate it produces so
 * that the ring overflows and the global queue is used too. */
static void owner_run(struct p *pp)
{
	for (uint32_t i = 0; i < RACE_ITEMS; i++) {
		size_t gi = i % RACE_GS;

		/* acquire pairs with the consumer's release of busy */
		while (atomic_load_explicit(&race_busy[gi], memory_order_acquire)) {
			if (!owner_consume_one(pp, (int)(i & 1)))
				sched_yield();
		}
		atomic_store_explicit(&race_item[gi], i, memory_order_relaxed);
		atomic_store_explicit(&race_busy[gi], 1, memory_order_relaxed);
		runqput(pp, &race_g[gi], i % 5 == 0);
		if (i % 3 == 0)
			owner_consume_one(pp, 0);
	}
	while (owner_consume_one(pp, 0))
		;
}

START_TEST(test_race_owner_and_stealers)
{
	pthread_t th[RACE_STEALERS];
	struct g *gp;
	int dups, obtained;

	gs_sched.gomaxprocs = 1 + RACE_STEALERS;
	for (int i = 0; i < RACE_STEALERS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, stealer, &allp[1 + i]), 0);
	owner_run(&allp[0]);
	/* the join, not this flag, orders the stealers' work before the checks below */
	atomic_store_explicit(&race_stop, 1, memory_order_relaxed);
	for (int i = 0; i < RACE_STEALERS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	for (int i = 0; i <= RACE_STEALERS; i++) {
		while ((gp = runqget(&allp[i])) != NULL)
			race_consume(gp);
	}
	ck_assert_ptr_null(globpop(&allp[0]));

	dups = atomic_load_explicit(&race_dups, memory_order_relaxed);
	obtained = atomic_load_explicit(&race_obtained, memory_order_relaxed);
	ck_assert_int_eq(dups, 0);
	ck_assert_int_eq(obtained, RACE_ITEMS);
	for (int i = 0; i < RACE_ITEMS; i++) {
		int n = atomic_load_explicit(&race_count[i], memory_order_relaxed);

		ck_assert_msg(n == 1, "item %d obtained %d times", i, n);
	}
	for (int i = 0; i < RACE_GS; i++) {
		int busy = atomic_load_explicit(&race_busy[i], memory_order_relaxed);

		ck_assert_msg(busy == 0, "G %d never came back", i);
	}
}
END_TEST

static Suite *runq_suite(void)
{
	Suite *s = suite_create("runq");
	TCase *tc = tcase_create("runq");
	TCase *race = tcase_create("race");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_fifo);
	tcase_add_test(tc, test_runnext_first);
	tcase_add_test(tc, test_runnext_kicks_old_to_tail);
	tcase_add_test(tc, test_runqempty);
	tcase_add_test(tc, test_overflow_moves_half_and_new);
	tcase_add_test(tc, test_overflow_loses_nothing);
	tcase_add_test(tc, test_steal_half);
	tcase_add_test(tc, test_steal_odd_and_one);
	tcase_add_test(tc, test_steal_runnext);
	tcase_add_test(tc, test_globrunqget_batches);
	tcase_add_test(tc, test_globrunqget_caps_at_half_ring);
	suite_add_tcase(s, tc);

	/* A lost G would make the owner wait for it forever: the timeout turns that into a
	 * failure. It is a bound on a hang, not an assertion on speed. */
	tcase_set_timeout(race, 300);
	tcase_add_checked_fixture(race, setup, NULL);
	tcase_add_test(race, test_race_owner_and_stealers);
	suite_add_tcase(s, race);
	return s;
}

int main(void)
{
	return gs_unit_run(runq_suite());
}
