#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tlskd under systemd, and its least privilege, on the host (no systemd
# needed: python3 stands in for the manager's side of each protocol).
#
#   sd_notify        a unix datagram socket as $NOTIFY_SOCKET (a path, then
#                    an @abstract name): READY=1, WATCHDOG=1 with
#                    $WATCHDOG_USEC, STOPPING=1 at SIGTERM
#   activation       the request socket made here and passed as fd 3
#                    ($LISTEN_FDS=1, $LISTEN_PID by an exec wrapper): a
#                    handshake through it; a wrong fd 3 is refused
#   drain            SIGTERM with a handshake in flight: it completes, the
#                    socket is gone, tlskd exits; with one that stalls, it
#                    is ended at drain-timeout
#   rate limit       1000 peers sending garbage: printed + suppressed log
#                    lines account for all, printed ones bounded by the rate
#   systemd-analyze  the units verify cleanly (when systemd-analyze is here)
#   as root only (else SKIP): the documented install, followed as written
#   (useradd/groupadd, keys installed 0600 for the daemon's user, the
#   unit's User/Group/SupplementaryGroups/RuntimeDirectory/UMask emulated
#   with setpriv): tlskd starts, chowns its socket to the socket-group, a
#   service in that group gets a handshake, SIGHUP reloads; and tlskd
#   started as root with `user =` drops to it (uid/gid, no capabilities,
#   not dumpable) and still does handshakes and reloads. Users and groups
#   this script created are removed on exit.
#
# Prints TAP.
set -u
bin=$(cd "$(dirname "$0")" && pwd)
tlskd=$bin/tlskd
svc=$bin/tlskd-test-service
unit=$bin/tlskd-test-unit.service
sock_unit=$bin/tlskd-test-unit.socket
dir=$(mktemp -d /tmp/tlskd-sd.XXXXXX)
chmod 755 "$dir"
export TLSK_SOCKET=$dir/tlskd.sock
port=$((30000 + $$ % 2000))
created_users="" created_groups="" rundir=""
cleanup() {
	stop_processes
	for u in $created_users; do userdel "$u" 2>/dev/null; done
	for g in $created_groups; do groupdel "$g" 2>/dev/null; done
	[ -n "$rundir" ] && rm -rf "$rundir"
	rm -rf "$dir"
}
trap cleanup EXIT

# shellcheck source=lib.sh
. "$bin/tlskd-test-lib.sh"

require_tools
make_certs "$dir"

write_config() {
	cat >"$dir/tlskd.conf" <<CONF
socket = $dir/tlskd.sock
socket-mode = 0666
log-level = debug
handshake-timeout = 60s
max-handshakes = 2000
$1

[profile web]
cert = srv.crt srv.key
allow-uid = 0
CONF
}

serve() {
	port=$((port + 1))
	rm -f "$dir/svc.out"
	timeout 120 "$svc" serve "$port" web "$@" >"$dir/svc.out" 2>&1 &
	svc_pid=$!
	wait_for grep -q listening "$dir/svc.out"
}

s_client() {
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -quiet \
		-servername localhost -CAfile "$dir/ca.crt" "$@" 2>"$dir/s_client.err"
}

