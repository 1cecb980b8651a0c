// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 client (RFC 5246 7.3, 7.4), entered from the TLS 1.3
 * ServerHello handler when the server answers with TLS 1.2: ECDHE with
 * ECDSA or RSA certificates, extended master secret (a server without it:
 * a session never kept, or refused by policy), renegotiation_info
 * required of the server, the downgrade sentinel
 * checked, client certificates, and resumption by session ID or RFC 5077
 * ticket from a tlsk_engine_set_session() blob.
 */
#include "engine_int.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cert.h"
#include "ext.h"
#include "kex.h"
#include "rsa_kx.h"
#include "sig.h"
#include "tls12_handlers.h"
#include "tls12_keys.h"
#include "tls12_msgs.h"

bool tls12_client_offers(const struct tlsk_config *cfg)
{
	return tls12_enabled(cfg);
}

/* a resumable TLS 1.2 session is offered */
static bool session12_offered(const struct tlsk_engine *e)
{
	return e->psk_offered && e->psk.version == 0x0303 && e->psk.ems;
}

/* RFC 7627, RFC 5746 3.4, RFC 8422 5.1.2, RFC 5077 3.2 */
void tls12_put_client_hello_exts(struct tlsk_engine *e, struct buf *b)
{
	static const uint8_t uncompressed[] = { 1, 0 };
	size_t pos;

	buf_u16(b, TLS12_EXT_EXTENDED_MASTER_SECRET);
	buf_u16(b, 0);
	buf_u16(b, TLS12_EXT_RENEGOTIATION_INFO);
	pos = buf_open_vec(b, 2);
	tls12_reneg_info_put_initial(b);
	buf_close_vec(b, pos, 2);
	buf_u16(b, EXT_EC_POINT_FORMATS);
	buf_u16(b, sizeof(uncompressed));
	buf_put(b, uncompressed, sizeof(uncompressed));
	buf_u16(b, TLS12_EXT_SESSION_TICKET);
	pos = buf_open_vec(b, 2);
	if (session12_offered(e) && e->psk.ticket_len)
		buf_put(b, e->psk.ticket, e->psk.ticket_len);
	buf_close_vec(b, pos, 2);
}

/* ---- ServerHello ---- */

static int read_sh_extensions(struct tlsk_engine *e, struct exts *x)
{
	struct rd *r;
	int ret;

	/* RFC 5746 3.4: we require secure renegotiation signalling */
	r = exts_get(x, TLS12_EXT_RENEGOTIATION_INFO);
	if (!r)
		return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "server does not support secure renegotiation "
			    "(RFC 5746)");
	ret = tls12_reneg_info_check_initial(rd_ptr(r), rd_left(r));
	if (ret)
		return fail(e, ret == -EBADMSG ? ALERT_DECODE_ERROR :
			    ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "bad renegotiation_info in ServerHello");
	/* RFC 7627 5.2: a client MAY abort a full handshake without EMS;
	 * we do when the profile requires it, else carry on with a session
	 * we never keep (RFC 7627 5.4) */
	r = exts_get(x, TLS12_EXT_EXTENDED_MASTER_SECRET);
	e->no_ems = !r;
	if (!r && e->cfg->tls12_require_ems)
		return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "server does not use extended_master_secret, "
			    "which this profile requires");
	if (r && rd_left(r))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "extended_master_secret with data");
	r = exts_get(x, TLS12_EXT_SESSION_TICKET);
	if (r && rd_left(r))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "session_ticket with data in ServerHello");
	e->ticket_ext = r != NULL;
	r = exts_get(x, EXT_SERVER_NAME);
	if (r && rd_left(r))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "server_name with data in ServerHello");
	/* RFC 8422 5.2: the server's list names uncompressed */
	r = exts_get(x, EXT_EC_POINT_FORMATS);
	if (r) {
		struct rd list;
		bool uncompressed = false;

		if (!rd_vec(r, 1, 1, 255, &list) || !rd_done(r))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed ec_point_formats");
		while (rd_left(&list))
			uncompressed |= rd_u8(&list) == 0;
		if (!uncompressed)
			return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
				    "ec_point_formats without uncompressed");
	}
	r = exts_get(x, EXT_ALPN);
	if (r && read_alpn_choice(e, r))
		return e->err;
	return 0;
}

