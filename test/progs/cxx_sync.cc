// C++17 synchronization: a std::mutex counter, a std::condition_variable
// producer/consumer, std::shared_mutex reader/writer exclusion, timed waits
// that time out, try locks on held mutexes, and lock_guard, unique_lock and
// scoped_lock on two mutexes taken in opposite orders.
// Sync: the objects under test, std::atomic and join.
// goshim-test: tls-shared
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

constexpr int kCounterThreads = 16;
constexpr int kCounterIters = 50000;
constexpr int kCap = 16;
constexpr int kProducers = 4;
constexpr int kConsumers = 4;
constexpr int kPerProducer = 10000;
constexpr int kReaders = 6;
constexpr int kWriters = 2;
constexpr int kRwIters = 10000;
constexpr int kPairIters = 20000;

std::atomic<int> nfail{0};

void check(bool ok, const char *what, long a, long b)
{
	if (ok)
		return;
	if (nfail.fetch_add(1, std::memory_order_relaxed) < 10) {
		std::printf("FAIL %s (%ld vs %ld)\n", what, a, b);
		std::fflush(stdout);
	}
}

void counter()
{
	std::mutex mu;
	long count = 0;
	std::vector<std::thread> ts;

	for (int i = 0; i < kCounterThreads; i++)
		ts.emplace_back([&] {
			for (int j = 0; j < kCounterIters; j++) {
				std::lock_guard<std::mutex> g(mu);
				count++;
			}
		});
	for (auto &t : ts)
		t.join();
	check(count == long{kCounterThreads} * kCounterIters, "mutex counter", count,
	      long{kCounterThreads} * kCounterIters);
	std::printf("mutex counter: %d threads, total %ld\n", kCounterThreads, count);
}

void prodcons()
{
	std::mutex mu;
	std::condition_variable not_full, not_empty;
	std::deque<long> q;
	long sum = 0, consumed = 0;
	std::vector<std::thread> ts;
	const long n = long{kProducers} * kPerProducer;

	for (int p = 0; p < kProducers; p++)
		ts.emplace_back([&, p] {
			for (int i = 0; i < kPerProducer; i++) {
				std::unique_lock<std::mutex> lk(mu);
				not_full.wait(lk, [&] { return q.size() < kCap; });
				q.push_back(long{p} * kPerProducer + i);
				not_empty.notify_one();
			}
		});
	for (int c = 0; c < kConsumers; c++)
		ts.emplace_back([&] {
			for (int i = 0; i < n / kConsumers; i++) {
				std::unique_lock<std::mutex> lk(mu);
				not_empty.wait(lk, [&] { return !q.empty(); });
				sum += q.front();
				q.pop_front();
				consumed++;
				not_full.notify_one();
			}
		});
	for (auto &t : ts)
		t.join();
	check(consumed == n, "consumed", consumed, n);
	check(sum == n * (n - 1) / 2, "sum", sum, n * (n - 1) / 2);
	std::printf("condition_variable producer/consumer: %ld items, sum %ld\n", consumed,
		    sum);
}

void shared()
{
	std::shared_mutex rw;
	std::atomic<int> readers{0}, writers{0};
	std::atomic<long> reads{0};
	long writes = 0;
	std::vector<std::thread> ts;

	for (int i = 0; i < kReaders + kWriters; i++)
		ts.emplace_back([&, i] {
			for (int j = 0; j < kRwIters; j++) {
				if (i < kReaders) {
					std::shared_lock<std::shared_mutex> lk(rw);
					readers++;
					check(writers.load() == 0, "writer under shared lock",
					      writers.load(), 0);
					reads.fetch_add(1, std::memory_order_relaxed);
					readers--;
				} else {
					std::unique_lock<std::shared_mutex> lk(rw);
					int w = ++writers;
					check(w == 1, "writers under unique lock", w, 1);
					check(readers.load() == 0, "readers under unique lock",
					      readers.load(), 0);
					writes++;
					writers--;
				}
			}
		});
	for (auto &t : ts)
		t.join();
	check(reads.load() == long{kReaders} * kRwIters, "reads", reads.load(),
	      long{kReaders} * kRwIters);
	check(writes == long{kWriters} * kRwIters, "writes", writes, long{kWriters} * kRwIters);
	std::printf("shared_mutex: %ld reads, %ld writes\n", reads.load(), writes);

	rw.lock_shared();
	bool try_shared = false, try_unique = true;
	std::thread([&] {
		try_shared = rw.try_lock_shared();
		if (try_shared)
			rw.unlock_shared();
		try_unique = rw.try_lock();
		if (try_unique)
			rw.unlock();
	}).join();
	rw.unlock_shared();
	check(try_shared, "try_lock_shared on shared-held", try_shared, 1);
	check(!try_unique, "try_lock on shared-held", try_unique, 0);
	std::printf("shared-held: try_lock_shared %d, try_lock %d\n", try_shared, try_unique);
}