# One handshake through the running tlskd; $1 names the test.
handshake_works() {
	local out
	serve 1
	out=$(echo "ping $1" | s_client -tls1_3)
	wait "$svc_pid"
	if grep -q "^ok 0 version=0304" "$dir/svc.out" &&
	   [ "$out" = "hello from tlsk
ping $1" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "$dir/svc.out" "$dir/s_client.err"
	fi
}

stop_daemon() {
	kill "$daemon_pid" 2>/dev/null
	wait "$daemon_pid"
	local st=$?
	daemon_pid=
	return $st
}

# ---- sd_notify ----
# The manager's side: bind, start tlskd, collect messages until STOPPING=1
# after a SIGTERM sent once READY=1 and a WATCHDOG=1 have come; prints
# each datagram on a line (newlines as '|'), then tlskd's exit status.
notify_run() {
	python3 - "$tlskd" "$dir/tlskd.conf" "$1" "$dir/notify.log" <<'PY'
import os, signal, socket, subprocess, sys
tlskd, conf, name, log = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\0' + name[1:] if name.startswith('@') else name)
s.settimeout(10)
env = dict(os.environ, NOTIFY_SOCKET=name, WATCHDOG_USEC='200000')
p = subprocess.Popen([tlskd, '-c', conf], env=env,
                     stderr=open(log, 'a'))
got = []
try:
    while True:
        m = s.recv(4096).decode()
        print(m.replace('\n', '|'), flush=True)
        got.append(m)
        if 'STOPPING=1' in m:
            break
        if any('READY=1' in g for g in got) and 'WATCHDOG=1' in m \
                and p.poll() is None:
            p.send_signal(signal.SIGTERM)
except socket.timeout:
    print('timeout', flush=True)
p.send_signal(signal.SIGTERM)
print('exit', p.wait(20), flush=True)
PY
}

write_config ""
for name in "$dir/notify.sock" "@tlskd-test-notify-$$"; do
	kind=path
	[ "${name#@}" != "$name" ] && kind=abstract
	notify_run "$name" >"$dir/notify.out" 2>&1
	check "sd_notify ($kind): READY=1 first" \
		test "$(head -1 "$dir/notify.out" | cut -d'|' -f1)" = READY=1
	check "sd_notify ($kind): WATCHDOG=1 with WATCHDOG_USEC" \
		grep -qx "WATCHDOG=1" "$dir/notify.out"
	check "sd_notify ($kind): STOPPING=1 on SIGTERM, exit 0" \
		grep -qz "STOPPING=1.*exit 0" "$dir/notify.out"
	[ "$failed" -gt 0 ] && diag "$dir/notify.out" "$dir/notify.log"
done

# ---- socket activation ----
# exec wrapper: the listening socket at fd 3, LISTEN_PID = the pid that
# execs tlskd. $1: "seqpacket" or "stream" (which tlskd must refuse). A
# tlskd that ignored fd 3 would run on: a time limit.
activate() {
	timeout 60 python3 - "$1" "$dir/act.sock" "$tlskd" "$dir/tlskd.conf" <<'PY' 2>>"$dir/act.log" &
import os, socket, sys
kind, path, tlskd, conf = sys.argv[1:5]
t = socket.SOCK_SEQPACKET if kind == 'seqpacket' else socket.SOCK_STREAM
s = socket.socket(socket.AF_UNIX, t)
s.bind(path)
os.chmod(path, 0o666)
s.listen(64)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid()))
os.execv(tlskd, [tlskd, '-c', conf])
PY
	daemon_pid=$!
}

# The config's own socket goes to a path that must stay unused.
write_config ""
rm -f "$dir/act.sock"
activate seqpacket
wait_for test -S "$dir/act.sock"
TLSK_SOCKET=$dir/act.sock handshake_works "socket activation: a handshake through the passed socket"
sleep 0.2
check "socket activation: the config's socket path is not bound" \
	test ! -e "$dir/tlskd.sock"
stop_daemon
check "socket activation: the socket file, systemd's, stays" \
	test -S "$dir/act.sock"
rm -f "$dir/act.sock"
activate stream
wait "$daemon_pid"
st=$?
daemon_pid=
check "socket activation: a SOCK_STREAM fd 3 is refused, with a reason" \
	test $st -ne 0 -a "$(grep -c "not a listening unix SOCK_SEQPACKET" "$dir/act.log")" -ge 1
[ "$failed" -gt 0 ] && diag "$dir/act.log"

