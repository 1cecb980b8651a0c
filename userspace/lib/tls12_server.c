// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 server (RFC 5246 7.3, 7.4), entered from the TLS 1.3
 * ClientHello handler once TLS 1.2 is the highest common version:
 * ECDHE with ECDSA or RSA certificates, extended master secret (RFC 7627:
 * a client without it gets a session that is never kept, or is refused
 * when the profile requires it), renegotiation_info (RFC 5746), optional
 * client authentication, and resumption by session ID (sesscache_ops) or by
 * RFC 5077 ticket (the TLS 1.3 ticket keys).
 */
#include "engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cert.h"
#include "ext.h"
#include "kex.h"
#include "rsa_kx.h"
#include "sig.h"
#include "tls12_handlers.h"
#include "tls12_keys.h"
#include "tls12_msgs.h"

/* ---- ClientHello ---- */

/* RFC 8422 5.1.2: the client must allow uncompressed points */
static int check_point_formats(struct tlsk_engine *e, struct rd *ext)
{
	struct rd list;

	if (!rd_vec(ext, 1, 1, 255, &list) || !rd_done(ext))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed ec_point_formats");
	while (rd_left(&list))
		if (rd_u8(&list) == 0)
			return 0;
	return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
		    "ec_point_formats without uncompressed");
}

/* our first group the client lists; none listed means any (RFC 8422
 * 4), so our first */
static int choose_group12(struct tlsk_engine *e, struct exts *x)
{
	struct rd *ext = exts_get(x, EXT_SUPPORTED_GROUPS), list;

	if (!ext) {
		e->group = tlsk_group_by_id(e->cfg->groups[0]);
		return e->group ? 0 : fail(e, ALERT_INTERNAL_ERROR, -EINVAL,
					   "no group configured");
	}
	if (!rd_vec(ext, 2, 2, 0xfffe, &list) || rd_left(&list) % 2 ||
	    !rd_done(ext))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed supported_groups");
	for (size_t i = 0; i < e->cfg->ngroups; i++)
		if (u16_in(list, e->cfg->groups[i])) {
			e->group = tlsk_group_by_id(e->cfg->groups[i]);
			return 0;
		}
	return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
		    "no key exchange group in common");
}

/* RFC 5246 7.4.1.4.1: the first scheme in the client's order of
 * preference that our key can sign with */
static const struct tlsk_sigscheme *pick_sigscheme12(struct tlsk_engine *e,
						     EVP_PKEY *key)
{
	for (size_t k = 0; k < e->npeer_sigalgs; k++) {
		const struct tlsk_sigscheme *s =
			tlsk_sigscheme_by_id(e->peer_sigalgs[k]);

		if (s && tlsk_sigscheme_fits_key12(s, key))
			return s;
	}
	return NULL;
}

/* The NamedGroup of an ECDSA key's curve (the curve the ECDSA scheme
 * of that name binds), or 0 */
static uint16_t key_group(EVP_PKEY *key)
{
	static const uint16_t pairs[][2] = { { 0x0403, 0x0017 },
					     { 0x0503, 0x0018 },
					     { 0x0603, 0x0019 } };

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct tlsk_sigscheme *s =
			tlsk_sigscheme_by_id(pairs[i][0]);

		if (s && tlsk_sigscheme_fits_key(s, key))
			return pairs[i][1];
	}
	return 0;
}

/* RFC 8422 5.1.1 (and OpenSSL, which checks it): an ECDSA certificate's
 * curve must be among the client's supported_groups, when it sends them.
 * RSA key transport (RFC 5246 7.4.2) needs the profile's consent and an
 * RSA key (not RSA-PSS, which cannot decrypt) that may encipher keys;
 * an ECDSA certificate never selects it. */
static bool suite_fits_cert(const struct tlsk_config *cfg,
			    const struct tls12_suite *s,
			    const struct cfg_cert *cert, struct rd *groups)
{
	EVP_PKEY *key = cert->key;
	int type = EVP_PKEY_get_base_id(key);

	if (s->kx == TLS12_KX_RSA)
		return cfg->rsa_kx_enabled && type == EVP_PKEY_RSA &&
		       cert_allows_key_encipherment(cert->leaf);
	/* RFC 8446 1.3: RSASSA-PSS keys sign TLS 1.2 too (rsa_pss_pss_*) */
	if (s->auth == TLS12_AUTH_RSA)
		return type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS;
	/* RFC 8422 5.3: Ed25519 certificates go with ECDHE_ECDSA suites */
	if (type == EVP_PKEY_ED25519)
		return true;
	return type == EVP_PKEY_EC &&
	       (!groups || u16_in(*groups, key_group(key)));
}

