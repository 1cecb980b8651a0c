# SPDX-License-Identifier: MIT
#
# openssl s_client -> tlsk-server (-www: the page describes the session
# as the server saw it, with the same summary line).

GET='GET / HTTP/1.0\r\n\r\n'

# ossl_client INPUT ARGS...: s_client verifying localhost against our CA;
# it quits when tlsk-server closes after the page.
ossl_client() {
	local input=$1
	shift
	printf '%b' "$input" | timeout 30 openssl s_client \
		-connect "127.0.0.1:$PORT" -servername localhost \
		-verify_hostname localhost -CAfile "$PKI/ca.pem" \
		-verify_return_error -ign_eof "$@" >"$C/out" 2>"$C/err"
	RC=$?
}

ossl_s_suite() {	# SUITE
	tlsk_server -www -ciphersuites "$1" || return 1
	ossl_client "$GET" -ciphersuites "$1"
	expect_rc0
	expect_in "$C/out" "^New, TLSv1.3, Cipher is $1"
	expect_in "$C/out" "suite=$1 "
}

ossl_s_group() {	# OPENSSL_NAME RFC_NAME
	tlsk_server -www -groups "$1" || return 1
	ossl_client "$GET" -groups "$1"
	expect_rc0
	expect_in "$C/out" "group=$2 "
}

ossl_s_hrr() {
	tlsk_server -www -groups P-384 || return 1
	ossl_client "$GET" -groups x25519:P-384 -trace
	expect_rc0
	expect_in "$C/out" 'group=secp384r1 '
	[ "$(grep -c 'ClientHello' "$C/out")" -eq 2 ] ||
		fail "expected a HelloRetryRequest (two ClientHellos)"
}

ossl_s_alpn() {
	tlsk_server -www -alpn h2,http/1.1 || return 1
	ossl_client "$GET" -alpn http/1.1
	expect_rc0
	expect_in "$C/out" 'ALPN protocol: http/1.1'
	expect_in "$C/out" 'alpn=http/1.1 '
}

# Two certificates; the name the client asks for picks one.
ossl_s_sni() {
	tlsk_server -www -cert2 "$PKI/other.pem" -key2 "$PKI/other.key" ||
		return 1
	ossl_client "$GET" -servername other.example \
		-verify_hostname other.example
	expect_rc0
	expect_in "$C/out" 'subject=CN = other.example'
	ossl_client "$GET"
	expect_rc0
	expect_in "$C/out" 'subject=CN = localhost'
}

ossl_s_client_cert() {
	tlsk_server -www -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	ossl_client "$GET" -cert "$PKI/client.pem" -key "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" 'peer=.*tlsk client'
}

ossl_s_client_cert_missing() {
	tlsk_server -www -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	ossl_client "$GET"
	server_logged 'handshake failed.*certificate_required' ||
		{ cat "$C/server.log"; fail "no certificate_required"; }
	! grep -q 'HTTP/1.0 200' "$C/out" || fail "got a page without a cert"
}

ossl_s_resume() {
	tlsk_server -www || return 1
	ossl_client "$GET" -sess_out "$C/sess"
	expect_rc0
	expect_in "$C/out" 'resumed=no '
	ossl_client "$GET" -sess_in "$C/sess"
	expect_rc0
	expect_in "$C/out" '^Reused, TLSv1.3'
	expect_in "$C/out" 'resumed=yes '
}

ossl_s_unknown_ca() {
	tlsk_server -www || return 1
	ossl_client "$GET" -CAfile "$PKI/other-ca.pem"
	[ "$RC" -ne 0 ] || fail "s_client accepted an unknown CA"
	# s_client sends this alert before it switches to handshake keys
	# (RFC 8446 allows that): it arrives in plaintext.
	server_logged 'alert 48 unknown_ca received' ||
		{ cat "$C/server.log"; fail "server saw no unknown_ca"; }
}

# The certificate for a TLS 1.2 cipher: RSA for ECDHE-RSA-*
cert_for() {
	case $1 in
	ECDHE-RSA-*) echo "-cert $PKI/rsa-server.pem -key $PKI/rsa-server.key" ;;
	esac
}

