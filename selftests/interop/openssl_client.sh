# SPDX-License-Identifier: MIT
#
# tlsk-client -> openssl s_server (-rev: each line comes back reversed).

ossl_c_suite() {	# SUITE
	openssl_server -rev -tls1_3 -ciphersuites "$1" || return 1
	tlsk_client 'hello\n' -ciphersuites "$1"
	expect_rc0
	expect_in "$C/out" '^olleh$'
	expect_in "$C/err" "version=TLSv1.3 suite=$1 "
}

ossl_c_group() {	# OPENSSL_NAME RFC_NAME
	openssl_server -rev -groups "$1" || return 1
	tlsk_client 'ping\n' -groups "$1"
	expect_rc0
	expect_in "$C/out" '^gnip$'
	expect_in "$C/err" "group=$2 "
}

# Our first key share is x25519; a P-384-only server must ask again.
ossl_c_hrr() {
	openssl_server -rev -groups P-384 -trace || return 1
	tlsk_client 'ping\n' -groups x25519:P-384
	expect_rc0
	expect_in "$C/out" '^gnip$'
	expect_in "$C/err" 'group=secp384r1 '
	[ "$(grep -c 'ClientHello' "$C/server.log")" -eq 2 ] ||
		fail "expected a HelloRetryRequest (two ClientHellos)"
}

# s_server picks by its own preference order.
ossl_c_alpn() {
	openssl_server -rev -alpn h2,http/1.1 || return 1
	tlsk_client 'x\n' -alpn http/1.1,h2
	expect_rc0
	expect_in "$C/err" 'alpn=h2 '
}

# s_server only checks SNI with a second context (-cert2); with
# -servername_fatal it refuses other names with unrecognized_name.
ossl_c_sni() {
	openssl_server -rev -servername localhost -servername_fatal \
		-cert2 "$PKI/server.pem" -key2 "$PKI/server.key" || return 1
	tlsk_client 'x\n'
	expect_rc0
	tlsk_client 'x\n' -servername elsewhere.example -noverify
	[ "$RC" -ne 0 ] || fail "server accepted an SNI it does not serve"
	expect_in "$C/err" 'alert 112 unrecognized_name received'
}

ossl_c_client_cert() {
	openssl_server -rev -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	tlsk_client 'ping\n' -cert "$PKI/client.pem" -key "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" '^gnip$'
	server_logged 'tlsk client' || fail "server did not see our cert"
}

ossl_c_client_cert_missing() {
	openssl_server -rev -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	tlsk_client 'ping\n'
	[ "$RC" -ne 0 ] || fail "connected without the required certificate"
	expect_in "$C/err" 'alert 116 certificate_required'
}

ossl_c_resume() {
	openssl_server -rev || return 1
	tlsk_client 'one\n' -sess_out "$C/sess"
	expect_rc0
	expect_in "$C/err" 'resumed=no '
	[ -s "$C/sess" ] || fail "no session written"
	tlsk_client 'two\n' -sess_in "$C/sess"
	expect_rc0
	expect_in "$C/out" '^owt$'
	expect_in "$C/err" 'resumed=yes '
}

ossl_c_reconnect() {
	openssl_server -rev || return 1
	tlsk_client '' -reconnect
	expect_rc0
	if [ "$(grep -c 'resumed=no ' "$C/err")" -ne 1 ] ||
	   [ "$(grep -c 'resumed=yes ' "$C/err")" -ne 5 ]; then
		cat "$C/err"
		fail "want 1 full and 5 resumed handshakes"
	fi
}

ossl_c_unknown_ca() {
	openssl_server -rev || return 1
	tlsk_client 'x\n' -CAfile "$PKI/other-ca.pem"
	[ "$RC" -ne 0 ] || fail "accepted a server from an unknown CA"
	expect_in "$C/err" 'alert 48 unknown_ca sent'
	server_logged 'unknown ca' || fail "server got no unknown_ca alert"
}

ossl_c_wrong_name() {
	openssl_server -rev || return 1
	tlsk_client 'x\n' -servername not-this-host.example
	[ "$RC" -ne 0 ] || fail "accepted a certificate for another name"
	expect_in "$C/err" 'alert 42 bad_certificate sent'
}

ossl_c_expired() {
	openssl_server -rev -cert "$PKI/expired.pem" -key "$PKI/expired.key" ||
		return 1
	tlsk_client 'x\n'
	[ "$RC" -ne 0 ] || fail "accepted an expired certificate"
	expect_in "$C/err" 'alert 45 certificate_expired sent'
}

