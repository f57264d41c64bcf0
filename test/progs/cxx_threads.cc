// std::thread, thread_local objects with constructors and destructors, and
// exceptions thrown and caught concurrently. Sync: std::atomic and join.
#include <atomic>
#include <cstdio>
#include <exception>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 32;
constexpr int kThrows = 1000;

std::atomic<int> nfail{0};
std::atomic<int> ctors{0};
std::atomic<int> dtors{0};
std::atomic<int> touched{0};
std::atomic<long> caught{0};

void check(bool ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (nfail.fetch_add(1, std::memory_order_relaxed) < 10) {
		std::printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		std::fflush(stdout);
	}
}

// Every live Tracker has magic set: a destructor running on another
// thread's object, or twice, shows up here.
struct Tracker {
	Tracker() : owner(std::this_thread::get_id()), magic(0x600d)
	{
		ctors.fetch_add(1, std::memory_order_relaxed);
	}
	~Tracker()
	{
		check(magic == 0x600d, "tracker magic at dtor", magic, 0x600d);
		check(owner == std::this_thread::get_id(), "tracker dtor on owner", 0, 0);
		magic = 0xdead;
		dtors.fetch_add(1, std::memory_order_relaxed);
	}
	std::thread::id owner;
	int magic;
	int uses = 0;
};

// Function-local, so only threads that call it construct one: a namespace
// scope thread_local would be constructed by touching any other dynamic
// thread_local of this file.
Tracker &tracker()
{
	thread_local Tracker t;
	return t;
}

thread_local std::string tl_name = "unset";

[[noreturn]] void thrower(int id, int i)
{
	if (i % 7 == 0)
		std::this_thread::yield();
	throw std::runtime_error("thread " + std::to_string(id) + " throw " +
				 std::to_string(i));
}

void throw_loop(int id)
{
	for (int i = 0; i < kThrows; i++) {
		std::string want = "thread " + std::to_string(id) + " throw " + std::to_string(i);

		try {
			thrower(id, i);
		} catch (const std::runtime_error &e) {
			std::this_thread::yield();
			check(want == e.what(), "caught message", id, i);
			check(std::uncaught_exceptions() == 0, "uncaught_exceptions", id, i);
			caught.fetch_add(1, std::memory_order_relaxed);
		}
	}
}

void worker(int id, std::exception_ptr *out)
{
	check(tl_name == "unset", "fresh thread_local string", id, 0);
	tl_name = "worker " + std::to_string(id);
	// Only even threads touch tracker: only they construct and destroy it.
	if (id % 2 == 0) {
		tracker().uses++;
		touched.fetch_add(1, std::memory_order_relaxed);
	}
	throw_loop(id);
	check(tl_name == "worker " + std::to_string(id), "thread_local string kept", id, 0);
	if (id % 2 == 0)
		check(tracker().uses == 1 && tracker().magic == 0x600d, "tracker kept", id, 0);
	// An exception captured here is rethrown by main.
	try {
		throw std::logic_error("from " + std::to_string(id));
	} catch (...) {
		*out = std::current_exception();
	}
}

} // namespace

int main()
{
	std::vector<std::thread> ts;
	std::vector<std::exception_ptr> eps(kThreads);
	std::set<std::thread::id> ids;

	tl_name = "main";
	for (int i = 0; i < kThreads; i++)
		ts.emplace_back(worker, i, &eps[i]);
	for (auto &t : ts)
		ids.insert(t.get_id());
	check(ids.size() == kThreads && !ids.count(std::this_thread::get_id()),
	      "thread ids distinct", (long)ids.size(), kThreads);
	for (auto &t : ts) {
		check(t.joinable(), "joinable before join", 0, 0);
		t.join();
		check(!t.joinable(), "not joinable after join", 0, 0);
	}
	int rethrown = 0;

	for (int i = 0; i < kThreads; i++) {
		try {
			std::rethrow_exception(eps[i]);
		} catch (const std::logic_error &e) {
			check(std::string(e.what()) == "from " + std::to_string(i), "rethrown", i, 0);
			rethrown++;
		}
	}
	check(tl_name == "main", "main thread_local untouched", 0, 0);
	check(ctors.load() == touched.load(), "tracker ctors", ctors.load(), touched.load());
	check(dtors.load() == touched.load(), "tracker dtors", dtors.load(), touched.load());
	check(caught.load() == (long)kThreads * kThrows, "caught", caught.load(),
	      (long)kThreads * kThrows);
	std::printf("threads: %d, distinct ids: %zu\n", kThreads, ids.size());
	std::printf("thread_local Tracker: touched %d, constructed %d, destroyed %d\n",
		    touched.load(), ctors.load(), dtors.load());
	std::printf("exceptions caught: %ld, rethrown in main: %d\n", caught.load(), rethrown);
	return nfail.load() != 0;
}
