/* /proc/self/pagemap, read one entry at a time. May call: raw system calls, netpoll
 * (gs_highfd). Each entry is 64 bits for one page (x86-64's 4 KiB): bit 63 present, bit
 * 61 a file page or shared anonymous memory (Documentation/admin-guide/mm/pagemap.rst). */
#include <fcntl.h>
#include <stdint.h>

#include "netpoll.h"
#include "pagemap.h"
#include "sys.h"

#define PAGE_SHIFT 12
#define PM_PRESENT (1ull << 63)
#define PM_FILE_OR_SHARED (1ull << 61)

/* -1 when /proc cannot be read. Set only while the process has a single thread (start-up,
 * a fork child): opening takes the lowest free fd number for a moment, which a thread of
 * the program could be about to get. */
static int pmfd = -1;

void gs_pagemap_init(void)
{
	long r = sys_call6(SYS_openat, AT_FDCWD, (long)"/proc/self/pagemap", O_RDONLY | O_CLOEXEC,
			   0, 0, 0);

	pmfd = r < 0 ? -1 : gs_highfd((int)r, false);
}

bool gs_page_private(const void *addr)
{
	uint64_t e;

	if (pmfd < 0 || sys_call6(SYS_pread64, pmfd, (long)&e, sizeof(e),
				(long)((uintptr_t)addr >> PAGE_SHIFT) * (long)sizeof(e), 0,
				0) != sizeof(e))
		return false;
	return (e & PM_PRESENT) && !(e & PM_FILE_OR_SHARED);
}

int gs_pagemap_fd(void)
{
	return pmfd;
}

void gs_pagemap_afterfork(void)
{
	if (pmfd >= 0)
		sys_call6(SYS_close, pmfd, 0, 0, 0, 0, 0);
	gs_pagemap_init();
}