# s_server's second certificate (-dcert) is RSA, for ECDHE-RSA-*
ossl_c_tls12() {	# CIPHER [TLSK_CLIENT_ARGS]
	need_tls12 client
	openssl_server -rev -tls1_2 -cipher "$1" \
		-dcert "$PKI/rsa-server.pem" -dkey "$PKI/rsa-server.key" ||
		return 1
	tlsk_client 'hello\n' -cipher "$1" "${@:2}"
	expect_rc0
	expect_in "$C/out" '^olleh$'
	expect_in "$C/err" 'version=TLSv1.2 '
	# (the engine aborts without EMS and renegotiation_info, so a
	# handshake is proof s_server sent both)
	expect_in "$C/server.log" "Ciphersuite: $1"
}

# The IANA name tlsk prints for an RSA key transport suite
rsa_kx_iana() {	# OPENSSL_NAME
	case $1 in
	AES128-GCM-SHA256) echo TLS_RSA_WITH_AES_128_GCM_SHA256 ;;
	AES256-GCM-SHA384) echo TLS_RSA_WITH_AES_256_GCM_SHA384 ;;
	esac
}

# RSA key transport (-rsa_kx): we encrypt the premaster to s_server's RSA
# certificate; its -msg log has our ClientKeyExchange and no
# ServerKeyExchange (RFC 5246 7.4.3)
ossl_c_tls12_rsa_kx() {	# CIPHER
	need_tls12 client
	openssl_server -rev -tls1_2 -msg -cipher "$1" \
		-dcert "$PKI/rsa-server.pem" -dkey "$PKI/rsa-server.key" ||
		return 1
	tlsk_client 'hello\n' -rsa_kx -cipher "$1"
	expect_rc0
	expect_in "$C/out" '^olleh$'
	expect_in "$C/err" "version=TLSv1.2 suite=$(rsa_kx_iana "$1") group=- "
	expect_in "$C/server.log" '^<<< .*ClientKeyExchange'
	! grep -q ServerKeyExchange "$C/server.log" ||
		fail "s_server sent a ServerKeyExchange"
}

# without -rsa_kx it is never offered: s_server has nothing in common
ossl_c_tls12_rsa_kx_not_enabled() {
	need_tls12 client
	openssl_server -rev -tls1_2 -cipher AES128-GCM-SHA256 \
		-dcert "$PKI/rsa-server.pem" -dkey "$PKI/rsa-server.key" ||
		return 1
	tlsk_client 'x\n' -tls1_2
	[ "$RC" -ne 0 ] || fail "handshake without a common suite"
	expect_in "$C/err" 'alert 40 handshake_failure received'
}

# s_server (-msg) sent an abbreviated handshake: a ServerHello followed
# by its ChangeCipherSpec, no Certificate (RFC 5246 7.3, figure 2)
s_server_resumed() {
	for _ in $(seq 40); do
		grep -E '^>>> .*(ServerHello|Certificate|ChangeCipherSpec)' \
			"$C/server.log" | grep -A1 'ServerHello$' |
			grep -q ChangeCipherSpec && return 0
		sleep 0.05
	done
	return 1
}

# -no_ticket: by session ID; else by ticket. s_server must resume.
ossl_c_tls12_resume() {	# [-no_ticket]
	need_tls12 client
	openssl_server -rev -tls1_2 -msg "$@" || return 1
	tlsk_client 'one\n' -sess_out "$C/sess"
	expect_rc0
	expect_in "$C/err" 'version=TLSv1.2 .*resumed=no '
	[ -s "$C/sess" ] || fail "no session written"
	tlsk_client 'two\n' -sess_in "$C/sess"
	expect_rc0
	expect_in "$C/out" '^owt$'
	expect_in "$C/err" 'version=TLSv1.2 .*resumed=yes '
	s_server_resumed ||
		{ cat "$C/server.log"; fail "s_server did not resume"; }
}

# the same with RSA key transport
ossl_c_tls12_rsa_kx_resume() {	# [-no_ticket]
	local kx=(-rsa_kx -cipher AES128-GCM-SHA256)
	need_tls12 client
	openssl_server -rev -tls1_2 -msg -cipher AES128-GCM-SHA256 \
		-dcert "$PKI/rsa-server.pem" -dkey "$PKI/rsa-server.key" \
		"$@" || return 1
	tlsk_client 'one\n' "${kx[@]}" -sess_out "$C/sess"
	expect_rc0
	expect_in "$C/err" 'suite=TLS_RSA_WITH_AES_128_GCM_SHA256 .*resumed=no '
	tlsk_client 'two\n' "${kx[@]}" -sess_in "$C/sess"
	expect_rc0
	expect_in "$C/out" '^owt$'
	expect_in "$C/err" 'suite=TLS_RSA_WITH_AES_128_GCM_SHA256 .*resumed=yes '
	s_server_resumed ||
		{ cat "$C/server.log"; fail "s_server did not resume"; }
}

