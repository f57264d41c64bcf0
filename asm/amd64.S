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

/* gs_preempt_asm is where a preemption signal sends an interrupted G (runtime/preempt.c):
 * the handler pushed the interrupted rip 128 bytes below the interrupted rsp (past the red
 * zone). It saves every register, the flags and the whole XSAVE state (x87, SSE, AVX,
 * AVX-512: gs_xsave_size bytes), calls gs_preempt_park on a 64-byte aligned stack, restores
 * everything and returns to the interrupted instruction, dropping the red zone gap. */
	.globl	gs_preempt_asm
	.hidden	gs_preempt_asm
	.type	gs_preempt_asm, @function
gs_preempt_asm:
	.cfi_startproc
	.cfi_undefined rip
	pushfq
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rbx
	subq	gs_xsave_size(%rip), %rsp
	andq	$-64, %rsp
	/* XRSTOR faults unless the XSAVE header's reserved bytes are zero */
	xorl	%eax, %eax
	movq	%rax, 512(%rsp)
	movq	%rax, 520(%rsp)
	movq	%rax, 528(%rsp)
	movq	%rax, 536(%rsp)
	movq	%rax, 544(%rsp)
	movq	%rax, 552(%rsp)
	movq	%rax, 560(%rsp)
	movq	%rax, 568(%rsp)
	movl	$-1, %eax
	movl	$-1, %edx
	xsave64	(%rsp)
	call	gs_preempt_park
	movl	$-1, %eax
	movl	$-1, %edx
	xrstor64 (%rsp)
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq
	ret	$128
	.cfi_endproc
	.size	gs_preempt_asm, .-gs_preempt_asm

/* gs_sigreturn returns from a signal handler goshim installed with rt_sigaction itself (the
 * C library's sigaction refuses its own signals): SA_RESTORER must name one. */
	.globl	gs_sigreturn
	.hidden	gs_sigreturn
	.type	gs_sigreturn, @function
gs_sigreturn:
	movq	$15, %rax	/* SYS_rt_sigreturn */
	syscall
	ud2
	.size	gs_sigreturn, .-gs_sigreturn

	.section .note.GNU-stack,"",@progbits
