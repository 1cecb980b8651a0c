// SPDX-License-Identifier: MIT
/* TLS 1.3 client: the client's handlers of the state table (tables.c),
 * and the session calls. */
#include "engine_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ext.h"
#include "kex.h"
#include "tls13_handlers.h"

/* ---- ClientHello ---- */

bool sni_allowed(const char *name)
{
	uint8_t addr[16];

	/* RFC 6066 3: literal IP addresses are not sent */
	return name[0] && inet_pton(AF_INET, name, addr) != 1 &&
	       inet_pton(AF_INET6, name, addr) != 1;
}

static void put_ext_begin(struct buf *b, uint16_t type, size_t *pos)
{
	buf_u16(b, type);
	*pos = buf_open_vec(b, 2);
}

static void put_server_name(struct tlsk_engine *e, struct buf *b)
{
	size_t ext, list, name;

	if (!sni_allowed(e->server_name))
		return;
	put_ext_begin(b, EXT_SERVER_NAME, &ext);
	list = buf_open_vec(b, 2);
	buf_u8(b, 0);		/* host_name */
	name = buf_open_vec(b, 2);
	buf_put(b, e->server_name, strlen(e->server_name));
	buf_close_vec(b, name, 2);
	buf_close_vec(b, list, 2);
	buf_close_vec(b, ext, 2);
}

static void put_u16_list_ext(struct buf *b, uint16_t type,
			     const uint16_t *ids, size_t n, size_t lenbytes)
{
	size_t ext, list;

	put_ext_begin(b, type, &ext);
	list = buf_open_vec(b, lenbytes);
	for (size_t i = 0; i < n; i++)
		buf_u16(b, ids[i]);
	buf_close_vec(b, list, lenbytes);
	buf_close_vec(b, ext, 2);
}

static int put_key_share(struct tlsk_engine *e, struct buf *b)
{
	size_t ext, list, share;
	int ret;

	put_ext_begin(b, EXT_KEY_SHARE, &ext);
	list = buf_open_vec(b, 2);
	buf_u16(b, e->group->id);
	share = buf_open_vec(b, 2);
	ret = kex_put_share(e->kex_key, b);
	buf_close_vec(b, share, 2);
	buf_close_vec(b, list, 2);
	buf_close_vec(b, ext, 2);
	return ret;
}

static void put_blob_ext(struct buf *b, uint16_t type, size_t lenbytes,
			 const uint8_t *p, size_t n)
{
	size_t ext, v;

	put_ext_begin(b, type, &ext);
	v = buf_open_vec(b, lenbytes);
	buf_put(b, p, n);
	buf_close_vec(b, v, lenbytes);
	buf_close_vec(b, ext, 2);
}

static bool psk_usable(const struct tlsk_engine *e)
{
	const struct tlsk_suite *s = tlsk_suite_by_id(e->psk.suite);

	/* RFC 8446 4.1.4: after HRR, only PSKs of the chosen suite's hash */
	return e->psk_offered && e->psk.version == 0x0304 && s &&
	       (!(e->shape & SHAPE_HRR) || s->md() == engine_md(e));
}

/* RFC 8446 4.2.11: one identity, its binder filled in by put_binder().
 * Returns the length of the binders list, which the binder excludes. */
static size_t put_pre_shared_key(struct tlsk_engine *e, struct buf *b)
{
	const struct tlsk_suite *s = tlsk_suite_by_id(e->psk.suite);
	uint64_t age = cfg_now_ms(e->cfg) - e->psk.issued_ms;
	size_t ext, ids, id, binders, binder;
	static const uint8_t zeros[TLSK_MAX_HASH_LEN];

	put_ext_begin(b, EXT_PRE_SHARED_KEY, &ext);
	ids = buf_open_vec(b, 2);
	id = buf_open_vec(b, 2);
	buf_put(b, e->psk.ticket, e->psk.ticket_len);
	buf_close_vec(b, id, 2);
	/* RFC 8446 4.2.11.1: obfuscated_ticket_age, mod 2^32 */
	buf_u32(b, (uint32_t)age + e->psk.age_add);
	buf_close_vec(b, ids, 2);
	binders = buf_open_vec(b, 2);
	binder = buf_open_vec(b, 1);
	buf_put(b, zeros, s->hash_len);
	buf_close_vec(b, binder, 1);
	buf_close_vec(b, binders, 2);
	buf_close_vec(b, ext, 2);
	return 2 + 1 + s->hash_len;
}

