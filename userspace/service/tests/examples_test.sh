#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The quickstart's example server and client talk through one tlskd: the
# server's handshake in the "web" profile, the client's in "upstream",
# which verifies the server's certificate against a throwaway CA.
set -u
bin=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../tlskd/tests/lib.sh
. "$bin/tlskd-test-lib.sh"
dir=$(mktemp -d /tmp/examples.XXXXXX)
export TLSK_SOCKET=$dir/tlskd.sock
server=
cleanup() {
	for p in $server $daemon_pid; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

if ! command -v ss >/dev/null || ss -ltn | grep -q ':8443 '; then
	echo "1..0 # SKIP port 8443 busy or ss missing"
	exit 0
fi
make_certs "$dir"
cat >"$dir/tlskd.conf" <<CONF
socket = $TLSK_SOCKET
[profile web]
cert = srv.crt srv.key
[profile upstream]
ca = ca.crt
CONF
start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log"
"$bin/tlsk-hello-server" 2>"$dir/server.err" &
server=$!
wait_for bash -c "ss -ltn | grep -q ':8443 '"
out=$("$bin/tlsk-hello-client" localhost 2>&1)
check "example client reads the example server's greeting" \
	grep -q "^hello over TLS_" <<<"$out"
out=$("$bin/tlsk-hello-client" wrong.example 2>&1)
check "example client refuses a certificate for another name" \
	grep -q "^handshake: " <<<"$out"
[ $failed -ne 0 ] && diag "$dir/tlskd.log"
echo "1..$n"
[ $failed -eq 0 ]
