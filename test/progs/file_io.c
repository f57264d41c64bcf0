/* 200 threads at once each write a 64 KiB file of their own in 4 KiB write()s, fsync()
 * and close it, reopen it, read it back with read() and pread(), check every byte and
 * unlink it: regular-file I/O and fsync take the system-call hand-off. No errno is read.
 * goshim-test: tls-shared */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { NTHREADS = 200, CHUNK = 4096, CHUNKS = 16, FILESIZE = CHUNK * CHUNKS };

static char dir[] = "/tmp/goshim-file_io-XXXXXX";
static atomic_int nfail;
static atomic_int nverified;
static atomic_long nwritten, nread;

static void check(int ok, long id, const char *what, long a, long b)
{
	if (ok)
		return;
	if (atomic_fetch_add_explicit(&nfail, 1, memory_order_relaxed) < 10) {
		printf("FAIL thread %ld: %s (%ld vs %ld)\n", id, what, a, b);
		fflush(stdout);
	}
}

/* The byte at offset off of thread id's file. */
static char pattern(long id, long off)
{
	return (char)(id * 131 + off * 7 + (off >> 12) * 13);
}

static void fill(char *buf, long id, int chunk)
{
	for (int i = 0; i < CHUNK; i++)
		buf[i] = pattern(id, (long)chunk * CHUNK + i);
}

static int write_file(const char *path, long id)
{
	char buf[CHUNK];
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

	check(fd >= 0, id, "open for writing", fd, 0);
	if (fd < 0)
		return -1;
	for (int c = 0; c < CHUNKS; c++) {
		ssize_t n;

		fill(buf, id, c);
		n = write(fd, buf, CHUNK);
		check(n == CHUNK, id, "write", n, CHUNK);
		if (n > 0)
			atomic_fetch_add_explicit(&nwritten, n, memory_order_relaxed);
	}
	check(fsync(fd) == 0, id, "fsync", 0, 0);
	check(close(fd) == 0, id, "close after writing", 0, 0);
	return 0;
}

/* Even chunks come from read() at the file offset, odd ones from pread(), which must
 * not move it. */
static void read_file(const char *path, long id)
{
	char buf[CHUNK], want[CHUNK];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 1;

	check(fd >= 0, id, "open for reading", fd, 0);
	if (fd < 0)
		return;
	check(fstat(fd, &st) == 0 && st.st_size == FILESIZE, id, "size", (long)st.st_size, FILESIZE);
	for (int c = 0; c < CHUNKS; c++) {
		ssize_t n;

		if (c % 2 == 0) {
			check(lseek(fd, (off_t)c * CHUNK, SEEK_SET) == (off_t)c * CHUNK, id, "lseek", c, 0);
			n = read(fd, buf, CHUNK);
		} else {
			n = pread(fd, buf, CHUNK, (off_t)c * CHUNK);
		}
		fill(want, id, c);
		check(n == CHUNK, id, c % 2 ? "pread" : "read", n, CHUNK);
		if (n > 0)
			atomic_fetch_add_explicit(&nread, n, memory_order_relaxed);
		ok &= n == CHUNK && memcmp(buf, want, CHUNK) == 0;
	}
	check(ok, id, "contents", 0, 0);
	check(lseek(fd, 0, SEEK_END) == FILESIZE, id, "lseek to end", 0, 0);
	check(read(fd, buf, CHUNK) == 0, id, "read at end of file", 0, 0);
	check(close(fd) == 0, id, "close after reading", 0, 0);
	if (ok)
		atomic_fetch_add_explicit(&nverified, 1, memory_order_relaxed);
}

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;
	char path[64];

	snprintf(path, sizeof(path), "%s/f%03ld", dir, id);
	if (write_file(path, id) == 0)
		read_file(path, id);
	check(unlink(path) == 0, id, "unlink", 0, 0);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	int err;

	if (mkdtemp(dir) == NULL) {
		printf("FAIL mkdtemp\n");
		return 1;
	}
	for (long i = 0; i < NTHREADS; i++) {
		err = pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
		check(err == 0, i, "pthread_create", err, 0);
		if (err != 0)
			return 1;
	}
	for (int i = 0; i < NTHREADS; i++)
		check(pthread_join(t[i], NULL) == 0, i, "pthread_join", 0, 0);
	check(rmdir(dir) == 0, -1, "rmdir (directory not empty?)", 0, 0);
	printf("files: %d written, %d verified, all unlinked\n", NTHREADS, atomic_load(&nverified));
	printf("bytes: %ld written, %ld read\n", atomic_load(&nwritten), atomic_load(&nread));
	check(atomic_load(&nverified) == NTHREADS, -1, "files verified", atomic_load(&nverified), NTHREADS);
	check(atomic_load(&nwritten) == (long)NTHREADS * FILESIZE, -1, "bytes written",
	      atomic_load(&nwritten), (long)NTHREADS * FILESIZE);
	return atomic_load(&nfail) != 0;
}