/* RFC 8446 4.2.11.2: HMAC over the ClientHello up to the binders */
static int put_binder(struct tlsk_engine *e, struct buf *body,
		      size_t binders_len)
{
	const struct tlsk_suite *s = tlsk_suite_by_id(e->psk.suite);
	const EVP_MD *md = s->md();
	uint8_t early[TLSK_MAX_HASH_LEN], key[TLSK_MAX_HASH_LEN];
	uint8_t empty[TLSK_MAX_HASH_LEN], th[TLSK_MAX_HASH_LEN];
	struct buf partial = { 0 };
	int bad;

	buf_u8(&partial, HS_CLIENT_HELLO);
	buf_u24(&partial, (uint32_t)body->len);
	buf_put(&partial, body->p, body->len - binders_len);
	bad = partial.bad ||
	      tlsk_early_secret(md, e->psk.psk, e->psk.psk_len, early) ||
	      !EVP_Digest("", 0, empty, NULL, md, NULL) ||
	      tlsk_derive_secret(md, early, "res binder", empty, key) ||
	      tr_hash_extra(&e->tr, md, partial.p, partial.len, th) ||
	      tlsk_finished_mac(md, key, th, body->p + body->len - s->hash_len);
	buf_free(&partial);
	OPENSSL_cleanse(early, sizeof(early));
	OPENSSL_cleanse(key, sizeof(key));
	if (bad)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "PSK binder");
	return 0;
}

static int maybe_send_ccs(struct tlsk_engine *e)
{
	/* RFC 8446 D.4: compatibility mode, before the second flight */
	if (e->session_id_len && !e->ccs_sent)
		return send_ccs(e);
	return 0;
}

/* everything up to, not including, pre_shared_key; returns the
 * position of the extensions' length prefix */
static size_t put_client_hello_body(struct tlsk_engine *e, struct buf *b)
{
	static const uint8_t psk_dhe_ke[] = { 1 };
	const struct tlsk_config *c = e->cfg;
	bool tls13 = tls13_enabled(c), tls12 = tls12_client_offers(c);
	uint8_t versions[4];
	uint16_t sigalgs[MAX_PEER_SIGALGS];
	size_t n = 0, nv = 0, pos, exts, alpn_len;
	const uint8_t *alpn;

	buf_u16(b, TLS12_CLIENT_VERSION);	/* legacy_version */
	buf_put(b, e->client_random, 32);
	pos = buf_open_vec(b, 1);
	buf_put(b, e->session_id, e->session_id_len);
	buf_close_vec(b, pos, 1);
	pos = buf_open_vec(b, 2);
	for (size_t i = 0; tls13 && i < c->nsuites; i++)
		buf_u16(b, c->suites[i]);
	/* RSA key transport only when the profile enabled and listed it */
	for (size_t i = 0; tls12 && i < c->ntls12_suites; i++)
		if (tls12_suite_configured(c, c->tls12_suites[i]))
			buf_u16(b, c->tls12_suites[i]);
	buf_close_vec(b, pos, 2);
	buf_u8(b, 1);
	buf_u8(b, 0);		/* legacy_compression_methods: null */
	exts = buf_open_vec(b, 2);
	put_server_name(e, b);
	if (tls13) {
		versions[nv++] = 0x03;
		versions[nv++] = 0x04;
	}
	if (tls12) {
		versions[nv++] = 0x03;
		versions[nv++] = 0x03;
	}
	put_blob_ext(b, EXT_SUPPORTED_VERSIONS, 1, versions, nv);
	put_u16_list_ext(b, EXT_SUPPORTED_GROUPS, c->groups, c->ngroups, 2);
	for (; tlsk_sigscheme_at(n) && n < MAX_PEER_SIGALGS; n++)
		sigalgs[n] = tlsk_sigscheme_at(n)->id;
	put_u16_list_ext(b, EXT_SIGNATURE_ALGORITHMS, sigalgs, n, 2);
	if (tls13 && put_key_share(e, b))
		b->bad = true;
	alpn = engine_alpn(e, &alpn_len);
	if (alpn_len)
		put_blob_ext(b, EXT_ALPN, 2, alpn, alpn_len);
	if (e->cookie.len)
		put_blob_ext(b, EXT_COOKIE, 2, e->cookie.p, e->cookie.len);
	/* RFC 8446 4.2.9: we only do PSK with (EC)DHE */
	if (tls13)
		put_blob_ext(b, EXT_PSK_KEY_EXCHANGE_MODES, 1, psk_dhe_ke, 1);
	if (tls12)
		tls12_put_client_hello_exts(e, b);
	return exts;
}

