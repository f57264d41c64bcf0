/* State shared by the interposed functions. */
#ifndef GS_SHIM_H
#define GS_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#include "../runtime/proc.h"

/* Set once by the constructor; read-only afterwards. */
struct gs_shim {
	bool up;		/* the runtime runs: G 1 exists */
	size_t stacksize;	/* default G stack: GOSHIM_STACK or the C library's default */
	size_t guardsize;	/* default guard: the C library's default */
	size_t libc_stacksize;	/* the C library's default, to tell "not set" in an attr */
};

extern struct gs_shim gs_shim;

/* gs_attr_defaults re-reads the C library's default thread attributes. */
void gs_attr_defaults(void);

/* gs_keys_exit runs the running G's key destructors, as glibc does at thread exit. */
void gs_keys_exit(struct g *gp);

/* gs_gmain is the body of every G but G 1 (gs_hooks.gmain). */
__attribute__((noreturn)) void gs_gmain(struct g *gp);

/* gs_testcancel is a cancellation point of goshim's: it acts on a pthread_cancel of the
 * running G (unwinding it) and clears its interrupt (cancel.c). */
void gs_testcancel(void);

/* gs_signal_init installs goshim's preemption signal handler. */
void gs_signal_init(void);

/* gs_thread_exit is the exit path of every G. */
__attribute__((noreturn)) void gs_thread_exit(void *retval);

#endif
