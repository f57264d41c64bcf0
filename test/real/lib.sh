# test/real/lib.sh: sourced by every test/real/*.sh. A script runs one Debian
# program natively and under goshim (GOMAXPROCS 1 and 4), checks what it
# produced, and ends with real_report, which prints the summary line and
# appends a row to the results file that scripts/real-table turns into the
# README's table.
#
# The scripts are started by test/real/run, which exports:
#   GOSHIM_LIB  absolute path of libgoshim.so
#   REAL_OUT    directory for results.tsv and each script's scratch directory
#   REAL_QUICK  1 for the fast subset make check runs (smaller inputs, shorter runs)
#   REAL_ROOT   the repository's top directory
# and runs each script with its working directory set to its own scratch
# directory, emptied first.
set -u -o pipefail

: "${GOSHIM_LIB:?test/real scripts are run by test/real/run}"
: "${REAL_OUT:?}" "${REAL_QUICK:?}" "${REAL_ROOT:?}"

readonly real_modes=(native p1 p4)
real_failures=()	# "mode: why", one per failed check

# real_need CMD...: makes sure each command exists, installing the suite's
# Debian packages (scripts/deps --real) if one is missing.
real_need() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 && continue
		"$REAL_ROOT/scripts/deps" --real || return 1
		command -v "$c" >/dev/null 2>&1 && continue
		echo "real: $c: not installed and scripts/deps --real did not install it" >&2
		return 1
	done
}

# real_dynamic PATH: the program can be preloaded (dynamically linked
# against the C library); otherwise a goshim run would silently be native.
real_dynamic() {
	# Not ldd | grep -q: grep quitting early can kill ldd with SIGPIPE, which
	# pipefail would report as a static program.
	if [[ $(ldd "$1" 2>/dev/null) != *libc.so* ]]; then
		echo "real: $1 is not linked against the C library: goshim cannot be preloaded" >&2
		return 1
	fi
}

# real_env MODE: prints the env(1) arguments that put a command in MODE.
real_env() {
	case $1 in
	native) echo "GOSHIM_REAL=native" ;;
	p*) echo "LD_PRELOAD=$GOSHIM_LIB GOMAXPROCS=${1#p}" ;;
	*) echo "real_env: bad mode $1" >&2; return 1 ;;
	esac
}

# real_run MODE LIMIT OUT CMD...: runs CMD in MODE with a time limit of LIMIT
# seconds, stdout and stderr to OUT.out and OUT.err. Sets real_ms to the wall
# time in milliseconds and returns CMD's exit status (124: timed out).
real_run() {
	local mode=$1 limit=$2 out=$3 t0 t1 status
	shift 3
	t0=$(date +%s%N)
	# shellcheck disable=SC2046
	timeout -k 10 "$limit" env $(real_env "$mode") "$@" >"$out.out" 2>"$out.err"
	status=$?
	t1=$(date +%s%N)
	real_ms=$(((t1 - t0) / 1000000))
	return $status
}

# real_workload CMD...: runs a self-checking workload (src/) in every mode. Its
# stdout depends only on its arguments and ends with "done"; a failed
# self-check prints a line starting with FAIL. Every goshim run must exit 0 and
# print the native run's bytes. A script may define real_workload_after, run
# after each run: what it prints says why the run failed. Sets
# real_result[MODE] ("N ms" or "failed") and real_msec[MODE] (the wall time of
# a passing run).
declare -A real_result real_msec
real_workload() {
	local mode status fails why
	for mode in "${real_modes[@]}"; do
		real_result[$mode]=failed
		# The limit only guards against hangs.
		real_run "$mode" 600 "run.$mode" "$@"
		status=$?
		why=""
		declare -F real_workload_after >/dev/null && why=$(real_workload_after)
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
			real_fail "$mode" "output does not end with \"done\" (last line: $(tail -n1 "run.$mode.out"))"
			continue
		fi
		if [[ $mode != native ]] && ! cmp -s run.native.out "run.$mode.out"; then
			real_fail "$mode" "stdout differs from the native run's: $(diff run.native.out "run.$mode.out" | grep -m1 '^[<>]')"
			continue
		fi
		if [[ -n $why ]]; then
			real_fail "$mode" "$why"
			continue
		fi
		real_msec[$mode]=$real_ms
		real_result[$mode]="$real_ms ms"
	done
}

# real_fail MODE WHY: records a failed check.
real_fail() {
	real_failures+=("$1: $2")
	echo "real: FAIL $1: $2" >&2
}

# real_describe STATUS: an exit status as a phrase.
real_describe() {
	if (($1 == 124)); then
		echo "timed out"
	elif (($1 > 128)); then
		echo "killed by SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128)))"
	else
		echo "exit status $1"
	fi
}

# real_ratio NUM DEN: NUM/DEN with two decimals followed by "x", or "-".
real_ratio() {
	awk -v n="$1" -v d="$2" 'BEGIN {
		if (n == "" || d == "" || d + 0 == 0) print "-"; else printf "%.2fx\n", n / d }'
}

# real_report PROGRAM VERSION CHECKED NATIVE P1 P4 RATIO: prints the summary
# line and appends the row to $REAL_OUT/results.tsv. NATIVE, P1 and P4 say
# what each run produced (a count, a time); RATIO is goshim's throughput over
# native's at GOMAXPROCS=4, or "-". Returns 1 if any check failed.
real_report() {
	local verdict=pass why=""
	if ((${#real_failures[@]})); then
		verdict=FAIL
		why=$(printf '%s; ' "${real_failures[@]}")
		why=${why%; }
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
		"$verdict" "$why" >>"$REAL_OUT/results.tsv"
	if [[ $verdict == pass ]]; then
		echo "real: $1 $2: pass at GOMAXPROCS 1 and 4 (native $4; goshim p1 $5, p4 $6; ratio $7)"
		return 0
	fi
	echo "real: $1 $2: FAIL: $why"
	return 1
}
