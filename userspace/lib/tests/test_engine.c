// SPDX-License-Identifier: MIT
/* Engine against engine, in memory: every suite and group, HRR, ALPN,
 * SNI, client authentication, resumption, certificate failures. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../../tests/tap.h"
#include "alerts.h"
#include "engine_int.h"
#include "harness.h"
#include "hex.h"
#include "hsrecord.h"
#include "testpki.h"
#include "tlsk/record.h"

static struct testpki pki;
static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
	return *(uint64_t *)arg;
}

struct pair {
	struct tlsk_config *ccfg, *scfg;
	struct tlsk_engine *c, *s;
	struct buf c2s, s2c;
};

static struct tlsk_config *server_config(const char *kind)
{
	struct tlsk_config *cfg = tlsk_config_new();
	char chain[32], key[32];

	snprintf(chain, sizeof(chain), "%s.chain", kind);
	snprintf(key, sizeof(key), "%s.key", kind);
	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, chain),
				    testpki_path(&pki, key)));
	return cfg;
}

static struct tlsk_config *client_config(void)
{
	struct tlsk_config *cfg = tlsk_config_new();

	CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki, "root.crt")));
	CHECK(!tlsk_config_set_verify(cfg, TLSK_VERIFY_REQUIRE));
	return cfg;
}

static void pair_start(struct pair *p, const char *host)
{
	p->c = tlsk_engine_new(p->ccfg, TLSK_ROLE_CLIENT);
	p->s = tlsk_engine_new(p->scfg, TLSK_ROLE_SERVER);
	memset(&p->c2s, 0, sizeof(p->c2s));
	memset(&p->s2c, 0, sizeof(p->s2c));
	if (host)
		CHECK(!tlsk_engine_set_server_name(p->c, host));
}

static void pair_run(struct pair *p)
{
	run_pair(p->c, p->s, &p->c2s, &p->s2c, 0);
}

static void report(struct tlsk_engine *e, const char *who)
{
	const char *why;
	uint8_t alert;
	int received;

	if (tlsk_engine_state(e) == TLSK_STATE_FAILED) {
		tlsk_engine_error(e, &alert, &received, &why);
		printf("# %s failed: %s (alert %u%s)\n", who, why, alert,
		       received ? " received" : "");
	}
}

static bool pair_established(struct pair *p)
{
	report(p->c, "client");
	report(p->s, "server");
	return tlsk_engine_state(p->c) == TLSK_STATE_ESTABLISHED &&
	       tlsk_engine_state(p->s) == TLSK_STATE_ESTABLISHED;
}

static void pair_free_engines(struct pair *p)
{
	tlsk_engine_free(p->c);
	tlsk_engine_free(p->s);
	buf_free(&p->c2s);
	buf_free(&p->s2c);
	p->c = p->s = NULL;
}

static void pair_free(struct pair *p)
{
	pair_free_engines(p);
	tlsk_config_free(p->ccfg);
	tlsk_config_free(p->scfg);
}

static uint8_t failure_alert(struct tlsk_engine *e, int *received)
{
	uint8_t alert = 0;

	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	tlsk_engine_error(e, &alert, received, NULL);
	return alert;
}

static void full_handshake_ec256(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_session_info ci, si;

	pair_start(&p, "localhost");
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(keys_agree(p.c, p.s, 0) == false);	/* NST not yet read */
	CHECK(read_post_handshake(p.c, &p.s2c) == 1);
	CHECK(keys_agree(p.c, p.s, 1));
	CHECK(!tlsk_engine_info(p.c, &ci) && !tlsk_engine_info(p.s, &si));
	CHECK(ci.suite == si.suite && ci.suite == 0x1301);
	CHECK(!strcmp(ci.group, "x25519") && !ci.resumed);
	CHECK(ci.peer && strstr(ci.peer, "ec256"));
	{
		char sans[64], tiny[20];

		CHECK(tlsk_engine_peer_sans(p.c, sans, sizeof(sans)) == 2);
		CHECK(!strcmp(sans, "DNS:localhost,DNS:server.test"));
		/* Only whole entries: the second one does not fit. */
		CHECK(tlsk_engine_peer_sans(p.c, tiny, sizeof(tiny)) == -ENOSPC);
		CHECK(!strcmp(tiny, "DNS:localhost"));
		/* The server asked for no client certificate. */
		CHECK(tlsk_engine_peer_sans(p.s, sans, sizeof(sans)) == 0);
		CHECK(sans[0] == '\0');
		CHECK(tlsk_engine_peer_sans(p.s, sans, 0) == -EINVAL);
	}
	CHECK(tlsk_engine_want(p.c) == 0 && tlsk_engine_want(p.s) == 0);
	pair_free(&p);
}

/* RFC 8446 2: the client may send data right behind its Finished, in the
 * same write. The server must stop reading at the Finished record so the
 * data stays for the kernel, where the exported RX keys open it. */
