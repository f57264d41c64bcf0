/* The variadic blocking calls: open and openat (FIFOs and some devices block in open), and
 * fcntl, of which only F_SETLKW and F_OFD_SETLKW block. May call: runtime, real_sys. */
#define _GNU_SOURCE
#include <stdarg.h>

#include "decls.h"
#include "real_sys.h"
#include "syscall_wrappers.h"

void gs_restore_errno(int e)
{
	errno = e;
}

/* mode_of reads open's optional third argument, present only with O_CREAT or O_TMPFILE. */
static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (!gs_enter())
		return real_sys()->open(path, flags, mode);
	r = real_sys()->open(path, flags, mode);
	gs_leave();
	return r;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (!gs_enter())
		return real_sys()->open64(path, flags, mode);
	r = real_sys()->open64(path, flags, mode);
	gs_leave();
	return r;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (!gs_enter())
		return real_sys()->openat(dirfd, path, flags, mode);
	r = real_sys()->openat(dirfd, path, flags, mode);
	gs_leave();
	return r;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (!gs_enter())
		return real_sys()->openat64(dirfd, path, flags, mode);
	r = real_sys()->openat64(dirfd, path, flags, mode);
	gs_leave();
	return r;
}

static bool fcntl_blocks(int cmd)
{
	return cmd == F_SETLKW || cmd == F_OFD_SETLKW;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	int r;

	/* every fcntl argument is an int or a pointer: passing it on as a pointer-sized word
	 * is what glibc's own fcntl does */
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!fcntl_blocks(cmd) || !gs_enter())
		return real_sys()->fcntl(fd, cmd, arg);
	r = real_sys()->fcntl(fd, cmd, arg);
	gs_leave();
	return r;
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!fcntl_blocks(cmd) || !gs_enter())
		return real_sys()->fcntl64(fd, cmd, arg);
	r = real_sys()->fcntl64(fd, cmd, arg);
	gs_leave();
	return r;
}
