# SPDX-License-Identifier: MIT
#
# Shared by the tlskd and tlsk-httpd end-to-end scripts (sourced; the
# build copies it next to them as tlskd-test-lib.sh).
#
#   ok/not_ok/skip/check/diag   TAP lines; $n counts, $failed fails
#   make_certs DIR              ca.crt, srv.crt/srv.key (CN/SAN localhost),
#                               cli.crt/cli.key (CN=svc-client, DNS+IP SANs)
#   start_tlskd CONF LOG        starts tlskd, sets $daemon_pid
#   wait_for CMD...             retries CMD for up to 20 s (the VM is slow)
#   require_tools               TAP's "skip all" and exit without openssl
#                               or python3
#   stop_processes              stops tlskd ($daemon_pid) and the script's
#                               background jobs (for its cleanup trap)
#   redis_start DIR PORT PASS   a redis-server on 127.0.0.1:PORT with
#                               requirepass PASS, no persistence; sets
#                               $redis_pid
#   redis_stop                  kills it (-9: as a crash would)
#   require_redis               TAP's "skip all" without redis-server
#   fleet_machine DIR NAME PORT tlskd with DIR/NAME.conf (log DIR/NAME.log)
#                               and a tlsk-httpd on PORT in front of it;
#                               sets $pid_NAME and $httpd_NAME

n=0 failed=0
daemon_pid=

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
diag() { sed 's/^/# /' "$@"; }
quietly() { "$@" >/dev/null 2>&1; }

require_tools() {
	if ! command -v openssl >/dev/null || ! command -v python3 >/dev/null; then
		echo "1..0 # SKIP openssl or python3 missing"
		exit 0
	fi
}

stop_processes() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
}

# A port nobody listens on now (tests of other trees may run alongside,
# and a fixed range meets the ephemeral ports of their clients).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {
	for _ in $(seq 200); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

make_certs() {
	local d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -subj /CN=e2e-ca -days 2 \
		2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/srv.key" -out "$d/srv.csr" -subj /CN=localhost \
		2>/dev/null
	printf 'subjectAltName=DNS:localhost\n' >"$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/srv.crt" -days 2 -extfile "$d/ext" \
		2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/cli.key" -out "$d/cli.csr" -subj /CN=svc-client \
		2>/dev/null
	printf '%s\n' 'subjectAltName=DNS:client.test,IP:192.0.2.7' \
		'extendedKeyUsage=clientAuth' >"$d/cliext"
	openssl x509 -req -in "$d/cli.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/cli.crt" -days 2 -extfile "$d/cliext" \
		2>/dev/null
}

start_tlskd() {
	"$bin/tlskd" -c "$1" 2>>"$2" &
	daemon_pid=$!
	wait_for test -S "$TLSK_SOCKET"
}

redis_start() {
	redis-server --port "$2" --bind 127.0.0.1 --requirepass "$3" \
		--save '' --appendonly no --dir "$1" \
		>>"$1/redis.log" 2>&1 &
	redis_pid=$!
	wait_for quietly redis-cli -p "$2" -a "$3" --no-auth-warning ping
}

redis_stop() {
	kill -9 "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
	redis_pid=
}

require_redis() {
	if ! command -v redis-server >/dev/null ||
	   ! command -v redis-cli >/dev/null; then
		echo "1..0 # SKIP redis-server missing (scripts/deps installs it)"
		exit 0
	fi
}

fleet_machine() {
	local d=$1 name=$2 port=$3
	TLSK_SOCKET=$d/$name.sock start_tlskd "$d/$name.conf" \
		"$d/$name.log" || return 1
	eval "pid_$name=\$daemon_pid"
	TLSK_SOCKET=$d/$name.sock "$bin/tlsk-httpd" -p "$port" \
		-r "$d" -P web ${FLEET_EXPECT_ULP:+-v} \
		2>>"$d/httpd-$name.log" &
	eval "httpd_$name=\$!"
	wait_for quietly openssl s_client -connect "127.0.0.1:$port" \
		-CAfile "$d/ca.crt" </dev/null
}

# fleet_check_ulp DIR: with FLEET_EXPECT_ULP=tlsk|tls (the VM sets it),
# the keys of both machines' resumed handshakes, those from the other
# machine's tickets or sessions included, went to that kernel ULP
# (tlsk-httpd -v logs a line per handshake). Not every connection's:
# wait_for's probe closes as soon as its handshake is done, and a socket
# whose peer has closed cannot take a ULP (ENOTCONN), so tlskd relays it.
fleet_check_ulp() {
	local d=$1 u=${FLEET_EXPECT_ULP:-}

	[ -n "$u" ] || return 0
	check "both machines: resumed handshakes' keys went to the kernel (ulp $u)" \
		bash -c "grep -q ' resumed ulp $u\$' '$d/httpd-a.log' &&
			grep -q ' resumed ulp $u\$' '$d/httpd-b.log'"
}

