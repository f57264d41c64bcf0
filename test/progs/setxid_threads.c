/* setuid and its kind change the credentials of the whole process, every thread included,
 * though Linux keeps them per thread (glibc signals each thread to make the call; under
 * goshim that round hung once a second thread existed). With threads parked on a condvar,
 * spinning and sleeping: initgroups, setresgid and setresuid (to nobody, 65534, when run
 * as root; to the ids it has otherwise), then every OS thread in /proc/self/task must show
 * the same Uid, Gid and Groups lines, every thread and a new one must get the new ids from
 * getresuid/getresgid, and seteuid(-1)/setegid(-1) must fail with EINVAL. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { PARKED = 3, SPINNING = 2, SLEEPING = 2, WORKERS = PARKED + SPINNING + SLEEPING };

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool go;
static atomic_bool stop;
static atomic_int started, wrong;
static uid_t want_uid;
static gid_t want_gid;

/* check_ids counts a thread whose own ids are not the wanted ones. */
static void check_ids(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	syscall(SYS_getresuid, &r, &e, &s);
	syscall(SYS_getresgid, &rg, &eg, &sg);
	if (r != want_uid || e != want_uid || s != want_uid || rg != want_gid ||
	    eg != want_gid || sg != want_gid)
		atomic_fetch_add(&wrong, 1);
}

static void *parked(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	atomic_fetch_add(&started, 1);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	check_ids();
	return NULL;
}

static void *spinning(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		n++;
	check_ids();
	return NULL;
}

static void *sleeping(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		nanosleep(&ms, NULL);
	check_ids();
	return NULL;
}

/* status_lines copies the Uid, Gid and Groups lines of a status file into out. */
static void status_lines(const char *path, char *out, size_t size)
{
	char line[512];
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Uid:", 4) == 0 || strncmp(line, "Gid:", 4) == 0 ||
		    strncmp(line, "Groups:", 7) == 0)
			strncat(out, line, size - strlen(out) - 1);
	}
	fclose(f);
}

/* all_tasks_agree: every OS thread's credentials are those of the calling one. */
static bool all_tasks_agree(void)
{
	char mine[1024], theirs[1024], path[300];
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	bool ok = true;

	status_lines("/proc/thread-self/status", mine, sizeof(mine));
	if (d == NULL)
		return false;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		status_lines(path, theirs, sizeof(theirs));
		if (theirs[0] != '\0' && strcmp(mine, theirs) != 0) {
			printf("FAIL an OS thread's credentials differ:\n%s--- vs ---\n%s", theirs,
			       mine);
			ok = false;
			break;
		}
	}
	closedir(d);
	return ok;
}

int main(void)
{
	pthread_t t[WORKERS + 1];
	bool root = geteuid() == 0;
	int i = 0;

	for (int k = 0; k < PARKED; k++)
		pthread_create(&t[i++], NULL, parked, NULL);
	for (int k = 0; k < SPINNING; k++)
		pthread_create(&t[i++], NULL, spinning, NULL);
	for (int k = 0; k < SLEEPING; k++)
		pthread_create(&t[i++], NULL, sleeping, NULL);
	while (atomic_load(&started) < WORKERS)
		sched_yield();
	want_uid = root ? 65534 : getuid();
	want_gid = root ? 65534 : getgid();
	if (root && initgroups("nobody", want_gid) != 0)
		printf("FAIL initgroups: %s\n", strerror(errno));
	if (setresgid(want_gid, want_gid, want_gid) != 0)
		printf("FAIL setresgid: %s\n", strerror(errno));
	if (setresuid(want_uid, want_uid, want_uid) != 0)
		printf("FAIL setresuid: %s\n", strerror(errno));
	if (seteuid((uid_t)-1) != -1 || errno != EINVAL)
		printf("FAIL seteuid(-1) did not fail with EINVAL\n");
	if (setegid((gid_t)-1) != -1 || errno != EINVAL)
		printf("FAIL setegid(-1) did not fail with EINVAL\n");
	/* not root any more (or never): this fails as it would natively */
	if (setgroups(0, NULL) == 0)
		printf("FAIL setgroups worked without privilege\n");
	else
		printf("setgroups without privilege: %s\n", strerror(errno));
	if (all_tasks_agree())
		printf("every OS thread has the new credentials\n");
	pthread_create(&t[i++], NULL, parked, NULL);
	pthread_mutex_lock(&mu);
	go = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	atomic_store(&stop, true);
	for (int k = 0; k < i; k++)
		pthread_join(t[k], NULL);
	check_ids();
	if (atomic_load(&wrong))
		printf("FAIL %d threads see other ids than the ones set\n", atomic_load(&wrong));
	printf("%d threads checked\n", i + 1);
	return 0;
}
