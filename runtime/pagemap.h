/* Which memory is this process's alone, as the kernel's page tables say. */
#ifndef GS_PAGEMAP_H
#define GS_PAGEMAP_H

#include <stdbool.h>

/* gs_pagemap_init opens /proc/self/pagemap at a number far above the program's. Runs while
 * the process has one thread, at start-up. */
void gs_pagemap_init(void);

/* gs_page_private: addr lies in a private anonymous page that is in memory now. The
 * kernel keys a non-private futex call on such a page by this process's address space,
 * so no other process can wait on it or wake it. false when in doubt: a shared or file
 * page, a page not in memory, no /proc. */
bool gs_page_private(const void *addr);

/* gs_pagemap_fd: the fd goshim reads the page tables through, -1 if none could be opened
 * (the program must not close it). */
int gs_pagemap_fd(void);

/* gs_pagemap_afterfork replaces the parent's pagemap, which describes the parent's memory,
 * with the child's own. Runs in a fork child. */
void gs_pagemap_afterfork(void);

#endif
