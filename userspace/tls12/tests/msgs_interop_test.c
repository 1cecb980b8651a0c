// SPDX-License-Identifier: MIT
/*
 * The TLS 1.2 message codec against OpenSSL's libssl: the messages of a
 * real libssl handshake (ssl12.c) parse, re-encode to the same bytes, and
 * carry what they should: libssl's ServerKeyExchange signature verifies
 * over our tls12_ske_signed_data(); its CertificateRequest names the CA it
 * was given; its ClientKeyExchange point fits the group; its
 * NewSessionTicket parses; its ServerHello answers renegotiation_info
 * with the empty form and sets no downgrade sentinel.
 */
#include "tls12_msgs.h"

#include <string.h>

#include <openssl/rsa.h>

#include "../../tests/tap.h"
#include "ssl12.h"
#include "suites.h"

static EVP_PKEY *ec_key, *rsa_key;
static struct ssl12 p;	/* big: wire buffers */

/* RFC 5246 4.7 with the scheme's hash and padding (RFC 8446 4.2.3) */
static int verify(EVP_PKEY *key, const struct tls12_signed *s,
		  const struct buf *content)
{
	const struct tlsk_sigscheme *scheme = tlsk_sigscheme_by_id(s->sigalg);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = scheme && md &&
		 EVP_DigestVerifyInit(md, &pctx, scheme->md ? scheme->md() :
							      NULL,
				      NULL, key) == 1;

	if (ok && scheme->pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
						  RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
						      RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok && EVP_DigestVerify(md, s->sig, s->sig_len, content->p,
				    content->len) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

static void check_ske(EVP_PKEY *key, uint16_t group)
{
	struct buf tbs = { 0 }, again = { 0 };
	struct tls12_ske ske;
	const uint8_t *body;
	size_t len = 0;

	body = ssl12_message(&p, TLS12_HS_SERVER_KEY_EXCHANGE, &len);
	CHECK(body && !tls12_ske_parse(body, len, &ske));
	if (!body)
		return;
	CHECK(ske.group == group);
	CHECK(!tls12_ske_signed_data(p.client_random, p.server_random,
				     ske.params, ske.params_len, &tbs));
	CHECK(verify(key, &ske.sig, &tbs));
	tbs.p[0] ^= 1;		/* and only over that content */
	CHECK(!verify(key, &ske.sig, &tbs));
	tls12_ske_put_params(&again, ske.group, ske.point, ske.point_len);
	tls12_signed_put(&again, ske.sig.sigalg, ske.sig.sig, ske.sig.sig_len);
	CHECK(again.len == len && !memcmp(again.p, body, len));
	buf_free(&tbs);
	buf_free(&again);
}

static void check_cke(uint16_t group)
{
	const uint8_t *body, *point;
	size_t len = 0, point_len;

	body = ssl12_message(&p, TLS12_HS_CLIENT_KEY_EXCHANGE, &len);
	CHECK(body && !tls12_cke_ecdhe_parse(body, len, group, &point,
					     &point_len));
}

/* ServerHello extensions: renegotiation_info must be the empty form */
static void check_server_hello(void)
{
	const uint8_t *body, *ext = NULL;
	size_t len = 0, ext_len = 0;
	struct rd r, exts, data;

	body = ssl12_message(&p, 2, &len);
	CHECK(body != NULL);
	if (!body)
		return;
	CHECK(!tls12_downgrade_detected(body + 2, 0x0304, 0x0303));
	rd_init(&r, body, len);
	rd_bytes(&r, 2 + 32);			/* version, random */
	rd_vec(&r, 1, 0, 32, &data);		/* session_id */
	rd_bytes(&r, 3);			/* suite, compression */
	rd_vec(&r, 2, 0, 0xffff, &exts);
	while (rd_left(&exts)) {
		uint16_t type = rd_u16(&exts);

		rd_vec(&exts, 2, 0, 0xffff, &data);
		if (type == TLS12_EXT_RENEGOTIATION_INFO) {
			ext = data.p + data.off;
			ext_len = rd_left(&data);
		}
	}
	CHECK(rd_done(&r) && ext != NULL);
	CHECK(ext && !tls12_reneg_info_check_initial(ext, ext_len));
}

static void ecdhe_ecdsa_x25519(void)
{
	CHECK(!ssl12_connect(&p, "ECDHE-ECDSA-AES128-GCM-SHA256", ec_key, 0));
	check_server_hello();
	check_ske(ec_key, 0x001d);	/* libssl's first group */
	check_cke(0x001d);
	ssl12_free(&p);
}

static void ecdhe_rsa(void)
{
	CHECK(!ssl12_connect(&p, "ECDHE-RSA-AES256-GCM-SHA384", rsa_key, 0));
	check_ske(rsa_key, 0x001d);
	ssl12_free(&p);
}

static void cert_request_and_verify(void)
{
	struct tls12_cert_request cr;
	struct tls12_signed cv;
	const uint8_t *body, *der;
	size_t len = 0, der_len;
	struct rd it;

	CHECK(!ssl12_connect(&p, "ECDHE-ECDSA-AES128-GCM-SHA256", ec_key,
			     SSL12_CLIENT_AUTH));
	body = ssl12_message(&p, 13, &len);
	CHECK(body && !tls12_cert_request_parse(body, len, &cr));
	CHECK(cr.ncas == 1 && cr.nsigalgs > 0);
	CHECK(memchr(cr.types, TLS12_CERT_TYPE_ECDSA_SIGN, cr.ntypes) != NULL);
	rd_init(&it, cr.cas, cr.cas_len);
	if (tls12_ca_next(&it, &der, &der_len)) {
		X509_NAME *name = d2i_X509_NAME(NULL, &der, (long)der_len);
		X509 *peer = SSL_get0_peer_certificate(p.client);

		CHECK(name && peer &&
		      !X509_NAME_cmp(name, X509_get_subject_name(peer)));
		X509_NAME_free(name);
	}
	/* RFC 5246 7.4.8: the client signs every message before it */
	body = ssl12_message(&p, 15, &len);
	CHECK(body && !tls12_cert_verify_parse(body, len, &cv));
	if (body) {
		struct buf before = { 0 };

		buf_put(&before, p.transcript.bytes,
			(size_t)(body - 4 - p.transcript.bytes));
		CHECK(verify(ec_key, &cv, &before));
		buf_free(&before);
	}
	ssl12_free(&p);
}

static void new_session_ticket(void)
{
	const uint8_t *body, *ticket;
	size_t len = 0, ticket_len = 0;
	uint32_t hint;

	CHECK(!ssl12_connect(&p, "ECDHE-ECDSA-CHACHA20-POLY1305", ec_key,
			     SSL12_TICKETS));
	body = ssl12_message(&p, 4, &len);
	CHECK(body && !tls12_nst_parse(body, len, &hint, &ticket,
				       &ticket_len));
	CHECK(ticket_len > 0 && hint > 0);
	ssl12_free(&p);
}

int main(void)
{
	ec_key = EVP_EC_gen("P-256");
	rsa_key = EVP_RSA_gen(2048);
	RUN(ecdhe_ecdsa_x25519);
	RUN(ecdhe_rsa);
	RUN(cert_request_and_verify);
	RUN(new_session_ticket);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa_key);
	return tap_done();
}
