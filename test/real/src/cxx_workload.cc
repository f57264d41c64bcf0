// cxx_workload: the C++ standard library's threading, used as ordinary programs use it:
// std::thread, std::async (async and deferred), promise/future/packaged_task,
// shared_future, thread_local objects with constructors and destructors, exceptions
// thrown across threads and through futures, mutexes, condition variables, shared_mutex,
// latch, barrier, counting_semaphore, atomic wait, jthread with stop tokens, sleeps.
// Every line it prints depends only on SCALE, never on scheduling, so a run under goshim
// must print what a native run prints; a failed self-check prints a FAIL line (from any
// thread) and makes the exit status 1. Each part's wall time goes to stderr.
//
// usage: cxx_workload SCALE   (1: the quick suite's size, 4: the full one's)
#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <latch>
#include <mutex>
#include <semaphore>
#include <set>
#include <shared_mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::atomic<int> failures{0};

void fail(const std::string &what)
{
	// one printf per line: lines from different threads do not interleave
	std::printf("FAIL %s\n", what.c_str());
	std::fflush(stdout);
	failures.fetch_add(1);
}

void check(bool ok, const std::string &what)
{
	if (!ok)
		fail(what);
}

// collatz is the per-task work: cheap, but enough that tasks overlap.
long collatz(long n)
{
	long steps = 0;

	for (; n > 1; steps++)
		n = n % 2 ? 3 * n + 1 : n / 2;
	return steps;
}

long collatz_range(long lo, long hi)
{
	long sum = 0;

	for (long i = lo; i < hi; i++)
		sum += collatz(i);
	return sum;
}

// A sleep must never return early: it is a correctness check, not a timing one.
void sleep_checked(std::chrono::microseconds d, const char *who)
{
	auto t0 = Clock::now();

	std::this_thread::sleep_for(d);
	if (Clock::now() - t0 < d)
		fail(std::string(who) + ": sleep_for returned early");
}

void plain_threads(int scale)
{
	const int n = 64;
	std::vector<long> part(n);
	std::vector<std::thread> ts;

	for (int i = 0; i < n; i++) {
		ts.emplace_back([i, scale, &part] {
			long lo = (long)i * 500 * scale + 1;

			part[i] = collatz_range(lo, lo + 250 * scale);
			sleep_checked(1ms, "threads");
			part[i] += collatz_range(lo + 250 * scale, lo + 500 * scale);
		});
	}
	for (auto &t : ts)
		t.join();
	long sum = 0;
	for (long p : part)
		sum += p;
	check(sum == collatz_range(1, (long)n * 500 * scale + 1), "threads: wrong sum");
	std::printf("threads: %d std::threads, collatz steps %ld\n", n, sum);
}

// async_tasks runs launch::async tasks in batches (natively each is an OS thread) and
// launch::deferred ones, which must run lazily on the thread that calls get().
void async_tasks(int scale)
{
	const int n = 1000 * scale, batch = 250;
	const auto main_id = std::this_thread::get_id();
	long sum = 0;
	int elsewhere = 0;

	for (int b = 0; b < n; b += batch) {
		std::vector<std::future<std::pair<long, bool>>> fs;
		for (int i = b; i < b + batch; i++) {
			fs.push_back(std::async(std::launch::async, [i, main_id] {
				return std::make_pair(collatz(i + 1), std::this_thread::get_id() != main_id);
			}));
		}
		for (auto &f : fs) {
			auto [v, other] = f.get();
			sum += v;
			elsewhere += other;
		}
	}
	check(elsewhere == n, "async: a launch::async task ran on the calling thread");

	std::atomic<int> ran{0};
	std::vector<std::future<long>> ds;
	for (int i = 0; i < n; i++) {
		ds.push_back(std::async(std::launch::deferred, [i, main_id, &ran] {
			check(std::this_thread::get_id() == main_id, "deferred: ran on another thread");
			ran.fetch_add(1);
			return collatz(i + 1);
		}));
	}
	check(ran.load() == 0, "deferred: ran before get()");
	check(ds[0].wait_for(0s) == std::future_status::deferred, "deferred: not deferred");
	long dsum = 0;
	for (auto &d : ds)
		dsum += d.get();
	check(ran.load() == n && dsum == sum, "deferred: wrong count or sum");
	std::printf("async: %d launch::async and %d launch::deferred tasks, steps %ld\n", n, n, sum);
}

