/* /proc/self/pagemap, read one entry at a time. May call: raw system calls, netpoll
 * (gs_highfd). Each entry is 64 bits for one page (x86-64's 4 KiB): bit 63 present, bit
 * 61 a file page or shared anonymous memory (Documentation/admin-guide/mm/pagemap.rst). */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>

#include "netpoll.h"
#include "pagemap.h"
#include "sys.h"

#define PAGE_SHIFT 12
#define PM_PRESENT (1ull << 63)
#define PM_FILE_OR_SHARED (1ull << 61)

/* -1 not opened yet, -2 cannot be opened (no /proc) */
static _Atomic int pmfd = -1;

static int pagemap_open(void)
{
	int fd = atomic_load_explicit(&pmfd, memory_order_acquire), want = -1;
	long r;

	if (fd != -1)
		return fd;
	r = sys_call6(SYS_openat, AT_FDCWD, (long)"/proc/self/pagemap", O_RDONLY | O_CLOEXEC,
		      0, 0, 0);
	fd = r < 0 ? -2 : gs_highfd((int)r, false);
	if (!atomic_compare_exchange_strong_explicit(&pmfd, &want, fd, memory_order_acq_rel,
						     memory_order_acquire)) {
		if (fd >= 0)
			sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
		fd = want;
	}
	return fd;
}

bool gs_page_private(const void *addr)
{
	int fd = pagemap_open();
	uint64_t e;

	if (fd < 0 || sys_call6(SYS_pread64, fd, (long)&e, sizeof(e),
				(long)((uintptr_t)addr >> PAGE_SHIFT) * (long)sizeof(e), 0,
				0) != sizeof(e))
		return false;
	return (e & PM_PRESENT) && !(e & PM_FILE_OR_SHARED);
}

int gs_pagemap_fd(void)
{
	int fd = atomic_load_explicit(&pmfd, memory_order_acquire);

	return fd < 0 ? -1 : fd;
}

void gs_pagemap_afterfork(void)
{
	int fd = atomic_load_explicit(&pmfd, memory_order_relaxed);

	if (fd >= 0)
		sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
	atomic_store_explicit(&pmfd, -1, memory_order_relaxed);
}
