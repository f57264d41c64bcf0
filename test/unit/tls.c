/* Unit tests for runtime/tls: a G's private TCB and static TLS, their recycling, shared
 * mode, and a G's TCB installed for real on a helper thread. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../runtime/proc.h"
#include "../../runtime/stack.h"
#include "../../runtime/tls.h"
#include "unit.h"

#define TCB_SELF 0x10
#define TCB_STACK_GUARD 0x28
#define TCB_POINTER_GUARD 0x30
#define ARCH_SET_FS 0x1002

static __thread int x = 42;
static __thread int zeroed;

/* g_view gives the address of the running thread's TLS variable v in gp's TLS block. */
static void *g_view(struct g *gp, void *v)
{
	return (char *)gp->tcb + ((char *)v - (char *)gs_tls_thread_pointer());
}

static uintptr_t fs_word(int off)
{
	uintptr_t v;

	__asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"((uintptr_t)off));
	return v;
}

static struct g *new_g(void)
{
	struct g *gp = calloc(1, sizeof(*gp));

	ck_assert_ptr_nonnull(gp);
	gp->magic = GS_G_MAGIC;
	ck_assert_int_eq(gs_tls_prepare(gp), 0);
	return gp;
}

static void init_private(void)
{
	ck_assert_ptr_null(gs_tls_init(true));
	ck_assert(gs_tls.private);
}

START_TEST(test_tcb_header)
{
	struct g *gp;
	char *tcb;

	init_private();
	gp = new_g();
	tcb = gp->tcb;
	ck_assert_ptr_nonnull(tcb);
	ck_assert_ptr_ne(tcb, gs_tls_thread_pointer());
	ck_assert_ptr_eq(*(void **)tcb, tcb);
	ck_assert_ptr_eq(*(void **)(tcb + TCB_SELF), tcb);
	ck_assert_uint_eq(*(uintptr_t *)(tcb + TCB_STACK_GUARD), fs_word(TCB_STACK_GUARD));
	ck_assert_uint_eq(*(uintptr_t *)(tcb + TCB_POINTER_GUARD), fs_word(TCB_POINTER_GUARD));
	ck_assert_ptr_eq(*(struct g **)(tcb + gs_tls.curg_off), gp);
	ck_assert_ptr_eq(g_view(gp, &gs_curg), tcb + gs_tls.curg_off);
	/* the running thread is not a G */
	ck_assert_ptr_null(gs_curg);
}
END_TEST

/* A G hidden from the functions it calls (gs_curg NULL in its own TLS: the preemption
 * handler's safe-point walk, a vfork) is still the thread its pthread_t names: another
 * thread's pthread_join must not take it for a foreign thread meanwhile. */
START_TEST(test_handle_of_hidden_g)
{
	struct g *gp;

	init_private();
	gp = new_g();
	gp->handle = gp->tcb;
	ck_assert_ptr_eq(gs_handle_g(gp->handle), gp);
	*(struct g **)((char *)gp->tcb + gs_tls.curg_off) = NULL;
	ck_assert_ptr_eq(gs_handle_g(gp->handle), gp);
}
END_TEST

static int count_tls_modules(struct dl_phdr_info *info, size_t size, void *n)
{
	(void)size;
	*(size_t *)n += info->dlpi_tls_modid != 0;
	return 0;
}

/* A G made on a stack of goshim's (newproc.c): the G at the top, its TCB below it on the
 * same stack, the G's frames below the static TLS. */
START_TEST(test_tcb_with_stack)
{
	struct gs_stack st;
	struct g *gp;

	init_private();
	ck_assert_int_eq(gs_stack_alloc(&st, 64 * 1024, 4096), 0);
	gp = (struct g *)((char *)st.lo + st.size - GS_GBLOCK);
	gp->stack = st;
	gp->instack = true;
	ck_assert_int_eq(gs_tls_prepare(gp), 0);
	ck_assert_ptr_nonnull(gp->tcb);
	ck_assert_ptr_eq(*(void **)gp->tcb, gp->tcb);
	ck_assert_ptr_eq(*(struct g **)((char *)gp->tcb + gs_tls.curg_off), gp);
	ck_assert_uint_lt((uintptr_t)gp->tcb, (uintptr_t)gp);
	ck_assert_uint_gt((uintptr_t)gp->tcb, (uintptr_t)st.lo);
	ck_assert_uint_lt(gp->stacktop, (uintptr_t)gp->tcb);
	ck_assert_uint_eq(gp->stacktop % 16, 0);
	/* its dtv has one entry per TLS module loaded, none of glibc's 14 spare ones: the
	 * heap block of a new thread is the smallest it can be */
	size_t modules = 0;

	dl_iterate_phdr(count_tls_modules, &modules);
	ck_assert_uint_eq((*(size_t **)((char *)gp->tcb + 8))[-2], modules);
}
END_TEST

START_TEST(test_static_tls_image)
{
	struct g *gp;

	init_private();
	x = 7;
	zeroed = 3;
	gp = new_g();
	ck_assert_int_eq(*(int *)g_view(gp, &x), 42);
	ck_assert_int_eq(*(int *)g_view(gp, &zeroed), 0);
	ck_assert_int_eq(x, 7);
	ck_assert_int_eq(zeroed, 3);
}
END_TEST

