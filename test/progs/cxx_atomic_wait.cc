// C++20 std::atomic<T>::wait/notify: libstdc++ implements them with futex system calls
// (through syscall()), which goshim turns into parked Gs. Ping-pong between two threads,
// then one notifier releasing many waiters.
// goshim-test: std 20
// goshim-test: tls-shared
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

int main()
{
	std::atomic<int> turn{0};
	constexpr int rounds = 20000;

	std::thread other([&] {
		for (int i = 0; i < rounds; i++) {
			turn.wait(0);
			turn.store(0);
			turn.notify_one();
		}
	});
	for (int i = 0; i < rounds; i++) {
		turn.store(1);
		turn.notify_one();
		turn.wait(1);
	}
	other.join();
	std::printf("ping-pong rounds: %d\n", rounds);

	std::atomic<int> gate{0};
	std::atomic<int> through{0};
	std::vector<std::thread> waiters;
	for (int i = 0; i < 64; i++)
		waiters.emplace_back([&] {
			gate.wait(0);
			through.fetch_add(1);
		});
	gate.store(1);
	gate.notify_all();
	for (auto &t : waiters)
		t.join();
	std::printf("released by notify_all: %d of 64\n", through.load());
	return 0;
}
