#!/bin/bash
# SPDX-License-Identifier: MIT
#
# What a new user meets in the first hour (issue 19): every message says
# what is wrong and where, and what --check-config accepts, the daemon
# starts with.
#
#   check-config   a socket-group that does not exist, a socket directory
#                  that cannot be created, parse and load errors in one
#                  run, a missing CA file (ENOENT, like a missing cert),
#                  cert and key swapped, a key the configured user cannot
#                  read (as root)
#   start          the socket's directory is created; a failed start
#                  leaves no socket file
#   messages       alerts by name (never "alert -1"), refusals naming the
#                  profile, an unreachable socket named with its path
#   tlsk-httpd     -v prints the whole status text; a profile tlskd does
#                  not have stops it at start; its default profile is web
#   make module    scripts/module-kernel says which kernel tlsk.ko is for
#
# Prints TAP.
set -u
bin=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bin/../../../.." && pwd)
dir=$(mktemp -d /tmp/tlskd-first.XXXXXX)
chmod 755 "$dir"
export TLSK_SOCKET=$dir/run/tlskd.sock
cleanup() {
	stop_processes
	rm -rf "$dir"
}
trap cleanup EXIT

# shellcheck source=lib.sh
. "$bin/tlskd-test-lib.sh"

require_tools
make_certs "$dir"
cd "$dir" || exit 1

# check NAME CONF PATTERN...: --check-config fails, saying each PATTERN.
check_fails() {
	local name=$1 conf=$2 p
	shift 2
	printf '%s\n' "$conf" >"$dir/t.conf"
	if "$bin/tlskd" --check-config "$dir/t.conf" >"$dir/check.out" 2>&1; then
		not_ok "$name (check passed)"
		diag "$dir/check.out"
		return
	fi
	for p in "$@"; do
		if ! grep -qF -- "$p" "$dir/check.out"; then
			not_ok "$name"
			echo "# missing: $p"
			diag "$dir/check.out"
			return
		fi
	done
	ok "$name"
}

web="[profile web]
cert = srv.crt srv.key"

check_fails "check-config: a socket-group that does not exist" \
	"socket = $dir/run/tlskd.sock
socket-group = tlsk-no-such-group
$web" "t.conf:2: socket-group tlsk-no-such-group: no such group"

check_fails "check-config: a socket directory that cannot be created" \
	"socket = $dir/no/such/tlskd.sock
$web" "its directory $dir/no/such does not exist and tlskd"

check_fails "check-config: a parse error does not hide a load error" \
	"socket = $dir/run/tlskd.sock
no-such-key = 1
[profile web]
cert = missing.crt srv.key" "t.conf:2: unknown key 'no-such-key'" \
	"t.conf:4: profile web: cert: $dir/missing.crt: No such file or directory"

check_fails "check-config: a missing CA file is 'No such file', with its path" \
	"socket = $dir/run/tlskd.sock
[profile up]
ca = missing-ca.pem
role = client" "profile up: CA bundle: $dir/missing-ca.pem: No such file or directory"

check_fails "check-config: cert and key swapped are called so" \
	"socket = $dir/run/tlskd.sock
[profile web]
cert = srv.key srv.crt" "swapped? (cert = CHAIN KEY, the certificate first)"

check_fails "check-config: a key that does not belong to the certificate" \
	"socket = $dir/run/tlskd.sock
[profile web]
cert = srv.crt cli.key" "the private key in $dir/cli.key does not belong to the certificate in $dir/srv.crt"

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	check_fails "check-config: a key the configured user cannot read" \
		"socket = $dir/run/tlskd.sock
user = nobody
$web" "user nobody cannot read $dir/srv.key: Permission denied"
else
	skip "check-config: a key the configured user cannot read" \
		"needs root and user nobody"
fi

# ---- start ----
cat >"$dir/tlskd.conf" <<CONF
socket = $dir/run/tlskd.sock
socket-mode = 0660
log-level = info
[profile web]
cert = srv.crt srv.key
role = server
[profile up]
ca = ca.crt
role = client
versions = 1.3
tls13-suites = TLS_AES_128_GCM_SHA256
CONF
check "check-config: a socket directory that does not exist yet is fine" \
	quietly "$bin/tlskd" --check-config "$dir/tlskd.conf"
start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log"
check "start: tlskd creates its socket's directory" test -S "$TLSK_SOCKET"

sed "s|^socket-mode|socket-group = tlsk-no-such-group\nsocket-mode|" \
	"$dir/tlskd.conf" >"$dir/badgroup.conf"
sed -i "s|$dir/run/|$dir/run2/|" "$dir/badgroup.conf"
mkdir "$dir/run2"
timeout 20 "$bin/tlskd" -c "$dir/badgroup.conf" 2>"$dir/badgroup.log"
st=$?
check "start: a bad socket-group fails the start, saying so" \
	bash -c "[ $st -ne 0 ] && grep -q 'socket-group: no such group' '$dir/badgroup.log'"
check "start: and leaves no socket file behind" test ! -e "$dir/run2/tlskd.sock"