static void data_behind_finished_stays_unread(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	static const uint8_t hello[] = "GET / HTTP/1.1";
	struct tlsk_traffic_keys k;
	struct tlsk_record *tx, *rx;
	uint8_t rec[TLSK_RECORD_MAX_LEN], type, *pt;
	int n;

	pair_start(&p, "localhost");
	drain_output(p.c, &p.c2s);		/* ClientHello */
	feed_input(p.s, &p.c2s, 0);
	drain_output(p.s, &p.s2c);		/* the server's flight */
	feed_input(p.c, &p.s2c, 0);
	CHECK(tlsk_engine_state(p.c) == TLSK_STATE_ESTABLISHED);
	drain_output(p.c, &p.c2s);		/* client Finished */
	CHECK(!tlsk_engine_export_keys(p.c, TLSK_DIR_TX, &k));
	tx = tlsk_record_new(&k, 1);
	tlsk_keys_scrub(&k);
	n = tlsk_record_seal(tx, TLSK_CT_APPLICATION_DATA, hello, sizeof(hello),
			     rec, sizeof(rec));
	CHECK(n > 0);
	buf_put(&p.c2s, rec, (size_t)n);	/* same segment, right behind */
	feed_input(p.s, &p.c2s, 0);
	CHECK(pair_established(&p));
	CHECK(p.c2s.len == (size_t)n);		/* not a byte of it read */
	CHECK(!tlsk_engine_export_keys(p.s, TLSK_DIR_RX, &k));
	rx = tlsk_record_new(&k, 0);
	tlsk_keys_scrub(&k);
	n = tlsk_record_open(rx, p.c2s.p, p.c2s.len, &type, &pt);
	CHECK(n == sizeof(hello) && type == TLSK_CT_APPLICATION_DATA &&
	      !memcmp(pt, hello, sizeof(hello)));
	tlsk_record_free(tx);
	tlsk_record_free(rx);
	pair_free(&p);
}

/* RFC 8448 3: the trace's ClientHello (from another implementation, with
 * extensions we do not use) gets a ServerHello for its first suite and
 * its x25519 share */
static void answers_rfc8448_client_hello(void)
{
	static const char ch[] =
		"160301"	"00c4"	/* record header */
		"010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283"
		"024dece7000006130113031302010000910000000b0009000006736572766572ff01"
		"000100000a00140012001d0017001800190100010101020103010400230000003300"
		"260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d541369"
		"1e529aaf2c002b0003020304000d0020001e04030503060302030804080508060401"
		"0501060102010402050206020202002d00020101001c00024001";
	struct tlsk_config *cfg = server_config("rsa");
	struct tlsk_engine *s = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	struct buf in = { 0 }, out = { 0 };
	uint8_t raw[512];

	buf_put(&in, raw, unhex(ch, raw, sizeof(raw)));
	feed_input(s, &in, 0);
	drain_output(s, &out);
	report(s, "server");
	CHECK(tlsk_engine_state(s) == TLSK_STATE_HANDSHAKING);
	/* ServerHello: record, header, version, random, echoed empty
	 * session ID, then the suite */
	CHECK(out.len > 5 + 4 + 2 + 32 + 1 + 2 && out.p[5] == 2);
	CHECK(out.len > 46 && out.p[43] == 0 && out.p[44] == 0x13 &&
	      out.p[45] == 0x01);
	tlsk_engine_free(s);
	tlsk_config_free(cfg);
	buf_free(&in);
	buf_free(&out);
}

static void every_suite_and_group(void)
{
	static const char *suites[] = { "TLS_AES_128_GCM_SHA256",
		"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
		"TLS_AES_128_CCM_SHA256" };
	static const char *groups[] = { "x25519", "secp256r1", "secp384r1" };

	for (size_t i = 0; i < 4; i++)
		for (size_t g = 0; g < 3; g++) {
			struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
			struct tlsk_session_info info;

			tlsk_config_set_tls13_suites(p.ccfg, suites[i]);
			tlsk_config_set_groups(p.ccfg, groups[g]);
			pair_start(&p, "localhost");
			pair_run(&p);
			CHECK(pair_established(&p));
			CHECK(read_post_handshake(p.c, &p.s2c) == 1);
			CHECK(keys_agree(p.c, p.s, 1));
			CHECK(!tlsk_engine_info(p.s, &info));
			CHECK(!strcmp(info.suite_name, suites[i]));
			CHECK(!strcmp(info.group, groups[g]));
			pair_free(&p);
		}
}

static void every_certificate_type(void)
{
	static const char *kinds[] = { "ec256", "ec384", "rsa", "ed25519" };

	for (size_t i = 0; i < 4; i++) {
		struct pair p = { .ccfg = client_config(), .scfg = server_config(kinds[i]) };

		pair_start(&p, "server.test");
		pair_run(&p);
		CHECK(pair_established(&p));
		pair_free(&p);
	}
}