int client_write_client_hello(struct tlsk_engine *e, struct rd *unused)
{
	struct buf b = { 0 };
	size_t exts, binders_len = 0;
	bool psk = psk_usable(e);
	int ret = 0;

	(void)unused;
	if (e->shape & SHAPE_HRR)
		ret = maybe_send_ccs(e);
	exts = put_client_hello_body(e, &b);
	/* RFC 8446 4.2.11: pre_shared_key MUST be the last extension */
	if (psk)
		binders_len = put_pre_shared_key(e, &b);
	buf_close_vec(&b, exts, 2);
	if (!ret && b.bad)
		ret = fail(e, ALERT_INTERNAL_ERROR, -ENOMEM,
			   "cannot build ClientHello");
	if (!ret && psk)
		ret = put_binder(e, &b, binders_len);
	if (!ret)
		ret = send_handshake(e, HS_CLIENT_HELLO, &b);
	if (!ret && !(e->shape & SHAPE_HRR))
		e->ch1_len = e->tr.msgs.len;
	buf_free(&b);
	return ret;
}

static int new_key_share(struct tlsk_engine *e, const struct tlsk_group *g)
{
	EVP_PKEY_free(e->kex_key);
	e->group = g;
	e->kex_key = kex_keygen(g);
	if (!e->kex_key)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "cannot generate a %s key", g->name);
	return 0;
}

/* (Re)build the first ClientHello; possible until output was taken. */
static int client_restart(struct tlsk_engine *e)
{
	if (e->output_taken || e->state != TLSK_STATE_HANDSHAKING)
		return -EBUSY;
	buf_reset(&e->out);
	tr_free(&e->tr);
	e->msg_index = 0;
	e->shape = SHAPE_INITIAL;
	return run_own_messages(e);
}

int client_start(struct tlsk_engine *e)
{
	const struct tlsk_group *g = tlsk_group_by_id(e->cfg->groups[0]);

	if (!g || (!tls13_enabled(e->cfg) && !tls12_enabled(e->cfg)))
		return fail(e, ALERT_INTERNAL_ERROR, -EINVAL,
			    "no cipher suite or group configured");
	if (!tls13_enabled(e->cfg) && !tls12_client_offers(e->cfg))
		return fail(e, ALERT_PROTOCOL_VERSION, -EPROTONOSUPPORT,
			    "TLS 1.3 is disabled and the TLS 1.2 client role "
			    "is not implemented yet");
	/* RFC 8446 D.4: a non-empty session ID asks for compatibility mode */
	e->session_id_len = 32;
	if (RAND_bytes(e->client_random, 32) != 1 ||
	    RAND_bytes(e->session_id, 32) != 1)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "no randomness");
	if (new_key_share(e, g))
		return e->err;
	return client_restart(e);
}

int tlsk_engine_set_alpn(struct tlsk_engine *e, const char *list)
{
	size_t len;
	int err;

	if (e->output_taken || e->bytes_in)
		return -EBUSY;
	err = alpn_to_wire(list ? list : "", e->alpn_own, &len);
	if (err)
		return err;
	e->alpn_own_len = len;
	e->alpn_own_set = true;
	return e->role == TLSK_ROLE_CLIENT ? client_restart(e) : 0;
}

