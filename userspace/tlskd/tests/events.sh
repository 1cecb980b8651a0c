#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tlskd and tlsk.ko's netlink events. tlskd runs with its log in a file;
# tlskd-test-events makes the module send events about sockets it names
# by inode, and this script looks for each in the log at its level:
#
#   tlskd-test-events decrypt  --DECRYPT_ERROR_NTF-->  tlskd: <4> ... inode N
#   tlskd-test-events alerts   --ALERT_RECEIVED_NTF->  <6> close_notify,
#                                                      <4> fatal handshake_failure
#   tlskd-test-events forge    --garbage and a fake event from userspace-->
#                              tlskd drops them all and carries on
#
# and an unprivileged tlskd that may not join the group logs a notice and
# still serves. Without tlsk.ko (a host) the family is missing: tlskd says
# so once, at info, keeps serving, and a SIGHUP looks again without saying
# it twice; the event checks then SKIP. Prints TAP.
#
#   TLSKD_EVENTS_EXPECT_KERNEL=1   fail instead of skipping without tlsk.ko
#                                  (the VM sets it)
set -u
bin=$(cd "$(dirname "$0")" && pwd)
tlskd=$bin/tlskd
peer=$bin/tlskd-test-events
expect_kernel=${TLSKD_EVENTS_EXPECT_KERNEL:-0}
dir=$(mktemp -d /tmp/tlskd-events.XXXXXX)
chmod 755 "$dir"
export TLSK_SOCKET=$dir/tlskd.sock
log=$dir/tlskd.log
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "${unpriv_pid:-}" ] && kill "$unpriv_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

# shellcheck source=lib.sh
. "$bin/tlskd-test-lib.sh"

if ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP openssl missing"
	exit 0
fi
make_certs "$dir"
write_config() {	# SOCKET
	cat <<CONF
socket = $1
socket-mode = 0666
log-level = info

[profile web]
cert = $dir/srv.crt $dir/srv.key
allow-uid = 0
CONF
}
write_config "$dir/tlskd.sock" >"$dir/tlskd.conf"

# in_log PRIO PATTERN: a line of that priority matches (fixed string).
in_log() { grep "^<$1>" "$log" | grep -qF -- "$2"; }
count_log() { grep -cF -- "$1" "$log"; }

start_tlskd "$dir/tlskd.conf" "$log" || {
	echo "not ok 1 tlskd did not start"; diag "$log"; exit 1; }

if in_log 6 'no generic netlink family "tlsk"'; then
	# ---- a host without tlsk.ko ----
	if [ "$expect_kernel" = 1 ]; then
		not_ok "tlskd found tlsk.ko's family"
		diag "$log"
	else
		ok "without tlsk.ko: the missing family is logged at info"
	fi
	kill -HUP "$daemon_pid"
	wait_for grep -q "configuration 2 loaded" "$log"
	check "a SIGHUP looks again without logging the absence twice" \
		test "$(count_log 'no generic netlink family')" -eq 1
	check "tlskd still runs" kill -0 "$daemon_pid"
	skip "events logged with the socket's inode" "no tlsk.ko"
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
fi

check "tlskd joined tlsk.ko's events group" \
	wait_for in_log 5 "tlsk events: listening"

# ---- forged messages first: tlskd must survive them ----
"$peer" forge >"$dir/forge.out" 2>&1
st=$?
forged=0
if [ $st -eq 77 ]; then
	skip "forged events are dropped" "$(cat "$dir/forge.out")"
else
	sleep 1
	if [ $st -eq 0 ] && kill -0 "$daemon_pid" &&
	   ! grep -q "inode 424243" "$log"; then
		ok "forged events from userspace are dropped, tlskd runs on"
		forged=1
	else
		not_ok "forged events from userspace are dropped, tlskd runs on"
		diag "$dir/forge.out" "$log"
	fi
fi

# ---- DECRYPT_ERROR ----
"$peer" decrypt >"$dir/decrypt.out" 2>&1
st=$?
ino=$(sed -n 's/^inode //p' "$dir/decrypt.out")
if [ $st -eq 0 ] && [ -n "$ino" ] &&
   wait_for in_log 4 "tlsk socket inode $ino cookie"; then
	ok "a decrypt error is logged at warning with the socket's inode"
	grep -F "inode $ino cookie" "$log" | sed "s/^/# /"
else
	not_ok "a decrypt error is logged at warning with the socket's inode"
	diag "$dir/decrypt.out" "$log"
fi
check "the decrypt error names the errno and the addresses" \
	grep -qE "inode $ino cookie [0-9]+ 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:[0-9]+: decrypt error \(Bad message\)" "$log"

# ---- ALERT_RECEIVED: close_notify (info), handshake_failure (warning) ----
"$peer" alerts >"$dir/alerts.out" 2>&1
st=$?
ino=$(sed -n 's/^inode //p' "$dir/alerts.out")
if [ $st -eq 0 ] && [ -n "$ino" ] &&
   wait_for grep -q "inode $ino .*handshake_failure" "$log"; then
	ok "alerts are logged with the socket's inode"
else
	not_ok "alerts are logged with the socket's inode"
	diag "$dir/alerts.out" "$log"
fi
check "close_notify at info" \
	grep -q "^<6>tlsk socket inode $ino .*peer sent warning alert close_notify (0)" "$log"
check "a fatal alert at warning, by name" \
	grep -q "^<4>tlsk socket inode $ino .*peer sent fatal alert handshake_failure (40)" "$log"

# ---- without CAP_NET_ADMIN: a notice, and tlskd carries on ----
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	mkdir -m 777 "$dir/u"
	# Its own keys, 0600: tlskd refuses key files open to others.
	chown 65534:65534 "$dir"/*.key
	chmod 600 "$dir"/*.key
	write_config "$dir/u/tlskd.sock" >"$dir/u/tlskd.conf"
	setpriv --reuid 65534 --regid 65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all \
		"$tlskd" -c "$dir/u/tlskd.conf" 2>"$dir/u/log" &
	unpriv_pid=$!
	if wait_for test -S "$dir/u/tlskd.sock" &&
	   wait_for grep -q "^<5>tlsk events: joining .* needs CAP_NET_ADMIN" "$dir/u/log" &&
	   kill -0 "$unpriv_pid"; then
		ok "unprivileged tlskd: a notice, no events, still serving"
	else
		not_ok "unprivileged tlskd: a notice, no events, still serving"
		diag "$dir/u/log"
	fi
	kill "$unpriv_pid"
	wait "$unpriv_pid" 2>/dev/null
	unpriv_pid=
else
	skip "unprivileged tlskd" "needs root and setpriv"
fi

# ---- the counts at the end ----
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=
# Forged: the message that is no whole message never reaches tlskd's
# callback; the other three are dropped there.
dropped='[0-9]+'
[ "$forged" = 1 ] && dropped='([3-9]|[1-9][0-9]+)'
check "tlskd counts the events when it stops" \
	grep -qE "^<6>tlsk events: [1-9][0-9]* decrypt errors, [2-9][0-9]* alerts, .* $dropped dropped" "$log"
grep "tlsk events:" "$log" | sed "s/^/# /"

echo "1..$n"
[ "$failed" -eq 0 ]
