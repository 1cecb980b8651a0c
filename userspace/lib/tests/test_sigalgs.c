// SPDX-License-Identifier: MIT
/*
 * Signature schemes (RFC 8446 4.2.3, 4.4.3; RFC 5246 7.4.1.4.1, 7.4.3,
 * 7.4.8; RFC 8422 5.1.3) against OpenSSL's libssl in memory: every
 * scheme in each role, TLS 1.3 and 1.2, with server and with client
 * certificates. OpenSSL is limited to the one scheme (-sigalgs,
 * -client_sigalgs), so a handshake is proof it was used, and OpenSSL
 * says which one it saw. Then the peer's preference order, RSA-PSS keys
 * restricted to one hash, and the refusals with their alerts.
 */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "../../tests/tap.h"
#include "alerts.h"
#include "engine_int.h"
#include "harness.h"
#include "hsrecord.h"
#include "testpki.h"
#include "tls12_handlers.h"

static struct testpki pki;

struct scheme {
	const char *ossl;	/* OpenSSL's -sigalgs spelling */
	const char *leaf;	/* the testpki leaf that signs with it */
	int type;		/* SSL_get_*signature_type_nid */
	int md;			/* SSL_get_*signature_nid (Ed25519: none) */
	bool tls13;		/* a TLS 1.3 CertificateVerify scheme */
	unsigned skip12;	/* directions OpenSSL cannot do in TLS 1.2 */
};

enum direction {
	OUR_SERVER_SIGNS,	/* our certificate, OpenSSL's client verifies */
	OUR_CLIENT_VERIFIES,	/* OpenSSL's server signs */
	OUR_CLIENT_SIGNS,	/* our client certificate */
	OUR_SERVER_VERIFIES,	/* OpenSSL's client certificate */
};

/* in TLS 1.2 OpenSSL takes a P-521 certificate, server's or client's,
 * only when the client lists secp521r1, which ours does not (a group we
 * do not do key exchange with; RFC 8422 5.1.1) */
#define NOT_OUR_CLIENT (1u << OUR_CLIENT_VERIFIES | 1u << OUR_CLIENT_SIGNS)
/* OpenSSL signs with a curve-named scheme only on its curve */
#define OSSL_NO_SIGN (1u << OUR_CLIENT_VERIFIES | 1u << OUR_SERVER_VERIFIES)

static const struct scheme schemes[] = {
	{ "ecdsa_secp256r1_sha256", "sig-ec256", EVP_PKEY_EC, NID_sha256,
	  true, 0 },
	{ "ecdsa_secp384r1_sha384", "sig-ec384", EVP_PKEY_EC, NID_sha384,
	  true, 0 },
	{ "ecdsa_secp521r1_sha512", "sig-ec521", EVP_PKEY_EC, NID_sha512,
	  true, NOT_OUR_CLIENT },
	{ "ed25519", "sig-ed25519", EVP_PKEY_ED25519, NID_undef, true, 0 },
	{ "rsa_pss_rsae_sha256", "sig-rsa", EVP_PKEY_RSA_PSS, NID_sha256,
	  true, 0 },
	{ "rsa_pss_rsae_sha384", "sig-rsa", EVP_PKEY_RSA_PSS, NID_sha384,
	  true, 0 },
	{ "rsa_pss_rsae_sha512", "sig-rsa", EVP_PKEY_RSA_PSS, NID_sha512,
	  true, 0 },
	{ "rsa_pss_pss_sha256", "sig-rsa-pss", EVP_PKEY_RSA_PSS, NID_sha256,
	  true, 0 },
	{ "rsa_pss_pss_sha384", "sig-rsa-pss", EVP_PKEY_RSA_PSS, NID_sha384,
	  true, 0 },
	{ "rsa_pss_pss_sha512", "sig-rsa-pss", EVP_PKEY_RSA_PSS, NID_sha512,
	  true, 0 },
	{ "rsa_pss_pss_sha256", "sig-rsa-pss-sha256", EVP_PKEY_RSA_PSS,
	  NID_sha256, true, 0 },
	{ "rsa_pkcs1_sha256", "sig-rsa", EVP_PKEY_RSA, NID_sha256, false,
	  0 },
	{ "rsa_pkcs1_sha384", "sig-rsa", EVP_PKEY_RSA, NID_sha384, false,
	  0 },
	{ "rsa_pkcs1_sha512", "sig-rsa", EVP_PKEY_RSA, NID_sha512, false,
	  0 },
	/* TLS 1.2: ECDSA with any hash and any curve (RFC 8422 5.1.3) */
	{ "ECDSA+SHA224", "sig-ec256", EVP_PKEY_EC, NID_sha224, false, 0 },
	{ "ECDSA+SHA224", "sig-ec384", EVP_PKEY_EC, NID_sha224, false, 0 },
	{ "ECDSA+SHA512", "sig-ec256", EVP_PKEY_EC, NID_sha512, false,
	  OSSL_NO_SIGN },
	{ "ECDSA+SHA384", "sig-ec256", EVP_PKEY_EC, NID_sha384, false,
	  OSSL_NO_SIGN },
	{ "ECDSA+SHA256", "sig-ec384", EVP_PKEY_EC, NID_sha256, false,
	  OSSL_NO_SIGN },
};

