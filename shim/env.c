/* Environment variables and the default GOMAXPROCS. May call: libc (runs in the
 * constructor, before any G exists). */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"

#define MAXPROCS 1024
#define STACK_MIN (16ul * 1024)
#define STACK_MAX (1ul << 30)

bool gs_parse_procs(const char *s, int *out)
{
	long v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (*s - '0');
		if (v > MAXPROCS)
			return false;
	}
	if (v < 1)
		return false;
	*out = (int)v;
	return true;
}

bool gs_parse_size(const char *s, size_t *out)
{
	size_t v = 0, unit = 1;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (size_t)(*s - '0');
		if (v > STACK_MAX)
			return false;
	}
	switch (*s) {
	case '\0':
		break;
	case 'k': case 'K':
		unit = 1ul << 10;
		break;
	case 'm': case 'M':
		unit = 1ul << 20;
		break;
	case 'g': case 'G':
		unit = 1ul << 30;
		break;
	default:
		return false;
	}
	if (*s && s[1] != '\0')
		return false;
	if (v > STACK_MAX / unit || v * unit < STACK_MIN)
		return false;
	*out = v * unit;
	return true;
}

/* cgroup_quota returns ceil(quota/period) of the tightest cpu.max on the way from this
 * process's cgroup v2 to the root, or 0 if none is set. */
static int cgroup_quota(void)
{
	char line[512], path[1024], buf[64];
	int best = 0;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (f == NULL)
		return 0;
	path[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s", line + 3);
		}
	}
	fclose(f);
	while (path[0]) {
		char file[1100];
		long quota, period;
		int fd;
		ssize_t n;

		snprintf(file, sizeof(file), "%s/cpu.max", path);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			if (sscanf(buf, "%ld %ld", &quota, &period) == 2 && quota > 0 && period > 0) {
				int q = (int)((quota + period - 1) / period);

				if (best == 0 || q < best)
					best = q;
			}
		}
		if (strcmp(path, "/sys/fs/cgroup") == 0)
			break;
		*strrchr(path, '/') = '\0';
	}
	return best;
}

int gs_default_procs(void)
{
	cpu_set_t set;
	int n = 1, q;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	q = cgroup_quota();
	if (q > 0 && q < n)
		n = q;
	if (n > MAXPROCS)
		n = MAXPROCS;
	return n < 1 ? 1 : n;
}

void gs_parse_godebug(const char *v, struct gs_config *c)
{
	while (v && *v) {
		const char *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);
		char item[64];
		char *eq;
		long n;

		if (len < sizeof(item)) {
			memcpy(item, v, len);
			item[len] = '\0';
			eq = strchr(item, '=');
			if (eq) {
				*eq++ = '\0';
				n = strspn(eq, "0123456789") == strlen(eq) && *eq && strlen(eq) < 9
					    ? atol(eq)
					    : -1;
				if (strcmp(item, "schedtrace") == 0 && n > 0)
					c->schedtrace = (int)n;
				else if (strcmp(item, "scheddetail") == 0 && n >= 0)
					c->scheddetail = n > 0;
			}
		}
		v = end ? end + 1 : NULL;
	}
}

const char *gs_env_parse(struct gs_config *c, char *err, size_t errlen)
{
	const char *v;

	c->gomaxprocs = 0;
	c->stacksize = 0;
	c->tls_shared = false;
	c->schedtrace = 0;
	c->scheddetail = false;
	gs_parse_godebug(getenv("GODEBUG"), c);
	v = getenv("GOMAXPROCS");
	if (v && *v && !gs_parse_procs(v, &c->gomaxprocs)) {
		snprintf(err, errlen, "GOMAXPROCS=%s: want a whole number from 1 to %d", v, MAXPROCS);
		return err;
	}
	v = getenv("GOSHIM_STACK");
	if (v && *v && !gs_parse_size(v, &c->stacksize)) {
		snprintf(err, errlen,
			 "GOSHIM_STACK=%s: want a size from 16k to 1g (bytes, or with k, m or g)", v);
		return err;
	}
	v = getenv("GOSHIM_TLS");
	if (v && *v) {
		if (strcmp(v, "shared") == 0) {
			c->tls_shared = true;
		} else if (strcmp(v, "private") != 0) {
			snprintf(err, errlen, "GOSHIM_TLS=%s: want private or shared", v);
			return err;
		}
	}
	return NULL;
}
