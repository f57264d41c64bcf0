/* C11 <threads.h> synchronization: mtx_* of every type with trylock and
 * timedlock, cnd_* with a timed wait that times out, a producer/consumer on
 * mtx/cnd, a cnd_broadcast to many waiters, and call_once.
 * Sync: the objects under test, atomics and thrd_join.
 * goshim-test: tls-shared */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

enum { CAP = 8, NPROD = 4, NCONS = 4, PER_PROD = 10000, NWAITERS = 32, NONCE = 16 };

static atomic_int nfail;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

static const char *thrd_name(int rc)
{
	switch (rc) {
	case thrd_success: return "thrd_success";
	case thrd_busy: return "thrd_busy";
	case thrd_timedout: return "thrd_timedout";
	case thrd_error: return "thrd_error";
	case thrd_nomem: return "thrd_nomem";
	}
	return "?";
}

static void show(const char *what, int rc, int want)
{
	printf("%s: %s\n", what, thrd_name(rc));
	check(rc == want, what, rc, want);
}

static struct timespec after_ms(long ms)
{
	struct timespec ts;

	timespec_get(&ts, TIME_UTC);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

enum op { TRYLOCK, TIMEDLOCK_PASSED };

struct job {
	mtx_t *mu;
	enum op op;
	int rc;
};

static int run_job(void *arg)
{
	struct job *j = arg;
	struct timespec past = { .tv_sec = 1 };

	j->rc = j->op == TRYLOCK ? mtx_trylock(j->mu) : mtx_timedlock(j->mu, &past);
	if (j->rc == thrd_success)
		mtx_unlock(j->mu);
	return 0;
}

/* in_thread runs op on mu in a new thread; a lock it gets it releases. */
static int in_thread(mtx_t *mu, enum op op)
{
	struct job j = { .mu = mu, .op = op, .rc = -1 };
	thrd_t t;

	thrd_create(&t, run_job, &j);
	thrd_join(t, NULL);
	return j.rc;
}

static void mutexes(void)
{
	mtx_t plain, rec, timed, timed_rec;
	struct timespec past = { .tv_sec = 1 };
	struct timespec soon = after_ms(2000);

	show("mtx_init plain", mtx_init(&plain, mtx_plain), thrd_success);
	show("mtx_init recursive", mtx_init(&rec, mtx_plain | mtx_recursive), thrd_success);
	show("mtx_init timed", mtx_init(&timed, mtx_timed), thrd_success);
	show("mtx_init timed recursive", mtx_init(&timed_rec, mtx_timed | mtx_recursive),
	     thrd_success);

	show("plain lock", mtx_lock(&plain), thrd_success);
	show("plain trylock by owner", mtx_trylock(&plain), thrd_busy);
	show("plain trylock by other", in_thread(&plain, TRYLOCK), thrd_busy);
	show("plain unlock", mtx_unlock(&plain), thrd_success);
	show("plain trylock when free", in_thread(&plain, TRYLOCK), thrd_success);

	show("recursive lock", mtx_lock(&rec), thrd_success);
	show("recursive relock", mtx_lock(&rec), thrd_success);
	show("recursive trylock by owner", mtx_trylock(&rec), thrd_success);
	show("recursive trylock by other", in_thread(&rec, TRYLOCK), thrd_busy);
	for (int i = 0; i < 3; i++)
		show("recursive unlock", mtx_unlock(&rec), thrd_success);
	show("recursive trylock by other when free", in_thread(&rec, TRYLOCK), thrd_success);

	show("timed timedlock free", mtx_timedlock(&timed, &soon), thrd_success);
	show("timed timedlock passed by other", in_thread(&timed, TIMEDLOCK_PASSED),
	     thrd_timedout);
	show("timed unlock", mtx_unlock(&timed), thrd_success);
	show("timed timedlock passed when free", mtx_timedlock(&timed, &past), thrd_success);
	show("timed unlock", mtx_unlock(&timed), thrd_success);

	show("timed recursive lock", mtx_lock(&timed_rec), thrd_success);
	show("timed recursive timedlock by owner", mtx_timedlock(&timed_rec, &past),
	     thrd_success);
	show("timed recursive timedlock passed by other",
	     in_thread(&timed_rec, TIMEDLOCK_PASSED), thrd_timedout);
	show("timed recursive unlock", mtx_unlock(&timed_rec), thrd_success);
	show("timed recursive unlock", mtx_unlock(&timed_rec), thrd_success);

	mtx_destroy(&plain);
	mtx_destroy(&rec);
	mtx_destroy(&timed);
	mtx_destroy(&timed_rec);
}

static void timed_cnd(void)
{
	mtx_t mu;
	cnd_t cv;
	struct timespec past = { .tv_sec = 1 };
	struct timespec soon = after_ms(20);

	mtx_init(&mu, mtx_plain);
	show("cnd_init", cnd_init(&cv), thrd_success);
	mtx_lock(&mu);
	show("cnd_timedwait passed", cnd_timedwait(&cv, &mu, &past), thrd_timedout);
	show("cnd_timedwait +20ms", cnd_timedwait(&cv, &mu, &soon), thrd_timedout);
	mtx_unlock(&mu);
	show("cnd_signal without waiters", cnd_signal(&cv), thrd_success);
	show("cnd_broadcast without waiters", cnd_broadcast(&cv), thrd_success);
	cnd_destroy(&cv);
	mtx_destroy(&mu);
}

/* The bounded buffer and the broadcast flag, guarded by q_mu. */
static mtx_t q_mu;
static cnd_t not_full, not_empty, flag_cv, arrived_cv;
static long buf[CAP];
static int head, len;
static long sum;
static long consumed;
static int flag;
static int flag_waiting;
static int flag_woken;

static int producer(void *arg)
{
	long p = (long)(intptr_t)arg;

	for (long i = 0; i < PER_PROD; i++) {
		mtx_lock(&q_mu);
		while (len == CAP)
			cnd_wait(&not_full, &q_mu);
		buf[(head + len++) % CAP] = p * PER_PROD + i;
		cnd_signal(&not_empty);
		mtx_unlock(&q_mu);
	}
	return 0;
}

static int consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < NPROD * PER_PROD / NCONS; i++) {
		mtx_lock(&q_mu);
		while (len == 0)
			cnd_wait(&not_empty, &q_mu);
		sum += buf[head];
		head = (head + 1) % CAP;
		len--;
		consumed++;
		cnd_signal(&not_full);
		mtx_unlock(&q_mu);
	}
	return 0;
}