/* our preference order, among the client's suites and what our
 * certificate can sign */
static int choose_suite12(struct tlsk_engine *e, struct rd suites,
			  struct exts *x)
{
	struct rd *ext = exts_get(x, EXT_SUPPORTED_GROUPS), copy, list;
	struct rd *groups = NULL;

	if (ext) {
		copy = *ext;
		if (rd_vec(&copy, 2, 2, 0xfffe, &list))
			groups = &list;
	}
	for (size_t i = 0; i < e->cfg->ntls12_suites; i++) {
		const struct tls12_suite *s =
			tls12_suite_by_id(e->cfg->tls12_suites[i]);

		if (s && suite_fits_cert(e->cfg, s, e->cert, groups) &&
		    u16_in(suites, s->id)) {
			e->suite12 = s;
			return 0;
		}
	}
	return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
		    "no TLS 1.2 cipher suite in common");
}

static bool session_lifetime_ok(const struct tlsk_engine *e,
				const struct session *s)
{
	uint64_t now = cfg_now_ms(e->cfg);

	return now >= s->issued_ms &&
	       now - s->issued_ms <= (uint64_t)s->lifetime * 1000;
}

/*
 * A session found (by ticket or ID) that we would resume, checked against
 * the ClientHello. 1: resume; 0: full handshake; or the engine's error.
 * RFC 7627 5.3: a session made with EMS offered without it MUST abort the
 * handshake (handshake_failure, as OpenSSL). RFC 5246 7.4.1.2: the client
 * MUST offer the session's suite; one that does not is refused with
 * illegal_parameter, as OpenSSL 3.0 does (SSL_R_REQUIRED_CIPHER_MISSING).
 * Our sessions all have EMS: none is kept without (tls12_server_write_nst,
 * tls12_server_finished_sent).
 */
static int resumable(struct tlsk_engine *e, uint16_t suite, struct rd suites)
{
	if (e->no_ems)
		return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "session with extended_master_secret offered "
			    "without it (RFC 7627 5.3)");
	if (!u16_in(suites, suite))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "session's cipher suite %#06x is not offered "
			    "(RFC 5246 7.4.1.2)", suite);
	return 1;
}

/* RFC 5077 3.1/3.4: a ticket we can open, for TLS 1.2 with EMS, of a
 * suite we still allow; the master secret goes into e->secret. 1, 0 or
 * the engine's error (resumable) */
static int try_ticket(struct tlsk_engine *e, struct rd *ticket,
		      struct rd suites)
{
	struct session s;
	int ok;

	memset(&s, 0, sizeof(s));
	if (!rd_left(ticket) || !e->cfg->ticket_count ||
	    ticket_open(e->cfg, rd_ptr(ticket), rd_left(ticket), &s))
		return 0;
	ok = s.version == 0x0303 && s.ems && s.psk_len == TLS12_MASTER_LEN &&
	     session_lifetime_ok(e, &s) &&
	     tls12_suite_configured(e->cfg, s.suite) &&
	     strcmp((const char *)s.alpn, e->alpn) == 0 &&
	     strcasecmp(s.sni, e->server_name) == 0;	/* RFC 6066 3 */
	if (ok)
		ok = resumable(e, s.suite, suites);
	if (ok > 0) {
		e->suite12 = tls12_suite_by_id(s.suite);
		memcpy(e->secret, s.psk, TLS12_MASTER_LEN);
		session_peer_set(e, s.peer, s.peer_sans);
		e->ticket_issued_ms = s.issued_ms;
	}
	session_clear(&s);
	return ok;
}

/* RFC 5246 7.4.1.2: the session ID the client offers, in our cache.
 * 1, 0 or the engine's error (resumable) */
