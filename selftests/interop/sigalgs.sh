# SPDX-License-Identifier: MIT
#
# Signature schemes (docs/handshake.md, docs/tls12.md): every scheme in
# each role, TLS 1.3 and 1.2, with server and with client certificates,
# against openssl s_server/s_client (-sigalgs, -client_sigalgs) and
# gnutls-serv/gnutls-cli (-SIGN-ALL:+SIGN-...), the peer limited to that
# one scheme: a handshake is proof tlsk signed or verified it. Then the
# refusals and their alerts. The keys (openssl genpkey: RSA, RSA-PSS,
# Ed25519, EC P-256/P-384/P-521) are made for the run, signed by ca.pem.

# sig-NAME.pem/.key: serverAuth and clientAuth, SAN localhost
gen_sig_leaf() {	# NAME EXTRA_EXTENSIONS GENPKEY_ARGS...
	local f=$PKI/sig-$1 ext=$2 name=$1
	shift 2
	printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n%s' \
		"$ext" >"$f.ext"
	openssl genpkey "$@" -out "$f.key" 2>/dev/null &&
	openssl req -new -key "$f.key" -out "$f.csr" \
		-subj "/CN=tlsk sig $name" 2>/dev/null &&
	openssl x509 -req -in "$f.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
		-CAcreateserial -days 2 -extfile "$f.ext" -out "$f.pem" \
		2>/dev/null
}

make_sig_pki() {
	gen_sig_leaf rsa '' -algorithm RSA -pkeyopt rsa_keygen_bits:2048 &&
	gen_sig_leaf rsapss '' -algorithm RSA-PSS \
		-pkeyopt rsa_keygen_bits:2048 &&
	gen_sig_leaf ed25519 '' -algorithm ED25519 &&
	gen_sig_leaf p256 '' -algorithm EC -pkeyopt ec_paramgen_curve:P-256 &&
	gen_sig_leaf p384 '' -algorithm EC -pkeyopt ec_paramgen_curve:P-384 &&
	gen_sig_leaf p521 '' -algorithm EC -pkeyopt ec_paramgen_curve:P-521 &&
	gen_sig_leaf p256-nosign 'keyUsage=critical,keyAgreement' \
		-algorithm EC -pkeyopt ec_paramgen_curve:P-256
}

SIG_PKI_OK=''
make_sig_pki && SIG_PKI_OK=1

need_sig_pki() {
	[ -n "$SIG_PKI_OK" ] || fail "making the sig-* certificates failed"
}

sig_cert() {	# KEY: tlsk tool arguments for that certificate
	echo "-cert $PKI/sig-$1.pem -key $PKI/sig-$1.key"
}

# OpenSSL's "Peer signature type" / "Signature type" for a scheme
ossl_sig_type() {
	case $1 in
	rsa_pss_*) echo RSA-PSS ;;
	rsa_pkcs1_*) echo RSA ;;
	ed25519) echo ed25519 ;;
	*) echo ECDSA ;;
	esac
}

# ... and its hash ("Peer signing digest" / "Hash used"); none for Ed25519
ossl_sig_hash() {
	case $1 in
	*224) echo SHA224 ;;
	*256) echo SHA256 ;;
	*384) echo SHA384 ;;
	*512) echo SHA512 ;;
	esac
}

vflag() {	# 12|13: the OpenSSL and tlsk option
	[ "$1" = 13 ] && echo -tls1_3 || echo -tls1_2
}

gnutls_sig_priority() {	# 12|13 GNUTLS_SIGN
	echo "NORMAL:-VERS-ALL:+VERS-TLS1.${1#1}:-SIGN-ALL:+SIGN-$2"
}

# Each case has one certificate key on both sides and the peer limited
# to one scheme both for its own signature and for the other side's
# (-sigalgs and -client_sigalgs; GnuTLS's priority string): tlsk signs
# with it and verifies it in the one handshake. (test_sigalgs has each
# direction on its own.)

# ---- openssl s_client -> tlsk-server ----