static void byte_at_a_time(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("rsa") };

	pair_start(&p, "localhost");
	run_pair(p.c, p.s, &p.c2s, &p.s2c, 1);
	CHECK(pair_established(&p));
	pair_free(&p);
}

static void hello_retry_request(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_session_info info;

	/* the client's first share is x25519; the server only takes P-384 */
	tlsk_config_set_groups(p.ccfg, "x25519:secp384r1");
	tlsk_config_set_groups(p.scfg, "secp384r1");
	pair_start(&p, "localhost");
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(!tlsk_engine_info(p.c, &info) && !strcmp(info.group, "secp384r1"));
	CHECK(read_post_handshake(p.c, &p.s2c) == 1);
	CHECK(keys_agree(p.c, p.s, 1));
	pair_free(&p);
}

static void alpn_negotiated(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_session_info ci, si;

	tlsk_config_set_alpn(p.ccfg, "h2,http/1.1");
	tlsk_config_set_alpn(p.scfg, "http/1.1,h2");
	pair_start(&p, "localhost");
	pair_run(&p);
	CHECK(pair_established(&p));
	tlsk_engine_info(p.c, &ci);
	tlsk_engine_info(p.s, &si);
	CHECK(ci.alpn && si.alpn && !strcmp(ci.alpn, "http/1.1") &&
	      !strcmp(si.alpn, "http/1.1"));
	pair_free(&p);
}

static void alpn_mismatch_fails(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	int received;

	tlsk_config_set_alpn(p.ccfg, "h2");
	tlsk_config_set_alpn(p.scfg, "smtp");
	pair_start(&p, "localhost");
	pair_run(&p);
	CHECK(failure_alert(p.s, &received) == ALERT_NO_APPLICATION_PROTOCOL);
	CHECK(failure_alert(p.c, &received) == ALERT_NO_APPLICATION_PROTOCOL &&
	      received);
	pair_free(&p);
}

/*
 * One config, a list per handshake (tlskd serves requests with their own
 * lists from one profile config): the engine's list replaces the
 * config's, for TLS 1.3 and 1.2, on both sides; too late is -EBUSY.
 */
static void alpn_per_engine(void)
{
	static const uint16_t versions[] = { 0x0304, 0x0303 };

	for (size_t i = 0; i < 2; i++) {
		struct pair p = { .ccfg = client_config(),
				  .scfg = server_config("ec256") };
		struct tlsk_session_info ci, si;
		const uint8_t *out;
		size_t n;

		CHECK(!tlsk_config_set_versions(p.ccfg, versions[i],
						versions[i]));
		tlsk_config_set_alpn(p.ccfg, "h2");
		tlsk_config_set_alpn(p.scfg, "h2");
		pair_start(&p, "localhost");
		CHECK(tlsk_engine_set_alpn(p.c, "x-one,x-two") == 0);
		CHECK(tlsk_engine_set_alpn(p.s, "x-two") == 0);
		CHECK(tlsk_engine_set_alpn(p.s, "bad,,list") == -EINVAL);
		pair_run(&p);
		CHECK(pair_established(&p));
		tlsk_engine_info(p.c, &ci);
		tlsk_engine_info(p.s, &si);
		CHECK(ci.alpn && si.alpn && !strcmp(ci.alpn, "x-two") &&
		      !strcmp(si.alpn, "x-two"));
		CHECK(tlsk_engine_set_alpn(p.s, "h2") == -EBUSY);
		pair_free(&p);

		/* the client's output taken: its ClientHello is gone */
		p = (struct pair){ .ccfg = client_config(),
				   .scfg = server_config("ec256") };
		pair_start(&p, "localhost");
		out = tlsk_engine_output(p.c, &n);
		CHECK(out && n > 0);
		tlsk_engine_output_done(p.c, n);
		CHECK(tlsk_engine_set_alpn(p.c, "h2") == -EBUSY);
		pair_free(&p);
	}
}

/* nothing in common: handshake_failure from the server, heard by the client */
static void nothing_in_common(const char *what, const char *client,
			      const char *server)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	int received;

	if (!strcmp(what, "suite")) {
		tlsk_config_set_tls13_suites(p.ccfg, client);
		tlsk_config_set_tls13_suites(p.scfg, server);
	} else {
		tlsk_config_set_groups(p.ccfg, client);
		tlsk_config_set_groups(p.scfg, server);
	}
	pair_start(&p, "localhost");
	pair_run(&p);
	CHECK(failure_alert(p.s, &received) == ALERT_HANDSHAKE_FAILURE);
	CHECK(failure_alert(p.c, &received) == ALERT_HANDSHAKE_FAILURE &&
	      received);
	pair_free(&p);
}