#define NSCHEMES (sizeof(schemes) / sizeof(schemes[0]))

struct peer {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;
};

/* changes what OpenSSL sends before the engine reads it */
typedef void (*tamper_fn)(uint8_t *p, size_t n);

static const char *chain_of(const char *leaf)
{
	static char f[4][64];
	static int i;
	char *p = f[i++ % 4];

	snprintf(p, 64, "%s.chain", leaf);
	return testpki_path(&pki, p);
}

static const char *key_of(const char *leaf)
{
	static char f[4][64];
	static int i;
	char *p = f[i++ % 4];

	snprintf(p, 64, "%s.key", leaf);
	return testpki_path(&pki, p);
}

static SSL_CTX *ossl_ctx(bool server, int version, const char *leaf)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
				   TLS_client_method());

	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	CHECK(SSL_CTX_load_verify_locations(ctx, testpki_path(&pki, "root.crt"),
					    NULL) == 1);
	if (leaf) {
		CHECK(SSL_CTX_use_certificate_chain_file(ctx, chain_of(leaf)) ==
		      1);
		CHECK(SSL_CTX_use_PrivateKey_file(ctx, key_of(leaf),
						  SSL_FILETYPE_PEM) == 1);
	}
	if (!server)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static void peer_start(struct peer *p, bool server)
{
	p->ssl = SSL_new(p->ctx);
	p->in = BIO_new(BIO_s_mem());
	p->out = BIO_new(BIO_s_mem());
	SSL_set_bio(p->ssl, p->in, p->out);
	if (server) {
		SSL_set_accept_state(p->ssl);
	} else {
		SSL_set_connect_state(p->ssl);
		SSL_set_tlsext_host_name(p->ssl, "localhost");
		SSL_set1_host(p->ssl, "localhost");
	}
}

/* move bytes both ways until neither side makes progress */
static void run(struct tlsk_engine *e, struct peer *p, tamper_fn tamper)
{
	struct buf to_ssl = { 0 }, to_engine = { 0 };
	uint8_t tmp[32768];

	for (int i = 0; i < 1000; i++) {
		bool moved = false;
		int n;

		drain_output(e, &to_ssl);
		if (to_ssl.len) {
			BIO_write(p->in, to_ssl.p, (int)to_ssl.len);
			buf_reset(&to_ssl);
			moved = true;
		}
		if (!SSL_is_init_finished(p->ssl))
			SSL_do_handshake(p->ssl);
		else
			SSL_read(p->ssl, tmp, 0);
		while ((n = BIO_read(p->out, tmp, sizeof(tmp))) > 0) {
			if (tamper)
				tamper(tmp, (size_t)n);
			buf_put(&to_engine, tmp, (size_t)n);
			moved = true;
		}
		moved |= feed_input(e, &to_engine, 0);
		if (!moved)
			break;
	}
	buf_free(&to_ssl);
	buf_free(&to_engine);
}

/* OpenSSL's error queue as TAP diagnostics */
static void ossl_errors(void)
{
	char line[256];
	unsigned long err;

	while ((err = ERR_get_error())) {
		ERR_error_string_n(err, line, sizeof(line));
		printf("# openssl: %s\n", line);
	}
}

