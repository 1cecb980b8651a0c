// SPDX-License-Identifier: MIT
/*
 * Interop against OpenSSL's libssl in memory (test code only links
 * libssl): an SSL object over memory BIOs is the peer, in both roles.
 * Both sides must agree on the suite, and a record protected with the
 * keys the engine exports must be readable by OpenSSL and vice versa.
 */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "../../tests/tap.h"
#include "harness.h"
#include "hsrecord.h"
#include "tlsk/handoff.h"
#include "tlsk/record.h"
#include "testpki.h"

static struct testpki pki;

struct peer {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;		/* what OpenSSL reads / writes */
};

static const unsigned char alpn_h2[] = { 2, 'h', '2' };

static int select_h2(SSL *ssl, const unsigned char **out,
		     unsigned char *outlen, const unsigned char *in,
		     unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, alpn_h2,
				  sizeof(alpn_h2), in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *ossl_ctx(bool server, const char *suites, const char *groups)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
				   TLS_client_method());

	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	if (suites)
		CHECK(SSL_CTX_set_ciphersuites(ctx, suites) == 1);
	if (groups)
		CHECK(SSL_CTX_set1_groups_list(ctx, groups) == 1);
	CHECK(SSL_CTX_load_verify_locations(ctx, testpki_path(&pki, "root.crt"),
					    NULL) == 1);
	if (server) {
		CHECK(SSL_CTX_use_certificate_chain_file(ctx,
			testpki_path(&pki, "ec256.chain")) == 1);
		CHECK(SSL_CTX_use_PrivateKey_file(ctx,
			testpki_path(&pki, "ec256.key"), SSL_FILETYPE_PEM) == 1);
		SSL_CTX_set_alpn_select_cb(ctx, select_h2, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	}
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

static void peer_free(struct peer *p)
{
	/* a connection freed without a shutdown poisons its session */
	if (SSL_is_init_finished(p->ssl))
		SSL_set_shutdown(p->ssl, SSL_SENT_SHUTDOWN |
				 SSL_RECEIVED_SHUTDOWN);
	SSL_free(p->ssl);
	p->ssl = NULL;
}

/* move bytes both ways until neither side makes progress */
static void run_with_openssl(struct tlsk_engine *e, struct peer *p,
			     struct buf *to_engine)
{
	struct buf to_ssl = { 0 };
	uint8_t tmp[16384];

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
			SSL_read(p->ssl, tmp, 0);	/* tickets, alerts */
		while ((n = BIO_read(p->out, tmp, sizeof(tmp))) > 0) {
			buf_put(to_engine, tmp, (size_t)n);
			moved = true;
		}
		moved |= feed_input(e, to_engine, 0);
		if (!moved)
			break;
	}
	buf_free(&to_ssl);
}

static struct tlsk_record *record_from_keys(struct tlsk_engine *e,
					    enum tlsk_direction dir)
{
	struct tlsk_traffic_keys k;
	struct tlsk_record *r;

	CHECK(!tlsk_engine_export_keys(e, dir, &k));
	r = tlsk_record_new(&k, dir == TLSK_DIR_TX);
	tlsk_keys_scrub(&k);
	CHECK(r != NULL);
	return r;
}

/* Our exported TX keys protect a record OpenSSL reads, and OpenSSL's
 * record opens under our exported RX keys (after any tickets). */
static void exchange_data(struct tlsk_engine *e, struct peer *p,
			  struct buf *to_engine)
{
	static const char ping[] = "ping from tlsk", pong[] = "pong from openssl";
	struct tlsk_record *tx = record_from_keys(e, TLSK_DIR_TX);
	struct tlsk_record *rx = record_from_keys(e, TLSK_DIR_RX);
	uint8_t tmp[TLSK_RECORD_MAX_LEN], alert, *pt;
	bool got_pong = false;
	int n;

	n = tlsk_record_seal(tx, CT_APPLICATION_DATA, (const uint8_t *)ping,
			     sizeof(ping), tmp, sizeof(tmp));
	CHECK(n > 0);
	BIO_write(p->in, tmp, n);
	n = SSL_read(p->ssl, tmp, sizeof(tmp));
	CHECK(n == (int)sizeof(ping) && !memcmp(tmp, ping, sizeof(ping)));
	CHECK(SSL_write(p->ssl, pong, sizeof(pong)) == (int)sizeof(pong));
	while ((n = BIO_read(p->out, tmp, sizeof(tmp))) > 0)
		buf_put(to_engine, tmp, (size_t)n);
	while (to_engine->len >= REC_HDR_LEN) {
		size_t len = REC_HDR_LEN +
			     ((size_t)to_engine->p[3] << 8 | to_engine->p[4]);
		uint8_t type;

		if (to_engine->len < len)
			break;
		n = tlsk_record_open(rx, to_engine->p, len, &type, &pt);
		CHECK(n >= 0);
		if (n >= 4 && type == CT_HANDSHAKE)	/* a ticket */
			CHECK(!tlsk_engine_post_handshake(e, pt[0], pt + 4,
							  (size_t)n - 4, &alert));
		else if (n >= 0 && type == CT_APPLICATION_DATA)
			got_pong = n == sizeof(pong) && !memcmp(pt, pong, (size_t)n);
		buf_consume(to_engine, len);
	}
	CHECK(got_pong);
	tlsk_record_free(tx);
	tlsk_record_free(rx);
}

/* RFC 8446 7.5: both ends export the same keying material */
static void check_exporter(struct tlsk_engine *e, struct peer *p)
{
	static const char label[] = "EXPORTER-tlsk-test";
	static const uint8_t context[] = { 1, 2, 3 };
	uint8_t ours_out[42], theirs_out[42];

	if (SSL_version(p->ssl) == TLS1_2_VERSION) {	/* not offered */
		CHECK(tlsk_engine_export_keying_material(e, label, NULL, 0,
			ours_out, sizeof(ours_out)) == -EOPNOTSUPP);
		return;
	}
	CHECK(!tlsk_engine_export_keying_material(e, label, context,
						  sizeof(context), ours_out,
						  sizeof(ours_out)));
	CHECK(SSL_export_keying_material(p->ssl, theirs_out,
					 sizeof(theirs_out), label,
					 sizeof(label) - 1, context,
					 sizeof(context), 1) == 1);
	CHECK(!memcmp(ours_out, theirs_out, sizeof(ours_out)));
	CHECK(!tlsk_engine_export_keying_material(e, label, NULL, 0, ours_out,
						  sizeof(ours_out)));
	CHECK(SSL_export_keying_material(p->ssl, theirs_out,
					 sizeof(theirs_out), label,
					 sizeof(label) - 1, NULL, 0, 0) == 1);
	CHECK(!memcmp(ours_out, theirs_out, sizeof(ours_out)));
}

/* both ends agree on the suite and on resumption, and data flows */
static void check_agreement(struct tlsk_engine *e, struct peer *p,
			    bool expect_resumed, struct buf *to_engine)
{
	struct tlsk_session_info info;

	CHECK(!tlsk_engine_info(e, &info));
	CHECK(info.suite == (SSL_CIPHER_get_id(SSL_get_current_cipher(
		p->ssl)) & 0xffff));
	CHECK(info.resumed == expect_resumed);
	CHECK(SSL_session_reused(p->ssl) == expect_resumed);
	check_exporter(e, p);
	exchange_data(e, p, to_engine);
}

static void report(struct tlsk_engine *e)
{
	const char *why;

	if (tlsk_engine_state(e) == TLSK_STATE_FAILED) {
		tlsk_engine_error(e, NULL, NULL, &why);
		printf("# engine failed: %s\n", why);
	}
}

