/* x86-64 context switch. A switched-out context is a frame on its own stack holding the
 * callee-saved registers, MXCSR and the x87 control word; struct gobuf keeps only its sp.
 * Frame, from sp upwards: mxcsr(4) fpucw(4) r15 r14 r13 r12 rbx rbp return-address.
 * runtime/newproc.c builds the same frame for a new G. */

	.text

/* void gs_mcall(struct gobuf *save, uintptr_t g0sp, void (*fn)(struct g *), struct g *gp)
 * Saves the running G's context in *save, switches to the g0 stack at g0sp and calls
 * fn(gp) there; fn never returns. The G resumes, as a return from gs_mcall, when some M
 * calls gs_gogo(save). */
	.globl	gs_mcall
	.hidden	gs_mcall
	.type	gs_mcall, @function
gs_mcall:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	movq	%rcx, %rdi
	call	*%rdx
	ud2
	.cfi_endproc
	.size	gs_mcall, .-gs_mcall

/* void gs_gogo(struct gobuf *to): restore the context saved in *to; never returns. */
	.globl	gs_gogo
	.hidden	gs_gogo
	.type	gs_gogo, @function
gs_gogo:
	.cfi_startproc
	movq	(%rdi), %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	gs_gogo, .-gs_gogo

/* gs_gstart_asm is where a new G's first gs_gogo returns to, with the G in %r12 and a
 * 16-byte aligned stack. It is the outermost frame: unwinders stop here. */
	.globl	gs_gstart_asm
	.hidden	gs_gstart_asm
	.type	gs_gstart_asm, @function
gs_gstart_asm:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	call	gs_gstart
	ud2
	.cfi_endproc
	.size	gs_gstart_asm, .-gs_gstart_asm

	.section .note.GNU-stack,"",@progbits
