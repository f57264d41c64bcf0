/* Unit tests for shim/env: GOMAXPROCS, GOSHIM_STACK and GOSHIM_TLS parsing, and the
 * default GOMAXPROCS. */
#define _GNU_SOURCE
#include <check.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "../../shim/env.h"
#include "unit.h"

static void unset_all(void)
{
	ck_assert_int_eq(unsetenv("GOMAXPROCS"), 0);
	ck_assert_int_eq(unsetenv("GOSHIM_STACK"), 0);
	ck_assert_int_eq(unsetenv("GOSHIM_TLS"), 0);
}

static void set(const char *name, const char *value)
{
	ck_assert_int_eq(setenv(name, value, 1), 0);
}

START_TEST(test_procs_accepts)
{
	static const struct {
		const char *s;
		int v;
	} ok[] = { { "1", 1 }, { "2", 2 }, { "1024", 1024 }, { "0004", 4 } };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int v = -1;

		ck_assert_msg(gs_parse_procs(ok[i].s, &v), "rejected \"%s\"", ok[i].s);
		ck_assert_int_eq(v, ok[i].v);
	}
}
END_TEST

START_TEST(test_procs_rejects)
{
	static const char *const bad[] = { "", "0", "-1", "1025", "abc", "4x", " 4", "4 ", "+4",
					   "99999999999999999999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int v = -1;

		ck_assert_msg(!gs_parse_procs(bad[i], &v), "accepted \"%s\"", bad[i]);
		ck_assert_int_eq(v, -1);
	}
}
END_TEST

START_TEST(test_size_accepts)
{
	static const struct {
		const char *s;
		size_t v;
	} ok[] = {
		{ "16384", 16384 }, { "16k", 16 << 10 }, { "64K", 64 << 10 },
		{ "8m", 8 << 20 }, { "1g", 1ul << 30 }, { "1G", 1ul << 30 },
		{ "1024M", 1ul << 30 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t v = 1;

		ck_assert_msg(gs_parse_size(ok[i].s, &v), "rejected \"%s\"", ok[i].s);
		ck_assert_uint_eq(v, ok[i].v);
	}
}
END_TEST

START_TEST(test_size_rejects)
{
	static const char *const bad[] = { "", "abc", "0", "-5", "12q", "1k", "16383", "2g",
					   "1025m", "99999g", "8mb", "k", " 16k",
					   "99999999999999999999k" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t v = 1;

		ck_assert_msg(!gs_parse_size(bad[i], &v), "accepted \"%s\"", bad[i]);
		ck_assert_uint_eq(v, 1);
	}
}
END_TEST

START_TEST(test_env_all_unset)
{
	struct gs_config c = { .gomaxprocs = 9, .stacksize = 9, .tls_shared = true };
	char err[256];

	unset_all();
	ck_assert_ptr_null(gs_env_parse(&c, err, sizeof(err)));
	ck_assert_int_eq(c.gomaxprocs, 0);
	ck_assert_uint_eq(c.stacksize, 0);
	ck_assert(!c.tls_shared);
}
END_TEST

START_TEST(test_env_empty_means_unset)
{
	struct gs_config c = { .gomaxprocs = 9, .stacksize = 9, .tls_shared = true };
	char err[256];

	set("GOMAXPROCS", "");
	set("GOSHIM_STACK", "");
	set("GOSHIM_TLS", "");
	ck_assert_ptr_null(gs_env_parse(&c, err, sizeof(err)));
	ck_assert_int_eq(c.gomaxprocs, 0);
	ck_assert_uint_eq(c.stacksize, 0);
	ck_assert(!c.tls_shared);
}
END_TEST

START_TEST(test_env_values)
{
	struct gs_config c;
	char err[256];

	unset_all();
	set("GOMAXPROCS", "3");
	set("GOSHIM_STACK", "256k");
	set("GOSHIM_TLS", "shared");
	ck_assert_ptr_null(gs_env_parse(&c, err, sizeof(err)));
	ck_assert_int_eq(c.gomaxprocs, 3);
	ck_assert_uint_eq(c.stacksize, 256 << 10);
	ck_assert(c.tls_shared);

	set("GOSHIM_TLS", "private");
	ck_assert_ptr_null(gs_env_parse(&c, err, sizeof(err)));
	ck_assert(!c.tls_shared);
}
END_TEST

/* expect_error checks that name=value alone makes gs_env_parse fail, naming the variable. */
static void expect_error(const char *name, const char *value)
{
	struct gs_config c;
	char err[256];
	const char *msg;

	unset_all();
	set(name, value);
	msg = gs_env_parse(&c, err, sizeof(err));
	ck_assert_msg(msg != NULL, "%s=%s accepted", name, value);
	ck_assert_ptr_eq(msg, err);
	ck_assert_msg(strstr(msg, name) != NULL, "\"%s\" does not name %s", msg, name);
	ck_assert_ptr_null(strchr(msg, '\n'));
}

START_TEST(test_env_errors)
{
	expect_error("GOMAXPROCS", "0");
	expect_error("GOMAXPROCS", "many");
	expect_error("GOMAXPROCS", "1025");
	expect_error("GOSHIM_STACK", "1k");
	expect_error("GOSHIM_STACK", "8mb");
	expect_error("GOSHIM_TLS", "PRIVATE");
	expect_error("GOSHIM_TLS", "Shared");
	expect_error("GOSHIM_TLS", "none");
}
END_TEST

START_TEST(test_env_error_message_fits)
{
	struct gs_config c;
	char err[16];
	const char *msg;

	unset_all();
	set("GOMAXPROCS", "12345678901234567890");
	msg = gs_env_parse(&c, err, sizeof(err));
	ck_assert_ptr_eq(msg, err);
	ck_assert_uint_eq(strlen(msg), sizeof(err) - 1);
	ck_assert_int_eq(strncmp(msg, "GOMAXPROCS=", 11), 0);
}
END_TEST

START_TEST(test_default_procs)
{
	cpu_set_t set;
	int n = gs_default_procs();

	ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	ck_assert_int_ge(n, 1);
	ck_assert_int_le(n, CPU_COUNT(&set));
}
END_TEST

START_TEST(test_default_procs_follows_affinity)
{
	cpu_set_t set, one;
	int cpu = -1;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++) {
		if (CPU_ISSET(i, &set))
			cpu = i;
	}
	ck_assert_int_ge(cpu, 0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	ck_assert_int_eq(gs_default_procs(), 1);
}
END_TEST

static Suite *env_suite(void)
{
	Suite *s = suite_create("env");
	TCase *tc = tcase_create("env");

	tcase_add_test(tc, test_procs_accepts);
	tcase_add_test(tc, test_procs_rejects);
	tcase_add_test(tc, test_size_accepts);
	tcase_add_test(tc, test_size_rejects);
	tcase_add_test(tc, test_env_all_unset);
	tcase_add_test(tc, test_env_empty_means_unset);
	tcase_add_test(tc, test_env_values);
	tcase_add_test(tc, test_env_errors);
	tcase_add_test(tc, test_env_error_message_fits);
	tcase_add_test(tc, test_default_procs);
	tcase_add_test(tc, test_default_procs_follows_affinity);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return gs_unit_run(env_suite());
}
