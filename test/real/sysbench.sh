# sysbench's threads, mutex and memory tests with 64 threads. threads and
# memory run for a fixed time and report how many events they did; mutex does a
# fixed amount of work (one event per thread). Each run must complete with a
# consistent report; the event counts are printed beside the native ones.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
real_need sysbench || exit 1
real_dynamic "$(command -v sysbench)" || exit 1

readonly nthreads=64
if ((REAL_QUICK)); then secs=1; locks=5000; else secs=5; locks=50000; fi

# events OUT: the "total number of events" of a report.
events() {
	awk '/total number of events:/ { print $NF }' "$1"
}

# consistent TEST OUT: prints why the report OUT of TEST is not consistent,
# nothing if it is.
consistent() {
	local test=$1 out=$2 n
	n=$(events "$out")
	if [[ -z $n ]]; then
		echo "no event count in the report"
		return
	fi
	# Every thread's share, averaged, must add up to the total.
	awk -v n="$n" -v t=$nthreads '/events \(avg\/stddev\):/ {
		split($NF, a, "/"); found = 1
		if (a[1] * t < n - t || a[1] * t > n + t)
			printf "threads average %s events, %d threads, total %d\n", a[1], t, n
	} END { if (!found) print "no per-thread event counts in the report" }' "$out"
	case $test in
	mutex)
		((n == nthreads)) || echo "$n events, want one per thread ($nthreads)"
		;;
	memory)
		# 1 KiB blocks: operations and MiB transferred describe the same work.
		awk -v n="$n" '/^Total operations:/ { ops = $3 }
			/MiB transferred/ { mib = $1 }
			END {
				if (ops != n) printf "%s operations, %d events\n", ops, n
				else if (mib < n / 1024 - 0.01 || mib > n / 1024 + 0.01)
					printf "%s MiB transferred for %d 1 KiB operations\n", mib, n
			}' "$out"
		;;
	threads)
		((n > 0)) || echo "no events"
		;;
	esac
}

declare -A count
for test in threads mutex memory; do
	case $test in
	mutex) args=(--mutex-locks="$locks" --time=0) ;;
	*) args=(--time="$secs") ;;
	esac
	for mode in "${real_modes[@]}"; do
		count[$test.$mode]=failed
		real_run "$mode" 300 "$test.$mode" sysbench "$test" --threads=$nthreads "${args[@]}" run || {
			real_fail "$mode" "sysbench $test: $(real_describe $?)"
			continue
		}
		why=$(consistent "$test" "$test.$mode.out")
		if [[ -n $why ]]; then
			real_fail "$mode" "sysbench $test: $why"
			continue
		fi
		if [[ $test == mutex ]]; then
			# A fixed amount of work: its time is what compares.
			count[$test.$mode]="$real_ms ms"
			count[$test.$mode.rate]=$real_ms
		else
			count[$test.$mode]=$(events "$test.$mode.out")
			count[$test.$mode.rate]=${count[$test.$mode]}
		fi
	done
done

# column MODE: the three results of one mode.
column() {
	echo "threads ${count[threads.$1]}, mutex ${count[mutex.$1]}, memory ${count[memory.$1]}"
}

ratios="threads $(real_ratio "${count[threads.p4.rate]:-}" "${count[threads.native.rate]:-}")"
ratios+=", mutex $(real_ratio "${count[mutex.native.rate]:-}" "${count[mutex.p4.rate]:-}")"
ratios+=", memory $(real_ratio "${count[memory.p4.rate]:-}" "${count[memory.native.rate]:-}")"

real_report sysbench "$(sysbench --version | awk '{ print $2 }')" \
	"threads and memory for ${secs} s, mutex with $locks locks per thread, $nthreads threads: every report complete and self-consistent (per-thread events add up; mutex: one event per thread; memory: operations = events = MiB x 1024)" \
	"$(column native)" "$(column p1)" "$(column p4)" "$ratios"