static void prodcons(void)
{
	thrd_t ts[NPROD + NCONS];
	long n = (long)NPROD * PER_PROD;

	for (long i = 0; i < NPROD + NCONS; i++)
		check(thrd_create(&ts[i], i < NPROD ? producer : consumer, (void *)(intptr_t)i) ==
			      thrd_success,
		      "thrd_create", i, 0);
	for (int i = 0; i < NPROD + NCONS; i++)
		thrd_join(ts[i], NULL);
	check(consumed == n, "consumed", consumed, n);
	check(sum == n * (n - 1) / 2, "sum", sum, n * (n - 1) / 2);
	printf("producer/consumer: %ld items, sum %ld\n", consumed, sum);
}

static int flag_waiter(void *arg)
{
	(void)arg;
	mtx_lock(&q_mu);
	flag_waiting++;
	cnd_signal(&arrived_cv);
	while (!flag)
		cnd_wait(&flag_cv, &q_mu);
	flag_woken++;
	mtx_unlock(&q_mu);
	return 0;
}

static void broadcast(void)
{
	thrd_t ts[NWAITERS];

	for (int i = 0; i < NWAITERS; i++)
		thrd_create(&ts[i], flag_waiter, NULL);
	mtx_lock(&q_mu);
	while (flag_waiting < NWAITERS)
		cnd_wait(&arrived_cv, &q_mu);
	flag = 1;
	show("cnd_broadcast", cnd_broadcast(&flag_cv), thrd_success);
	mtx_unlock(&q_mu);
	for (int i = 0; i < NWAITERS; i++)
		thrd_join(ts[i], NULL);
	check(flag_woken == NWAITERS, "woken by broadcast", flag_woken, NWAITERS);
	printf("broadcast woke %d of %d waiters\n", flag_woken, NWAITERS);
}

static once_flag once = ONCE_FLAG_INIT;
static atomic_int once_calls;

static void once_init(void)
{
	atomic_fetch_add(&once_calls, 1);
	thrd_yield();
}

static int once_worker(void *arg)
{
	(void)arg;
	call_once(&once, once_init);
	return 0;
}

static void call_once_race(void)
{
	thrd_t ts[NONCE];

	for (int i = 0; i < NONCE; i++)
		thrd_create(&ts[i], once_worker, NULL);
	for (int i = 0; i < NONCE; i++)
		thrd_join(ts[i], NULL);
	call_once(&once, once_init);
	check(atomic_load(&once_calls) == 1, "call_once calls", atomic_load(&once_calls), 1);
	printf("call_once from %d threads: init ran %d time(s)\n", NONCE + 1,
	       atomic_load(&once_calls));
}

int main(void)
{
	mutexes();
	timed_cnd();
	mtx_init(&q_mu, mtx_plain);
	cnd_init(&not_full);
	cnd_init(&not_empty);
	cnd_init(&flag_cv);
	cnd_init(&arrived_cv);
	prodcons();
	broadcast();
	call_once_race();
	return atomic_load(&nfail) != 0;
}