// Pool is a fixed set of workers taking packaged_tasks off a mutex+condvar queue.
class Pool {
public:
	explicit Pool(int n)
	{
		for (int i = 0; i < n; i++)
			workers_.emplace_back([this] { run(); });
	}
	~Pool()
	{
		{
			std::lock_guard<std::mutex> l(mu_);
			done_ = true;
		}
		cv_.notify_all();
		for (auto &w : workers_)
			w.join();
	}
	std::future<long> submit(std::packaged_task<long()> t)
	{
		auto f = t.get_future();
		{
			std::lock_guard<std::mutex> l(mu_);
			q_.push_back(std::move(t));
		}
		cv_.notify_one();
		return f;
	}

private:
	void run()
	{
		for (;;) {
			std::unique_lock<std::mutex> l(mu_);
			cv_.wait(l, [this] { return done_ || !q_.empty(); });
			if (q_.empty())
				return;
			auto t = std::move(q_.front());
			q_.pop_front();
			l.unlock();
			t();
		}
	}
	std::mutex mu_;
	std::condition_variable cv_;
	std::deque<std::packaged_task<long()>> q_;
	bool done_ = false;
	std::vector<std::thread> workers_;
};

// packaged_tasks: every 7th task throws, and its future's get() rethrows it here.
void packaged_tasks(int scale)
{
	const int n = 5000 * scale;
	long sum = 0;
	int thrown = 0;
	std::vector<std::future<long>> fs;
	{
		Pool pool(8);
		for (int i = 0; i < n; i++) {
			fs.push_back(pool.submit(std::packaged_task<long()>([i]() -> long {
				if (i % 7 == 0)
					throw std::runtime_error("task " + std::to_string(i));
				return collatz(i);
			})));
		}
		for (int i = 0; i < n; i++) {
			try {
				sum += fs[i].get();
			} catch (const std::runtime_error &e) {
				check(i % 7 == 0 && e.what() == "task " + std::to_string(i),
				      std::string("packaged_task: unexpected exception ") + e.what());
				thrown++;
			}
		}
	}
	check(thrown == (n + 6) / 7, "packaged_task: wrong number of exceptions");
	std::printf("packaged_task: %d tasks on 8 workers, %d threw, steps %ld\n", n, thrown, sum);
}

// promises: threads set values or exceptions; a shared_future releases them all at once.
void promises()
{
	const int n = 200;
	std::promise<int> start;
	std::shared_future<int> go = start.get_future().share();
	std::vector<std::promise<long>> ps(n);
	std::vector<std::future<long>> fs;
	std::vector<std::thread> ts;

	for (auto &p : ps)
		fs.push_back(p.get_future());
	for (int i = 0; i < n; i++) {
		ts.emplace_back([i, go, &ps] {
			int k = go.get();
			if (i % 5 == 0)
				ps[i].set_exception(std::make_exception_ptr(std::out_of_range(std::to_string(i))));
			else
				ps[i].set_value((long)i * k);
		});
	}
	start.set_value(3);
	long sum = 0;
	int errs = 0;
	for (int i = 0; i < n; i++) {
		try {
			sum += fs[i].get();
		} catch (const std::out_of_range &e) {
			check(e.what() == std::to_string(i), "promise: wrong exception");
			errs++;
		}
	}
	for (auto &t : ts)
		t.join();
	std::printf("promise: %d promises, %d exceptions, sum %ld\n", n, errs, sum);
}