static struct tlsk_config *our_client_config(void)
{
	struct tlsk_config *cfg = tlsk_config_new();

	CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki, "root.crt")));
	return cfg;
}

static struct tlsk_config *our_server_config(void)
{
	struct tlsk_config *cfg = tlsk_config_new();

	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, "rsa.chain"),
				    testpki_path(&pki, "rsa.key")));
	return cfg;
}

/* one handshake with our client against an OpenSSL server */
static bool client_vs_openssl(struct tlsk_config *cfg, struct peer *srv,
			      uint8_t *session, size_t *session_len,
			      bool expect_resumed)
{
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	struct buf to_engine = { 0 };
	bool ok;

	CHECK(!tlsk_engine_set_server_name(e, "localhost"));
	if (session && expect_resumed)
		CHECK(!tlsk_engine_set_session(e, session, *session_len));
	peer_start(srv, true);
	run_with_openssl(e, srv, &to_engine);
	report(e);
	ok = tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED &&
	     SSL_is_init_finished(srv->ssl);
	CHECK(ok);
	if (ok) {
		check_agreement(e, srv, expect_resumed, &to_engine);
		if (session && !expect_resumed)
			CHECK(!tlsk_engine_get_session(e, session, session_len));
	}
	buf_free(&to_engine);
	peer_free(srv);
	tlsk_engine_free(e);
	return ok;
}

static bool server_vs_openssl(struct tlsk_config *cfg, struct peer *cli,
			      SSL_SESSION **sess, bool expect_resumed);

static const char *const all_suites[] = { "TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
	"TLS_AES_128_CCM_SHA256" };
static const char *const all_groups[] = { "x25519", "P-256", "P-384" };

/* OpenSSL limited to one suite and one group; our end offers all (so a
 * client of ours, whose first share is x25519, meets HRR for the rest) */
static void every_suite_and_group(bool our_server)
{
	for (size_t i = 0; i < 4; i++)
		for (size_t g = 0; g < 3; g++) {
			struct tlsk_config *cfg = our_server ?
				our_server_config() : our_client_config();
			struct peer peer = { .ctx = ossl_ctx(!our_server,
				all_suites[i], all_groups[g]) };

			if (our_server)
				CHECK(server_vs_openssl(cfg, &peer, NULL, false));
			else
				CHECK(client_vs_openssl(cfg, &peer, NULL, NULL,
							false));
			SSL_CTX_free(peer.ctx);
			tlsk_config_free(cfg);
		}
}

static void our_client_every_suite_and_group(void)
{
	every_suite_and_group(false);
}

static void our_client_alpn_and_client_cert(void)
{
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_ctx(true, NULL, NULL) };

	tlsk_config_set_alpn(cfg, "h2,http/1.1");
	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, "client.chain"),
				    testpki_path(&pki, "client.key")));
	SSL_CTX_set_verify(srv.ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	CHECK(client_vs_openssl(cfg, &srv, NULL, NULL, false));
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

static void our_client_resumes_with_openssl(void)
{
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_ctx(true, NULL, NULL) };
	uint8_t session[2048];
	size_t len = sizeof(session);

	CHECK(client_vs_openssl(cfg, &srv, session, &len, false));
	CHECK(client_vs_openssl(cfg, &srv, session, &len, true));
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

/* more tickets in one handshake than the client keeps (MAX_TICKETS, 8):
 * the oldest go, the newest resumes */
static void our_client_keeps_the_newest_of_many_tickets(void)
{
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_ctx(true, NULL, NULL) };
	uint8_t session[2048];
	size_t len = sizeof(session);

	CHECK(SSL_CTX_set_num_tickets(srv.ctx, 11));
	CHECK(client_vs_openssl(cfg, &srv, session, &len, false));
	CHECK(client_vs_openssl(cfg, &srv, session, &len, true));
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

/* one handshake with our server against an OpenSSL client */
static bool server_vs_openssl(struct tlsk_config *cfg, struct peer *cli,
			      SSL_SESSION **sess, bool expect_resumed)
{
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	struct buf to_engine = { 0 };
	bool ok;

	peer_start(cli, false);
	if (sess && *sess)
		SSL_set_session(cli->ssl, *sess);
	run_with_openssl(e, cli, &to_engine);
	report(e);
	ok = tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED &&
	     SSL_is_init_finished(cli->ssl);
	CHECK(ok);
	if (ok) {
		CHECK(SSL_get_verify_result(cli->ssl) == X509_V_OK);
		check_agreement(e, cli, expect_resumed, &to_engine);
		if (sess) {
			SSL_SESSION_free(*sess);
			*sess = SSL_get1_session(cli->ssl);
		}
	}
	buf_free(&to_engine);
	peer_free(cli);
	tlsk_engine_free(e);
	return ok;
}

static void our_server_every_suite_and_group(void)
{
	every_suite_and_group(true);
}

static void our_server_hrr_alpn_client_cert(void)
{
	struct tlsk_config *cfg = our_server_config();
	struct peer cli = { .ctx = ossl_ctx(false, NULL, "x25519:P-384") };

	tlsk_config_set_groups(cfg, "P-384");		/* forces HRR */
	tlsk_config_set_alpn(cfg, "h2");
	tlsk_config_set_verify(cfg, TLSK_VERIFY_REQUIRE);
	CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki, "root.crt")));
	SSL_CTX_set_alpn_protos(cli.ctx, alpn_h2, sizeof(alpn_h2));
	CHECK(SSL_CTX_use_certificate_chain_file(cli.ctx,
		testpki_path(&pki, "client.chain")) == 1);
	CHECK(SSL_CTX_use_PrivateKey_file(cli.ctx,
		testpki_path(&pki, "client.key"), SSL_FILETYPE_PEM) == 1);
	CHECK(server_vs_openssl(cfg, &cli, NULL, false));
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

static void our_server_resumes_openssl(void)
{
	struct tlsk_config *cfg = our_server_config();
	struct peer cli = { .ctx = ossl_ctx(false, NULL, NULL) };
	SSL_SESSION *sess = NULL;

	CHECK(server_vs_openssl(cfg, &cli, &sess, false));
	CHECK(sess && SSL_SESSION_is_resumable(sess));
	CHECK(server_vs_openssl(cfg, &cli, &sess, true));
	SSL_SESSION_free(sess);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* ---- TLS 1.2, our server ---- */

static SSL_CTX *ossl_client12(const char *cipher, const char *groups)
{
	SSL_CTX *ctx = ossl_ctx(false, NULL, groups);

	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (cipher)
		CHECK(SSL_CTX_set_cipher_list(ctx, cipher) == 1);
	return ctx;
}

static struct tlsk_config *our_server12_config(bool rsa)
{
	struct tlsk_config *cfg = tlsk_config_new();

	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki,
					rsa ? "rsa.chain" : "ec256.chain"),
				    testpki_path(&pki,
					rsa ? "rsa.key" : "ec256.key")));
	return cfg;
}

/* A TLS 1.2 handshake with EMS and secure renegotiation; our server
 * also speaks TLS 1.3, so it marks the downgrade (RFC 8446 4.1.3). */
static void check_tls12(struct peer *cli, const char *cipher)
{
	static const uint8_t downgrade12[8] = { 'D', 'O', 'W', 'N', 'G', 'R',
						'D', 1 };
	uint8_t sr[32];

	CHECK(SSL_version(cli->ssl) == TLS1_2_VERSION);
	CHECK(SSL_get_extms_support(cli->ssl) == 1);
	CHECK(SSL_get_secure_renegotiation_support(cli->ssl) == 1);
	CHECK(SSL_get_server_random(cli->ssl, sr, 32) == 32);
	CHECK(!memcmp(sr + 24, downgrade12, 8));
	if (cipher)
		CHECK(!strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(
			cli->ssl)), cipher));
}

