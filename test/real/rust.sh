# Rust's standard library threads (src/rust_workload): thread::spawn and join with threads
# that panic on purpose (join hands back their payloads), thread::scope, mpsc channels
# (unbounded, bounded, rendezvous) with many producers, Arc<Mutex>, RwLock, Condvar with
# timeouts, Barrier, Once, atomics, thread_local! with Drop, park/unpark, sleeps, Builder
# names and stack sizes; thousands of threads. Built here with cargo (std only, offline);
# its stdout depends only on its scale, so every goshim run must print the native run's
# bytes, with no FAIL line (its self-checks) and exit status 0.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# scripts/deps accepts a rustup toolchain, which need not be in PATH
[[ -d $HOME/.cargo/bin ]] && PATH=$HOME/.cargo/bin:$PATH
real_need cargo rustc || exit 1

if ((REAL_QUICK)); then scale=1; else scale=4; fi
version="rustc $(rustc --version | cut -d' ' -f2)"

# The target directory is this scratch directory, and --locked keeps cargo from rewriting
# Cargo.lock: nothing is written into the source tree.
if ! CARGO_TARGET_DIR=$PWD/target cargo build --release --offline --locked --quiet \
	--manifest-path "$REAL_ROOT/test/real/src/rust_workload/Cargo.toml"; then
	real_fail build "cargo could not build src/rust_workload"
	real_report rust_workload "$version" "build" - - - -
	exit 1
fi
cp target/release/rust_workload . || exit 1
real_dynamic ./rust_workload || exit 1

real_workload ./rust_workload $scale

threads=$(sed -n 's/^threads: \([0-9]*\) started$/\1/p' run.native.out)
real_report rust_workload "$version" \
	"Rust std threads at scale $scale (${threads:-?} threads: spawn/join with panic payloads, scope, mpsc channel/sync_channel/rendezvous with many producers, Mutex with poisoning, RwLock, Condvar wait_while/wait_timeout, Barrier, Once, atomics, thread_local! drops, park/unpark, sleeps, Builder names and stack sizes): stdout equal to native's, no FAIL self-check, exit status 0" \
	"${real_result[native]}" "${real_result[p1]}" "${real_result[p4]}" \
	"$(real_ratio "${real_msec[native]:-}" "${real_msec[p4]:-}")"