int tls12_client_take_server_hello(struct tlsk_engine *e, struct rd *body)
{
	/* RFC 5246 7.4.1.4: only what the ClientHello asked for */
	uint16_t sh_exts[] = { EXT_EC_POINT_FORMATS,
		TLS12_EXT_EXTENDED_MASTER_SECRET, TLS12_EXT_SESSION_TICKET,
		TLS12_EXT_RENEGOTIATION_INFO, EXT_LIST_END, EXT_LIST_END,
		EXT_LIST_END };
	size_t n = 4, alpn_len;
	const uint8_t *random;
	struct rd sid;
	struct exts x;
	uint16_t suite;
	unsigned shape = TLS12_SHAPE_NEGOTIATED;

	if (!tls12_enabled(e->cfg))
		return fail(e, ALERT_PROTOCOL_VERSION, -EPROTONOSUPPORT,
			    "server chose TLS 1.2, which is disabled");
	if (sni_allowed(e->server_name))
		sh_exts[n++] = EXT_SERVER_NAME;
	if (engine_alpn(e, &alpn_len) && alpn_len)
		sh_exts[n++] = EXT_ALPN;
	rd_u16(body);		/* 0x0303, checked by the caller */
	random = rd_bytes(body, 32);
	if (!rd_vec(body, 1, 0, 32, &sid))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed ServerHello");
	suite = rd_u16(body);
	rd_u8(body);		/* compression, checked by the caller */
	if (!random || exts_read(e, body, &x, sh_exts, false, "ServerHello"))
		return e->err ? e->err : fail(e, ALERT_DECODE_ERROR, -EBADMSG,
					      "malformed ServerHello");
	memcpy(e->server_random, random, 32);
	/* RFC 8446 4.1.3 */
	if (tls13_enabled(e->cfg) &&
	    tls12_downgrade_detected(e->server_random, 0x0304, 0x0303))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "TLS 1.2 ServerHello with the TLS 1.3 downgrade "
			    "sentinel");
	/* RSA key transport is configured only when the profile enabled it */
	e->suite12 = tls12_suite_by_id(suite);
	if (!e->suite12 || !tls12_suite_configured(e->cfg, suite))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "server chose cipher suite %#06x, not offered",
			    suite);
	e->tables = &tls12_tables;
	e->shape = TLS12_SHAPE_INITIAL;
	if (read_sh_extensions(e, &x))
		return e->err;
	/* the 1.3 key share is of no use now */
	EVP_PKEY_free(e->kex_key);
	e->kex_key = NULL;
	/* RFC 5246 7.4.1.3, RFC 5077 3.4: our session ID echoed means the
	 * server resumes the session we offered */
	if (session12_offered(e) && rd_left(&sid) &&
	    rd_left(&sid) == e->session_id_len &&
	    !memcmp(rd_ptr(&sid), e->session_id, e->session_id_len)) {
		if (suite != e->psk.suite)
			return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
				    "resumed session with another suite");
		/* RFC 7627 5.3: our sessions all have EMS */
		if (e->no_ems)
			return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
				    "server resumes without "
				    "extended_master_secret");
		memcpy(e->secret, e->psk.psk, TLS12_MASTER_LEN);
		e->resumed = true;
		shape |= TLS12_SHAPE_RESUMED;
	}
	e->session_id_len = rd_left(&sid);
	memcpy(e->session_id, rd_ptr(&sid), e->session_id_len);
	if (e->ticket_ext)
		shape |= TLS12_SHAPE_TICKET;
	/* RFC 5246 7.4.3: no ServerKeyExchange with RSA key transport, and
	 * no group either */
	if (!e->resumed && e->suite12->kx == TLS12_KX_RSA) {
		shape |= TLS12_SHAPE_RSA_KX;
		e->group = NULL;
	}
	e->shape = shape;
	if (e->resumed && tls12_derive_keys(e))
		return e->err;
	return 0;
}