static void report(struct tlsk_engine *e)
{
	const char *why;

	if (tlsk_engine_state(e) == TLSK_STATE_FAILED) {
		tlsk_engine_error(e, NULL, NULL, &why);
		printf("# engine failed: %s\n", why);
	}
	ossl_errors();
}

static struct tlsk_config *config(const char *leaf, bool client_auth)
{
	struct tlsk_config *cfg = tlsk_config_new();

	CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki, "root.crt")));
	if (leaf)
		CHECK(!tlsk_config_add_cert(cfg, chain_of(leaf), key_of(leaf)));
	if (client_auth)
		tlsk_config_set_verify(cfg, TLSK_VERIFY_REQUIRE);
	return cfg;
}

/* one handshake; true when both ends finished it */
static bool handshake(struct tlsk_config *cfg, enum tlsk_role role,
		      struct peer *p, tamper_fn tamper, struct tlsk_engine **ep)
{
	struct tlsk_engine *e = tlsk_engine_new(cfg, role);
	bool ok;

	ERR_clear_error();
	if (role == TLSK_ROLE_CLIENT)
		CHECK(!tlsk_engine_set_server_name(e, "localhost"));
	peer_start(p, role == TLSK_ROLE_CLIENT);
	run(e, p, tamper);
	ok = tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED &&
	     SSL_is_init_finished(p->ssl);
	if (ep)
		*ep = e;
	else
		tlsk_engine_free(e);
	return ok;
}

static void peer_end(struct peer *p)
{
	if (SSL_is_init_finished(p->ssl))
		SSL_set_shutdown(p->ssl, SSL_SENT_SHUTDOWN |
				 SSL_RECEIVED_SHUTDOWN);
	SSL_free(p->ssl);
	p->ssl = NULL;
}

static bool saw(const struct scheme *s, int (*type_of)(const SSL *, int *),
		int (*md_of)(SSL *, int *), SSL *ssl)
{
	int type = 0, md = -1;

	if (type_of(ssl, &type) != 1 || md_of(ssl, &md) != 1)
		return false;
	if (type != s->type || md != s->md) {
		printf("# %s (%s): OpenSSL saw type %d hash %d\n", s->ossl,
		       s->leaf, type, md);
		return false;
	}
	return true;
}

static int own_type(const SSL *ssl, int *nid)
{
	return SSL_get_signature_type_nid(ssl, nid);
}

static int peer_type(const SSL *ssl, int *nid)
{
	return SSL_get_peer_signature_type_nid(ssl, nid);
}

static int own_md(SSL *ssl, int *nid)
{
	return SSL_get_signature_nid(ssl, nid);
}

static int peer_md(SSL *ssl, int *nid)
{
	return SSL_get_peer_signature_nid(ssl, nid);
}

static const char *const direction_name[] = {
	"our server signs", "our client verifies", "our client signs",
	"our server verifies",
};

/* one scheme, one direction, one version: false if not applicable */
static bool one(const struct scheme *s, enum direction d, int version)
{
	bool server = d == OUR_SERVER_SIGNS || d == OUR_SERVER_VERIFIES;
	bool ossl_signs = d == OUR_CLIENT_VERIFIES || d == OUR_SERVER_VERIFIES;
	bool client_auth = d == OUR_CLIENT_SIGNS || d == OUR_SERVER_VERIFIES;
	const char *our_leaf = NULL, *their_leaf = NULL;
	struct tlsk_config *cfg;
	struct peer p = { 0 };
	bool ok;

	if (version == TLS1_3_VERSION && !s->tls13)
		return false;
	if (version == TLS1_2_VERSION && (s->skip12 & 1u << d))
		return false;
	switch (d) {
	case OUR_SERVER_SIGNS:
		our_leaf = s->leaf;
		break;
	case OUR_CLIENT_VERIFIES:
		their_leaf = s->leaf;
		break;
	case OUR_CLIENT_SIGNS:
		our_leaf = s->leaf;
		their_leaf = "sig-ec256";
		break;
	case OUR_SERVER_VERIFIES:
		our_leaf = "sig-ec256";
		their_leaf = s->leaf;
		break;
	}
	cfg = config(our_leaf, server && client_auth);
	p.ctx = ossl_ctx(!server, version, their_leaf);
	if (client_auth) {
		CHECK(SSL_CTX_set1_client_sigalgs_list(p.ctx, s->ossl) == 1);
		if (!server)	/* OpenSSL's server asks for a certificate */
			SSL_CTX_set_verify(p.ctx, SSL_VERIFY_PEER |
					   SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
					   NULL);
	} else {
		CHECK(SSL_CTX_set1_sigalgs_list(p.ctx, s->ossl) == 1);
	}
	ok = handshake(cfg, server ? TLSK_ROLE_SERVER : TLSK_ROLE_CLIENT, &p,
		       NULL, NULL);
	if (!ok) {
		printf("# %s with %s, %s, TLS 1.%d: no handshake\n", s->ossl,
		       s->leaf, direction_name[d],
		       version == TLS1_3_VERSION ? 3 : 2);
		ossl_errors();
	}
	CHECK(ok);
	if (ok)
		CHECK(saw(s, ossl_signs ? own_type : peer_type,
			  ossl_signs ? own_md : peer_md, p.ssl));
	peer_end(&p);
	SSL_CTX_free(p.ctx);
	tlsk_config_free(cfg);
	return true;
}

