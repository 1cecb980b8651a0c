#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Fatal alerts after the hand-off, tickets and full-size records, on every
# userspace record layer:
#
#   hostile-peer --records--> tlsk-server -ulp user -echo
#                         --> tlsk-httpd -l (in-process, userspace layer)
#                         --> tlsk-httpd -> tlskd (relay, no kernel TLS)
#   openssl s_client ------> the same servers (tickets, 2^14-byte records)
#
# hostile-peer completes a handshake, sends one forbidden thing (a record
# failing authentication, too long, of type 0 / ChangeCipherSpec /
# heartbeat, an empty or malformed alert, a flood of warnings) and prints
# the alert it got back, opened with its own keys (RFC 8446 5, 6.2). On a
# host with kernel TLS the servers here still use the userspace layer
# (-ulp user, -l) except through tlskd, whose relay then is not used: the
# tlskd cases SKIP there (selftests/vm covers tlsk.ko's alerts).
set -u
bin=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../tlskd/tests/lib.sh
. "$bin/tlskd-test-lib.sh"
require_tools
dir=$(mktemp -d /tmp/alerts-e2e.XXXXXX)
export TLSK_SOCKET=$dir/tlskd.sock
port=$((20000 + $$ % 8000))

cleanup() {
	stop_processes
	rm -rf "$dir"
}
trap cleanup EXIT

make_certs "$dir"
mkdir -p "$dir/www"
echo "<h1>tlsk</h1>" >"$dir/www/index.html"
cat >"$dir/tlskd.conf" <<CONF
socket = $dir/tlskd.sock
log-level = debug
[profile web]
cert = srv.crt srv.key
CONF

# case -> alert description the server must send (RFC 8446 6.2)
declare -A want=(
	[corrupt]="20 bad_record_mac" [oversize_ct]="22 record_overflow"
	[oversize_pt]="22 record_overflow" [type0]="10 unexpected_message"
	[ccs]="10 unexpected_message" [heartbeat]="10 unexpected_message"
	[empty_alert]="10 unexpected_message" [bad_alert]="50 decode_error"
	[warnings]="10 unexpected_message"
)
cases="corrupt oversize_ct oversize_pt type0 ccs heartbeat empty_alert
	bad_alert warnings"

# peer_case LABEL VERSION_FLAG CASE [LOG]: the alert back, and the
# server's own message in LOG when given
peer_case() {
	local label=$1 vflag=$2 c=$3 log=${4:-} w got
	w=${want[$c]}
	# shellcheck disable=SC2086
	got=$(timeout 30 "$bin/hostile-peer" $vflag 127.0.0.1 "$port" "$c" \
		2>>"$dir/peer.err")
	if [ "$got" = "alert 2 ${w%% *}" ]; then
		ok "$label $vflag $c: fatal ${w#* } received"
	else
		not_ok "$label $vflag $c: fatal ${w#* } received (got: ${got:-nothing})"
	fi
	[ -n "$log" ] || return 0
	if wait_for grep -q "alert ${w} sent" <(tail -n 1 "$log"); then
		ok "$label $vflag $c: server says alert ${w#* } sent"
	else
		not_ok "$label $vflag $c: server says alert ${w#* } sent"
		tail -n 2 "$log" | diag
	fi
}

# full_record LABEL VERSION_FLAG: 2^14 bytes of data in one record are
# read and answered
full_record() {
	local got
	# shellcheck disable=SC2086
	got=$(timeout 30 "$bin/hostile-peer" $2 -data $'GET / HTTP/1.0\r\nX: \r\n\r\n' \
		127.0.0.1 "$port" full 2>>"$dir/peer.err" | head -n 1)
	check "$1 $2: a 2^14-byte record is answered (${got:-nothing})" \
		test "${got%% *}" = data
}

# s_client_checks LABEL [big]: openssl s_client sending its request right
# behind its Finished gets a ticket; with big, its 2^14-byte record an
# answer (tlsk-httpd answers so long a head with 431 and closes while
# the rest may still be coming: hostile-peer's "full" checks it instead)
s_client_checks() {
	local label=$1 out
	rm -f "$dir/sess.pem"
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -quiet \
		-connect "127.0.0.1:$port" -tls1_3 -sess_out "$dir/sess.pem" \
		-ign_eof >"$dir/s_client.out" 2>&1
	check "$label: s_client with data behind Finished gets an answer" \
		grep -q "^HTTP/1" "$dir/s_client.out"
	check "$label: ... and a TLS 1.3 ticket" \
		quietly grep -q "TLS session ticket:" \
		<(openssl sess_id -in "$dir/sess.pem" -text 2>/dev/null)
	[ "${2:-}" = big ] || return 0
	out=$(python3 -c 'import sys; sys.stdout.write("GET / HTTP/1.0\r\nX: " + "a" * (16384 - 24) + "\r\n\r\n")' |
		timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" \
			-max_send_frag 16384 -ign_eof 2>/dev/null | head -n 1)
	check "$label: s_client's 2^14-byte request is answered (${out:-nothing})" \
		test -n "$out"
}

# ---- tlsk-server, userspace record layer ----
port=$((port + 1))
"$bin/tlsk-server" -accept "127.0.0.1:$port" -cert "$dir/srv.crt" \
	-key "$dir/srv.key" -echo -ulp user >/dev/null 2>"$dir/server.log" &
wait_for quietly timeout 5 openssl s_client -connect "127.0.0.1:$port" \
	</dev/null
for v in -tls1_3 -tls1_2; do
	for c in $cases; do
		peer_case tlsk-server "$v" "$c" "$dir/server.log"
	done
	full_record tlsk-server "$v"
done
kill %1 2>/dev/null
wait 2>/dev/null

port=$((port + 1))
"$bin/tlsk-server" -accept "127.0.0.1:$port" -cert "$dir/srv.crt" \
	-key "$dir/srv.key" -www -ulp user >/dev/null 2>"$dir/www.log" &
wait_for quietly timeout 5 openssl s_client -connect "127.0.0.1:$port" \
	</dev/null
s_client_checks "tlsk-server -www" big
kill %1 2>/dev/null
wait 2>/dev/null

# ---- tlsk-httpd, in-process handshakes, userspace record layer ----
httpd_cases() {
	local label=$1
	for v in -tls1_3 -tls1_2; do
		for c in corrupt oversize_pt heartbeat empty_alert warnings; do
			peer_case "$label" "$v" "$c"
		done
		full_record "$label" "$v"
	done
	s_client_checks "$label"
}

port=$((port + 1))
"$bin/tlsk-httpd" -p "$port" -r "$dir/www" -P web -l "$dir/tlskd.conf" \
	2>"$dir/httpd.log" &
wait_for quietly timeout 5 openssl s_client -connect "127.0.0.1:$port" \
	</dev/null
httpd_cases "tlsk-httpd -l"
kill %1 2>/dev/null
wait 2>/dev/null

# ---- tlsk-httpd through tlskd: the relay ----
if [ -n "$(grep -ow 'tls\|tlsk' /proc/sys/net/ipv4/tcp_available_ulp 2>/dev/null)" ]; then
	skip "tlskd relay" "kernel TLS on this host: tlskd does not relay"
else
	start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log"
	port=$((port + 1))
	"$bin/tlsk-httpd" -p "$port" -r "$dir/www" -P web \
		2>"$dir/httpd2.log" &
	wait_for quietly timeout 5 openssl s_client -connect \
		"127.0.0.1:$port" </dev/null
	httpd_cases "tlskd relay"
	check "tlskd relay: the relay logs the alert it sent" \
		grep -q "alert bad_record_mac sent" "$dir/tlskd.log"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
