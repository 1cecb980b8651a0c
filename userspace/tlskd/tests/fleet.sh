#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Two tlskd "machines" sharing TLS 1.2 sessions through one Redis
# (session-store): a redis-server started here on loopback with a
# password, tlskd A and B (own sockets and configs, same fleet key), a
# tlsk-httpd in front of each.
#
#   openssl s_client -tls1_2 -no_ticket --> httpd A --> tlskd A --\
#                    (-sess_out, then -sess_in)                     redis
#   openssl s_client -tls1_2 -no_ticket --> httpd B --> tlskd B --/
#
# Then what must not resume (another fleet key, an entry altered in
# Redis), and what must not break: Redis killed under load (tlsk-hsload,
# no failed handshake), Redis back (sessions cross again), a wrong
# password, a wrong db, a server answering garbage (clear log lines,
# tlskd up, handshakes complete).
#
# Environment: FLEET_EXPECT_ULP=tlsk|tls (the VM run: also check that
# the keys of both machines' resumed handshakes went to that kernel ULP),
# FLEET_STORE_TIMEOUT (session-store-timeout, default 1s: what must not
# resume here is told by the entry, never by a late answer, and a loaded
# CI machine can hold a lookup past 50 ms; the timeout itself is tested
# against a server that never answers GET, at the end).
set -u
bin=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$bin/tlskd-test-lib.sh"
require_tools
require_redis
dir=$(mktemp -d /tmp/tlskd-fleet.XXXXXX)
base=$((20000 + $$ % 8000))
rport=$base porta=$((base + 1)) portb=$((base + 2)) fport=$((base + 3))
sport=$((base + 4)) pport=$((base + 5))
pass=fleet-test-$$
redis_pid= pid_a= pid_b= httpd_a= httpd_b= fake_pid= mute_pid= split_pid=

