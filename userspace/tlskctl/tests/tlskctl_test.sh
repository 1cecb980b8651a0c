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
if [ ! -d /sys/module/tlsk ]; then
	out=$("$ctl" --json sockets)
	st=$?
	check "sockets without tlsk.ko says the family is not registered, as JSON" \
		bash -c "[ $st -eq 1 ] && echo '$out' | grep -q 'not registered'"
	check "sockets --json is valid JSON" valid_json <<<"$out"
else
	# In the VM: a TLS 1.3 socket pair with keys in tlsk.ko, held open
	# while tlskctl dumps the sockets.
	python3 - "$ctl" >"${TMPDIR:-/tmp}/tlskctl-dump.$$" 2>&1 <<'PY'
import json, socket, struct, subprocess, sys
ctl = sys.argv[1]
ls = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(ls.getsockname())
s, _ = ls.accept()
info = struct.pack("<HH8s32s4s8s", 0x0304, 52, b"\x01" * 8, b"\x02" * 32,
                   b"\x03" * 4, b"\x00" * 8)
for k in (c, s):
    k.setsockopt(socket.IPPROTO_TCP, 31, b"tlsk")	# TCP_ULP
    k.setsockopt(282, 1, info)			# SOL_TLS, TLS_TX
    k.setsockopt(282, 2, info)			# TLS_RX
c.sendall(b"x" * 100)
assert s.recv(100) == b"x" * 100
out = subprocess.run([ctl, "--json", "sockets"], capture_output=True, text=True)
print(out.stdout)
d = json.loads(out.stdout)
port = c.getsockname()[1]
mine = [x for x in d["sockets"] if x["local"] == "127.0.0.1:%d" % port]
assert len(mine) == 1, d
m = mine[0]
assert m["version"] == "1.3" and m["cipher"] == "aes-gcm-256", m
assert m["tx"]["records"] == 1 and m["tx"]["bytes"] == 100, m
assert m["rx"] is not None and m["tx"]["keys"] == 1, m
# What each direction holds: the TX record buffer the 100 bytes were
# sealed in (until idle 1-2 s), no scratch; RX opened it from TCP's queue.
assert m["tx"]["mem"] in (0, 20480) and m["rx"]["mem"] == 0, m
txt = subprocess.run([ctl, "sockets"], capture_output=True, text=True).stdout
assert "127.0.0.1:%d -> " % port in txt and "TLS 1.3 aes-gcm-256" in txt, txt
assert " mem=" in txt, txt
print("dump ok")
PY
	st=$?
	check "sockets lists a tlsk socket: addresses, version, cipher, TX counts, memory held (JSON and text)" \
		test $st -eq 0
	[ $st -eq 0 ] || diag "${TMPDIR:-/tmp}/tlskctl-dump.$$"
	rm -f "${TMPDIR:-/tmp}/tlskctl-dump.$$"
fi
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