# ---- drain on SIGTERM ----
# A TLS client that connects at once and starts its handshake only when
# $3 exists; prints the handshake's outcome.
held_client() {
	python3 - "$port" "$dir/ca.crt" "$1" <<'PY'
import os, socket, ssl, sys, time
port, ca, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(('127.0.0.1', port))
for _ in range(600):
    if os.path.exists(go):
        break
    time.sleep(0.05)
else:
    sys.exit(0)
try:
    t = ssl.create_default_context(cafile=ca).wrap_socket(
        s, server_hostname='localhost')
    print('handshake', t.version(), flush=True)
except Exception as e:
    print('handshake failed', e, flush=True)
PY
}

# drain N: the daemon with drain-timeout N, a service and a held client,
# then SIGTERM once the handshake is in flight.
drain_setup() {
	write_config "drain-timeout = $1"
	: >"$dir/tlskd.log"
	rm -f "$dir/go"
	start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log"
	serve 1
	held_client "$dir/go" >"$dir/client.out" 2>&1 &
	client_pid=$!
	wait_for grep -q "profile web server started" "$dir/tlskd.log"
	kill -TERM "$daemon_pid"
	wait_for grep -q "stopping; 1 handshakes in flight" "$dir/tlskd.log"
}

drain_setup 60s
check "drain: the socket is gone at SIGTERM" test ! -e "$TLSK_SOCKET"
check "drain: new requests are refused" \
	sh -c '! "$1" status >/dev/null 2>&1' _ "$svc"
touch "$dir/go"
wait "$client_pid"
wait "$svc_pid"
stop_daemon
st=$?
check "drain: the handshake in flight completes" \
	grep -q "^ok 0 version=0304" "$dir/svc.out"
check "drain: then tlskd exits 0, without reaching the deadline" \
	test $st -eq 0 -a "$(grep -c "drain-timeout passed" "$dir/tlskd.log")" -eq 0
[ "$failed" -gt 0 ] && diag "$dir/svc.out" "$dir/client.out" "$dir/tlskd.log"

drain_setup 1s
wait "$svc_pid"
check "drain: a handshake still in flight at drain-timeout gets 'tlskd is stopping'" \
	grep -q "^fail 0 .*reason=tlskd is stopping" "$dir/svc.out"
wait "$daemon_pid"
st=$?
daemon_pid=
check "drain: tlskd exits 0 at the deadline" \
	test $st -eq 0 -a "$(grep -c "drain-timeout passed with 1 handshakes" "$dir/tlskd.log")" -eq 1
touch "$dir/go"
wait "$client_pid"
[ "$failed" -gt 0 ] && diag "$dir/svc.out" "$dir/tlskd.log"

# ---- rate-limited log lines ----
peers=1000
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((3 * peers + 256)) ]; then
	ulimit -n $((3 * peers + 256)) 2>/dev/null || peers=$((($(ulimit -n) - 256) / 3))
fi
write_config ""
: >"$dir/tlskd.log"
start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log"
t0=$(date +%s%N)
serve "$peers" nonblocking
python3 - "$port" "$peers" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = []
for _ in range(n):
    c = socket.create_connection(('127.0.0.1', port))
    c.sendall(b'GET / HTTP/1.0\r\n\r\n')
    conns.append(c)
PY
wait "$svc_pid"
stop_daemon
t1=$(date +%s%N)
printed=$(grep -c "profile web server failed" "$dir/tlskd.log")
suppressed=$(sed -n 's/^<5>\([0-9]*\) handshake failure log lines suppressed.*/\1/p' \
	"$dir/tlskd.log" | awk '{ s += $1 } END { print s + 0 }')
# What the bucket can let through in the time it took (rounded up).
bound=$((20 + 5 * ((t1 - t0) / 1000000000 + 1) + 1))
echo "# $peers failing peers: $printed lines printed, $suppressed suppressed, at most $bound allowed"
check "rate limit: every failure of $peers is printed or counted" \
	test "$((printed + suppressed))" -eq "$peers" -a \
	"$(grep -c "^fail" "$dir/svc.out")" -eq "$peers"
check "rate limit: printed lines within the bucket's allowance" \
	test "$printed" -le "$bound"