cleanup() {
	for p in $httpd_a $httpd_b $pid_a $pid_b $redis_pid $fake_pid $mute_pid $split_pid; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

start_redis() { redis_start "$dir" "$rport" "$pass"; }
stop_redis() { redis_stop; }
rcli() { redis-cli -p "$rport" -a "$pass" --no-auth-warning "$@"; }

make_certs "$dir"
openssl rand -hex 32 >"$dir/fleet.key"
openssl rand -hex 32 >"$dir/other.key"
chmod 600 "$dir/fleet.key" "$dir/other.key"

# conf NAME STORE KEYFILE: tlskd.conf for machine NAME
conf() {
	cat >"$dir/$1.conf" <<CONF
socket = $dir/$1.sock
log-level = debug
session-store = $2
session-store-timeout = ${FLEET_STORE_TIMEOUT:-1s}
fleet-key-file = $3
[profile web]
cert = srv.crt srv.key
CONF
	chmod 600 "$dir/$1.conf"
}

start_machine() {	# NAME: tlskd and tlsk-httpd
	if [ "$1" = a ]; then fleet_machine "$dir" a "$porta"
	else fleet_machine "$dir" "$1" "$portb"; fi
}

stop_machine() {
	local name=$1 p h
	eval "p=\$pid_$name h=\$httpd_$name"
	kill "$h" "$p" 2>/dev/null
	wait "$h" "$p" 2>/dev/null
	eval "pid_$name= httpd_$name="
}

# session PORT in|out FILE: one TLS 1.2 handshake without tickets,
# printing s_client's verdict ("New" or "Reused")
session() {
	local flag=-sess_out
	[ "$2" = in ] && flag=-sess_in
	openssl s_client -connect "127.0.0.1:$1" -tls1_2 -no_ticket \
		-CAfile "$dir/ca.crt" $flag "$3" </dev/null 2>/dev/null |
		sed -n 's/^\(New\|Reused\), TLS.*/\1/p' | head -1
}

entries() { rcli -n 3 --scan --pattern 'tlsk:s:*' | wc -l; }

# store_up NAME: tlskctl says NAME's session store is up. A machine
# connects to Redis after its socket is there; a lookup before that is
# a miss.
store_up() {
	TLSK_SOCKET=$dir/$1.sock "$bin/tlskctl" daemon 2>/dev/null |
		grep -q "session_store.*up"
}

more_entries() { test "$(entries)" -gt "$1"; }

# cross [FROM TO]: a session made on machine FROM (a) resumes on TO (b).
# FROM stores the session after its last flight has gone out, so the
# test waits for the entry before asking TO: s_client may be faster.
cross() {
	local from=${1:-a} to=${2:-b} before pf pt

	eval "pf=\$port$from pt=\$port$to"
	wait_for store_up "$from" && wait_for store_up "$to" || return 1
	before=$(entries)
	session "$pf" out "$dir/s-$from.pem" >/dev/null &&
		wait_for more_entries "$before" &&
		test "$(session "$pt" in "$dir/s-$from.pem")" = Reused
}

start_redis || { echo "1..0 # SKIP redis-server does not start"; exit 0; }
store="redis://:$pass@127.0.0.1:$rport/3"
conf a "$store" "$dir/fleet.key"
conf b "$store" "$dir/fleet.key"
start_machine a && start_machine b ||
	{ echo "not ok 1 the two machines did not start"; diag "$dir"/*.log; exit 1; }
wait_for grep -q "session store redis://127.0.0.1:$rport/3: connected" \
	"$dir/a.log"
check "A connects to Redis (log names no password)" \
	grep -q "session store redis://127.0.0.1:$rport/3: connected" "$dir/a.log"
check "no password in the logs" bash -c "! grep -q '$pass' '$dir'/a.log '$dir'/b.log"

TLSK_SOCKET=$dir/a.sock "$bin/tlskctl" daemon >"$dir/ctl.out" 2>&1
check "tlskctl daemon: session store up" grep -q "session_store.*up" "$dir/ctl.out"
check "TLS 1.2 session from A resumes on B" cross
check "and from B on A" cross b a
keys=$(rcli -n 3 --scan --pattern 'tlsk:s:*' | wc -l)
check "entries in Redis db 3 under hashed names" test "$keys" -ge 2
sid=$(openssl sess_id -in "$dir/s-a.pem" -noout -text 2>/dev/null |
	sed -n 's/ *Session-ID: *//p' | tr 'A-F' 'a-f')
no_plain_id() { [ -n "$sid" ] && ! rcli -n 3 --scan | grep -qi "$sid"; }
check "no plaintext session ID in Redis names" no_plain_id
ttl=$(rcli -n 3 --scan --pattern 'tlsk:s:*' | head -1 | xargs -r -I{} \
	redis-cli -p "$rport" -a "$pass" --no-auth-warning -n 3 pttl {})
check "entries expire with session-lifetime (TTL <= 2 h)" \
	test "${ttl:-0}" -gt 0 -a "${ttl:-0}" -le 7200000

# A stores a session before its last flight goes out: tlskd A's write
# of the SET comes before its send of ChangeCipherSpec and Finished, so
# a client reconnecting anywhere the moment its handshake is over finds
# the entry (strace attached to A; the daemon does it in one thread).
set_first() {
	local st=$dir/a.strace sp set ccs

	command -v strace >/dev/null || { echo "# strace missing"; return 1; }
	strace -p "$pid_a" -f -o "$st" -e trace=write,sendto,sendmsg \
		-e signal=none -s 48 -x 2>"$dir/strace.err" &
	sp=$!
	wait_for grep -q attached "$dir/strace.err"
	session "$porta" out "$dir/o.pem" >/dev/null
	sleep 0.3
	kill "$sp"; wait "$sp" 2>/dev/null
	set=$(grep -n 'SET\\r\\n\$[0-9]*\\r\\ntlsk:s:' "$st" | head -1 | cut -d: -f1)
	ccs=$(grep -n '\\x14\\x03\\x03\\x00\\x01\\x01' "$st" | head -1 |
	      cut -d: -f1)
	[ -n "$set" ] && [ -n "$ccs" ] && [ "$set" -lt "$ccs" ] ||
		{ echo "# SET at line ${set:-none}, CCS at line ${ccs:-none}"
		  grep -n 'SET\|x14\\x03\\x03' "$st" | diag; return 1; }
}
check "A's SET leaves before its Finished" set_first

# A ClientHello that comes in pieces (a proxy in front of B sends 3
# bytes, 60 more, then the rest, 200 ms apart): B waits for it before its
# engine reads, and still looks the session up.
"$bin/tlskd-test-proxy" "$pport" "$portb" --split 3,63 >"$dir/split.log" 2>&1 &
split_pid=$!
wait_for grep -q listening "$dir/split.log"
split_hello() {
	local before

	before=$(entries)
	session "$porta" out "$dir/p.pem" >/dev/null &&
		wait_for more_entries "$before" &&
		test "$(session "$pport" in "$dir/p.pem")" = Reused
}
check "a ClientHello in pieces: B still looks it up, and resumes" \
	split_hello
kill "$split_pid" 2>/dev/null; wait "$split_pid" 2>/dev/null; split_pid=

# TLS 1.3: tickets cross through a shared ticket-key-file, next to the
# session store (ticket keys from Redis are not implemented).
echo "$(openssl rand -hex 16) $(openssl rand -hex 32)" >"$dir/tickets"
chmod 600 "$dir/tickets"
stop_machine a
stop_machine b
for m in a b; do
	conf "$m" "$store" "$dir/fleet.key"
	echo "ticket-key-file = $dir/tickets" >>"$dir/$m.conf"
	# the global key must come before the profile
	sed -i "/^\[profile web\]/d; /^cert = /d" "$dir/$m.conf"
	printf '[profile web]\ncert = srv.crt srv.key\n' >>"$dir/$m.conf"
done
start_machine a && start_machine b
ticket13() {	# a request, so the ticket has arrived when it ends
	printf 'GET /ca.crt HTTP/1.0\r\n\r\n' |
		openssl s_client -connect "127.0.0.1:$porta" -tls1_3 -ign_eof \
		-CAfile "$dir/ca.crt" -sess_out "$dir/t13.pem" >/dev/null 2>&1
	openssl s_client -connect "127.0.0.1:$portb" -tls1_3 \
		-CAfile "$dir/ca.crt" -sess_in "$dir/t13.pem" </dev/null \
		2>/dev/null | grep -q "^Reused, TLS"
}
check "TLS 1.3 ticket from A resumes on B (shared ticket-key-file)" ticket13
check "and TLS 1.2 session IDs still cross" cross

# An altered entry: every value in Redis gets a flipped byte, once A's
# entry for this session is there.
before=$(entries)
session "$porta" out "$dir/t.pem" >/dev/null
wait_for more_entries "$before"
for k in $(rcli -n 3 --scan --pattern 'tlsk:s:*'); do
	python3 - "$rport" "$pass" "$k" <<'PY'
import socket, sys
port, pw, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def cmd(s, *a):
    out = b"*%d\r\n" % len(a)
    for x in a:
        x = x if isinstance(x, bytes) else x.encode()
        out += b"$%d\r\n%s\r\n" % (len(x), x)
    s.sendall(out)
def reply(f):
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        return None if n < 0 else f.read(n + 2)[:-2]
    return line
s = socket.create_connection(("127.0.0.1", port)); f = s.makefile("rb")
cmd(s, "AUTH", pw); reply(f); cmd(s, "SELECT", "3"); reply(f)
cmd(s, "GET", key); v = bytearray(reply(f))
v[len(v) // 2] ^= 1
cmd(s, "SET", key, bytes(v), "KEEPTTL"); reply(f)
PY
done
check "an entry altered in Redis does not resume" \
	test "$(session "$portb" in "$dir/t.pem")" = New
check "B says why (debug)" grep -q "does not open" "$dir/b.log"

# Another fleet key: B's lookups do not open A's entries.
stop_machine b
conf b "$store" "$dir/other.key"
start_machine b
session "$porta" out "$dir/u.pem" >/dev/null
check "another fleet key: no resumption" \
	test "$(session "$portb" in "$dir/u.pem")" = New
stop_machine b
conf b "$store" "$dir/fleet.key"
start_machine b
check "same key again: resumes" cross

# fleet-key-file open to others is refused.
chmod 644 "$dir/other.key"
conf c "$store" "$dir/other.key"
"$bin/tlskd" --check-config "$dir/c.conf" >"$dir/c.out" 2>&1
check "fleet-key-file mode 0644 refused" grep -q "too open" "$dir/c.out"
printf 'abcd\n' >"$dir/short.key"; chmod 600 "$dir/short.key"
conf c "$store" "$dir/short.key"
"$bin/tlskd" --check-config "$dir/c.conf" >"$dir/c.out" 2>&1
check "a malformed fleet key is refused" grep -q "64 hex digits" "$dir/c.out"
conf c "redis://127.0.0.1" "$dir/fleet.key"
"$bin/tlskd" --check-config "$dir/c.conf" >"$dir/c.out" 2>&1
check "session-store without a port is refused" \
	grep -q "session-store: expected host:port" "$dir/c.out"
grep -v fleet-key-file "$dir/a.conf" >"$dir/c.conf"
"$bin/tlskd" --check-config "$dir/c.conf" >"$dir/c.out" 2>&1
check "session-store without fleet-key-file is refused" \
	grep -q "session-store needs fleet-key-file" "$dir/c.out"
conf c "redis://localhost:$rport" "$dir/fleet.key"
"$bin/tlskd" --check-config "$dir/c.conf" >"$dir/c.out" 2>&1
check "a host name in session-store: a warning to give an address" \
	grep -q "'localhost' is a name" "$dir/c.out"
grep -v fleet-key-file "$dir/a.conf" >"$dir/c.conf"
chmod 644 "$dir/c.conf"
"$bin/tlskd" --check-config "$dir/c.conf" >"$dir/c.out" 2>&1
check "a password in a config open to others: a warning" \
	grep -q "holds a password and .* is readable by others" "$dir/c.out"

# Redis killed under load: every handshake completes.
# tlsk-hsload: TLS 1.2 (session IDs, no tickets), each client resuming
# its own session; Redis is killed in the middle.
load() {	# PORT
	"$bin/tlsk-hsload" --port "$1" --tls 1.2 --resumed --conns 4 \
		--seconds 4 --warmup 0 --server-pid "$pid_a" \
		--server-pid "$pid_b"
}
load "$porta" >"$dir/load-a.out" 2>"$dir/load-a.err" &
la=$!
load "$portb" >"$dir/load-b.out" 2>"$dir/load-b.err" &
lb=$!
sleep 1.5
stop_redis
wait "$la"; rca=$?
wait "$lb"; rcb=$?
loaded() {	# OUT RC: no failure, every handshake after a client's first resumed
	[ "$2" = 0 ] && grep -q " failed=0 " "$1" &&
		grep -q " not_resumed=0 " "$1" && ! grep -q " handshakes=0 " "$1"
}
check "Redis killed under load: no failed handshake on A ($(sed -n 's/.*\(handshakes=[0-9]*\).*\(p99_us=[0-9]*\).*/\1 \2/p' "$dir/load-a.out"))" \
	loaded "$dir/load-a.out" "$rca"
check "Redis killed under load: no failed handshake on B ($(sed -n 's/.*\(handshakes=[0-9]*\).*\(p99_us=[0-9]*\).*/\1 \2/p' "$dir/load-b.out"))" \
	loaded "$dir/load-b.out" "$rcb"
check "the loss is one warning" \
	test "$(grep -c 'session store .*cache only' "$dir/a.log")" = 1
session "$porta" out "$dir/v.pem" >/dev/null
check "without Redis: local resumption on A" \
	test "$(session "$porta" in "$dir/v.pem")" = Reused
check "without Redis: B does a full handshake" \
	test "$(session "$portb" in "$dir/v.pem")" = New
kill -0 "$pid_a" 2>/dev/null && kill -0 "$pid_b" 2>/dev/null
check "both tlskd still up" test $? = 0
TLSK_SOCKET=$dir/a.sock "$bin/tlskctl" daemon >"$dir/ctl.out" 2>&1
check "tlskctl daemon: session store down, this machine's cache only" \
	grep -q "session_store.*down: resuming from this machine's cache only" \
	"$dir/ctl.out"

start_redis
wait_for grep -q "reachable again" "$dir/a.log"
wait_for grep -q "reachable again" "$dir/b.log"
check "Redis back: said once" \
	test "$(grep -c 'reachable again' "$dir/a.log")" = 1
check "Redis back: sessions cross again" cross

# Wrong password, wrong db, garbage: clear errors, handshakes complete.
stop_machine b
conf b "redis://:wrong@127.0.0.1:$rport/3" "$dir/fleet.key"
start_machine b
wait_for grep -q "AUTH refused" "$dir/b.log"
check "wrong password: the log says AUTH refused" \
	grep -q "AUTH refused: .*WRONGPASS\|AUTH refused: .*invalid" "$dir/b.log"
check "wrong password: handshakes still complete" \
	test "$(session "$portb" out "$dir/w.pem")" = New
stop_machine b
mv "$dir/b.log" "$dir/b-$n.log"
conf b "redis://:$pass@127.0.0.1:$rport/99999" "$dir/fleet.key"
start_machine b
wait_for grep -q "SELECT refused" "$dir/b.log"
check "wrong db: the log says SELECT refused" \
	grep -q "SELECT refused: .*DB index" "$dir/b.log"
check "wrong db: handshakes still complete" \
	test "$(session "$portb" out "$dir/w.pem")" = New
stop_machine b
mv "$dir/b.log" "$dir/b-$n.log"
python3 - "$fport" >"$dir/fake.log" 2>&1 <<'PY' &
import os, socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
replies = [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"$-5\r\n", b"*2\r\n:1\r\n",
           b"+PONG\r\n+PONG\r\n" + os.urandom(64), b"$99999999999\r\n"]
i = 0
while True:
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(replies[i % len(replies)]); i += 1
    threading.Timer(3, c.close).start()
PY
fake_pid=$!
wait_for quietly python3 -c "import socket; socket.create_connection(('127.0.0.1', $fport))"
conf b "redis://:$pass@127.0.0.1:$fport" "$dir/fleet.key"
start_machine b
sleep 2
check "garbage from the server: a clear line in the log" \
	grep -q "session store redis://127.0.0.1:$fport/0: \(PING answered\|AUTH refused\|connection lost\|no answer\)" "$dir/b.log"
check "garbage: handshakes still complete" \
	test "$(session "$portb" out "$dir/w.pem")" = New
check "garbage: tlskd B still up" kill -0 "$pid_b"
check "garbage: one warning, whatever the retries" \
	test "$(grep -c 'cache only' "$dir/b.log")" = 1

# Fake stores on $sport, as MODE says: they answer AUTH, SELECT and
# PING, then: mute, never GET or SET; extra, one more "+OK" that no
# command asked for (hiredis 0.14 asserts on one); flood, a 1 GB bulk
# header and 1 MiB of it, unasked.
cat >"$dir/fake_store.py" <<'PY'
import socket, sys, threading, time
mode = sys.argv[2]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
def serve(c):
    buf = b""
    while True:
        d = c.recv(4096)
        if not d:
            return
        buf += d
        while True:	# one RESP array of bulk strings at a time
            try:
                head, rest = buf.split(b"\r\n", 1)
                args = []
                for _ in range(int(head[1:])):
                    ln, rest = rest.split(b"\r\n", 1)
                    k = int(ln[1:])
                    if len(rest) < k + 2:
                        raise ValueError
                    args.append(rest[:k]); rest = rest[k + 2:]
            except ValueError:
                break
            buf = rest
            verb = args[0].upper() if args else b""
            print(verb.decode(), flush=True)
            if verb in (b"AUTH", b"SELECT", b"HELLO", b"CLIENT"):
                c.sendall(b"+OK\r\n")
            elif verb == b"PING":
                c.sendall(b"+PONG\r\n")
                time.sleep(0.3)
                if mode == "extra":
                    c.sendall(b"+OK\r\n")
                elif mode == "flood":
                    c.sendall(b"$1000000000\r\n")
                    try:
                        for _ in range(64):
                            c.sendall(b"A" * 16384)
                    except OSError:
                        return
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
fake_store() {	# MODE: B on a fake store
	stop_machine b
	mv "$dir/b.log" "$dir/b-$n.log"
	[ -n "$mute_pid" ] && { kill "$mute_pid"; wait "$mute_pid"; } 2>/dev/null
	python3 "$dir/fake_store.py" "$sport" "$1" >"$dir/fake-$1.log" 2>&1 &
	mute_pid=$!
	wait_for quietly python3 -c "import socket; socket.create_connection(('127.0.0.1', $sport))"
	conf b "redis://:$pass@127.0.0.1:$sport" "$dir/fleet.key"
	sed -i 's/^session-store-timeout = .*/session-store-timeout = 300ms/' \
		"$dir/b.conf"
	start_machine b
}

# mute: each lookup is a miss at session-store-timeout and the handshake
# goes on; with nothing answered for 2 s, the store is dropped.
fake_store mute
wait_for store_up b
check "a store that never answers GET: the handshake completes" \
	test "$(session "$portb" in "$dir/s-a.pem")" = New
check "and the lookup ends at session-store-timeout as a miss" \
	grep -q "no answer from the session store within 300 ms: a miss" \
	"$dir/b.log"
wait_for grep -q "no reply for 2 s" "$dir/b.log"
check "nothing answered for 2 s: the store is dropped, said once" \
	test "$(grep -c 'no reply for 2 s' "$dir/b.log")" = 1
check "a store that never answers: tlskd B still up" kill -0 "$pid_b"

# extra, flood: tlskd ends the connection, says why, and stays up.
fake_store extra
wait_for grep -q "a reply to no command" "$dir/b.log"
check "a reply no command asked for: the connection ends, the log says so" \
	grep -q "session store redis://127.0.0.1:$sport/0: a reply to no command" \
	"$dir/b.log"
check "a reply no command asked for: tlskd B still up, handshakes complete" \
	test "$(session "$portb" out "$dir/w.pem")" = New
fake_store flood
wait_for grep -q "a reply of over 512 KiB" "$dir/b.log"
check "an unasked 1 GB reply: the connection ends at 512 KiB, the log says so" \
	grep -q "session store redis://127.0.0.1:$sport/0: a reply of over 512 KiB" \
	"$dir/b.log"
check "an unasked 1 GB reply: tlskd B still up, handshakes complete" \
	test "$(session "$portb" out "$dir/w.pem")" = New
cp "$dir/b.log" "$dir/b-last.log"
stop_machine a
stop_machine b
fleet_check_ulp "$dir"
check "no sanitizer report (SAN=1 builds)" \
	bash -c "! grep -l 'Sanitizer' '$dir'/*.log"
if [ "$failed" != 0 ]; then
	for f in a b-last; do echo "# --- $f.log"; tail -30 "$dir/$f.log" | diag; done
fi
echo "1..$n"
[ "$failed" = 0 ]
