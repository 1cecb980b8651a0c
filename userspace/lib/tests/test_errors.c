// SPDX-License-Identifier: MIT
/* Malformed, truncated, out-of-order and hostile input: every failure
 * must end in FAILED with the right alert queued, never a crash. */
#include <errno.h>
#include <string.h>

#include "../../tests/tap.h"
#include "alerts.h"
#include "harness.h"
#include "hsrecord.h"
#include "testpki.h"

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
 * but without extended_master_secret: RFC 7627 5.2, we abort */
static void tls12_client_without_ems_gets_handshake_failure(void)
{
	struct buf ch = { 0 };
	struct tlsk_engine *s;

	client_hello(&ch);
	ch_rename_extension(&ch, 43, 0x0a0a);
	ch_rename_extension(&ch, 23, 0x0a0b);	/* extended_master_secret */
	s = server_fed(ch.p, ch.len);
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

static bool ch_offers_suite(const struct buf *ch, uint16_t suite)
{
	size_t off = 5 + 4 + 2 + 32, len;

	off += 1 + ch->p[off];					/* session id */
	len = (size_t)ch->p[off] << 8 | ch->p[off + 1];
	for (size_t i = off + 2; i + 1 < off + 2 + len; i += 2)
		if ((ch->p[i] << 8 | ch->p[i + 1]) == suite)
			return true;
	return false;
}

/* RSA key transport is not wired into the handshake: even when a
 * profile enables and lists it, a client does not offer it */
static void rsa_kx_suites_not_offered(void)
{
	struct tlsk_config *cfg = tlsk_config_new();
	struct tlsk_engine *c;
	struct buf ch = { 0 };

	CHECK(tlsk_config_set_tls12_ciphers(cfg, "AES128-GCM-SHA256") ==
	      -EINVAL);
	CHECK(!tlsk_config_enable_rsa_kx(cfg));
	CHECK(!tlsk_config_set_tls12_ciphers(cfg, "AES128-GCM-SHA256:"
					     "ECDHE-RSA-AES128-GCM-SHA256"));
	c = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	drain_output(c, &ch);
	CHECK(ch.len > 50);
	CHECK(ch_offers_suite(&ch, 0xc02f));
	CHECK(!ch_offers_suite(&ch, 0x009c));
	CHECK(ch_offers_suite(&ch, 0x1301));
	tlsk_engine_free(c);
	tlsk_config_free(cfg);
	buf_free(&ch);
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
		/* RFC 8446 4.1.3: we offered TLS 1.3 */
		{ 0xc02b, downgrade12, true, true, ALERT_ILLEGAL_PARAMETER },
		/* RFC 7627 5.2 and RFC 5746 3.4: both are required */
		{ 0xc02b, NULL, false, true, ALERT_HANDSHAKE_FAILURE },
		{ 0xc02b, NULL, true, false, ALERT_HANDSHAKE_FAILURE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf rec = { 0 };
		struct tlsk_engine *c;

		tls12_server_hello(&rec, cases[i].suite, cases[i].tail,
				   cases[i].ems, cases[i].reneg);
		c = client_fed(rec.p, rec.len);
		expect_alert(c, cases[i].alert);
		tlsk_engine_free(c);
		buf_free(&rec);
	}
}

/* flip one bit of the server's first encrypted record */
static void tampered_server_flight(void)
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
	CHECK(off + 20 < s2c.len);
	if (off + 20 < s2c.len)
		s2c.p[off + 20] ^= 1;
	feed_input(c, &s2c, 0);
	CHECK(tlsk_engine_state(c) == TLSK_STATE_FAILED);
	{
		uint8_t alert;

		tlsk_engine_error(c, &alert, NULL, NULL);
		CHECK(alert == ALERT_BAD_RECORD_MAC);
	}
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	buf_free(&c2s);
	buf_free(&s2c);
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
	RUN(peer_alert_is_reported_as_received);
	RUN(garbage_server_hello);
	RUN(server_hello_choosing_tls12);
	RUN(rsa_kx_suites_not_offered);
	RUN(tampered_server_flight);
	RUN(input_beyond_want_is_refused);
	tlsk_config_free(server_cfg);
	tlsk_config_free(client_cfg);
	testpki_remove(&pki);
	return tap_done();
}