int tlsk_engine_set_server_name(struct tlsk_engine *e, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n >= sizeof(e->server_name) || e->role != TLSK_ROLE_CLIENT)
		return -EINVAL;
	if (e->output_taken)
		return -EBUSY;
	memcpy(e->server_name, name ? name : "", n);
	e->server_name[n] = 0;
	return client_restart(e);
}

/* ---- ServerHello and HelloRetryRequest, RFC 8446 4.1.3, 4.1.4 ---- */

static int read_supported_version(struct tlsk_engine *e, struct exts *x)
{
	struct rd *v = exts_get(x, EXT_SUPPORTED_VERSIONS);
	uint16_t version;

	if (!v)	/* RFC 8446 4.1.4: after HelloRetryRequest, TLS 1.3 */
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "TLS 1.2 ServerHello after HelloRetryRequest");
	version = rd_u16(v);
	if (!rd_done(v))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed supported_versions");
	if (version != 0x0304 || !tls13_enabled(e->cfg))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "server chose version %#06x, not offered",
			    version);
	return 0;
}

/* RFC 8446 4.1.3: a ServerHello without supported_versions chose
 * legacy_version. Only its extension types are looked at here; the
 * TLS 1.3 or TLS 1.2 handler parses them properly. */
static bool server_hello_is_tls12(struct rd exts_block)
{
	struct rd list, data;

	if (!rd_left(&exts_block))
		return true;
	if (!rd_vec(&exts_block, 2, 0, 0xffff, &list))
		return false;
	while (rd_left(&list)) {
		if (rd_u16(&list) == EXT_SUPPORTED_VERSIONS)
			return false;
		if (!rd_vec(&list, 2, 0, 0xffff, &data))
			return false;
	}
	return true;
}

static bool offered_suite(const struct tlsk_engine *e, uint16_t id)
{
	for (size_t i = 0; i < e->cfg->nsuites; i++)
		if (e->cfg->suites[i] == id)
			return true;
	return false;
}

static bool offered_group(const struct tlsk_engine *e, uint16_t id)
{
	for (size_t i = 0; i < e->cfg->ngroups; i++)
		if (e->cfg->groups[i] == id)
			return true;
	return false;
}

static int read_hello_retry(struct tlsk_engine *e, struct exts *x)
{
	struct rd *ks = exts_get(x, EXT_KEY_SHARE);
	struct rd *cookie = exts_get(x, EXT_COOKIE);
	uint16_t group;

	if (e->shape & SHAPE_HRR)
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "second HelloRetryRequest");
	if (!ks && !cookie)	/* RFC 8446 4.1.4: it must change something */
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "HelloRetryRequest changes nothing");
	e->shape |= SHAPE_HRR;
	/* the transcript restarts from a hash of ClientHello1, 4.4.1 */
	if (tr_collapse_prefix(&e->tr, engine_md(e), e->ch1_len))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "transcript");
	if (cookie) {
		struct rd c;

		if (!rd_vec(cookie, 2, 1, 0xffff, &c) || !rd_done(cookie))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed cookie");
		buf_put(&e->cookie, rd_ptr(&c), rd_left(&c));
	}
	if (!ks)
		return 0;
	group = rd_u16(ks);
	if (!rd_done(ks))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed key_share");
	if (!offered_group(e, group) || group == e->group->id)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "HelloRetryRequest asks for group %#06x", group);
	return new_key_share(e, tlsk_group_by_id(group));
}

static int read_server_share(struct tlsk_engine *e, struct exts *x)
{
	struct rd *ks = exts_get(x, EXT_KEY_SHARE), share;
	uint8_t dhe[TLSK_MAX_DHE_LEN];
	size_t dhe_len = sizeof(dhe);
	uint16_t group;
	int ret;

	if (!ks)	/* psk_ke is never offered */
		return fail(e, ALERT_MISSING_EXTENSION, -EPROTO,
			    "ServerHello without key_share");
	group = rd_u16(ks);
	if (!rd_vec(ks, 2, 1, 0xffff, &share) || !rd_done(ks))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed key_share");
	if (group != e->group->id)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "server key share for group %#06x, not offered",
			    group);
	if (kex_derive(e->kex_key, e->group, rd_ptr(&share), rd_left(&share),
		       dhe, &dhe_len))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "invalid %s key share", e->group->name);
	EVP_PKEY_free(e->kex_key);
	e->kex_key = NULL;
	ret = derive_handshake_secrets(e, dhe, dhe_len);
	OPENSSL_cleanse(dhe, sizeof(dhe));
	return ret;
}