// at_thread_exit: the value is ready only once the thread has ended, after its
// thread_local destructors.
void at_thread_exit()
{
	std::promise<int> p;
	std::future<int> f = p.get_future();
	std::mutex mu;
	std::condition_variable cv;
	int stage = 0;
	std::thread t([&] {
		p.set_value_at_thread_exit(42);
		std::unique_lock<std::mutex> l(mu);
		stage = 1;
		cv.notify_all();
		cv.wait(l, [&] { return stage == 2; });
	});
	{
		std::unique_lock<std::mutex> l(mu);
		cv.wait(l, [&] { return stage == 1; });
		check(f.wait_for(0s) == std::future_status::timeout,
		      "set_value_at_thread_exit: ready before the thread ended");
		stage = 2;
		cv.notify_all();
	}
	check(f.get() == 42, "set_value_at_thread_exit: wrong value");
	t.join();
	std::printf("at_thread_exit: set_value_at_thread_exit ready after the thread ended\n");
}

std::atomic<int> tl_ctors{0}, tl_dtors{0};
std::mutex exited_mu;
std::set<int> exited;	// ids recorded by thread_local destructors

struct Counted {
	int id = -1;
	Counted() { tl_ctors.fetch_add(1); }
	~Counted()
	{
		// a destructor at thread exit that takes a lock, as real ones do
		std::lock_guard<std::mutex> l(exited_mu);
		exited.insert(id);
		tl_dtors.fetch_add(1);
	}
};

thread_local Counted counted;
thread_local int tl_value = 0;

// thread_locals: only threads that touch the object construct it; every one is
// destroyed at thread exit; each thread's int keeps its value across switches.
void thread_locals()
{
	const int n = 256;
	std::latch all_alive(n);
	std::mutex mu;
	std::set<const void *> addrs;
	std::vector<std::thread> ts;

	for (int i = 0; i < n; i++) {
		ts.emplace_back([i, &all_alive, &mu, &addrs] {
			tl_value = i;
			if (i % 2 == 0)
				counted.id = i;
			{
				std::lock_guard<std::mutex> l(mu);
				addrs.insert(&tl_value);
			}
			// all alive at once: the addresses cannot have been reused
			all_alive.arrive_and_wait();
			for (int k = 0; k < 20; k++) {
				std::this_thread::yield();
				if (k % 5 == 0)
					std::this_thread::sleep_for(100us);
				if (tl_value != i) {
					fail("thread_local: thread " + std::to_string(i) + " sees " +
					     std::to_string(tl_value));
					break;
				}
			}
		});
	}
	for (auto &t : ts)
		t.join();
	check((int)addrs.size() == n, "thread_local: shared addresses");
	check(tl_ctors.load() == n / 2 && tl_dtors.load() == n / 2,
	      "thread_local: " + std::to_string(tl_ctors.load()) + " constructed, " +
		      std::to_string(tl_dtors.load()) + " destroyed");
	check((int)exited.size() == n / 2 && *exited.begin() == 0 && *exited.rbegin() == n - 2,
	      "thread_local: destructors saw the wrong ids");
	std::printf("thread_local: %d threads, %d distinct addresses, %d constructed, %d destroyed\n",
		    n, (int)addrs.size(), tl_ctors.load(), tl_dtors.load());
}

// Unwinder's destructor runs during unwinding: it blocks while another thread checks
// that its own uncaught_exceptions() count is still 0 (the count is per thread).
struct Unwinder {
	std::latch *in_dtor, *checked;
	~Unwinder()
	{
		check(std::uncaught_exceptions() == 1, "exceptions: unwinding thread's count not 1");
		in_dtor->count_down();
		checked->wait();
		sleep_checked(200us, "exceptions");
	}
};