static void each_scheme(enum direction d, int version)
{
	int n = 0;

	for (size_t i = 0; i < NSCHEMES; i++)
		n += one(&schemes[i], d, version);
	CHECK(n > 0);
}

static void tls13_our_server_signs(void)
{
	each_scheme(OUR_SERVER_SIGNS, TLS1_3_VERSION);
}

static void tls13_our_client_verifies(void)
{
	each_scheme(OUR_CLIENT_VERIFIES, TLS1_3_VERSION);
}

static void tls13_our_client_cert_signs(void)
{
	each_scheme(OUR_CLIENT_SIGNS, TLS1_3_VERSION);
}

static void tls13_our_server_verifies_client_cert(void)
{
	each_scheme(OUR_SERVER_VERIFIES, TLS1_3_VERSION);
}

static void tls12_our_server_signs(void)
{
	each_scheme(OUR_SERVER_SIGNS, TLS1_2_VERSION);
}

static void tls12_our_client_verifies(void)
{
	each_scheme(OUR_CLIENT_VERIFIES, TLS1_2_VERSION);
}

static void tls12_our_client_cert_signs(void)
{
	each_scheme(OUR_CLIENT_SIGNS, TLS1_2_VERSION);
}

static void tls12_our_server_verifies_client_cert(void)
{
	each_scheme(OUR_SERVER_VERIFIES, TLS1_2_VERSION);
}

/* ---- the peer's order of preference picks ---- */

/* OpenSSL client offering `offer`; the scheme our server signed with
 * (type, hash), or type 0 when the handshake failed */
static void our_server_choice(int version, const char *leaf,
			      const char *offer, int *type, int *md,
			      uint8_t *alert)
{
	struct tlsk_config *cfg = config(leaf, false);
	struct peer p = { .ctx = ossl_ctx(false, version, NULL) };
	struct tlsk_engine *e;

	*type = 0;
	*md = -1;
	*alert = 0;
	CHECK(SSL_CTX_set1_sigalgs_list(p.ctx, offer) == 1);
	if (handshake(cfg, TLSK_ROLE_SERVER, &p, NULL, &e)) {
		SSL_get_peer_signature_type_nid(p.ssl, type);
		SSL_get_peer_signature_nid(p.ssl, md);
	} else {
		tlsk_engine_error(e, alert, NULL, NULL);
	}
	tlsk_engine_free(e);
	peer_end(&p);
	SSL_CTX_free(p.ctx);
	tlsk_config_free(cfg);
}

