/* Raw system calls: no libc, no errno. They return the kernel's result, a negative errno on
 * failure, so g0 code and signal handlers can use them whatever thread pointer is loaded. */
#ifndef GS_SYS_H
#define GS_SYS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

static inline long sys_call6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* sys_tgsigqueue sends sig to thread tid of this process with si_value mark, by which
 * goshim's handler knows the signal for one of its own (sys_sigmarked). 0 or -errno. */
static inline long sys_tgsigqueue(int32_t tid, int sig, int mark)
{
	long pid = sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	siginfo_t si = { .si_signo = sig, .si_code = SI_QUEUE };

	si.si_pid = (pid_t)pid;
	si.si_value.sival_int = mark;
	return sys_call6(SYS_rt_tgsigqueueinfo, pid, tid, sig, (long)&si, 0, 0);
}

/* sys_sigmarked: si is a signal this process sent itself with sys_tgsigqueue and mark. */
static inline bool sys_sigmarked(const siginfo_t *si, int mark)
{
	return si->si_code == SI_QUEUE && si->si_value.sival_int == mark &&
	       si->si_pid == sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

static inline long sys_futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const void *ts)
{
	return sys_call6(SYS_futex, (long)uaddr, op, val, (long)ts, 0, 0);
}

static inline long sys_write(int fd, const void *buf, size_t n)
{
	return sys_call6(SYS_write, fd, (long)buf, (long)n, 0, 0, 0);
}

static inline int32_t sys_gettid(void)
{
	return (int32_t)sys_call6(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

static inline long sys_sched_yield(void)
{
	return sys_call6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

static inline void *sys_mmap(void *addr, size_t len, int prot, int flags)
{
	return (void *)sys_call6(SYS_mmap, (long)addr, (long)len, prot, flags, -1, 0);
}

static inline void *sys_mremap(void *addr, size_t old, size_t len, int flags)
{
	return (void *)sys_call6(SYS_mremap, (long)addr, (long)old, (long)len, flags, 0, 0);
}

static inline long sys_munmap(void *addr, size_t len)
{
	return sys_call6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

static inline long sys_mprotect(void *addr, size_t len, int prot)
{
	return sys_call6(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

static inline long sys_madvise(void *addr, size_t len, int advice)
{
	return sys_call6(SYS_madvise, (long)addr, (long)len, advice, 0, 0, 0);
}

static inline long sys_arch_prctl(int code, uintptr_t addr)
{
	return sys_call6(SYS_arch_prctl, code, (long)addr, 0, 0, 0, 0);
}

__attribute__((noreturn)) static inline void sys_abort(void)
{
	long pid = sys_call6(SYS_getpid, 0, 0, 0, 0, 0, 0);

	sys_call6(SYS_tgkill, pid, sys_gettid(), 6 /* SIGABRT */, 0, 0, 0);
	sys_call6(SYS_exit_group, 127, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

#endif
