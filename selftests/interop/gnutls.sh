# SPDX-License-Identifier: MIT
#
# GnuTLS both ways: tlsk-client -> gnutls-serv --echo, and
# gnutls-cli -> tlsk-server -www.

TLS13_ONLY='NORMAL:-VERS-ALL:+VERS-TLS1.3'

# GnuTLS priority names of our TLS 1.3 suites.
gnutls_cipher() {
	case $1 in
	TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
	TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
	TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
	TLS_AES_128_CCM_SHA256) echo AES-128-CCM ;;
	esac
}

# gnutls_client INPUT ARGS...: gnutls-cli to 127.0.0.1, SNI and name
# check for localhost against our CA.
gnutls_client() {
	local input=$1
	shift
	printf '%b' "$input" | timeout 30 gnutls-cli -p "$PORT" \
		--x509cafile "$PKI/ca.pem" --sni-hostname localhost \
		--verify-hostname localhost "$@" 127.0.0.1 \
		>"$C/out" 2>"$C/err"
	RC=$?
}

gnu_c_suite() {	# SUITE
	gnutls_server --echo \
		--priority "$TLS13_ONLY:-CIPHER-ALL:+$(gnutls_cipher "$1")" ||
		return 1
	tlsk_client 'hello gnutls\n' -ciphersuites "$1"
	expect_rc0
	expect_in "$C/out" '^hello gnutls$'
	expect_in "$C/err" "suite=$1 "
}

gnu_c_group() {	# OPENSSL_NAME RFC_NAME GNUTLS_NAME
	gnutls_server --echo --priority "$TLS13_ONLY:-GROUP-ALL:+GROUP-$3" ||
		return 1
	tlsk_client 'ping\n' -groups x25519:P-256:P-384
	expect_rc0
	expect_in "$C/out" '^ping$'
	expect_in "$C/err" "group=$2 "
}

# Application data both ways, many records: 300 KB out, echoed back.
gnu_c_bulk() {
	gnutls_server --echo || return 1
	head -c 225000 /dev/urandom | base64 -w 1000 >"$C/bulk"
	timeout 60 "$BIN/tlsk-client" -connect "127.0.0.1:$PORT" \
		-servername localhost -CAfile "$PKI/ca.pem" -wait 2000 \
		<"$C/bulk" >"$C/out" 2>"$C/err"
	RC=$?
	expect_rc0
	cmp -s "$C/bulk" "$C/out" ||
		fail "echo differs: $(wc -c <"$C/out") of $(wc -c <"$C/bulk") bytes"
}

gnu_c_resume() {
	gnutls_server --echo || return 1
	tlsk_client 'one\n' -sess_out "$C/sess"
	expect_rc0
	tlsk_client 'two\n' -sess_in "$C/sess"
	expect_rc0
	expect_in "$C/out" '^two$'
	expect_in "$C/err" 'resumed=yes '
}

gnu_c_client_cert() {
	gnutls_server --echo --require-client-cert --verify-client-cert \
		--x509cafile "$PKI/ca.pem" || return 1
	tlsk_client 'ping\n' -cert "$PKI/client.pem" -key "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" '^ping$'
}

gnu_c_alpn() {
	gnutls_server --echo --alpn h2 --alpn-fatal || return 1
	tlsk_client 'x\n' -alpn h2,http/1.1
	expect_rc0
	expect_in "$C/err" 'alpn=h2 '
}

# Our first key share is x25519; a P-384-only server must ask again.
gnu_c_hrr() {
	gnutls_server --echo --priority "$TLS13_ONLY:-GROUP-ALL:+GROUP-SECP384R1" ||
		return 1
	tlsk_client 'ping\n' -groups x25519:P-384
	expect_rc0
	expect_in "$C/out" '^ping$'
	expect_in "$C/err" 'group=secp384r1 '
}

gnu_c_unknown_ca() {
	gnutls_server --echo || return 1
	tlsk_client 'x\n' -CAfile "$PKI/other-ca.pem"
	[ "$RC" -ne 0 ] || fail "accepted a server from an unknown CA"
	expect_in "$C/err" 'alert 48 unknown_ca sent'
}

gnu_s_suite() {	# SUITE
	tlsk_server -www || return 1
	gnutls_client "$GET" \
		--priority "$TLS13_ONLY:-CIPHER-ALL:+$(gnutls_cipher "$1")"
	expect_rc0
	expect_in "$C/out" "suite=$1 "
}

