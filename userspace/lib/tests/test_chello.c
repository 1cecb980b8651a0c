// SPDX-License-Identifier: MIT
/*
 * Hand-built ClientHellos (chello.c) against a server engine: each gets
 * the alert it should, or a ServerHello with the version and suite it
 * should. Then the TLS 1.2 resumption offers a ClientHello may not make
 * (RFC 5246 7.4.1.2, RFC 7627 5.3).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../tests/tap.h"
#include "alerts.h"
#include "chello.h"
#include "harness.h"
#include "testpki.h"
#include "hsrecord.h"
#include "tlsk/record.h"

static struct testpki pki;
static struct tlsk_config *servers[3];

static struct tlsk_config *server_config(enum chello_server which)
{
	struct tlsk_config *cfg = tlsk_config_new();

	tlsk_config_add_cert(cfg, testpki_path(&pki, "ec256.chain"),
			     testpki_path(&pki, "ec256.key"));
	if (which == CHELLO_SERVER_TLS12)
		tlsk_config_set_versions(cfg, 0x0303, 0x0303);
	if (which == CHELLO_SERVER_REQUIRE_EMS)
		tlsk_config_set_tls12_require_ems(cfg, 1);
	return cfg;
}

struct hello_seen {
	uint16_t version, suite;
	bool ems;
	size_t sid_len;
};

/* the ServerHello at the start of a server's output */
static bool parse_server_hello(const uint8_t *p, size_t n,
			       struct hello_seen *h)
{
	struct rd r, exts;

	memset(h, 0, sizeof(*h));
	if (n < 9 || p[0] != CT_HANDSHAKE || p[5] != 2)
		return false;
	rd_init(&r, p + 9, n - 9);
	h->version = rd_u16(&r);
	rd_bytes(&r, 32);
	h->sid_len = rd_u8(&r);
	rd_bytes(&r, h->sid_len);
	h->suite = rd_u16(&r);
	rd_u8(&r);
	if (!rd_vec(&r, 2, 0, 0xffff, &exts))
		return false;
	while (rd_left(&exts)) {
		uint16_t type = rd_u16(&exts);
		struct rd data;

		rd_vec(&exts, 2, 0, 0xffff, &data);
		if (type == 43)
			h->version = rd_u16(&data);
		h->ems |= type == 23;
	}
	return !r.bad && !exts.bad;
}

static double one_case(const struct chello_case *c)
{
	struct tlsk_engine *s = tlsk_engine_new(servers[c->server],
						TLSK_ROLE_SERVER);
	struct buf in = { 0 };
	struct hello_seen h;
	const uint8_t *out;
	const char *why = "";
	uint8_t alert = 0;
	struct timespec t0, t1;
	double cpu_ms;
	size_t n;

	c->build(&in);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	while (feed_input(s, &in, 0))
		;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	/* A bound on work, not a timing: every case is one ClientHello of
	 * at most 64 KiB, which costs about a millisecond (a full handshake's
	 * signature included; some 10 ms with sanitizers). 250 ms is what
	 * only a step quadratic in the peer's list lengths reaches (a
	 * flood of key shares took 1.5 s). */
	cpu_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(cpu_ms < 250);
	out = tlsk_engine_output(s, &n);
	if (tlsk_engine_state(s) == TLSK_STATE_FAILED)
		tlsk_engine_error(s, &alert, NULL, &why);
	if (c->alert) {
		CHECK(alert == c->alert);
		CHECK(n >= 7 && out[n - 7] == CT_ALERT &&
		      out[n - 1] == c->alert);
	} else {
		CHECK(alert == 0);
		CHECK(!in.len);		/* it took the whole ClientHello */
		CHECK(parse_server_hello(out, n, &h));
		CHECK(h.version == c->version);
		CHECK(!c->suite || h.suite == c->suite);
		if (c->version == 0x0303) {
			CHECK(h.ems == c->ems);
			/* RFC 7627 5.4: nobody may resume without EMS */
			CHECK(h.ems ? h.sid_len == 32 : h.sid_len == 0);
		}
	}
	if (tap_case_failed)
		printf("# case \"%s\": alert %u (%s), ClientHello %zu bytes "
		       "left, %.1f ms of CPU\n", c->name, alert, why, in.len,
		       cpu_ms);
	buf_free(&in);
	tlsk_engine_free(s);
	return cpu_ms;
}