/* After exchange_data (one record each way), OpenSSL asks for
 * renegotiation (a ClientHello to our server, a HelloRequest to our
 * client): the engine answers with the no_renegotiation warning and
 * -ECANCELED; a KeyUpdate is fatal unexpected_message (TLS 1.2 has
 * none). */
static void check_reneg_refused(struct tlsk_engine *e, struct peer *p,
				uint8_t want_type)
{
	struct tlsk_traffic_keys k;
	struct tlsk_record *rx;
	uint8_t tmp[TLSK_RECORD_MAX_LEN], alert = 0, type = 0, *pt;
	int n, got = -1;

	CHECK(!tlsk_engine_export_keys(e, TLSK_DIR_RX, &k));
	k.seq += 1;			/* the pong */
	rx = tlsk_record_new(&k, false);
	tlsk_keys_scrub(&k);
	CHECK(rx != NULL);
	CHECK(SSL_renegotiate(p->ssl) == 1);
	SSL_do_handshake(p->ssl);
	n = BIO_read(p->out, tmp, sizeof(tmp));
	CHECK(n > REC_HDR_LEN);
	if (rx && n > REC_HDR_LEN) {
		got = tlsk_record_open(rx, tmp, (size_t)n, &type, &pt);
		CHECK(got >= 4 && type == CT_HANDSHAKE);
	}
	if (got >= 4 && type == CT_HANDSHAKE) {
		CHECK(pt[0] == want_type);
		CHECK(tlsk_engine_post_handshake(e, pt[0], pt + 4,
						 (size_t)got - 4,
						 &alert) == -ECANCELED);
		CHECK(alert == 100);
	}
	CHECK(tlsk_engine_post_handshake(e, 24, (const uint8_t *)"", 1,
					 &alert) == -EPROTO);
	CHECK(alert == 10);
	tlsk_record_free(rx);
}

/* The kernel hand-off of TLS 1.2 keys (issue: salt = implicit IV, the
 * explicit nonce starting at seq, rec_seq = 1 after Finished) */
static void check_crypto_info12(struct tlsk_engine *e)
{
	static const uint8_t one[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };

	for (int dir = 0; dir < 2; dir++) {
		struct tlsk_traffic_keys k;
		union tlsk_crypto_info ci;

		CHECK(!tlsk_engine_export_keys(e, dir ? TLSK_DIR_RX :
							TLSK_DIR_TX, &k));
		CHECK(k.version == 0x0303 && k.seq == 1);
		CHECK(tlsk_crypto_info_build(&k, &ci) > 0);
		CHECK(ci.info.version == TLS_1_2_VERSION);
		switch (k.aead) {
		case TLSK_AEAD_AES_128_GCM:
			CHECK(ci.info.cipher_type == TLS_CIPHER_AES_GCM_128);
			CHECK(k.iv_len == 4 && !memcmp(ci.aes_gcm_128.salt,
						       k.iv, 4));
			CHECK(!memcmp(ci.aes_gcm_128.iv, one, 8));
			CHECK(!memcmp(ci.aes_gcm_128.rec_seq, one, 8));
			CHECK(!memcmp(ci.aes_gcm_128.key, k.key, 16));
			break;
		case TLSK_AEAD_AES_256_GCM:
			CHECK(ci.info.cipher_type == TLS_CIPHER_AES_GCM_256);
			CHECK(k.iv_len == 4 && !memcmp(ci.aes_gcm_256.salt,
						       k.iv, 4));
			CHECK(!memcmp(ci.aes_gcm_256.iv, one, 8));
			CHECK(!memcmp(ci.aes_gcm_256.rec_seq, one, 8));
			CHECK(!memcmp(ci.aes_gcm_256.key, k.key, 32));
			break;
		case TLSK_AEAD_CHACHA20_POLY1305:
			CHECK(ci.info.cipher_type ==
			      TLS_CIPHER_CHACHA20_POLY1305);
			CHECK(k.iv_len == 12 &&
			      !memcmp(ci.chacha20_poly1305.iv, k.iv, 12));
			CHECK(!memcmp(ci.chacha20_poly1305.rec_seq, one, 8));
			CHECK(!memcmp(ci.chacha20_poly1305.key, k.key, 32));
			break;
		default:
			CHECK(!"a TLS 1.2 AEAD the engine does not have");
		}
		OPENSSL_cleanse(&ci, sizeof(ci));
		tlsk_keys_scrub(&k);
	}
}

/* like server_vs_openssl, with the TLS 1.2 checks before data flows */
static bool server12_vs_openssl(struct tlsk_config *cfg, struct peer *cli,
				SSL_SESSION **sess, bool expect_resumed,
				const char *cipher)
{
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	struct buf to_engine = { 0 };
	struct tlsk_session_info info;
	bool ok;

	peer_start(cli, false);
	if (sess && *sess)
		SSL_set_session(cli->ssl, *sess);
	run_with_openssl(e, cli, &to_engine);
	report(e);
	ok = tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED &&
	     SSL_is_init_finished(cli->ssl);
	CHECK(ok);
	if (ok) {
		CHECK(!tlsk_engine_info(e, &info) && info.version == 0x0303);
		check_tls12(cli, cipher);
		check_crypto_info12(e);
		check_agreement(e, cli, expect_resumed, &to_engine);
		if (sess) {
			SSL_SESSION_free(*sess);
			*sess = SSL_get1_session(cli->ssl);
		} else {
			check_reneg_refused(e, cli, 1);	/* ClientHello */
		}
	}
	buf_free(&to_engine);
	peer_free(cli);
	tlsk_engine_free(e);
	return ok;
}

static void our_server_tls12_every_suite_and_group(void)
{
	static const char *const suites[] = {
		"ECDHE-ECDSA-AES128-GCM-SHA256",
		"ECDHE-ECDSA-AES256-GCM-SHA384",
		"ECDHE-ECDSA-CHACHA20-POLY1305",
		"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-RSA-CHACHA20-POLY1305" };

	for (size_t i = 0; i < 6; i++)
		for (size_t g = 0; g < 3; g++) {
			/* OpenSSL wants the ECDSA certificate's curve among
			 * the groups it offers: P-256 comes second */
			char groups[32];
			struct tlsk_config *cfg = our_server12_config(i >= 3);
			struct peer cli;

			snprintf(groups, sizeof(groups), "%s%s", all_groups[g],
				 g == 1 ? "" : ":P-256");
			cli.ctx = ossl_client12(suites[i], groups);
			CHECK(!tlsk_config_set_groups(cfg, all_groups[g]));

			if (!server12_vs_openssl(cfg, &cli, NULL, false,
						 suites[i]))
				printf("# with %s, %s\n", suites[i],
				       all_groups[g]);
			SSL_CTX_free(cli.ctx);
			tlsk_config_free(cfg);
		}
}

/* RFC 5077 tickets, then (the client refusing tickets) session IDs from
 * our cache; without the cache, no resumption */
