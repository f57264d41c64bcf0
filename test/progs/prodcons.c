/* A bounded buffer (capacity 16) with one mutex and two condvars: 8
 * producers, 8 consumers. Checks the sum and xor of all consumed items and
 * that each producer's items leave the buffer in order.
 * Sync: pthread mutex and condvars.
 * goshim-test: tls-shared */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { CAP = 16, NPROD = 8, NCONS = 8, PER_PROD = 20000 };
enum { PER_CONS = NPROD * PER_PROD / NCONS };

static atomic_int nfail;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
/* Guarded by mu. */
static long buf[CAP];
static int head, len;
static long next_seq[NPROD];
static long sum;
static unsigned long xor;
static long consumed;

static void check(int ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		fflush(stdout);
	}
}

/* mix spreads items over all bits so that the xor catches a lost or
 * duplicated item (a plain xor of the items happens to be 0). */
static unsigned long mix(long item)
{
	return (unsigned long)item * 0x9e3779b97f4a7c15ul;
}

static void *producer(void *arg)
{
	long p = (long)(intptr_t)arg;

	for (long seq = 0; seq < PER_PROD; seq++) {
		pthread_mutex_lock(&mu);
		while (len == CAP)
			pthread_cond_wait(&not_full, &mu);
		buf[(head + len) % CAP] = p * 1000000 + seq;
		len++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER_CONS; i++) {
		long item, p, seq;

		pthread_mutex_lock(&mu);
		while (len == 0)
			pthread_cond_wait(&not_empty, &mu);
		item = buf[head];
		head = (head + 1) % CAP;
		len--;
		p = item / 1000000;
		seq = item % 1000000;
		check(p >= 0 && p < NPROD, "producer id", p, NPROD);
		if (p >= 0 && p < NPROD) {
			check(seq == next_seq[p], "per-producer order", seq, next_seq[p]);
			next_seq[p] = seq + 1;
		}
		sum += item;
		xor ^= mix(item);
		consumed++;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

int main(void)
{
	pthread_t prods[NPROD], conss[NCONS];
	long want_sum = 0;
	unsigned long want_xor = 0;

	for (long i = 0; i < NCONS; i++)
		check(pthread_create(&conss[i], NULL, consumer, NULL) == 0,
		      "pthread_create consumer", i, 0);
	for (long i = 0; i < NPROD; i++)
		check(pthread_create(&prods[i], NULL, producer, (void *)(intptr_t)i) == 0,
		      "pthread_create producer", i, 0);
	for (int i = 0; i < NPROD; i++)
		check(pthread_join(prods[i], NULL) == 0, "pthread_join producer", i, 0);
	for (int i = 0; i < NCONS; i++)
		check(pthread_join(conss[i], NULL) == 0, "pthread_join consumer", i, 0);
	for (long p = 0; p < NPROD; p++) {
		for (long seq = 0; seq < PER_PROD; seq++) {
			want_sum += p * 1000000 + seq;
			want_xor ^= mix(p * 1000000 + seq);
		}
		check(next_seq[p] == PER_PROD, "all items of producer", next_seq[p], PER_PROD);
	}
	check(consumed == NPROD * PER_PROD, "consumed", consumed, NPROD * PER_PROD);
	check(len == 0, "buffer empty", len, 0);
	check(sum == want_sum, "sum", sum, want_sum);
	check(xor == want_xor, "xor", (long)xor, (long)want_xor);
	printf("consumed %ld items from %d producers by %d consumers\n", consumed, NPROD,
	       NCONS);
	printf("sum %ld xor %#lx\n", sum, xor);
	return atomic_load(&nfail) != 0;
}
