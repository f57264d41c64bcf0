/* Whether goshim's OS threads are on a CPU, asked of the kernel without opening an fd that
 * the program could see. */
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

/* gs_taskstate_afterfork forgets the parent's reader thread. Runs in a fork child. */
void gs_taskstate_afterfork(void);

#endif
