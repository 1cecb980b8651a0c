#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tlskctl on the host: usage, and the commands that work without tlsk.ko
# saying clearly why they cannot answer (JSON included). `tlskctl daemon`
# against a live tlskd is checked in tlskd-e2e-test.
set -u
bin=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../tlskd/tests/lib.sh
. "$bin/tlskd-test-lib.sh"
ctl=$bin/tlskctl
valid_json() { python3 -c 'import json,sys; json.load(sys.stdin)'; }

check "help lists every object" \
	bash -c "'$ctl' --help | grep -q daemon && '$ctl' help | grep -q sockets"
"$ctl" bogus >/dev/null 2>&1
check "an unknown command is a usage error (2)" test $? -eq 2
out=$("$ctl" --json sockets)
st=$?
check "sockets says it needs the netlink dump, as JSON" \
	bash -c "[ $st -eq 1 ] && echo '$out' | grep -q TLSK_CMD_SOCK_GET"
check "sockets --json is valid JSON" valid_json <<<"$out"
if [ -r /proc/net/tlsk_stat ]; then
	check "stats --json is valid JSON" \
		bash -c "'$ctl' --json stats | python3 -c 'import json,sys; json.load(sys.stdin)'"
else
	out=$("$ctl" --json stats)
	check "stats without tlsk.ko says so, as JSON" \
		bash -c "echo '$out' | grep -q 'not loaded'"
fi
err=$(TLSK_SOCKET=/nonexistent/sock "$ctl" daemon 2>&1 >/dev/null)
check "daemon without tlskd fails and names the socket" \
	grep -q "/nonexistent/sock" <<<"$err"
echo "1..$n"
[ $failed -eq 0 ]
