# Debian's Python interpreter running src/http_server.py: http.server's
# ThreadingHTTPServer, a thread per connection, HTTP/1.1 keep-alive. src/httpload.c,
# built here with gcc and always run natively, opens every connection at once and makes
# its requests over each in turn, checking each response's status, Content-Length and
# every body byte; then it stops the server with GET /quit. Each run must have no bad
# response, the server must have answered every request and exited 0. The requests per
# second are printed beside the native ones.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
readonly python=/usr/bin/python3
real_need "$python" gcc || exit 1
real_dynamic "$python" || exit 1

if ((REAL_QUICK)); then conns=500; reqs=10; else conns=2000; reqs=20; fi
version="$("$python" --version | awk '{ print $2 }')"
readonly hang_secs=300	# the time limit of every run: only guards against hangs

if ! gcc -O2 -Wall -Wextra -Werror -o httpload "$REAL_ROOT/test/real/src/httpload.c"; then
	real_fail build "gcc could not build src/httpload.c"
	real_report python-http "$version" "build" - - - -
	exit 1
fi
# Every connection is a file in the server and in httpload.
ulimit -n "$(ulimit -Hn)" || exit 1

# wait_port FILE PID: waits for the server PID to write its port to FILE and prints it;
# fails if the server ends first or takes longer than 30 s.
wait_port() {
	local i
	for ((i = 0; i < 300; i++)); do
		if [[ -s $1 ]]; then
			cat "$1"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_server PID: waits up to 30 s for the server PID (its timeout(1)) to end after
# /quit, stops it otherwise, and returns its exit status (124 if it had to be stopped).
stop_server() {
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1"
		wait "$1"
		return 124
	fi
	wait "$1"
}

# check MODE: the load and the server of MODE's run; prints why they are wrong, nothing
# if they are right.
check() {
	local mode=$1
	awk -v c="$conns" -v r="$reqs" '
		/^ok / { ok = $2 } /^bad / { bad = $2 } /^quit / { quit = $2 }
		END {
			if (bad != 0) printf "%s bad responses\n", bad
			else if (ok != c * r) printf "%s good responses of %d\n", ok, c * r
			else if (quit != "ok") print "GET /quit did not answer 200"
		}' "load.$mode.out"
	if [[ $(cat "server.$mode.out") != "answered $((conns * reqs + 1))" ]]; then
		echo "the server said \"$(head -c 200 "server.$mode.out")\", want \"answered $((conns * reqs + 1))\""
	fi
}

server=""	# the running server's timeout(1), "" when none
# Never leave a server behind, even when the script is killed.
trap '[[ -n $server ]] && kill "$server" 2>/dev/null' EXIT
trap 'exit 1' HUP INT TERM

declare -A result rate
for mode in "${real_modes[@]}"; do
	result[$mode]=failed
	# shellcheck disable=SC2046
	timeout -k 10 $hang_secs env $(real_env "$mode") "$python" \
		"$REAL_ROOT/test/real/src/http_server.py" "port.$mode" \
		>"server.$mode.out" 2>"server.$mode.err" &
	server=$!
	if ! port=$(wait_port "port.$mode" $server); then
		stop_server $server
		server=""
		real_fail "$mode" "the server did not start: $(real_describe $?), $(tail -n1 "server.$mode.err")"
		continue
	fi
	real_run native $hang_secs "load.$mode" ./httpload "$port" $conns $reqs
	load=$?
	stop_server $server
	status=$?
	server=""
	if ((load != 0)); then
		real_fail "$mode" "httpload: $(real_describe $load): $(head -n1 "load.$mode.err")"
		continue
	fi
	if ((status != 0)); then
		real_fail "$mode" "the server: $(real_describe $status): $(tail -n1 "server.$mode.err")"
		continue
	fi
	why=$(check "$mode")
	if [[ -n $why ]]; then
		real_fail "$mode" "$why"
		continue
	fi
	rate[$mode]=$(awk '/^req\/s / { print $2 }' "load.$mode.out")
	result[$mode]="${rate[$mode]} req/s"
done

real_report python-http "$version" \
	"http.server ThreadingHTTPServer (HTTP/1.1 keep-alive, a thread per connection) under $conns concurrent connections x $reqs requests from a native epoll client: every response 200 with the expected Content-Length and body bytes, every request answered, server exits 0 after GET /quit" \
	"${result[native]}" "${result[p1]}" "${result[p4]}" \
	"$(real_ratio "${rate[p4]:-}" "${rate[native]:-}")"
