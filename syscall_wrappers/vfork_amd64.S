/* The interposed vfork (x86-64), in assembly because of what a vfork child does to the
 * stack; its C halves are in fork.c. */

	.text

/* pid_t vfork(void): the system call bracketed by gs_vfork_enter and gs_vfork_leave.
 * Until it execs or exits, the child runs on this stack and returns from here first; its
 * frames then overwrite ours. So, as in the C library's own vfork, nothing the parent
 * needs afterwards stays on the stack: the return address and what gs_vfork_enter
 * returned live in registers the kernel keeps for the parent (all but rax, rcx, r11). */
	.globl	vfork
	.type	vfork, @function
vfork:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	call	gs_vfork_enter
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	movq	%rax, %rdi
	movq	%rdx, %rsi
	popq	%r8
	.cfi_adjust_cfa_offset -8
	.cfi_register %rip, %r8
	movl	$58, %eax		/* SYS_vfork */
	syscall
	pushq	%r8
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rip, 0
	testq	%rax, %rax
	jz	1f			/* the child */
	movq	%rax, %rdx
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	call	gs_vfork_leave
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
1:	ret
	.cfi_endproc
	.size	vfork, .-vfork

	.section .note.GNU-stack,"",@progbits
