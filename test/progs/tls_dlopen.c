/* __thread variables of a library loaded with dlopen while threads run: the threads made
 * before the dlopen, those made after it, and a thread made on a recycled stack all see
 * the library's initial value, each at an address of its own, and keep what they store
 * across sleeps. (goshim gives a new thread a table of TLS modules just long enough for
 * the modules loaded when it starts; this library is one more, so glibc must grow that
 * table, with realloc, at the first access.) The same source, built with
 * GOSHIM_TEST_MODULE, is the library.
 * goshim-test: module */
#define _GNU_SOURCE
#include <stdint.h>

#ifdef GOSHIM_TEST_MODULE

__thread int mod_value = 7;
__thread char mod_pad[200] = { 1 };

int *mod_value_addr(void)
{
	return mod_pad[0] == 1 ? &mod_value : 0;
}

#else

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { BEFORE = 8, AFTER = 8 };

static int *(*value_addr)(void);
static pthread_barrier_t loaded, done;	/* done: every address taken while all live */
static int nfail;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void check(int ok, const char *what, long id, long v)
{
	pthread_mutex_lock(&lock);
	if (!ok && nfail++ < 10)
		printf("FAIL %s (thread %ld: %ld)\n", what, id, v);
	pthread_mutex_unlock(&lock);
}

struct result {
	long id;
	int *addr;
};

/* use checks the library's variable in the calling thread. */
static void use(struct result *r)
{
	int *p = value_addr();

	check(p != NULL, "library's TLS initialised", r->id, 0);
	if (p == NULL)
		return;
	check(*p == 7, "initial value", r->id, *p);
	*p = (int)r->id * 100;
	usleep(1000);
	check(*p == (int)r->id * 100, "value kept across a sleep", r->id, *p);
	r->addr = p;
}

static void use_and_wait(struct result *r)
{
	use(r);
	pthread_barrier_wait(&done);
}

static void *early(void *arg)
{
	pthread_barrier_wait(&loaded);	/* the library is loaded once this returns */
	use_and_wait(arg);
	return NULL;
}

static void *late(void *arg)
{
	use_and_wait(arg);
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

int main(void)
{
	struct result res[BEFORE + AFTER + 1];
	pthread_t t[BEFORE + AFTER + 1];
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 4);
	void *h;

	if (n <= 0) {
		printf("FAIL readlink /proc/self/exe\n");
		return 1;
	}
	strcpy(path + n, ".so");
	pthread_barrier_init(&loaded, NULL, BEFORE + 1);
	pthread_barrier_init(&done, NULL, BEFORE + AFTER + 1);
	for (long i = 0; i < BEFORE; i++) {
		res[i] = (struct result){ .id = i + 1 };
		pthread_create(&t[i], NULL, early, &res[i]);
	}
	/* a dead thread, whose stack one made below is given again */
	pthread_t dead;

	pthread_create(&dead, NULL, nothing, NULL);
	pthread_join(dead, NULL);
	h = dlopen(path, RTLD_NOW);
	if (h == NULL || (value_addr = (int *(*)(void))dlsym(h, "mod_value_addr")) == NULL) {
		printf("FAIL dlopen: %s\n", dlerror());
		return 1;
	}
	struct result mine = { .id = 99 };

	use(&mine);
	pthread_barrier_wait(&loaded);
	for (long i = BEFORE; i < BEFORE + AFTER + 1; i++) {
		res[i] = (struct result){ .id = i + 1 };
		pthread_create(&t[i], NULL, late, &res[i]);
	}
	for (int i = 0; i < BEFORE + AFTER + 1; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < BEFORE + AFTER + 1; i++) {
		check(res[i].addr != mine.addr, "address of its own", res[i].id, 0);
		for (int j = 0; j < i; j++)
			check(res[i].addr != res[j].addr, "address of its own", res[i].id, res[j].id);
	}
	printf("%d threads before dlopen, %d after, main: %s\n", BEFORE, AFTER + 1,
	       nfail ? "FAILED" : "ok");
	return nfail != 0;
}

#endif