static void client_hello_corpus(void)
{
	for (size_t i = 0; i < chello_ncases; i++) {
		int failed_before = tap_case_failed;

		double ms;

		tap_case_failed = 0;
		ms = one_case(&chello_cases[i]);
		if (!tap_case_failed)
			printf("# ok: %s (%.1f ms of CPU)\n",
			       chello_cases[i].name, ms);
		tap_case_failed |= failed_before;
	}
}

/* ---- resumption offers ---- */

static struct tlsk_config *tls12_client_config(void)
{
	struct tlsk_config *cfg = tlsk_config_new();

	tlsk_config_set_versions(cfg, 0x0303, 0x0303);
	tlsk_config_set_verify(cfg, TLSK_VERIFY_NONE);
	return cfg;
}

/* a full TLS 1.2 handshake; the client's session blob */
static size_t first_session(struct tlsk_config *scfg,
			    struct tlsk_config *ccfg, uint8_t *blob,
			    size_t cap)
{
	struct tlsk_engine *c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);
	struct tlsk_engine *s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	struct buf c2s = { 0 }, s2c = { 0 };
	size_t len = cap;

	run_pair(c, s, &c2s, &s2c, 0);
	CHECK(tlsk_engine_state(s) == TLSK_STATE_ESTABLISHED);
	CHECK(!tlsk_engine_get_session(c, blob, &len));
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	buf_free(&c2s);
	buf_free(&s2c);
	return len;
}

/* the resuming client's ClientHello record */
static void resuming_hello(struct tlsk_config *ccfg, const uint8_t *blob,
			   size_t len, struct buf *ch)
{
	struct tlsk_engine *c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);

	CHECK(!tlsk_engine_set_session(c, blob, len));
	drain_output(c, ch);
	tlsk_engine_free(c);
}

/* offsets in a one-record ClientHello */
static size_t suites_at(const struct buf *ch)
{
	return 5 + 4 + 2 + 32 + 1 + ch->p[5 + 4 + 2 + 32];
}

static size_t exts_at(const struct buf *ch)
{
	size_t off = suites_at(ch);

	off += 2 + ((size_t)ch->p[off] << 8 | ch->p[off + 1]);
	return off + 1 + ch->p[off];
}

/* rename every occurrence of a suite, or of an extension type */
static void rename_suite(struct buf *ch, uint16_t from, uint16_t to)
{
	size_t off = suites_at(ch);
	size_t end = off + 2 + ((size_t)ch->p[off] << 8 | ch->p[off + 1]);

	for (off += 2; off + 2 <= end; off += 2)
		if ((ch->p[off] << 8 | ch->p[off + 1]) == from) {
			ch->p[off] = (uint8_t)(to >> 8);
			ch->p[off + 1] = (uint8_t)to;
		}
}

static void rename_ext(struct buf *ch, uint16_t from, uint16_t to)
{
	size_t off = exts_at(ch) + 2;

	while (off + 4 <= ch->len) {
		uint16_t type = (uint16_t)(ch->p[off] << 8 | ch->p[off + 1]);

		if (type == from) {
			ch->p[off] = (uint8_t)(to >> 8);
			ch->p[off + 1] = (uint8_t)to;
		}
		off += 4 + ((size_t)ch->p[off + 2] << 8 | ch->p[off + 3]);
	}
}

static uint8_t server_alert(struct tlsk_config *scfg, struct buf *ch)
{
	struct tlsk_engine *s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	uint8_t alert = 0;
	const char *why = "";

	while (feed_input(s, ch, 0))
		;
	if (tlsk_engine_state(s) == TLSK_STATE_FAILED)
		tlsk_engine_error(s, &alert, NULL, &why);
	printf("# server: alert %u %s\n", alert, why);
	tlsk_engine_free(s);
	return alert;
}

/*
 * RFC 5246 7.4.1.2: a client resuming MUST offer the session's suite;
 * one that does not gets illegal_parameter (as from OpenSSL 3.0), by
 * ticket and by session ID. RFC 7627 5.3: a session made with EMS,
 * offered without it, aborts the handshake (handshake_failure).
 */
