#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tlskd's userspace relay (no kernel TLS: a host like this one) as the
# service sees its end: a relayed stream reads EOF whether tlskd ended it
# or died, and tlsk_relay_check() tells the two apart (-ENOLINK,
# TLSK_ERR_DAEMON_LOST, when tlskd is gone). Prints TAP; skips where the
# keys go to the kernel (there is no relay to lose).
set -u
bin=$(cd "$(dirname "$0")" && pwd)
svc=$bin/tlskd-test-service
dir=$(mktemp -d /tmp/tlskd-relay.XXXXXX)
chmod 755 "$dir"
export TLSK_SOCKET=$dir/tlskd.sock
cleanup() {
	stop_processes
	rm -rf "$dir"
}
trap cleanup EXIT

# shellcheck source=lib.sh
. "$bin/tlskd-test-lib.sh"
require_tools
make_certs "$dir"
cat >"$dir/tlskd.conf" <<CONF
socket = $TLSK_SOCKET
socket-mode = 0666

[profile web]
cert = $dir/srv.crt $dir/srv.key
allow-uid = 0
CONF
chmod 600 "$dir/srv.key"
start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log" || {
	echo "1..0 # SKIP tlskd did not start: $(tail -n 1 "$dir/tlskd.log")"
	exit 0
}
# serve: one connection, greeted, then a line echoed or EOF reported. On
# a free port: a port taken meanwhile (by another test's client, say) is
# tried again with another.
serve() {	# [VAR=VALUE...]: the service's environment
	local try
	for try in 1 2 3 4 5; do
		port=$(free_port)
		rm -f "$dir/svc.out"
		env "$@" timeout 60 "$svc" serve "$port" web 1 \
			>"$dir/svc.out" 2>&1 &
		svc_pid=$!
		wait_for grep -q -e listening -e "Address already in use" \
			"$dir/svc.out"
		grep -q listening "$dir/svc.out" && return 0
		wait "$svc_pid"
		echo "# port $port taken (try $try), another one"
	done
	return 1
}

# 1. The peer ends with close_notify and no line: tlskd alive, 0.
serve
timeout 30 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
	-CAfile "$dir/ca.crt" </dev/null >"$dir/c1.out" 2>&1
wait "$svc_pid"
if grep -q "ulp=user proxied" "$dir/svc.out"; then
	check "a relayed stream the peer ended with close_notify: EOF, tlsk_relay_check() 0 (tlskd ended it)" \
		grep -q "^read eof relay_check=0\$" "$dir/svc.out"
	relayed=1
else
	skip "a relayed stream ended by the peer" "keys went to the kernel: no relay"
	relayed=0
fi
diag "$dir/svc.out"

# 2. tlskd killed mid-stream: EOF too, but tlsk_relay_check() says lost.
if [ "$relayed" = 1 ]; then
	serve
	(sleep 30 | timeout 40 openssl s_client -connect "127.0.0.1:$port" \
		-servername localhost -CAfile "$dir/ca.crt" -quiet \
		>"$dir/c2.out" 2>&1) &
	wait_for grep -q "^ok 0 " "$dir/svc.out"
	kill -9 "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	wait "$svc_pid"
	check "tlskd killed under a relayed stream: EOF, and tlsk_relay_check() says -ENOLINK (TLSK_ERR_DAEMON_LOST)" \
		grep -q "^read eof relay_check=-$(python3 -c 'import errno; print(errno.ENOLINK)')\$" \
		"$dir/svc.out"
	diag "$dir/svc.out"
else
	skip "tlskd killed under a relayed stream" "no relay"
fi

# 3. The service keeps a dup() of the TCP socket and clears O_NONBLOCK on
# it after the hand-off; the peer then sends 3 bytes of a record header
# and stops. tlskd's loop must not block in the relay's recv(): a status
# request is answered meanwhile.
if [ "$relayed" = 1 ]; then
	rm -f "$TLSK_SOCKET"
	start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log"
	rm -f "$dir/peer.out"
	serve TLSK_TEST_BLOCK_DUP=1
	timeout 40 python3 -c '
import os, socket, ssl, sys, time
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
print("greeting", s.recv(100), flush=True)
raw = socket.socket(fileno=os.dup(s.fileno()))
raw.send(b"\x17\x03\x03")
print("sent a partial header", flush=True)
time.sleep(30)
' "$port" >"$dir/peer.out" 2>&1 &
	peer_pid=$!
	wait_for grep -q "partial header" "$dir/peer.out"
	sleep 1
	check "a relayed socket made blocking by the service, a peer stalled mid-header: tlskd still answers (status within 5 s)" \
		timeout 5 "$svc" status
	kill "$peer_pid" 2>/dev/null
	wait "$peer_pid" 2>/dev/null
	wait "$svc_pid"
	grep -q "dup made blocking" "$dir/svc.out" ||
		echo "# the service did not make its dup blocking"
	diag "$dir/svc.out" "$dir/peer.out"
else
	skip "a relayed socket made blocking by the service" "no relay"
fi

# A service that half-closes (shutdown(SHUT_WR) after its greeting, as an
# HTTP/1.0 client after its request) still reads what the peer sends
# after the close_notify it then gets (TLS 1.3 lets a peer go on after
# one; RFC 8446 6.1).
if [ "$relayed" = 1 ]; then
	serve TLSK_TEST_HALFCLOSE=1
	timeout 40 python3 -c '
import socket, ssl, sys
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
c.minimum_version = ssl.TLSVersion.TLSv1_3
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
got = b""
while True:
    d = s.recv(100)
    if not d:
        break
    got += d
print("peer read", got, "then close_notify", flush=True)
s.sendall(b"after close_notify\n")
s.close()
' "$port" >"$dir/peer.out" 2>&1
	wait "$svc_pid"
	check "a service that half-closes still reads the peer's answer (relay)" \
		grep -q "^after half-close: 19 bytes: after close_notify" "$dir/svc.out"
	grep -q "^after half-close: 19" "$dir/svc.out" ||
		diag "$dir/svc.out" "$dir/peer.out"
else
	skip "a service that half-closes still reads the peer's answer" "no relay"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