static void no_common_suite_or_group(void)
{
	nothing_in_common("suite", "TLS_AES_128_CCM_SHA256",
			  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384");
	nothing_in_common("group", "x25519", "P-256:P-384");
}

static void sni_picks_certificate(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_session_info info;

	CHECK(!tlsk_config_add_cert(p.scfg, testpki_path(&pki, "other.chain"),
				    testpki_path(&pki, "other.key")));
	pair_start(&p, "other.test");
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(!tlsk_engine_info(p.c, &info) && strstr(info.peer, "other"));
	pair_free_engines(&p);
	pair_start(&p, "server.test");	/* falls back to the first */
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(!tlsk_engine_info(p.c, &info) && strstr(info.peer, "ec256"));
	pair_free(&p);
}

static void expect_client_rejects(const char *kind, const char *host,
				  uint8_t alert, const char *why)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config(kind) };
	const char *reason;
	int received;

	pair_start(&p, host);
	pair_run(&p);
	CHECK(failure_alert(p.c, &received) == alert && !received);
	tlsk_engine_error(p.c, NULL, NULL, &reason);
	CHECK(reason && strstr(reason, why));
	if (!reason || !strstr(reason, why))
		printf("# reason: %s\n", reason ? reason : "(none)");
	CHECK(failure_alert(p.s, &received) == alert && received);
	pair_free(&p);
}

static void bad_certificates_get_the_right_alert(void)
{
	expect_client_rejects("expired", "localhost", ALERT_CERTIFICATE_EXPIRED,
			      "expired");
	expect_client_rejects("ec256", "wrong.test", ALERT_BAD_CERTIFICATE,
			      "host name");
	expect_client_rejects("rogue", "localhost", ALERT_UNKNOWN_CA,
			      "issuer");
}

/*
 * A client verifies the server unless its config says NONE: OPTIONAL (a
 * server's client-auth setting, which tlskd puts in a profile that may
 * also make client handshakes) must not turn the checks off.
 */
static void client_verifies_unless_none(void)
{
	static const uint16_t versions[] = { 0x0304, 0x0303 };

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct pair p = { .ccfg = client_config(),
				  .scfg = server_config("rogue") };
		int received;

		CHECK(!tlsk_config_set_verify(p.ccfg, TLSK_VERIFY_OPTIONAL));
		CHECK(!tlsk_config_set_versions(p.ccfg, versions[i],
						versions[i]));
		pair_start(&p, "localhost");
		pair_run(&p);
		CHECK(!pair_established(&p));
		CHECK(failure_alert(p.c, &received) == ALERT_UNKNOWN_CA &&
		      !received);
		pair_free(&p);

		p = (struct pair){ .ccfg = client_config(),
				   .scfg = server_config("rogue") };
		CHECK(!tlsk_config_set_verify(p.ccfg, TLSK_VERIFY_NONE));
		CHECK(!tlsk_config_set_versions(p.ccfg, versions[i],
						versions[i]));
		pair_start(&p, "localhost");
		pair_run(&p);
		CHECK(pair_established(&p));
		pair_free(&p);
	}
}

static void client_auth(enum tlsk_verify mode, bool client_has_cert,
			bool expect_ok)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_session_info si;
	int received;

	tlsk_config_set_verify(p.scfg, mode);
	CHECK(!tlsk_config_load_ca_file(p.scfg, testpki_path(&pki, "root.crt")));
	if (client_has_cert)
		CHECK(!tlsk_config_add_cert(p.ccfg,
					    testpki_path(&pki, "client.chain"),
					    testpki_path(&pki, "client.key")));
	pair_start(&p, "localhost");
	pair_run(&p);
	if (expect_ok) {
		CHECK(pair_established(&p));
		CHECK(read_post_handshake(p.c, &p.s2c) == 1);
		CHECK(keys_agree(p.c, p.s, 1));
		tlsk_engine_info(p.s, &si);
		CHECK(client_has_cert ? si.peer && strstr(si.peer, "client") :
					!si.peer);
		if (client_has_cert) {
			char sans[256];

			CHECK(tlsk_engine_peer_sans(p.s, sans, sizeof(sans)) == 5);
			CHECK(!strcmp(sans, "DNS:client.test,IP:192.0.2.7,"
				      "IP:2001:db8::7,email:svc@client.test,"
				      "URI:spiffe://client.test/svc"));
		}
	} else {
		CHECK(failure_alert(p.s, &received) == ALERT_CERTIFICATE_REQUIRED);
	}
	pair_free(&p);
}

static void client_auth_required(void)
{
	client_auth(TLSK_VERIFY_REQUIRE, true, true);
}

static void client_auth_optional_without_cert(void)
{
	client_auth(TLSK_VERIFY_OPTIONAL, false, true);
}

static void client_auth_required_without_cert_fails(void)
{
	client_auth(TLSK_VERIFY_REQUIRE, false, false);
}

/* a full handshake whose ticket the client saves in blob */
static void first_session(struct pair *p, uint8_t *blob, size_t *len)
{
	pair_start(p, "localhost");
	pair_run(p);
	CHECK(pair_established(p));
	CHECK(read_post_handshake(p->c, &p->s2c) == 1);
	CHECK(!tlsk_engine_get_session(p->c, blob, len));
	pair_free_engines(p);
}

