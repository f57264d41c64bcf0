# redis-server with 4 I/O threads (reads too), in each mode; its clients always
# run natively. A known dataset (k:0.. with generated values) goes in through
# redis-cli --pipe, then redis-benchmark (SET, GET, LPUSH, INCR, 50 clients)
# loads the server while a BGSAVE forks it and writes the dump. Checked: every
# reply of the pipe, the benchmark's CSV and the counters it leaves (INCR and
# LPUSH done exactly N times), the BGSAVE's success, SHUTDOWN NOSAVE ending the
# server with status 0, no crash and no warning native's log lacks; then a
# native redis-server loads the dump: all the keys are there and the dataset's
# values read back with MGET have the checksum of the generated ones.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
real_need redis-server redis-cli redis-benchmark || exit 1
real_dynamic "$(command -v redis-server)" || exit 1

readonly clients=50
# The benchmark's limit only guards against hangs: it takes seconds.
if ((REAL_QUICK)); then requests=500; nkeys=10000; benchlimit=120; else requests=5000; nkeys=100000; benchlimit=600; fi

server=""	# the running server's pid (its timeout's), "" when none
# Never leave a server behind, even when the script is killed.
trap '[[ -n $server ]] && kill "$server" 2>/dev/null' EXIT
trap 'exit 1' HUP INT TERM

# free_port: prints a port nothing listens on at 127.0.0.1, below the
# ephemeral ports (32768 and up) the clients' connections may hold.
free_port() {
	local p
	while :; do
		p=$((10000 + RANDOM % 20000))
		(: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
	done
	echo $p
}

# values: the value of each key k:I of the dataset, one a line, I from 0.
values() {
	awk -v n=$nkeys 'BEGIN {
		for (i = 0; i < n; i++) {
			v = i ":"
			while (length(v) < 8 + i % 57)
				v = v sprintf("%x", (i * 7919 + length(v) * 104729) % 16)
			print v
		} }'
}

# dataset_resp: the SET commands of the dataset in the protocol, for --pipe.
dataset_resp() {
	values | awk '{ k = "k:" NR - 1
		printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length($0), $0 }'
}

# fetch PORT: the dataset's values as the server on PORT has them, one a line.
fetch() {
	awk -v n=$nkeys 'BEGIN {
		for (i = 0; i < n; i += 1000) {
			printf "MGET"
			for (j = i; j < i + 1000 && j < n; j++) printf " k:%d", j
			print ""
		} }' | redis-cli -p "$1"
}

# info PORT FIELD: FIELD of the server's INFO; fails if the server does not answer
# within 20 s.
info() {
	local out
	out=$(timeout -k 5 20 redis-cli -p "$1" info) || return 1
	tr -d '\r' <<<"$out" | awk -F: -v f="$2" '$1 == f { print $2 }'
}

# start MODE PORT DUMP LOG: starts redis-server in MODE in the background on
# PORT, with the dump file DUMP and the log file LOG; sets server.
start() {
	# shellcheck disable=SC2046
	timeout -k 10 600 env $(real_env "$1") redis-server --port "$2" --bind 127.0.0.1 \
		--protected-mode no --dir . --dbfilename "$3" --save '' --appendonly no \
		--io-threads 4 --io-threads-do-reads yes --daemonize no --logfile "$4" \
		>"${4%.log}.out" 2>&1 &
	server=$!
}

