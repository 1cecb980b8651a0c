#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tlsk-httpd end to end: curl against the server, with
# handshakes done by tlskd (on this host, without kernel TLS, tlskd relays
# the records) and, with -l, in-process over the userspace record layer.
#
#   curl --TLS--> tlsk-httpd --fd--> tlskd
#                   | sendfile() bodies
#                   v
#                 $dir/www (index.html, big.bin, sub/, a symlink outside)
#
#   HTTPD_E2E_BIG_BYTES   size of the big file (default 3000000)
#   HTTPD_E2E_EXPECT_ULP  tlsk or tls: check the records went through that
#                         kernel ULP (sendfile into kTLS; the VM sets it)
set -u
bin=$(cd "$(dirname "$0")" && pwd)
expect_ulp=${HTTPD_E2E_EXPECT_ULP:-}
# shellcheck source=../../tlskd/tests/lib.sh
. "$bin/tlskd-test-lib.sh"
dir=$(mktemp -d /tmp/httpd-e2e.XXXXXX)
export TLSK_SOCKET=$dir/tlskd.sock
# below the ephemeral range (32768-60999): no client socket, nor its
# TIME_WAIT, holds these ports
port=$((12000 + $$ % 8000))
httpd_pid=

cleanup() {
	for p in $httpd_pid $daemon_pid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

if ! command -v curl >/dev/null || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP curl or openssl missing"
	exit 0
fi

make_certs "$dir"
mkdir -p "$dir/www/sub"
echo "<h1>tlsk</h1>" >"$dir/www/index.html"
echo "sub file" >"$dir/www/sub/a.txt"
big=${HTTPD_E2E_BIG_BYTES:-3000000}
head -c "$big" /dev/urandom >"$dir/www/big.bin"
echo "secret outside the root" >"$dir/secret.txt"
ln -s ../secret.txt "$dir/www/link.txt"
cat >"$dir/tlskd.conf" <<CONF
socket = $dir/tlskd.sock
log-level = debug
[profile web]
cert = srv.crt srv.key
CONF

start_httpd() {
	port=$((port + 1))
	"$bin/tlsk-httpd" -p "$port" -r "$dir/www" -P web -v "$@" \
		2>>"$dir/httpd.log" &
	httpd_pid=$!
	wait_for curl -s -o /dev/null --cacert "$dir/ca.crt" \
		"https://localhost:$port/"
}

stop_httpd() {
	kill "$httpd_pid" 2>/dev/null
	wait "$httpd_pid" 2>/dev/null
	httpd_pid=
}

url() { echo "https://localhost:$port$1"; }
fetch() { curl -s --cacert "$dir/ca.crt" "$@"; }
status_of() { fetch -o /dev/null -w '%{http_code}' --path-as-is "$(url "$1")"; }

# serve_tests LABEL: the same checks in daemon and local mode.
serve_tests() {
	local label=$1
	fetch -o "$dir/got.bin" "$(url /big.bin)"
	check "$label: $big-byte file intact" cmp -s "$dir/got.bin" "$dir/www/big.bin"
	fetch -v -o /dev/null -o /dev/null "$(url /index.html)" \
		"$(url /sub/a.txt)" 2>"$dir/curl.v"
	check "$label: keep-alive, two requests on one connection" \
		grep -q "Re-using existing connection" "$dir/curl.v"
	fetch -I "$(url /big.bin)" >"$dir/head.out"
	check "$label: HEAD gives the length, no body" \
		grep -qi "^content-length: $big" "$dir/head.out"
	check "$label: 404 for a missing file" test "$(status_of /nope)" = 404
	check "$label: 400 for /../secret.txt" \
		test "$(status_of /../secret.txt)" = 400
	check "$label: 400 for /%2e%2e/secret.txt" \
		test "$(status_of /%2e%2e/secret.txt)" = 400
	check "$label: a symlink out of the root is not followed" \
		test "$(status_of /link.txt)" != 200
	check "$label: / serves index.html" \
		test "$(fetch "$(url /)")" = "<h1>tlsk</h1>"
}

# A bad number in -p, -t or -i is a usage error (2), before anything starts.
bad_number() {
	timeout 10 "$bin/tlsk-httpd" "$@" >/dev/null 2>"$dir/usage.err"
	[ $? -eq 2 ] && grep -q "is not a number" "$dir/usage.err" &&
		grep -q "^usage:" "$dir/usage.err"
}
for a in "-p abc" "-p 0" "-p 70000" "-p 443x" "-t abc" "-t 0" "-t 3600001" \
	"-i abc" "-i 0" "-i 604801" "-i 99999999999"; do
	# shellcheck disable=SC2086 # $a is an option and its argument
	check "tlsk-httpd $a: usage, exit 2" bad_number $a
done

start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log" ||
	{ echo "not ok 1 tlskd did not start"; exit 1; }
if start_httpd -i 2; then
	ok "tlsk-httpd serves through tlskd"
	serve_tests "via tlskd"
	python3 - "$port" "$dir/ca.crt" >"$dir/idle.out" 2>&1 <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
                    server_hostname="localhost")