gnu_s_group() {	# OPENSSL_NAME RFC_NAME GNUTLS_NAME
	tlsk_server -www || return 1
	gnutls_client "$GET" --priority "$TLS13_ONLY:-GROUP-ALL:+GROUP-$3"
	expect_rc0
	expect_in "$C/out" "group=$2 "
}

# GnuTLS sends its first group's share; a server that only takes P-384
# asks again.
gnu_s_hrr() {
	tlsk_server -www -groups P-384 || return 1
	gnutls_client "$GET" \
		--priority "$TLS13_ONLY:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP384R1"
	expect_rc0
	expect_in "$C/out" 'group=secp384r1 '
}

TLS12_ONLY='NORMAL:-VERS-ALL:+VERS-TLS1.2'

# GnuTLS priority names of a TLS 1.2 suite's AEAD and authentication
gnutls12_priority() {	# OPENSSL_CIPHER
	local c
	case $1 in
	*AES128-GCM*) c=AES-128-GCM ;;
	*AES256-GCM*) c=AES-256-GCM ;;
	*CHACHA20*) c=CHACHA20-POLY1305 ;;
	esac
	case $1 in
	ECDHE-RSA-*) echo "$TLS12_ONLY:-CIPHER-ALL:+$c:-KX-ALL:+ECDHE-RSA" ;;
	*) echo "$TLS12_ONLY:-CIPHER-ALL:+$c:-KX-ALL:+ECDHE-ECDSA" ;;
	esac
}

gnu_s_tls12() {	# CIPHER
	need_tls12 server
	# shellcheck disable=SC2046
	tlsk_server -www $(cert_for "$1") -cipher "$1" || return 1
	gnutls_client "$GET" --priority "$(gnutls12_priority "$1")"
	expect_rc0
	expect_in "$C/out" 'Description: \(TLS1.2-X.509\)'
	expect_in "$C/out" 'Options: extended master secret, safe renegotiation'
	expect_in "$C/out" 'version=TLSv1.2 '
	expect_in "$C/out" 'HTTP/1.0 200'
}

# gnutls-serv with an ECDSA and an RSA certificate
gnu_c_tls12() {	# CIPHER
	need_tls12 client
	gnutls_server --echo --x509certfile "$PKI/rsa-server.pem" \
		--x509keyfile "$PKI/rsa-server.key" \
		--priority "$(gnutls12_priority "$1")" || return 1
	tlsk_client 'hello gnutls\n' -cipher "$1"
	expect_rc0
	expect_in "$C/out" '^hello gnutls$'
	expect_in "$C/err" 'version=TLSv1.2 '
}

# gnutls-serv logs "*** This is a resumed session" on its side
gnu_c_tls12_resume() {	# [%NO_TICKETS]
	need_tls12 client
	gnutls_server --echo --priority "$TLS12_ONLY$1" || return 1
	tlsk_client 'one\n' -sess_out "$C/sess"
	expect_rc0
	expect_in "$C/err" 'version=TLSv1.2 .*resumed=no '
	tlsk_client 'two\n' -sess_in "$C/sess"
	expect_rc0
	expect_in "$C/out" '^two$'
	expect_in "$C/err" 'version=TLSv1.2 .*resumed=yes '
	server_logged 'This is a resumed session' ||
		{ cat "$C/server.log"; fail "gnutls-serv did not resume"; }
}

gnu_s_tls12_client_cert() {
	need_tls12 server
	tlsk_server -www -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	gnutls_client "$GET" --priority "$TLS12_ONLY" \
		--x509certfile "$PKI/client.pem" --x509keyfile "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" 'version=TLSv1.2 .*peer=.*tlsk client'
}

gnu_c_tls12_client_cert() {
	need_tls12 client
	gnutls_server --echo --require-client-cert --verify-client-cert \
		--x509cafile "$PKI/ca.pem" --priority "$TLS12_ONLY" || return 1
	tlsk_client 'ping\n' -cert "$PKI/client.pem" -key "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" '^ping$'
	expect_in "$C/err" 'version=TLSv1.2 '
}

# GnuTLS requires EMS for TLS 1.2 resumption too (and shows both)
gnu_s_tls12_resume() {	# [%NO_TICKETS]
	need_tls12 server
	tlsk_server -www || return 1
	gnutls_client "$GET" --resume --priority "$TLS12_ONLY$1"
	expect_rc0
	expect_in "$C/out" 'This is a resumed session'
	expect_in "$C/out" 'version=TLSv1.2 .*resumed=yes '
}

