/* Creating and closing sockets, pipes and eventfds on threads takes nothing from the
 * program's malloc heap, as natively: goshim's per-fd records must not come from malloc,
 * and above all must not be freed on the closing thread, where glibc's free() would first
 * give that thread a malloc cache of its own (about 600 bytes for each thread that ever
 * closes an fd). Each thread creates and closes its fds between two barriers while every
 * thread is alive; main compares malloc's bytes in use (all arenas) across that span.
 * Natively nothing is allocated there; goshim may start an M meanwhile (a few KiB of its
 * own, once), so the bound is SLACK bytes for all threads together, where a malloc cache
 * or a record per thread would be 40 KiB or more. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

enum { THREADS = 64, ROUNDS = 4, SLACK = 16384 };

static pthread_barrier_t start, done, leave;
static int nbad;

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < ROUNDS; i++) {
		int sv[2], p[2], ev, s;

		s = socket(AF_INET, SOCK_STREAM, 0);
		ev = eventfd(0, 0);
		if (s < 0 || ev < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || pipe(p) != 0) {
			__atomic_fetch_add(&nbad, 1, __ATOMIC_RELAXED);
			break;
		}
		int d = dup(sv[0]);

		close(s);
		close(ev);
		close(sv[0]);
		close(sv[1]);
		close(p[0]);
		close(p[1]);
		if (d >= 0)
			close(d);
	}
	pthread_barrier_wait(&done);
	pthread_barrier_wait(&leave);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	size_t before, after;

	pthread_barrier_init(&start, NULL, THREADS + 1);
	pthread_barrier_init(&done, NULL, THREADS + 1);
	pthread_barrier_init(&leave, NULL, THREADS + 1);
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0) {
			printf("FAIL pthread_create\n");
			return 1;
		}
	before = mallinfo2().uordblks;
	pthread_barrier_wait(&start);
	pthread_barrier_wait(&done);
	after = mallinfo2().uordblks;
	pthread_barrier_wait(&leave);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("fds failed: %d\n", nbad);
	if (after > before + SLACK)
		printf("FAIL malloc bytes in use grew by %zu across the threads' fd calls\n",
		       after - before);
	printf("malloc heap kept out of fd creation and close: %s\n",
	       after <= before + SLACK ? "yes" : "no");
	return 0;
}