static void server_follows_client_order(void)
{
	static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };
	int type, md;
	uint8_t alert;

	for (size_t v = 0; v < 2; v++) {
		our_server_choice(versions[v], "sig-rsa",
				  "rsa_pss_rsae_sha512:rsa_pss_rsae_sha256",
				  &type, &md, &alert);
		CHECK(type == EVP_PKEY_RSA_PSS && md == NID_sha512);
		our_server_choice(versions[v], "sig-rsa",
				  "rsa_pss_rsae_sha384:rsa_pss_rsae_sha512",
				  &type, &md, &alert);
		CHECK(type == EVP_PKEY_RSA_PSS && md == NID_sha384);
		/* unusable ones ahead are skipped */
		our_server_choice(versions[v], "sig-rsa",
				  "ecdsa_secp256r1_sha256:ed25519:"
				  "rsa_pss_pss_sha256:rsa_pss_rsae_sha512",
				  &type, &md, &alert);
		CHECK(type == EVP_PKEY_RSA_PSS && md == NID_sha512);
		our_server_choice(versions[v], "sig-ec384",
				  "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384",
				  &type, &md, &alert);
		if (versions[v] == TLS1_3_VERSION)	/* bound to P-384 */
			CHECK(type == EVP_PKEY_EC && md == NID_sha384);
		else		/* TLS 1.2: the client's first ECDSA hash */
			CHECK(type == EVP_PKEY_EC && md == NID_sha256);
	}
	/* TLS 1.2: PKCS#1 first in the client's list */
	our_server_choice(TLS1_2_VERSION, "sig-rsa",
			  "rsa_pkcs1_sha384:rsa_pss_rsae_sha256", &type, &md,
			  &alert);
	CHECK(type == EVP_PKEY_RSA && md == NID_sha384);
}

/* An RSASSA-PSS key restricted to SHA-256 signs with no other hash */
static void restricted_pss_key(void)
{
	static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };
	int type, md;
	uint8_t alert;

	for (size_t v = 0; v < 2; v++) {
		our_server_choice(versions[v], "sig-rsa-pss-sha256",
				  "rsa_pss_pss_sha512:rsa_pss_pss_sha384:"
				  "rsa_pss_pss_sha256", &type, &md, &alert);
		CHECK(type == EVP_PKEY_RSA_PSS && md == NID_sha256);
		our_server_choice(versions[v], "sig-rsa-pss-sha256",
				  "rsa_pss_pss_sha512:rsa_pss_rsae_sha256",
				  &type, &md, &alert);
		CHECK(type == 0 && alert == ALERT_HANDSHAKE_FAILURE);
	}
}

/* RFC 8446 4.4.3, RFC 5246 7.4.1.4.1: nothing our key can sign with in
 * the client's list is handshake_failure */
static void no_common_scheme_is_handshake_failure(void)
{
	static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };
	int type, md;
	uint8_t alert;

	for (size_t v = 0; v < 2; v++) {
		our_server_choice(versions[v], "sig-ed25519",
				  "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256",
				  &type, &md, &alert);
		CHECK(type == 0 && alert == ALERT_HANDSHAKE_FAILURE);
		our_server_choice(versions[v], "sig-rsa", "rsa_pss_pss_sha256",
				  &type, &md, &alert);
		CHECK(type == 0 && alert == ALERT_HANDSHAKE_FAILURE);
	}
	/* TLS 1.3: an ECDSA scheme names its curve */
	our_server_choice(TLS1_3_VERSION, "sig-ec384", "ecdsa_secp256r1_sha256",
			  &type, &md, &alert);
	CHECK(type == 0 && alert == ALERT_HANDSHAKE_FAILURE);
}

/* Our client signs with the first scheme of the server's
 * CertificateRequest that its key can do */
static void client_follows_server_order(void)
{
	static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };

	for (size_t v = 0; v < 2; v++) {
		struct tlsk_config *cfg = config("sig-rsa", false);
		struct peer p = { .ctx = ossl_ctx(true, versions[v],
						  "sig-ec256") };
		int type = 0, md = 0;

		CHECK(SSL_CTX_set1_client_sigalgs_list(p.ctx,
			"ecdsa_secp256r1_sha256:rsa_pss_rsae_sha512:"
			"rsa_pss_rsae_sha256") == 1);
		SSL_CTX_set_verify(p.ctx, SSL_VERIFY_PEER |
				   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		CHECK(handshake(cfg, TLSK_ROLE_CLIENT, &p, NULL, NULL));
		CHECK(SSL_get_peer_signature_type_nid(p.ssl, &type) == 1 &&
		      type == EVP_PKEY_RSA_PSS);
		CHECK(SSL_get_peer_signature_nid(p.ssl, &md) == 1 &&
		      md == NID_sha512);
		peer_end(&p);
		SSL_CTX_free(p.ctx);
		tlsk_config_free(cfg);
	}
}

/* ---- refusals ---- */