# RSA key transport with GnuTLS's KX "RSA" both ways (profile opt-in
# -rsa_kx); GnuTLS reports the key exchange in its session description
gnutls12_rsa_kx_priority() {	# OPENSSL_CIPHER
	local c=AES-128-GCM
	case $1 in AES256-GCM*) c=AES-256-GCM ;; esac
	echo "$TLS12_ONLY:-CIPHER-ALL:+$c:-KX-ALL:+RSA"
}

gnu_s_tls12_rsa_kx() {	# CIPHER
	need_tls12 server
	tlsk_server -www -cert "$PKI/rsa-server.pem" \
		-key "$PKI/rsa-server.key" -rsa_kx || return 1
	gnutls_client "$GET" --priority "$(gnutls12_rsa_kx_priority "$1")"
	expect_rc0
	expect_in "$C/out" 'Description: \(TLS1.2-X.509\)-\(RSA\)'
	expect_in "$C/out" 'Options: extended master secret, safe renegotiation'
	expect_in "$C/out" "version=TLSv1.2 suite=$(rsa_kx_iana "$1") "
	expect_in "$C/out" 'HTTP/1.0 200'
}

gnu_c_tls12_rsa_kx() {	# CIPHER
	need_tls12 client
	gnutls_server --echo --x509certfile "$PKI/rsa-server.pem" \
		--x509keyfile "$PKI/rsa-server.key" \
		--priority "$(gnutls12_rsa_kx_priority "$1")" || return 1
	tlsk_client 'hello gnutls\n' -rsa_kx -cipher "$1"
	expect_rc0
	expect_in "$C/out" '^hello gnutls$'
	expect_in "$C/err" "version=TLSv1.2 suite=$(rsa_kx_iana "$1") group=- "
}

# without the opt-in our server refuses an RSA-kx-only gnutls-cli
gnu_s_tls12_rsa_kx_not_enabled() {
	need_tls12 server
	tlsk_server -www -cert "$PKI/rsa-server.pem" \
		-key "$PKI/rsa-server.key" || return 1
	gnutls_client "$GET" \
		--priority "$(gnutls12_rsa_kx_priority AES128-GCM-SHA256)"
	[ "$RC" -ne 0 ] || fail "handshake without a common suite"
	server_logged 'handshake_failure' ||
		{ cat "$C/server.log"; fail "server sent no handshake_failure"; }
}

# RFC 7627: GnuTLS without EMS (%NO_SESSION_HASH). By default a full
# handshake, its session never resumed (gnutls-cli --resume connects
# twice, both full); with -require_ems, handshake_failure.
NO_EMS="$TLS12_ONLY:%NO_SESSION_HASH"

gnu_s_tls12_no_ems() {
	need_tls12 server
	tlsk_server -www || return 1
	gnutls_client "$GET" --resume --priority "$NO_EMS"
	expect_rc0
	expect_in "$C/out" 'version=TLSv1.2 .*resumed=no ems=no '
	! grep -q 'This is a resumed session' "$C/out" ||
		fail "a session without EMS was resumed"
	server_logged 'ems=no' || fail "server did not report ems=no"
}

gnu_s_tls12_no_ems_required() {
	need_tls12 server
	tlsk_server -www -require_ems || return 1
	gnutls_client "$GET" --priority "$NO_EMS"
	[ "$RC" -ne 0 ] || fail "handshake without EMS under -require_ems"
	server_logged 'handshake_failure' ||
		{ cat "$C/server.log"; fail "server sent no handshake_failure"; }
}

gnu_c_tls12_no_ems() {
	need_tls12 client
	gnutls_server --echo --priority "$NO_EMS" || return 1
	tlsk_client 'one\n' -sess_out "$C/sess"
	expect_rc0
	expect_in "$C/out" '^one$'
	expect_in "$C/err" 'version=TLSv1.2 .*resumed=no ems=no '
	[ ! -s "$C/sess" ] || fail "kept a session without EMS"
}

gnu_c_tls12_no_ems_required() {
	need_tls12 client
	gnutls_server --echo --priority "$NO_EMS" || return 1
	tlsk_client 'one\n' -require_ems
	[ "$RC" -ne 0 ] || fail "handshake without EMS under -require_ems"
	expect_in "$C/err" 'handshake_failure sent'
}

gnu_s_resume() {
	tlsk_server -www || return 1
	gnutls_client "$GET" --resume
	expect_rc0
	expect_in "$C/out" 'This is a resumed session'
	expect_in "$C/out" 'resumed=yes '
}

gnu_s_client_cert() {
	tlsk_server -www -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	gnutls_client "$GET" --x509certfile "$PKI/client.pem" \
		--x509keyfile "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" 'peer=.*tlsk client'
}