# Our server speaks TLS 1.3 too: it must mark the downgrade in
# ServerHello.random (RFC 8446 4.1.3); -msg shows the random's bytes.
ossl_s_tls12() {	# CIPHER
	need_tls12 server
	# shellcheck disable=SC2046
	tlsk_server -www $(cert_for "$1") -cipher "$1" || return 1
	ossl_client "$GET" -tls1_2 -cipher "$1" -msg
	expect_rc0
	expect_in "$C/out" "^New, TLSv1.2, Cipher is $1"
	expect_in "$C/out" 'Extended master secret: yes'
	expect_in "$C/out" 'Secure Renegotiation IS supported'
	expect_in "$C/out" 'version=TLSv1.2 '
	expect_in "$C/out" 'HTTP/1.0 200'
	# ServerHello: type 02, length, 03 03, random: its last 8 bytes
	# are "DOWNGRD" 01
	tr -d ' \n' <"$C/out" | grep -qi '444f574e47524401' ||
		fail "no TLS 1.2 downgrade sentinel in ServerHello.random"
}

ossl_s_tls12_group() {	# OPENSSL_NAME RFC_NAME
	need_tls12 server
	tlsk_server -www -cert "$PKI/rsa-server.pem" \
		-key "$PKI/rsa-server.key" || return 1
	ossl_client "$GET" -tls1_2 -groups "$1"
	expect_rc0
	expect_in "$C/out" "version=TLSv1.2 .*group=$2 "
}

# -no_ticket: by session ID from the server's cache; else by ticket
ossl_s_tls12_resume() {	# [-no_ticket]
	need_tls12 server
	tlsk_server -www || return 1
	ossl_client "$GET" -tls1_2 -sess_out "$C/sess" "$@"
	expect_rc0
	expect_in "$C/out" '^New, TLSv1.2'
	expect_in "$C/out" 'resumed=no '
	ossl_client "$GET" -tls1_2 -sess_in "$C/sess" "$@"
	expect_rc0
	expect_in "$C/out" '^Reused, TLSv1.2'
	expect_in "$C/out" 'resumed=yes '
}

# RSA key transport: -rsa_kx puts it after the ECDHE suites, so an
# s_client offering only it gets it; s_client (-msg) sends a
# ClientKeyExchange and sees no ServerKeyExchange
ossl_s_tls12_rsa_kx() {	# CIPHER
	need_tls12 server
	tlsk_server -www -cert "$PKI/rsa-server.pem" \
		-key "$PKI/rsa-server.key" -rsa_kx || return 1
	ossl_client "$GET" -tls1_2 -cipher "$1" -msg
	expect_rc0
	expect_in "$C/out" "^New, TLSv1.2, Cipher is $1"
	expect_in "$C/out" 'Extended master secret: yes'
	expect_in "$C/out" 'Secure Renegotiation IS supported'
	expect_in "$C/out" 'HTTP/1.0 200'
	expect_in "$C/out" '^>>> .*ClientKeyExchange'
	! grep -q ServerKeyExchange "$C/out" ||
		fail "our server sent a ServerKeyExchange"
}

ossl_s_tls12_rsa_kx_resume() {	# [-no_ticket]
	local c=AES256-GCM-SHA384
	need_tls12 server
	tlsk_server -www -cert "$PKI/rsa-server.pem" \
		-key "$PKI/rsa-server.key" -rsa_kx || return 1
	ossl_client "$GET" -tls1_2 -cipher $c -sess_out "$C/sess" "$@"
	expect_rc0
	expect_in "$C/out" "^New, TLSv1.2, Cipher is $c"
	ossl_client "$GET" -tls1_2 -cipher $c -sess_in "$C/sess" "$@"
	expect_rc0
	expect_in "$C/out" "^Reused, TLSv1.2, Cipher is $c"
	expect_in "$C/out" 'resumed=yes '
}

# refused, with handshake_failure, without -rsa_kx or with an ECDSA
# certificate (the default one)
ossl_s_tls12_rsa_kx_refused() {	# TLSK_SERVER_ARGS...
	need_tls12 server
	tlsk_server -www "$@" || return 1
	ossl_client "$GET" -tls1_2 -cipher AES128-GCM-SHA256:AES256-GCM-SHA384
	[ "$RC" -ne 0 ] || fail "s_client got RSA key transport"
	server_logged 'alert 40 handshake_failure sent' ||
		{ cat "$C/server.log"; fail "no handshake_failure sent"; }
}

ossl_s_tls12_reconnect() {
	need_tls12 server
	tlsk_server -www || return 1
	ossl_client "$GET" -tls1_2 -no_ticket -reconnect
	expect_rc0
	[ "$(grep -c '^Reused, TLSv1.2' "$C/out")" -ge 5 ] ||
		fail "expected five reused sessions"
}

ossl_s_tls12_client_cert() {
	need_tls12 server
	tlsk_server -www -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	ossl_client "$GET" -tls1_2 -cert "$PKI/client.pem" \
		-key "$PKI/client.key"
	expect_rc0
	expect_in "$C/out" 'version=TLSv1.2 .*peer=.*tlsk client'
}

