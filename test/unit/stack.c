/* Unit tests for runtime/stack: page rounding, the guard area, and the stack pool's reuse
 * and its bound. Each test runs in a fresh child, so the pool starts empty. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../runtime/stack.h"
#include "unit.h"

#define PAGE 4096ul
#define POOL_MAX 256

/* mapped says whether [addr, addr+len) is mapped: msync fails with ENOMEM on a hole. */
static bool mapped(void *addr, size_t len)
{
	if (msync(addr, len, MS_ASYNC) == 0)
		return true;
	ck_assert_int_eq(errno, ENOMEM);
	return false;
}

START_TEST(test_rounding_and_layout)
{
	struct gs_stack st;

	ck_assert_int_eq(sysconf(_SC_PAGESIZE), PAGE);
	ck_assert_int_eq(gs_stack_alloc(&st, 10000, 1), 0);
	ck_assert_ptr_nonnull(st.base);
	ck_assert_uint_eq((uintptr_t)st.base % PAGE, 0);
	ck_assert_uint_eq(st.size, 3 * PAGE);
	ck_assert_uint_eq(st.guard, PAGE);
	ck_assert_uint_eq(st.mapsize, 4 * PAGE);
	ck_assert_ptr_eq(st.lo, (char *)st.base + PAGE);
	ck_assert(mapped(st.base, st.mapsize));

	ck_assert_int_eq(gs_stack_alloc(&st, 64 * 1024, 8192), 0);
	ck_assert_uint_eq(st.size, 64 * 1024);
	ck_assert_uint_eq(st.guard, 8192);
	ck_assert_uint_eq(st.mapsize, 72 * 1024);
	ck_assert_ptr_eq(st.lo, (char *)st.base + 8192);

	ck_assert_int_eq(gs_stack_alloc(&st, PAGE, 0), 0);
	ck_assert_uint_eq(st.guard, 0);
	ck_assert_ptr_eq(st.lo, st.base);
}
END_TEST

START_TEST(test_usable_area_writable)
{
	struct gs_stack st;
	volatile char *lo, *hi;

	ck_assert_int_eq(gs_stack_alloc(&st, 64 * 1024, PAGE), 0);
	lo = st.lo;
	hi = lo + st.size - 1;
	lo[0] = 1;
	hi[0] = 2;
	ck_assert_int_eq(lo[0], 1);
	ck_assert_int_eq(hi[0], 2);
}
END_TEST

/* Expected to die of SIGSEGV: the byte just below lo is guard. */
START_TEST(test_guard_faults_below_lo)
{
	struct gs_stack st;

	ck_assert_int_eq(gs_stack_alloc(&st, 64 * 1024, PAGE), 0);
	((volatile char *)st.lo)[-1] = 1;
}
END_TEST

/* Expected to die of SIGSEGV: the lowest byte of the mapping is guard too. */
START_TEST(test_guard_faults_at_base)
{
	struct gs_stack st;

	ck_assert_int_eq(gs_stack_alloc(&st, 64 * 1024, 2 * PAGE), 0);
	(void)((volatile char *)st.base)[0];
}
END_TEST

START_TEST(test_pool_reuse_same_shape)
{
	struct gs_stack a, b;
	void *lo;

	ck_assert_int_eq(gs_stack_pool_count(), 0);
	ck_assert_int_eq(gs_stack_alloc(&a, 64 * 1024, PAGE), 0);
	lo = a.lo;
	gs_stack_free(&a);
	ck_assert_ptr_null(a.base);
	ck_assert_int_eq(gs_stack_pool_count(), 1);
	ck_assert(mapped((char *)lo - PAGE, 64 * 1024 + PAGE));

	/* the request is rounded before the pool is searched */
	ck_assert_int_eq(gs_stack_alloc(&b, 64 * 1024 - 100, 1), 0);
	ck_assert_ptr_eq(b.lo, lo);
	ck_assert_uint_eq(b.size, 64 * 1024);
	ck_assert_uint_eq(b.guard, PAGE);
	ck_assert_uint_eq(b.mapsize, 64 * 1024 + PAGE);
	ck_assert_int_eq(gs_stack_pool_count(), 0);
}
END_TEST

START_TEST(test_pool_no_reuse_other_shape)
{
	struct gs_stack a, b, c;
	void *lo;

	ck_assert_int_eq(gs_stack_alloc(&a, 64 * 1024, PAGE), 0);
	lo = a.lo;
	gs_stack_free(&a);
	ck_assert_int_eq(gs_stack_pool_count(), 1);

	ck_assert_int_eq(gs_stack_alloc(&b, 128 * 1024, PAGE), 0);
	ck_assert_ptr_ne(b.lo, lo);
	ck_assert_int_eq(gs_stack_pool_count(), 1);
	ck_assert_int_eq(gs_stack_alloc(&c, 64 * 1024, 2 * PAGE), 0);
	ck_assert_ptr_ne(c.lo, lo);
	ck_assert_int_eq(gs_stack_pool_count(), 1);

	gs_stack_free(&b);
	ck_assert_int_eq(gs_stack_pool_count(), 2);
	ck_assert_int_eq(gs_stack_alloc(&a, 64 * 1024, PAGE), 0);
	ck_assert_ptr_eq(a.lo, lo);
	ck_assert_int_eq(gs_stack_pool_count(), 1);
}
END_TEST

START_TEST(test_free_null_base_is_noop)
{
	struct gs_stack st = { 0 };
	char user[64];

	st.lo = user;
	st.size = sizeof(user);
	gs_stack_free(&st);
	ck_assert_int_eq(gs_stack_pool_count(), 0);
	ck_assert_ptr_eq(st.lo, user);
}
END_TEST

START_TEST(test_pool_bound_unmaps_excess)
{
	enum { N = POOL_MAX + 40 };
	static struct gs_stack st[N];
	void *base[N];
	size_t len = 16 * 1024 + PAGE;

	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(gs_stack_alloc(&st[i], 16 * 1024, PAGE), 0);
		base[i] = st[i].base;
	}
	ck_assert_int_eq(gs_stack_pool_count(), 0);
	for (int i = 0; i < N; i++) {
		gs_stack_free(&st[i]);
		ck_assert_ptr_null(st[i].base);
		/* checked at once, before anything else could map the hole again */
		ck_assert_msg(mapped(base[i], len) == (i < POOL_MAX), "stack %d", i);
		ck_assert_int_eq(gs_stack_pool_count(), i < POOL_MAX ? i + 1 : POOL_MAX);
	}
	/* the pool hands back exactly the cached stacks, most recently freed first */
	for (int i = POOL_MAX - 1; i >= 0; i--) {
		ck_assert_int_eq(gs_stack_alloc(&st[i], 16 * 1024, PAGE), 0);
		ck_assert_ptr_eq(st[i].base, base[i]);
	}
	ck_assert_int_eq(gs_stack_pool_count(), 0);
}
END_TEST

static Suite *stack_suite(void)
{
	Suite *s = suite_create("stack");
	TCase *tc = tcase_create("stack");

	tcase_add_test(tc, test_rounding_and_layout);
	tcase_add_test(tc, test_usable_area_writable);
	tcase_add_test_raise_signal(tc, test_guard_faults_below_lo, SIGSEGV);
	tcase_add_test_raise_signal(tc, test_guard_faults_at_base, SIGSEGV);
	tcase_add_test(tc, test_pool_reuse_same_shape);
	tcase_add_test(tc, test_pool_no_reuse_other_shape);
	tcase_add_test(tc, test_free_null_base_is_noop);
	tcase_add_test(tc, test_pool_bound_unmaps_excess);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return gs_unit_run(stack_suite());
}
