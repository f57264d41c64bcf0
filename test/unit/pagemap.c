/* Unit tests for runtime/pagemap: which memory goshim may treat as the process's alone
 * when it parks a G on a non-private futex. */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../runtime/pagemap.h"
#include "unit.h"

static int bss_word;

START_TEST(test_private_memory)
{
	int stack_word = 1;
	int *heap_word = malloc(sizeof(*heap_word));
	int *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_nonnull(heap_word);
	ck_assert_ptr_ne(anon, MAP_FAILED);
	*heap_word = 1;
	*anon = 1;
	bss_word = 1;
	ck_assert(gs_page_private(&stack_word));
	ck_assert(gs_page_private(heap_word));
	ck_assert(gs_page_private(anon));
	ck_assert(gs_page_private(&bss_word));
	ck_assert_int_ge(gs_pagemap_fd(), 3);
	ck_assert_int_eq(fcntl(gs_pagemap_fd(), F_GETFD), FD_CLOEXEC);
	free(heap_word);
	munmap(anon, 4096);
}
END_TEST

START_TEST(test_not_private)
{
	int fd = memfd_create("pagemap", 0);
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *file, *untouched, *gone;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4096), 0);
	file = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	untouched = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(shared != MAP_FAILED && file != MAP_FAILED && untouched != MAP_FAILED &&
		  gone != MAP_FAILED);
	*shared = 1;
	*file = 1;
	*gone = 1;
	munmap(gone, 4096);
	ck_assert(!gs_page_private(shared));
	ck_assert(!gs_page_private(file));
	ck_assert(!gs_page_private(untouched));	/* not in memory: in doubt */
	ck_assert(!gs_page_private(gone));
	ck_assert(!gs_page_private(NULL));
}
END_TEST

/* A fork child must read its own page tables, not its parent's. */
START_TEST(test_afterfork)
{
	int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	ck_assert_ptr_ne(word, MAP_FAILED);
	*word = 1;
	ck_assert(gs_page_private(word));
	pid = fork();
	if (pid == 0) {
		gs_pagemap_afterfork();
		munmap(word, 4096);
		_exit(gs_page_private(word) ? 1 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert(gs_page_private(word));
}
END_TEST

static Suite *pagemap_suite(void)
{
	Suite *s = suite_create("pagemap");
	TCase *tc = tcase_create("core");

	/* Check runs each test in a fork child */
	tcase_add_checked_fixture(tc, gs_pagemap_afterfork, NULL);
	tcase_add_test(tc, test_private_memory);
	tcase_add_test(tc, test_not_private);
	tcase_add_test(tc, test_afterfork);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return gs_unit_run(pagemap_suite());
}