/* the first handshake message of this type in these plaintext records:
 * its body, or NULL */
static uint8_t *find_message(uint8_t *p, size_t n, uint8_t type,
			     size_t *len)
{
	size_t off = 0;

	while (off + 5 <= n) {
		size_t rlen = (size_t)p[off + 3] << 8 | p[off + 4];
		size_t m = off + 5;

		if (p[off] == CT_HANDSHAKE)
			while (m + 4 <= off + 5 + rlen && m + 4 <= n) {
				size_t mlen = (size_t)p[m + 1] << 16 |
					      (size_t)p[m + 2] << 8 | p[m + 3];

				if (p[m] == type && m + 4 + mlen <= n) {
					*len = mlen;
					return p + m + 4;
				}
				m += 4 + mlen;
			}
		off += 5 + rlen;
	}
	return NULL;
}

static uint16_t forced_scheme;

/* RFC 8422 5.4: curve_type, named_curve, the point, then the signature's
 * scheme */
static void ske_scheme(uint8_t *p, size_t n)
{
	size_t len;
	uint8_t *ske = find_message(p, n, 12, &len);

	if (ske && len > 6 && 4u + ske[3] + 2 <= len) {
		ske[4 + ske[3]] = (uint8_t)(forced_scheme >> 8);
		ske[4 + ske[3] + 1] = (uint8_t)forced_scheme;
	}
}

static void ske_signature_bit(uint8_t *p, size_t n)
{
	size_t len;
	uint8_t *ske = find_message(p, n, 12, &len);

	if (ske && len > 16)
		ske[len - 8] ^= 1;
}

/* RFC 5246 7.4.8: the scheme, then the signature */
static void cv_scheme(uint8_t *p, size_t n)
{
	size_t len;
	uint8_t *cv = find_message(p, n, HS_CERTIFICATE_VERIFY, &len);

	if (cv && len > 4) {
		cv[0] = (uint8_t)(forced_scheme >> 8);
		cv[1] = (uint8_t)forced_scheme;
	}
}

static void cv_signature_bit(uint8_t *p, size_t n)
{
	size_t len;
	uint8_t *cv = find_message(p, n, HS_CERTIFICATE_VERIFY, &len);

	if (cv && len > 16)
		cv[len - 8] ^= 1;
}

/* our TLS 1.2 client against a server whose ServerKeyExchange is
 * changed by `tamper`: the alert our client sends */
static uint8_t client12_alert(const char *leaf, const char *sigalgs,
			      tamper_fn tamper)
{
	struct tlsk_config *cfg = config(NULL, false);
	struct peer p = { .ctx = ossl_ctx(true, TLS1_2_VERSION, leaf) };
	struct tlsk_engine *e;
	uint8_t alert = 0;
	int received = 1;

	if (sigalgs)
		CHECK(SSL_CTX_set1_sigalgs_list(p.ctx, sigalgs) == 1);
	CHECK(!handshake(cfg, TLSK_ROLE_CLIENT, &p, tamper, &e));
	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	tlsk_engine_error(e, &alert, &received, NULL);
	CHECK(!received);
	ERR_clear_error();
	tlsk_engine_free(e);
	peer_end(&p);
	SSL_CTX_free(p.ctx);
	tlsk_config_free(cfg);
	return alert;
}

/* RFC 5246 7.4.3 with 7.4.1.4.1, RFC 8446 4.2.3 (SHA-1 and MD5 are
 * never offered, so never accepted): a ServerKeyExchange signed with a
 * scheme we did not offer, or one that is not the certificate's, is
 * illegal_parameter (as OpenSSL: SSL_R_WRONG_SIGNATURE_TYPE); a bad
 * signature decrypt_error */
static void tls12_ske_unoffered_scheme(void)
{
	static const uint16_t bad[] = {
		0x0203,		/* ecdsa_sha1 */
		0x0201,		/* rsa_pkcs1_sha1 */
		0x0103,		/* ECDSA with MD5 */
		0x0101,		/* RSA with MD5 */
		0x0804,		/* rsa_pss_rsae_sha256: not an EC key's */
		0x0807,		/* ed25519: not a P-256 key's */
		0xfe01,		/* unknown */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		forced_scheme = bad[i];
		CHECK(client12_alert("sig-ec256", "ECDSA+SHA256", ske_scheme) ==
		      ALERT_ILLEGAL_PARAMETER);
	}
	CHECK(client12_alert("sig-ec256", "ECDSA+SHA256", ske_signature_bit) ==
	      ALERT_DECRYPT_ERROR);
	CHECK(client12_alert("sig-rsa", "rsa_pss_rsae_sha512",
			     ske_signature_bit) == ALERT_DECRYPT_ERROR);
}

