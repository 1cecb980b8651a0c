#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Two tlskd "machines" sharing TLS 1.3 ticket keys through one Redis
# (ticket-key-source = redis), with no ticket-key-file anywhere: a
# redis-server started here on loopback with a password, tlskd A and B
# (own sockets and configs, one fleet key), a tlsk-httpd in front of each.
#
#   openssl s_client -tls1_3 -sess_out --> httpd A --> tlskd A --\
#                                                                 redis
#   openssl s_client -tls1_3 -sess_in  --> httpd B --> tlskd B --/
#
# The set in Redis (one maker per key, wrapped values), tickets crossing
# before and after `tlskctl ticket-keys rotate`, who may rotate, entries
# altered or moved in Redis (not used, a warning), Redis stopped (both
# keep issuing and accepting, tlskctl says so) and back, keys dropped
# after session-lifetime.
#
# Environment: FLEET_EXPECT_ULP=tlsk|tls (the VM run: also check that
# the keys of both machines' resumed handshakes went to that kernel ULP).
set -u
bin=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$bin/tlskd-test-lib.sh"
require_tools
require_redis
dir=$(mktemp -d /tmp/tlskd-tkredis.XXXXXX)
base=$((20000 + ($$ + 4000) % 8000))
rport=$base porta=$((base + 1)) portb=$((base + 2))
pass=tk-test-$$
redis_pid= pid_a= pid_b= httpd_a= httpd_b= pid_c= httpd_c= proxy=

