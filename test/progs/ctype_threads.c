/* The C library's per-thread ctype tables in new threads: isalpha, toupper, tolower and
 * the floating-point formats of printf (which look up their conversion letter through
 * them) work at once in a thread's first call, as nptl sets them up before the start
 * routine runs; then the same in threads made on recycled stacks, one of whose
 * predecessors switched to a locale of its own with uselocale. */
#define _GNU_SOURCE
#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 16, ROUNDS = 3 };

struct work {
	int id;
	int own_locale;
	char out[160];
};

static void *run(void *arg)
{
	struct work *w = arg;
	locale_t loc = (locale_t)0;
	int letters = 0;

	if (w->own_locale) {
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
		if (loc)
			uselocale(loc);
	}
	for (int c = 0; c < 128; c++)
		letters += isalpha(c) != 0;
	snprintf(w->out, sizeof w->out, "%d: letters %d, %c%c, %.3f %e %g %a, strtod %g", w->id,
		 letters, toupper('q'), tolower('Q'), 2.0 / 3, 12345.678, 1e-5, 0.5,
		 strtod("1.5e3", NULL));
	if (loc) {
		uselocale(LC_GLOBAL_LOCALE);
		freelocale(loc);
	}
	return NULL;
}

int main(void)
{
	static struct work w[ROUNDS][THREADS];

	for (int r = 0; r < ROUNDS; r++) {
		pthread_t t[THREADS];

		for (int i = 0; i < THREADS; i++) {
			w[r][i].id = r * THREADS + i;
			w[r][i].own_locale = (r == 1 && i % 2 == 0);
			if (pthread_create(&t[i], NULL, run, &w[r][i]) != 0) {
				printf("FAIL pthread_create\n");
				return 1;
			}
		}
		for (int i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		for (int i = 0; i < THREADS; i++)
			printf("%s\n", w[r][i].out);
	}
	return 0;
}
