/* Fatal errors: one raw write to fd 2, then abort or exit. May call: raw syscalls only. */
#include <string.h>

#include "sys.h"
#include "throw.h"

static void write_line(const char *a, const char *b)
{
	char buf[512];
	size_t n = 0;
	const char *parts[] = { "goshim: ", a, b ? ": " : "", b ? b : "", "\n" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		for (const char *s = parts[i]; *s && n < sizeof(buf) - 1; s++)
			buf[n++] = *s;
	}
	if (buf[n - 1] != '\n')
		buf[n++] = '\n';
	/* Nothing more can be done if stderr is gone. */
	(void)sys_write(2, buf, n);
}

void gs_throw(const char *what, const char *why)
{
	write_line(what, why);
	sys_abort();
}

void gs_fatal(int status, const char *msg)
{
	write_line(msg, NULL);
	sys_call6(SYS_exit_group, status, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}
