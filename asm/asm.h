/* Context-switch entry points (asm/amd64.S). */
#ifndef GS_ASM_H
#define GS_ASM_H

#include <stdint.h>

struct g;
struct gobuf;

void gs_mcall(struct gobuf *save, uintptr_t g0sp, void (*fn)(struct g *), struct g *gp);
__attribute__((noreturn)) void gs_gogo(struct gobuf *to);
void gs_gstart_asm(void);
void gs_preempt_asm(void);
void gs_sigreturn(void);

/* Size of the frame gs_mcall saves and gs_gogo pops, return address included. */
#define GS_SWITCH_FRAME 64

#endif