static void our_server_tls12_resumes_openssl(void)
{
	struct tlsk_config *cfg = our_server12_config(false);
	struct peer cli = { .ctx = ossl_client12(NULL, NULL) };
	SSL_SESSION *sess = NULL;

	CHECK(server12_vs_openssl(cfg, &cli, &sess, false, NULL));
	CHECK(sess && SSL_SESSION_has_ticket(sess));
	CHECK(server12_vs_openssl(cfg, &cli, &sess, true, NULL));
	SSL_SESSION_free(sess);
	sess = NULL;

	SSL_CTX_set_options(cli.ctx, SSL_OP_NO_TICKET);
	CHECK(server12_vs_openssl(cfg, &cli, &sess, false, NULL));
	CHECK(sess && !SSL_SESSION_has_ticket(sess));
	CHECK(server12_vs_openssl(cfg, &cli, &sess, false, NULL)); /* no cache */
	CHECK(!tlsk_config_set_session_cache(cfg, 16, 60));
	CHECK(server12_vs_openssl(cfg, &cli, &sess, false, NULL));
	CHECK(server12_vs_openssl(cfg, &cli, &sess, true, NULL));
	CHECK(server12_vs_openssl(cfg, &cli, &sess, true, NULL));
	SSL_SESSION_free(sess);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* a caller's session store: a few slots, as a daemon would share */
struct test_store {
	struct {
		uint8_t id[32], blob[TLSK_SESSION_BLOB_MAX];
		size_t id_len, len;
	} slot[4];
	unsigned stores, fetches, removes;
	uint64_t now_ms;
};

static int ts_find(struct test_store *t, const uint8_t *id, size_t id_len)
{
	for (int i = 0; i < 4; i++)
		if (t->slot[i].id_len == id_len &&
		    !memcmp(t->slot[i].id, id, id_len))
			return i;
	return -1;
}

static int ts_store(void *arg, const uint8_t *id, size_t id_len,
		    const uint8_t *blob, size_t len)
{
	struct test_store *t = arg;
	int i = ts_find(t, id, id_len);

	if (i < 0)
		i = (int)(t->stores % 4);
	if (id_len > 32 || len > TLSK_SESSION_BLOB_MAX)
		return -EINVAL;
	memcpy(t->slot[i].id, id, id_len);
	t->slot[i].id_len = id_len;
	memcpy(t->slot[i].blob, blob, len);
	t->slot[i].len = len;
	t->stores++;
	return 0;
}

static int ts_fetch(void *arg, const uint8_t *id, size_t id_len,
		    uint8_t *buf, size_t *len)
{
	struct test_store *t = arg;
	int i = ts_find(t, id, id_len);

	t->fetches++;
	if (i < 0)
		return -ENOENT;
	if (*len < t->slot[i].len)
		return -ENOBUFS;
	memcpy(buf, t->slot[i].blob, t->slot[i].len);
	*len = t->slot[i].len;
	return 0;
}

static int ts_remove(void *arg, const uint8_t *id, size_t id_len)
{
	struct test_store *t = arg;
	int i = ts_find(t, id, id_len);

	t->removes++;
	if (i < 0)
		return -ENOENT;
	OPENSSL_cleanse(&t->slot[i], sizeof(t->slot[i]));
	return 0;
}

static uint64_t ts_now(void *arg)
{
	return ((struct test_store *)arg)->now_ms;
}

/* Two configs (two profiles, or two processes) sharing one store: a
 * session made through one resumes through the other; past the
 * lifetime it is a miss and removed from the store. */
static void our_server_tls12_session_store(void)
{
	static struct test_store ts = { .now_ms = 1000000 };
	struct tlsk_session_store store = { ts_store, ts_fetch, ts_remove,
					    &ts };
	struct tlsk_config *a = our_server12_config(false);
	struct tlsk_config *b = our_server12_config(false);
	struct peer cli = { .ctx = ossl_client12(NULL, NULL) };
	SSL_SESSION *sess = NULL;

	SSL_CTX_set_options(cli.ctx, SSL_OP_NO_TICKET);
	CHECK(tlsk_config_set_session_store(a, &store, 0) == -EINVAL);
	CHECK(!tlsk_config_set_session_store(a, &store, 60));
	CHECK(!tlsk_config_set_session_store(b, &store, 60));
	CHECK(!tlsk_config_set_clock(a, ts_now, &ts));
	CHECK(!tlsk_config_set_clock(b, ts_now, &ts));
	CHECK(server12_vs_openssl(a, &cli, &sess, false, NULL));
	CHECK(ts.stores == 1 && ts.slot[0].len > 48);
	CHECK(server12_vs_openssl(b, &cli, &sess, true, NULL));
	CHECK(ts.fetches == 1);
	ts.now_ms += 61 * 1000ULL;
	CHECK(server12_vs_openssl(a, &cli, &sess, false, NULL));
	CHECK(ts.fetches == 2 && ts.removes == 1 && ts.stores == 2);
	CHECK(server12_vs_openssl(b, &cli, &sess, true, NULL));
	SSL_SESSION_free(sess);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(a);
	tlsk_config_free(b);
}

/* a resumed handshake with session *sess: our side names the peer */
static bool server12_peer_is(struct tlsk_config *cfg, struct peer *cli,
			     SSL_SESSION **sess, const char *cn)
{
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	struct buf to_engine = { 0 };
	struct tlsk_session_info info;
	bool ok;

	peer_start(cli, false);
	SSL_set_session(cli->ssl, *sess);
	run_with_openssl(e, cli, &to_engine);
	report(e);
	ok = !tlsk_engine_info(e, &info) && info.resumed &&
	     SSL_session_reused(cli->ssl) && info.peer &&
	     strstr(info.peer, cn) != NULL;
	if (!ok)
		printf("# peer after resumption: %s\n",
		       info.peer ? info.peer : "(none)");
	buf_free(&to_engine);
	peer_free(cli);
	tlsk_engine_free(e);
	return ok;
}

static void our_server_tls12_client_cert_alpn(void)
{
	struct tlsk_config *cfg = our_server12_config(true);
	struct peer cli = { .ctx = ossl_client12(NULL, NULL) };
	struct tlsk_engine *e;
	struct buf to_engine = { 0 };
	struct tlsk_session_info info;

	tlsk_config_set_alpn(cfg, "h2");
	tlsk_config_set_verify(cfg, TLSK_VERIFY_REQUIRE);
	CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki, "root.crt")));
	SSL_CTX_set_alpn_protos(cli.ctx, alpn_h2, sizeof(alpn_h2));
	CHECK(SSL_CTX_use_certificate_chain_file(cli.ctx,
		testpki_path(&pki, "client.chain")) == 1);
	CHECK(SSL_CTX_use_PrivateKey_file(cli.ctx,
		testpki_path(&pki, "client.key"), SSL_FILETYPE_PEM) == 1);
	CHECK(server12_vs_openssl(cfg, &cli, NULL, false, NULL));

	/* resumed by ticket, then by session ID: the peer is still known */
	{
		SSL_SESSION *sess = NULL;

		CHECK(!tlsk_config_set_session_cache(cfg, 4, 60));
		for (int by_id = 0; by_id < 2; by_id++) {
			if (by_id)
				SSL_CTX_set_options(cli.ctx, SSL_OP_NO_TICKET);
			SSL_SESSION_free(sess);
			sess = NULL;
			CHECK(server12_vs_openssl(cfg, &cli, &sess, false,
						  NULL));
			CHECK(server12_peer_is(cfg, &cli, &sess,
					       "CN=client"));
		}
		SSL_SESSION_free(sess);
	}

	/* without a certificate: handshake_failure, the TLS 1.2 way */
	SSL_CTX_free(cli.ctx);
	cli.ctx = ossl_client12(NULL, NULL);
	e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	peer_start(&cli, false);
	run_with_openssl(e, &cli, &to_engine);
	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	CHECK(tlsk_engine_info(e, &info) == -EINVAL);
	{
		uint8_t alert = 0;

		tlsk_engine_error(e, &alert, NULL, NULL);
		CHECK(alert == 40);
	}
	buf_free(&to_engine);
	peer_free(&cli);
	tlsk_engine_free(e);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* RFC 8996: a TLS 1.1 client gets protocol_version */
