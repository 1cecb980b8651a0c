# SPDX-License-Identifier: MIT
#
# Helpers for the interop cases: TAP output, throwaway PKI, free ports,
# peers started in the background and always cleaned up.
#
# A case is a shell function registered with `case_add "NAME" FUNC [ARGS]`
# (the name may hold blanks; the arguments may not).
# It runs in a subshell with its own scratch dir $C; it returns 0 (pass),
# 1 (fail: its output becomes TAP diagnostics) or calls `skip REASON`.
# Servers it starts are killed when it ends, whatever happened.

SKIP_RC=77
CASES=()

case_add() {
	local name=$1
	shift
	if [ -n "${ONLY:-}" ] && ! grep -qE -- "$ONLY" <<<"$name"; then
		return 0
	fi
	CASES+=("$name|$*")
}

skip() {
	echo "$*" >"$C/skip-reason"
	exit "$SKIP_RC"
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# ---- throwaway PKI, made once per run in $PKI ----
# ca.pem signs: server (CN=localhost, SAN localhost), other (the same
# for other.example), expired (localhost, notAfter yesterday), client
# (CN=tlsk client), rsa-server (localhost, an RSA key; the others are
# ECDSA P-256). other-ca.pem signs
# nothing we present: verifying with it fails.
make_pki() {
	local d=$PKI
	mkdir -p "$d"
	gen_ca "$d/ca" "tlsk interop CA" &&
	gen_ca "$d/other-ca" "some other CA" &&
	gen_leaf "$d/server" localhost ca "subjectAltName=DNS:localhost
extendedKeyUsage=serverAuth" &&
	gen_leaf "$d/other" other.example ca "subjectAltName=DNS:other.example
extendedKeyUsage=serverAuth" &&
	gen_leaf "$d/client" "tlsk client" ca "extendedKeyUsage=clientAuth" &&
	KEYALG=rsa gen_leaf "$d/rsa-server" localhost ca \
		"subjectAltName=DNS:localhost
extendedKeyUsage=serverAuth" &&
	gen_leaf "$d/expired" localhost ca "subjectAltName=DNS:localhost
extendedKeyUsage=serverAuth" -1
}

gen_ca() {	# PREFIX CN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$1.key" -out "$1.pem" -days 2 \
		-subj "/CN=$2" 2>/dev/null
}

gen_leaf() {	# PREFIX CN CA EXTENSIONS [DAYS]
	local dir=${1%/*}
	printf '%s\nbasicConstraints=CA:FALSE\n' "$4" >"$1.ext"
	local key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
	[ "${KEYALG:-}" = rsa ] && key=(-newkey rsa:2048)
	openssl req "${key[@]}" -nodes \
		-keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null &&
	openssl x509 -req -in "$1.csr" -CA "$dir/$3.pem" \
		-CAkey "$dir/$3.key" -CAcreateserial -days "${5:-2}" \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

# ---- ports and peers ----
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Below the kernel's ephemeral range (32768 up), so no client socket of
# this or another test holds the port we pick.
pick_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000))
		port_busy "$p" || { echo "$p"; return 0; }
	done
	return 1
}

# start_server LOG READY_REGEX CMD...: runs CMD (with PORT set) in the
# background, its stdin held open, until READY_REGEX shows in LOG.
start_server() {
	local log=$1 ready=$2
	shift 2
	(sleep 600 | "$@" >"$log" 2>&1) &
	SERVER_PIDS+=("$!")
	for _ in $(seq 100); do
		grep -qE "$ready" "$log" 2>/dev/null && return 0
		grep -qiE 'in use|cannot listen' "$log" 2>/dev/null && break
		sleep 0.05
	done
	echo "server did not start: $*"
	cat "$log"
	return 1
}

stop_servers() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		pkill -P "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	done
	SERVER_PIDS=()
}

# on_free_port FUNC ARGS...: FUNC starts a server on $PORT; a port that
# turns out taken (a race with another process) is retried.
on_free_port() {
	for _ in 1 2 3 4 5; do
		PORT=$(pick_port) || fail "no free port"
		"$@" && return 0
		grep -qiE 'in use|cannot listen' "$C/server.log" || return 1
		stop_servers
	done
	return 1
}

openssl_server() {
	on_free_port start_openssl_server "$@"
}

gnutls_server() {
	on_free_port start_gnutls_server "$@"
}

tlsk_server() {
	on_free_port start_tlsk_server "$@"
}

start_openssl_server() {	# ARGS...: s_server with the server cert
	start_server "$C/server.log" '^ACCEPT' timeout 60 openssl s_server \
		-accept "127.0.0.1:$PORT" -cert "$PKI/server.pem" \
		-key "$PKI/server.key" "$@"
}

start_gnutls_server() {	# ARGS...: gnutls-serv with the server cert
	start_server "$C/server.log" 'listening on IPv4.*done' timeout 60 \
		gnutls-serv -p "$PORT" --x509certfile "$PKI/server.pem" \
		--x509keyfile "$PKI/server.key" "$@"
}

start_tlsk_server() {	# ARGS...: tlsk-server with the server cert
	start_server "$C/server.log" '^ACCEPT' timeout 60 \
		"$BIN/tlsk-server" -accept "127.0.0.1:$PORT" \
		-cert "$PKI/server.pem" -key "$PKI/server.key" \
		${ULP:+-ulp "$ULP"} "$@"
}

# tlsk_client INPUT ARGS...: connect to PORT, verify as localhost against
# our CA; stdout in $C/out, stderr (summary line) in $C/err, status in RC.
tlsk_client() {
	local input=$1
	shift
	printf '%b' "$input" | timeout 30 "$BIN/tlsk-client" \
		-connect "127.0.0.1:$PORT" -servername localhost \
		-CAfile "$PKI/ca.pem" -wait 300 ${ULP:+-ulp "$ULP"} "$@" \
		>"$C/out" 2>"$C/err"
	RC=$?
}

# With --ulp, every summary line a case produced must name that ULP.
check_ulp() {
	local bad
	if [ -z "$ULP" ] || [ -e "$C/mixed-ulps" ]; then
		return 0
	fi
	bad=$(cat "$C"/* 2>/dev/null | grep -ao 'ulp=[a-z]*' |
		grep -v "^ulp=$ULP\$" | sort -u)
	[ -z "$bad" ] || fail "record layer: want ulp=$ULP, saw $bad"
}

# Waits until the last server has logged REGEX (it may lag the client).
server_logged() {
	for _ in $(seq 40); do
		grep -qE "$1" "$C/server.log" && return 0
		sleep 0.05
	done
	return 1
}

expect_rc0() {
	[ "$RC" -eq 0 ] || { cat "$C/err" "$C/out"; fail "exit status $RC"; }
}

expect_in() {	# FILE REGEX
	grep -qE -- "$2" "$1" || { echo "--- $1:"; cat "$1"; \
		fail "no /$2/ in ${1##*/}"; }
}

# ---- the runner ----
run_cases() {
	local n=0 failed=0 entry name rc
	for entry in "${CASES[@]}"; do
		n=$((n + 1))
		name=${entry%%|*}
		# shellcheck disable=SC2086
		set -- ${entry#*|}
		C=$WORK/case-$n
		mkdir -p "$C"
		(
			SERVER_PIDS=()
			trap stop_servers EXIT
			"$@" && check_ulp
		) >"$C/log" 2>&1
		rc=$?
		case $rc in
		0) echo "ok $n $name" ;;
		"$SKIP_RC") echo "ok $n $name # SKIP $(cat "$C/skip-reason")" ;;
		*)
			echo "not ok $n $name"
			sed 's/^/# /' "$C/log"
			failed=$((failed + 1))
			;;
		esac
	done
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