sig_s_ossl() {	# 12|13 SCHEME KEY
	need_sig_pki
	# shellcheck disable=SC2046
	tlsk_server -www $(sig_cert "$3") -Verify 1 -CAfile "$PKI/ca.pem" ||
		return 1
	ossl_client "$GET" "$(vflag "$1")" -sigalgs "$2" -client_sigalgs "$2" \
		-cert "$PKI/sig-$3.pem" -key "$PKI/sig-$3.key"
	expect_rc0
	# our signature, as s_client saw it
	expect_in "$C/out" "^Peer signature type: $(ossl_sig_type "$2")\$"
	[ "$2" = ed25519 ] ||
		expect_in "$C/out" "^Peer signing digest: $(ossl_sig_hash "$2")\$"
	# s_client's certificate, verified by us
	expect_in "$C/out" "version=TLSv1.${1#1} .*peer=\"?/CN=tlsk sig $3\""
}

# ---- tlsk-client -> openssl s_server ----

sig_c_ossl() {	# 12|13 SCHEME KEY
	need_sig_pki
	openssl_server -rev "$(vflag "$1")" -sigalgs "$2" -client_sigalgs "$2" \
		-cert "$PKI/sig-$3.pem" -key "$PKI/sig-$3.key" \
		-Verify 1 -CAfile "$PKI/ca.pem" || return 1
	# shellcheck disable=SC2046
	tlsk_client 'hello\n' $(sig_cert "$3")
	expect_rc0
	expect_in "$C/out" '^olleh$'
	expect_in "$C/err" "version=TLSv1.${1#1} "
	# our client certificate's signature, as s_server saw it
	server_logged "^Signature type: $(ossl_sig_type "$2")\$" ||
		{ cat "$C/server.log"; fail "s_server saw no $2 signature"; }
	[ "$2" = ed25519 ] ||
		expect_in "$C/server.log" "^Hash used: $(ossl_sig_hash "$2")\$"
}

# ---- GnuTLS, both ways ----

# gnutls-serv with only the sig-KEY certificate
start_gnutls_sig_server() {	# KEY ARGS...
	local key=$1
	shift
	start_server "$C/server.log" 'listening on IPv4.*done' timeout 60 \
		gnutls-serv -p "$PORT" --x509certfile "$PKI/sig-$key.pem" \
		--x509keyfile "$PKI/sig-$key.key" "$@"
}

sig_s_gnu() {	# 12|13 GNUTLS_SIGN KEY
	need_sig_pki
	# shellcheck disable=SC2046
	tlsk_server -www $(sig_cert "$3") -Verify 1 -CAfile "$PKI/ca.pem" ||
		return 1
	gnutls_client "$GET" --priority "$(gnutls_sig_priority "$1" "$2")" \
		--x509certfile "$PKI/sig-$3.pem" --x509keyfile "$PKI/sig-$3.key"
	expect_rc0
	expect_in "$C/out" "version=TLSv1.${1#1} .*peer=\"?/CN=tlsk sig $3\""
}

sig_c_gnu() {	# 12|13 GNUTLS_SIGN KEY
	need_sig_pki
	on_free_port start_gnutls_sig_server "$3" --echo \
		--require-client-cert --verify-client-cert \
		--x509cafile "$PKI/ca.pem" \
		--priority "$(gnutls_sig_priority "$1" "$2")" || return 1
	# shellcheck disable=SC2046
	tlsk_client 'hello gnutls\n' $(sig_cert "$3")
	expect_rc0
	expect_in "$C/out" '^hello gnutls$'
	expect_in "$C/err" "version=TLSv1.${1#1} "
}

# ---- refusals ----

# RFC 8446 4.2.3, RFC 9155: a client offering only SHA-1 (and MD5)
# schemes has nothing we sign with: handshake_failure
sig_s_ossl_sha1_only() {	# 12|13 OPENSSL_SIGALGS
	need_sig_pki
	tlsk_server -www || return 1
	ossl_client "$GET" "$(vflag "$1")" -sigalgs "$2" \
		-cipher 'DEFAULT:@SECLEVEL=0'
	[ "$RC" -ne 0 ] || fail "a SHA-1-only client got a handshake"
	server_logged 'handshake failed.*alert 40 handshake_failure sent' ||
		{ cat "$C/server.log"; fail "no handshake_failure sent"; }
}

