/* A thread that is not a G calls the interposed functions: glibc runs a
 * SIGEV_THREAD timer's callback on a thread it creates internally, bypassing
 * pthread_create. From there: pthread_self/equal, a key shared with Gs, a
 * pthread_once raced by a G, threads created, joined and detached, getattr_np,
 * names, yields, and the C11 equivalents. Sync: atomics and sched_yield; main
 * prints every result once the callback and the G are done.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>
#include <time.h>

enum { MAX_CHECKS = 64, INIT_YIELDS = 100, DEADLINE_S = 20 };

/* Each thread records its results in its own list; main prints the lists
 * after seeing the thread done (acquire on its done flag), in a fixed order. */
struct check {
	const char *what;
	int ok;
	long a, b;
};

struct checks {
	struct check c[MAX_CHECKS];
	int n;
};

static struct checks cb_checks;
static struct checks racer_checks;
static struct checks main_checks;

static atomic_int cb_started;
static atomic_int cb_done;
static atomic_int racer_done;
static atomic_int child_release;
static atomic_int detached_ran;
static pthread_t main_self;
static pthread_t cb_self;
static pthread_key_t shared_key;
static pthread_once_t race_once = PTHREAD_ONCE_INIT;
static atomic_int init_calls;
/* Plain ints on purpose: pthread_once and call_once must publish them. */
static int init_effect;
static int c11_effect;
static once_flag c11_once = ONCE_FLAG_INIT;
static char main_name[16];

/* The values stored under shared_key: one per thread, told apart by address. */
static int main_val, cb_val, racer_val, child_val;

static void check(struct checks *cs, const char *what, int ok, long a, long b)
{
	if (cs->n < MAX_CHECKS)
		cs->c[cs->n++] = (struct check){ what, ok, a, b };
}

static void print_checks(const char *who, const struct checks *cs)
{
	for (int i = 0; i < cs->n; i++) {
		const struct check *c = &cs->c[i];

		if (c->ok)
			printf("%s: %s\n", who, c->what);
		else
			printf("FAIL %s: %s (%ld vs %ld)\n", who, c->what, c->a, c->b);
	}
}

static void init_routine(void)
{
	atomic_fetch_add_explicit(&init_calls, 1, memory_order_relaxed);
	/* widen the window in which the other caller finds the routine running */
	for (int i = 0; i < INIT_YIELDS; i++)
		sched_yield();
	init_effect = 42;
}

static void c11_init(void)
{
	c11_effect = 7;
}

/* child runs on a thread the callback created. It returns arg * 2 + 1 if its
 * own checks passed, -1 if not. */
static void *child(void *arg)
{
	long i = (long)(intptr_t)arg;
	pthread_t self = pthread_self();
	int ok = self != 0 && !pthread_equal(self, cb_self) && !pthread_equal(self, main_self);

	ok = ok && pthread_getspecific(shared_key) == NULL;
	ok = ok && pthread_setspecific(shared_key, &child_val) == 0;
	ok = ok && sched_yield() == 0;
	ok = ok && pthread_getspecific(shared_key) == &child_val;
	return (void *)(intptr_t)(ok ? i * 2 + 1 : -1);
}

/* waiter runs until the callback releases it, so that tryjoin finds it alive. */
static void *waiter(void *arg)
{
	while (!atomic_load_explicit(&child_release, memory_order_relaxed))
		sched_yield();
	return arg;
}

static void *detached_child(void *arg)
{
	(void)arg;
	/* release pairs with the callback's acquire poll */
	atomic_store_explicit(&detached_ran, 1, memory_order_release);
	return NULL;
}

static int c11_child(void *arg)
{
	return (int)(intptr_t)arg + 100;
}

/* cb_identity: pthread_self and pthread_equal on the foreign thread. */
static void cb_identity(struct checks *cs)
{
	pthread_t self = pthread_self();

	cb_self = self;
	check(cs, "pthread_self is non-zero", self != 0, 0, 0);
	check(cs, "pthread_self equals itself", pthread_equal(self, pthread_self()), 0, 0);
	check(cs, "pthread_self differs from main's", !pthread_equal(self, main_self), 0, 0);
	check(cs, "thrd_current equals itself", thrd_equal(thrd_current(), thrd_current()), 0, 0);
}