// exceptions: caught, held across sleeps and rethrown with `throw;` in each thread;
// exception_ptrs handed to another thread.
void exceptions(int scale)
{
	const int n = 100 * scale;
	std::atomic<int> rethrown{0};
	std::vector<std::exception_ptr> eps(n);
	std::vector<std::thread> ts;

	for (int i = 0; i < n; i++) {
		ts.emplace_back([i, &rethrown, &eps] {
			const std::string want = "e" + std::to_string(i);
			try {
				try {
					throw std::runtime_error(want);
				} catch (const std::exception &e) {
					// other threads throw and catch while this one is in a handler
					std::this_thread::sleep_for(50us);
					std::this_thread::yield();
					check(e.what() == want && std::current_exception() != nullptr,
					      "exceptions: handler lost its exception");
					eps[i] = std::current_exception();
					throw;
				}
			} catch (const std::runtime_error &e) {
				if (e.what() == want)
					rethrown.fetch_add(1);
			}
			check(std::current_exception() == nullptr, "exceptions: still handling after catch");
		});
	}
	for (auto &t : ts)
		t.join();
	int passed = 0;
	for (int i = 0; i < n; i++) {
		try {
			std::rethrow_exception(eps[i]);
		} catch (const std::runtime_error &e) {
			passed += e.what() == "e" + std::to_string(i);
		}
	}

	std::latch in_dtor(1), checked(1);
	std::thread unwinding([&] {
		try {
			Unwinder u{&in_dtor, &checked};
			throw std::logic_error("unwind");
		} catch (const std::logic_error &) {
		}
	});
	in_dtor.wait();
	check(std::uncaught_exceptions() == 0, "exceptions: another thread's unwinding counted here");
	checked.count_down();
	unwinding.join();
	std::printf("exceptions: %d rethrown in their threads, %d exception_ptrs rethrown in main\n",
		    rethrown.load(), passed);
}

// queue: producers and consumers on a bounded mutex+condvar queue.
void queue(int scale)
{
	const int producers = 4, consumers = 4, per = 5000 * scale, cap = 16;
	std::mutex mu;
	std::condition_variable not_full, not_empty;
	std::deque<long> q;
	std::atomic<long> sum{0}, count{0};
	std::vector<std::thread> ts;

	for (int c = 0; c < consumers; c++) {
		ts.emplace_back([&] {
			for (;;) {
				std::unique_lock<std::mutex> l(mu);
				not_empty.wait(l, [&] { return !q.empty(); });
				long v = q.front();
				q.pop_front();
				l.unlock();
				not_full.notify_one();
				if (v < 0)
					return;
				sum.fetch_add(v);
				count.fetch_add(1);
			}
		});
	}
	for (int p = 0; p < producers; p++) {
		ts.emplace_back([&, p] {
			for (int i = 1; i <= per; i++) {
				std::unique_lock<std::mutex> l(mu);
				not_full.wait(l, [&] { return (int)q.size() < cap; });
				q.push_back((long)p * per + i);
				l.unlock();
				not_empty.notify_one();
			}
		});
	}
	for (int p = 0; p < producers; p++)
		ts[consumers + p].join();
	for (int c = 0; c < consumers; c++) {
		std::lock_guard<std::mutex> l(mu);
		q.push_back(-1);	// one stop mark per consumer; the queue may exceed cap here
		not_empty.notify_one();
	}
	for (int c = 0; c < consumers; c++)
		ts[c].join();
	long total = (long)producers * per;
	check(count.load() == total && sum.load() == total * (total + 1) / 2, "queue: lost or extra items");
	std::printf("queue: %d producers, %d consumers, %ld items, sum %ld\n", producers, consumers,
		    count.load(), sum.load());
}