/* the alert in the first record of `from`, opened with c's RX keys */
static int first_record_alert(struct tlsk_engine *c, struct buf *from)
{
	struct tlsk_traffic_keys k;
	struct tlsk_record *rx;
	uint8_t type, *pt;
	int n, alert = -1;

	if (tlsk_engine_export_keys(c, TLSK_DIR_RX, &k))
		return -1;
	rx = tlsk_record_new(&k, 0);
	tlsk_keys_scrub(&k);
	n = rx ? tlsk_record_open(rx, from->p, from->len, &type, &pt) : -1;
	if (n == 2 && type == TLSK_CT_ALERT)
		alert = pt[1];
	tlsk_record_free(rx);
	return alert;
}

/* a client certificate from a root the server does not trust */
static void untrusted_client_certificate(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	int received;

	tlsk_config_set_verify(p.scfg, TLSK_VERIFY_OPTIONAL);
	CHECK(!tlsk_config_load_ca_file(p.scfg, testpki_path(&pki, "ec256.chain")));
	CHECK(!tlsk_config_add_cert(p.ccfg, testpki_path(&pki, "client.chain"),
				    testpki_path(&pki, "client.key")));
	pair_start(&p, "localhost");
	pair_run(&p);
	CHECK(failure_alert(p.s, &received) == ALERT_UNKNOWN_CA && !received);
	/* the client is done after its Finished (RFC 8446 2): the alert is
	 * for its record layer, under the server's application keys */
	CHECK(tlsk_engine_state(p.c) == TLSK_STATE_ESTABLISHED);
	CHECK(first_record_alert(p.c, &p.s2c) == ALERT_UNKNOWN_CA);
	pair_free(&p);
}

static void resumption(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_session_info info;
	uint8_t blob[1024];
	size_t len = sizeof(blob);

	tlsk_config_set_alpn(p.ccfg, "h2");
	tlsk_config_set_alpn(p.scfg, "h2");
	first_session(&p, blob, &len);
	pair_start(&p, "localhost");
	CHECK(!tlsk_engine_set_session(p.c, blob, len));
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(!tlsk_engine_info(p.c, &info) && info.resumed);
	CHECK(!tlsk_engine_info(p.s, &info) && info.resumed);
	CHECK(info.alpn && !strcmp(info.alpn, "h2"));
	CHECK(read_post_handshake(p.c, &p.s2c) == 1);
	CHECK(keys_agree(p.c, p.s, 1));
	pair_free(&p);
}

/* PSK binders after a HelloRetryRequest hash message_hash(CH1) + HRR */
static void resumption_after_hello_retry(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_session_info info;
	uint8_t blob[1024];
	size_t len = sizeof(blob);

	first_session(&p, blob, &len);
	tlsk_config_set_groups(p.scfg, "secp384r1");
	pair_start(&p, "localhost");
	CHECK(!tlsk_engine_set_session(p.c, blob, len));
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(!tlsk_engine_info(p.s, &info) && info.resumed &&
	      !strcmp(info.group, "secp384r1"));
	CHECK(read_post_handshake(p.c, &p.s2c) == 1);
	CHECK(keys_agree(p.c, p.s, 1));
	pair_free(&p);
}

static void expired_session_is_refused(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	uint8_t blob[1024];
	size_t len = sizeof(blob);

	tlsk_config_set_tickets(p.scfg, 1, 1);	/* one second */
	tlsk_config_set_clock(p.ccfg, fake_clock, &fake_now);
	fake_now = 1000000;
	first_session(&p, blob, &len);
	fake_now += 1500;
	pair_start(&p, "localhost");
	CHECK(tlsk_engine_set_session(p.c, blob, len) == -ESTALE);
	pair_free(&p);
}

/* a TLS 1.2 handshake on p's configs; its session in blob */
static bool tls12_round(struct pair *p, const uint8_t *in, size_t in_len,
			uint8_t *blob, size_t *len)
{
	struct tlsk_session_info info;
	bool resumed;

	pair_start(p, "localhost");
	if (in)
		CHECK(!tlsk_engine_set_session(p->c, in, in_len));
	pair_run(p);
	CHECK(pair_established(p));
	resumed = !tlsk_engine_info(p->s, &info) && info.resumed;
	CHECK(!tlsk_engine_get_session(p->c, blob, len));
	pair_free_engines(p);
	return resumed;
}

/*
 * RFC 5077 3.3: a ticket renewed on resumption ends when the session's
 * first ticket would have, or a client resuming just in time keeps one
 * master secret for ever. The client's clock stays behind, as a client
 * ignoring the lifetime hint would; the server's runs on.
 */
