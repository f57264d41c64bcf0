/* What the kernel says of the process's OS threads, asked without opening an fd that the
 * program could see. */
#ifndef GS_TASKSTATE_H
#define GS_TASKSTATE_H

#include <stdbool.h>
#include <stdint.h>

enum gs_taskcpu { Tunknown, Ton, Toff };

/* gs_task_cpu says whether the kernel has thread tid running or runnable (Ton) or asleep
 * (Toff), or that it could not learn which in time (Tunknown). Preemption signals go only
 * to threads on a CPU, since one asleep in a call goshim could not interpose could see
 * that call fail with EINTR, which it would not natively. Runs on sysmon. */
enum gs_taskcpu gs_task_cpu(int32_t tid);

/* gs_taskstate_start starts the thread that reads /proc, unless it runs already. */
void gs_taskstate_start(void);

/* gs_task_list stores in list the tids of the process's threads: how many (more than max
 * if they did not fit), -1 if /proc cannot be read. */
int gs_task_list(int32_t *list, int max);

/* gs_private_fds gives the calling thread, one of goshim's, an fd table of its own with
 * nothing in it: what it opens then takes none of the program's fd numbers. On a failure
 * after the unshare, the table may still hold the program's files: the thread must exit,
 * to let them go. */
bool gs_private_fds(void);

/* gs_taskstate_afterfork forgets the parent's reader thread. Runs in a fork child. */
void gs_taskstate_afterfork(void);

#endif
