// SPDX-License-Identifier: MIT
/* Malformed, truncated, out-of-order and hostile input: every failure
 * must end in FAILED with the right alert queued, never a crash. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "../../tests/tap.h"
#include "alerts.h"
#include "harness.h"
#include "hsrecord.h"
#include "testpki.h"
#include "tls12_keys.h"
#include "tls12_suites.h"
#include "tlsk/record.h"

static struct testpki pki;
static struct tlsk_config *server_cfg, *client_cfg;

/* the first flight of a fresh client engine: one ClientHello record */
static void client_hello(struct buf *ch)
{
	struct tlsk_engine *c = tlsk_engine_new(client_cfg, TLSK_ROLE_CLIENT);

	drain_output(c, ch);
	tlsk_engine_free(c);
}

/* offset of the extensions block's length in a ClientHello record */
static size_t ch_extensions_at(const struct buf *ch)
{
	size_t off = 5 + 4 + 2 + 32;

	off += 1 + ch->p[off];					/* session id */
	off += 2 + ((size_t)ch->p[off] << 8 | ch->p[off + 1]);	/* suites */
	off += 1 + ch->p[off];					/* compression */
	return off;
}

static void put_be16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void ch_rename_extension(struct buf *ch, uint16_t from, uint16_t to)
{
	size_t off = ch_extensions_at(ch) + 2;

	while (off + 4 <= ch->len) {
		uint16_t type = (uint16_t)(ch->p[off] << 8 | ch->p[off + 1]);
		size_t len = (size_t)ch->p[off + 2] << 8 | ch->p[off + 3];

		if (type == from)
			put_be16(ch->p + off, to);
		off += 4 + len;
	}
}

/* append an empty extension and fix the three enclosing lengths */
static void ch_append_extension(struct buf *ch, uint16_t type)
{
	size_t ext = ch_extensions_at(ch);
	size_t hs = ch->len - 9 + 4;
	uint8_t add[4] = { (uint8_t)(type >> 8), (uint8_t)type, 0, 0 };

	buf_put(ch, add, 4);
	put_be16(ch->p + 3, ch->len - 5);
	ch->p[6] = (uint8_t)(hs >> 16);
	put_be16(ch->p + 7, hs);
	put_be16(ch->p + ext, ch->len - ext - 2);
}

static struct tlsk_engine *server_fed(const uint8_t *p, size_t len)
{
	struct tlsk_engine *s = tlsk_engine_new(server_cfg, TLSK_ROLE_SERVER);
	struct buf in = { 0 };

	buf_put(&in, p, len);
	feed_input(s, &in, 0);
	buf_free(&in);
	return s;
}

static struct tlsk_engine *client_fed(const uint8_t *p, size_t len)
{
	struct tlsk_engine *c = tlsk_engine_new(client_cfg, TLSK_ROLE_CLIENT);
	struct buf in = { 0 }, out = { 0 };

	drain_output(c, &out);
	buf_put(&in, p, len);
	feed_input(c, &in, 0);
	buf_free(&in);
	buf_free(&out);
	return c;
}

/* FAILED, with this alert sent as the last record of the output */
static void expect_alert(struct tlsk_engine *e, uint8_t alert)
{
	uint8_t got = 0;
	int received = 1;
	size_t n;
	const uint8_t *out = tlsk_engine_output(e, &n);

	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	CHECK(tlsk_engine_error(e, &got, &received, NULL) < 0);
	CHECK(got == alert && !received);
	if (got != alert) {
		const char *why;

		tlsk_engine_error(e, NULL, NULL, &why);
		printf("# alert %u, wanted %u: %s\n", got, alert, why);
	}
	CHECK(n >= 7);
	if (n >= 7 && out[n - 7] == CT_ALERT)	/* plaintext alert */
		CHECK(out[n - 1] == alert && out[n - 2] == 2);
	CHECK(tlsk_engine_want(e) == 0);
	CHECK(tlsk_engine_input(e, (const uint8_t *)"x", 1) < 0);	/* sticky */
}

/* RFC 8996: no supported_versions and legacy_version TLS 1.1 */
static void client_offering_tls11_gets_protocol_version(void)
{
	struct buf ch = { 0 };
	struct tlsk_engine *s;

	client_hello(&ch);
	ch_rename_extension(&ch, 43, 0x0a0a);	/* no supported_versions */
	put_be16(ch.p + 9, 0x0302);		/* legacy_version */
	s = server_fed(ch.p, ch.len);
	expect_alert(s, ALERT_PROTOCOL_VERSION);
	tlsk_engine_free(s);
	buf_free(&ch);
}

/* without supported_versions it offers TLS 1.2 (legacy_version 0x0303),
 * but without extended_master_secret: RFC 7627 5.2, a server requiring
 * it aborts; by default the handshake goes on (test_chello) */
static void tls12_client_without_ems_gets_handshake_failure(void)
{
	struct buf ch = { 0 };
	struct tlsk_engine *s;

	client_hello(&ch);
	ch_rename_extension(&ch, 43, 0x0a0a);
	ch_rename_extension(&ch, 23, 0x0a0b);	/* extended_master_secret */
	tlsk_config_set_tls12_require_ems(server_cfg, 1);
	s = server_fed(ch.p, ch.len);
	tlsk_config_set_tls12_require_ems(server_cfg, 0);
	expect_alert(s, ALERT_HANDSHAKE_FAILURE);
	tlsk_engine_free(s);
	buf_free(&ch);
}

