// SPDX-License-Identifier: MIT
/* TLS 1.3 steps both roles share: secrets, Certificate,
 * CertificateVerify, Finished, signature_algorithms. */
#include "engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cert.h"
#include "sig.h"

/* RFC 8446 4.1.3: SHA-256("HelloRetryRequest") */
const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* NSS key log line for one secret, when the config asks for them */
static void keylog(const struct tlsk_engine *e, const char *label,
		   const uint8_t *secret)
{
	char line[64 + 1 + 64 + 1 + 2 * TLSK_MAX_HASH_LEN + 1];
	size_t n;

	if (!e->cfg->keylog)
		return;
	n = (size_t)snprintf(line, sizeof(line), "%s ", label);
	for (size_t i = 0; i < 32 && n + 2 < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x",
				      e->client_random[i]);
	line[n++] = ' ';
	for (size_t i = 0; i < engine_hash_len(e) && n + 2 < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x",
				      secret[i]);
	line[n] = 0;
	e->cfg->keylog(e->cfg->keylog_arg, line);
	OPENSSL_cleanse(line, sizeof(line));
}

int derive_handshake_secrets(struct tlsk_engine *e, const uint8_t *dhe,
			     size_t dhe_len)
{
	const EVP_MD *md = engine_md(e);
	uint8_t early[TLSK_MAX_HASH_LEN], th[TLSK_MAX_HASH_LEN];
	int bad;

	/* RFC 8446 7.1: the early secret from the PSK, or from zeros */
	bad = tlsk_early_secret(md, e->resumed ? e->psk.psk : NULL,
				e->psk.psk_len, early) ||
	      tlsk_next_stage(md, early, dhe, dhe_len, e->secret) ||
	      tr_hash(&e->tr, md, th) ||
	      tlsk_derive_secret(md, e->secret, "c hs traffic", th, e->c_hs) ||
	      tlsk_derive_secret(md, e->secret, "s hs traffic", th, e->s_hs);
	OPENSSL_cleanse(early, sizeof(early));
	if (bad)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "handshake key derivation failed");
	keylog(e, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", e->c_hs);
	keylog(e, "SERVER_HANDSHAKE_TRAFFIC_SECRET", e->s_hs);
	return 0;
}

/* after the server's Finished is in the transcript */
int derive_application_secrets(struct tlsk_engine *e)
{
	const EVP_MD *md = engine_md(e);
	uint8_t th[TLSK_MAX_HASH_LEN];

	if (tlsk_next_stage(md, e->secret, NULL, 0, e->secret) ||
	    tr_hash(&e->tr, md, th) ||
	    tlsk_derive_secret(md, e->secret, "c ap traffic", th, e->c_ap) ||
	    tlsk_derive_secret(md, e->secret, "s ap traffic", th, e->s_ap) ||
	    tlsk_derive_secret(md, e->secret, "exp master", th, e->exporter))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "application key derivation failed");
	keylog(e, "CLIENT_TRAFFIC_SECRET_0", e->c_ap);
	keylog(e, "SERVER_TRAFFIC_SECRET_0", e->s_ap);
	keylog(e, "EXPORTER_SECRET", e->exporter);
	return 0;
}

/* after the client's Finished is in the transcript */
int derive_resumption_master(struct tlsk_engine *e)
{
	const EVP_MD *md = engine_md(e);
	uint8_t th[TLSK_MAX_HASH_LEN];

	if (tr_hash(&e->tr, md, th) ||
	    tlsk_derive_secret(md, e->secret, "res master", th, e->res_master))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "resumption secret derivation failed");
	OPENSSL_cleanse(e->secret, sizeof(e->secret));
	return 0;
}

bool put_der_cert(struct buf *b, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	size_t pos;

	if (n <= 0) {
		b->bad = true;
		return false;
	}
	pos = buf_open_vec(b, 3);
	buf_put(b, der, (size_t)n);
	buf_close_vec(b, pos, 3);
	OPENSSL_free(der);
	return true;
}

static void put_cert_entry(struct buf *b, X509 *x)
{
	if (put_der_cert(b, x))
		buf_u16(b, 0);	/* no CertificateEntry extensions */
}

/* RFC 8446 4.4.2; c == NULL sends an empty list (a client without one) */
int write_certificate(struct tlsk_engine *e, const struct cfg_cert *c)
{
	struct buf b = { 0 };
	size_t pos;
	int ret;

	buf_u8(&b, 0);		/* certificate_request_context */
	pos = buf_open_vec(&b, 3);
	if (c) {
		put_cert_entry(&b, c->leaf);
		for (int i = 0; i < sk_X509_num(c->chain); i++)
			put_cert_entry(&b, sk_X509_value(c->chain, i));
	}
	buf_close_vec(&b, pos, 3);
	ret = send_handshake(e, HS_CERTIFICATE, &b);
	buf_free(&b);
	return ret;
}