ossl_c_tls12_reconnect() {
	need_tls12 client
	openssl_server -rev -tls1_2 || return 1
	tlsk_client '' -reconnect
	expect_rc0
	if [ "$(grep -c 'version=TLSv1.2 .*resumed=no ' "$C/err")" -ne 1 ] ||
	   [ "$(grep -c 'version=TLSv1.2 .*resumed=yes ' "$C/err")" -ne 5 ]; then
		cat "$C/err"
		fail "want 1 full and 5 resumed TLS 1.2 handshakes"
	fi
}

ossl_c_tls12_client_cert() {
	need_tls12 client
	openssl_server -rev -tls1_2 -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	tlsk_client 'ping\n' -cert "$PKI/client.pem" -key "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" '^gnip$'
	expect_in "$C/err" 'version=TLSv1.2 '
	server_logged 'Peer certificate: CN = tlsk client' ||
		{ cat "$C/server.log"; fail "s_server saw no client cert"; }
}

# Our client offers TLS 1.3 and 1.2; s_server only 1.2: no sentinel, so
# TLS 1.2 is fine. (The sentinel itself: test_errors.)
ossl_c_tls12_fallback() {
	need_tls12 client
	openssl_server -rev -tls1_2 || return 1
	tlsk_client 'x\n'
	expect_rc0
	expect_in "$C/err" 'version=TLSv1.2 '
}

ossl_c_old_version() {	# -tls1 | -tls1_1
	openssl_server -rev "$1" -cipher 'DEFAULT:@SECLEVEL=0' || return 1
	tlsk_client 'x\n'
	[ "$RC" -ne 0 ] || fail "connected to a $1 server"
	expect_in "$C/err" 'protocol_version'
}

for s in $TLS13_SUITES; do
	case_add "ossl-server tls13 $s" ossl_c_suite "$s"
done
for g in $GROUP_MAP; do
	IFS=: read -r ossl rfc _ <<<"$g"
	case_add "ossl-server group $rfc" ossl_c_group "$ossl" "$rfc"
done
case_add "ossl-server hrr" ossl_c_hrr
case_add "ossl-server alpn" ossl_c_alpn
case_add "ossl-server sni" ossl_c_sni
case_add "ossl-server client-cert" ossl_c_client_cert
case_add "ossl-server client-cert-missing" ossl_c_client_cert_missing
case_add "ossl-server resume sess_out/sess_in" ossl_c_resume
case_add "ossl-server reconnect" ossl_c_reconnect
case_add "ossl-server bad-cert unknown-ca" ossl_c_unknown_ca
case_add "ossl-server bad-cert wrong-name" ossl_c_wrong_name
case_add "ossl-server bad-cert expired" ossl_c_expired
for c in $TLS12_CIPHERS $TLS12_RSA_CIPHERS; do
	case_add "ossl-server tls12 $c" ossl_c_tls12 "$c" -tls1_2
done
for g in $GROUP_MAP; do
	IFS=: read -r ossl rfc _ <<<"$g"
	case_add "ossl-server tls12 group $rfc" ossl_c_tls12 \
		ECDHE-RSA-AES128-GCM-SHA256 -tls1_2 -groups "$ossl"
done
case_add "ossl-server tls12 fallback from tls13" ossl_c_tls12_fallback
case_add "ossl-server tls12 resume ticket" ossl_c_tls12_resume
case_add "ossl-server tls12 resume session-id" ossl_c_tls12_resume -no_ticket
case_add "ossl-server tls12 reconnect" ossl_c_tls12_reconnect
for c in $TLS12_RSA_KX_CIPHERS; do
	case_add "ossl-server tls12 rsa-kx $c" ossl_c_tls12_rsa_kx "$c"
done
case_add "ossl-server tls12 rsa-kx resume ticket" ossl_c_tls12_rsa_kx_resume
case_add "ossl-server tls12 rsa-kx resume session-id" \
	ossl_c_tls12_rsa_kx_resume -no_ticket
case_add "ossl-server tls12 rsa-kx not enabled" \
	ossl_c_tls12_rsa_kx_not_enabled
case_add "ossl-server tls12 client-cert" ossl_c_tls12_client_cert
case_add "ossl-server tls1.1 refused" ossl_c_old_version -tls1_1
