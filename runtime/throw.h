/* Fatal errors inside goshim. */
#ifndef GS_THROW_H
#define GS_THROW_H

/* throw writes "goshim: what: why" to fd 2 with a raw write and aborts. Async-signal-safe;
 * usable on g0 with any thread pointer loaded. */
__attribute__((noreturn)) void gs_throw(const char *what, const char *why);

/* gs_fatal writes "goshim: msg" and exits with status, for errors in the user's input. */
__attribute__((noreturn)) void gs_fatal(int status, const char *msg);

#endif
