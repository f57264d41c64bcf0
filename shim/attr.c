/* Thread attributes and names of Gs: pthread_getattr_np, the default attributes,
 * pthread_setname_np/getname_np. May call: runtime, real. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "../runtime/tls.h"
#include "real.h"
#include "shim.h"

void gs_attr_defaults(void)
{
	pthread_attr_t attr;

	if (real()->pthread_getattr_default_np(&attr) != 0)
		return;
	pthread_attr_getstacksize(&attr, &gs_shim.libc_stacksize);
	pthread_attr_getguardsize(&attr, &gs_shim.guardsize);
	pthread_attr_destroy(&attr);
	if (gs_shim.stacksize == 0 || !gs_shim.up)
		gs_shim.stacksize = gs_shim.libc_stacksize;
}

int pthread_setattr_default_np(const pthread_attr_t *attr)
{
	int err = real()->pthread_setattr_default_np(attr);

	if (err == 0 && gs_shim.up) {
		size_t old = gs_shim.libc_stacksize;
		size_t cur = gs_shim.stacksize;

		gs_attr_defaults();
		/* the program's own default wins over GOSHIM_STACK, as a set size does */
		if (gs_shim.libc_stacksize != old)
			cur = gs_shim.libc_stacksize;
		gs_shim.stacksize = cur;
	}
	return err;
}

static struct g *handle_g(pthread_t t)
{
	return gs_shim.up ? gs_handle_g((void *)t) : NULL;
}

int pthread_getattr_np(pthread_t thread, pthread_attr_t *attr)
{
	struct g *gp = handle_g(thread);
	int err;

	if (gp == NULL || gp->is_main)
		return real()->pthread_getattr_np(thread, attr);
	err = pthread_attr_init(attr);
	if (err)
		return err;
	pthread_attr_setstack(attr, gp->stack.lo, gp->stack.size);
	pthread_attr_setguardsize(attr, gp->stack.guard);
	if (atomic_load_explicit(&gp->joinstate, memory_order_relaxed) == Jdetached)
		pthread_attr_setdetachstate(attr, PTHREAD_CREATE_DETACHED);
	return 0;
}

int pthread_setname_np(pthread_t thread, const char *name)
{
	struct g *gp = handle_g(thread);

	if (gp == NULL)
		return real()->pthread_setname_np(thread, name);
	if (strlen(name) >= GS_NAME_LEN)
		return ERANGE;
	strcpy(gp->name, name);
	return 0;
}

int pthread_getname_np(pthread_t thread, char *buf, size_t len)
{
	struct g *gp = handle_g(thread);

	if (gp == NULL)
		return real()->pthread_getname_np(thread, buf, len);
	if (len < strlen(gp->name) + 1)
		return ERANGE;
	strcpy(buf, gp->name);
	return 0;
}