/* ---- the server's flight ---- */

/* RFC 5246 7.4.2, RFC 8422 5.3: the key the suite's authentication
 * needs (RSA key transport: an RSA key that encrypts, not RSA-PSS) */
static bool key_fits_suite(const struct tls12_suite *suite, int type)
{
	if (suite->kx == TLS12_KX_RSA)
		return type == EVP_PKEY_RSA;
	if (suite->auth == TLS12_AUTH_ECDSA)
		return type == EVP_PKEY_EC || type == EVP_PKEY_ED25519;
	return type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS;
}

int tls12_client_read_certificate(struct tlsk_engine *e, struct rd *body)
{
	EVP_PKEY *key;
	int type;

	if (tls12_read_certificate12(e, body))
		return e->err;
	if (!e->peer_leaf)
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "server sent no certificate");
	key = X509_get0_pubkey(e->peer_leaf);
	type = key ? EVP_PKEY_get_base_id(key) : 0;
	if (!key_fits_suite(e->suite12, type))
		return fail(e, ALERT_UNSUPPORTED_CERTIFICATE, -EPROTO,
			    "server certificate does not fit %s",
			    e->suite12->name);
	/* RFC 8422 5.3 / RFC 5280 4.2.1.3: an ECDSA suite's certificate
	 * signs the key exchange, so its key usage, when present, must
	 * allow digitalSignature. No RFC names the alert: handshake_failure,
	 * as OpenSSL 3.0 (SSL_R_ECC_CERT_NOT_FOR_SIGNING) */
	if (e->suite12->auth == TLS12_AUTH_ECDSA &&
	    !cert_allows_digital_signature(e->peer_leaf))
		return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "server certificate's key usage forbids signing "
			    "(no digitalSignature) for %s", e->suite12->name);
	if (e->suite12->kx == TLS12_KX_RSA &&
	    !cert_allows_key_encipherment(e->peer_leaf))
		return fail(e, ALERT_UNSUPPORTED_CERTIFICATE, -EPROTO,
			    "server certificate's key usage forbids RSA key "
			    "transport (no keyEncipherment)");
	/* A client checks unless told NONE (OPTIONAL is a server's word). */
	if (cfg_verify_mode(e->cfg, e->role) != TLSK_VERIFY_NONE)
		return verify_peer_chain(e);
	return 0;
}

static bool group_offered(const struct tlsk_engine *e, uint16_t id)
{
	for (size_t i = 0; i < e->cfg->ngroups; i++)
		if (e->cfg->groups[i] == id)
			return true;
	return false;
}

/* RFC 8422 5.4: the server's share, signed over both randoms */
int tls12_client_read_ske(struct tlsk_engine *e, struct rd *body)
{
	size_t len = rd_left(body);
	const uint8_t *msg = rd_bytes(body, len);
	const struct tlsk_sigscheme *s;
	EVP_PKEY *key = X509_get0_pubkey(e->peer_leaf);
	struct tls12_ske ske;
	struct buf tbs = { 0 };
	int ret = tls12_ske_parse(msg, len, &ske);

	if (ret)
		return fail(e, ret == -EBADMSG ? ALERT_DECODE_ERROR :
			    ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "bad ServerKeyExchange");
	e->group = tlsk_group_by_id(ske.group);
	if (!e->group || !group_offered(e, ske.group))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "ServerKeyExchange group %#06x not offered",
			    ske.group);
	/* RFC 5246 7.4.3: a scheme of our ClientHello (all we know; never
	 * SHA-1 or MD5) that fits the certificate */
	s = tlsk_sigscheme_by_id(ske.sig.sigalg);
	if (!s || !key || !tlsk_sigscheme_fits_key12(s, key))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "ServerKeyExchange signed with %#06x, not offered "
			    "or not the certificate's", ske.sig.sigalg);
	ret = tls12_ske_signed_data(e->client_random, e->server_random,
				    ske.params, ske.params_len, &tbs);
	if (!ret)
		ret = sig_verify_content(key, s, tbs.p, tbs.len, ske.sig.sig,
					 ske.sig.sig_len);
	buf_free(&tbs);
	if (ret)
		return fail(e, ALERT_DECRYPT_ERROR, -EBADMSG,
			    "ServerKeyExchange signature is invalid");
	e->kex_key = kex_keygen(e->group);
	if (!e->kex_key)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "key generation");
	e->dhe_len = sizeof(e->dhe);
	if (kex_derive(e->kex_key, e->group, ske.point, ske.point_len, e->dhe,
		       &e->dhe_len))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "invalid %s share in ServerKeyExchange",
			    e->group->name);
	return 0;
}