/* OpenSSL's client: with a client certificate whose CertificateVerify
 * `tamper` changes; the alert our server sends */
static uint8_t server12_cv_alert(const char *leaf, const char *sigalgs,
				 tamper_fn tamper)
{
	struct tlsk_config *cfg = config("sig-ec256", true);
	struct peer p = { .ctx = ossl_ctx(false, TLS1_2_VERSION, leaf) };
	struct tlsk_engine *e;
	uint8_t alert = 0;
	int received = 1;

	CHECK(SSL_CTX_set1_client_sigalgs_list(p.ctx, sigalgs) == 1);
	CHECK(!handshake(cfg, TLSK_ROLE_SERVER, &p, tamper, &e));
	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	tlsk_engine_error(e, &alert, &received, NULL);
	CHECK(!received);
	ERR_clear_error();
	tlsk_engine_free(e);
	peer_end(&p);
	SSL_CTX_free(p.ctx);
	tlsk_config_free(cfg);
	return alert;
}

/* RFC 5246 7.4.8: the client's CertificateVerify likewise */
static void tls12_cv_unoffered_scheme(void)
{
	static const uint16_t bad[] = { 0x0203, 0x0201, 0x0103, 0x0101,
					0x0804, 0x0807, 0xfe01 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		forced_scheme = bad[i];
		CHECK(server12_cv_alert("sig-ec256", "ECDSA+SHA256",
					cv_scheme) == ALERT_ILLEGAL_PARAMETER);
	}
	CHECK(server12_cv_alert("sig-ec256", "ECDSA+SHA224",
				cv_signature_bit) == ALERT_DECRYPT_ERROR);
	CHECK(server12_cv_alert("sig-rsa-pss", "rsa_pss_pss_sha384",
				cv_signature_bit) == ALERT_DECRYPT_ERROR);
}

static X509 *load_leaf(const char *leaf)
{
	FILE *f = fopen(chain_of(leaf), "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	CHECK(x != NULL);
	return x;
}

/* RFC 8446 4.4.3: a TLS 1.3 CertificateVerify (read as the engine does,
 * the records being encrypted) with a scheme not offered, one a TLS 1.3
 * CertificateVerify MUST NOT use (PKCS#1, SHA-1, SHA-224), or one bound
 * to another curve than the certificate's: illegal_parameter */
static void tls13_cv_unusable_scheme(void)
{
	static const struct {
		const char *leaf;
		uint16_t scheme;
	} bad[] = {
		{ "sig-ec256", 0x0203 },	/* ecdsa_sha1 */
		{ "sig-ec256", 0x0303 },	/* ECDSA+SHA224: 1.2 only */
		{ "sig-ec256", 0x0503 },	/* P-384's, not P-256's */
		{ "sig-ec384", 0x0603 },	/* P-521's */
		{ "sig-rsa", 0x0401 },		/* rsa_pkcs1_sha256 */
		{ "sig-rsa", 0x0201 },		/* rsa_pkcs1_sha1 */
		{ "sig-rsa", 0x0809 },		/* rsa_pss_pss: not rsae */
		{ "sig-rsa-pss", 0x0804 },	/* rsa_pss_rsae: not pss */
		{ "sig-rsa-pss-sha256", 0x080a },	/* key: SHA-256 only */
		{ "sig-ed25519", 0x0403 },
	};
	struct tlsk_config *cfg = config(NULL, false);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
		uint8_t body[] = { (uint8_t)(bad[i].scheme >> 8),
				   (uint8_t)bad[i].scheme, 0, 2, 0x30, 0 };
		struct rd r;
		uint8_t alert = 0;

		e->peer_leaf = load_leaf(bad[i].leaf);
		rd_init(&r, body, sizeof(body));
		CHECK(read_certificate_verify(e, &r) < 0);
		tlsk_engine_error(e, &alert, NULL, NULL);
		if (alert != ALERT_ILLEGAL_PARAMETER)
			printf("# %s %#06x: alert %u\n", bad[i].leaf,
			       bad[i].scheme, alert);
		CHECK(alert == ALERT_ILLEGAL_PARAMETER);
		tlsk_engine_free(e);
	}
	tlsk_config_free(cfg);
}

