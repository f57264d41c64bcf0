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

declare -A result ms
for mode in "${real_modes[@]}"; do
	result[$mode]=failed
	# The limit only guards against hangs.
	real_run "$mode" 600 "run.$mode" ./cxx_workload $scale
	status=$?
	fails=$(grep -c '^FAIL' "run.$mode.out")
	if ((fails)); then
		real_fail "$mode" "$fails self-checks failed, first: $(grep -m1 '^FAIL' "run.$mode.out")"
		continue
	fi
	if ((status != 0)); then
		real_fail "$mode" "$(real_describe $status)"
		continue
	fi
	if [[ $(tail -n1 "run.$mode.out") != done ]]; then
		real_fail "$mode" "output does not end with \"done\""
		continue
	fi
	if [[ $mode != native ]] && ! cmp -s run.native.out "run.$mode.out"; then
		real_fail "$mode" "stdout differs from the native run's: $(diff run.native.out "run.$mode.out" | grep -m1 '^[<>]')"
		continue
	fi
	ms[$mode]=$real_ms
	result[$mode]="$real_ms ms"
done

real_report cxx_workload "$version" \
	"C++20 threads at scale $scale ($((1000 * scale)) std::async async + $((1000 * scale)) deferred, $((5000 * scale)) packaged_tasks, thread_local ctor/dtor counts, exceptions through futures and across threads, mutex/condvar/shared_mutex/latch/barrier/semaphore/atomic wait/jthread, sleeps): stdout equal to native's, no FAIL self-check, exit status 0" \
	"${result[native]}" "${result[p1]}" "${result[p4]}" \
	"$(real_ratio "${ms[native]:-}" "${ms[p4]:-}")"