static void renewed_tls12_ticket_keeps_its_session_end(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	uint64_t c_now = 1000000, s_now = 1000000;
	uint8_t blob1[2048], blob2[2048], blob3[2048];
	size_t len1 = sizeof(blob1), len2 = sizeof(blob2), len3 = sizeof(blob3);

	CHECK(!tlsk_config_set_versions(p.ccfg, 0x0303, 0x0303));
	tlsk_config_set_tickets(p.scfg, 1, 10);	/* ten seconds */
	tlsk_config_set_clock(p.ccfg, fake_clock, &c_now);
	tlsk_config_set_clock(p.scfg, fake_clock, &s_now);
	CHECK(!tls12_round(&p, NULL, 0, blob1, &len1));
	c_now = s_now += 8000;
	CHECK(tls12_round(&p, blob1, len1, blob2, &len2));	/* renewed */
	s_now += 4000;		/* 12 s after the session began */
	CHECK(!tls12_round(&p, blob2, len2, blob3, &len3));
	pair_free(&p);
}

/*
 * The same for a ticket issued on a session-ID resumption: it starts when
 * the session did, so the session's master secret lives no longer than
 * one ticket lifetime through it either. Here the cached session ID and
 * the ticket live 10 s; the session began at 0, was resumed by ID at 8 s
 * (with a ticket), and that ticket is offered at 12 s.
 */
static void ticket_from_session_id_keeps_its_session_end(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	uint64_t c_now = 1000000, s_now = 1000000;
	uint8_t blob1[2048], blob2[2048], blob3[2048];
	size_t len1 = sizeof(blob1), len2 = sizeof(blob2), len3 = sizeof(blob3);

	CHECK(!tlsk_config_set_versions(p.ccfg, 0x0303, 0x0303));
	tlsk_config_set_clock(p.ccfg, fake_clock, &c_now);
	tlsk_config_set_clock(p.scfg, fake_clock, &s_now);
	CHECK(!tlsk_config_set_session_cache(p.scfg, 16, 10));
	CHECK(!tlsk_config_set_tickets(p.scfg, 0, 10));
	CHECK(!tls12_round(&p, NULL, 0, blob1, &len1));	/* cached by ID */
	c_now = s_now += 8000;
	CHECK(!tlsk_config_set_tickets(p.scfg, 1, 10));
	CHECK(tls12_round(&p, blob1, len1, blob2, &len2));	/* by ID */
	s_now += 4000;
	CHECK(!tls12_round(&p, blob2, len2, blob3, &len3));
	pair_free(&p);
}

/* RFC 5246 7.4.1.1: a client still negotiating TLS 1.2 ignores a
 * HelloRequest (here before the ServerHello); one that speaks only TLS
 * 1.3 treats it as unexpected (type 0 is reserved there). */
static void hello_request_ignored_while_negotiating_tls12(void)
{
	static const uint8_t hr[] = { 22, 3, 3, 0, 4, 0, 0, 0, 0 };
	static const uint16_t client_max[] = { 0x0303, 0x0304 };

	for (size_t i = 0; i < 2; i++) {
		struct pair p = { .ccfg = client_config(),
				  .scfg = server_config("ec256") };

		CHECK(!tlsk_config_set_versions(p.ccfg, 0x0303, client_max[i]));
		CHECK(!tlsk_config_set_versions(p.scfg, 0x0303, 0x0303));
		pair_start(&p, "localhost");
		buf_put(&p.s2c, hr, sizeof(hr));	/* first on the wire */
		pair_run(&p);
		CHECK(pair_established(&p));
		pair_free(&p);
	}
	{
		struct pair p = { .ccfg = client_config(),
				  .scfg = server_config("ec256") };
		int received;

		CHECK(!tlsk_config_set_versions(p.ccfg, 0x0304, 0x0304));
		pair_start(&p, "localhost");
		buf_put(&p.s2c, hr, sizeof(hr));
		pair_run(&p);
		CHECK(failure_alert(p.c, &received) == 10 && !received);
		pair_free(&p);
	}
}

/* The ephemeral (EC)DHE key is gone once the handshake is done, both
 * versions, both sides: forward secrecy is its being gone. */
static void ephemeral_key_freed_when_established(void)
{
	static const uint16_t versions[] = { 0x0304, 0x0303 };

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct pair p = { .ccfg = client_config(),
				  .scfg = server_config("ec256") };

		CHECK(!tlsk_config_set_versions(p.ccfg, versions[i],
						versions[i]));
		pair_start(&p, "localhost");
		pair_run(&p);
		CHECK(pair_established(&p));
		CHECK(!p.c->kex_key);
		CHECK(!p.s->kex_key);
		pair_free(&p);
	}
}

static void resumption_with_foreign_ticket_goes_full(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	struct tlsk_config *other = server_config("ec256");
	struct tlsk_session_info info;
	uint8_t blob[1024];
	size_t len = sizeof(blob);

	first_session(&p, blob, &len);
	/* a server with another ticket key cannot read it */
	tlsk_config_free(p.scfg);
	p.scfg = other;
	pair_start(&p, "localhost");
	CHECK(!tlsk_engine_set_session(p.c, blob, len));
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(!tlsk_engine_info(p.c, &info) && !info.resumed);
	pair_free(&p);
}