// rwlock: writers move units between two counters; readers must see their sum intact.
// Each side does a fixed number of operations: glibc's rwlock prefers readers, and
// readers that looped until the writers were done could starve them for good.
void rwlock(int scale)
{
	const int readers = 8, reads = 4000 * scale, writers = 2, writes = 2000 * scale;
	std::shared_mutex rw;
	long a = 1000, b = 0;
	std::atomic<long> seen{0};
	std::vector<std::thread> ts;

	for (int r = 0; r < readers; r++) {
		ts.emplace_back([&] {
			for (int i = 0; i < reads; i++) {
				std::shared_lock<std::shared_mutex> l(rw);
				if (a + b != 1000) {
					fail("shared_mutex: torn read");
					return;
				}
				seen.fetch_add(1);
				l.unlock();
				if (i % 64 == 0)
					std::this_thread::yield();
			}
		});
	}
	for (int w = 0; w < writers; w++) {
		ts.emplace_back([&, w] {
			for (int i = 0; i < writes; i++) {
				std::unique_lock<std::shared_mutex> l(rw);
				long d = (w == 0) == (a > 500) ? 1 : -1;
				a -= d;
				b += d;
			}
		});
	}
	for (auto &t : ts)
		t.join();
	check(seen.load() == (long)readers * reads, "shared_mutex: lost reads");
	std::printf("shared_mutex: %d readers x %d reads, %d writers x %d writes, a+b = %ld\n", readers,
		    reads, writers, writes, a + b);
}

// barrier: each phase every thread adds its share; the completion step checks the sum.
void barrier_phases(int scale)
{
	const int n = 8, phases = 100 * scale;
	std::atomic<long> acc{0};
	long completed = 0, bad = 0;
	auto on_done = [&]() noexcept {
		completed++;
		if (acc.exchange(0) != (long)n * (n + 1) / 2 * completed)
			bad++;
	};
	std::barrier sync(n, on_done);
	std::vector<std::thread> ts;

	for (int i = 1; i <= n; i++) {
		ts.emplace_back([&, i] {
			for (long ph = 1; ph <= phases; ph++) {
				acc.fetch_add(i * ph);
				sync.arrive_and_wait();
			}
		});
	}
	for (auto &t : ts)
		t.join();
	check(bad == 0 && completed == phases, "barrier: wrong phase sums");
	std::printf("barrier: %d threads, %ld phases\n", n, completed);
}

// semaphore: at most 3 threads inside at once.
void semaphore(int scale)
{
	std::counting_semaphore<3> sem(3);
	std::atomic<int> inside{0}, most{0}, entries{0};
	std::vector<std::thread> ts;

	for (int i = 0; i < 32; i++) {
		ts.emplace_back([&] {
			for (int k = 0; k < 20 * scale; k++) {
				sem.acquire();
				int now = inside.fetch_add(1) + 1;
				for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);)
					;
				entries.fetch_add(1);
				if (k % 4 == 0)
					std::this_thread::sleep_for(50us);
				inside.fetch_sub(1);
				sem.release();
			}
		});
	}
	for (auto &t : ts)
		t.join();
	check(most.load() <= 3 && most.load() >= 1, "counting_semaphore: " + std::to_string(most.load()) + " inside at once");
	std::printf("counting_semaphore: 32 threads, %d entries, at most 3 inside\n", entries.load());
}

// atomic_wait: two threads hand a token back and forth with atomic wait/notify (futexes).
void atomic_wait(int scale)
{
	const int rounds = 5000 * scale;
	std::atomic<int> turn{0};
	auto player = [&](int me) {
		for (int r = 0; r < rounds; r++) {
			int t;
			while ((t = turn.load()) % 2 != me)
				turn.wait(t);
			turn.store(t + 1);
			turn.notify_one();
		}
	};
	std::thread a(player, 0), b(player, 1);
	a.join();
	b.join();
	check(turn.load() == 2 * rounds, "atomic wait: wrong count");
	std::printf("atomic_wait: %d hand-offs\n", turn.load());
}

// stop_tokens: jthreads wait on a condition_variable_any until asked to stop.
void stop_tokens()
{
	std::mutex mu;
	std::condition_variable_any cv;
	std::atomic<int> stopped{0};
	std::latch waiting(16);
	{
		std::vector<std::jthread> ts;
		for (int i = 0; i < 16; i++) {
			ts.emplace_back([&](std::stop_token st) {
				std::unique_lock<std::mutex> l(mu);
				waiting.count_down();
				bool never = false;
				if (!cv.wait(l, st, [&] { return never; }))
					stopped.fetch_add(1);
			});
		}
		waiting.wait();
	}	// each jthread's destructor requests a stop and joins
	check(stopped.load() == 16, "jthread: not every thread saw its stop request");
	std::printf("jthread: 16 threads stopped by their stop_token\n");
}

