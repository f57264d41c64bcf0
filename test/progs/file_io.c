/* 200 threads write, fsync, reread and check files of their own at once: regular-file I/O
 * and fsync take the system-call hand-off.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { NTHREADS = 200, CHUNK = 4096, CHUNKS = 16 };

static char dir[] = "/tmp/goshim-fileio-XXXXXX";
static atomic_int nfail;
static atomic_long bytes;

static void fill(char *buf, long id, int chunk)
{
	for (int i = 0; i < CHUNK; i++)
		buf[i] = (char)(id * 31 + chunk * 7 + i);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	char path[64], buf[CHUNK], want[CHUNK];
	int fd;

	snprintf(path, sizeof(path), "%s/f%ld", dir, id);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0)
		goto fail;
	for (int c = 0; c < CHUNKS; c++) {
		fill(buf, id, c);
		if (write(fd, buf, CHUNK) != CHUNK)
			goto fail;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		goto fail;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		goto fail;
	for (int c = 0; c < CHUNKS; c++) {
		ssize_t n = c % 2 ? pread(fd, buf, CHUNK, (off_t)c * CHUNK) : read(fd, buf, CHUNK);

		fill(want, id, c);
		if (n != CHUNK || memcmp(buf, want, CHUNK) != 0)
			goto fail;
		if (c % 2)
			lseek(fd, (off_t)(c + 1) * CHUNK, SEEK_SET);
		atomic_fetch_add(&bytes, n);
	}
	close(fd);
	unlink(path);
	return NULL;
fail:
	atomic_fetch_add(&nfail, 1);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];

	if (mkdtemp(dir) == NULL)
		return 1;
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	rmdir(dir);
	printf("threads: %d, bytes verified: %ld\n", NTHREADS, atomic_load(&bytes));
	if (atomic_load(&nfail))
		printf("FAIL: %d threads failed\n", atomic_load(&nfail));
	return 0;
}