/* RFC 8422 5.3, as OpenSSL 3.0 checks (ssl_check_srvr_ecc_cert_and_alg):
 * an ECDSA suite's certificate with a key usage that lacks
 * digitalSignature is refused with handshake_failure, OpenSSL's alert
 * (no RFC names one). OpenSSL's server will not use such a certificate,
 * ours does not look: ours serves it. */
static void tls12_ecdsa_leaf_without_digital_signature(void)
{
	static const char *const leaves[] = { "sig-ec256-nosign", "sig-ec256" };

	for (size_t i = 0; i < 2; i++) {
		struct tlsk_config *scfg = config(leaves[i], false);
		struct tlsk_config *ccfg = config(NULL, false);
		struct tlsk_engine *s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
		struct tlsk_engine *c;
		struct buf c2s = { 0 }, s2c = { 0 };
		uint8_t alert = 0;
		int received = 1;

		CHECK(!tlsk_config_set_versions(scfg, 0x0303, 0x0303));
		c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);
		CHECK(!tlsk_engine_set_server_name(c, "localhost"));
		ERR_clear_error();
		run_pair(c, s, &c2s, &s2c, 0);
		if (i == 0) {
			CHECK(tlsk_engine_state(c) == TLSK_STATE_FAILED);
			tlsk_engine_error(c, &alert, &received, NULL);
			CHECK(alert == ALERT_HANDSHAKE_FAILURE && !received);
		} else {
			report(c);
			CHECK(tlsk_engine_state(c) == TLSK_STATE_ESTABLISHED);
		}
		tlsk_engine_free(c);
		tlsk_engine_free(s);
		buf_free(&c2s);
		buf_free(&s2c);
		tlsk_config_free(scfg);
		tlsk_config_free(ccfg);
	}
}

/* A TLS 1.2 CertificateRequest without certificate_types (GnuTLS with
 * Ed25519 alone): the schemes decide; without a certificate of ours, an
 * empty Certificate follows */
static void tls12_cert_request_without_types(void)
{
	static const uint8_t body[] = { 0, 0, 4, 0x08, 0x07, 0x04, 0x03, 0, 0 };
	static const char *const leaves[] = { NULL, "sig-ed25519", "sig-ec256",
					       "sig-rsa" };
	static const uint16_t want[] = { 0, 0x0807, 0x0403, 0 };

	for (size_t i = 0; i < 4; i++) {
		struct tlsk_config *cfg = config(leaves[i], false);
		struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
		struct rd r;

		rd_init(&r, body, sizeof(body));
		CHECK(tls12_client_read_cert_request(e, &r) == 0);
		CHECK(want[i] ? e->cert && e->sig && e->sig->id == want[i] :
				!e->cert);
		tlsk_engine_free(e);
		tlsk_config_free(cfg);
	}
}

int main(void)
{
	pki.sigs = 1;
	if (testpki_make(&pki)) {
		printf("Bail out! cannot make test PKI\n");
		return 1;
	}
	RUN(tls13_our_server_signs);
	RUN(tls13_our_client_verifies);
	RUN(tls13_our_client_cert_signs);
	RUN(tls13_our_server_verifies_client_cert);
	RUN(tls12_our_server_signs);
	RUN(tls12_our_client_verifies);
	RUN(tls12_our_client_cert_signs);
	RUN(tls12_our_server_verifies_client_cert);
	RUN(server_follows_client_order);
	RUN(restricted_pss_key);
	RUN(no_common_scheme_is_handshake_failure);
	RUN(client_follows_server_order);
	RUN(tls12_ske_unoffered_scheme);
	RUN(tls12_cv_unoffered_scheme);
	RUN(tls13_cv_unusable_scheme);
	RUN(tls12_ecdsa_leaf_without_digital_signature);
	RUN(tls12_cert_request_without_types);
	testpki_remove(&pki);
	return tap_done();
}