# up PORT: waits at most 20 s for the server to answer PING on PORT; returns 1
# if it did not, or if the server answering is not the one serving here.
up() {
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$server" 2>/dev/null || return 1
		[[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && break
		sleep 0.1
	done
	[[ $(redis-cli -p "$1" config get dir 2>/dev/null | sed -n 2p) == "$PWD" ]]
}

# stop PORT: SHUTDOWN NOSAVE, then waits at most 20 s for the server to exit;
# returns its exit status (124: it did not exit, and is killed).
stop() {
	local i pid=$server
	redis-cli -p "$1" shutdown nosave >/dev/null 2>&1
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	server=""
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		wait "$pid"
		return 124
	fi
	wait "$pid"
}

# bgsave PORT BENCH DUMP: once redis-benchmark (pid BENCH) has connected its
# clients, BGSAVE, and waits at most 60 s for it to end; prints why it failed.
bgsave() {
	local i n
	for ((i = 0; i < 200; i++)); do
		n=$(info "$1" connected_clients) ||
			{ echo "the server did not answer INFO within 20 s"; return; }
		((${n:-0} > 1)) && break
		kill -0 "$2" 2>/dev/null || { echo "redis-benchmark ended before BGSAVE"; return; }
		sleep 0.05
	done
	[[ $(timeout -k 5 20 redis-cli -p "$1" bgsave) == "Background saving started" ]] ||
		{ echo "BGSAVE did not start"; return; }
	for ((i = 0; i < 600; i++)); do
		[[ $(info "$1" rdb_bgsave_in_progress) == 0 ]] && break
		sleep 0.1
	done
	[[ $(info "$1" rdb_bgsave_in_progress) == 0 ]] || { echo "BGSAVE still running after 60 s"; return; }
	[[ $(info "$1" rdb_last_bgsave_status) == ok ]] ||
		echo "rdb_last_bgsave_status \"$(info "$1" rdb_last_bgsave_status)\""
	[[ -s $3 ]] || echo "no $3 after BGSAVE"
}

# dump MODE: a server that stopped answering gets SIGQUIT, so goshim prints every
# thread's state and stack into server.MODE.out; the start of that goes to stderr, for a
# failure seen only in a log. The signal goes to the server itself: timeout, sent one,
# would pass it on twice (to the server and to its process group).
dump() {
	local i pid
	pid=$(<"/proc/$server/task/$server/children")
	kill -QUIT $pid 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	real_fail "$1" "the server hung; goshim's SIGQUIT dump is in server.$1.out"
	sed -n 1,120p "server.$1.out" | sed 's/^/    /' >&2
}

# rps MODE TEST: the requests per second of TEST in MODE's benchmark CSV.
rps() {
	awk -F'"' -v t="$2" '$2 == t { print $4 }' "bench.$1.csv"
}

# serve MODE PORT: the run in MODE: dataset, benchmark and BGSAVE, SHUTDOWN
# NOSAVE; records failures. Returns 1 if the server did not come up.
serve() {
	local mode=$1 port=$2 bench why t status
	start "$mode" "$port" "dump.$mode.rdb" "server.$mode.log"
	if ! up "$port"; then
		real_fail "$mode" "redis-server did not come up on port $port: $(tail -n1 "server.$mode.log")"
		stop "$port"
		return 1
	fi
	dataset_resp | redis-cli -p "$port" --pipe >"pipe.$mode.out" 2>&1
	grep -q "errors: 0, replies: $nkeys\$" "pipe.$mode.out" ||
		real_fail "$mode" "redis-cli --pipe: $(tail -n1 "pipe.$mode.out")"
	timeout -k 10 $benchlimit redis-benchmark -p "$port" -t set,get,lpush,incr -n $requests \
		-c $clients -P 1 --csv >"bench.$mode.csv" 2>"bench.$mode.err" &
	bench=$!
	why=$(bgsave "$port" $bench "dump.$mode.rdb")
	[[ -z $why ]] || real_fail "$mode" "$why"
	wait $bench
	status=$?
	((status == 0)) || real_fail "$mode" "redis-benchmark: $(real_describe $status)"
	((status == 124)) && [[ $mode != native ]] && dump "$mode"
	for t in SET GET LPUSH INCR; do
		[[ $(rps "$mode" $t) =~ ^[0-9.]+$ ]] || real_fail "$mode" "no $t rate in the benchmark's CSV"
	done
	t=$(redis-cli -p "$port" get counter:__rand_int__)
	[[ $t == "$requests" ]] || real_fail "$mode" "INCR counter is \"$t\" after $requests INCRs"
	t=$(redis-cli -p "$port" llen mylist)
	[[ $t == "$requests" ]] || real_fail "$mode" "LLEN mylist is \"$t\" after $requests LPUSHes"
	stop "$port"
	status=$?
	((status == 0)) || real_fail "$mode" "redis-server after SHUTDOWN NOSAVE: $(real_describe $status)"
}

# reload MODE PORT: loads MODE's dump in a native redis-server on PORT and
# checks the dataset in it; records failures.
reload() {
	local mode=$1 port=$2 n sum status
	start native "$port" "dump.$mode.rdb" "load.$mode.log"
	if ! up "$port"; then
		real_fail "$mode" "redis-server did not come up on port $port with dump.$mode.rdb: $(tail -n1 "load.$mode.log")"
		stop "$port"
		return
	fi
	n=$(redis-cli -p "$port" dbsize)
	((${n:-0} >= nkeys)) || real_fail "$mode" "the dump has $n keys, want at least $nkeys"
	sum=$(fetch "$port" | md5sum)
	[[ $sum == "$expected" ]] || real_fail "$mode" "the dump's k:0..k:$((nkeys - 1)) differ from the dataset written"
	stop "$port"
	status=$?
	((status == 0)) || real_fail "$mode" "loading redis-server after SHUTDOWN NOSAVE: $(real_describe $status)"
}

# warnings LOG: the distinct warnings in LOG.
warnings() {
	grep -o '# WARNING.*' "$1" 2>/dev/null | sort -u
}

# log_problems MODE: prints the crashes, failed saves and warnings native's
# log lacks in MODE's server log.
log_problems() {
	local log=server.$1.log
	grep -E 'crashed by signal|BUG REPORT|Background saving (error|terminated by signal)' "$log"
	grep -q 'Background saving terminated with success' "$log" ||
		echo "no \"Background saving terminated with success\" in $log"
	[[ $1 == native ]] && return
	comm -23 <(warnings "$log") <(warnings server.native.log)
}

expected=$(values | md5sum)
declare -A result
for mode in "${real_modes[@]}"; do
	result[$mode]=failed
	nfailed=${#real_failures[@]}
	serve "$mode" "$(free_port)" || continue
	[[ -s dump.$mode.rdb ]] && reload "$mode" "$(free_port)"
	why=$(log_problems "$mode" | head -3 | paste -sd';' -)
	[[ -z $why ]] || real_fail "$mode" "$why"
	((${#real_failures[@]} == nfailed)) || continue
	result[$mode]=$(awk -v s="$(rps "$mode" SET)" -v g="$(rps "$mode" GET)" \
		'BEGIN { printf "SET %.0f/s, GET %.0f/s\n", s, g }')
done

# The ratio is the geometric mean of p4's requests per second over native's for
# SET and GET, followed by each.
ratio=$(for t in SET GET; do
	[[ ${result[native]} != failed && ${result[p4]} != failed ]] &&
		echo "$t $(rps native $t) $(rps p4 $t)"
done | awk '{ r = $3 / $2; sum += log(r); n++; each = each sprintf(", %s %.2fx", $1, r) }
	END { if (n == 2) printf "%.2fx (geometric mean)%s\n", exp(sum / n), each; else print "-" }')

real_report redis "$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" \
	"redis-server with --io-threads 4 --io-threads-do-reads yes, clients native: $nkeys keys through redis-cli --pipe (no error), redis-benchmark SET/GET/LPUSH/INCR -n $requests -c $clients with a BGSAVE (fork) during it (BGSAVE ok, dump written), INCR counter and LPUSH list length = $requests, SHUTDOWN NOSAVE exits 0, no crash or save error or new warning in the log; the dump loaded by a native redis-server has every key and the values' checksum" \
	"${result[native]}" "${result[p1]}" "${result[p4]}" "$ratio"
