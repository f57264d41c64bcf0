/* Parsing of goshim's environment variables. */
#ifndef GS_ENV_H
#define GS_ENV_H

#include <stdbool.h>
#include <stddef.h>

struct gs_config {
	int gomaxprocs;		/* 0: not set */
	size_t stacksize;	/* 0: not set */
	bool tls_shared;
	int schedtrace;		/* GODEBUG schedtrace=MS; 0: off */
	bool scheddetail;	/* GODEBUG scheddetail=1 */
};

/* gs_env_parse reads GOMAXPROCS, GOSHIM_STACK, GOSHIM_TLS and GODEBUG from getenv's view
 * into c. GODEBUG entries it does not know, or cannot parse, are ignored, as Go does.
 * Returns NULL, or a one-line error message in err (without the "goshim: " prefix). */
const char *gs_env_parse(struct gs_config *c, char *err, size_t errlen);

/* gs_parse_procs and gs_parse_size parse one value; they return false if it is malformed
 * or out of range. */
bool gs_parse_procs(const char *s, int *out);
bool gs_parse_size(const char *s, size_t *out);

/* gs_parse_godebug reads schedtrace and scheddetail out of a GODEBUG value. */
void gs_parse_godebug(const char *v, struct gs_config *c);

/* gs_default_procs is the CPU count of the affinity mask, lowered to the cgroup v2 CPU
 * quota when one is set. */
int gs_default_procs(void);

#endif
