// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 message codec: every writer's output parses back to what was
 * written; every truncation of a good message, a byte too many, and each
 * inner length off by one is decode_error (-EBADMSG); well-formed but
 * unacceptable values are illegal_parameter (-EINVAL). Wire layouts are
 * checked byte for byte against RFC 5246, RFC 8422, RFC 5077, RFC 5746
 * and RFC 8446 4.1.3.
 */
#include "tls12_msgs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "../../lib/tests/hex.h"
#include "../../tests/tap.h"

typedef int (*parse_fn)(const uint8_t *body, size_t len);

/* every proper prefix of a good message is malformed, and so is the
 * message with one byte more */
static int rejects_truncation_and_trailing(parse_fn parse, const struct buf *good)
{
	uint8_t *copy = malloc(good->len + 1);
	int ok = copy != NULL;

	for (size_t n = 0; ok && n < good->len; n++) {
		memcpy(copy, good->p, n);	/* exact-size view */
		if (parse(copy, n) != -EBADMSG) {
			printf("# prefix of %zu bytes accepted\n", n);
			ok = 0;
		}
	}
	if (ok) {
		memcpy(copy, good->p, good->len);
		copy[good->len] = 0;
		ok = parse(copy, good->len + 1) == -EBADMSG;
	}
	free(copy);
	return ok;
}

/* the wire form of an x25519 and a P-256 share */
static uint8_t x25519_point[32], p256_point[65];

static void init_points(void)
{
	memset(x25519_point, 0x11, sizeof(x25519_point));
	memset(p256_point, 0x22, sizeof(p256_point));
	p256_point[0] = 0x04;
}

/* ---- ServerKeyExchange ---- */

static int ske_build(struct buf *b, uint16_t group, const uint8_t *pt,
		     size_t pt_len)
{
	static const uint8_t sig[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

	return tls12_ske_put_params(b, group, pt, pt_len) ||
	       tls12_signed_put(b, 0x0403, sig, sizeof(sig));
}

static int ske_parse_only(const uint8_t *body, size_t len)
{
	struct tls12_ske ske;

	return tls12_ske_parse(body, len, &ske);
}

static void ske_round_trip(void)
{
	struct buf b = { 0 }, tbs = { 0 };
	struct tls12_ske ske;
	uint8_t cr[32], sr[32];

	CHECK(!ske_build(&b, 0x0017, p256_point, sizeof(p256_point)));
	/* RFC 8422 5.4: named_curve(3) secp256r1(23), point<1..255> */
	CHECK(b.len == 4 + 65 + 2 + 2 + 5);
	CHECK(b.p[0] == 3 && b.p[1] == 0 && b.p[2] == 23 && b.p[3] == 65);
	CHECK(!tls12_ske_parse(b.p, b.len, &ske));
	CHECK(ske.group == 0x0017 && ske.point_len == 65);
	CHECK(!memcmp(ske.point, p256_point, 65));
	CHECK(ske.params == b.p && ske.params_len == 4 + 65);
	CHECK(ske.sig.sigalg == 0x0403 && ske.sig.sig_len == 5);
	CHECK(ske.sig.sig == b.p + b.len - 5);
	CHECK(rejects_truncation_and_trailing(ske_parse_only, &b));

	/* the signed content: client_random || server_random || params */
	memset(cr, 0xc1, sizeof(cr));
	memset(sr, 0x5e, sizeof(sr));
	CHECK(!tls12_ske_signed_data(cr, sr, ske.params, ske.params_len, &tbs));
	CHECK(tbs.len == 64 + ske.params_len);
	CHECK(!memcmp(tbs.p, cr, 32) && !memcmp(tbs.p + 32, sr, 32));
	CHECK(!memcmp(tbs.p + 64, b.p, ske.params_len));
	buf_free(&b);
	buf_free(&tbs);

	CHECK(!ske_build(&b, 0x001d, x25519_point, sizeof(x25519_point)));
	CHECK(!tls12_ske_parse(b.p, b.len, &ske) && ske.group == 0x001d);
	buf_free(&b);
}

static int ske_verdict(uint16_t group, const uint8_t *pt, size_t pt_len)
{
	struct buf b = { 0 };
	struct tls12_ske ske;
	int ret = ske_build(&b, group, pt, pt_len);

	if (!ret)
		ret = tls12_ske_parse(b.p, b.len, &ske);
	buf_free(&b);
	return ret;
}

static void ske_rejections(void)
{
	uint8_t compressed[33] = { 0x02 }, explicit_curve[] = { 1, 0, 23 };
	struct tls12_ske ske;

	/* unknown group, share of the wrong length or form */
	CHECK(ske_verdict(0x0019, p256_point, 65) == -EINVAL);	/* P-521 */
	CHECK(ske_verdict(0x0017, x25519_point, 32) == -EINVAL);
	CHECK(ske_verdict(0x001d, p256_point, 65) == -EINVAL);
	CHECK(ske_verdict(0x0017, compressed, sizeof(compressed)) == -EINVAL);
	p256_point[0] = 0x05;
	CHECK(ske_verdict(0x0017, p256_point, 65) == -EINVAL);
	p256_point[0] = 0x04;
	/* explicit_prime curves are gone (RFC 8422 5.4) */
	CHECK(tls12_ske_parse(explicit_curve, sizeof(explicit_curve), &ske) ==
	      -EINVAL);
	/* an empty point is not even well formed: ECPoint <1..2^8-1> */
	CHECK(tls12_ske_parse((const uint8_t[]){ 3, 0, 29, 0, 4, 3, 0, 0 }, 8,
			      &ske) == -EBADMSG);
}

/* ---- CertificateRequest ---- */

static STACK_OF(X509_NAME) *two_names(void)
{
	STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
	const char *cns[] = { "Test CA One", "Test CA Two" };

	for (size_t i = 0; i < 2; i++) {
		X509_NAME *n = X509_NAME_new();

		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
					   (const unsigned char *)cns[i], -1,
					   -1, 0);
		sk_X509_NAME_push(names, n);
	}
	return names;
}

