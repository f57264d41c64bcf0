/* What every Check suite's main does: run it in Check's fork mode (so a throw fails one
 * test, not the suite) and turn the failures into the exit status. */
#ifndef GS_UNIT_H
#define GS_UNIT_H

#include <check.h>
#include <stdlib.h>

static inline int gs_unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