static X509 *parse_der(struct rd *entry)
{
	const unsigned char *p = rd_ptr(entry);
	size_t len = rd_left(entry);
	X509 *x = d2i_X509(NULL, &p, (long)len);

	/* the DER must fill the entry exactly */
	if (x && p != rd_ptr(entry) + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int read_certificate(struct tlsk_engine *e, struct rd *body)
{
	struct rd ctx, list;

	if (!rd_vec(body, 1, 0, 255, &ctx) ||
	    !rd_vec(body, 3, 0, 0xffffff, &list))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed Certificate");
	if (rd_left(&ctx))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "Certificate with a request context in the handshake");
	e->peer_chain = sk_X509_new_null();
	if (!e->peer_chain)
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM, "out of memory");
	while (rd_left(&list)) {
		struct rd der, exts;
		X509 *x;

		if (!rd_vec(&list, 3, 1, 0xffffff, &der) ||
		    !rd_vec(&list, 2, 0, 0xffff, &exts))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed CertificateEntry");
		/* we asked for no status_request/SCT: RFC 8446 4.4.2 */
		if (rd_left(&exts))
			return fail(e, ALERT_UNSUPPORTED_EXTENSION, -EPROTO,
				    "unrequested CertificateEntry extension");
		x = parse_der(&der);
		if (!x)
			return fail(e, ALERT_BAD_CERTIFICATE, -EBADMSG,
				    "certificate is not valid DER X.509");
		if (!e->peer_leaf)
			e->peer_leaf = x;
		else if (!sk_X509_push(e->peer_chain, x)) {
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

int verify_peer_chain(struct tlsk_engine *e)
{
	struct cert_failure why;
	int peer_is_server = e->role == TLSK_ROLE_CLIENT;

	if (cert_verify_peer(e->cfg, e->peer_leaf, e->peer_chain,
			     peer_is_server ? e->server_name : NULL,
			     peer_is_server, &why))
		return fail(e, why.alert, -EKEYREJECTED, "%s", why.why);
	return 0;
}

int put_sigalgs(struct buf *b)
{
	size_t pos = buf_open_vec(b, 2);

	for (size_t i = 0; tlsk_sigscheme_at(i); i++)
		buf_u16(b, tlsk_sigscheme_at(i)->id);
	buf_close_vec(b, pos, 2);
	return b->bad ? -ENOMEM : 0;
}

static bool peer_offers_sigalg(const struct tlsk_engine *e, uint16_t id)
{
	for (size_t k = 0; k < e->npeer_sigalgs; k++)
		if (e->peer_sigalgs[k] == id)
			return true;
	return false;
}

int parse_sigalgs(struct tlsk_engine *e, struct rd *ext)
{
	struct rd list;

	if (!rd_vec(ext, 2, 2, 0xfffe, &list) || rd_left(&list) % 2 ||
	    !rd_done(ext))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed signature_algorithms");
	/* any number of entries (up to 32767): keep the ones we know,
	 * once each, so that unknown or repeated values ahead of a usable
	 * one never crowd it out; pick_sigscheme takes the first usable */
	e->npeer_sigalgs = 0;
	while (rd_left(&list)) {
		uint16_t id = rd_u16(&list);

		if (tlsk_sigscheme_by_id(id) && !peer_offers_sigalg(e, id) &&
		    e->npeer_sigalgs < MAX_PEER_SIGALGS)
			e->peer_sigalgs[e->npeer_sigalgs++] = id;
	}
	return 0;
}

/* RFC 8446 4.2.3: the peer's list is in its order of preference; the
 * first scheme in it our key can sign with (type, curve) wins */
const struct tlsk_sigscheme *pick_sigscheme(const struct tlsk_engine *e,
					    EVP_PKEY *key)
{
	for (size_t k = 0; k < e->npeer_sigalgs; k++) {
		const struct tlsk_sigscheme *s =
			tlsk_sigscheme_by_id(e->peer_sigalgs[k]);

		if (s && s->tls13 && tlsk_sigscheme_fits_key(s, key))
			return s;
	}
	return NULL;
}

static enum sig_context my_context(const struct tlsk_engine *e, int mine)
{
	int server = e->role == TLSK_ROLE_SERVER;

	return (mine ? server : !server) ? SIG_SERVER : SIG_CLIENT;
}

int write_certificate_verify(struct tlsk_engine *e)
{
	uint8_t th[TLSK_MAX_HASH_LEN];
	struct buf b = { 0 };
	size_t pos;
	int ret;

	if (tr_hash(&e->tr, engine_md(e), th))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "transcript hash");
	buf_u16(&b, e->sig->id);
	pos = buf_open_vec(&b, 2);
	ret = sig_sign(e->cert->key, e->sig, my_context(e, 1), th,
		       engine_hash_len(e), &b);
	buf_close_vec(&b, pos, 2);
	if (ret)
		ret = fail(e, ALERT_INTERNAL_ERROR, ret, "signing failed");
	else
		ret = send_handshake(e, HS_CERTIFICATE_VERIFY, &b);
	buf_free(&b);
	return ret;
}

/* RFC 8446 4.4.3 */
int read_certificate_verify(struct tlsk_engine *e, struct rd *body)
{
	uint16_t id = rd_u16(body);
	const struct tlsk_sigscheme *s = tlsk_sigscheme_by_id(id);
	uint8_t th[TLSK_MAX_HASH_LEN];
	EVP_PKEY *key;
	struct rd sig;

	if (!rd_vec(body, 2, 1, 0xffff, &sig))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed CertificateVerify");
	key = X509_get0_pubkey(e->peer_leaf);
	if (!s || !s->tls13 || !key || !tlsk_sigscheme_fits_key(s, key))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "CertificateVerify uses signature scheme %#06x, "
			    "not offered or not the certificate's", id);
	if (tr_hash_before_last(&e->tr, engine_md(e), th))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "transcript hash");
	if (sig_verify(key, s, my_context(e, 0), th, engine_hash_len(e),
		       rd_ptr(&sig), rd_left(&sig)))
		return fail(e, ALERT_DECRYPT_ERROR, -EBADMSG,
			    "CertificateVerify signature is invalid");
	return 0;
}