static void our_server_refuses_tls11(void)
{
	struct tlsk_config *cfg = our_server12_config(false);
	struct peer cli = { .ctx = ossl_ctx(false, NULL, NULL) };
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	struct buf to_engine = { 0 };
	uint8_t alert = 0;

	SSL_CTX_set_security_level(cli.ctx, 0);
	SSL_CTX_set_min_proto_version(cli.ctx, TLS1_VERSION);
	SSL_CTX_set_max_proto_version(cli.ctx, TLS1_1_VERSION);
	CHECK(SSL_CTX_set_cipher_list(cli.ctx, "DEFAULT:@SECLEVEL=0") == 1);
	peer_start(&cli, false);
	run_with_openssl(e, &cli, &to_engine);
	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	tlsk_engine_error(e, &alert, NULL, NULL);
	CHECK(alert == 70);
	CHECK(!SSL_is_init_finished(cli.ssl));
	buf_free(&to_engine);
	peer_free(&cli);
	tlsk_engine_free(e);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* ---- TLS 1.2, our client ---- */

/* an OpenSSL TLS 1.2 server with an ECDSA and an RSA certificate */
static SSL_CTX *ossl_server12(const char *cipher, const char *groups)
{
	SSL_CTX *ctx = ossl_ctx(true, NULL, groups);

	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (cipher)
		CHECK(SSL_CTX_set_cipher_list(ctx, cipher) == 1);
	CHECK(SSL_CTX_use_certificate_chain_file(ctx,
		testpki_path(&pki, "rsa.chain")) == 1);
	CHECK(SSL_CTX_use_PrivateKey_file(ctx, testpki_path(&pki, "rsa.key"),
					  SSL_FILETYPE_PEM) == 1);
	return ctx;
}

static bool client12_vs_openssl(struct tlsk_config *cfg, struct peer *srv,
				uint8_t *session, size_t *session_len,
				bool expect_resumed, const char *cipher)
{
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	struct buf to_engine = { 0 };
	struct tlsk_session_info info;
	bool ok;

	CHECK(!tlsk_engine_set_server_name(e, "localhost"));
	if (session && expect_resumed)
		CHECK(!tlsk_engine_set_session(e, session, *session_len));
	peer_start(srv, true);
	run_with_openssl(e, srv, &to_engine);
	report(e);
	ok = tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED &&
	     SSL_is_init_finished(srv->ssl);
	CHECK(ok);
	if (ok) {
		CHECK(!tlsk_engine_info(e, &info) && info.version == 0x0303);
		CHECK(SSL_version(srv->ssl) == TLS1_2_VERSION);
		CHECK(SSL_get_extms_support(srv->ssl) == 1);
		CHECK(SSL_get_secure_renegotiation_support(srv->ssl) == 1);
		if (cipher)
			CHECK(!strcmp(SSL_CIPHER_get_name(
				SSL_get_current_cipher(srv->ssl)), cipher));
		check_crypto_info12(e);
		check_agreement(e, srv, expect_resumed, &to_engine);
		if (session) {
			*session_len = 4096;
			CHECK(!tlsk_engine_get_session(e, session,
						       session_len));
		} else {
			check_reneg_refused(e, srv, 0);	/* HelloRequest */
		}
	}
	buf_free(&to_engine);
	peer_free(srv);
	tlsk_engine_free(e);
	return ok;
}

static void our_client_tls12_every_suite_and_group(void)
{
	static const char *const suites[] = {
		"ECDHE-ECDSA-AES128-GCM-SHA256",
		"ECDHE-ECDSA-AES256-GCM-SHA384",
		"ECDHE-ECDSA-CHACHA20-POLY1305",
		"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-RSA-CHACHA20-POLY1305" };

	for (size_t i = 0; i < 6; i++)
		for (size_t g = 0; g < 3; g++) {
			struct tlsk_config *cfg = our_client_config();
			struct peer srv = { .ctx = ossl_server12(suites[i],
							all_groups[g]) };

			if (!client12_vs_openssl(cfg, &srv, NULL, NULL, false,
						 suites[i]))
				printf("# with %s, %s\n", suites[i],
				       all_groups[g]);
			SSL_CTX_free(srv.ctx);
			tlsk_config_free(cfg);
		}
}

/* by ticket, then (the server issuing none) by session ID */
static void our_client_tls12_resumes_with_openssl(void)
{
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_server12(NULL, NULL) };
	uint8_t session[4096];
	size_t len = sizeof(session);

	SSL_CTX_set_session_id_context(srv.ctx, (const uint8_t *)"t", 1);
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, false, NULL));
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, true, NULL));
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, true, NULL));
	SSL_CTX_set_options(srv.ctx, SSL_OP_NO_TICKET);
	len = sizeof(session);
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, false, NULL));
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, true, NULL));
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