# ---- systemd-analyze ----
if command -v systemd-analyze >/dev/null; then
	# The ExecStart= binary must exist for verify: point it at ours.
	mkdir -p "$dir/units"
	sed "s#/usr/sbin/tlskd#$tlskd#" "$unit" >"$dir/units/tlskd.service"
	cp "$sock_unit" "$dir/units/tlskd.socket"
	(cd "$dir/units" && systemd-analyze verify --man=no ./tlskd.service \
		./tlskd.socket) >"$dir/verify.out" 2>&1
	st=$?
	check "systemd-analyze verify: the units, without a complaint" \
		test $st -eq 0 -a ! -s "$dir/verify.out"
	[ $st -ne 0 ] || [ -s "$dir/verify.out" ] && diag "$dir/verify.out"
else
	skip "systemd-analyze verify" "no systemd-analyze"
fi

# ---- as root: the documented install, and the privilege drop ----
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -1; }

add_group() {
	getent group "$1" >/dev/null && return 0
	groupadd --system "$1" && created_groups="$created_groups $1"
}
add_user() {
	id -u "$1" >/dev/null 2>&1 && return 0
	# as docs/daemon.md says
	useradd --system --user-group --no-create-home \
		--shell /usr/sbin/nologin "$1" &&
		created_users="$created_users $1" &&
		created_groups="$created_groups $1"
}