# TLS 1.2, an ECDSA suite's certificate whose key usage lacks
# digitalSignature: tlsk-client and s_client both refuse it with
# handshake_failure (s_server will not serve it; tlsk-server does)
sig_c_nosign() {
	need_sig_pki
	# shellcheck disable=SC2046
	tlsk_server -www -tls1_2 $(sig_cert p256-nosign) || return 1
	tlsk_client 'x\n'
	[ "$RC" -ne 0 ] || fail "accepted a certificate not for signing"
	expect_in "$C/err" 'digitalSignature.*alert 40 handshake_failure sent'
	ossl_client "$GET" -tls1_2 -msg
	[ "$RC" -ne 0 ] || fail "s_client accepted it (reference changed?)"
	expect_in "$C/out" '^>>> .*Alert.*fatal handshake_failure'
	# TLS 1.3 has no such rule (RFC 8446 4.4.2.2: the purpose check)
	# shellcheck disable=SC2046
	tlsk_server -www -tls1_3 $(sig_cert p256-nosign) || return 1
	tlsk_client 'x\n'
	expect_rc0
}

# OpenSSL -sigalgs name, key, versions, GnuTLS 1.3 name, GnuTLS 1.2 name
# ("12s": TLS 1.2 only with tlsk as the server: a TLS 1.2 P-521
# certificate needs secp521r1 in the client's supported_groups, a group
# tlsk does not offer; "-": GnuTLS has no such TLS scheme)
SIG_SCHEMES="
ecdsa_secp256r1_sha256 p256 12,13 ECDSA-SECP256R1-SHA256 ECDSA-SHA256
ecdsa_secp384r1_sha384 p384 12,13 ECDSA-SECP384R1-SHA384 ECDSA-SHA384
ecdsa_secp521r1_sha512 p521 12s,13 ECDSA-SECP521R1-SHA512 ECDSA-SHA512
ed25519 ed25519 12,13 EdDSA-Ed25519 EdDSA-Ed25519
rsa_pss_rsae_sha256 rsa 12,13 RSA-PSS-RSAE-SHA256 RSA-PSS-RSAE-SHA256
rsa_pss_rsae_sha384 rsa 12,13 RSA-PSS-RSAE-SHA384 RSA-PSS-RSAE-SHA384
rsa_pss_rsae_sha512 rsa 12,13 RSA-PSS-RSAE-SHA512 RSA-PSS-RSAE-SHA512
rsa_pss_pss_sha256 rsapss 12,13 RSA-PSS-SHA256 RSA-PSS-SHA256
rsa_pss_pss_sha384 rsapss 12,13 RSA-PSS-SHA384 RSA-PSS-SHA384
rsa_pss_pss_sha512 rsapss 12,13 RSA-PSS-SHA512 RSA-PSS-SHA512
rsa_pkcs1_sha256 rsa 12 - RSA-SHA256
rsa_pkcs1_sha384 rsa 12 - RSA-SHA384
rsa_pkcs1_sha512 rsa 12 - RSA-SHA512
ECDSA+SHA224 p256 12 - -
ECDSA+SHA224 p384 12 - -
ECDSA+SHA512 p256 12 - ECDSA-SHA512
ECDSA+SHA256 p384 12 - ECDSA-SHA256
"

while read -r ossl key versions g13 g12; do
	[ -n "$ossl" ] || continue
	for v in ${versions//,/ }; do
		tlsk_client_role=1
		[ "$v" = 12s ] && { v=12; tlsk_client_role=''; }
		g=$g12
		[ "$v" = 13 ] && g=$g13
		tag="tls1${v#1} $ossl $key"
		case_add "sig ossl-client $tag: tlsk-server signs, verifies" \
			sig_s_ossl "$v" "$ossl" "$key"
		[ -z "$tlsk_client_role" ] ||
			case_add "sig ossl-server $tag: tlsk-client verifies, signs" \
				sig_c_ossl "$v" "$ossl" "$key"
		[ "$g" != - ] || continue
		tag="tls1${v#1} $g $key"
		case_add "sig gnutls-cli $tag: tlsk-server signs, verifies" \
			sig_s_gnu "$v" "$g" "$key"
		[ -z "$tlsk_client_role" ] ||
			case_add "sig gnutls-serv $tag: tlsk-client verifies, signs" \
				sig_c_gnu "$v" "$g" "$key"
	done
done <<<"$SIG_SCHEMES"
case_add "sig ossl-client tls12 SHA-1 only: handshake_failure" \
	sig_s_ossl_sha1_only 12 'RSA+SHA1:ECDSA+SHA1'
case_add "sig tls12 ECDSA leaf without digitalSignature: handshake_failure" \
	sig_c_nosign