gnu_s_alpn() {
	tlsk_server -www -alpn h2,http/1.1 || return 1
	gnutls_client "$GET" --alpn http/1.1
	expect_rc0
	expect_in "$C/out" 'alpn=http/1.1 '
}

# Two certificates; gnutls-cli's SNI picks one.
gnu_s_sni() {
	tlsk_server -www -cert2 "$PKI/other.pem" -key2 "$PKI/other.key" ||
		return 1
	printf '%b' "$GET" | timeout 30 gnutls-cli -p "$PORT" \
		--x509cafile "$PKI/ca.pem" --sni-hostname other.example \
		--verify-hostname other.example 127.0.0.1 >"$C/out" 2>&1
	RC=$?
	expect_rc0
	expect_in "$C/out" "subject \`CN=other.example'"
}

gnu_s_bad_cert() {
	tlsk_server -www || return 1
	printf '%b' "$GET" | timeout 30 gnutls-cli -p "$PORT" \
		--x509cafile "$PKI/other-ca.pem" --sni-hostname localhost \
		--verify-hostname localhost 127.0.0.1 >"$C/out" 2>&1
	RC=$?
	[ "$RC" -ne 0 ] || fail "gnutls-cli accepted an unknown CA"
	server_logged 'handshake failed.*alert [0-9]+ [a-z_]+ received' ||
		{ cat "$C/server.log"; fail "server saw no alert"; }
}

for s in $TLS13_SUITES; do
	case_add "gnutls-serv tls13 $s" gnu_c_suite "$s"
	case_add "gnutls-cli tls13 $s" gnu_s_suite "$s"
done
for g in $GROUP_MAP; do
	IFS=: read -r ossl rfc gnu <<<"$g"
	case_add "gnutls-serv group $rfc" gnu_c_group "$ossl" "$rfc" "$gnu"
	case_add "gnutls-cli group $rfc" gnu_s_group "$ossl" "$rfc" "$gnu"
done
case_add "gnutls-serv bulk data both ways" gnu_c_bulk
case_add "gnutls-serv resume" gnu_c_resume
case_add "gnutls-serv client-cert" gnu_c_client_cert
case_add "gnutls-serv alpn" gnu_c_alpn
case_add "gnutls-serv hrr" gnu_c_hrr
case_add "gnutls-serv bad-cert unknown-ca" gnu_c_unknown_ca
case_add "gnutls-cli sni picks the certificate" gnu_s_sni
case_add "gnutls-cli hrr" gnu_s_hrr
case_add "gnutls-cli resume --resume" gnu_s_resume
for c in $TLS12_CIPHERS $TLS12_RSA_CIPHERS; do
	case_add "gnutls-cli tls12 $c" gnu_s_tls12 "$c"
done
for c in $TLS12_CIPHERS $TLS12_RSA_CIPHERS; do
	case_add "gnutls-serv tls12 $c" gnu_c_tls12 "$c"
done
for c in AES128-GCM-SHA256 AES256-GCM-SHA384; do
	case_add "gnutls-cli tls12 rsa-kx $c" gnu_s_tls12_rsa_kx "$c"
	case_add "gnutls-serv tls12 rsa-kx $c" gnu_c_tls12_rsa_kx "$c"
done
case_add "gnutls-cli tls12 rsa-kx not enabled" gnu_s_tls12_rsa_kx_not_enabled
case_add "gnutls-serv tls12 client-cert" gnu_c_tls12_client_cert
case_add "gnutls-cli tls12 client-cert" gnu_s_tls12_client_cert
case_add "gnutls-serv tls12 resume ticket" gnu_c_tls12_resume
case_add "gnutls-serv tls12 resume session-id" gnu_c_tls12_resume :%NO_TICKETS
case_add "gnutls-cli tls12 resume ticket" gnu_s_tls12_resume
case_add "gnutls-cli tls12 resume session-id" gnu_s_tls12_resume :%NO_TICKETS
case_add "gnutls-cli tls12 no-ems full, not resumed" gnu_s_tls12_no_ems
case_add "gnutls-cli tls12 no-ems -require_ems" gnu_s_tls12_no_ems_required
case_add "gnutls-serv tls12 no-ems full, not kept" gnu_c_tls12_no_ems
case_add "gnutls-serv tls12 no-ems -require_ems" gnu_c_tls12_no_ems_required
case_add "gnutls-cli client-cert" gnu_s_client_cert
case_add "gnutls-cli alpn" gnu_s_alpn
case_add "gnutls-cli bad-cert unknown-ca" gnu_s_bad_cert