START_TEST(test_recycle_resets)
{
	struct g *gp;
	void *tcb;
	int *gx, *gz, *gerrno;
	struct g **gcurg;

	init_private();
	x = 7;
	gp = new_g();
	tcb = gp->tcb;
	gx = g_view(gp, &x);
	gz = g_view(gp, &zeroed);
	gerrno = g_view(gp, &errno);
	gcurg = g_view(gp, &gs_curg);
	*gx = 99;
	*gz = 5;
	*gerrno = EINTR;
	*gcurg = NULL;

	ck_assert_int_eq(gs_tls_prepare(gp), 0);
	ck_assert_ptr_eq(gp->tcb, tcb);
	ck_assert_int_eq(*gx, 42);
	ck_assert_int_eq(*gz, 0);
	ck_assert_int_eq(*gerrno, 0);
	ck_assert_ptr_eq(*gcurg, gp);
	ck_assert_ptr_eq(*(void **)tcb, tcb);
	ck_assert_ptr_eq(*(void **)((char *)tcb + TCB_SELF), tcb);
	ck_assert_int_eq(x, 7);
}
END_TEST

START_TEST(test_distinct_tcbs)
{
	struct g *a, *b;

	init_private();
	a = new_g();
	b = new_g();
	ck_assert_ptr_ne(a->tcb, b->tcb);
	*(int *)g_view(a, &x) = 1;
	ck_assert_int_eq(*(int *)g_view(b, &x), 42);
	ck_assert_ptr_eq(*(struct g **)g_view(a, &gs_curg), a);
	ck_assert_ptr_eq(*(struct g **)g_view(b, &gs_curg), b);
}
END_TEST

START_TEST(test_shared_mode)
{
	struct g *gp = calloc(1, sizeof(*gp));

	ck_assert_ptr_nonnull(gp);
	ck_assert_ptr_null(gs_tls_init(false));
	ck_assert(!gs_tls.private);
	ck_assert_int_eq(gs_tls_prepare(gp), 0);
	ck_assert_ptr_null(gp->tcb);
	ck_assert_ptr_eq((char *)gs_tls_thread_pointer() + gs_tls.curg_off, (char *)&gs_curg);
}
END_TEST

/* What a helper thread saw while a G's TCB was its thread pointer. */
struct probe {
	struct g *gp;
	long set_rc, restore_rc;
	int x;
	struct g *curg;
	void *tp;
	void *tp_after;
	int own_x_after;
};

/* noipa: GCC treats __builtin_thread_pointer as const and would otherwise reuse values
 * read before the thread pointer changed. */
__attribute__((noipa)) static int read_x(void)
{
	return x;
}

__attribute__((noipa)) static struct g *read_curg(void)
{
	return gs_curg;
}

__attribute__((noipa)) static void *read_tp(void)
{
	return gs_tls_thread_pointer();
}

/* From the first arch_prctl to the second, only the reads run: libc would find the G's
 * TLS, which no kernel thread owns. */
static void *run_on_g_tls(void *arg)
{
	struct probe *pr = arg;
	void *own;

	x = 13;
	own = read_tp();
	pr->set_rc = sys_arch_prctl(ARCH_SET_FS, (uintptr_t)pr->gp->tcb);
	pr->x = read_x();
	pr->curg = read_curg();
	pr->tp = read_tp();
	pr->restore_rc = sys_arch_prctl(ARCH_SET_FS, (uintptr_t)own);
	pr->tp_after = read_tp();
	pr->own_x_after = read_x();
	return NULL;
}

/* The same through gs_tls_install, the switch path the scheduler uses. */
static void *install_on_g_tls(void *arg)
{
	struct probe *pr = arg;
	struct m m = { 0 };
	struct g self = { 0 };

	x = 13;
	m.tcb = m.tp = self.tcb = read_tp();
	gs_tls_install(&m, pr->gp);
	pr->x = read_x();
	pr->curg = read_curg();
	pr->tp = read_tp();
	gs_tls_install(&m, &self);
	pr->tp_after = read_tp();
	pr->own_x_after = read_x();
	return NULL;
}

static void probe_on_helper(void *(*fn)(void *), struct probe *pr)
{
	pthread_t th;

	init_private();
	x = 7;
	pr->gp = new_g();
	ck_assert_int_eq(pthread_create(&th, NULL, fn, pr), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_ptr_eq(pr->tp, pr->gp->tcb);
	ck_assert_int_eq(pr->x, 42);
	ck_assert_ptr_eq(pr->curg, pr->gp);
	ck_assert_ptr_ne(pr->tp_after, pr->gp->tcb);
	ck_assert_int_eq(pr->own_x_after, 13);
	ck_assert_int_eq(x, 7);
}

START_TEST(test_install_arch_prctl)
{
	struct probe pr = { 0 };

	probe_on_helper(run_on_g_tls, &pr);
	ck_assert_int_eq(pr.set_rc, 0);
	ck_assert_int_eq(pr.restore_rc, 0);
}
END_TEST

START_TEST(test_install_gs_tls_install)
{
	struct probe pr = { 0 };

	probe_on_helper(install_on_g_tls, &pr);
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");

	tcase_add_test(tc, test_tcb_header);
	tcase_add_test(tc, test_handle_of_hidden_g);
	tcase_add_test(tc, test_tcb_with_stack);
	tcase_add_test(tc, test_static_tls_image);
	tcase_add_test(tc, test_recycle_resets);
	tcase_add_test(tc, test_distinct_tcbs);
	tcase_add_test(tc, test_shared_mode);
	tcase_add_test(tc, test_install_arch_prctl);
	tcase_add_test(tc, test_install_gs_tls_install);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return gs_unit_run(tls_suite());
}
