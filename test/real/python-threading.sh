# Debian's Python interpreter running src/threading_workload.py: CPU-bound threads
# handing the GIL to each other, queue.Queue producers and consumers, Lock/RLock,
# Condition, Event, Semaphore, Barrier, threading.local, Timer, excepthook,
# ThreadPoolExecutor tasks running subprocesses, sleeps, SIGALRM while the main thread
# waits, daemon threads alive at exit. Its stdout depends only on its scale, so every
# goshim run must print the native run's bytes, with no FAIL line (its self-checks),
# exit status 0, and no process of it left behind.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
readonly python=/usr/bin/python3
real_need "$python" || exit 1
real_dynamic "$python" || exit 1

if ((REAL_QUICK)); then scale=1; else scale=4; fi
version="$("$python" --version | awk '{ print $2 }')"
# A copy here: its path names this directory's runs alone (see real_workload_after).
cp "$REAL_ROOT/test/real/src/threading_workload.py" . || exit 1
readonly workload=$PWD/threading_workload.py

# real_workload_after: kills the workload's processes still running after a run (a
# child that never exec'd, say), which fails the run.
real_workload_after() {
	local pids
	pids=$(pgrep -f -- "$workload")
	[[ -z $pids ]] && return
	kill -9 $pids 2>/dev/null
	echo "$(echo $pids | wc -w) processes of the run were still running afterwards"
}

real_workload "$python" "$workload" $scale

real_report python-threading "$version" \
	"threading_workload.py at scale $scale (GIL hand-offs among 8 CPU-bound threads, queue.Queue 4x4 with $((10000 * scale)) items, Lock/RLock/Condition/Event/BoundedSemaphore/Barrier, threading.local, Timer, excepthook, $((24 * scale)) subprocesses from a ThreadPoolExecutor, sleeps, SIGALRM during waits, daemon threads at exit): stdout equal to native's, no FAIL self-check, exit status 0, no process left" \
	"${real_result[native]}" "${real_result[p1]}" "${real_result[p4]}" \
	"$(real_ratio "${real_msec[native]:-}" "${real_msec[p4]:-}")"
