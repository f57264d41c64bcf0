/* setuid and its kind: Linux changes the credentials of the calling OS thread only, POSIX
 * those of the process, so each call is made on every OS thread (runtime/allthreads.c)
 * instead of glibc's SIGSETXID round, which under goshim misses threads and hangs.
 * initgroups is here too, since glibc's calls its own setgroups. May call: runtime
 * (allthreads), the C library's getgrouplist. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../runtime/allthreads.h"
#include "syscall_wrappers.h"

static int setxid(long nr, long a, long b, long c)
{
	return (int)gs_ret(gs_allthreads_syscall(nr, a, b, c));
}

int setuid(uid_t uid)
{
	return setxid(SYS_setuid, uid, 0, 0);
}

int setgid(gid_t gid)
{
	return setxid(SYS_setgid, gid, 0, 0);
}

int setreuid(uid_t ruid, uid_t euid)
{
	return setxid(SYS_setreuid, ruid, euid, 0);
}

int setregid(gid_t rgid, gid_t egid)
{
	return setxid(SYS_setregid, rgid, egid, 0);
}

int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	return setxid(SYS_setresuid, ruid, euid, suid);
}

int setresgid(gid_t rgid, gid_t egid, gid_t sgid)
{
	return setxid(SYS_setresgid, rgid, egid, sgid);
}

/* seteuid and setegid refuse -1, which setresuid would take for "unchanged" */
int seteuid(uid_t euid)
{
	if (euid == (uid_t)-1) {
		errno = EINVAL;
		return -1;
	}
	return setxid(SYS_setresuid, (uid_t)-1, euid, (uid_t)-1);
}

int setegid(gid_t egid)
{
	if (egid == (gid_t)-1) {
		errno = EINVAL;
		return -1;
	}
	return setxid(SYS_setresgid, (gid_t)-1, egid, (gid_t)-1);
}

int setgroups(size_t n, const gid_t *groups)
{
	return setxid(SYS_setgroups, (long)n, (long)groups, 0);
}

/* initgroups sets user's groups and group, as many as the kernel takes, as glibc's does */
int initgroups(const char *user, gid_t group)
{
	long max = sysconf(_SC_NGROUPS_MAX);
	int n = 64, want;
	gid_t *groups = NULL, *more;
	int r;

	for (;;) {
		more = realloc(groups, (size_t)n * sizeof(*groups));
		if (more == NULL) {
			free(groups);
			errno = ENOMEM;
			return -1;
		}
		groups = more;
		want = n;
		if (getgrouplist(user, group, groups, &want) >= 0)
			break;
		n = want > n ? want : n * 2;
	}
	if (max > 0 && want > max)
		want = (int)max;
	r = setgroups((size_t)want, groups);
	free(groups);
	return r;
}