# ---- messages ----
port=$(free_port)
timeout 60 "$bin/tlskd-test-service" serve "$port" nosuch 1 >"$dir/svc.out" 2>&1 &
svc=$!
wait_for grep -q listening "$dir/svc.out"
timeout 10 openssl s_client -connect "127.0.0.1:$port" </dev/null >/dev/null 2>&1
wait "$svc"
check "a refusal names the profile asked for (reply)" \
	grep -q "reason=profile nosuch: no such profile in $dir/tlskd.conf" "$dir/svc.out"
check "a refusal names the profile asked for (log)" \
	grep -q "refused: profile nosuch: no such profile" "$dir/tlskd.log"
[ "$failed" -gt 0 ] && diag "$dir/svc.out"

# A peer that closes at once: a failure without any alert.
port=$(free_port)
timeout 60 "$bin/tlskd-test-service" serve "$port" web 1 >"$dir/svc.out" 2>&1 &
svc=$!
wait_for grep -q listening "$dir/svc.out"
python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()"
wait "$svc"
# No suite in common: the server (openssl) sends handshake_failure.
port=$(free_port)
openssl s_server -accept "$port" -cert srv.crt -key srv.key -quiet -tls1_3 \
	-ciphersuites TLS_AES_256_GCM_SHA384 >/dev/null 2>&1 &
sserver=$!
wait_for bash -c "echo >/dev/tcp/127.0.0.1/$port"
timeout 60 "$bin/tlskd-test-service" connect "$port" up localhost >"$dir/cli.out" 2>&1
check "alerts by name, never 'alert -1'" \
	bash -c "grep -q 'failed: .*' '$dir/tlskd.log' &&
		 ! grep -q 'alert -1' '$dir/tlskd.log' &&
		 ! grep -Eq 'alert [0-9]+ (sent|received)' '$dir/tlskd.log'"
check "a fatal alert received is named (reason)" \
	grep -q "peer sent fatal alert [a-z_]* ([0-9]*)" "$dir/cli.out" "$dir/tlskd.log"

TLSK_SOCKET=$dir/nowhere.sock "$bin/tlskd-test-service" connect "$port" up \
	localhost >"$dir/cli.out" 2>&1
check "an absent daemon socket is named" \
	grep -q "cannot connect to tlskd at $dir/nowhere.sock: No such file or directory" \
	"$dir/cli.out"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$bin/tlskd-test-service" connect "$port" up localhost \
		>"$dir/cli.out" 2>&1
	check "a socket the caller may not open is named, with a hint" \
		grep -q "cannot connect to tlskd at $TLSK_SOCKET: Permission denied (this user must be in tlskd.conf's socket-group" \
		"$dir/cli.out"
else
	skip "a socket the caller may not open is named, with a hint" \
		"needs root, setpriv and user nobody"
fi
kill "$sserver" 2>/dev/null
wait "$sserver" 2>/dev/null
[ "$failed" -gt 0 ] && diag "$dir/cli.out" "$dir/tlskd.log"

# ---- tlsk-httpd ----
mkdir -p "$dir/www"
echo hi >"$dir/www/index.html"
port=$(free_port)
"$bin/tlsk-httpd" -p "$port" -r "$dir/www" -v 2>"$dir/httpd.log" &
httpd=$!
if wait_for curl -s -o /dev/null --cacert ca.crt "https://localhost:$port/"; then
	ok "tlsk-httpd: the default profile is web"
	curl -s -o /dev/null --cacert ca.crt "https://localhost:$port/nope"
	# logged after the response is queued: wait for the line
	check "tlsk-httpd -v: the whole status text" \
		wait_for grep -q -- "GET nope -> 404 Not Found$" "$dir/httpd.log"
else
	not_ok "tlsk-httpd: the default profile is web"
	not_ok "tlsk-httpd -v: the whole status text"
	diag "$dir/httpd.log"
fi
kill "$httpd" 2>/dev/null
wait "$httpd" 2>/dev/null
check "tlsk-httpd's profile check at start is no warning in tlskd's log" \
	bash -c "grep -q '^<6>.*refused: profile web: not a connected TCP socket' '$dir/tlskd.log' &&
		 ! grep -q '^<4>.*not a connected TCP socket' '$dir/tlskd.log'"
port=$(free_port)
timeout 20 "$bin/tlsk-httpd" -p "$port" -r "$dir/www" -P nosuch 2>"$dir/httpd.log"
st=$?
check "tlsk-httpd: a profile tlskd does not have stops it at start" \
	bash -c "[ $st -eq 1 ] && grep -q 'profile nosuch: no such profile' '$dir/httpd.log'"

# ---- make module's kernel note ----
if [ -x "$top/scripts/module-kernel" ]; then
	printf 'x\0vermagic=0.0.0-other SMP mod_unload\0' >"$dir/other.ko"
	printf 'x\0vermagic=%s SMP mod_unload\0' "$(uname -r)" >"$dir/here.ko"
	"$top/scripts/module-kernel" "$dir/other.ko" >"$dir/kver.out" 2>&1
	check "make module: a module for another kernel: do not insmod" \
		grep -q "built for kernel 0.0.0-other, NOT for the running kernel $(uname -r)" "$dir/kver.out"
	check "make module: a module for this kernel: insmod" \
		bash -c "'$top/scripts/module-kernel' '$dir/here.ko' | grep -q 'built for the running kernel'"
else
	not_ok "make module: scripts/module-kernel says which kernel"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