static void tls12_resumption_offers(void)
{
	static const char *const how[] = { "ticket", "session ID" };

	for (int by_id = 0; by_id < 2; by_id++) {
		struct tlsk_config *scfg = server_config(CHELLO_SERVER_TLS12);
		struct tlsk_config *ccfg = tls12_client_config();
		uint8_t blob[4096];
		struct buf ch = { 0 };
		size_t len;

		if (by_id) {
			tlsk_config_set_tickets(scfg, 0, 7200);
			tlsk_config_set_session_cache(scfg, 16, 600);
		}
		printf("# by %s\n", how[by_id]);
		len = first_session(scfg, ccfg, blob, sizeof(blob));
		resuming_hello(ccfg, blob, len, &ch);
		CHECK(server_alert(scfg, &ch) == 0);	/* resumes */
		buf_reset(&ch);
		resuming_hello(ccfg, blob, len, &ch);
		rename_suite(&ch, 0xc02b, 0xc02c);	/* the session's */
		CHECK(server_alert(scfg, &ch) == ALERT_ILLEGAL_PARAMETER);
		buf_reset(&ch);
		resuming_hello(ccfg, blob, len, &ch);
		rename_ext(&ch, 23, 0x4a4a);
		CHECK(server_alert(scfg, &ch) == ALERT_HANDSHAKE_FAILURE);
		buf_free(&ch);
		tlsk_config_free(scfg);
		tlsk_config_free(ccfg);
	}
}

/* one handshake between fresh engines; resumed? (-1: failed) */
static int handshake(struct tlsk_config *scfg, struct tlsk_config *ccfg,
		     const uint8_t *blob, size_t len, uint8_t *out,
		     size_t *out_len)
{
	struct tlsk_engine *c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);
	struct tlsk_engine *s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	struct buf c2s = { 0 }, s2c = { 0 };
	struct tlsk_session_info info;
	int resumed = -1;

	if (blob)
		CHECK(!tlsk_engine_set_session(c, blob, len));
	run_pair(c, s, &c2s, &s2c, 0);
	if (tlsk_engine_state(s) == TLSK_STATE_ESTABLISHED &&
	    tlsk_engine_state(c) == TLSK_STATE_ESTABLISHED &&
	    !tlsk_engine_info(s, &info))
		resumed = info.resumed;
	if (out) {
		CHECK(read_post_handshake(c, &s2c) >= 1);
		CHECK(!tlsk_engine_get_session(c, out, out_len));
	}
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	buf_free(&c2s);
	buf_free(&s2c);
	return resumed;
}

/* RFC 8446 4.2.11: a PSK whose hash is not the chosen suite's is
 * ignored (a full handshake, no alert): a SHA-384 ticket offered when
 * the server now prefers a SHA-256 suite */
static void tls13_psk_of_another_hash(void)
{
	struct tlsk_config *scfg = server_config(CHELLO_SERVER_DEFAULT);
	struct tlsk_config *ccfg = tlsk_config_new();
	static const char *const both[] = {
		"TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256",
		"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384" };
	uint8_t blob[4096];
	size_t len = sizeof(blob);

	tlsk_config_set_verify(ccfg, TLSK_VERIFY_NONE);
	CHECK(!tlsk_config_set_tls13_suites(ccfg, both[0]));
	CHECK(!tlsk_config_set_tls13_suites(scfg, both[0]));
	CHECK(handshake(scfg, ccfg, NULL, 0, blob, &len) == 0);
	CHECK(handshake(scfg, ccfg, blob, len, NULL, NULL) == 1);
	CHECK(!tlsk_config_set_tls13_suites(scfg, both[1]));
	CHECK(handshake(scfg, ccfg, blob, len, NULL, NULL) == 0);
	tlsk_config_free(scfg);
	tlsk_config_free(ccfg);
}

int main(void)
{
	if (testpki_make(&pki)) {
		printf("Bail out! cannot make test PKI\n");
		return 1;
	}
	for (int i = 0; i < 3; i++)
		servers[i] = server_config((enum chello_server)i);
	RUN(client_hello_corpus);
	RUN(tls12_resumption_offers);
	RUN(tls13_psk_of_another_hash);
	for (int i = 0; i < 3; i++)
		tlsk_config_free(servers[i]);
	testpki_remove(&pki);
	return tap_done();
}