/* RFC 5246 7.4.4: our certificate, if it fits a type and scheme asked */
int tls12_client_read_cert_request(struct tlsk_engine *e, struct rd *body)
{
	const struct cfg_cert *c = e->cfg->ncerts ? &e->cfg->certs[0] : NULL;
	size_t len = rd_left(body);
	const uint8_t *msg = rd_bytes(body, len);
	struct tls12_cert_request cr;
	int type = c ? EVP_PKEY_get_base_id(c->key) : 0;
	bool type_ok;

	if (tls12_cert_request_parse(msg, len, &cr))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed CertificateRequest");
	/* no certificate_types (GnuTLS, see the parser): the schemes alone
	 * say what may sign */
	type_ok = c && cr.ntypes == 0;
	for (size_t i = 0; i < cr.ntypes; i++)
		type_ok |= (cr.types[i] == TLS12_CERT_TYPE_ECDSA_SIGN &&
			    (type == EVP_PKEY_EC ||
			     type == EVP_PKEY_ED25519)) ||
			   (cr.types[i] == TLS12_CERT_TYPE_RSA_SIGN &&
			    (type == EVP_PKEY_RSA ||
			     type == EVP_PKEY_RSA_PSS));
	/* the first scheme in the server's order our key signs with */
	e->sig = NULL;
	for (size_t k = 0; type_ok && !e->sig && k < cr.nsigalgs; k++) {
		const struct tlsk_sigscheme *s =
			tlsk_sigscheme_by_id(tls12_cert_request_sigalg(&cr, k));

		if (s && tlsk_sigscheme_fits_key12(s, c->key))
			e->sig = s;
	}
	/* without a usable certificate we answer with an empty one */
	e->cert = e->sig ? c : NULL;
	return 0;
}

int tls12_client_read_hello_done(struct tlsk_engine *e, struct rd *body)
{
	size_t len = rd_left(body);

	if (tls12_empty_parse(rd_bytes(body, len), len))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed ServerHelloDone");
	return 0;
}

/* ---- our flight ---- */

int tls12_client_write_certificate(struct tlsk_engine *e, struct rd *body)
{
	(void)body;
	if (!e->cert)	/* RFC 5246 7.4.8: then no CertificateVerify */
		e->shape |= TLS12_SHAPE_NO_CLIENT_CERT;
	return tls12_write_certificate12(e, e->cert);
}

static_assert(RSA_KX_PREMASTER_LEN <= TLSK_MAX_DHE_LEN,
	      "the RSA premaster fits where the ECDHE one goes");

/* RFC 5246 7.4.7.1: a fresh premaster, client_version first (the
 * legacy_version of our ClientHello), encrypted to the server's key */
static int put_cke_rsa(struct tlsk_engine *e, struct buf *b)
{
	struct buf enc = { 0 };
	int ret;

	e->dhe_len = RSA_KX_PREMASTER_LEN;
	ret = rsa_kx_client_premaster(X509_get0_pubkey(e->peer_leaf),
				      TLS12_CLIENT_VERSION, e->dhe, &enc);
	if (!ret)
		ret = tls12_cke_rsa_put(b, enc.p, enc.len);
	buf_free(&enc);
	return ret;
}

/* RFC 8422 5.7: our ECDHE share; the premaster is already in e->dhe */
static int put_cke_ecdhe(struct tlsk_engine *e, struct buf *b)
{
	struct buf share = { 0 };
	int ret = kex_put_share(e->kex_key, &share);

	if (!ret)
		ret = tls12_cke_ecdhe_put(b, share.p, share.len);
	buf_free(&share);
	return ret;
}