# Running (a child that exited stays a zombie until waited for).
alive() { [ -r "/proc/$1/status" ] && ! grep -q "^State:.*Z" "/proc/$1/status"; }
# The owner of /proc/PID/status: the process's uid, or root when it is
# not dumpable (the kernel's task_dump_owner()).
proc_owner() { stat -c %u "/proc/$1/status"; }
status_ids() { awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"; }

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null ||
   ! command -v setpriv >/dev/null || [ ! -w /etc/passwd ]; then
	for t in "installed as documented" "privilege drop"; do
		skip "$t" "needs root, useradd, setpriv and a writable /etc"
	done
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit
fi

user=$(unit_value User)
group=$(unit_value Group)
supp=$(unit_value SupplementaryGroups)
umask=$(unit_value UMask)
rtmode=$(unit_value RuntimeDirectoryMode)
svc_user=tlsk-svc-test
# socket-group in the documented example config
sock_group=tlsk
add_group "$sock_group" && add_user "$user" && add_user "$svc_user" &&
	usermod -aG "$sock_group" "$svc_user"
check "users and groups as documented ($user, $sock_group, $svc_user)" \
	quietly id -u "$user"
[ "$group" = "$user" ] || add_group "$group"

# /etc/tlsk as documented: keys 0600 owned by the daemon's user.
etc=$dir/etc
install -d -m 0755 "$etc"
install -o "$user" -m 0600 "$dir/srv.key" "$etc/srv.key"
install -m 0644 "$dir/srv.crt" "$etc/srv.crt"
rundir=/run/tlsk-test-dir
rm -rf "$rundir"
cat >"$etc/tlskd.conf" <<CONF
socket = $rundir/tlskd.sock
socket-group = $sock_group
log-level = debug

[profile web]
cert = $etc/srv.crt $etc/srv.key
allow-gid = $sock_group
CONF

# The unit's User=, Group=, SupplementaryGroups=, UMask=, LimitCORE=,
# NoNewPrivileges=, CapabilityBoundingSet= (empty); RuntimeDirectory= as
# systemd makes it. Execs: the caller's pid becomes tlskd's.
groups_opt=--clear-groups
[ -n "$supp" ] && groups_opt=--groups=$supp
as_unit() {
	exec setpriv --reuid="$user" --regid="$group" "$groups_opt" \
		--no-new-privs --inh-caps=-all --bounding-set=-all -- \
		sh -c "umask ${umask:-0022}; ulimit -c 0; exec \"\$@\"" sh "$@"
}
install -d -o "$user" -g "$group" -m "${rtmode:-0755}" "$rundir"
(as_unit "$tlskd" --check-config "$etc/tlskd.conf") >"$dir/pre.out" 2>&1
check "installed: ExecStartPre= --check-config passes as $user" \
	grep -q "OK, 1 profiles" "$dir/pre.out"
: >"$dir/unit.log"
(as_unit "$tlskd" -c "$etc/tlskd.conf") 2>>"$dir/unit.log" &
daemon_pid=$!
if wait_for test -S "$rundir/tlskd.sock" && sleep 0.2 && alive "$daemon_pid"; then
	ok "installed: tlskd starts with the unit's settings"
else
	not_ok "installed: tlskd starts with the unit's settings"
	diag "$dir/unit.log"
fi
check "installed: the socket belongs to group $sock_group, mode 0660" \
	test "$(stat -c %G:%a "$rundir/tlskd.sock" 2>/dev/null)" = "$sock_group:660"
check "installed: not dumpable (/proc/PID owned by root, Uid $user)" \
	test "$(proc_owner "$daemon_pid")" = 0 -a \
	"$(status_ids "$daemon_pid" Uid)" = "$(id -u "$user") $(id -u "$user") $(id -u "$user") $(id -u "$user")"
check "installed: no core files (RLIMIT_CORE 0)" \
	grep -Eq "^Max core file size +0 +0 " "/proc/$daemon_pid/limits"
# The service as a member of the socket's group.
port=$((port + 1))
timeout 60 setpriv --reuid="$svc_user" --regid="$svc_user" --init-groups -- \
	env TLSK_SOCKET="$rundir/tlskd.sock" "$svc" serve "$port" web 1 \
	>"$dir/svc.out" 2>&1 &
svc_pid=$!
wait_for grep -q listening "$dir/svc.out"
out=$(echo "as documented" | s_client -tls1_3)
wait "$svc_pid"
check "installed: a service in group $sock_group gets a handshake" \
	test "$out" = "hello from tlsk
as documented"
kill -HUP "$daemon_pid"
wait_for grep -q "configuration 2 loaded" "$dir/unit.log"
check "installed: SIGHUP reloads (keys read again as $user)" \
	grep -q "configuration 2 loaded" "$dir/unit.log"
stop_daemon
check "installed: SIGTERM stops it cleanly" test $? -eq 0
[ "$failed" -gt 0 ] && diag "$dir/unit.log" "$dir/svc.out" "$dir/s_client.err"

# Started as root, `user =`: the socket and keys opened as root, then the
# drop, for good.
write_config "user = $user"
sed -i "s#^cert = .*#cert = $etc/srv.crt $etc/srv.key#" "$dir/tlskd.conf"
: >"$dir/tlskd.log"
start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log"
wait_for grep -q "running as user $user" "$dir/tlskd.log"
uid=$(id -u "$user") gid=$(id -g "$user")
check "privilege drop: Uid is $user's, all four" \
	test "$(status_ids "$daemon_pid" Uid)" = "$uid $uid $uid $uid"
check "privilege drop: Gid is $user's, all four" \
	test "$(status_ids "$daemon_pid" Gid)" = "$gid $gid $gid $gid"
check "privilege drop: no capabilities left" \
	grep -qx "CapEff:	0000000000000000" "/proc/$daemon_pid/status"
check "privilege drop: not dumpable (/proc/PID owned by root)" \
	test "$(proc_owner "$daemon_pid")" = 0
handshake_works "privilege drop: a handshake after the drop"
kill -HUP "$daemon_pid"
wait_for grep -q "configuration 2 loaded" "$dir/tlskd.log"
check "privilege drop: SIGHUP reloads as $user (key owned by it, 0600)" \
	grep -q "configuration 2 loaded" "$dir/tlskd.log"
handshake_works "privilege drop: a handshake after the reload"
stop_daemon
[ "$failed" -gt 0 ] && diag "$dir/tlskd.log"

echo "1..$n"
[ "$failed" -eq 0 ]