static int try_session_id(struct tlsk_engine *e, struct rd suites)
{
	struct sesscache_entry ent;
	int ok;

	if (!e->cfg->has_sesscache || !e->session_id_len)
		return 0;
	memset(&ent, 0, sizeof(ent));
	if (e->cfg->sesscache.fetch(e->cfg->sesscache.arg, e->session_id,
				    e->session_id_len, &ent))
		return 0;
	/* EMS and the suite against the ClientHello: resumable(), so the
	 * cache's own check sees the client as doing EMS, and only the
	 * session's suite as offered */
	ok = ent.version == 0x0303 &&
	     session_binding_ok(e->cfg, ent.binding, ent.peer) &&
	     sesscache_may_resume(&ent, true,
				  e->server_name[0] ? e->server_name : NULL,
				  &ent.suite, 1) &&
	     tls12_suite_configured(e->cfg, ent.suite);
	if (ok)
		ok = resumable(e, ent.suite, suites);
	if (ok > 0) {
		e->suite12 = tls12_suite_by_id(ent.suite);
		memcpy(e->secret, ent.master, TLS12_MASTER_LEN);
		session_peer_set(e, ent.peer, ent.peer_sans);
		/* a ticket issued now starts with the session */
		e->ticket_issued_ms = ent.created_ms;
	}
	sesscache_entry_scrub(&ent);
	return ok;
}

static int read_extensions12(struct tlsk_engine *e, struct rd *suites,
			     struct exts *x, bool *ems)
{
	struct rd *r;

	r = exts_get(x, EXT_SERVER_NAME);
	if (r && read_server_name(e, r))
		return e->err;
	r = exts_get(x, EXT_ALPN);
	e->alpn[0] = 0;
	if (r && choose_alpn(e, r))
		return e->err;
	/* RFC 5246 7.4.1.4.1: without the extension the client means SHA-1,
	 * which we do not sign with */
	r = exts_get(x, EXT_SIGNATURE_ALGORITHMS);
	if (!r)
		return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "ClientHello without signature_algorithms "
			    "(SHA-1 only)");
	if (parse_sigalgs(e, r))
		return e->err;
	r = exts_get(x, EXT_EC_POINT_FORMATS);
	if (r && check_point_formats(e, r))
		return e->err;
	e->peer_point_formats = r != NULL;
	/* RFC 5746 3.6 */
	r = exts_get(x, TLS12_EXT_RENEGOTIATION_INFO);
	if (r) {
		int ret = tls12_reneg_info_check_initial(rd_ptr(r),
							 rd_left(r));

		if (ret)
			return fail(e, ret == -EBADMSG ? ALERT_DECODE_ERROR :
				    ALERT_HANDSHAKE_FAILURE, -EPROTO,
				    "bad renegotiation_info in ClientHello");
		e->peer_reneg = true;
	}
	if (tls12_offers_reneg_scsv(rd_ptr(suites), rd_left(suites)))
		e->peer_reneg = true;
	r = exts_get(x, TLS12_EXT_EXTENDED_MASTER_SECRET);
	if (r && rd_left(r))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "extended_master_secret with data");
	*ems = r != NULL;
	e->no_ems = !*ems;
	e->ticket_ext = exts_get(x, TLS12_EXT_SESSION_TICKET) != NULL;
	return 0;
}

/* RFC 5246 7.4.1.2, 7.4.1.3: the rest of the ClientHello, read as TLS
 * 1.2 now that it is the version; then the shape of the handshake */
int tls12_server_take_client_hello(struct tlsk_engine *e, struct rd *suites,
				   struct exts *x)
{
	struct rd *ticket;
	bool ems = false;
	int resumed = 0;
	unsigned shape = TLS12_SHAPE_NEGOTIATED;