static void our_client_tls12_client_cert(void)
{
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_server12(NULL, NULL) };

	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, "client.chain"),
				    testpki_path(&pki, "client.key")));
	SSL_CTX_set_verify(srv.ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	CHECK(client12_vs_openssl(cfg, &srv, NULL, NULL, false, NULL));
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

/* ---- TLS 1.2 RSA key transport (only when a profile enables it) ---- */

/* One TLS 1.2 handshake of our engine e with OpenSSL peer p, which does
 * not do EMS (SSL_OP_NO_EXTENDED_MASTER_SECRET): established without it
 * and not resumed, or (require_alert) refused with that alert */
static void tls12_without_ems(struct tlsk_engine *e, struct peer *p,
			      bool server, SSL_SESSION *sess,
			      uint8_t require_alert)
{
	struct buf to_engine = { 0 };
	struct tlsk_session_info info;
	uint8_t alert = 0;

	peer_start(p, server);
	if (sess)
		SSL_set_session(p->ssl, sess);
	run_with_openssl(e, p, &to_engine);
	if (require_alert) {
		CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
		tlsk_engine_error(e, &alert, NULL, NULL);
		CHECK(alert == require_alert);
		CHECK(!SSL_is_init_finished(p->ssl));
	} else {
		report(e);
		CHECK(tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED &&
		      SSL_is_init_finished(p->ssl));
		CHECK(!tlsk_engine_info(e, &info) && info.version == 0x0303);
		CHECK(!info.extended_master_secret && !info.resumed);
		CHECK(SSL_get_extms_support(p->ssl) == 0);
		CHECK(!SSL_session_reused(p->ssl));
		exchange_data(e, p, &to_engine);
	}
	buf_free(&to_engine);
}

/* RFC 7627 5.2-5.4: an OpenSSL client without EMS completes a full
 * handshake; its session is neither cached (empty session ID) nor
 * ticketed, so the next one is full again; under tls12-require-ems it
 * gets handshake_failure */
static void our_server_tls12_without_ems(void)
{
	struct tlsk_config *cfg = our_server12_config(false);
	struct peer cli = { .ctx = ossl_client12(NULL, NULL) };
	SSL_SESSION *sess = NULL;

	CHECK(!tlsk_config_set_session_cache(cfg, 16, 60));
	SSL_CTX_set_options(cli.ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
	for (int i = 0; i < 3; i++) {
		struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);

		if (i == 2)
			CHECK(!tlsk_config_set_tls12_require_ems(cfg, 1));
		tls12_without_ems(e, &cli, false, sess, i == 2 ? 40 : 0);
		if (i < 2) {
			SSL_SESSION_free(sess);
			sess = SSL_get1_session(cli.ssl);
			CHECK(sess && !SSL_SESSION_has_ticket(sess));
		}
		peer_free(&cli);
		tlsk_engine_free(e);
	}
	SSL_SESSION_free(sess);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* the same with our client: no session to keep from a server without
 * EMS; under tls12-require-ems, handshake_failure */
static void our_client_tls12_without_ems(void)
{
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_server12(NULL, NULL) };
	uint8_t session[4096];

	SSL_CTX_set_session_id_context(srv.ctx, (const uint8_t *)"t", 1);
	SSL_CTX_set_options(srv.ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
	for (int i = 0; i < 2; i++) {
		struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
		size_t len = sizeof(session);

		CHECK(!tlsk_engine_set_server_name(e, "localhost"));
		if (i == 1)
			CHECK(!tlsk_config_set_tls12_require_ems(cfg, 1));
		tls12_without_ems(e, &srv, true, NULL, i == 1 ? 40 : 0);
		if (i == 0)
			CHECK(tlsk_engine_get_session(e, session, &len) ==
			      -ENOENT);
		peer_free(&srv);
		tlsk_engine_free(e);
	}
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

static const char *const rsa_kx_suites[] = { "AES128-GCM-SHA256",
					     "AES256-GCM-SHA384" };

/* handshake message types libssl saw, either way, one bit each */
static unsigned hs_seen;

static void note_handshake(int write_p, int version, int content_type,
			   const void *buf, size_t len, SSL *ssl, void *arg)
{
	(void)write_p;
	(void)version;
	(void)ssl;
	(void)arg;
	if (content_type == SSL3_RT_HANDSHAKE && len > 0)
		hs_seen |= 1u << (((const uint8_t *)buf)[0] & 31);
}

#define SEEN(type) (hs_seen & (1u << (type)))

/* the opt-in, then a cipher list that may name the RSA-kx suites */
static struct tlsk_config *with_rsa_kx(struct tlsk_config *cfg,
				       const char *list)
{
	CHECK(!tlsk_config_enable_rsa_kx(cfg));
	CHECK(!tlsk_config_set_tls12_ciphers(cfg, list));
	return cfg;
}

/* a full RSA-kx handshake: ClientKeyExchange, no ServerKeyExchange */
static void check_rsa_kx_flight(void)
{
	CHECK(SEEN(16) && !SEEN(12));
	CHECK(SEEN(20));
}

/* our server, an RSA certificate: each suite, the hand-off, data and
 * renegotiation refused (server12_vs_openssl); ECDHE stays preferred */
static void our_server_tls12_rsa_kx(void)
{
	for (size_t i = 0; i < 2; i++) {
		struct tlsk_config *cfg = with_rsa_kx(our_server12_config(true),
			"ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:"
			"AES256-GCM-SHA384");
		struct peer cli = { .ctx = ossl_client12(rsa_kx_suites[i],
							 NULL) };

		SSL_CTX_set_msg_callback(cli.ctx, note_handshake);
		hs_seen = 0;
		if (!server12_vs_openssl(cfg, &cli, NULL, false,
					 rsa_kx_suites[i]))
			printf("# with %s\n", rsa_kx_suites[i]);
		check_rsa_kx_flight();
		SSL_CTX_free(cli.ctx);
		tlsk_config_free(cfg);
	}
}

/* by ticket, then by session ID from our cache */
static void our_server_tls12_rsa_kx_resumes(void)
{
	struct tlsk_config *cfg = with_rsa_kx(our_server12_config(true),
					      "AES256-GCM-SHA384");
	struct peer cli = { .ctx = ossl_client12("AES256-GCM-SHA384", NULL) };
	SSL_SESSION *sess = NULL;
	const char *name = "AES256-GCM-SHA384";

	SSL_CTX_set_msg_callback(cli.ctx, note_handshake);
	CHECK(server12_vs_openssl(cfg, &cli, &sess, false, name));
	CHECK(sess && SSL_SESSION_has_ticket(sess));
	hs_seen = 0;
	CHECK(server12_vs_openssl(cfg, &cli, &sess, true, name));
	CHECK(!SEEN(11) && !SEEN(16));	/* abbreviated */
	SSL_SESSION_free(sess);
	sess = NULL;

	SSL_CTX_set_options(cli.ctx, SSL_OP_NO_TICKET);
	CHECK(!tlsk_config_set_session_cache(cfg, 16, 60));
	CHECK(server12_vs_openssl(cfg, &cli, &sess, false, name));
	CHECK(sess && !SSL_SESSION_has_ticket(sess));
	hs_seen = 0;
	CHECK(server12_vs_openssl(cfg, &cli, &sess, true, name));
	CHECK(!SEEN(11) && !SEEN(16));
	SSL_SESSION_free(sess);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* with client authentication: CertificateRequest, the client's
 * Certificate and CertificateVerify, still no ServerKeyExchange */
static void our_server_tls12_rsa_kx_client_cert(void)
{
	struct tlsk_config *cfg = with_rsa_kx(our_server12_config(true),
					      "AES128-GCM-SHA256");
	struct peer cli = { .ctx = ossl_client12("AES128-GCM-SHA256", NULL) };

	CHECK(!tlsk_config_set_verify(cfg, TLSK_VERIFY_REQUIRE));
	CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki, "root.crt")));
	CHECK(SSL_CTX_use_certificate_chain_file(cli.ctx,
		testpki_path(&pki, "client.chain")) == 1);
	CHECK(SSL_CTX_use_PrivateKey_file(cli.ctx,
		testpki_path(&pki, "client.key"), SSL_FILETYPE_PEM) == 1);
	SSL_CTX_set_msg_callback(cli.ctx, note_handshake);
	hs_seen = 0;
	CHECK(server12_vs_openssl(cfg, &cli, NULL, false, "AES128-GCM-SHA256"));
	check_rsa_kx_flight();
	CHECK(SEEN(13) && SEEN(15));	/* CertificateRequest, -Verify */
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* our server against a libssl client offering `offer`: the suite it
 * chose, or 0 when it refused (with the alert it sent) */
static uint16_t server12_choice(struct tlsk_config *cfg, const char *offer,
				uint8_t *alert)
{
	struct peer cli = { .ctx = ossl_client12(offer, NULL) };
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	struct buf to_engine = { 0 };
	struct tlsk_session_info info;
	uint16_t suite = 0;
	int received = 1;

	*alert = 0;
	peer_start(&cli, false);
	run_with_openssl(e, &cli, &to_engine);
	if (tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED &&
	    SSL_is_init_finished(cli.ssl) && !tlsk_engine_info(e, &info))
		suite = info.suite;
	else if (tlsk_engine_error(e, alert, &received, NULL) < 0)
		CHECK(!received && !SSL_is_init_finished(cli.ssl));
	buf_free(&to_engine);
	peer_free(&cli);
	tlsk_engine_free(e);
	SSL_CTX_free(cli.ctx);
	return suite;
}

/* RSA kx needs the opt-in, the client's offer and an RSA certificate
 * whose key may encipher keys; otherwise ECDHE or handshake_failure */
static void our_server_tls12_rsa_kx_only_when_allowed(void)
{
	static const char only_rsa_kx[] = "AES128-GCM-SHA256:AES256-GCM-SHA384";
	struct tlsk_config *cfg;
	uint8_t alert;

	/* preferred by the profile, but the client does not offer it */
	cfg = with_rsa_kx(our_server12_config(true),
			  "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
	CHECK(server12_choice(cfg, "ECDHE-RSA-AES128-GCM-SHA256:"
			      "ECDHE-ECDSA-AES128-GCM-SHA256", &alert) ==
	      0xc02f);
	CHECK(server12_choice(cfg, NULL, &alert) == 0x009c);
	tlsk_config_free(cfg);

	/* an ECDSA certificate never selects it */
	cfg = with_rsa_kx(our_server12_config(false),
			  "AES128-GCM-SHA256:AES256-GCM-SHA384:"
			  "ECDHE-ECDSA-AES128-GCM-SHA256");
	CHECK(server12_choice(cfg, "AES128-GCM-SHA256:"
			      "ECDHE-ECDSA-AES128-GCM-SHA256", &alert) ==
	      0xc02b);
	CHECK(server12_choice(cfg, only_rsa_kx, &alert) == 0);
	CHECK(alert == 40);
	tlsk_config_free(cfg);

	/* not enabled: a client offering nothing else gets handshake_failure */
	cfg = our_server12_config(true);
	CHECK(server12_choice(cfg, only_rsa_kx, &alert) == 0);
	CHECK(alert == 40);
	CHECK(server12_choice(cfg, NULL, &alert) == 0xc02f);
	tlsk_config_free(cfg);

	/* a certificate for signatures only (key usage digitalSignature) */
	cfg = tlsk_config_new();
	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, "rsa-sign.chain"),
				    testpki_path(&pki, "rsa-sign.key")));
	with_rsa_kx(cfg, "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
	CHECK(server12_choice(cfg, only_rsa_kx, &alert) == 0);
	CHECK(alert == 40);
	CHECK(server12_choice(cfg, NULL, &alert) == 0xc02f);
	tlsk_config_free(cfg);
}

/* our client: each suite against a libssl server choosing it */
static void our_client_tls12_rsa_kx(void)
{
	for (size_t i = 0; i < 2; i++) {
		struct tlsk_config *cfg = with_rsa_kx(our_client_config(),
			"ECDHE-ECDSA-AES128-GCM-SHA256:AES128-GCM-SHA256:"
			"AES256-GCM-SHA384");
		struct peer srv = { .ctx = ossl_server12(rsa_kx_suites[i],
							 NULL) };

		SSL_CTX_set_msg_callback(srv.ctx, note_handshake);
		hs_seen = 0;
		if (!client12_vs_openssl(cfg, &srv, NULL, NULL, false,
					 rsa_kx_suites[i]))
			printf("# with %s\n", rsa_kx_suites[i]);
		check_rsa_kx_flight();
		SSL_CTX_free(srv.ctx);
		tlsk_config_free(cfg);
	}
}

/* by ticket, then (the server issuing none) by session ID */
static void our_client_tls12_rsa_kx_resumes(void)
{
	struct tlsk_config *cfg = with_rsa_kx(our_client_config(),
					      "AES128-GCM-SHA256");
	struct peer srv = { .ctx = ossl_server12("AES128-GCM-SHA256", NULL) };
	const char *name = "AES128-GCM-SHA256";
	uint8_t session[4096];
	size_t len = sizeof(session);

	SSL_CTX_set_session_id_context(srv.ctx, (const uint8_t *)"t", 1);
	SSL_CTX_set_msg_callback(srv.ctx, note_handshake);
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, false, name));
	hs_seen = 0;
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, true, name));
	CHECK(!SEEN(11) && !SEEN(16));		/* abbreviated */
	SSL_CTX_set_options(srv.ctx, SSL_OP_NO_TICKET);
	len = sizeof(session);
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, false, name));
	hs_seen = 0;
	CHECK(client12_vs_openssl(cfg, &srv, session, &len, true, name));
	CHECK(!SEEN(11) && !SEEN(16) && !SEEN(4));
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