void timeouts()
{
	std::mutex mu;
	std::condition_variable cv;
	std::unique_lock<std::mutex> lk(mu);

	std::cv_status st = cv.wait_for(lk, 20ms);
	check(st == std::cv_status::timeout, "wait_for", int(st), int(std::cv_status::timeout));
	std::printf("wait_for 20ms: %s\n", st == std::cv_status::timeout ? "timeout" : "no_timeout");
	st = cv.wait_until(lk, std::chrono::steady_clock::now() - 1s);
	check(st == std::cv_status::timeout, "wait_until passed", int(st),
	      int(std::cv_status::timeout));
	std::printf("wait_until passed steady: %s\n",
		    st == std::cv_status::timeout ? "timeout" : "no_timeout");
	st = cv.wait_until(lk, std::chrono::system_clock::now() - 1s);
	check(st == std::cv_status::timeout, "wait_until passed system", int(st),
	      int(std::cv_status::timeout));
	std::printf("wait_until passed system: %s\n",
		    st == std::cv_status::timeout ? "timeout" : "no_timeout");
	bool pred = cv.wait_for(lk, 20ms, [] { return false; });
	check(!pred, "wait_for with false predicate", pred, 0);
	std::printf("wait_for 20ms with false predicate: %d\n", pred);
}

void try_locks()
{
	std::mutex mu;
	std::timed_mutex tm;
	std::recursive_mutex rm;
	bool try_mu = true, try_tm = true, try_tm_for = true, try_rm = true;

	std::lock_guard<std::mutex> g1(mu);
	std::lock_guard<std::timed_mutex> g2(tm);
	std::lock_guard<std::recursive_mutex> g3(rm);
	bool rm_again = rm.try_lock();
	std::thread([&] {
		std::unique_lock<std::mutex> lk(mu, std::try_to_lock);
		try_mu = lk.owns_lock();
		try_tm = tm.try_lock();
		if (try_tm)
			tm.unlock();
		try_tm_for = tm.try_lock_for(20ms);
		if (try_tm_for)
			tm.unlock();
		try_rm = rm.try_lock();
		if (try_rm)
			rm.unlock();
	}).join();
	if (rm_again)
		rm.unlock();
	check(!try_mu, "unique_lock try_to_lock on held", try_mu, 0);
	check(!try_tm, "timed_mutex try_lock on held", try_tm, 0);
	check(!try_tm_for, "timed_mutex try_lock_for on held", try_tm_for, 0);
	check(!try_rm, "recursive_mutex try_lock by other", try_rm, 0);
	check(rm_again, "recursive_mutex try_lock by owner", rm_again, 1);
	std::printf("held: try_to_lock %d, try_lock %d, try_lock_for %d, recursive other %d, "
		    "recursive owner %d\n",
		    try_mu, try_tm, try_tm_for, try_rm, rm_again);
}

void pairs()
{
	std::mutex a, b;
	long in_a = 0, in_ab = 0;

	std::thread t1([&] {
		for (int i = 0; i < kPairIters; i++) {
			std::scoped_lock lk(a, b);
			in_ab++;
		}
	});
	std::thread t2([&] {
		for (int i = 0; i < kPairIters; i++) {
			std::scoped_lock lk(b, a);
			in_ab++;
		}
	});
	std::thread t3([&] {
		for (int i = 0; i < kPairIters; i++) {
			std::unique_lock<std::mutex> la(a, std::defer_lock);
			std::unique_lock<std::mutex> lb(b, std::defer_lock);
			std::lock(lb, la);
			in_ab++;
		}
	});
	std::thread t4([&] {
		for (int i = 0; i < kPairIters; i++) {
			std::lock_guard<std::mutex> g(a);
			in_a++;
		}
	});
	t1.join();
	t2.join();
	t3.join();
	t4.join();
	check(in_ab == 3L * kPairIters, "two-mutex sections", in_ab, 3L * kPairIters);
	check(in_a == kPairIters, "one-mutex sections", in_a, kPairIters);
	std::printf("scoped_lock/std::lock on two mutexes: %ld sections, lock_guard: %ld\n",
		    in_ab, in_a);
}

} // namespace

int main()
{
	counter();
	prodcons();
	shared();
	timeouts();
	try_locks();
	pairs();
	return nfail.load() != 0;
}