	e->tables = &tls12_tables;
	e->shape = TLS12_SHAPE_INITIAL;
	if (read_extensions12(e, suites, x, &ems))
		return e->err;
	/* RFC 7627 5.2: the server MAY abort a full handshake without EMS;
	 * we do when the profile requires it, else carry on (5.3, 5.4: the
	 * session is never kept, see e->no_ems) */
	if (!ems && e->cfg->tls12_require_ems)
		return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "client does not offer extended_master_secret, "
			    "which this profile requires");
	ticket = exts_get(x, TLS12_EXT_SESSION_TICKET);
	if (ticket)
		resumed = try_ticket(e, ticket, *suites);
	if (!resumed)
		resumed = try_session_id(e, *suites);
	if (resumed < 0)
		return resumed;
	if (!resumed) {
		e->cert = cert_for_name(e->cfg, e->server_name);
		if (!e->cert)
			return fail(e, ALERT_HANDSHAKE_FAILURE, -ENOENT,
				    "no certificate configured");
		if (choose_suite12(e, *suites, x))
			return e->err;
		if (e->suite12->kx == TLS12_KX_RSA) {
			/* RFC 5246 7.4.3: no ServerKeyExchange, so no group
			 * and nothing for us to sign */
			shape |= TLS12_SHAPE_RSA_KX;
		} else {
			if (choose_group12(e, x))
				return e->err;
			e->sig = pick_sigscheme12(e, e->cert->key);
			if (!e->sig)
				return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
					    "no signature scheme in common "
					    "for our certificate");
		}
		/* a fresh session ID, for our cache or the client's; none
		 * for a session without EMS, which nobody may resume
		 * (RFC 5246 7.4.1.3: empty, it will not be cached) */
		e->session_id_len = e->no_ems ? 0 : 32;
		if (RAND_bytes(e->session_id, 32) != 1)
			return fail(e, ALERT_INTERNAL_ERROR, -EIO, "RAND_bytes");
		if (cfg_verify_mode(e->cfg, e->role) != TLSK_VERIFY_NONE)
			shape |= TLS12_SHAPE_CLIENT_AUTH;
	} else {
		e->resumed = true;
		shape |= TLS12_SHAPE_RESUMED;
		/* RFC 5077 3.4: by ticket, the client's session ID is echoed
		 * as is; by ID, it is the ID: either way, keep it */
	}
	/* RFC 7627 5.4: no ticket for a session without EMS */
	if (e->ticket_ext && e->cfg->ticket_count && !e->no_ems)
		shape |= TLS12_SHAPE_TICKET;
	e->shape = shape;
	if (RAND_bytes(e->server_random, 32) != 1)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "RAND_bytes");
	/* RFC 8446 4.1.3: we could have spoken TLS 1.3 */
	if (tls13_enabled(e->cfg))
		tls12_downgrade_mark(e->server_random, 0x0303);
	if (resumed && tls12_derive_keys(e))
		return e->err;
	return 0;
}

/* ---- our flight ---- */

static void put_empty_ext(struct buf *b, uint16_t type)
{
	buf_u16(b, type);
	buf_u16(b, 0);
}

int tls12_server_write_server_hello(struct tlsk_engine *e, struct rd *body)
{
	struct buf b = { 0 };
	size_t pos, exts;
	int ret;

	(void)body;
	buf_u16(&b, 0x0303);
	buf_put(&b, e->server_random, 32);
	pos = buf_open_vec(&b, 1);
	buf_put(&b, e->session_id, e->session_id_len);
	buf_close_vec(&b, pos, 1);
	buf_u16(&b, e->suite12->id);
	buf_u8(&b, 0);		/* compression: null */
	exts = buf_open_vec(&b, 2);
	if (!e->no_ems)		/* RFC 7627 5.1: only in answer to it */
		put_empty_ext(&b, TLS12_EXT_EXTENDED_MASTER_SECRET);
	if (e->peer_reneg) {	/* RFC 5746 3.6 */
		buf_u16(&b, TLS12_EXT_RENEGOTIATION_INFO);
		pos = buf_open_vec(&b, 2);
		tls12_reneg_info_put_initial(&b);
		buf_close_vec(&b, pos, 2);
	}
	/* RFC 8422 5.2: an answer to the client's, for an ECC suite (a
	 * client offering RSA key transport alone may send none, and then
	 * rejects ours as unsupported_extension, RFC 5246 7.4.1.4) */
	if (!e->resumed && e->peer_point_formats &&
	    e->suite12->kx == TLS12_KX_ECDHE) {
		static const uint8_t uncompressed[] = { 1, 0 };

		buf_u16(&b, EXT_EC_POINT_FORMATS);
		buf_u16(&b, sizeof(uncompressed));
		buf_put(&b, uncompressed, sizeof(uncompressed));
	}
	if (e->shape & TLS12_SHAPE_TICKET)	/* RFC 5077 3.2 */
		put_empty_ext(&b, TLS12_EXT_SESSION_TICKET);
	if (e->alpn[0]) {	/* RFC 7301 3.1 */
		size_t n = strlen(e->alpn), list;

		buf_u16(&b, EXT_ALPN);
		pos = buf_open_vec(&b, 2);
		list = buf_open_vec(&b, 2);
		buf_u8(&b, (uint8_t)n);
		buf_put(&b, e->alpn, n);
		buf_close_vec(&b, list, 2);
		buf_close_vec(&b, pos, 2);
	}
	buf_close_vec(&b, exts, 2);
	ret = send_handshake(e, HS_SERVER_HELLO, &b);
	buf_free(&b);
	return ret;
}