/*
 * What a freed engine leaves in memory. libcrypto's allocator is hooked:
 * every block of an engine's size starts filled with FILL, and when the
 * watched engine is freed, everything before in_rec must be zero, and
 * in_rec (not cleared at creation, only scrubbed as far as records wrote
 * it) must hold nothing but zeros and FILL, with some zeros: the records
 * were there and are gone.
 */
#define FILL	0xa5
static const void *watched;
static int watched_verdict = -1;	/* 1 clean, 0 not, -1 not freed */

static void *hook_malloc(size_t n, const char *file, int line)
{
	void *p = malloc(n);

	(void)file;
	(void)line;
	if (p && n == sizeof(struct tlsk_engine))
		memset(p, FILL, n);
	return p;
}

static void *hook_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return realloc(p, n);
}

static void hook_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p && p == watched) {
		const uint8_t *b = p;
		size_t rec = offsetof(struct tlsk_engine, in_rec), zeros = 0;
		int ok = 1;

		for (size_t i = 0; i < rec; i++)
			ok &= b[i] == 0;
		for (size_t i = rec; i < sizeof(struct tlsk_engine); i++) {
			ok &= b[i] == 0 || b[i] == FILL;
			zeros += b[i] == 0;
		}
		watched_verdict = ok && zeros > 0;
		watched = NULL;
	}
	free(p);
}

static int free_watched(struct tlsk_engine *e)
{
	watched = e;
	watched_verdict = -1;
	tlsk_engine_free(e);
	return watched_verdict;
}

static bool hooked;

static void records_scrubbed_at_free(void)
{
	struct pair p = { .ccfg = client_config(), .scfg = server_config("ec256") };
	uint8_t hdr_and_half[5 + 40];
	const uint8_t *out;
	size_t len;

	/* After a whole handshake, both sides. */
	pair_start(&p, "localhost");
	pair_run(&p);
	CHECK(pair_established(&p));
	CHECK(free_watched(p.s) == 1);
	CHECK(free_watched(p.c) == 1);
	p.c = p.s = NULL;
	pair_free(&p);
	/* A server that got half a ClientHello record, then is dropped. */
	p = (struct pair){ .ccfg = client_config(),
			   .scfg = server_config("ec256") };
	pair_start(&p, "localhost");
	out = tlsk_engine_output(p.c, &len);
	CHECK(out && len > sizeof(hdr_and_half));
	if (out && len > sizeof(hdr_and_half)) {
		memcpy(hdr_and_half, out, sizeof(hdr_and_half));
		CHECK(!tlsk_engine_input(p.s, hdr_and_half, 5));
		CHECK(!tlsk_engine_input(p.s, hdr_and_half + 5, 40));
	}
	CHECK(free_watched(p.s) == 1);
	p.s = NULL;
	pair_free(&p);
}

/* ---- the last handshake message ends its record (RFC 8446 5.1) ---- */

static uint8_t hs_secret[2][TLSK_MAX_HASH_LEN];	/* [0] client, [1] server */

static void keep_hs_secrets(void *arg, const char *line)
{
	static const char *const labels[2] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
		"SERVER_HANDSHAKE_TRAFFIC_SECRET ",
	};

	(void)arg;
	for (int i = 0; i < 2; i++)
		if (!strncmp(line, labels[i], strlen(labels[i])))
			unhex(strrchr(line, ' ') + 1, hs_secret[i],
			      sizeof(hs_secret[i]));
}

/* A flight whose protected records are under `secret` (AES-128-GCM),
 * sealed again with `extra` after the last one's content; other records
 * as they were */
static void append_to_last_record(struct buf *flight, const uint8_t *secret,
				  const uint8_t *extra, size_t extra_len)
{
	const struct tlsk_suite *suite = tlsk_suite_by_id(0x1301);
	struct hs_prot rx = { 0 }, tx = { 0 };
	struct buf out = { 0 }, pt = { 0 };
	size_t off = 0, last = 0;

	for (size_t o = 0; o + 5 <= flight->len;
	     o += 5 + ((size_t)flight->p[o + 3] << 8 | flight->p[o + 4]))
		if (flight->p[o] == TLSK_CT_APPLICATION_DATA)
			last = o;
	CHECK(!hs_prot_set(&rx, suite, secret, false));
	CHECK(!hs_prot_set(&tx, suite, secret, true));
	while (off + 5 <= flight->len) {
		size_t len = 5 + ((size_t)flight->p[off + 3] << 8 |
				  flight->p[off + 4]);
		uint8_t type, *p;
		int n;

		if (flight->p[off] != TLSK_CT_APPLICATION_DATA) {
			buf_put(&out, flight->p + off, len);
		} else {
			n = hs_prot_open(&rx, flight->p + off, len, &type, &p);
			CHECK(n >= 0);
			buf_reset(&pt);
			buf_put(&pt, p, n < 0 ? 0 : (size_t)n);
			if (off == last)
				buf_put(&pt, extra, extra_len);
			CHECK(!hs_prot_seal(&tx, type, pt.p, pt.len, &out));
		}
		off += len;
	}
	buf_reset(flight);
	buf_put(flight, out.p, out.len);
	buf_free(&out);
	buf_free(&pt);
	hs_prot_clear(&rx);
	hs_prot_clear(&tx);
}