static int read_psk_choice(struct tlsk_engine *e, struct exts *x)
{
	struct rd *p = exts_get(x, EXT_PRE_SHARED_KEY);
	const struct tlsk_suite *s;

	if (!p)
		return 0;
	s = tlsk_suite_by_id(e->psk.suite);
	if (rd_u16(p) != 0 || !rd_done(p) || !psk_usable(e) ||
	    s->md() != engine_md(e))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "server selected a PSK that was not offered");
	e->resumed = true;
	return 0;
}

int client_read_server_hello(struct tlsk_engine *e, struct rd *body)
{
	static const uint16_t sh_exts[] = { EXT_SUPPORTED_VERSIONS,
		EXT_KEY_SHARE, EXT_PRE_SHARED_KEY, EXT_LIST_END };
	static const uint16_t hrr_exts[] = { EXT_SUPPORTED_VERSIONS,
		EXT_KEY_SHARE, EXT_COOKIE, EXT_LIST_END };
	struct rd whole = *body;
	uint16_t version = rd_u16(body), suite_id;
	const uint8_t *random = rd_bytes(body, 32);
	const struct tlsk_suite *suite;
	struct rd sid;
	struct exts x;
	uint8_t compression;
	bool hrr;

	rd_vec(body, 1, 0, 32, &sid);
	suite_id = rd_u16(body);
	compression = rd_u8(body);
	if (body->bad || !random)
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed ServerHello");
	if (compression != 0)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "ServerHello with compression");
	if (version != 0x0303)	/* RFC 8996: nothing older; 1.3 says 0x0303 */
		return fail(e, ALERT_PROTOCOL_VERSION, -EPROTONOSUPPORT,
			    "server answered with version %#06x", version);
	if (server_hello_is_tls12(*body) && !(e->shape & SHAPE_HRR)) {
		*body = whole;
		return tls12_client_take_server_hello(e, body);
	}
	/* RFC 8446 4.1.4: an HRR has its own extensions */
	hrr = !memcmp(random, hrr_random, 32);
	if (exts_read13_response(e, body, &x, hrr ? hrr_exts : sh_exts,
				 hrr ? hrr_exts : sh_exts,
				 hrr ? "HelloRetryRequest" : "ServerHello") ||
	    read_supported_version(e, &x))
		return e->err;
	if (rd_left(&sid) != e->session_id_len ||
	    memcmp(rd_ptr(&sid), e->session_id, e->session_id_len) != 0)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "server did not echo our session ID");
	suite = tlsk_suite_by_id(suite_id);
	if (!suite || !offered_suite(e, suite_id) ||
	    ((e->shape & SHAPE_HRR) && suite != e->suite))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "server chose cipher suite %#06x, not offered",
			    suite_id);
	e->suite = suite;
	if (hrr)
		return read_hello_retry(e, &x);
	if (read_psk_choice(e, &x) || read_server_share(e, &x))
		return e->err;
	e->shape |= SHAPE_NEGOTIATED | (e->resumed ? 0 : SHAPE_FULL);
	if (set_rx_keys(e, e->s_hs) || set_tx_keys(e, e->c_hs))
		return e->err;
	return 0;
}

/* ---- the server's encrypted flight ---- */

static bool alpn_offered(const struct tlsk_engine *e, const uint8_t *p,
			 size_t n)
{
	const uint8_t *ours;
	size_t len;
	struct rd r;

	ours = engine_alpn(e, &len);
	rd_init(&r, ours, len);
	while (rd_left(&r)) {
		struct rd name;

		rd_vec(&r, 1, 1, 255, &name);
		if (rd_left(&name) == n && !memcmp(rd_ptr(&name), p, n))
			return true;
	}
	return false;
}

