/* Unit tests for runtime/stack: page rounding, the guard area, and fresh zeroed memory for
 * every stack (a new G is built in its stack's top bytes). */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../runtime/stack.h"
#include "unit.h"

#define PAGE 4096ul

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

/* Every stack is a new mapping, zeroed, even right after another was given out. */
START_TEST(test_fresh_and_zeroed)
{
	struct gs_stack a, b;

	ck_assert_int_eq(gs_stack_alloc(&a, 64 * 1024, PAGE), 0);
	memset(a.lo, 0xa5, a.size);
	ck_assert_int_eq(gs_stack_alloc(&b, 64 * 1024, PAGE), 0);
	ck_assert_ptr_ne(a.base, b.base);
	for (size_t i = 0; i < b.size; i += 512)
		ck_assert_int_eq(((char *)b.lo)[i], 0);
	ck_assert_int_eq(((char *)b.lo)[b.size - 1], 0);
	ck_assert(mapped(a.base, a.mapsize));
	ck_assert(mapped(b.base, b.mapsize));
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
	tcase_add_test(tc, test_fresh_and_zeroed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return gs_unit_run(stack_suite());
}
