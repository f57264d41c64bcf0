# stress-ng's thread stressors (pthread, mutex, sem, futex, sleep), one at a
# time, 4 instances each, with --verify. stress-ng forks one worker process per
# instance (the futex stressor forks again inside it), so goshim has to rebuild
# itself in every child. A run passes when stress-ng exits 0, says the run was
# successful, prints no fail or error line and reports bogo ops for the
# stressor; under goshim every process must also show that goshim ran in it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
real_need stress-ng || exit 1
real_dynamic "$(command -v stress-ng)" || exit 1

readonly stressors=(pthread mutex sem futex sleep)
readonly instances=4
if ((REAL_QUICK)); then secs=1; else secs=5; fi

# yaml_metric YAML NAME: the value of NAME in the metrics of the --yaml file.
yaml_metric() {
	awk -v key="$2:" '$1 == key { print $2; exit }' "$1"
}

# check STRESSOR MODE: prints why the run of STRESSOR in MODE failed, nothing
# if it passed.
check() {
	local s=$1 mode=$2 out=$1.$2 n
	if grep -iE 'fail|error' "$out.out" "$out.err"; then
		return
	fi
	grep -q 'successful run completed' "$out.err" || echo "no \"successful run completed\""
	grep -q "dispatching hogs: $instances $s\$" "$out.err" ||
		echo "no \"dispatching hogs: $instances $s\""
	n=$(yaml_metric "$out.yaml" bogo-ops)
	[[ $n =~ ^[0-9]+$ ]] && ((n > 0)) || echo "bogo ops \"$n\" in the yaml"
	[[ $mode == native ]] && return
	# GODEBUG=schedtrace with an hour's period makes goshim print one "SCHED
	# 0ms" line when it starts in a process, forked children included: the
	# parent and each worker must have one, or a worker ran without goshim.
	n=$(grep -c "^SCHED .*gomaxprocs=${mode#p} " "$out.err")
	((n >= 1 + instances)) || echo "goshim started in $n processes, want at least $((1 + instances))"
}

declare -A rate extra
for s in "${stressors[@]}"; do
	for mode in "${real_modes[@]}"; do
		rate[$s.$mode]=failed
		# The limit only guards against hangs: stress-ng stops itself.
		real_run "$mode" $((secs * 10 + 60)) "$s.$mode" env GODEBUG=schedtrace=3600000 \
			stress-ng --"$s" $instances --timeout "${secs}s" --metrics-brief --verify \
			--yaml "$s.$mode.yaml"
		status=$?
		if ((status != 0)); then
			real_fail "$mode" "stress-ng --$s: $(real_describe $status)"
			continue
		fi
		why=$(check "$s" "$mode" | head -3 | paste -sd';' -)
		if [[ -n $why ]]; then
			real_fail "$mode" "stress-ng --$s: $why"
			continue
		fi
		rate[$s.$mode]=$(yaml_metric "$s.$mode.yaml" bogo-ops-per-second-real-time)
		# The stressors' own latencies, printed for the report, never judged.
		case $s in
		pthread) extra[$s.$mode]=$(yaml_metric "$s.$mode.yaml" nanosecs-to-start-a-pthread) ;;
		mutex) extra[$s.$mode]=$(yaml_metric "$s.$mode.yaml" nanosecs-per-mutex) ;;
		esac
	done
done

# column MODE: bogo ops per second (real time) of each stressor in MODE.
column() {
	local s line=""
	for s in "${stressors[@]}"; do
		line+=$(awk -v s="$s" -v r="${rate[$s.$1]}" 'BEGIN {
			if (r ~ /^[0-9.]+$/) printf "%s %.0f/s, ", s, r; else printf "%s %s, ", s, r }')
	done
	line+=$(awk -v p="${extra[pthread.$1]:-}" -v m="${extra[mutex.$1]:-}" 'BEGIN {
		printf "pthread start %s us, mutex lock %s us", \
			p == "" ? "-" : sprintf("%.1f", p / 1000), m == "" ? "-" : sprintf("%.2f", m / 1000) }')
	echo "$line"
}

# The ratio is the geometric mean over the stressors of p4's bogo ops per
# second over native's (the stressors' rates differ by orders of magnitude, so
# a sum would be the sleep stressor's alone), followed by each stressor's.
ratios=$(for s in "${stressors[@]}"; do
	echo "$s ${rate[$s.native]} ${rate[$s.p4]}"
done | awk '{
	if ($2 ~ /^[0-9.]+$/ && $3 ~ /^[0-9.]+$/ && $2 > 0 && $3 > 0) {
		r = $3 / $2; sum += log(r); n++; each = each sprintf(", %s %.2fx", $1, r)
	} else each = each sprintf(", %s -", $1)
} END { if (n == NR) printf "%.2fx (geometric mean)%s\n", exp(sum / n), each; else printf "-%s\n", each }')

real_report stress-ng "$(stress-ng --version | awk '{ print $3 }')" \
	"--pthread, --mutex, --sem, --futex, --sleep, each alone: $instances instances for $secs s with --verify; exit status 0, \"successful run completed\", no fail or error line, bogo ops reported; under goshim, goshim started in the parent and every forked worker" \
	"$(column native)" "$(column p1)" "$(column p4)" "$ratios"