static const uint8_t *finished_base(const struct tlsk_engine *e, int mine)
{
	int client = e->role == TLSK_ROLE_CLIENT;

	return (mine ? client : !client) ? e->c_hs : e->s_hs;
}

int write_finished(struct tlsk_engine *e)
{
	uint8_t th[TLSK_MAX_HASH_LEN], mac[TLSK_MAX_HASH_LEN];
	struct buf b = { 0 };
	int ret;

	if (tr_hash(&e->tr, engine_md(e), th) ||
	    tlsk_finished_mac(engine_md(e), finished_base(e, 1), th, mac))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "Finished MAC");
	buf_put(&b, mac, engine_hash_len(e));
	ret = send_handshake(e, HS_FINISHED, &b);
	buf_free(&b);
	return ret;
}

/* RFC 8446 4.4.4: constant-time comparison of verify_data */
int read_finished(struct tlsk_engine *e, struct rd *body)
{
	uint8_t th[TLSK_MAX_HASH_LEN], mac[TLSK_MAX_HASH_LEN];
	size_t n = engine_hash_len(e);
	const uint8_t *got = rd_bytes(body, n);

	if (!got || !rd_done(body))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "Finished of the wrong length");
	if (tr_hash_before_last(&e->tr, engine_md(e), th) ||
	    tlsk_finished_mac(engine_md(e), finished_base(e, 0), th, mac))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "Finished MAC");
	if (CRYPTO_memcmp(got, mac, n))
		return fail(e, ALERT_DECRYPT_ERROR, -EBADMSG,
			    "peer's Finished does not verify");
	return 0;
}

void session_clear(struct session *s)
{
	if (s->ticket)
		OPENSSL_clear_free(s->ticket, s->ticket_len);
	OPENSSL_cleanse(s, sizeof(*s));
	s->ticket = NULL;
}

struct session *client_new_ticket_slot(struct tlsk_engine *e)
{
	struct session *s;

	if (!e->tickets) {
		e->tickets = OPENSSL_zalloc(MAX_TICKETS * sizeof(*e->tickets));
		if (!e->tickets)
			return NULL;
	}
	if (e->ntickets == MAX_TICKETS) {
		session_clear(&e->tickets[0]);
		memmove(&e->tickets[0], &e->tickets[1],
			sizeof(e->tickets[0]) * (MAX_TICKETS - 1));
		e->ntickets--;
	}
	s = &e->tickets[e->ntickets];
	memset(s, 0, sizeof(*s));
	return s;
}

/* RFC 8446 7.5 */
int tlsk_engine_export_keying_material(const struct tlsk_engine *e,
				       const char *label,
				       const uint8_t *context,
				       size_t context_len, uint8_t *out,
				       size_t out_len)
{
	const EVP_MD *md;
	uint8_t empty[TLSK_MAX_HASH_LEN], ctx_hash[TLSK_MAX_HASH_LEN];
	uint8_t secret[TLSK_MAX_HASH_LEN];
	int ret = -EINVAL;

	if (e->state != TLSK_STATE_ESTABLISHED || !label ||
	    strlen(label) > 249 || out_len > 0xffff)
		return -EINVAL;
	/* TLS 1.2's exporter (RFC 5705) needs the master secret, which the
	 * engine scrubs when the handshake ends */
	if (is_tls12(e))
		return -EOPNOTSUPP;
	md = engine_md(e);
	if (EVP_Digest("", 0, empty, NULL, md, NULL) &&
	    EVP_Digest(context_len ? context : empty, context_len, ctx_hash,
		       NULL, md, NULL) &&
	    !tlsk_derive_secret(md, e->exporter, label, empty, secret) &&
	    !tlsk_hkdf_expand_label(md, secret, "exporter", ctx_hash,
				    engine_hash_len(e), out, out_len))
		ret = 0;
	OPENSSL_cleanse(secret, sizeof(secret));
	return ret;
}
