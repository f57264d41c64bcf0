/* Per-G TLS: TCB allocation through the dynamic loader, TCB fields the C library reads, and
 * recycling. May call: the loader's TLS allocator and dl_iterate_phdr, malloc/free (on a G
 * or the creating thread only, never on g0), raw syscalls.
 *
 * On x86-64 the thread pointer is the TCB, which is glibc's struct pthread; static TLS lies
 * below it. A G's TCB must carry what glibc reads through the thread pointer: self
 * pointers, the stack-protector and pointer guards, the thread id, the robust-mutex list
 * head and the rseq area. Offsets come from the tables glibc exports for libthread_db. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "proc.h"
#include "tls.h"

__thread struct g *gs_curg __attribute__((tls_model("initial-exec")));
/* the G whose TCB this is: unlike gs_curg, never cleared while it lives, so that its
 * pthread_t names it even while it is hidden from the functions it calls */
static __thread struct g *tcb_g __attribute__((tls_model("initial-exec")));
struct gs_tls gs_tls;

#define GS_TLS_KEEP 512	/* room for the C library's own TLS block */

/* tcbhead_t, the first member of struct pthread: a fixed x86-64 ABI. */
#define TCB_DTV 0x08
#define TCB_SELF 0x10
#define TCB_MULTIPLE_THREADS 0x18
#define TCB_COPIED_LO 0x20	/* sysinfo, stack_guard, pointer_guard */
#define TCB_COPIED_HI 0x38
#define TCB_FEATURE_1 0x48	/* CET state */

#define RSEQ_CPU_ID_REGISTRATION_FAILED (-2)

/* glibc 2.36's struct pthread, recognised by its size and tid offset: where the stack
 * block is recorded (read by __libc_alloca_cutoff). */
#define G236_SIZEOF 2368
#define G236_TID 720
#define G236_STACKBLOCK 0x690

typedef union {
	size_t counter;
	struct {
		void *val;
		void *to_free;
	} pointer;
} dtv_t;


static struct {
	void *(*allocate_tls)(void *);
	void *(*allocate_tls_init)(void *, bool);
	size_t static_size;		/* the static TLS area, TCB included */
	size_t static_align;
	size_t sizeof_pthread;
	ptrdiff_t tid;
	ptrdiff_t robust_prev;		/* 0: robust list not set up */
	ptrdiff_t specific;		/* 0: not set up */
	ptrdiff_t specific_1st;
	ptrdiff_t stackblock;		/* 0: layout unknown */
	ptrdiff_t rseq_cpu_id;		/* 0: rseq not registered */
	ptrdiff_t libc_block;		/* libc's static TLS, kept across recycling */
	size_t libc_block_size;
	ptrdiff_t errno_off;
	ptrdiff_t list;			/* 0: unknown; glibc's thread-list link */
	ptrdiff_t cancelhandling;	/* 0: unknown */
	uintptr_t robust_futex_offset;
	ptrdiff_t cleanup_jmp_buf;	/* 0: unknown; pthread_exit cannot unwind */
	_Atomic size_t dtv_len;		/* the highest TLS module id, as last seen */
} lay;

static const uint32_t *db_desc(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

static int find_libc_block(struct dl_phdr_info *info, size_t size, void *tp)
{
	(void)size;
	if (info->dlpi_tls_data == NULL || strstr(info->dlpi_name, "/libc.so.") == NULL)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type == PT_TLS &&
		    info->dlpi_phdr[i].p_memsz <= GS_TLS_KEEP) {
			lay.libc_block = (char *)info->dlpi_tls_data - (char *)tp;
			lay.libc_block_size = info->dlpi_phdr[i].p_memsz;
		}
	}
	return 1;
}

static int max_modid(struct dl_phdr_info *info, size_t size, void *max)
{
	(void)size;
	if (info->dlpi_tls_modid > *(size_t *)max)
		*(size_t *)max = info->dlpi_tls_modid;
	return 0;
}

/* learn_dtv_len sets the length of the dtvs given to new Gs: one entry per TLS module now
 * loaded (glibc's own allocator adds 14 spare entries, which a G keeps for good). */
static void learn_dtv_len(void)
{
	size_t max = 1;

	dl_iterate_phdr(max_modid, &max);
	atomic_store_explicit(&lay.dtv_len, max, memory_order_relaxed);
}