ossl_s_tls12_client_cert_missing() {
	need_tls12 server
	tlsk_server -www -Verify 1 -CAfile "$PKI/ca.pem" || return 1
	ossl_client "$GET" -tls1_2
	server_logged 'handshake failed.*handshake_failure' ||
		{ cat "$C/server.log"; fail "no handshake_failure"; }
	! grep -q 'HTTP/1.0 200' "$C/out" || fail "got a page without a cert"
}

# s_client's R command renegotiates: tlsk-server answers the
# ClientHello with a no_renegotiation WARNING (s_client then gives up,
# as OpenSSL does on that warning)
ossl_s_tls12_reneg() {
	need_tls12 server
	tlsk_server -echo || return 1
	(printf 'hello\n'; sleep 1; printf 'R\n'; sleep 2) |
		timeout 30 openssl s_client -connect "127.0.0.1:$PORT" \
		-servername localhost -CAfile "$PKI/ca.pem" -tls1_2 -msg \
		>"$C/out" 2>"$C/err"
	expect_in "$C/out" '^hello$'
	expect_in "$C/err" '^RENEGOTIATING'
	expect_in "$C/out" '^<<< TLS 1.2, Alert .*warning no_renegotiation'
	! grep -q 'fatal no_renegotiation' "$C/out" ||
		fail "no_renegotiation must be a warning"
}

ossl_s_old_version() {	# -tls1 | -tls1_1
	tlsk_server -www || return 1
	ossl_client "$GET" "$1" -cipher 'DEFAULT:@SECLEVEL=0'
	[ "$RC" -ne 0 ] || fail "s_client connected with $1"
	server_logged 'handshake failed.*protocol_version' ||
		{ cat "$C/server.log"; fail "no protocol_version"; }
}

for s in $TLS13_SUITES; do
	case_add "ossl-client tls13 $s" ossl_s_suite "$s"
done
for g in $GROUP_MAP; do
	IFS=: read -r ossl rfc _ <<<"$g"
	case_add "ossl-client group $rfc" ossl_s_group "$ossl" "$rfc"
done
case_add "ossl-client hrr" ossl_s_hrr
case_add "ossl-client alpn" ossl_s_alpn
case_add "ossl-client sni picks the certificate" ossl_s_sni
case_add "ossl-client client-cert" ossl_s_client_cert
case_add "ossl-client client-cert-missing" ossl_s_client_cert_missing
case_add "ossl-client resume sess_out/sess_in" ossl_s_resume
case_add "ossl-client bad-cert unknown-ca" ossl_s_unknown_ca
for c in $TLS12_CIPHERS $TLS12_RSA_CIPHERS; do
	case_add "ossl-client tls12 $c" ossl_s_tls12 "$c"
done
for g in $GROUP_MAP; do
	IFS=: read -r ossl rfc _ <<<"$g"
	case_add "ossl-client tls12 group $rfc" ossl_s_tls12_group "$ossl" "$rfc"
done
case_add "ossl-client tls12 resume ticket" ossl_s_tls12_resume
case_add "ossl-client tls12 resume session-id" ossl_s_tls12_resume -no_ticket
case_add "ossl-client tls12 reconnect session-id" ossl_s_tls12_reconnect
for c in $TLS12_RSA_KX_CIPHERS; do
	case_add "ossl-client tls12 rsa-kx $c" ossl_s_tls12_rsa_kx "$c"
done
case_add "ossl-client tls12 rsa-kx resume ticket" ossl_s_tls12_rsa_kx_resume
case_add "ossl-client tls12 rsa-kx resume session-id" \
	ossl_s_tls12_rsa_kx_resume -no_ticket
case_add "ossl-client tls12 rsa-kx not enabled" ossl_s_tls12_rsa_kx_refused \
	-cert "$PKI/rsa-server.pem" -key "$PKI/rsa-server.key"
case_add "ossl-client tls12 rsa-kx ecdsa-cert" ossl_s_tls12_rsa_kx_refused \
	-rsa_kx
case_add "ossl-client tls12 client-cert" ossl_s_tls12_client_cert
case_add "ossl-client tls12 client-cert-missing" \
	ossl_s_tls12_client_cert_missing
case_add "ossl-client tls12 renegotiation refused" ossl_s_tls12_reneg
case_add "ossl-client tls1.1 refused" ossl_s_old_version -tls1_1
case_add "ossl-client tls1.0 refused" ossl_s_old_version -tls1
