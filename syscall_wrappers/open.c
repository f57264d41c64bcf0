/* The variadic blocking calls: open and openat (FIFOs and some devices block in open), and
 * fcntl, of which only F_SETLKW and F_OFD_SETLKW block. May call: runtime, real_sys. */
#define _GNU_SOURCE
#include <stdarg.h>

#include "decls.h"
#include "fdtab.h"
#include "real_sys.h"
#include "syscall_wrappers.h"

void gs_restore_errno(int e)
{
	errno = e;
}

/* mode_arg reads open's optional third argument, present only with O_CREAT or O_TMPFILE. */
static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

static int open_via(int (*fn)(const char *, int, ...), const char *path, int flags,
		    mode_t mode)
{
	int r;

	if (!gs_enter()) {
		r = fn(path, flags, mode);
	} else {
		r = fn(path, flags, mode);
		gs_leave();
	}
	if (r >= 0)	/* the number may have been closed by the C library */
		gs_fd_forget(r);
	return r;
}

static int openat_via(int (*fn)(int, const char *, int, ...), int dirfd, const char *path,
		      int flags, mode_t mode)
{
	int r;

	if (!gs_enter()) {
		r = fn(dirfd, path, flags, mode);
	} else {
		r = fn(dirfd, path, flags, mode);
		gs_leave();
	}
	if (r >= 0)
		gs_fd_forget(r);
	return r;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_via(real_sys()->open, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return open_via(real_sys()->open64, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return openat_via(real_sys()->openat, dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return openat_via(real_sys()->openat64, dirfd, path, flags, mode);
}

/* note_fcntl keeps the fd table in step: a dup'd fd, or a new O_NONBLOCK flag. */
static void note_fcntl(int fd, int cmd, void *arg, int r)
{
	struct gs_fdent *e;

	if (r < 0)
		return;
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		gs_fd_dup(fd, r);
	} else if (cmd == F_SETFL && (e = gs_fd_get(fd))) {
		atomic_store_explicit(&e->file->nonblock, ((long)arg & O_NONBLOCK) != 0,
				      memory_order_relaxed);
		gs_fd_put(e);
	}
}

/* fcntl_via passes fcntl's argument on as a pointer-sized word, as glibc's own fcntl does
 * (every fcntl argument is an int or a pointer); only the lock waits hand the P off. */
static int fcntl_via(int (*fn)(int, int, ...), int fd, int cmd, void *arg)
{
	int r;

	if ((cmd != F_SETLKW && cmd != F_OFD_SETLKW) || !gs_enter()) {
		r = fn(fd, cmd, arg);
		note_fcntl(fd, cmd, arg, r);
		return r;
	}
	r = fn(fd, cmd, arg);
	gs_leave();
	return r;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_via(real_sys()->fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_via(real_sys()->fcntl64, fd, cmd, arg);
}