// locks: call_once, recursive_mutex, timed_mutex and condvar timeouts.
void locks()
{
	std::once_flag once;
	std::atomic<int> inits{0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 32; i++)
		ts.emplace_back([&] { std::call_once(once, [&] { std::this_thread::sleep_for(1ms); inits++; }); });
	for (auto &t : ts)
		t.join();
	check(inits.load() == 1, "call_once: ran " + std::to_string(inits.load()) + " times");

	std::recursive_mutex rm;
	std::function<int(int)> depth = [&](int d) {
		std::lock_guard<std::recursive_mutex> l(rm);
		return d == 0 ? 0 : 1 + depth(d - 1);
	};
	check(depth(50) == 50, "recursive_mutex");

	std::timed_mutex tm;
	std::latch held(1), tried(1);
	std::thread holder([&] {
		std::lock_guard<std::timed_mutex> l(tm);
		held.count_down();
		tried.wait();
	});
	held.wait();
	auto t0 = Clock::now();
	check(!tm.try_lock_for(5ms), "timed_mutex: locked a held mutex");
	check(Clock::now() - t0 >= 5ms, "timed_mutex: try_lock_for gave up early");
	tried.count_down();
	check(tm.try_lock_for(10s), "timed_mutex: not released");
	tm.unlock();
	holder.join();

	std::mutex mu;
	std::condition_variable cv;
	std::unique_lock<std::mutex> l(mu);
	t0 = Clock::now();
	check(!cv.wait_for(l, 20ms, [] { return false; }), "condvar: wait_for predicate");
	check(Clock::now() - t0 >= 20ms, "condvar: wait_for returned early");
	std::printf("locks: call_once, recursive_mutex, timed_mutex, condvar timeout\n");
}

// sleeps: many threads sleeping different lengths at once, with sleep_for and sleep_until.
void sleeps()
{
	std::vector<std::thread> ts;
	for (int i = 0; i < 100; i++) {
		ts.emplace_back([i] {
			sleep_checked(std::chrono::microseconds(100 * (i % 10 + 1)), "sleeps");
			auto until = Clock::now() + std::chrono::microseconds(200 * (i % 5 + 1));
			std::this_thread::sleep_until(until);
			check(Clock::now() >= until, "sleeps: sleep_until returned early");
		});
	}
	for (auto &t : ts)
		t.join();
	std::printf("sleeps: 100 threads\n");
}

// timed runs one part and reports its wall time on stderr, which is not compared.
void timed(const char *name, const std::function<void()> &part)
{
	auto t0 = Clock::now();

	part();
	std::fflush(stdout);
	std::fprintf(stderr, "%s: %.1f ms\n", name,
		     std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
}

} // namespace

int main(int argc, char **argv)
{
	int scale = argc > 1 ? std::atoi(argv[1]) : 1;

	if (scale < 1) {
		std::fprintf(stderr, "usage: cxx_workload SCALE\n");
		return 2;
	}
	std::printf("cxx_workload scale %d\n", scale);
	timed("threads", [&] { plain_threads(scale); });
	timed("async", [&] { async_tasks(scale); });
	timed("packaged_task", [&] { packaged_tasks(scale); });
	timed("promise", promises);
	timed("at_thread_exit", at_thread_exit);
	timed("thread_local", thread_locals);
	timed("exceptions", [&] { exceptions(scale); });
	timed("queue", [&] { queue(scale); });
	timed("shared_mutex", [&] { rwlock(scale); });
	timed("barrier", [&] { barrier_phases(scale); });
	timed("counting_semaphore", [&] { semaphore(scale); });
	timed("atomic_wait", [&] { atomic_wait(scale); });
	timed("jthread", stop_tokens);
	timed("locks", locks);
	timed("sleeps", sleeps);
	std::printf("%s\n", failures.load() ? "FAILED" : "done");
	return failures.load() ? 1 : 0;
}
