#!/bin/bash
# SPDX-License-Identifier: MIT
#
# No stall a peer or a caller can cause (docs/daemon.md, "Limits"), on the
# host with throwaway certificates:
#
#   python3 peers --TCP--> tlskd-test-service --fd--> tlskd
#   python3 callers (uid 0 and, by setpriv, 65534) --request + fd--> tlskd
#
#   1. a peer that sends a ClientHello and then streams ChangeCipherSpec
#      records is failed with unexpected_message at the second one, and
#      another handshake completes while it streams;
#   2. a server that floods NewSessionTicket records at a tlskd client:
#      tlskd takes at most 8 before the hand-off, the relay carries on;
#   3. a passed socket with SO_LINGER {1, 3600} and a full send queue,
#      closed by its caller: tlskd's close() does not freeze it;
#   4. per-uid limits: max-handshakes-per-uid and max-connections-per-uid
#      refuse uid 65534's excess with EBUSY and a reason while uid 0's
#      handshake completes; its handshakes end when it hangs up; an idle
#      connection is closed (caller-idle-timeout); a request cannot raise
#      the profile's handshake-timeout.
#
# Every wait is bounded; nothing is judged by elapsed time. Prints TAP.
set -u
bin=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/tlskd-limits.XXXXXX)
chmod 755 "$dir"
export TLSK_SOCKET=$dir/tlskd.sock
port=$((30000 + $$ % 2000))
cleanup() {
	stop_processes
	rm -rf "$dir"
}
trap cleanup EXIT

# shellcheck source=lib.sh
. "$bin/tlskd-test-lib.sh"