static void our_client_tls12_rsa_kx_client_cert(void)
{
	struct tlsk_config *cfg = with_rsa_kx(our_client_config(),
					      "AES256-GCM-SHA384");
	struct peer srv = { .ctx = ossl_server12("AES256-GCM-SHA384", NULL) };

	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, "client.chain"),
				    testpki_path(&pki, "client.key")));
	SSL_CTX_set_verify(srv.ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_msg_callback(srv.ctx, note_handshake);
	hs_seen = 0;
	CHECK(client12_vs_openssl(cfg, &srv, NULL, NULL, false,
				  "AES256-GCM-SHA384"));
	check_rsa_kx_flight();
	CHECK(SEEN(13) && SEEN(15));
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

/* our client against a libssl server that picks RSA kx: the outcome
 * (0 established, else the alert and whether we received it) */
static int client12_rsa_kx_outcome(struct tlsk_config *cfg, SSL_CTX *ctx,
				   uint8_t *alert, int *received)
{
	struct peer srv = { .ctx = ctx };
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	struct buf to_engine = { 0 };
	int ret;

	CHECK(!tlsk_engine_set_server_name(e, "localhost"));
	peer_start(&srv, true);
	run_with_openssl(e, &srv, &to_engine);
	ret = tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED ? 0 :
	      tlsk_engine_error(e, alert, received, NULL);
	buf_free(&to_engine);
	peer_free(&srv);
	tlsk_engine_free(e);
	return ret;
}

/* without the opt-in we never offer RSA kx (a server with nothing else
 * refuses us); a leaf whose key usage lacks keyEncipherment is refused
 * with unsupported_certificate */
static void our_client_tls12_rsa_kx_refusals(void)
{
	struct tlsk_config *cfg = our_client_config();
	SSL_CTX *ctx = ossl_server12("AES128-GCM-SHA256", NULL);
	uint8_t alert = 0;
	int received = 0;

	CHECK(client12_rsa_kx_outcome(cfg, ctx, &alert, &received) < 0);
	CHECK(alert == 40 && received);		/* handshake_failure */
	tlsk_config_free(cfg);
	cfg = with_rsa_kx(our_client_config(), "AES128-GCM-SHA256");
	CHECK(client12_rsa_kx_outcome(cfg, ctx, &alert, &received) == 0);
	SSL_CTX_free(ctx);

	ctx = ossl_server12("AES128-GCM-SHA256", NULL);
	CHECK(SSL_CTX_use_certificate_chain_file(ctx,
		testpki_path(&pki, "rsa-sign.chain")) == 1);
	CHECK(SSL_CTX_use_PrivateKey_file(ctx,
		testpki_path(&pki, "rsa-sign.key"), SSL_FILETYPE_PEM) == 1);
	CHECK(client12_rsa_kx_outcome(cfg, ctx, &alert, &received) < 0);
	CHECK(alert == 43 && !received);	/* unsupported_certificate */
	SSL_CTX_free(ctx);
	tlsk_config_free(cfg);
}

/* our client refuses an expired certificate; OpenSSL hears why */
static void our_client_alerts_openssl_on_bad_certificate(void)
{
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_ctx(true, NULL, NULL) };
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	struct buf to_engine = { 0 };
	uint8_t alert;
	int received;

	CHECK(SSL_CTX_use_certificate_chain_file(srv.ctx,
		testpki_path(&pki, "expired.chain")) == 1);
	CHECK(SSL_CTX_use_PrivateKey_file(srv.ctx,
		testpki_path(&pki, "expired.key"), SSL_FILETYPE_PEM) == 1);
	CHECK(!tlsk_engine_set_server_name(e, "localhost"));
	peer_start(&srv, true);
	ERR_clear_error();
	run_with_openssl(e, &srv, &to_engine);
	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	tlsk_engine_error(e, &alert, &received, NULL);
	CHECK(alert == 45 && !received);	/* certificate_expired */
	CHECK(ERR_GET_REASON(ERR_peek_last_error()) ==
	      SSL_AD_REASON_OFFSET + 45);
	buf_free(&to_engine);
	peer_free(&srv);
	tlsk_engine_free(e);
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

/* OpenSSL refuses our server's certificate from an unknown root */
static void openssl_alerts_our_server_on_unknown_ca(void)
{
	struct tlsk_config *cfg = tlsk_config_new();
	struct peer cli = { .ctx = ossl_ctx(false, NULL, NULL) };
	struct tlsk_engine *e;
	struct buf to_engine = { 0 };
	uint8_t alert;
	int received;

	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, "rogue.chain"),
				    testpki_path(&pki, "rogue.key")));
	e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	peer_start(&cli, false);
	run_with_openssl(e, &cli, &to_engine);
	CHECK(tlsk_engine_state(e) == TLSK_STATE_FAILED);
	tlsk_engine_error(e, &alert, &received, NULL);
	CHECK(alert == 48 && received);		/* unknown_ca */
	buf_free(&to_engine);
	peer_free(&cli);
	tlsk_engine_free(e);
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* OpenSSL updates its keys (RFC 8446 7.2); tlsk_keys_next() follows */
static void key_update_follows_openssl(void)
{
	static const char msg[] = "under the next keys";
	struct tlsk_config *cfg = our_client_config();
	struct peer srv = { .ctx = ossl_ctx(true, "TLS_AES_256_GCM_SHA384", NULL) };
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	struct buf to_engine = { 0 };
	struct tlsk_traffic_keys k;
	struct tlsk_record *rx;
	uint8_t tmp[TLSK_RECORD_MAX_LEN], type, *pt;
	bool updated = false, got = false;
	int n;

	CHECK(!tlsk_engine_set_server_name(e, "localhost"));
	peer_start(&srv, true);
	run_with_openssl(e, &srv, &to_engine);
	CHECK(tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED);
	CHECK(!tlsk_engine_export_keys(e, TLSK_DIR_RX, &k));
	rx = tlsk_record_new(&k, 0);
	CHECK(SSL_key_update(srv.ssl, SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
	CHECK(SSL_write(srv.ssl, msg, sizeof(msg)) == (int)sizeof(msg));
	while ((n = BIO_read(srv.out, tmp, sizeof(tmp))) > 0)
		buf_put(&to_engine, tmp, (size_t)n);
	while (rx && to_engine.len >= REC_HDR_LEN) {
		size_t len = REC_HDR_LEN +
			     ((size_t)to_engine.p[3] << 8 | to_engine.p[4]);

		n = tlsk_record_open(rx, to_engine.p, len, &type, &pt);
		CHECK(n >= 0);
		if (n == 5 && type == CT_HANDSHAKE && pt[0] == 24) {
			/* KeyUpdate: the next generation, seq from 0 */
			CHECK(!tlsk_keys_next(&k));
			tlsk_record_free(rx);
			rx = tlsk_record_new(&k, 0);
			updated = true;
		} else if (n >= 0 && type == CT_APPLICATION_DATA) {
			got = updated && n == sizeof(msg) &&
			      !memcmp(pt, msg, sizeof(msg));
		}
		buf_consume(&to_engine, len);
	}
	CHECK(updated && got);
	tlsk_keys_scrub(&k);
	tlsk_record_free(rx);
	buf_free(&to_engine);
	peer_free(&srv);
	tlsk_engine_free(e);
	SSL_CTX_free(srv.ctx);
	tlsk_config_free(cfg);
}

struct keylog {
	char lines[8][256];
	int n;
};

static struct keylog ours, theirs;

static void keep_line(struct keylog *k, const char *line)
{
	if (k->n < 8)
		snprintf(k->lines[k->n++], sizeof(k->lines[0]), "%s", line);
}

static void our_keylog(void *arg, const char *line)
{
	keep_line(arg, line);
}

static void openssl_keylog(const SSL *ssl, const char *line)
{
	(void)ssl;
	keep_line(&theirs, line);
}

static bool logged(const struct keylog *k, const char *line)
{
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->lines[i], line))
			return true;
	return false;
}