int read_alpn_choice(struct tlsk_engine *e, struct rd *ext)
{
	struct rd list, name;

	/* RFC 7301 3.1: exactly one protocol, one we offered */
	if (!rd_vec(ext, 2, 2, 0xffff, &list) ||
	    !rd_vec(&list, 1, 1, 255, &name) || !rd_done(&list) ||
	    !rd_done(ext))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG, "malformed ALPN");
	if (!alpn_offered(e, rd_ptr(&name), rd_left(&name)))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "server chose an ALPN protocol not offered");
	memcpy(e->alpn, rd_ptr(&name), rd_left(&name));
	e->alpn[rd_left(&name)] = 0;
	return 0;
}

int client_read_encrypted_extensions(struct tlsk_engine *e, struct rd *body)
{
	/* RFC 8446 4.2 and RFC 8449: what EncryptedExtensions may carry */
	static const uint16_t ee_specified[] = { EXT_SERVER_NAME, 1,
		EXT_SUPPORTED_GROUPS, 14, 15, EXT_ALPN, 19, 20,
		EXT_RECORD_SIZE_LIMIT, EXT_EARLY_DATA, EXT_LIST_END };
	uint16_t allowed[4] = { EXT_SUPPORTED_GROUPS, EXT_LIST_END,
				EXT_LIST_END, EXT_LIST_END };
	size_t n = 1, alpn_len;
	struct exts x;
	struct rd *r;

	/* RFC 8446 4.2: only what we asked for may come back */
	if (engine_alpn(e, &alpn_len) && alpn_len)
		allowed[n++] = EXT_ALPN;
	if (sni_allowed(e->server_name))
		allowed[n++] = EXT_SERVER_NAME;
	if (!rd_left(body))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "empty EncryptedExtensions");
	if (exts_read13_response(e, body, &x, allowed, ee_specified,
				 "EncryptedExtensions"))
		return e->err;
	r = exts_get(&x, EXT_SERVER_NAME);
	if (r && rd_left(r))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "server_name acknowledgement is not empty");
	r = exts_get(&x, EXT_ALPN);
	return r ? read_alpn_choice(e, r) : 0;
}

int client_read_certificate_request(struct tlsk_engine *e, struct rd *body)
{
	static const uint16_t cr_exts[] = { EXT_SIGNATURE_ALGORITHMS, EXT_LIST_END };
	const struct cfg_cert *c = e->cfg->ncerts ? &e->cfg->certs[0] : NULL;
	struct rd ctx, *sigalgs;
	struct exts x;

	if (!rd_vec(body, 1, 0, 255, &ctx))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed CertificateRequest");
	/* RFC 8446 4.3.2: empty context during the handshake */
	if (rd_left(&ctx))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "CertificateRequest context in the handshake");
	if (exts_read(e, body, &x, cr_exts, true, "CertificateRequest"))
		return e->err;
	sigalgs = exts_get(&x, EXT_SIGNATURE_ALGORITHMS);
	if (!sigalgs)
		return fail(e, ALERT_MISSING_EXTENSION, -EPROTO,
			    "CertificateRequest without signature_algorithms");
	if (parse_sigalgs(e, sigalgs))
		return e->err;
	/* without a usable certificate we answer with an empty one */
	e->sig = c ? pick_sigscheme(e, c->key) : NULL;
	e->cert = e->sig ? c : NULL;
	return 0;
}

int client_read_certificate(struct tlsk_engine *e, struct rd *body)
{
	if (read_certificate(e, body))
		return e->err;
	/* RFC 8446 4.4.2.4 */
	if (!e->peer_leaf)
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "server sent no certificate");
	/* A client checks unless told NONE (OPTIONAL is a server's word). */
	if (cfg_verify_mode(e->cfg, e->role) != TLSK_VERIFY_NONE)
		return verify_peer_chain(e);
	return 0;
}

int client_read_certificate_verify(struct tlsk_engine *e, struct rd *body)
{
	return read_certificate_verify(e, body);
}

int client_read_finished(struct tlsk_engine *e, struct rd *body)
{
	if (read_finished(e, body) || derive_application_secrets(e))
		return e->err;
	return set_rx_keys(e, e->s_ap);
}

/* ---- our second flight ---- */