static void learn_optional_fields(char *tp)
{
	extern const ptrdiff_t __rseq_offset __attribute__((weak));
	extern const unsigned int __rseq_size __attribute__((weak));
	const uint32_t *spec = db_desc("_thread_db_pthread_specific");

	/* robust_prev and robust_head.list point at robust_head on every initialised thread */
	char *head = tp + lay.tid + 16;
	if (*(char **)(tp + lay.tid + 8) == head && *(char **)head == head) {
		lay.robust_prev = lay.tid + 8;
		lay.robust_futex_offset = *(uintptr_t *)(head + 8);
	}
	if (spec) {
		char *first = *(char **)(tp + spec[2]);

		if (first > tp && first < tp + lay.sizeof_pthread) {
			lay.specific = spec[2];
			lay.specific_1st = first - tp;
		}
	}
	/* cleanup_jmp_buf precedes cancelhandling; on the main thread it is NULL before main
	 * and then points at the unwind buffer __libc_start_call_main keeps on its stack */
	const uint32_t *cancel = db_desc("_thread_db_pthread_cancelhandling");
	extern void *__libc_stack_end;
	if (cancel) {
		char *buf = *(char **)(tp + cancel[2] - 8);

		lay.cancelhandling = cancel[2];
		if (buf == NULL ||
		    (buf > (char *)__builtin_frame_address(0) && buf < (char *)__libc_stack_end))
			lay.cleanup_jmp_buf = cancel[2] - 8;
	}
	if (lay.sizeof_pthread == G236_SIZEOF && lay.tid == G236_TID)
		lay.stackblock = G236_STACKBLOCK;
	const uint32_t *list = db_desc("_thread_db_pthread_list");
	if (list)
		lay.list = list[2];
	if (&__rseq_size && &__rseq_offset && __rseq_size >= 8)
		lay.rseq_cpu_id = __rseq_offset + 4;
}