require_tools
make_certs "$dir"
chmod 644 "$dir"/*
# Secrets: tlskd refuses key files open to group or others.
chmod 600 "$dir"/*.key

# conf EXTRA-GLOBAL-LINES: the test's configuration
conf() {
	cat >"$dir/tlskd.conf" <<CONF
socket = $dir/tlskd.sock
socket-mode = 0666
log-level = debug
handshake-timeout = 600s
$1

[profile web]
cert = srv.crt srv.key
allow-uid = 0 65534

[profile quick]
cert = srv.crt srv.key
handshake-timeout = 1s
allow-uid = 0 65534

[profile upstream]
ca = ca.crt
ticket-wait = 5s
allow-uid = 0
CONF
}

# stop: SIGTERM, and a clean exit (under SAN=1, the leak check too)
stop() {
	local st
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	st=$?
	daemon_pid=
	check "tlskd exits cleanly on SIGTERM (status $st)" test "$st" -eq 0
}

# restart EXTRA-GLOBAL-LINES: a fresh tlskd with that configuration
restart() {
	[ -n "$daemon_pid" ] && stop
	conf "$1"
	start_tlskd "$dir/tlskd.conf" "$dir/tlskd.log" ||
		{ echo "Bail out! tlskd did not start"; diag "$dir/tlskd.log"; exit 1; }
}

serve() {
	port=$((port + 1))
	rm -f "$dir/svc.out"
	timeout 120 "$bin/tlskd-test-service" serve "$port" "$@" \
		>"$dir/svc.out" 2>&1 &
	svc_pid=$!
	wait_for grep -q listening "$dir/svc.out"
}

# The wire protocol from Python: requests with an fd, replies parsed.
cat >"$dir/tk.py" <<'PY'
import os, socket, ssl, struct, sys, time

def request(path, profile, fd, timeout_ms=None, role=1, rid=7):
    attrs = bytes([1, 0, 1, role])
    attrs += bytes([2]) + struct.pack(">H", len(profile)) + profile.encode()
    if timeout_ms is not None:
        attrs += bytes([5, 0, 4]) + struct.pack(">I", timeout_ms)
    us = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    us.connect(path)
    socket.send_fds(us, [b"TK\x01\x01" + struct.pack(">I", rid) + attrs],
                    [fd])
    return us

def reply(us, timeout):
    """(status, reason), or None when the wait ends first."""
    us.settimeout(timeout)
    try:
        r = us.recv(8192)
    except socket.timeout:
        return None
    if not r:
        return ("eof", "")
    status, reason, off = None, "", 8
    while off + 3 <= len(r):
        t, n = r[off], struct.unpack(">H", r[off + 1:off + 3])[0]
        v = r[off + 3:off + 3 + n]
        if t == 16:
            status = struct.unpack(">I", v)[0]
        elif t == 27:
            reason = v.decode()
        off += 3 + n
    return (status, reason)

def silent_peer():
    """A connected TCP socket whose peer never speaks, and the listener."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    s = socket.create_connection(ls.getsockname())
    return s, ls

def lingering_socket():
    """A TCP socket with SO_LINGER {1, 30} whose close() would wait 30 s:
    its send queue full towards a peer that reads nothing. Returns it and
    what must stay open (the listener, the peer)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    c = socket.create_connection(ls.getsockname())
    a, _ = ls.accept()
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 65536)
    except BlockingIOError:
        pass
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 30))
    return c, [ls, a]

def status(path, timeout):
    """A status request's reply within timeout: True, or False."""
    us = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    us.connect(path)
    us.send(b"TK\x01\x02" + struct.pack(">I", 9))
    return reply(us, timeout) is not None

def wait_file(path):
    """Until path exists (at most 2 minutes)."""
    for _ in range(1200):
        if os.path.exists(path):
            return
        time.sleep(0.1)

def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()
PY

restart ""

# ---- 1. ClientHello, then a stream of ChangeCipherSpec records ----
# Service: two connections, in the order they come (A the streamer, B a
# normal client). A streams until tlskd aborts it or STREAM_LIMIT bytes
# went out (without the CCS limit, tlskd read them all and B waited).
serve web 2 nonblocking
python3 - "$port" "$dir" >"$dir/ccs.out" 2>&1 <<'PY'
import socket, ssl, sys, threading
sys.path.insert(0, sys.argv[2])
import tk
port, d = int(sys.argv[1]), sys.argv[2]
STREAM_LIMIT = 64 << 20           # bytes of CCS records at most
ccs = bytes([20, 3, 3, 0, 1, 1]) * 10000
state = {"sent": 0, "aborted": None, "ended": False}
started = threading.Event()
a = socket.create_connection(("127.0.0.1", port))
a.sendall(tk.client_hello())
def stream():
    try:
        while state["sent"] < STREAM_LIMIT:
            a.sendall(ccs)
            state["sent"] += len(ccs)
            if state["sent"] >= 1 << 20:
                started.set()
    except OSError as e:
        state["aborted"] = e.__class__.__name__
    state["ended"] = True
    started.set()
t = threading.Thread(target=stream)
t.start()
started.wait(120)
ctx = ssl.create_default_context(cafile=d + "/ca.crt")
b_ok = False
try:
    with socket.create_connection(("127.0.0.1", port), timeout=120) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            f = s.makefile("rwb")
            b_ok = f.readline() == b"hello from tlsk\n"
            f.write(b"b\n"); f.flush()
            b_ok = b_ok and f.readline() == b"b\n"
except OSError as e:
    print("B failed:", repr(e))
# At B's end: was A's stream still going, or had tlskd cut it?
print("B done", b_ok, "A streaming" if not state["ended"] else
      "A aborted (%s)" % state["aborted"] if state["aborted"] else
      "A finished its stream")
t.join(300)
print("A sent", state["sent"], "aborted", state["aborted"])
PY
wait "$svc_pid"
if grep -q "^fail 0 .*status=71 alert=10 .*change_cipher_spec" "$dir/svc.out"; then
	ok "a second ChangeCipherSpec is unexpected_message"
else
	not_ok "a second ChangeCipherSpec is unexpected_message"
	diag "$dir/svc.out" "$dir/ccs.out"
fi
if grep -q "^B done True A \(streaming\|aborted\)" "$dir/ccs.out" &&
   grep -q "^ok 1 version=0304" "$dir/svc.out"; then
	ok "another handshake completes while a peer streams ChangeCipherSpec"
else
	not_ok "another handshake completes while a peer streams ChangeCipherSpec"
	diag "$dir/ccs.out"
fi

# ---- 2. a server flooding NewSessionTicket records at a tlskd client ----
port=$((port + 1))
rm -f "$dir/flood.out"
timeout 60 "$bin/tlskd-test-ticketflood" "$port" "$dir/srv.crt" "$dir/srv.key" 200 \
	>"$dir/flood.out" 2>&1 &
flood=$!
wait_for grep -q listening "$dir/flood.out"
timeout 60 "$bin/tlskd-test-service" connect "$port" upstream localhost \
	>"$dir/client.out" 2>&1
wait "$flood"
taken=$(sed -n 's/.*: \([0-9]*\) ticket records taken before the hand-off/\1/p' \
	"$dir/tlskd.log" | tail -n 1)
if grep -q "^ok 0 version=0304" "$dir/client.out" && grep -q gnip "$dir/client.out" &&
   [ -n "$taken" ] && [ "$taken" -le 8 ]; then
	ok "200 NewSessionTickets: ${taken} taken before the hand-off, the rest relayed"
else
	not_ok "200 NewSessionTickets: ${taken:-?} taken before the hand-off, the rest relayed"
	diag "$dir/client.out" "$dir/flood.out"
fi

# ---- 3. SO_LINGER {1, 3600} and a full send queue, caller's copy closed ----
# The peer's listener stays open until linger-done: closing it would reset
# the connection and end any linger early.
rm -f "$dir/linger-done"
python3 - "$dir" >"$dir/linger.out" 2>&1 <<'PY' &
import socket, struct, sys
sys.path.insert(0, sys.argv[1])
import tk
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
ls.bind(("127.0.0.1", 0))
ls.listen(1)                     # never accepted, never read
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 3600))
s.connect(ls.getsockname())
s.setblocking(False)
queued = 0
try:
    while True:
        queued += s.send(b"x" * 65536)
except BlockingIOError:
    pass
# profile quick: tlskd gives up after 1 s and closes its copy, the last
us = tk.request(sys.argv[1] + "/tlskd.sock", "quick", s.fileno())
s.close()
print("queued", queued, "reply", tk.reply(us, 30), flush=True)
tk.wait_file(sys.argv[1] + "/linger-done")
PY
linger=$!
wait_for grep -q "reply" "$dir/linger.out"
check "a socket with SO_LINGER {1, 3600} and a full send queue times out" \
	grep -q "reply (110," "$dir/linger.out"
# tlskd closed its copy, the last one, right after that reply, in the
# same turn of its loop: the status request comes after that close.
if timeout 30 "$bin/tlskd-test-service" status >"$dir/status.out" 2>&1; then
	ok "tlskd answers after closing it (no lingering close() in the loop)"
else
	not_ok "tlskd answers after closing it (no lingering close() in the loop)"
	diag "$dir/linger.out"
fi
touch "$dir/linger-done"
wait "$linger"

# ---- 4. per-uid limits ----
restart "max-handshakes-per-uid = 2
max-connections-per-uid = 3
caller-idle-timeout = 1s"
# uid 65534 may not reach a python3 in root's home (pyenv)
syspython=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3)
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ] && [ -n "$syspython" ]; then
	# uid 65534: two handshakes in flight (silent peers), a third
	# refused, a fourth connection refused; at $dir/go it hangs up (its
	# TCP peers stay until $dir/done).
	rm -f "$dir/go" "$dir/done" "$dir/flood" "$dir/flood-counted"
	timeout 300 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$syspython" - "$dir" >"$dir/uid.out" 2>&1 <<'PY' &
import socket, sys
sys.path.insert(0, sys.argv[1])
import tk
path = sys.argv[1] + "/tlskd.sock"
held = []
for i in range(3):
    s, ls = tk.silent_peer()
    held += [s, ls]
    us = tk.request(path, "web", s.fileno(), rid=i + 1)
    held.append(us)
    print("request", i + 1, tk.reply(us, 2 if i < 2 else 10), flush=True)
s, ls = tk.silent_peer()
us = tk.request(path, "web", s.fileno(), rid=4)
print("connection 4", tk.reply(us, 10), flush=True)
# More connections over the limit, each sending garbage every 200 ms: a
# malformed request must not keep a refused connection open.
import time
junk = []
for i in range(3):
    j = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    j.connect(path)
    j.setblocking(False)
    junk.append(j)
closed, end = 0, time.time() + 5
while junk and time.time() < end:
    for j in list(junk):
        try:
            j.send(b"junk")
            while True:
                if j.recv(4096) == b"":
                    raise ConnectionResetError
        except BlockingIOError:
            pass
        except OSError:
            junk.remove(j)
            j.close()
            closed += 1
    time.sleep(0.2)
print("junk connections closed", closed, "of 3", flush=True)
# A flood of connections over the limit, held open and silent: tlskd may
# keep a few to answer, but must not hold a descriptor for each.
tk.wait_file(sys.argv[1] + "/flood")
flood = []
for i in range(200):
    f = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    f.setblocking(False)
    try:
        f.connect(path)
        flood.append(f)
    except OSError:
        f.close()
time.sleep(0.3)	# tlskd accepts them (it used to keep each for 1-2 s)
print("flood opened", len(flood), flush=True)
tk.wait_file(sys.argv[1] + "/flood-counted")
for f in flood:
    f.close()
tk.wait_file(sys.argv[1] + "/go")
# Only the connections to tlskd: the TCP peers stay, silent.
for h in held:
    if h.family == socket.AF_UNIX:
        h.close()
print("hung up", flush=True)
tk.wait_file(sys.argv[1] + "/done")
PY
	uidpid=$!
	wait_for grep -q "^connection 4" "$dir/uid.out"
	check "uid 65534: its handshakes within max-handshakes-per-uid are in flight" \
		grep -q "^request 2 None" "$dir/uid.out"
	check "uid 65534: one more is refused (EBUSY, max-handshakes-per-uid)" \
		grep -q "^request 3 (16, '.*max-handshakes-per-uid" "$dir/uid.out"
	check "uid 65534: a connection beyond max-connections-per-uid is refused" \
		grep -q "^connection 4 (16, '.*max-connections-per-uid" "$dir/uid.out"
	wait_for grep -q "^junk connections closed" "$dir/uid.out"
	check "uid 65534: connections beyond the limit that send garbage are closed too" \
		grep -q "^junk connections closed 3 of 3" "$dir/uid.out"
	fds_before=$(ls "/proc/$daemon_pid/fd" | wc -l)
	touch "$dir/flood"
	wait_for grep -q "^flood opened" "$dir/uid.out"
	fds_flood=$(ls "/proc/$daemon_pid/fd" | wc -l)
	touch "$dir/flood-counted"
	# REFUSED_PER_UID (8) refused connections kept to be answered, +2
	if [ $((fds_flood - fds_before)) -le 10 ]; then
		ok "uid 65534: a flood of connections over the limit holds at most 10 more descriptors"
	else
		not_ok "uid 65534: a flood of connections over the limit holds at most 10 more descriptors"
		echo "# tlskd's descriptors: $fds_before before, $fds_flood during $(grep '^flood opened' "$dir/uid.out")"
	fi
	serve web 1
	echo x | timeout 30 openssl s_client -connect "127.0.0.1:$port" -quiet \
		-servername localhost -CAfile "$dir/ca.crt" >/dev/null 2>&1
	wait "$svc_pid"
	check "uid 0's handshake completes meanwhile" \
		grep -q "^ok 0 version=0304" "$dir/svc.out"
	touch "$dir/go"
	wait_for grep -q "^hung up" "$dir/uid.out"
	# The handshake-timeout is 600 s and the TCP peers are still there:
	# only the hang-up can end them now.
	check "uid 65534 hangs up: its handshakes in flight are cancelled" \
		wait_for bash -c "'$bin/tlskd-test-service' status | grep -q ' active=0 '"
	touch "$dir/done"
	wait "$uidpid"
	diag "$dir/uid.out"
else
	skip "per-uid limits" "needs root and setpriv"
fi

# ---- a lingering socket whose last reference the kernel would put ----
# A socket with SO_LINGER {1, 30} and a full send queue, passed and then
# closed by the caller, is tlskd's to drop. Where tlskd did not take the
# descriptor (a message with more than fit its buffer; a caller on no
# profile, whose descriptors are never taken), the kernel put it in the
# loop's thread, whose close then slept 30 s, every caller waiting.
linger_case() {	# NAME [setpriv args...]: the caller's part, then a root status
	local name=$1 caller
	shift
	# tlskd stopped while the caller sends and closes its copy, so that
	# tlskd's is the last reference whatever the scheduling
	kill -STOP "$daemon_pid"
	"$@" "${syspython:-python3}" - "$dir" "$name" >"$dir/linger-$name.out" 2>&1 <<'PY' &
import socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
import tk
path = sys.argv[1] + "/tlskd.sock"
c, keep = tk.lingering_socket()
us = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
us.connect(path)
if sys.argv[2] == "many":	# nine descriptors, the lingering one last
    pairs = [socket.socketpair() for _ in range(4)]
    fds = [x.fileno() for p in pairs for x in p] + [c.fileno()]
    socket.send_fds(us, [b"TK\x01\x02" + struct.pack(">I", 5)], fds)
    for p in pairs:
        for x in p:
            x.close()
else:	# a status request carrying it, from a uid on no profile
    socket.send_fds(us, [b"TK\x01\x02" + struct.pack(">I", 5)],
                    [c.fileno()])
c.close()
print("sent", flush=True)
time.sleep(20)	# its peer stays, reading nothing
PY
	caller=$!
	wait_for grep -q "^sent" "$dir/linger-$name.out"
	kill -CONT "$daemon_pid"
	"${syspython:-python3}" - "$dir" >>"$dir/linger-$name.out" 2>&1 <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import tk
print("root's status within 5 s:", tk.status(sys.argv[1] + "/tlskd.sock", 5))
PY
	kill "$caller" 2>/dev/null
	wait "$caller" 2>/dev/null
}
syspython=${syspython:-$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3)}
linger_case many
check "nine descriptors in one message, a lingering socket the last: tlskd goes on" \
	grep -q "^root's status within 5 s: True" "$dir/linger-many.out"
grep -q "True" "$dir/linger-many.out" || diag "$dir/linger-many.out"
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ] && [ -n "$syspython" ]; then
	linger_case noprofile setpriv --reuid=65533 --regid=65533 --clear-groups
	check "a caller on no profile passes a lingering socket: tlskd goes on" \
		grep -q "^root's status within 5 s: True" "$dir/linger-noprofile.out"
	grep -q "True" "$dir/linger-noprofile.out" ||
		diag "$dir/linger-noprofile.out"
else
	skip "a caller on no profile passes a lingering socket" "needs root and setpriv"
fi

# ---- idle connections, and a request asking for a longer timeout ----
python3 - "$dir" >"$dir/idle.out" 2>&1 <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
import tk
us = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
us.connect(sys.argv[1] + "/tlskd.sock")
us.settimeout(30)
try:
    print("idle connection:", "closed" if us.recv(100) == b"" else "data")
except socket.timeout:
    print("idle connection: still open")
s, ls = tk.silent_peer()
us = tk.request(sys.argv[1] + "/tlskd.sock", "quick", s.fileno(),
                timeout_ms=3600000)
print("asked 1 h on a 1 s profile:", tk.reply(us, 30))
PY
check "an idle caller connection is closed (caller-idle-timeout)" \
	grep -q "^idle connection: closed" "$dir/idle.out"
check "a request cannot raise the profile's handshake-timeout" \
	grep -q "^asked 1 h on a 1 s profile: (110," "$dir/idle.out"

# ---- descriptors that are not sockets: a FUSE file whose close() waits ----
# tlskd-test-fusefd passes a file on its own FUSE mount, whose server never
# answers the flush every close() sends: first from uid 65533 (on no
# profile), then from root with a handshake request. Then a handshake of
# uid 0 must still have its socket closed, its peer seeing EOF.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	mkdir -p "$dir/fuse"
	unshare -m "$bin/tlskd-test-fusefd" "$dir/fuse" "$dir/fuse.done" 65533 \
		>"$dir/fuse.out" 2>&1 &
	fusepid=$!
	wait_for grep -q -e "^ready" -e "^no FUSE" -e "failed" -e "reply -11" \
		"$dir/fuse.out"
	# (reply -11: tlskd did not answer within 10 s; the checks fail)
	if ! grep -q -e "^no FUSE" -e "setup failed" "$dir/fuse.out"; then
		wait_for grep -q "^ready" "$dir/fuse.out"
		check "a caller on no profile passes a file: tlskd never takes (and never closes) it" \
			awk -v t="flush tgid=$daemon_pid" '
				/^authorized request/ { exit bad }
				$0 == t { bad = 1 }
				END { exit bad }' "$dir/fuse.out"
		check "tlskd never stats a caller's file (no FUSE_GETATTR of its own)" \
			bash -c "! grep -q 'getattr tgid=$daemon_pid' '$dir/fuse.out'"
		check "a file passed by root for a handshake is refused (ENOTSOCK)" \
			grep -q "^authorized reply $(python3 -c 'import errno; print(errno.ENOTSOCK)')\$" \
				"$dir/fuse.out"
		# With that file stuck in its close(), 16 more requests with it
		# must not each leave tlskd one more descriptor.
		check "the same file passed 16 more times: tlskd takes in none of them" \
			awk '/^tlskd descriptors:/ { ok = $4 >= 0 && $6 - $4 <= 2 }
				END { exit !ok }' "$dir/fuse.out"
		check "and says why" \
			grep -q "uid 0 passed a descriptor that is not a socket" "$dir/tlskd.log"
		# A refused request's socket: tlskd's copy is the last, and
		# its close() sends the FIN the TCP peer waits for.
		python3 - "$dir" >"$dir/fuse-peer.out" 2>&1 <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
import tk
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
c = socket.create_connection(ls.getsockname())
a, _ = ls.accept()
us = tk.request(sys.argv[1] + "/tlskd.sock", "nosuch", a.fileno())
print("refused", tk.reply(us, 10), flush=True)
a.close()
c.settimeout(10)
try:
    print("peer:", "fin" if c.recv(10) == b"" else "data")
except socket.timeout:
    print("peer: no fin")
PY
		check "a file whose close() never returns: a socket passed later is still closed (its peer gets the FIN)" \
			grep -q "^peer: fin" "$dir/fuse-peer.out"
		diag "$dir/fuse-peer.out"
	else
		skip "descriptors that are not sockets" "$(head -n 1 "$dir/fuse.out")"
	fi
	touch "$dir/fuse.done"
	wait "$fusepid"
	diag "$dir/fuse.out"
else
	skip "descriptors that are not sockets" "needs root and unshare"
fi

# ---- a socket whose lock the caller holds: the loop goes on without it ----
# tlskd-test-stall keeps a thread inside send() on its socket, faulting
# on a userfaultfd page (as on a file of its own FUSE mount that never
# answers), then passes the socket: each of tlskd's calls on it waits for
# the lock, uninterruptibly. Another thread must take the loop over.
TLSK_SOCKET=$dir/tlskd.sock timeout 60 "$bin/tlskd-test-stall" web \
	>"$dir/stall.out" 2>&1
st=$?
if [ $st -eq 77 ]; then
	skip "a socket whose lock the caller holds" "$(head -n 1 "$dir/stall.out")"
else
	check "a socket whose lock the caller holds: tlskd answers others meanwhile" \
		grep -q "^status during the stall 0\$" "$dir/stall.out"
	check "and fails that request (EDEADLK), saying why" \
		grep -q "^stalled request -$(python3 -c 'import errno; print(errno.EDEADLK)') .*lock stayed taken" \
			"$dir/stall.out"
	check "once the caller lets go, tlskd takes the socket back and goes on" \
		bash -c "grep -q '^status after 0\$' '$dir/stall.out' &&
			grep -q 'stalled call on a service.s socket returned; 0 still waiting' '$dir/tlskd.log'"
	diag "$dir/stall.out"
fi
# The same once tlskd relays the connection (no kernel TLS on the host):
# the relay's read of the TCP socket waits for the lock.
TLSK_SOCKET=$dir/tlskd.sock timeout 60 "$bin/tlskd-test-stall" web relay \
	>"$dir/stall-relay.out" 2>&1
st=$?
if [ $st -eq 77 ]; then
	skip "a relayed socket whose lock the caller holds" "$(tail -n 1 "$dir/stall-relay.out")"
else
	check "a relayed socket whose lock the caller holds: tlskd answers others meanwhile" \
		grep -q "^status during the stall 0\$" "$dir/stall-relay.out"
	check "and ends that relay (the service's stream reads EOF)" \
		grep -q "^relay stream ended" "$dir/stall-relay.out"
	check "once the caller lets go, tlskd frees the relay and goes on" \
		bash -c "grep -q '^status after 0\$' '$dir/stall-relay.out' &&
			[ \$(grep -c 'stalled call on a service.s socket returned; 0 still waiting' '$dir/tlskd.log') -ge 2 ]"
	diag "$dir/stall-relay.out"
fi

# ---- refusals as fast as a caller can ask: the log is rate-limited ----
t0=$(date +%s%N)
python3 - "$dir" >"$dir/flood.out" 2>&1 <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
import tk
answered = 0
for i in range(300):
    a, b = socket.socketpair()
    us = tk.request(sys.argv[1] + "/tlskd.sock", "nosuch", a.fileno())
    a.close(); b.close()
    answered += tk.reply(us, 10) is not None
    us.close()
print("answered", answered)
PY
t1=$(date +%s%N)
printed=$(grep -c "refused: profile nosuch" "$dir/tlskd.log")
bound=$((20 + 5 * ((t1 - t0) / 1000000000 + 1) + 2))
echo "# 300 refused requests: $printed lines printed (at most $bound allowed)"
check "300 refused requests, all answered: their log lines within the rate limit" \
	bash -c "grep -q '^answered 300' '$dir/flood.out' && [ $printed -le $bound ]"

# ---- max-relays-per-uid: relays a caller may keep open ----
# Without kernel TLS each relayed connection holds two of tlskd's
# descriptors and a buffer for as long as the service keeps its end; one
# uid could hold them all before the limit (2026-12-07).
restart "max-relays-per-uid = 2"
TLSK_SOCKET=$dir/tlskd.sock timeout 120 "$bin/tlskd-test-stall" web relays 3 \
	>"$dir/relays.out" 2>&1
if grep -q "not relayed" "$dir/relays.out"; then
	skip "max-relays-per-uid" "kernel TLS here: no relay"
else
	check "max-relays-per-uid = 2: two relays open, the third handshake fails (EBUSY)" \
		bash -c "grep -q '^relay 1 0 ' '$dir/relays.out' &&
			grep -q '^relay 2 0 ' '$dir/relays.out' &&
			grep -q '^relay 3 -16 .*max-relays-per-uid' '$dir/relays.out'"
	diag "$dir/relays.out"
fi
# and the slots come back once the relays end
wait_for bash -c "'$bin/tlskd-test-service' status | grep -q ' proxies=0 '"
TLSK_SOCKET=$dir/tlskd.sock timeout 120 "$bin/tlskd-test-stall" web relays 2 \
	>"$dir/relays2.out" 2>&1
grep -q "not relayed" "$dir/relays2.out" ||
	check "once those relays ended, two more may open" \
		bash -c "grep -q '^relay 1 0 ' '$dir/relays2.out' &&
			grep -q '^relay 2 0 ' '$dir/relays2.out'"

# ---- one uid gets at most STALL_PER_UID (4) calls left waiting ----
# tlskd leaves at most 32 calls waiting for a socket's lock (stall.c);
# one caller alone must not use them all up, and freeze the loop again.
TLSK_SOCKET=$dir/tlskd.sock timeout 120 "$bin/tlskd-test-stall" web stalls 5 \
	>"$dir/stalls.out" 2>&1
st=$?
if [ $st -eq 77 ]; then
	skip "calls left waiting per uid" "$(head -n 1 "$dir/stalls.out")"
else
	deadlk=$(python3 -c 'import errno; print(errno.EDEADLK)')
	check "four sockets held locked: each request fails (EDEADLK), the loop goes on" \
		bash -c "[ \$(grep -c '^stall [1-4] -$deadlk ' '$dir/stalls.out') -eq 4 ] &&
			grep -q '^status during the stalls 0\$' '$dir/stalls.out'"
	check "a fifth request of that uid is refused (EBUSY) until they return" \
		grep -q "^stall 5 -16 .*wait for a socket's lock: no more" "$dir/stalls.out"
	check "once the caller lets go, tlskd takes all four back" \
		bash -c "grep -q '^status after 0\$' '$dir/stalls.out' &&
			returned() { grep -c 'stalled call on a service.s socket returned' '$dir/tlskd.log'; }
			for _ in \$(seq 50); do [ \$(returned) -ge 6 ] && exit 0; sleep 0.1; done; exit 1"
	diag "$dir/stalls.out"
fi

stop
if [ $failed -ne 0 ]; then
	echo "# tlskd log:"
	tail -30 "$dir/tlskd.log" | diag
fi
echo "1..$n"
[ $failed -eq 0 ]