/* cb_keys: the key main and the racer G also use, and a key of its own. */
static void cb_keys(struct checks *cs)
{
	pthread_key_t own;
	tss_t tss;
	int err;

	check(cs, "shared key starts NULL", pthread_getspecific(shared_key) == NULL, 0, 0);
	err = pthread_setspecific(shared_key, &cb_val);
	check(cs, "pthread_setspecific shared key", err == 0, err, 0);
	check(cs, "shared key reads back its own value",
	      pthread_getspecific(shared_key) == &cb_val, 0, 0);
	err = pthread_key_create(&own, NULL);
	check(cs, "pthread_key_create", err == 0, err, 0);
	if (err == 0) {
		check(cs, "own key starts NULL", pthread_getspecific(own) == NULL, 0, 0);
		err = pthread_setspecific(own, &cb_val);
		check(cs, "own key round trip",
		      err == 0 && pthread_getspecific(own) == &cb_val, err, 0);
		err = pthread_key_delete(own);
		check(cs, "pthread_key_delete", err == 0, err, 0);
	}
	err = tss_create(&tss, NULL);
	check(cs, "tss_create", err == thrd_success, err, thrd_success);
	if (err == thrd_success) {
		err = tss_set(tss, &cb_val);
		check(cs, "tss round trip", err == thrd_success && tss_get(tss) == &cb_val, err, 0);
		tss_delete(tss);
	}
}

/* cb_once: races the racer G on race_once; call_once on a flag of its own. */
static void cb_once(struct checks *cs)
{
	int err;

	atomic_store_explicit(&cb_started, 1, memory_order_relaxed);
	err = pthread_once(&race_once, init_routine);
	check(cs, "pthread_once raced with a G", err == 0, err, 0);
	check(cs, "pthread_once effect visible", init_effect == 42, init_effect, 42);
	call_once(&c11_once, c11_init);
	check(cs, "call_once effect visible", c11_effect == 7, c11_effect, 7);
}

/* cb_create: threads created by the foreign thread, joined every way. */
static void cb_create(struct checks *cs)
{
	pthread_t t;
	void *ret = NULL;
	struct timespec abs;
	thrd_t ct;
	int err, res = 0;

	err = pthread_create(&t, NULL, child, (void *)(intptr_t)20);
	check(cs, "pthread_create", err == 0, err, 0);
	if (err == 0) {
		check(cs, "new thread differs from the creator", !pthread_equal(t, cb_self), 0, 0);
		err = pthread_join(t, &ret);
		check(cs, "pthread_join", err == 0, err, 0);
		check(cs, "joined thread's return value arrives", (intptr_t)ret == 41,
		      (long)(intptr_t)ret, 41);
	}
	err = pthread_create(&t, NULL, waiter, (void *)(intptr_t)5);
	check(cs, "pthread_create waiter", err == 0, err, 0);
	if (err == 0) {
		err = pthread_tryjoin_np(t, &ret);
		check(cs, "pthread_tryjoin_np on a running thread is EBUSY", err == EBUSY, err,
		      EBUSY);
		atomic_store_explicit(&child_release, 1, memory_order_relaxed);
		clock_gettime(CLOCK_REALTIME, &abs);
		abs.tv_sec += DEADLINE_S;
		err = pthread_timedjoin_np(t, &ret, &abs);
		check(cs, "pthread_timedjoin_np", err == 0 && (intptr_t)ret == 5, err, 0);
	}
	err = pthread_create(&t, NULL, detached_child, NULL);
	check(cs, "pthread_create to detach", err == 0, err, 0);
	if (err == 0) {
		err = pthread_detach(t);
		check(cs, "pthread_detach", err == 0, err, 0);
		while (!atomic_load_explicit(&detached_ran, memory_order_acquire))
			sched_yield();
	}
	err = thrd_create(&ct, c11_child, (void *)(intptr_t)3);
	check(cs, "thrd_create", err == thrd_success, err, thrd_success);
	if (err == thrd_success) {
		err = thrd_join(ct, &res);
		check(cs, "thrd_join result arrives", err == thrd_success && res == 103, res, 103);
	}
	check(cs, "shared key kept its value", pthread_getspecific(shared_key) == &cb_val, 0, 0);
}