static int cr_parse_only(const uint8_t *body, size_t len)
{
	struct tls12_cert_request cr;

	return tls12_cert_request_parse(body, len, &cr);
}

static void cert_request_round_trip(void)
{
	static const uint8_t types[] = { TLS12_CERT_TYPE_ECDSA_SIGN,
					 TLS12_CERT_TYPE_RSA_SIGN };
	static const uint16_t algs[] = { 0x0403, 0x0804, 0x0401 };
	STACK_OF(X509_NAME) *names = two_names();
	struct tls12_cert_request cr;
	struct buf b = { 0 };
	const uint8_t *der;
	size_t der_len, i = 0;
	struct rd it;

	CHECK(!tls12_cert_request_put(&b, types, 2, algs, 3, names));
	CHECK(b.p[0] == 2 && b.p[1] == 64 && b.p[2] == 1);
	CHECK(b.p[3] == 0 && b.p[4] == 6);
	CHECK(!tls12_cert_request_parse(b.p, b.len, &cr));
	CHECK(cr.ntypes == 2 && !memcmp(cr.types, types, 2));
	CHECK(cr.nsigalgs == 3);
	for (size_t k = 0; k < 3; k++)
		CHECK(tls12_cert_request_sigalg(&cr, k) == algs[k]);
	CHECK(tls12_cert_request_sigalg(&cr, 3) == 0);
	CHECK(cr.ncas == 2);
	rd_init(&it, cr.cas, cr.cas_len);
	while (tls12_ca_next(&it, &der, &der_len)) {
		X509_NAME *n = d2i_X509_NAME(NULL, &der, (long)der_len);

		CHECK(n && !X509_NAME_cmp(n, sk_X509_NAME_value(names, (int)i)));
		X509_NAME_free(n);
		i++;
	}
	CHECK(i == 2 && rd_done(&it));
	CHECK(rejects_truncation_and_trailing(cr_parse_only, &b));
	buf_free(&b);

	/* no certificate_authorities is fine */
	CHECK(!tls12_cert_request_put(&b, types, 1, algs, 1, NULL));
	CHECK(!tls12_cert_request_parse(b.p, b.len, &cr) && cr.ncas == 0);
	CHECK(b.len == 1 + 1 + 2 + 2 + 2);
	buf_free(&b);
	sk_X509_NAME_pop_free(names, X509_NAME_free);
}

static void cert_request_rejections(void)
{
	struct tls12_cert_request cr;
	uint8_t m[64];
	size_t n;

	/* no certificate types: <1..2^8-1>, but GnuTLS sends that with
	 * Ed25519 alone and OpenSSL accepts it; so do we */
	n = unhex("00 0002 0807 0000", m, sizeof(m));
	CHECK(tls12_cert_request_parse(m, n, &cr) == 0 && cr.ntypes == 0 &&
	      cr.nsigalgs == 1);
	/* odd signature algorithm list */
	n = unhex("01 40 0003 040308 0000", m, sizeof(m));
	CHECK(tls12_cert_request_parse(m, n, &cr) == -EBADMSG);
	/* empty signature algorithm list: <2..2^16-2> */
	n = unhex("01 40 0000 0000", m, sizeof(m));
	CHECK(tls12_cert_request_parse(m, n, &cr) == -EBADMSG);
	/* an empty DistinguishedName: <1..2^16-1> */
	n = unhex("01 40 0002 0403 0002 0000", m, sizeof(m));
	CHECK(tls12_cert_request_parse(m, n, &cr) == -EBADMSG);
	/* a name running past its list */
	n = unhex("01 40 0002 0403 0003 0002 30", m, sizeof(m));
	CHECK(tls12_cert_request_parse(m, n, &cr) == -EBADMSG);
	/* a list with a stray byte after its last name */
	n = unhex("01 40 0002 0403 0004 0001 30 00", m, sizeof(m));
	CHECK(tls12_cert_request_parse(m, n, &cr) == -EBADMSG);
	n = unhex("01 40 0002 0403 0003 0001 30", m, sizeof(m));
	CHECK(!tls12_cert_request_parse(m, n, &cr) && cr.ncas == 1);
}

