# The C++ standard library's threads (src/cxx_workload.cc): std::thread, std::async,
# futures and promises, thread_local objects, exceptions across threads and futures,
# mutexes, condition variables, shared_mutex, latch, barrier, semaphores, atomic wait,
# jthread, sleeps; thousands of tasks. Built here with g++; its stdout depends only on
# its scale, so every goshim run must print the native run's bytes, with no FAIL line
# (its self-checks) and exit status 0.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
real_need g++ || exit 1

if ((REAL_QUICK)); then scale=1; else scale=4; fi
version="g++ $(g++ -dumpfullversion)"

# C++20, not the house C++17: latch, barrier, counting_semaphore, atomic wait and
# jthread are the parts of the library most likely to meet goshim's futexes.
if ! g++ -std=c++20 -O2 -pthread -Wall -Wextra -Werror -o cxx_workload \
	"$REAL_ROOT/test/real/src/cxx_workload.cc"; then
	real_fail build "g++ could not build src/cxx_workload.cc"
	real_report cxx_workload "$version" "build" - - - -
	exit 1
fi
real_dynamic ./cxx_workload || exit 1

real_workload ./cxx_workload $scale

real_report cxx_workload "$version" \
	"C++20 threads at scale $scale ($((1000 * scale)) std::async async + $((1000 * scale)) deferred, $((5000 * scale)) packaged_tasks, thread_local ctor/dtor counts, exceptions through futures and across threads, mutex/condvar/shared_mutex/latch/barrier/semaphore/atomic wait/jthread, sleeps): stdout equal to native's, no FAIL self-check, exit status 0" \
	"${real_result[native]}" "${real_result[p1]}" "${real_result[p4]}" \
	"$(real_ratio "${real_msec[native]:-}" "${real_msec[p4]:-}")"