/*
 * Bytes after the Finished a TLS 1.3 endpoint reads last, in the same
 * record: a whole KeyUpdate, part of a header, the header of a message
 * too long to wait for. They were sent under handshake keys, so they end
 * the handshake with unexpected_message; they used to be dropped and the
 * handshake completed. Each role in turn is the reader.
 */
static void nothing_after_the_last_finished(void)
{
	static const uint8_t ku[] = { 24, 0, 0, 1, 0 };
	static const uint8_t part[] = { 4, 0, 1 };
	static const uint8_t big[] = { 4, 0x01, 0xff, 0xff };
	static const struct { const uint8_t *p; size_t n; } extra[] = {
		{ ku, sizeof(ku) }, { part, sizeof(part) }, { big, sizeof(big) },
	};

	for (int server_reads = 0; server_reads < 2; server_reads++)
		for (size_t i = 0; i <= 3; i++) {
			struct pair p = { .ccfg = client_config(),
					  .scfg = server_config("ec256") };
			struct tlsk_engine *reader;
			int received;

			CHECK(!tlsk_config_set_versions(p.ccfg, 0x0304, 0x0304));
			CHECK(!tlsk_config_set_tls13_suites(p.ccfg,
				"TLS_AES_128_GCM_SHA256"));
			CHECK(!tlsk_config_set_keylog(p.scfg, keep_hs_secrets,
						      NULL));
			pair_start(&p, "localhost");
			drain_output(p.c, &p.c2s);	/* ClientHello */
			feed_input(p.s, &p.c2s, 0);
			drain_output(p.s, &p.s2c);	/* ... to Finished */
			if (!server_reads && i < 3)
				append_to_last_record(&p.s2c, hs_secret[1],
						      extra[i].p, extra[i].n);
			while (feed_input(p.c, &p.s2c, 0))
				;
			drain_output(p.c, &p.c2s);	/* client Finished */
			if (server_reads && i < 3)
				append_to_last_record(&p.c2s, hs_secret[0],
						      extra[i].p, extra[i].n);
			while (feed_input(p.s, &p.c2s, 0))
				;
			reader = server_reads ? p.s : p.c;
			if (i == 3) {		/* the control: nothing after */
				CHECK(pair_established(&p));
			} else {
				CHECK(failure_alert(reader, &received) ==
				      ALERT_UNEXPECTED_MESSAGE);
				CHECK(!received);
			}
			if (tap_case_failed)
				printf("# %s reads, case %zu\n",
				       server_reads ? "server" : "client", i);
			pair_free(&p);
		}
}

int main(void)
{
	/* Before libcrypto allocates anything. */
	hooked = CRYPTO_set_mem_functions(hook_malloc, hook_realloc,
					  hook_free);
	if (testpki_make(&pki)) {
		printf("Bail out! cannot make test PKI\n");
		return 1;
	}
	RUN(full_handshake_ec256);
	if (hooked)
		RUN(records_scrubbed_at_free);
	else
		tap_skip("records_scrubbed_at_free",
			 "libcrypto's allocator already in use");
	RUN(data_behind_finished_stays_unread);
	RUN(nothing_after_the_last_finished);
	RUN(answers_rfc8448_client_hello);
	RUN(every_suite_and_group);
	RUN(every_certificate_type);
	RUN(byte_at_a_time);
	RUN(hello_retry_request);
	RUN(alpn_negotiated);
	RUN(alpn_mismatch_fails);
	RUN(alpn_per_engine);
	RUN(no_common_suite_or_group);
	RUN(sni_picks_certificate);
	RUN(bad_certificates_get_the_right_alert);
	RUN(client_verifies_unless_none);
	RUN(client_auth_required);
	RUN(client_auth_optional_without_cert);
	RUN(client_auth_required_without_cert_fails);
	RUN(untrusted_client_certificate);
	RUN(resumption);
	RUN(resumption_after_hello_retry);
	RUN(expired_session_is_refused);
	RUN(renewed_tls12_ticket_keeps_its_session_end);
	RUN(ticket_from_session_id_keeps_its_session_end);
	RUN(ephemeral_key_freed_when_established);
	RUN(hello_request_ignored_while_negotiating_tls12);
	RUN(resumption_with_foreign_ticket_goes_full);
	testpki_remove(&pki);
	return tap_done();
}