int tls12_client_write_cke(struct tlsk_engine *e, struct rd *body)
{
	struct buf b = { 0 };
	int ret;

	(void)body;
	ret = e->shape & TLS12_SHAPE_RSA_KX ? put_cke_rsa(e, &b) :
					      put_cke_ecdhe(e, &b);
	if (ret)
		ret = fail(e, ALERT_INTERNAL_ERROR, ret,
			   "cannot build ClientKeyExchange");
	else
		ret = send_handshake(e, TLS12_HS_CLIENT_KEY_EXCHANGE, &b);
	buf_free(&b);
	if (!ret)
		ret = tls12_derive_master(e, e->dhe, e->dhe_len);
	OPENSSL_cleanse(e->dhe, sizeof(e->dhe));
	if (!ret)
		ret = tls12_derive_keys(e);
	return ret;
}

/* RFC 5246 7.4.8: signed over every message so far */
int tls12_client_write_cert_verify(struct tlsk_engine *e, struct rd *body)
{
	struct buf sig = { 0 }, b = { 0 };
	int ret;

	(void)body;
	ret = sig_sign_content(e->cert->key, e->sig, e->tr.msgs.p,
			       e->tr.msgs.len, &sig);
	if (!ret)
		ret = tls12_signed_put(&b, e->sig->id, sig.p, sig.len);
	if (ret)
		ret = fail(e, ALERT_INTERNAL_ERROR, ret, "signing failed");
	else
		ret = send_handshake(e, HS_CERTIFICATE_VERIFY, &b);
	buf_free(&sig);
	buf_free(&b);
	return ret;
}

/* ---- NewSessionTicket and the session we keep ---- */

int tls12_client_read_nst(struct tlsk_engine *e, struct rd *body)
{
	size_t len = rd_left(body), tlen;
	const uint8_t *msg = rd_bytes(body, len), *t;

	if (tls12_nst_parse(msg, len, &e->ticket12_hint, &t, &tlen))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed NewSessionTicket");
	buf_free(&e->ticket12);
	buf_put(&e->ticket12, t, tlen);
	if (e->ticket12.bad)
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM, "out of memory");
	return 0;
}

/* the session tlsk_engine_get_session() hands out: the master secret
 * with the server's session ID and, when it sent one, its ticket */
int tls12_client_keep_session(struct tlsk_engine *e)
{
	struct session *s;
	const struct session *old = session12_offered(e) && e->resumed ?
				    &e->psk : NULL;
	bool fresh = e->ticket12.len > 0;
	const uint8_t *t = fresh ? e->ticket12.p : old ? old->ticket : NULL;
	size_t tlen = fresh ? e->ticket12.len : old ? old->ticket_len : 0;

	if ((!e->session_id_len && !tlen) || e->no_ems)
		return 0;	/* nothing to resume with (RFC 7627 5.4) */
	s = client_new_ticket_slot(e);
	if (!s)
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM, "out of memory");
	s->version = 0x0303;
	s->suite = e->suite12->id;
	s->ems = true;
	memcpy(s->id, e->session_id, e->session_id_len);
	s->id_len = e->session_id_len;
	memcpy(s->psk, e->secret, TLS12_MASTER_LEN);
	s->psk_len = TLS12_MASTER_LEN;
	s->lifetime = fresh && e->ticket12_hint ? e->ticket12_hint :
		      old ? old->lifetime : e->cfg->ticket_lifetime;
	s->issued_ms = old && !fresh ? old->issued_ms : cfg_now_ms(e->cfg);
	memcpy(s->alpn, e->alpn, strnlen(e->alpn, sizeof(s->alpn) - 1));
	if (tlen) {
		s->ticket = OPENSSL_memdup(t, tlen);
		if (!s->ticket) {
			session_clear(s);
			return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM,
				    "out of memory");
		}
		s->ticket_len = tlen;
	}
	e->ntickets++;
	return 0;
}