int tls12_write_certificate12(struct tlsk_engine *e, const struct cfg_cert *c)
{
	struct buf b = { 0 };
	size_t pos = buf_open_vec(&b, 3);
	int ret;

	if (c) {
		put_der_cert(&b, c->leaf);
		for (int i = 0; i < sk_X509_num(c->chain); i++)
			put_der_cert(&b, sk_X509_value(c->chain, i));
	}
	buf_close_vec(&b, pos, 3);
	ret = send_handshake(e, HS_CERTIFICATE, &b);
	buf_free(&b);
	return ret;
}

int tls12_server_write_certificate(struct tlsk_engine *e, struct rd *body)
{
	(void)body;
	return tls12_write_certificate12(e, e->cert);
}

/* RFC 8422 5.4: our ECDHE share, signed with the randoms */
int tls12_server_write_ske(struct tlsk_engine *e, struct rd *body)
{
	struct buf share = { 0 }, b = { 0 }, tbs = { 0 }, sig = { 0 };
	int ret = -ENOMEM;

	(void)body;
	e->kex_key = kex_keygen(e->group);
	if (!e->kex_key)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "key generation");
	if (kex_put_share(e->kex_key, &share) ||
	    tls12_ske_put_params(&b, e->group->id, share.p, share.len) ||
	    tls12_ske_signed_data(e->client_random, e->server_random, b.p,
				  b.len, &tbs))
		goto out;
	ret = sig_sign_content(e->cert->key, e->sig, tbs.p, tbs.len, &sig);
	if (!ret)
		ret = tls12_signed_put(&b, e->sig->id, sig.p, sig.len);
out:
	if (ret)
		ret = fail(e, ALERT_INTERNAL_ERROR, ret,
			   "cannot build ServerKeyExchange");
	else
		ret = send_handshake(e, TLS12_HS_SERVER_KEY_EXCHANGE, &b);
	buf_free(&share);
	buf_free(&b);
	buf_free(&tbs);
	buf_free(&sig);
	return ret;
}

/* RFC 5246 7.4.4: ECDSA or RSA certificates, our signature schemes, no
 * CA names (the client offers whatever it has) */
int tls12_server_write_cert_request(struct tlsk_engine *e, struct rd *body)
{
	static const uint8_t types[] = { TLS12_CERT_TYPE_ECDSA_SIGN,
					 TLS12_CERT_TYPE_RSA_SIGN };
	uint16_t algs[MAX_PEER_SIGALGS];
	size_t n = 0;
	struct buf b = { 0 };
	int ret;

	(void)body;
	for (size_t i = 0; tlsk_sigscheme_at(i) && n < MAX_PEER_SIGALGS; i++)
		algs[n++] = tlsk_sigscheme_at(i)->id;
	ret = tls12_cert_request_put(&b, types, sizeof(types), algs, n, NULL);
	if (ret)
		ret = fail(e, ALERT_INTERNAL_ERROR, ret,
			   "cannot build CertificateRequest");
	else
		ret = send_handshake(e, HS_CERTIFICATE_REQUEST, &b);
	buf_free(&b);
	return ret;
}

int tls12_server_write_hello_done(struct tlsk_engine *e, struct rd *body)
{
	struct buf b = { 0 };

	(void)body;
	return send_handshake(e, TLS12_HS_SERVER_HELLO_DONE, &b);
}

/* ---- the client's flight ---- */

