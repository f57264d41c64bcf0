/* ptrace: Linux makes the thread that attaches a tracee its tracer, and takes requests for
 * the tracee from that thread alone. A G that attaches is therefore locked to its OS
 * thread for good (gs_lockosthread), so its later requests come from the tracer however
 * it waits in between. PTRACE_TRACEME makes the thread that forked the caller the tracer,
 * a thread goshim cannot know in advance: not supported (README). May call: runtime
 * (proc), real_sys. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/ptrace.h>

#include "../runtime/proc.h"
#include "../runtime/tls.h"
#include "real_sys.h"

long ptrace(enum __ptrace_request request, ...)
{
	va_list ap;
	pid_t pid;
	void *addr, *data;

	va_start(ap, request);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if ((request == PTRACE_ATTACH || request == PTRACE_SEIZE) && getg())
		gs_lockosthread();
	return real_sys()->ptrace(request, pid, addr, data);
}