/* ---- ServerHelloDone, ClientKeyExchange, CertificateVerify ---- */

static void server_hello_done(void)
{
	uint8_t one = 0;

	CHECK(!tls12_empty_parse(&one, 0));
	CHECK(tls12_empty_parse(&one, 1) == -EBADMSG);
}

static uint16_t cke_group;

static int cke_ecdhe_parse_only(const uint8_t *body, size_t len)
{
	const uint8_t *pt;
	size_t pt_len;

	return tls12_cke_ecdhe_parse(body, len, cke_group, &pt, &pt_len);
}

static void cke_ecdhe(void)
{
	struct buf b = { 0 };
	const uint8_t *pt;
	size_t pt_len;

	CHECK(!tls12_cke_ecdhe_put(&b, x25519_point, 32));
	CHECK(b.len == 33 && b.p[0] == 32);
	CHECK(!tls12_cke_ecdhe_parse(b.p, b.len, 0x001d, &pt, &pt_len));
	CHECK(pt == b.p + 1 && pt_len == 32);
	cke_group = 0x001d;
	CHECK(rejects_truncation_and_trailing(cke_ecdhe_parse_only, &b));
	/* a share that does not fit the server's group */
	CHECK(tls12_cke_ecdhe_parse(b.p, b.len, 0x0017, &pt, &pt_len) ==
	      -EINVAL);
	CHECK(tls12_cke_ecdhe_put(&b, p256_point, 0) == -EMSGSIZE);
	buf_free(&b);
	CHECK(tls12_cke_ecdhe_parse((const uint8_t[]){ 0 }, 1, 0x001d, &pt,
				    &pt_len) == -EBADMSG);
}

static int cke_rsa_parse_only(const uint8_t *body, size_t len)
{
	const uint8_t *enc;
	size_t enc_len;

	return tls12_cke_rsa_parse(body, len, &enc, &enc_len);
}

static void cke_rsa(void)
{
	uint8_t enc[256];
	struct buf b = { 0 };
	const uint8_t *got;
	size_t got_len;

	memset(enc, 0x7e, sizeof(enc));
	CHECK(!tls12_cke_rsa_put(&b, enc, sizeof(enc)));
	CHECK(b.len == 258 && b.p[0] == 1 && b.p[1] == 0);
	CHECK(!tls12_cke_rsa_parse(b.p, b.len, &got, &got_len));
	CHECK(got_len == 256 && !memcmp(got, enc, 256));
	CHECK(rejects_truncation_and_trailing(cke_rsa_parse_only, &b));
	buf_free(&b);
}

static int cv_parse_only(const uint8_t *body, size_t len)
{
	struct tls12_signed cv;

	return tls12_cert_verify_parse(body, len, &cv);
}

static void cert_verify(void)
{
	static const uint8_t sig[] = { 9, 8, 7 };
	struct tls12_signed cv;
	struct buf b = { 0 };

	CHECK(!tls12_signed_put(&b, 0x0804, sig, sizeof(sig)));
	CHECK(hex_eq(b.p, b.len, "0804 0003 090807"));
	CHECK(!tls12_cert_verify_parse(b.p, b.len, &cv));
	CHECK(cv.sigalg == 0x0804 && cv.sig_len == 3 && cv.sig == b.p + 4);
	CHECK(rejects_truncation_and_trailing(cv_parse_only, &b));
	buf_free(&b);
}

/* ---- NewSessionTicket ---- */

static int nst_parse_only(const uint8_t *body, size_t len)
{
	uint32_t hint;
	const uint8_t *t;
	size_t t_len;

	return tls12_nst_parse(body, len, &hint, &t, &t_len);
}