/* the four traffic secrets and the exporter secret, in NSS key log
 * lines, equal OpenSSL's */
static void key_log_matches_openssl(void)
{
	struct tlsk_config *cfg = our_server_config();
	struct peer cli = { .ctx = ossl_ctx(false, "TLS_AES_256_GCM_SHA384",
					    NULL) };

	memset(&ours, 0, sizeof(ours));
	memset(&theirs, 0, sizeof(theirs));
	tlsk_config_set_keylog(cfg, our_keylog, &ours);
	SSL_CTX_set_keylog_callback(cli.ctx, openssl_keylog);
	CHECK(server_vs_openssl(cfg, &cli, NULL, false));
	CHECK(ours.n == 5);
	for (int i = 0; i < ours.n; i++)
		CHECK(logged(&theirs, ours.lines[i]));
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

/* TLS 1.2: one CLIENT_RANDOM line with the master secret, as OpenSSL's */
static void key_log_matches_openssl_tls12(void)
{
	struct tlsk_config *cfg = our_server12_config(false);
	struct peer cli = { .ctx = ossl_client12(NULL, NULL) };

	memset(&ours, 0, sizeof(ours));
	memset(&theirs, 0, sizeof(theirs));
	tlsk_config_set_keylog(cfg, our_keylog, &ours);
	SSL_CTX_set_keylog_callback(cli.ctx, openssl_keylog);
	CHECK(server12_vs_openssl(cfg, &cli, NULL, false, NULL));
	CHECK(ours.n == 1 && !strncmp(ours.lines[0], "CLIENT_RANDOM ", 14));
	CHECK(theirs.n == 1 && logged(&theirs, ours.lines[0]));
	SSL_CTX_free(cli.ctx);
	tlsk_config_free(cfg);
}

int main(void)
{
	if (testpki_make(&pki)) {
		printf("Bail out! cannot make test PKI\n");
		return 1;
	}
	RUN(our_client_every_suite_and_group);
	RUN(our_client_alpn_and_client_cert);
	RUN(our_client_resumes_with_openssl);
	RUN(our_client_keeps_the_newest_of_many_tickets);
	RUN(our_server_every_suite_and_group);
	RUN(our_server_hrr_alpn_client_cert);
	RUN(our_server_resumes_openssl);
	RUN(our_client_tls12_every_suite_and_group);
	RUN(our_client_tls12_resumes_with_openssl);
	RUN(our_client_tls12_client_cert);
	RUN(our_server_tls12_every_suite_and_group);
	RUN(our_server_tls12_resumes_openssl);
	RUN(our_server_tls12_session_store);
	RUN(our_server_tls12_client_cert_alpn);
	RUN(our_server_refuses_tls11);
	RUN(our_server_tls12_without_ems);
	RUN(our_client_tls12_without_ems);
	RUN(our_server_tls12_rsa_kx);
	RUN(our_server_tls12_rsa_kx_resumes);
	RUN(our_server_tls12_rsa_kx_only_when_allowed);
	RUN(our_server_tls12_rsa_kx_client_cert);
	RUN(our_client_tls12_rsa_kx);
	RUN(our_client_tls12_rsa_kx_resumes);
	RUN(our_client_tls12_rsa_kx_client_cert);
	RUN(our_client_tls12_rsa_kx_refusals);
	RUN(our_client_alerts_openssl_on_bad_certificate);
	RUN(openssl_alerts_our_server_on_unknown_ca);
	RUN(key_update_follows_openssl);
	RUN(key_log_matches_openssl);
	RUN(key_log_matches_openssl_tls12);
	testpki_remove(&pki);
	return tap_done();
}