static void early_data_is_declined_and_skipped(void)
{
	static const uint8_t early[] = { CT_APPLICATION_DATA, 3, 3, 0, 8,
		1, 2, 3, 4, 5, 6, 7, 8 };
	struct buf ch = { 0 };
	struct tlsk_engine *s;
	size_t n;

	client_hello(&ch);
	ch_append_extension(&ch, 42);		/* early_data */
	buf_put(&ch, early, sizeof(early));	/* and a 0-RTT record */
	s = server_fed(ch.p, ch.len);
	CHECK(tlsk_engine_state(s) == TLSK_STATE_HANDSHAKING);
	CHECK(tlsk_engine_output(s, &n) && n > 0);
	CHECK(tlsk_engine_want(s) == 5);
	tlsk_engine_free(s);
	buf_free(&ch);
}

static void not_tls_at_all(void)
{
	static const char http[] = "GET / HTTP/1.1\r\n";
	struct tlsk_engine *s = server_fed((const uint8_t *)http, 5);

	expect_alert(s, ALERT_UNEXPECTED_MESSAGE);
	tlsk_engine_free(s);
}

static void truncated_client_hello(void)
{
	/* a 10-byte ClientHello: framing fine, contents short */
	static const uint8_t rec[] = { CT_HANDSHAKE, 3, 1, 0, 14,
		1, 0, 0, 10, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct tlsk_engine *s = server_fed(rec, sizeof(rec));

	expect_alert(s, ALERT_DECODE_ERROR);
	tlsk_engine_free(s);
}

static void oversized_record(void)
{
	static const uint8_t hdr[] = { CT_HANDSHAKE, 3, 3, 0x48, 0x01 };
	struct tlsk_engine *s = server_fed(hdr, sizeof(hdr));

	expect_alert(s, ALERT_RECORD_OVERFLOW);
	tlsk_engine_free(s);
}

static void empty_handshake_record(void)
{
	static const uint8_t hdr[] = { CT_HANDSHAKE, 3, 3, 0, 0 };
	struct tlsk_engine *s = server_fed(hdr, sizeof(hdr));

	expect_alert(s, ALERT_UNEXPECTED_MESSAGE);
	tlsk_engine_free(s);
}

static void finished_first_is_unexpected(void)
{
	static const uint8_t rec[] = { CT_HANDSHAKE, 3, 3, 0, 8,
		20, 0, 0, 4, 1, 2, 3, 4 };
	struct tlsk_engine *s = server_fed(rec, sizeof(rec));

	expect_alert(s, ALERT_UNEXPECTED_MESSAGE);
	tlsk_engine_free(s);
}

static void change_cipher_spec_before_hello(void)
{
	static const uint8_t rec[] = { CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1 };
	struct tlsk_engine *s = server_fed(rec, sizeof(rec));

	expect_alert(s, ALERT_UNEXPECTED_MESSAGE);
	tlsk_engine_free(s);
}

/* RFC 8446 D.4: one CCS is dropped, a second is unexpected_message
 * (else a peer could stream them for as long as its deadline lasts) */
static void second_change_cipher_spec_is_unexpected(void)
{
	static const uint8_t ccs[] = { CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1 };
	struct buf ch = { 0 }, out = { 0 };
	struct tlsk_engine *s;

	client_hello(&ch);
	buf_put(&ch, ccs, sizeof(ccs));
	s = server_fed(ch.p, ch.len);
	CHECK(tlsk_engine_state(s) == TLSK_STATE_HANDSHAKING);
	drain_output(s, &out);
	CHECK(out.len > 0);			/* the server's flight */
	CHECK(tlsk_engine_input(s, ccs, 5) == 0);
	CHECK(tlsk_engine_input(s, ccs + 5, 1) < 0);
	expect_alert(s, ALERT_UNEXPECTED_MESSAGE);
	tlsk_engine_free(s);
	buf_free(&ch);
	buf_free(&out);
}

/* A ClientHello of about 9 KB (a padding extension) in one-byte
 * records: every record is legal, but 9000 of them exceed the engine's
 * per-handshake budget (MAX_HS_INPUT_RECORDS); in whole records the same
 * ClientHello is answered. */
static void record_budget_per_handshake(void)
{
	enum { PAD = 9000 };
	struct buf ch = { 0 }, frag = { 0 };
	size_t ext, hs;
	struct tlsk_engine *s;
	const char *why = NULL;
	uint8_t pad[4 + PAD] = { 0, 21, PAD >> 8, PAD & 0xff };

	client_hello(&ch);
	ext = ch_extensions_at(&ch);
	buf_put(&ch, pad, sizeof(pad));
	hs = ch.len - 9;
	put_be16(ch.p + 3, ch.len - 5);
	ch.p[6] = (uint8_t)(hs >> 16);
	put_be16(ch.p + 7, hs);
	put_be16(ch.p + ext, ch.len - ext - 2);
	s = server_fed(ch.p, ch.len);
	CHECK(tlsk_engine_state(s) == TLSK_STATE_HANDSHAKING);
	CHECK(tlsk_engine_want(s) == 5);
	tlsk_engine_free(s);
	for (size_t i = 5; i < ch.len; i++) {
		uint8_t rec[6] = { CT_HANDSHAKE, 3, 3, 0, 1, ch.p[i] };

		buf_put(&frag, rec, sizeof(rec));
	}
	s = server_fed(frag.p, frag.len);
	expect_alert(s, ALERT_UNEXPECTED_MESSAGE);
	tlsk_engine_error(s, NULL, NULL, &why);
	CHECK(why && strstr(why, "without completing the handshake"));
	tlsk_engine_free(s);
	buf_free(&ch);
	buf_free(&frag);
}

static void peer_alert_is_reported_as_received(void)
{
	static const uint8_t rec[] = { CT_ALERT, 3, 3, 0, 2, 2, 40 };
	struct tlsk_engine *c = client_fed(rec, sizeof(rec));
	uint8_t alert;
	int received;
	size_t n;

	CHECK(tlsk_engine_state(c) == TLSK_STATE_FAILED);
	tlsk_engine_error(c, &alert, &received, NULL);
	CHECK(alert == ALERT_HANDSHAKE_FAILURE && received);
	tlsk_engine_output(c, &n);
	CHECK(n == 0);		/* no alert answers an alert */
	tlsk_engine_free(c);
}

static void garbage_server_hello(void)
{
	static const uint8_t rec[] = { CT_HANDSHAKE, 3, 3, 0, 6,
		2, 0, 0, 2, 3, 3 };
	struct tlsk_engine *c = client_fed(rec, sizeof(rec));

	expect_alert(c, ALERT_DECODE_ERROR);
	tlsk_engine_free(c);
}

/* the position of a suite in a ClientHello record's list, or -1 */
static int ch_suite_index(const struct buf *ch, uint16_t suite)
{
	size_t off = 5 + 4 + 2 + 32, len;

	off += 1 + ch->p[off];					/* session id */
	len = (size_t)ch->p[off] << 8 | ch->p[off + 1];
	for (size_t i = off + 2; i + 1 < off + 2 + len; i += 2)
		if ((ch->p[i] << 8 | ch->p[i + 1]) == suite)
			return (int)(i - off - 2) / 2;
	return -1;
}

static bool ch_offers_suite(const struct buf *ch, uint16_t suite)
{
	return ch_suite_index(ch, suite) >= 0;
}

/* RSA key transport is offered only when the profile enabled it: then
 * after every ECDHE suite of the default list, or where a list names it;
 * a list naming it is refused without the opt-in */
static void rsa_kx_offered_only_when_enabled(void)
{
	struct tlsk_config *cfg = tlsk_config_new();
	struct tlsk_engine *c;
	struct buf ch = { 0 };

	CHECK(tlsk_config_set_tls12_ciphers(cfg, "AES128-GCM-SHA256") ==
	      -EINVAL);
	c = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	drain_output(c, &ch);
	CHECK(ch_offers_suite(&ch, 0xc02f));
	CHECK(!ch_offers_suite(&ch, 0x009c) && !ch_offers_suite(&ch, 0x009d));
	tlsk_engine_free(c);
	buf_reset(&ch);

	/* enabled, the default list: after every ECDHE suite */
	CHECK(!tlsk_config_enable_rsa_kx(cfg));
	c = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	drain_output(c, &ch);
	CHECK(ch_offers_suite(&ch, 0x009c) && ch_offers_suite(&ch, 0x009d));
	CHECK(ch_suite_index(&ch, 0x009c) > ch_suite_index(&ch, 0xcca8) &&
	      ch_suite_index(&ch, 0x009c) > ch_suite_index(&ch, 0xcca9));
	tlsk_engine_free(c);
	buf_reset(&ch);

	/* enabled, a list without them: not offered */
	CHECK(!tlsk_config_set_tls12_ciphers(cfg,
					     "ECDHE-RSA-AES128-GCM-SHA256"));
	c = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	drain_output(c, &ch);
	CHECK(!ch_offers_suite(&ch, 0x009c) && !ch_offers_suite(&ch, 0x009d));
	tlsk_engine_free(c);
	buf_reset(&ch);

	CHECK(!tlsk_config_set_tls12_ciphers(cfg, "AES128-GCM-SHA256:"
					     "ECDHE-RSA-AES128-GCM-SHA256:"
					     "AES256-GCM-SHA384"));
	c = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	drain_output(c, &ch);
	CHECK(ch.len > 50);
	CHECK(ch_offers_suite(&ch, 0xc02f));
	CHECK(ch_offers_suite(&ch, 0x009c) && ch_offers_suite(&ch, 0x009d));
	CHECK(ch_offers_suite(&ch, 0x1301));
	tlsk_engine_free(c);
	tlsk_config_free(cfg);
	buf_free(&ch);
}

/*
 * ---- RSA key transport: a bad premaster is no oracle ----
 *
 * A handcrafted client (no libssl): our engine's ClientHello, then a
 * ClientKeyExchange we build, and a ChangeCipherSpec and Finished
 * computed by hand (tls12_keys.c) from the premaster the client believes
 * in. Whatever is wrong with the EncryptedPreMasterSecret, the server
 * must read it, read the CCS, and fail only at the Finished record
 * (bad_record_mac: its keys come from the random substitute), with the
 * same alert and the same reason as for a well-formed premaster it
 * simply does not share (RFC 5246 7.4.7.1).
 */
enum cke_kind {
	CKE_GOOD,		/* control: the handshake completes */
	CKE_OTHER_PMS,		/* well-formed, another premaster */
	CKE_OLD_VERSION,	/* PMS 0x0302 || ..., the client uses it */
	CKE_SSL3_VERSION,	/* PMS 0x0300 || ... */
	CKE_SHORT_PMS,		/* valid padding of 47 bytes */
	CKE_GARBAGE,		/* k random bytes below the modulus */
	CKE_HIGH_GARBAGE,	/* k bytes 0xff: above the modulus */
	CKE_SHORT,		/* k - 1 bytes */
	CKE_LONG,		/* k + 1 bytes */
	CKE_EMPTY,		/* a zero-length vector */
	CKE_KINDS,
};

static EVP_PKEY *rsa_pub(void)
{
	FILE *f = fopen(testpki_path(&pki, "rsa.chain"), "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;

	if (f)
		fclose(f);
	X509_free(x);
	return k;
}

static void pkcs1_encrypt(EVP_PKEY *key, const uint8_t *m, size_t m_len,
			  uint8_t *out, size_t *out_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

	CHECK(ctx && EVP_PKEY_encrypt_init(ctx) == 1 &&
	      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	      EVP_PKEY_encrypt(ctx, out, out_len, m, m_len) == 1);
	EVP_PKEY_CTX_free(ctx);
}

/* the EncryptedPreMasterSecret of a kind, and the 48 bytes the client
 * derives its keys from */
static size_t craft_cke(enum cke_kind kind, EVP_PKEY *key, uint8_t *enc,
			uint8_t pms[48])
{
	size_t k = (size_t)EVP_PKEY_get_size(key), len = k;
	uint8_t m[48];

	CHECK(RAND_bytes(pms + 2, 46) == 1 && RAND_bytes(m, 48) == 1);
	pms[0] = 3;
	pms[1] = kind == CKE_OLD_VERSION ? 2 :
		 kind == CKE_SSL3_VERSION ? 0 : 3;
	memcpy(m, pms, 2);
	switch (kind) {
	case CKE_GOOD:
	case CKE_OLD_VERSION:
	case CKE_SSL3_VERSION:
		pkcs1_encrypt(key, pms, 48, enc, &len);
		break;
	case CKE_OTHER_PMS:
		pkcs1_encrypt(key, m, 48, enc, &len);
		break;
	case CKE_SHORT_PMS:
		pkcs1_encrypt(key, pms, 47, enc, &len);
		break;
	case CKE_GARBAGE:
		CHECK(RAND_bytes(enc, (int)k) == 1);
		enc[0] &= 0x3f;
		break;
	case CKE_HIGH_GARBAGE:
		memset(enc, 0xff, k);
		break;
	case CKE_SHORT:
	case CKE_LONG:
		pkcs1_encrypt(key, pms, 48, enc, &len);
		len = kind == CKE_SHORT ? k - 1 : k + 1;
		enc[k] = 0;
		break;
	case CKE_EMPTY:
	case CKE_KINDS:
		len = 0;
		break;
	}
	return len;
}

static void put_record(struct buf *to, uint8_t type, const uint8_t *p,
		       size_t len)
{
	buf_u8(to, type);
	buf_u16(to, 0x0303);
	buf_u16(to, (uint16_t)len);
	buf_put(to, p, len);
}

static void put_message(struct buf *to, uint8_t type, const uint8_t *body,
			size_t len)
{
	buf_u8(to, type);
	buf_u24(to, (uint32_t)len);
	buf_put(to, body, len);
}

/* The server's flight to a TLS 1.2 RSA-kx ClientHello: its handshake
 * messages appended to tr, their types in order, and the randoms */
static void rsa_kx_server_flight(struct tlsk_engine *s,
				 struct tlsk_config *client12, struct buf *tr,
				 uint8_t types[8], uint8_t cr[32],
				 uint8_t sr[32])
{
	struct tlsk_engine *c = tlsk_engine_new(client12, TLSK_ROLE_CLIENT);
	struct buf ch = { 0 }, s2c = { 0 };
	size_t n = 0, ch_len;

	drain_output(c, &ch);
	tlsk_engine_free(c);
	CHECK(ch.len > 5 + 4 + 2 + 32);
	ch_len = ch.len - 5;
	buf_put(tr, ch.p + 5, ch.len - 5);
	memcpy(cr, ch.p + 5 + 4 + 2, 32);
	feed_input(s, &ch, 0);
	drain_output(s, &s2c);
	for (size_t off = 0; off + 5 <= s2c.len && s2c.p[off] == CT_HANDSHAKE;
	     off += 5 + ((size_t)s2c.p[off + 3] << 8 | s2c.p[off + 4]))
		buf_put(tr, s2c.p + off + 5,
			(size_t)s2c.p[off + 3] << 8 | s2c.p[off + 4]);
	for (size_t off = ch_len; off + 4 <= tr->len && n < 8;
	     off += 4 + ((size_t)tr->p[off + 1] << 16 |
			 (size_t)tr->p[off + 2] << 8 | tr->p[off + 3])) {
		if (tr->p[off] == 2 && off + 4 + 2 + 32 <= tr->len)
			memcpy(sr, tr->p + off + 4 + 2, 32);
		types[n++] = tr->p[off];
	}
	buf_free(&ch);
	buf_free(&s2c);
}

/* the client's ClientKeyExchange, CCS and Finished for one kind; the
 * server's reason when it fails, "" when it completes */
static void rsa_kx_run(enum cke_kind kind, const char *suite_name,
		       char *why, size_t why_len)
{
	struct tlsk_config *scfg = tlsk_config_new(), *ccfg = tlsk_config_new();
	const struct tls12_suite *suite = tls12_suite_by_name(suite_name);
	const EVP_MD *md = suite->md();
	struct tlsk_engine *s;
	struct buf tr = { 0 }, c2s = { 0 }, cke = { 0 }, fin = { 0 };
	struct tlsk_traffic_keys cw, sw;
	struct tlsk_record *rec;
	EVP_PKEY *key = rsa_pub();
	uint8_t enc[1100], pms[48], master[48], cr[32], sr[32], th[64], vd[12];
	uint8_t types[8] = { 0 }, sealed[256], alert = 0;
	static const uint8_t ccs = 1;
	size_t enc_len, n;
	const char *reason = "";
	int len;

	CHECK(!tlsk_config_add_cert(scfg, testpki_path(&pki, "rsa.chain"),
				    testpki_path(&pki, "rsa.key")));
	CHECK(!tlsk_config_enable_rsa_kx(scfg) &&
	      !tlsk_config_enable_rsa_kx(ccfg));
	CHECK(!tlsk_config_set_tls12_ciphers(scfg, suite_name) &&
	      !tlsk_config_set_tls12_ciphers(ccfg, suite_name));
	CHECK(!tlsk_config_set_versions(ccfg, 0x0303, 0x0303));
	s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	rsa_kx_server_flight(s, ccfg, &tr, types, cr, sr);
	/* RFC 5246 7.3: no ServerKeyExchange */
	CHECK(types[0] == 2 && types[1] == 11 && types[2] == 14 && !types[3]);
	if (types[0] != 2 || types[1] != 11 || types[2] != 14 || types[3])
		printf("# server flight %u %u %u %u\n", types[0], types[1],
		       types[2], types[3]);

	enc_len = craft_cke(kind, key, enc, pms);
	buf_u16(&cke, (uint16_t)(kind == CKE_EMPTY ? 0 : enc_len));
	buf_put(&cke, enc, enc_len);
	n = tr.len;
	put_message(&tr, 16, cke.p, cke.len);
	put_record(&c2s, CT_HANDSHAKE, tr.p + n, tr.len - n);
	put_record(&c2s, CT_CHANGE_CIPHER_SPEC, &ccs, 1);
	/* RFC 7627 4, RFC 5246 6.3 and 7.4.9, as the client computes them */
	CHECK(EVP_Digest(tr.p, tr.len, th, NULL, md, NULL) == 1);
	CHECK(!tls12_extended_master_secret(md, pms, 48, th,
					    suite->hash_len, master));
	CHECK(!tls12_traffic_keys(suite, master, cr, sr, &cw, &sw));
	CHECK(!tls12_finished(md, master, false, th, suite->hash_len, vd));
	put_message(&fin, 20, vd, sizeof(vd));
	rec = tlsk_record_new(&cw, 1);
	len = rec ? tlsk_record_seal(rec, CT_HANDSHAKE, fin.p, fin.len, sealed,
				     sizeof(sealed)) : -1;
	CHECK(len > 0);

	/* the ClientKeyExchange and the CCS: read, no answer, no alert */
	feed_input(s, &c2s, 0);
	CHECK(c2s.len == 0);
	CHECK(tlsk_engine_state(s) == TLSK_STATE_HANDSHAKING);
	tlsk_engine_output(s, &n);
	CHECK(n == 0);
	CHECK(tlsk_engine_want(s) == 5);
	/* the Finished */
	buf_reset(&c2s);
	if (len > 0)
		buf_put(&c2s, sealed, (size_t)len);
	feed_input(s, &c2s, 0);
	if (kind == CKE_GOOD) {
		CHECK(tlsk_engine_state(s) == TLSK_STATE_ESTABLISHED);
		tlsk_engine_error(s, &alert, NULL, &reason);
		if (tlsk_engine_state(s) != TLSK_STATE_ESTABLISHED)
			printf("# control failed: %s\n", reason);
		reason = "";
	} else {
		expect_alert(s, ALERT_BAD_RECORD_MAC);
		tlsk_engine_error(s, &alert, NULL, &reason);
	}
	snprintf(why, why_len, "%s", reason ? reason : "");
	OPENSSL_cleanse(pms, sizeof(pms));
	OPENSSL_cleanse(master, sizeof(master));
	tlsk_keys_scrub(&cw);
	tlsk_keys_scrub(&sw);
	tlsk_record_free(rec);
	tlsk_engine_free(s);
	EVP_PKEY_free(key);
	tlsk_config_free(scfg);
	tlsk_config_free(ccfg);
	buf_free(&tr);
	buf_free(&c2s);
	buf_free(&cke);
	buf_free(&fin);
}

static void bad_rsa_premaster_fails_only_at_finished(void)
{
	static const char *const suites[] = { "AES128-GCM-SHA256",
					      "AES256-GCM-SHA384" };

	for (size_t i = 0; i < 2; i++) {
		char want[200], got[200];

		rsa_kx_run(CKE_GOOD, suites[i], got, sizeof(got));
		CHECK(!got[0]);
		rsa_kx_run(CKE_OTHER_PMS, suites[i], want, sizeof(want));
		CHECK(want[0]);
		for (int kind = CKE_OLD_VERSION; kind < CKE_KINDS; kind++) {
			rsa_kx_run((enum cke_kind)kind, suites[i], got,
				   sizeof(got));
			CHECK(strcmp(got, want) == 0);
			if (strcmp(got, want) != 0)
				printf("# %s, kind %d: \"%s\", not \"%s\"\n",
				       suites[i], kind, got, want);
		}
	}
}

/* The only early failure: a vector that does not fit its message, which
 * is visible without our key (decode_error) */
static void malformed_rsa_cke_is_decode_error(void)
{
	struct tlsk_config *scfg = tlsk_config_new(), *ccfg = tlsk_config_new();
	struct tlsk_engine *s;
	struct buf tr = { 0 }, c2s = { 0 };
	uint8_t types[8], cr[32], sr[32], body[2 + 16] = { 0, 17 };
	size_t n;

	CHECK(!tlsk_config_add_cert(scfg, testpki_path(&pki, "rsa.chain"),
				    testpki_path(&pki, "rsa.key")));
	CHECK(!tlsk_config_enable_rsa_kx(scfg) &&
	      !tlsk_config_enable_rsa_kx(ccfg));
	CHECK(!tlsk_config_set_tls12_ciphers(scfg, "AES128-GCM-SHA256") &&
	      !tlsk_config_set_tls12_ciphers(ccfg, "AES128-GCM-SHA256"));
	CHECK(!tlsk_config_set_versions(ccfg, 0x0303, 0x0303));
	s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	rsa_kx_server_flight(s, ccfg, &tr, types, cr, sr);
	n = tr.len;
	put_message(&tr, 16, body, sizeof(body));
	put_record(&c2s, CT_HANDSHAKE, tr.p + n, tr.len - n);
	feed_input(s, &c2s, 0);
	expect_alert(s, ALERT_DECODE_ERROR);
	tlsk_engine_free(s);
	tlsk_config_free(scfg);
	tlsk_config_free(ccfg);
	buf_free(&tr);
	buf_free(&c2s);
}

/* A TLS 1.2 ServerHello (no supported_versions) choosing `suite`, with
 * the last 8 bytes of its random and its extensions given */
static void tls12_server_hello(struct buf *rec, uint16_t suite,
			       const uint8_t *random_tail, bool ems,
			       bool reneg)
{
	size_t len;

	buf_u8(rec, CT_HANDSHAKE);
	buf_u16(rec, 0x0303);
	buf_u16(rec, 0);			/* record length, below */
	buf_u8(rec, 2);
	buf_u24(rec, 0);			/* message length, below */
	buf_u16(rec, 0x0303);
	for (int i = 0; i < 24; i++)
		buf_u8(rec, (uint8_t)i);
	if (random_tail)
		buf_put(rec, random_tail, 8);
	else
		buf_put(rec, "12345678", 8);
	buf_u8(rec, 0);				/* session id */
	buf_u16(rec, suite);
	buf_u8(rec, 0);
	buf_u16(rec, (ems ? 4 : 0) + (reneg ? 5 : 0));
	if (ems) {
		buf_u16(rec, 23);
		buf_u16(rec, 0);
	}
	if (reneg) {
		buf_u16(rec, 0xff01);
		buf_u16(rec, 1);
		buf_u8(rec, 0);
	}
	len = rec->len - 5;
	put_be16(rec->p + 3, len);
	rec->p[6] = 0;
	put_be16(rec->p + 7, len - 4);
}

static void server_hello_choosing_tls12(void)
{
	static const uint8_t downgrade12[8] = { 'D', 'O', 'W', 'N', 'G', 'R',
						'D', 1 };
	static const struct {
		uint16_t suite;
		const uint8_t *tail;
		bool ems, reneg;
		uint8_t alert;
	} cases[] = {
		/* a TLS 1.3 suite in a TLS 1.2 ServerHello */
		{ 0x1301, NULL, true, true, ALERT_ILLEGAL_PARAMETER },
		/* RSA key transport, which this client did not enable */
		{ 0x009c, NULL, true, true, ALERT_ILLEGAL_PARAMETER },
		/* RFC 8446 4.1.3: we offered TLS 1.3 */
		{ 0xc02b, downgrade12, true, true, ALERT_ILLEGAL_PARAMETER },
		/* RFC 5746 3.4: required; RFC 7627 5.2: required when the
		 * profile says so (alert 0: the handshake goes on) */
		{ 0xc02b, NULL, false, true, 0 },
		{ 0xc02b, NULL, false, true, ALERT_HANDSHAKE_FAILURE },
		{ 0xc02b, NULL, true, false, ALERT_HANDSHAKE_FAILURE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf rec = { 0 };
		struct tlsk_engine *c;
		bool require_ems = !cases[i].ems && cases[i].alert;

		tls12_server_hello(&rec, cases[i].suite, cases[i].tail,
				   cases[i].ems, cases[i].reneg);
		tlsk_config_set_tls12_require_ems(client_cfg, require_ems);
		c = client_fed(rec.p, rec.len);
		tlsk_config_set_tls12_require_ems(client_cfg, 0);
		if (cases[i].alert) {
			expect_alert(c, cases[i].alert);
		} else {	/* waiting for the server's Certificate */
			CHECK(tlsk_engine_state(c) == TLSK_STATE_HANDSHAKING);
			CHECK(tlsk_engine_want(c) > 0);
		}
		tlsk_engine_free(c);
		buf_free(&rec);
	}
}

/*
 * TLS 1.2 ServerHello extensions (RFC 5246 7.4.1.4, RFC 8422 5.2): one
 * the client did not ask for (no SNI sent, no ALPN offered) is
 * unsupported_extension; ec_point_formats must name uncompressed.
 */
static void server_hello12_extensions(void)
{
	static const uint8_t alpn_h2[] = { 0, 3, 2, 'h', '2' };
	static const uint8_t points_ok[] = { 2, 1, 0 }, points_no[] = { 1, 1 };
	static const uint8_t points_bad[] = { 5, 0 };
	static const struct {
		uint16_t ext;
		const uint8_t *data;
		size_t len;
		uint8_t alert;	/* 0: goes on */
	} cases[] = {
		{ 11, points_ok, sizeof(points_ok), 0 },
		{ 0, NULL, 0, ALERT_UNSUPPORTED_EXTENSION },
		{ 16, alpn_h2, sizeof(alpn_h2), ALERT_UNSUPPORTED_EXTENSION },
		{ 11, points_no, sizeof(points_no), ALERT_ILLEGAL_PARAMETER },
		{ 11, points_bad, sizeof(points_bad), ALERT_DECODE_ERROR },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf rec = { 0 };
		struct tlsk_engine *c;
		size_t len;

		tls12_server_hello(&rec, 0xc02b, NULL, true, true);
		/* one more extension at the end of the block */
		buf_u16(&rec, cases[i].ext);
		buf_u16(&rec, (uint16_t)cases[i].len);
		buf_put(&rec, cases[i].data, cases[i].len);
		len = rec.len - 5;
		put_be16(rec.p + 3, len);
		put_be16(rec.p + 7, len - 4);
		put_be16(rec.p + 5 + 4 + 2 + 32 + 1 + 3,
			 rec.len - (5 + 4 + 2 + 32 + 1 + 3 + 2));
		c = client_fed(rec.p, rec.len);
		if (cases[i].alert) {
			expect_alert(c, cases[i].alert);
		} else {	/* waiting for the server's Certificate */
			CHECK(tlsk_engine_state(c) == TLSK_STATE_HANDSHAKING);
			CHECK(tlsk_engine_want(c) > 0);
		}
		if (tap_case_failed)
			printf("# case %zu\n", i);
		tlsk_engine_free(c);
		buf_free(&rec);
	}
}

/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3 */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 7748 6.1: Bob's X25519 public key */
static const uint8_t bob_x25519[32] = {
	0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61,
	0xc2, 0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78,
	0x67, 0x4d, 0xad, 0xfc, 0x7e, 0xc1, 0x4f, 0xbb, 0xa4, 0x4f,
};

enum hello13 { SH13, HRR13, SH13_CUT };

/*
 * A client engine fed a TLS 1.3 ServerHello (or HelloRetryRequest asking
 * for P-256) that answers its ClientHello, with one more extension
 * (`ext`, unless 0xffff) after supported_versions and key_share; SH13_CUT
 * ends the message before legacy_compression_method.
 */
static struct tlsk_engine *client_got_hello13(enum hello13 kind,
					      uint16_t ext,
					      const uint8_t *data, size_t len)
{
	struct tlsk_engine *c = tlsk_engine_new(client_cfg, TLSK_ROLE_CLIENT);
	struct buf ch = { 0 }, m = { 0 }, rec = { 0 };
	size_t body, exts, sid_at = 5 + 4 + 2 + 32;

	drain_output(c, &ch);
	buf_u8(&m, 2);
	body = buf_open_vec(&m, 3);
	buf_u16(&m, 0x0303);
	if (kind == HRR13)
		buf_put(&m, hrr_random, sizeof(hrr_random));
	else
		for (int i = 0; i < 32; i++)
			buf_u8(&m, (uint8_t)(0x40 + i));
	buf_put(&m, ch.p + sid_at, 1 + (size_t)ch.p[sid_at]);	/* echo */
	buf_u16(&m, 0x1301);
	if (kind != SH13_CUT) {
		buf_u8(&m, 0);
		exts = buf_open_vec(&m, 2);
		buf_u16(&m, 43);
		buf_u16(&m, 2);
		buf_u16(&m, 0x0304);
		buf_u16(&m, 51);
		if (kind == HRR13) {
			buf_u16(&m, 2);
			buf_u16(&m, 0x0017);
		} else {
			buf_u16(&m, 4 + sizeof(bob_x25519));
			buf_u16(&m, 0x001d);
			buf_u16(&m, sizeof(bob_x25519));
			buf_put(&m, bob_x25519, sizeof(bob_x25519));
		}
		if (ext != 0xffff) {
			buf_u16(&m, ext);
			buf_u16(&m, (uint16_t)len);
			buf_put(&m, data, len);
		}
		buf_close_vec(&m, exts, 2);
	}
	buf_close_vec(&m, body, 3);
	put_record(&rec, CT_HANDSHAKE, m.p, m.len);
	feed_input(c, &rec, 0);
	buf_free(&ch);
	buf_free(&m);
	buf_free(&rec);
	return c;
}

/*
 * RFC 8446 4.2: an extension we recognise in a server hello not
 * specified for it is illegal_parameter; one we never asked for (known
 * to the message, or not known at all) is unsupported_extension. A hello
 * cut before its compression method is decode_error (it went down the
 * TLS 1.2 path and failed on the suite).
 */
static void server_hello13_extensions(void)
{
	static const uint8_t alpn_h2[] = { 0, 3, 2, 'h', '2' };
	static const uint8_t cookie[] = { 0, 1, 0x55 }, psk[] = { 0, 0 };
	static const struct {
		enum hello13 kind;
		uint16_t ext;
		const uint8_t *data;
		size_t len;
		uint8_t alert;	/* 0: goes on */
	} cases[] = {
		{ SH13, 0xffff, NULL, 0, 0 },
		{ HRR13, 0xffff, NULL, 0, 0 },
		{ SH13, 16, alpn_h2, sizeof(alpn_h2), ALERT_ILLEGAL_PARAMETER },
		{ SH13, 44, cookie, sizeof(cookie), ALERT_ILLEGAL_PARAMETER },
		{ HRR13, 41, psk, sizeof(psk), ALERT_ILLEGAL_PARAMETER },
		{ SH13, 0x4a4a, NULL, 0, ALERT_UNSUPPORTED_EXTENSION },
		{ SH13_CUT, 0xffff, NULL, 0, ALERT_DECODE_ERROR },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tlsk_engine *c = client_got_hello13(cases[i].kind,
							   cases[i].ext,
							   cases[i].data,
							   cases[i].len);

		if (cases[i].alert) {
			expect_alert(c, cases[i].alert);
		} else {
			CHECK(tlsk_engine_state(c) == TLSK_STATE_HANDSHAKING);
			CHECK(tlsk_engine_want(c) > 0);
		}
		if (tap_case_failed)
			printf("# case %zu\n", i);
		tlsk_engine_free(c);
	}
}

/*
 * The server's first flight with byte `at` of its first encrypted record
 * changed by `edit` (XORed in), fed to a client: the client's engine,
 * failed or not (free it).
 */
static struct tlsk_engine *edited_server_flight(size_t at, uint8_t edit)
{
	struct tlsk_engine *c = tlsk_engine_new(client_cfg, TLSK_ROLE_CLIENT);
	struct tlsk_engine *s = tlsk_engine_new(server_cfg, TLSK_ROLE_SERVER);
	struct buf c2s = { 0 }, s2c = { 0 };
	size_t off = 0;

	drain_output(c, &c2s);
	feed_input(s, &c2s, 0);
	drain_output(s, &s2c);
	while (off + 5 <= s2c.len && s2c.p[off] != CT_APPLICATION_DATA)
		off += 5 + ((size_t)s2c.p[off + 3] << 8 | s2c.p[off + 4]);
	CHECK(off + at < s2c.len);
	if (off + at < s2c.len)
		s2c.p[off + at] ^= edit;
	feed_input(c, &s2c, 0);
	tlsk_engine_free(s);
	buf_free(&c2s);
	buf_free(&s2c);
	return c;
}

/* flip one bit of the server's first encrypted record */
static void tampered_server_flight(void)
{
	struct tlsk_engine *c = edited_server_flight(20, 1);
	uint8_t alert = 0;

	CHECK(tlsk_engine_state(c) == TLSK_STATE_FAILED);
	tlsk_engine_error(c, &alert, NULL, NULL);
	CHECK(alert == ALERT_BAD_RECORD_MAC);
	tlsk_engine_free(c);
}

/*
 * The server's first encrypted record with legacy_record_version 0x0301:
 * refused, as kTLS refuses it, with protocol_version (not internal_error).
 */
static void encrypted_record_with_old_version(void)
{
	struct tlsk_engine *c = edited_server_flight(2, 3 ^ 1);

	expect_alert(c, ALERT_PROTOCOL_VERSION);
	tlsk_engine_free(c);
}

static void input_beyond_want_is_refused(void)
{
	struct tlsk_engine *s = tlsk_engine_new(server_cfg, TLSK_ROLE_SERVER);
	uint8_t six[6] = { CT_HANDSHAKE, 3, 3, 0, 1, 1 };

	CHECK(tlsk_engine_want(s) == 5);
	CHECK(tlsk_engine_input(s, six, 6) < 0);
	CHECK(tlsk_engine_state(s) == TLSK_STATE_HANDSHAKING);
	tlsk_engine_free(s);
}

int main(void)
{
	if (testpki_make(&pki)) {
		printf("Bail out! cannot make test PKI\n");
		return 1;
	}
	server_cfg = tlsk_config_new();
	tlsk_config_add_cert(server_cfg, testpki_path(&pki, "ec256.chain"),
			     testpki_path(&pki, "ec256.key"));
	client_cfg = tlsk_config_new();
	tlsk_config_set_verify(client_cfg, TLSK_VERIFY_NONE);
	RUN(client_offering_tls11_gets_protocol_version);
	RUN(tls12_client_without_ems_gets_handshake_failure);
	RUN(early_data_is_declined_and_skipped);
	RUN(not_tls_at_all);
	RUN(truncated_client_hello);
	RUN(oversized_record);
	RUN(empty_handshake_record);
	RUN(finished_first_is_unexpected);
	RUN(change_cipher_spec_before_hello);
	RUN(second_change_cipher_spec_is_unexpected);
	RUN(record_budget_per_handshake);
	RUN(peer_alert_is_reported_as_received);
	RUN(garbage_server_hello);
	RUN(server_hello_choosing_tls12);
	RUN(server_hello13_extensions);
	RUN(server_hello12_extensions);
	RUN(rsa_kx_offered_only_when_enabled);
	RUN(bad_rsa_premaster_fails_only_at_finished);
	RUN(malformed_rsa_cke_is_decode_error);
	RUN(tampered_server_flight);
	RUN(encrypted_record_with_old_version);
	RUN(input_beyond_want_is_refused);
	tlsk_config_free(server_cfg);
	tlsk_config_free(client_cfg);
	testpki_remove(&pki);
	return tap_done();
}