cleanup() {
	for p in $httpd_a $httpd_b $pid_a $pid_b $redis_pid $httpd_c $pid_c $proxy; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT

start_redis() {
	redis_start "$dir" "$rport" "$pass"
}
rcli() { redis-cli -p "$rport" -a "$pass" --no-auth-warning -n 3 "$@"; }

make_certs "$dir"
openssl rand -hex 32 >"$dir/fleet.key"
chmod 600 "$dir/fleet.key"
store="redis://:$pass@127.0.0.1:$rport/3"

conf() {	# NAME LIFETIME
	cat >"$dir/$1.conf" <<CONF
socket = $dir/$1.sock
socket-mode = 0666
log-level = debug
session-store = $store
fleet-key-file = $dir/fleet.key
ticket-key-source = redis
session-lifetime = $2
[profile web]
cert = srv.crt srv.key
CONF
	chmod 600 "$dir/$1.conf"
}

start_machine() {	# NAME: tlskd and tlsk-httpd
	if [ "$1" = a ]; then fleet_machine "$dir" a "$porta"
	else fleet_machine "$dir" "$1" "$portb"; fi
}

ctl() {	# NAME ARGS...: tlskctl against machine NAME
	local name=$1
	shift
	"$bin/tlskctl" --socket "$dir/$name.sock" "$@"
}
current() {	# NAME: the id of the key that seals there
	ctl "$1" ticket-keys 2>/dev/null | awk '$2 == "current" { print $1 }'
}
next_key() {
	ctl "$1" ticket-keys 2>/dev/null | awk '$2 == "next" { print $1 }'
}
# Both machines seal with the same fleet key (not a local one: those
# are never in Redis).
same_current() {
	local a b
	a=$(current a) b=$(current b)
	[ -n "$a" ] && [ "$a" = "$b" ] && rcli hexists tlsk:tk "$a" | grep -q 1
}

ticket() {	# FROM TO FILE: a ticket from FROM's machine, offered to TO's
	printf 'GET /ca.crt HTTP/1.0\r\n\r\n' |
		openssl s_client -connect "127.0.0.1:$1" -tls1_3 -ign_eof \
		-CAfile "$dir/ca.crt" -sess_out "$3" >/dev/null 2>&1
	offer "$2" "$3"
}
offer() {	# PORT FILE: resumes?
	openssl s_client -connect "127.0.0.1:$1" -tls1_3 \
		-CAfile "$dir/ca.crt" -sess_in "$2" </dev/null 2>/dev/null |
		grep -q "^Reused, TLS"
}
# The key name a ticket starts with (the 16 bytes the engine looks up).
ticket_key_id() {
	openssl sess_id -in "$1" -noout -text 2>/dev/null |
		sed -n '/TLS session ticket:/,/^ *$/p' | sed -n 's/^ *0000 - //p' |
		cut -c1-48 | tr -d ' -'
}

start_redis || { echo "1..0 # SKIP redis-server does not start"; exit 0; }
conf a 1h
conf b 1h
start_machine a && start_machine b ||
	{ echo "not ok 1 the two machines did not start"; diag "$dir"/*.log; exit 1; }

# The first key seals 5 s after it is made, so that both know it first.
wait_for rcli hlen tlsk:tk >/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do same_current && break; sleep 1; done
check "both machines seal with the same key from Redis" same_current
# once the first seals, the next is made (one lock round each)
both_next() { [ -n "$(next_key a)" ] && [ "$(next_key a)" = "$(next_key b)" ]; }
wait_for both_next
check "both machines have the next key before it seals" both_next
check "Redis holds exactly the current and the next key (one maker each)" \
	test "$(rcli hlen tlsk:tk)" = 2
made=$(cat "$dir/a.log" "$dir/b.log" | grep -c "ticket keys: made")
check "two lock rounds in all, one 'made' line each" test "$made" = 2
check "values in Redis are wrapped (93 bytes, not a 32-byte key)" \
	bash -c "[ \"\$(redis-cli -p $rport -a $pass --no-auth-warning -n 3 hstrlen tlsk:tk $(current a))\" = 93 ]"
check "tlskctl daemon: ticket keys from redis, up" \
	bash -c "'$bin/tlskctl' --socket '$dir/a.sock' daemon | grep -q 'ticket_keys_redis *redis up'"

check "TLS 1.3 ticket from A resumes on B (no ticket-key-file)" \
	ticket "$porta" "$portb" "$dir/t1.pem"
check "and from B on A" ticket "$portb" "$porta" "$dir/t2.pem"
tid=$(ticket_key_id "$dir/t1.pem")
check "the ticket is sealed with the fleet's current key ($tid)" \
	test -n "$tid" -a "$tid" = "$(current a)"

# Forced rotation on A: B follows within seconds (message or poll).
old=$(current a) nxt=$(next_key a)
ctl a ticket-keys rotate >"$dir/rot.out" 2>&1
check "tlskctl ticket-keys rotate on A" grep -q "requested" "$dir/rot.out"
wait_for test "$(current b)" = "$nxt"
check "B seals with the promoted key after A's rotation" \
	test -n "$nxt" -a "$(current b)" = "$nxt" -a "$(current a)" = "$nxt"
check "a new next key, known to both" \
	test -n "$(next_key b)" -a "$(next_key b)" = "$(next_key a)" -a \
	"$(next_key b)" != "$nxt"
check "Redis: the old, the current and the new next key" \
	test "$(rcli hlen tlsk:tk)" = 3
made=$(cat "$dir/a.log" "$dir/b.log" | grep -c "ticket keys: made")
check "one machine made the rotation's key ($made 'made' lines in all)" \
	test "$made" = 3
check "a ticket of the previous key still resumes on B" \
	offer "$portb" "$dir/t2.pem"
check "a new ticket from A resumes on B" ticket "$porta" "$portb" "$dir/t3.pem"
check "sealed with the new key" test "$(ticket_key_id "$dir/t3.pem")" = "$nxt"
ctl b ticket-keys >"$dir/list.out"
check "tlskctl ticket-keys: ids, states and ages only" \
	test -s "$dir/list.out" -a "$(grep -cvE '^([0-9a-f]{32} +(current|previous|next) +made [0-9]+s ago, (sealing since|seals in) -?[0-9]+s|source +redis|redis +up|rotation_s +3600)$' "$dir/list.out")" = 0
check "one current, one next, the fleet's three keys listed" \
	bash -c "[ \$(grep -c ' current ' '$dir/list.out') = 1 ] && [ \$(grep -c ' next ' '$dir/list.out') = 1 ] && [ \$(grep -cE '^($old|$nxt) ' '$dir/list.out') = 2 ]"
ctl b --json ticket-keys >"$dir/json.out"
check "tlskctl --json ticket-keys" \
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['source']=='redis' and len(d['keys'])>=3" "$dir/json.out"

# Rotating needs root or tlskd's own uid.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$dir"	# its secrets are 0600; the socket 0666
	setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$bin/tlskctl" --socket "$dir/a.sock" ticket-keys rotate \
		>"$dir/perm.out" 2>&1
	check "rotate as another uid: refused" \
		grep -q "needs root or tlskd's user" "$dir/perm.out"
	setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$bin/tlskctl" --socket "$dir/a.sock" ticket-keys >/dev/null 2>&1
	check "listing as another uid: allowed" test $? = 0
	check "and nothing rotated" test -n "$nxt" -a "$(current a)" = "$nxt"
else
	skip "rotate as another uid: refused" "not root"
	skip "listing as another uid: allowed" "not root"
	skip "and nothing rotated" "not root"
fi

# An altered value and a value moved to another field: not used.
python3 - "$rport" "$pass" "$(next_key a)" "$nxt" <<'PY'
import socket, sys
port, pw, nxt, cur = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def cmd(s, f, *a):
    out = b"*%d\r\n" % len(a)
    for x in a:
        x = x if isinstance(x, bytes) else x.encode()
        out += b"$%d\r\n%s\r\n" % (len(x), x)
    s.sendall(out)
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        return None if n < 0 else f.read(n + 2)[:-2]
    return line
s = socket.create_connection(("127.0.0.1", port)); f = s.makefile("rb")
cmd(s, f, "AUTH", pw); cmd(s, f, "SELECT", "3")
v = bytearray(cmd(s, f, "HGET", "tlsk:tk", nxt))
v[40] ^= 1
cmd(s, f, "HSET", "tlsk:tk", nxt, bytes(v))
good = cmd(s, f, "HGET", "tlsk:tk", cur)
cmd(s, f, "HSET", "tlsk:tk", "00" * 16, good)
PY
wait_for grep -q "do not open under the fleet key" "$dir/b.log"
check "entries altered or moved in Redis: a warning" \
	grep -q "do not open under the fleet key" "$dir/b.log"
ctl b ticket-keys >"$dir/list2.out"
check "the moved entry is not used" \
	bash -c "grep -q ' current ' '$dir/list2.out' && ! grep -q '^0\{32\}' '$dir/list2.out'"
check "one warning, whatever the polls" \
	test "$(grep -c 'do not open under the fleet key' "$dir/b.log")" = 1
check "tickets still cross" ticket "$porta" "$portb" "$dir/t4.pem"
check "both tlskd still up" kill -0 "$pid_a" "$pid_b"
rcli hdel tlsk:tk "$(printf '0%.0s' $(seq 32))" >/dev/null

# Redis stopped: both keep their keys, issue and accept tickets.
redis_stop
wait_for grep -q "ticket keys: Redis .* unreachable" "$dir/a.log"
wait_for grep -q "ticket keys: Redis .* unreachable" "$dir/b.log"
check "Redis down: one warning on A, keeping its keys" \
	test "$(grep -c "ticket keys: Redis .* unreachable; keeping the" "$dir/a.log")" = 1
ctl a daemon >"$dir/ctl.out" 2>&1
check "tlskctl daemon says so" \
	grep -q "ticket_keys_redis *redis down: keeping this machine's keys" "$dir/ctl.out"
check "Redis down: a ticket from A resumes on B" \
	ticket "$porta" "$portb" "$dir/t5.pem"
check "and from B on A" ticket "$portb" "$porta" "$dir/t6.pem"
ctl a ticket-keys rotate >"$dir/rot2.out" 2>&1
rc=$?
check "Redis down: rotate fails and says why" \
	bash -c "[ $rc = 1 ] && grep -q 'Redis is unreachable' '$dir/rot2.out'"
check "still one warning" \
	test "$(grep -c "ticket keys: Redis .* unreachable" "$dir/a.log")" = 1

# A "Redis" that accepts and never answers: each reconnect attempt waits
# its 1 s for PING's answer. Through those attempts the status still says
# down (not "connecting"), counting from the first failure.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); held = []
print("listening", flush=True)
while True: held.append(s.accept()[0])
' "$rport" >"$dir/silent.out" 2>&1 &
silent=$!
wait_for grep -q listening "$dir/silent.out"
: >"$dir/states"
for _ in $(seq 120); do
	ctl a daemon 2>/dev/null |
		awk '$1 == "ticket_keys_redis" { $1 = ""; s = $0 }
		     $1 == "ticket_keys_redis_down_s" { d = $2 }
		     END { print d, s }' >>"$dir/states"
	grep -q "no answer to connect" "$dir/a.log" && break
	sleep 0.1
done
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null
check "a reconnect that gets no answer: tried" \
	grep -q "no answer to connect" "$dir/a.log"
check "and the status says down all along, the time never going back" \
	awk '!/redis down: keeping/ { bad = 1 } $1 < last { bad = 1 }
	     { last = $1 } END { exit bad || NR == 0 }' "$dir/states"
grep -v "redis down: keeping" "$dir/states" | head -n 5 | diag

# Redis back, empty (no persistence): a new key is made, and seals on
# both once both have it.
start_redis
wait_for grep -q "ticket keys: Redis .* reachable again" "$dir/a.log"
check "Redis back: a notice" \
	grep -q "ticket keys: Redis .* reachable again" "$dir/a.log"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do same_current && break; sleep 1; done
check "Redis back (empty): a new fleet key seals on both" same_current
check "tickets cross again" ticket "$porta" "$portb" "$dir/t7.pem"

# Migration: A from a ticket-key-file to Redis keeps the file's keys,
# so tickets they sealed still resume there.
echo "$(openssl rand -hex 16) $(openssl rand -hex 32)" >"$dir/filekeys"
chmod 600 "$dir/filekeys"
sed -i 's/^ticket-key-source = redis$/ticket-key-file = '"${dir//\//\\/}"'\/filekeys/' "$dir/a.conf"
kill -HUP "$pid_a"
wait_for grep -q "configuration 2 loaded" "$dir/a.log"
ticket "$porta" "$porta" "$dir/t9.pem" >/dev/null
fileid=$(cut -c1-32 "$dir/filekeys")
check "with ticket-key-file: A seals with the file's key" \
	test "$(ticket_key_id "$dir/t9.pem")" = "$fileid"
conf a 1h
kill -HUP "$pid_a"
wait_for grep -q "configuration 3 loaded" "$dir/a.log"
check "back to Redis: a ticket of the file's key still resumes on A" \
	offer "$porta" "$dir/t9.pem"
wait_for same_current
check "and A seals with the fleet's key again" same_current

# session-lifetime: keys whose successor sealed for longer are dropped.
conf a 2s
conf b 2s
kill -HUP "$pid_a" "$pid_b"
wait_for grep -q "configuration 2 loaded" "$dir/b.log"
wait_for grep -q "configuration 4 loaded" "$dir/a.log"
ticket "$porta" "$porta" "$dir/t8.pem" >/dev/null
old=$(current a)
ctl b ticket-keys rotate >/dev/null 2>&1
wait_for test "$(current a)" != "$old"
sleep 3
gone() { ctl "$1" ticket-keys >"$dir/gone-$1.out"; [ -n "$old" ] && ! grep -q "^$old" "$dir/gone-$1.out"; }
wait_for gone a
check "A dropped the key older than session-lifetime" gone a
check "B too" gone b
check "a ticket of the dropped key does not resume on B" \
	bash -c "! openssl s_client -connect 127.0.0.1:$portb -tls1_3 -CAfile '$dir/ca.crt' -sess_in '$dir/t8.pem' </dev/null 2>/dev/null | grep -q '^Reused'"

# What --check-config says about settings that cannot work.
conf c 1h
grep -v '^session-store' "$dir/c.conf" >"$dir/d.conf"
"$bin/tlskd" --check-config "$dir/d.conf" >"$dir/d.out" 2>&1
check "ticket-key-source = redis without session-store: refused" \
	grep -q "ticket-key-source = redis needs session-store" "$dir/d.out"
echo "ticket-key-file = $dir/tk" >"$dir/d.conf"
cat "$dir/c.conf" >>"$dir/d.conf"
echo "$(openssl rand -hex 16) $(openssl rand -hex 32)" >"$dir/tk"
chmod 600 "$dir/tk" "$dir/d.conf"
"$bin/tlskd" --check-config "$dir/d.conf" >"$dir/d.out" 2>&1
check "ticket-key-source = redis with ticket-key-file: refused" \
	grep -q "ticket-key-source = redis and ticket-key-file exclude" "$dir/d.out"

stop_all() {
	kill "$httpd_a" "$httpd_b" "$pid_a" "$pid_b" 2>/dev/null
	wait "$httpd_a" "$httpd_b" "$pid_a" "$pid_b" 2>/dev/null
	httpd_a= httpd_b= pid_a= pid_b=
}

# A malformed message on the subscriber's connection (through a proxy
# in front of Redis that adds one after SUBSCRIBE): hiredis 0.14 asserts
# on it; tlskd C ends the subscriber, says why, keeps polling, stays up.
pport=$((base + 3)) portc=$((base + 4))
"$bin/tlskd-test-proxy" "$pport" "$rport" --inject-after SUBSCRIBE \
	--inject '*1\r\n$7\r\nmessage\r\n' >"$dir/proxy.out" 2>&1 &
proxy=$!
wait_for grep -q listening "$dir/proxy.out"
sed "s|^socket = .*|socket = $dir/c.sock|; s|127.0.0.1:$rport|127.0.0.1:$pport|" \
	"$dir/a.conf" >"$dir/c.conf"
chmod 600 "$dir/c.conf"
fleet_machine "$dir" c "$portc"
wait_for grep -q "ticket keys: subscriber: a malformed message" "$dir/c.log"
check "a malformed message to the subscriber: it ends, the log says why" \
	grep -q "ticket keys: subscriber: a malformed message from Redis; polling" \
	"$dir/c.log"
check "and tlskd C stays up, sealing with the fleet's key" \
	bash -c "kill -0 $pid_c && [ -n \"\$(\"$bin/tlskctl\" --socket '$dir/c.sock' ticket-keys 2>/dev/null | awk '\$2 == \"current\"')\" ]"
grep -q injected "$dir/proxy.out" || echo "# the proxy injected nothing"
kill "$httpd_c" "$pid_c" "$proxy" 2>/dev/null
wait "$httpd_c" "$pid_c" "$proxy" 2>/dev/null

stop_all
fleet_check_ulp "$dir"
check "no sanitizer report (SAN=1 builds)" \
	bash -c "! grep -l 'Sanitizer' '$dir'/*.log"
if [ "$failed" != 0 ]; then
	for f in a b; do echo "# --- $f.log"; tail -40 "$dir/$f.log" | diag; done
fi
echo "1..$n"
[ "$failed" = 0 ]