static void new_session_ticket(void)
{
	static const uint8_t ticket[] = { 0xde, 0xad, 0xbe, 0xef };
	struct buf b = { 0 };
	uint32_t hint;
	const uint8_t *t;
	size_t t_len;

	CHECK(!tls12_nst_put(&b, 7200, ticket, sizeof(ticket)));
	CHECK(hex_eq(b.p, b.len, "00001c20 0004 deadbeef"));
	CHECK(!tls12_nst_parse(b.p, b.len, &hint, &t, &t_len));
	CHECK(hint == 7200 && t_len == 4 && !memcmp(t, ticket, 4));
	CHECK(rejects_truncation_and_trailing(nst_parse_only, &b));
	buf_free(&b);
	/* the empty ticket of a server that changed its mind (RFC 5077 3.3) */
	CHECK(!tls12_nst_put(&b, 0, NULL, 0));
	CHECK(!tls12_nst_parse(b.p, b.len, &hint, &t, &t_len) && t_len == 0);
	buf_free(&b);
}

/* ---- renegotiation_info, refusal, downgrade sentinel ---- */

static void renegotiation_info(void)
{
	struct buf b = { 0 };
	static const uint8_t suites[] = { 0xc0, 0x2b, 0x00, 0xff };

	CHECK(!tls12_reneg_info_put_initial(&b));
	CHECK(b.len == 1 && b.p[0] == 0);
	CHECK(!tls12_reneg_info_check_initial(b.p, b.len));
	buf_free(&b);
	/* a non-empty renegotiated_connection in an initial handshake */
	CHECK(tls12_reneg_info_check_initial((const uint8_t[]){ 1, 0xaa }, 2) ==
	      -EPROTO);
	CHECK(tls12_reneg_info_check_initial((const uint8_t[]){ 0 }, 0) ==
	      -EBADMSG);
	CHECK(tls12_reneg_info_check_initial((const uint8_t[]){ 2, 0 }, 2) ==
	      -EBADMSG);
	CHECK(tls12_reneg_info_check_initial((const uint8_t[]){ 0, 0 }, 2) ==
	      -EBADMSG);
	CHECK(tls12_offers_reneg_scsv(suites, 4));
	CHECK(!tls12_offers_reneg_scsv(suites, 2));
	CHECK(!tls12_offers_reneg_scsv(suites + 1, 2));	/* 2b 00: no */
}

static void renegotiation_refused(void)
{
	bool fatal;
	uint8_t alert;

	tls12_refuse_post_handshake(TLS12_HS_HELLO_REQUEST, false, &fatal,
				    &alert);
	CHECK(!fatal && alert == TLS12_ALERT_NO_RENEGOTIATION);
	tls12_refuse_post_handshake(1, true, &fatal, &alert);
	CHECK(!fatal && alert == TLS12_ALERT_NO_RENEGOTIATION);
	/* a HelloRequest to a server, a ClientHello to a client */
	tls12_refuse_post_handshake(TLS12_HS_HELLO_REQUEST, true, &fatal,
				    &alert);
	CHECK(fatal && alert == 10);
	tls12_refuse_post_handshake(1, false, &fatal, &alert);
	CHECK(fatal && alert == 10);
	tls12_refuse_post_handshake(TLS12_HS_SERVER_KEY_EXCHANGE, false,
				    &fatal, &alert);
	CHECK(fatal && alert == 10);
}

static void downgrade_sentinel(void)
{
	uint8_t r[32];

	memset(r, 0x33, sizeof(r));
	CHECK(!tls12_downgrade_detected(r, 0x0304, 0x0303));
	tls12_downgrade_mark(r, 0x0303);
	CHECK(hex_eq(r + 24, 8, "44 4F 57 4E 47 52 44 01"));
	CHECK(r[23] == 0x33);
	CHECK(tls12_downgrade_detected(r, 0x0304, 0x0303));
	/* a TLS 1.2 client negotiating TLS 1.2 ignores the mark */
	CHECK(!tls12_downgrade_detected(r, 0x0303, 0x0303));
	tls12_downgrade_mark(r, 0x0302);
	CHECK(hex_eq(r + 24, 8, "44 4F 57 4E 47 52 44 00"));
	CHECK(tls12_downgrade_detected(r, 0x0304, 0x0302));
	CHECK(tls12_downgrade_detected(r, 0x0303, 0x0302));
	r[24] ^= 1;
	CHECK(!tls12_downgrade_detected(r, 0x0304, 0x0302));
}

int main(void)
{
	init_points();
	RUN(ske_round_trip);
	RUN(ske_rejections);
	RUN(cert_request_round_trip);
	RUN(cert_request_rejections);
	RUN(server_hello_done);
	RUN(cke_ecdhe);
	RUN(cke_rsa);
	RUN(cert_verify);
	RUN(new_session_ticket);
	RUN(renegotiation_info);
	RUN(renegotiation_refused);
	RUN(downgrade_sentinel);
	return tap_done();
}