/* RFC 5246 7.4.2 form, shared with the client role */
int tls12_read_certificate12(struct tlsk_engine *e, struct rd *body)
{
	struct rd list;

	if (!rd_vec(body, 3, 0, 0xffffff, &list))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed Certificate");
	e->peer_chain = sk_X509_new_null();
	if (!e->peer_chain)
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM, "out of memory");
	while (rd_left(&list)) {
		struct rd der;
		const unsigned char *p;
		X509 *x;

		if (!rd_vec(&list, 3, 1, 0xffffff, &der))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed Certificate");
		p = rd_ptr(&der);
		x = d2i_X509(NULL, &p, (long)rd_left(&der));
		if (x && p != rd_ptr(&der) + rd_left(&der)) {
			X509_free(x);
			x = NULL;
		}
		if (!x)
			return fail(e, ALERT_BAD_CERTIFICATE, -EBADMSG,
				    "certificate is not valid DER X.509");
		if (!e->peer_leaf) {
			e->peer_leaf = x;
		} else if (!sk_X509_push(e->peer_chain, x)) {
			X509_free(x);
			return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM,
				    "out of memory");
		}
	}
	if (e->peer_leaf)
		X509_NAME_oneline(X509_get_subject_name(e->peer_leaf),
				  e->peer_subject, sizeof(e->peer_subject));
	return 0;
}

int tls12_server_read_certificate(struct tlsk_engine *e, struct rd *body)
{
	if (tls12_read_certificate12(e, body))
		return e->err;
	if (!e->peer_leaf) {
		/* RFC 5246 7.4.6: TLS 1.2 has no certificate_required */
		if (cfg_verify_mode(e->cfg, e->role) == TLSK_VERIFY_REQUIRE)
			return fail(e, ALERT_HANDSHAKE_FAILURE, -EACCES,
				    "client sent no certificate");
		e->shape |= TLS12_SHAPE_NO_CLIENT_CERT;
		return 0;
	}
	return verify_peer_chain(e);
}

/*
 * RFC 5246 7.4.7.1: the EncryptedPreMasterSecret. Only
 * its framing can fail here (decode_error, visible without our key);
 * whatever the ciphertext holds, rsa_kx_server_premaster yields a
 * premaster without an error or a branch on it: a bad padding, length
 * or version (ClientHello.client_version, checked as in 7.4.7.1) becomes
 * a random premaster, and the handshake fails at the client's Finished,
 * as for any other wrong key (bad_record_mac / decrypt_error).
 */
static int read_cke_rsa(struct tlsk_engine *e, const uint8_t *msg,
			size_t len)
{
	const uint8_t *enc;
	size_t enc_len;

	if (tls12_cke_rsa_parse(msg, len, &enc, &enc_len))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed ClientKeyExchange");
	e->dhe_len = RSA_KX_PREMASTER_LEN;
	if (rsa_kx_server_premaster(e->cert->key, e->client_version, enc,
				    enc_len, e->dhe))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "RSA key transport with a key that cannot "
			    "decrypt");
	return 0;
}

/* RFC 8422 5.7: the client's share against ours */
static int read_cke_ecdhe(struct tlsk_engine *e, const uint8_t *msg,
			  size_t len)
{
	const uint8_t *point;
	size_t point_len;
	int ret = tls12_cke_ecdhe_parse(msg, len, e->group->id, &point,
					&point_len);

	if (ret)
		return fail(e, ret == -EBADMSG ? ALERT_DECODE_ERROR :
			    ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "bad ClientKeyExchange");
	e->dhe_len = sizeof(e->dhe);
	if (kex_derive(e->kex_key, e->group, point, point_len, e->dhe,
		       &e->dhe_len))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "invalid %s share in ClientKeyExchange",
			    e->group->name);
	return 0;
}

/* the premaster, then (RFC 7627 4) master and key block */
int tls12_server_read_cke(struct tlsk_engine *e, struct rd *body)
{
	size_t len = rd_left(body);
	const uint8_t *msg = rd_bytes(body, len);
	int ret = e->shape & TLS12_SHAPE_RSA_KX ? read_cke_rsa(e, msg, len) :
						  read_cke_ecdhe(e, msg, len);

	if (!ret)
		ret = tls12_derive_master(e, e->dhe, e->dhe_len);
	OPENSSL_cleanse(e->dhe, sizeof(e->dhe));
	if (ret || tls12_derive_keys(e))
		return e->err;
	return 0;
}