/* cb_attr_names: getattr_np, yields and names on the foreign thread itself. */
static void cb_attr_names(struct checks *cs)
{
	pthread_attr_t attr;
	void *addr = NULL;
	size_t size = 0;
	char here, name[16] = "";
	int err;

	err = pthread_getattr_np(pthread_self(), &attr);
	check(cs, "pthread_getattr_np on itself", err == 0, err, 0);
	if (err == 0) {
		pthread_attr_getstack(&attr, &addr, &size);
		check(cs, "its stack holds the running frame",
		      (char *)addr <= &here && &here < (char *)addr + size, (long)size, 0);
		pthread_attr_destroy(&attr);
	}
	err = sched_yield();
	check(cs, "sched_yield returns 0", err == 0, err, 0);
	thrd_yield();
	err = pthread_getname_np(pthread_self(), name, sizeof name);
	check(cs, "pthread_getname_np on itself", err == 0, err, 0);
	check(cs, "its name is the process's", strcmp(name, main_name) == 0, 0, 0);
	err = pthread_setname_np(pthread_self(), "foreign-cb");
	check(cs, "pthread_setname_np on itself", err == 0, err, 0);
	err = pthread_getname_np(pthread_self(), name, sizeof name);
	check(cs, "name round trip", err == 0 && strcmp(name, "foreign-cb") == 0, err, 0);
}

static void callback(union sigval sv)
{
	struct checks *cs = sv.sival_ptr;

	cb_identity(cs);
	cb_keys(cs);
	cb_once(cs);
	cb_create(cs);
	cb_attr_names(cs);
	/* release pairs with main's acquire: cb_checks is complete */
	atomic_store_explicit(&cb_done, 1, memory_order_release);
}

/* racer is a G: it uses the shared key too, and calls pthread_once as soon
 * as the callback is about to. */
static void *racer(void *arg)
{
	struct checks *cs = arg;
	int err;

	check(cs, "shared key starts NULL", pthread_getspecific(shared_key) == NULL, 0, 0);
	err = pthread_setspecific(shared_key, &racer_val);
	check(cs, "pthread_setspecific shared key", err == 0, err, 0);
	while (!atomic_load_explicit(&cb_started, memory_order_relaxed))
		sched_yield();
	err = pthread_once(&race_once, init_routine);
	check(cs, "pthread_once raced with the callback", err == 0, err, 0);
	check(cs, "pthread_once effect visible", init_effect == 42, init_effect, 42);
	check(cs, "shared key kept its value", pthread_getspecific(shared_key) == &racer_val,
	      0, 0);
	atomic_store_explicit(&racer_done, 1, memory_order_release);
	return NULL;
}

/* wait_for polls flag with sched_yield; false after DEADLINE_S seconds. */
static int wait_for(atomic_int *flag)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!atomic_load_explicit(flag, memory_order_acquire)) {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > DEADLINE_S)
			return 0;
	}
	return 1;
}

/* fire_timer runs callback once on glibc's timer thread, 1 ms from now. */
static int fire_timer(timer_t *timer)
{
	struct sigevent sev = { 0 };
	struct itimerspec its = { 0 };

	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = callback;
	sev.sigev_value.sival_ptr = &cb_checks;
	if (timer_create(CLOCK_MONOTONIC, &sev, timer) != 0) {
		printf("FAIL timer_create: %s\n", strerror(errno));
		return 0;
	}
	its.it_value.tv_nsec = 1000000;
	if (timer_settime(*timer, 0, &its, NULL) != 0) {
		printf("FAIL timer_settime: %s\n", strerror(errno));
		return 0;
	}
	return 1;
}

int main(void)
{
	struct checks *cs = &main_checks;
	pthread_t r;
	timer_t timer;
	int err, ok;

	main_self = pthread_self();
	check(cs, "pthread_getname_np on main", pthread_getname_np(main_self, main_name,
								  sizeof main_name) == 0, 0, 0);
	err = pthread_key_create(&shared_key, NULL);
	check(cs, "pthread_key_create", err == 0, err, 0);
	check(cs, "pthread_setspecific", pthread_setspecific(shared_key, &main_val) == 0, 0, 0);
	err = pthread_create(&r, NULL, racer, &racer_checks);
	check(cs, "pthread_create racer", err == 0, err, 0);
	if (!fire_timer(&timer))
		return 1;
	ok = wait_for(&cb_done);
	check(cs, "the timer callback ran", ok, 0, 0);
	/* without the callback, let the racer go rather than hang in the join */
	atomic_store_explicit(&cb_started, 1, memory_order_relaxed);
	if (err == 0) {
		err = pthread_join(r, NULL);
		check(cs, "pthread_join racer", err == 0 && racer_done, err, 0);
	}
	check(cs, "init routine ran once", init_calls == 1, init_calls, 1);
	check(cs, "shared key kept its value", pthread_getspecific(shared_key) == &main_val,
	      0, 0);
	timer_delete(timer);
	print_checks("main", cs);
	print_checks("racer", &racer_checks);
	if (ok)
		print_checks("callback", &cb_checks);
	return 0;
}