int client_write_certificate(struct tlsk_engine *e, struct rd *unused)
{
	(void)unused;
	if (maybe_send_ccs(e))
		return e->err;
	if (!e->cert)
		e->shape |= SHAPE_NO_CLIENT_CERT;
	return write_certificate(e, e->cert);
}

int client_write_certificate_verify(struct tlsk_engine *e, struct rd *unused)
{
	(void)unused;
	return write_certificate_verify(e);
}

int client_write_finished(struct tlsk_engine *e, struct rd *unused)
{
	(void)unused;
	if (maybe_send_ccs(e) || write_finished(e) ||
	    derive_resumption_master(e))
		return e->err;
	return set_tx_keys(e, e->c_ap);
}

/* ---- tickets and sessions, RFC 8446 4.6.1 ---- */

int client_read_new_session_ticket(struct tlsk_engine *e, struct rd *body)
{
	uint32_t lifetime = rd_u32(body), age_add = rd_u32(body);
	struct rd nonce, ticket, exts;
	struct session *s;

	if (!rd_vec(body, 1, 0, 255, &nonce) ||
	    !rd_vec(body, 2, 1, 0xffff, &ticket) ||
	    !rd_vec(body, 2, 0, 0xfffe, &exts))
		return -EBADMSG;
	if (lifetime > 604800)
		return -EINVAL;
	if (!lifetime)	/* "discard this ticket immediately" */
		return 0;
	s = client_new_ticket_slot(e);
	if (!s)
		return -ENOMEM;
	s->ticket = OPENSSL_memdup(rd_ptr(&ticket), rd_left(&ticket));
	if (!s->ticket)
		return -ENOMEM;
	s->ticket_len = rd_left(&ticket);
	s->version = 0x0304;
	s->suite = e->suite->id;
	s->lifetime = lifetime;
	s->age_add = age_add;
	s->issued_ms = cfg_now_ms(e->cfg);
	s->psk_len = e->suite->hash_len;
	memcpy(s->alpn, e->alpn, sizeof(s->alpn));
	if (tlsk_hkdf_expand_label(engine_md(e), e->res_master, "resumption",
				   rd_ptr(&nonce), rd_left(&nonce), s->psk,
				   s->psk_len)) {
		session_clear(s);
		return -EIO;
	}
	e->ntickets++;
	return 0;
}

int tlsk_engine_get_session(const struct tlsk_engine *e, uint8_t *buf,
			    size_t *len)
{
	struct buf b = { 0 };
	int ret;

	if (e->role != TLSK_ROLE_CLIENT || !e->ntickets)
		return -ENOENT;
	ret = session_encode(&e->tickets[e->ntickets - 1], &b);
	if (!ret && (!buf || b.len > *len))
		ret = -ENOSPC;
	if (!ret)
		memcpy(buf, b.p, b.len);
	*len = b.len;
	buf_free(&b);
	return ret;
}

int tlsk_engine_set_session(struct tlsk_engine *e, const uint8_t *buf,
			    size_t len)
{
	struct session s = { 0 };
	uint64_t now;
	int ret;

	if (e->role != TLSK_ROLE_CLIENT)
		return -EINVAL;
	if (e->output_taken)
		return -EBUSY;
	ret = session_decode(buf, len, &s);
	if (ret)
		return ret;
	now = cfg_now_ms(e->cfg);
	/* an expired ticket, or one for a suite we no longer offer, is
	 * dropped: the handshake simply goes full */
	if (now - s.issued_ms >= (uint64_t)s.lifetime * 1000 ||
	    !(s.version == 0x0304 ? tls13_enabled(e->cfg) &&
				    offered_suite(e, s.suite) :
				    tls12_enabled(e->cfg) && s.ems &&
				    tls12_suite_configured(e->cfg, s.suite))) {
		session_clear(&s);
		return -ESTALE;
	}
	session_clear(&e->psk);
	e->psk = s;
	e->psk_offered = true;
	/* RFC 5246 7.4.1.2: offer a TLS 1.2 session by its ID; with a
	 * ticket the random ID stays, to learn of resumption (RFC 5077 3.4) */
	if (s.version == 0x0303 && !s.ticket_len) {
		memcpy(e->session_id, s.id, s.id_len);
		e->session_id_len = s.id_len;
	}
	return client_restart(e);
}