/* RFC 5246 7.4.8: a signature over every message before this one */
int tls12_server_read_cert_verify(struct tlsk_engine *e, struct rd *body)
{
	size_t len = rd_left(body);
	const uint8_t *msg = rd_bytes(body, len);
	const struct tlsk_sigscheme *s;
	struct tls12_signed cv;
	EVP_PKEY *key = X509_get0_pubkey(e->peer_leaf);
	size_t tlen = e->tr.msgs.len - e->tr.last_len;

	if (tls12_cert_verify_parse(msg, len, &cv))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed CertificateVerify");
	/* RFC 5246 7.4.8: one of the schemes our CertificateRequest listed
	 * (all we know), fit for the certificate; SHA-1 and MD5 are not */
	s = tlsk_sigscheme_by_id(cv.sigalg);
	if (!s || !key || !tlsk_sigscheme_fits_key12(s, key))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "CertificateVerify uses signature scheme %#06x, "
			    "not offered or not the certificate's", cv.sigalg);
	if (sig_verify_content(key, s, e->tr.msgs.p, tlen, cv.sig,
			       cv.sig_len))
		return fail(e, ALERT_DECRYPT_ERROR, -EBADMSG,
			    "CertificateVerify signature is invalid");
	return 0;
}

/* ---- NewSessionTicket (RFC 5077 3.3) and the session cache ---- */

int tls12_server_write_nst(struct tlsk_engine *e, struct rd *body)
{
	struct session s;
	struct buf t = { 0 }, b = { 0 };
	uint64_t now, left;
	int ret;

	(void)body;
	memset(&s, 0, sizeof(s));
	s.version = 0x0303;
	s.suite = e->suite12->id;
	s.ems = true;
	memcpy(s.psk, e->secret, TLS12_MASTER_LEN);
	s.psk_len = TLS12_MASTER_LEN;
	s.lifetime = e->cfg->ticket_lifetime;
	/* A ticket renewed on resumption keeps its session's start: the
	 * master secret does not live past the first ticket's lifetime,
	 * however often the client resumes just in time. */
	now = cfg_now_ms(e->cfg);
	s.issued_ms = e->ticket_issued_ms && e->ticket_issued_ms <= now ?
		      e->ticket_issued_ms : now;
	left = (uint64_t)s.lifetime * 1000;	/* less, if reloaded shorter */
	left = now - s.issued_ms < left ? left - (now - s.issued_ms) : 1000;
	memcpy(s.alpn, e->alpn, strnlen(e->alpn, sizeof(s.alpn) - 1));
	/* who the client proved to be, for resumed handshakes */
	session_peer_get(e, s.peer, sizeof(s.peer), s.peer_sans,
			 sizeof(s.peer_sans));
	memcpy(s.sni, e->server_name, strnlen(e->server_name, sizeof(s.sni) - 1));
	ret = ticket_seal(e->cfg, &s, &t);
	session_clear(&s);
	if (!ret)	/* the hint: what is left of it, in seconds */
		ret = tls12_nst_put(&b, (uint32_t)(left / 1000), t.p, t.len);
	if (ret)
		ret = fail(e, ALERT_INTERNAL_ERROR, ret,
			   "cannot build NewSessionTicket");
	else
		ret = send_handshake(e, HS_NEW_SESSION_TICKET, &b);
	buf_free(&t);
	buf_free(&b);
	return ret;
}

/* after a full handshake our Finished is the session's last step: store
 * it under its ID (a failing store only costs a later full handshake) */
int tls12_server_finished_sent(struct tlsk_engine *e)
{
	struct sesscache_entry ent;

	if (e->resumed || !e->cfg->has_sesscache || e->no_ems)
		return 0;	/* RFC 7627 5.4: never cache without EMS */
	memset(&ent, 0, sizeof(ent));
	memcpy(ent.id, e->session_id, e->session_id_len);
	ent.id_len = e->session_id_len;
	memcpy(ent.master, e->secret, TLS12_MASTER_LEN);
	ent.version = 0x0303;
	ent.suite = e->suite12->id;
	ent.ems = true;
	session_peer_get(e, ent.peer, sizeof(ent.peer), ent.peer_sans,
			 sizeof(ent.peer_sans));
	memcpy(ent.binding, e->cfg->binding, sizeof(ent.binding));
	snprintf(ent.server_name, sizeof(ent.server_name), "%s",
		 e->server_name);
	e->cfg->sesscache.store(e->cfg->sesscache.arg, &ent);
	sesscache_entry_scrub(&ent);
	return 0;
}