const char *gs_tls_init(bool private)
{
	char *tp = gs_tls_thread_pointer();
	const uint32_t *size = db_desc("_thread_db_sizeof_pthread");
	const uint32_t *tid = db_desc("_thread_db_pthread_tid");

	gs_tls.private = private;
	gs_tls.fsgsbase = (getauxval(AT_HWCAP2) & 2) != 0;	/* HWCAP2_FSGSBASE */
	gs_tls.curg_off = (char *)&gs_curg - tp;
	gs_tls.tcbg_off = (char *)&tcb_g - tp;
	if (!private)
		return NULL;
	lay.allocate_tls = (void *(*)(void *))dlsym(RTLD_DEFAULT, "_dl_allocate_tls");
	lay.allocate_tls_init = (void *(*)(void *, bool))dlsym(RTLD_DEFAULT,
							       "_dl_allocate_tls_init");
	void (*static_info)(size_t *, size_t *) =
		(void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
	if (!lay.allocate_tls || !lay.allocate_tls_init || !static_info)
		return "the dynamic loader does not export _dl_allocate_tls";
	static_info(&lay.static_size, &lay.static_align);
	if (!size || !tid || *(void **)tp != tp)
		return "the C library's thread layout is unknown (not glibc?)";
	lay.sizeof_pthread = size[0];
	lay.tid = tid[2];
	if (*(int32_t *)(tp + lay.tid) != sys_gettid())
		return "the C library's thread id field is not where libthread_db says";
	learn_optional_fields(tp);
	dl_iterate_phdr(find_libc_block, tp);
	learn_dtv_len();
	lay.errno_off = (char *)&errno - tp;
	return NULL;
}

void gs_tls_bind_main(struct g *gp)
{
	gp->tcb = gs_tls_thread_pointer();
	gs_curg = gp;
	tcb_g = gp;
}

/* fill_tcb writes the struct pthread fields glibc reads, for a TCB zeroed but for its dtv;
 * gp NULL for an M's own TCB. */
static void fill_tcb(struct g *gp, char *pd)
{
	char *creator = gs_tls_thread_pointer();

	*(void **)pd = pd;
	*(void **)(pd + TCB_SELF) = pd;
	*(int32_t *)(pd + TCB_MULTIPLE_THREADS) = 1;
	memcpy(pd + TCB_COPIED_LO, creator + TCB_COPIED_LO, TCB_COPIED_HI - TCB_COPIED_LO);
	*(uint32_t *)(pd + TCB_FEATURE_1) = *(uint32_t *)(creator + TCB_FEATURE_1);
	if (lay.robust_prev) {
		char *head = pd + lay.robust_prev + 8;

		*(char **)(pd + lay.robust_prev) = head;
		*(char **)head = head;
		*(uintptr_t *)(head + 8) = lay.robust_futex_offset;
	}
	if (lay.specific)
		*(char **)(pd + lay.specific) = pd + lay.specific_1st;
	/* an empty list: the child of a fork unlinks the forking thread from glibc's lists */
	if (lay.list) {
		*(char **)(pd + lay.list) = pd + lay.list;
		*(char **)(pd + lay.list + 8) = pd + lay.list;
	}
	if (lay.stackblock && gp && gp->stack.lo) {
		*(void **)(pd + lay.stackblock) = gp->stack.base ? gp->stack.base : gp->stack.lo;
		*(size_t *)(pd + lay.stackblock + 8) = gp->stack.size + gp->stack.guard;
		*(size_t *)(pd + lay.stackblock + 16) = gp->stack.guard;
		*(size_t *)(pd + lay.stackblock + 24) = gp->stack.guard;
	}
	if (lay.rseq_cpu_id)
		*(int32_t *)(pd + lay.rseq_cpu_id) = RSEQ_CPU_ID_REGISTRATION_FAILED;
	*(struct g **)(pd + gs_tls.curg_off) = gp;
	*(struct g **)(pd + gs_tls.tcbg_off) = gp;
}

void *gs_tls_new_m(void)
{
	char *tcb;

	if (!gs_tls.private)
		return gs_tls_thread_pointer();
	tcb = lay.allocate_tls(NULL);
	if (tcb) {
		fill_tcb(NULL, tcb);
		*(int32_t *)(tcb + lay.tid) = sys_gettid();
	}
	return tcb;
}

/* recycle resets a dead G's TLS as nptl resets a cached stack's, except that the C
 * library's own block is carried over: its malloc cache is freed only by an internal
 * function at kernel-thread exit, so a fresh block would leak it. The new thread still
 * starts with errno 0; the exiting G reset its locale. */
static void recycle(char *pd)
{
	dtv_t *dtv = *(dtv_t **)(pd + TCB_DTV);
	char keep[GS_TLS_KEEP];

	memcpy(keep, pd + lay.libc_block, lay.libc_block_size);
	for (size_t i = 0; i < dtv[-1].counter; i++)
		free(dtv[1 + i].pointer.to_free);
	memset(dtv, 0, (dtv[-1].counter + 1) * sizeof(dtv_t));
	memset(pd, 0, 8);
	memset(pd + 16, 0, lay.sizeof_pthread - 16);
	lay.allocate_tls_init(pd, true);
	memcpy(pd + lay.libc_block, keep, lay.libc_block_size);
	*(int *)(pd + lay.errno_off) = 0;
}

/* new_tls sets up the TLS of a TCB at tcb (fresh, zeroed memory) as glibc's
 * _dl_allocate_tls would, but with a dtv just long enough for the modules loaded, where
 * glibc's has 14 spare entries (16 bytes each: with libc, goshim and libunwind, 80 bytes of
 * heap per thread instead of 304). A dtv is the C library's, malloc'd as its own are: when
 * a later dlopen'd module needs a longer one, glibc grows it with realloc, as it does for a
 * thread that predates the dlopen, here or at the thread's first use of that module. */
static void *new_tls(char *tcb)
{
	size_t len = atomic_load_explicit(&lay.dtv_len, memory_order_relaxed);
	dtv_t *dtv = calloc(len + 2, sizeof(dtv_t));

	if (dtv == NULL)
		return NULL;
	dtv[0].counter = len;
	*(dtv_t **)(tcb + TCB_DTV) = dtv + 1;
	lay.allocate_tls_init(tcb, true);
	dtv = *(dtv_t **)(tcb + TCB_DTV);		/* maybe realloc'd, maybe in place */
	if (dtv[-1].counter != len)		/* a module was loaded since */
		learn_dtv_len();
	return tcb;
}

/* on_stack_tcb is where a TCB goes on gp's own stack: at the top (below the G), as nptl
 * puts it, with the static TLS area below it; or NULL if the stack is the program's or too
 * small. A G keeps its stack for good, so this never changes between its threads. */
static char *on_stack_tcb(struct g *gp)
{
	uintptr_t pd = (gs_gstacktop(gp) - lay.sizeof_pthread) & ~(uintptr_t)(lay.static_align - 1);

	if (!gp->instack || lay.static_size + 16384 > gp->stack.size)
		return NULL;
	return (char *)pd;
}

int gs_tls_prepare(struct g *gp)
{
	char *want;

	gp->stacktop = gs_gstacktop(gp);
	if (!gs_tls.private) {
		gp->tcb = NULL;
		return 0;
	}
	want = on_stack_tcb(gp);
	if (gp->tcb) {
		recycle(gp->tcb);
	} else {
		gp->tcb = want ? new_tls(want) : lay.allocate_tls(NULL);
		if (gp->tcb == NULL)
			return -ENOMEM;
	}
	if (gp->tcb == want)
		gp->stacktop = ((uintptr_t)want + lay.sizeof_pthread - lay.static_size) &
			       ~(uintptr_t)15;
	fill_tcb(gp, gp->tcb);
	return 0;
}

bool gs_tls_set_unwind_base(struct g *gp, void *buf)
{
	if (!gs_tls.private || lay.cleanup_jmp_buf == 0)
		return false;
	*(void **)((char *)gp->tcb + lay.cleanup_jmp_buf) = buf;
	return true;
}

_Atomic int *gs_tls_cancelhandling(struct g *gp)
{
	if (!gs_tls.private || lay.cancelhandling == 0 || gp->tcb == NULL)
		return NULL;
	return (_Atomic int *)((char *)gp->tcb + lay.cancelhandling);
}

void gs_tls_set_tid(struct g *gp, int32_t tid)
{
	if (gs_tls.private)
		*(int32_t *)((char *)gp->tcb + lay.tid) = tid;
}

void gs_tls_afterfork(struct m *mp, struct g *gp)
{
	if (gs_tls.private) {
		*(int32_t *)((char *)mp->tcb + lay.tid) = mp->tid;
		*(int32_t *)((char *)gp->tcb + lay.tid) = mp->tid;
	}
}

void gs_tls_mark_multithreaded(void)
{
	*(int32_t *)((char *)gs_g1->tcb + TCB_MULTIPLE_THREADS) = 1;
}
