// pthread_exit and pthread_cancel from nested C++ frames: every RAII object's destructor
// runs exactly once, a catch (...) that rethrows sees the forced unwind go through, and
// pthread_join yields the exit value or PTHREAD_CANCELED (issue 7).
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

static std::atomic<int> built, destroyed, rethrown;
static std::atomic<bool> never;

struct Guard {
	Guard() { built++; }
	~Guard() { destroyed++; }
};

static void nested(int depth, bool cancel)
{
	Guard g;

	if (depth > 0) {
		try {
			nested(depth - 1, cancel);
		} catch (...) {
			rethrown++;
			throw;
		}
		return;
	}
	if (!cancel)
		pthread_exit(reinterpret_cast<void *>(42));
	while (!never)
		usleep(1000);	// a cancellation point
}

static void *exiter(void *) { nested(5, false); return nullptr; }
static void *cancelee(void *) { nested(5, true); return nullptr; }

int main()
{
	pthread_t t;
	void *r;

	pthread_create(&t, nullptr, exiter, nullptr);
	pthread_join(t, &r);
	std::printf("pthread_exit: value %ld\n", reinterpret_cast<long>(r));
	pthread_create(&t, nullptr, cancelee, nullptr);
	usleep(10000);
	pthread_cancel(t);
	pthread_join(t, &r);
	std::printf("pthread_cancel: %s\n", r == PTHREAD_CANCELED ? "canceled" : "not canceled");
	std::printf("objects built %d, destroyed %d, rethrown %d\n", built.load(),
		    destroyed.load(), rethrown.load());
	return 0;
}