s.settimeout(10)
t = time.time()
try:
    data = s.recv(100)
except (ssl.SSLError, OSError) as e:
    data = repr(e)
print("closed after %.1f s: %r" % (time.time() - t, data))
PY
	check "via tlskd: an idle connection is closed (-i 2)" \
		grep -qE "closed after [1-4]\." "$dir/idle.out"
	if [ -n "$expect_ulp" ]; then
		check "via tlskd: records by the kernel (ulp $expect_ulp, sendfile)" \
			bash -c "grep -q ' ulp $expect_ulp\$' '$dir/httpd.log' &&
				! grep -q 'relayed by tlskd' '$dir/httpd.log'"
	fi
	out=$(fetch --tlsv1.2 --tls-max 1.2 "$(url /)")
	if [ "$out" = "<h1>tlsk</h1>" ]; then
		ok "via tlskd: TLS 1.2 (curl --tls-max 1.2)"
	elif grep -q "client does not offer TLS 1.3" "$dir/httpd.log"; then
		skip "via tlskd: TLS 1.2 (curl --tls-max 1.2)" \
			"engine has no TLS 1.2 server yet"
	else
		not_ok "via tlskd: TLS 1.2 (curl --tls-max 1.2)"
	fi
	stop_httpd
else
	not_ok "tlsk-httpd serves through tlskd"
	diag "$dir/httpd.log"
fi

if start_httpd -l "$dir/tlskd.conf"; then
	ok "tlsk-httpd serves with local handshakes (-l)"
	serve_tests "local"
	stop_httpd
else
	not_ok "tlsk-httpd serves with local handshakes (-l)"
	diag "$dir/httpd.log"
fi

# A stalled tlskd (its listen backlog full, never accepting): tlsk-httpd's
# loop must not block on it, so each connection is dropped (not frozen).
port=$((port + 1))
python3 - "$bin/tlsk-httpd" "$port" "$dir" >"$dir/stalled.out" 2>&1 <<'PY'
import socket, subprocess, sys, time
httpd, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
path = d + "/stalled.sock"
l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
l.bind(path)
l.listen(0)
held = []
for _ in range(64):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.setblocking(False)
    try:
        c.connect(path)
    except BlockingIOError:
        break
    held.append(c)
p = subprocess.Popen([httpd, "-p", str(port), "-r", d + "/www", "-P", "web",
                      "-s", path], stderr=open(d + "/httpd.log", "a"))
dropped = 0
for i in range(3):
    for _ in range(100):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    s.settimeout(20)    # generous: it returns, however slowly
    try:
        data = s.recv(100)
    except socket.timeout:
        data = "still open"
    except OSError:
        data = b""
    dropped += data == b""
    s.close()
print("dropped", dropped)
p.kill()
p.wait()
PY
check "a stalled tlskd (backlog full) does not freeze tlsk-httpd" \
	grep -q "dropped 3" "$dir/stalled.out"

[ $failed -ne 0 ] && tail -n 20 "$dir/httpd.log" | diag
echo "1..$n"
[ $failed -eq 0 ]
