// SPDX-License-Identifier: MIT
/* TLS 1.3 server: the server's handlers of the state table (tables.c). */
#include "engine_int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cert.h"
#include "ext.h"
#include "kex.h"
#include "tls12_msgs.h"
#include "tls13_handlers.h"

/* ---- ClientHello, RFC 8446 4.1.2 ---- */

#define TLS_FALLBACK_SCSV 0x5600	/* RFC 7507 */

/* RFC 8446 4.2.1, RFC 5246 E.1, RFC 8996: the highest version both
 * speak, never below TLS 1.2; 0x0304 or 0x0303, or the engine's error */
static int choose_version(struct tlsk_engine *e, struct exts *x)
{
	struct rd *v = exts_get(x, EXT_SUPPORTED_VERSIONS), list;
	bool offers13 = false, offers12 = e->client_version >= 0x0303;

	/* RFC 8446 D.5: SSL 3.0 or older, whatever else the hello says */
	if (e->client_version <= 0x0300)
		return fail(e, ALERT_PROTOCOL_VERSION, -EPROTONOSUPPORT,
			    "legacy_version 0x%04x (SSL 3.0 or older)",
			    e->client_version);
	if (v) {
		if (!rd_vec(v, 1, 2, 254, &list) || rd_left(&list) % 2 ||
		    !rd_done(v))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed supported_versions");
		offers12 = false;
		while (rd_left(&list)) {
			uint16_t version = rd_u16(&list);

			offers13 |= version == 0x0304;
			offers12 |= version == 0x0303;
		}
	}
	if (offers13 && tls13_enabled(e->cfg))
		return 0x0304;
	if (offers12 && tls12_enabled(e->cfg))
		return 0x0303;
	return fail(e, ALERT_PROTOCOL_VERSION, -EPROTONOSUPPORT,
		    "no protocol version in common (client offers %s)",
		    offers13 ? "TLS 1.3" : offers12 ? "TLS 1.2" :
		    "only versions older than TLS 1.2");
}

static int choose_suite(struct tlsk_engine *e, struct rd *suites)
{
	const struct tlsk_config *c = e->cfg;

	/* server preference: the config's order */
	for (size_t i = 0; i < c->nsuites; i++) {
		struct rd r = *suites;

		while (rd_left(&r))
			if (rd_u16(&r) == c->suites[i]) {
				const struct tlsk_suite *s =
					tlsk_suite_by_id(c->suites[i]);

				/* RFC 8446 4.1.4: the same suite after HRR */
				if ((e->shape & SHAPE_HRR) && s != e->suite)
					break;
				e->suite = s;
				return 0;
			}
	}
	if (e->shape & SHAPE_HRR)	/* RFC 8446 4.1.2: only what HRR asked */
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "second ClientHello dropped the chosen suite");
	return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
		    "no cipher suite in common");
}

bool u16_in(struct rd list, uint16_t id)
{
	while (rd_left(&list))
		if (rd_u16(&list) == id)
			return true;
	return false;
}

/* A set of 16-bit code points, one bit each: a ClientHello's lists hold
 * up to 32,767 entries, so "is it in the list" must not be a scan of it
 * (a scan per entry of another list is quadratic in the peer's input:
 * 1.5 s of CPU for one 64 KiB ClientHello). */
struct u16_set {
	uint64_t w[65536 / 64];
};

static void u16_set_add(struct u16_set *s, uint16_t v)
{
	s->w[v / 64] |= (uint64_t)1 << (v % 64);
}

static bool u16_set_has(const struct u16_set *s, uint16_t v)
{
	return s->w[v / 64] >> (v % 64) & 1;
}

/* RFC 8446 4.2.8: pick a group with a share, else ask for one (HRR).
 * One pass over each of the peer's lists; the work per share is bounded
 * by our own (short) group list. */
static int choose_group(struct tlsk_engine *e, struct exts *x,
			struct rd *share, bool *retry)
{
	struct rd *sg = exts_get(x, EXT_SUPPORTED_GROUPS);
	struct rd *ks = exts_get(x, EXT_KEY_SHARE);
	struct rd groups, shares;
	const struct tlsk_config *c = e->cfg;
	struct u16_set offered, shared;
	size_t best = c->ngroups;

	if (!sg || !ks)
		return fail(e, ALERT_MISSING_EXTENSION, -EPROTO,
			    "ClientHello without supported_groups/key_share");
	if (!rd_vec(sg, 2, 2, 0xfffe, &groups) || rd_left(&groups) % 2 ||
	    !rd_done(sg) || !rd_vec(ks, 2, 0, 0xffff, &shares) || !rd_done(ks))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed supported_groups/key_share");
	memset(&offered, 0, sizeof(offered));
	memset(&shared, 0, sizeof(shared));
	while (rd_left(&groups))
		u16_set_add(&offered, rd_u16(&groups));
	*retry = false;
	while (rd_left(&shares)) {
		uint16_t g = rd_u16(&shares);
		struct rd key;

		if (!rd_vec(&shares, 2, 1, 0xffff, &key))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed KeyShareEntry");
		if (!u16_set_has(&offered, g))
			return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
				    "key share for an unsupported group");
		if (u16_set_has(&shared, g))
			return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
				    "two key shares for group 0x%04x", g);
		u16_set_add(&shared, g);
		for (size_t i = 0; i < best; i++)
			if (g == c->groups[i]) {
				best = i;
				*share = key;
				break;
			}
	}
	if (best < c->ngroups) {
		e->group = tlsk_group_by_id(c->groups[best]);
		return 0;
	}
	for (size_t i = 0; i < c->ngroups; i++)
		if (u16_set_has(&offered, c->groups[i])) {
			e->group = tlsk_group_by_id(c->groups[i]);
			*retry = true;
			return 0;
		}
	return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
		    "no key exchange group in common");
}

int read_server_name(struct tlsk_engine *e, struct rd *ext)
{
	struct rd list, name;

	/* RFC 6066 3: one host_name */
	if (!rd_vec(ext, 2, 1, 0xffff, &list) || !rd_done(ext))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed server_name");
	while (rd_left(&list)) {
		uint8_t type = rd_u8(&list);

		if (!rd_vec(&list, 2, 1, 0xffff, &name))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed server_name");
		if (type != 0 || e->server_name[0])
			continue;
		if (rd_left(&name) >= sizeof(e->server_name) ||
		    memchr(rd_ptr(&name), 0, rd_left(&name)))
			return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
				    "invalid server_name");
		memcpy(e->server_name, rd_ptr(&name), rd_left(&name));
	}
	return 0;
}

/* RFC 7301 3.2: our first protocol the client also offers */
int choose_alpn(struct tlsk_engine *e, struct rd *ext)
{
	struct rd theirs, ours;
	const uint8_t *list;
	size_t len;

	if (!rd_vec(ext, 2, 2, 0xffff, &theirs) || !rd_done(ext))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG, "malformed ALPN");
	list = engine_alpn(e, &len);
	if (!len)
		return 0;
	rd_init(&ours, list, len);
	while (rd_left(&ours)) {
		struct rd mine, r = theirs;

		rd_vec(&ours, 1, 1, 255, &mine);
		while (rd_left(&r)) {
			struct rd name;

			if (!rd_vec(&r, 1, 1, 255, &name))
				return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
					    "malformed ALPN");
			if (rd_left(&name) == rd_left(&mine) &&
			    !memcmp(rd_ptr(&name), rd_ptr(&mine),
				    rd_left(&mine))) {
				memcpy(e->alpn, rd_ptr(&mine), rd_left(&mine));
				e->alpn[rd_left(&mine)] = 0;
				return 0;
			}
		}
	}
	return fail(e, ALERT_NO_APPLICATION_PROTOCOL, -EPROTO,
		    "no ALPN protocol in common");
}

/* ---- PSK (resumption), RFC 8446 4.2.11 ---- */

/* RFC 8446 4.2.9: whether the client takes psk_dhe_ke (the only mode we
 * do); read once for all identities */
static int read_psk_modes(struct tlsk_engine *e, struct rd *modes, bool *dhe)
{
	struct rd list;

	*dhe = false;
	if (!rd_vec(modes, 1, 1, 255, &list) || !rd_done(modes))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed psk_key_exchange_modes");
	while (rd_left(&list))
		*dhe |= rd_u8(&list) == 1;	/* psk_dhe_ke */
	return 0;
}

/* A ticket we can open, for a suite of the negotiated hash, within its
 * lifetime. The age the client reports only matters for 0-RTT, which
 * we do not accept, so it is not compared with ours. */
static bool ticket_acceptable(struct tlsk_engine *e, struct rd *id,
			      struct session *s)
{
	uint64_t now = cfg_now_ms(e->cfg);
	const struct tlsk_suite *ts;

	if (ticket_open(e->cfg, rd_ptr(id), rd_left(id), s))
		return false;
	if (s->version != 0x0304) {	/* a TLS 1.2 ticket */
		session_clear(s);
		return false;
	}
	ts = tlsk_suite_by_id(s->suite);
	/* RFC 6066 3: not under another server name than it was made */
	if (ts->md() != engine_md(e) || now < s->issued_ms ||
	    now - s->issued_ms > (uint64_t)s->lifetime * 1000 ||
	    strcasecmp(s->sni, e->server_name) != 0) {
		session_clear(s);
		return false;
	}
	return true;
}

static int check_binder(struct tlsk_engine *e, const uint8_t *binder,
			size_t len, size_t binders_len)
{
	const EVP_MD *md = engine_md(e);
	uint8_t early[TLSK_MAX_HASH_LEN], key[TLSK_MAX_HASH_LEN];
	uint8_t empty[TLSK_MAX_HASH_LEN], th[TLSK_MAX_HASH_LEN];
	uint8_t want[TLSK_MAX_HASH_LEN];
	int bad;

	/* the transcript so far ends with this ClientHello, whose last
	 * binders_len bytes are the binders list */
	bad = tlsk_early_secret(md, e->psk.psk, e->psk.psk_len, early) ||
	      !EVP_Digest("", 0, empty, NULL, md, NULL) ||
	      tlsk_derive_secret(md, early, "res binder", empty, key) ||
	      tr_hash_prefix(&e->tr, md, e->tr.msgs.len - binders_len, th) ||
	      tlsk_finished_mac(md, key, th, want);
	OPENSSL_cleanse(early, sizeof(early));
	OPENSSL_cleanse(key, sizeof(key));
	if (bad)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "PSK binder");
	if (len != engine_hash_len(e) || CRYPTO_memcmp(binder, want, len))
		return fail(e, ALERT_DECRYPT_ERROR, -EBADMSG,
			    "PSK binder does not verify");
	return 0;
}

static int try_psk(struct tlsk_engine *e, struct exts *x)
{
	struct rd *ext = exts_get(x, EXT_PRE_SHARED_KEY);
	struct rd *modes = exts_get(x, EXT_PSK_KEY_EXCHANGE_MODES);
	struct rd ids, binders, id, binder;
	size_t nids = 0, nbinders = 0, binders_len;
	long chosen = -1;
	bool dhe;

	if (!ext)
		return 0;
	if (!modes)	/* RFC 8446 4.2.9 */
		return fail(e, ALERT_MISSING_EXTENSION, -EPROTO,
			    "pre_shared_key without psk_key_exchange_modes");
	if (read_psk_modes(e, modes, &dhe))
		return e->err;
	if (x->last != EXT_PRE_SHARED_KEY)	/* RFC 8446 4.2.11 */
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "pre_shared_key is not the last extension");
	if (!rd_vec(ext, 2, 7, 0xffff, &ids))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed pre_shared_key");
	binders_len = rd_left(ext);
	if (!rd_vec(ext, 2, 33, 0xffff, &binders) || !rd_done(ext))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed pre_shared_key");
	while (rd_left(&ids)) {
		if (!rd_vec(&ids, 2, 1, 0xffff, &id) || !rd_bytes(&ids, 4))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed PSK identity");
		if (chosen < 0 && e->cfg->ticket_count && dhe &&
		    ticket_acceptable(e, &id, &e->psk))
			chosen = (long)nids;
		nids++;
	}
	while (rd_left(&binders)) {
		struct rd b;

		if (!rd_vec(&binders, 1, 32, 255, &b))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed PSK binder");
		if ((long)nbinders++ == chosen)
			binder = b;
	}
	if (nids != nbinders)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "PSK identities and binders differ in number");
	if (chosen < 0)
		return 0;
	if (check_binder(e, rd_ptr(&binder), rd_left(&binder), binders_len))
		return e->err;
	e->resumed = true;
	e->psk_index = (uint16_t)chosen;
	/* who the client proved to be when the ticket was issued */
	session_peer_set(e, e->psk.peer, e->psk.peer_sans);
	return 0;
}

/* ---- putting the ClientHello together ---- */

static int read_hello_fields(struct tlsk_engine *e, struct rd *body,
			     struct rd *suites, bool *only_null)
{
	const uint8_t *random;
	struct rd sid, comp;
	bool second = e->shape & SHAPE_HRR, null = false;

	/* legacy_version: supported_versions rules, else it is the version */
	e->client_version = rd_u16(body);
	random = rd_bytes(body, 32);
	if (!rd_vec(body, 1, 0, 32, &sid) ||
	    !rd_vec(body, 2, 2, 0xfffe, suites) || rd_left(suites) % 2 ||
	    !rd_vec(body, 1, 1, 255, &comp))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed ClientHello");
	/* RFC 5246 7.4.1.2: null among them (TLS 1.2 then picks it);
	 * RFC 8446 4.1.2: TLS 1.3 wants exactly null, checked once the
	 * version is chosen */
	*only_null = rd_left(&comp) == 1;
	while (rd_left(&comp))
		null |= rd_u8(&comp) == 0;
	if (!null)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "ClientHello without the null compression method");
	if (second && (memcmp(random, e->client_random, 32) != 0 ||
		       rd_left(&sid) != e->session_id_len ||
		       memcmp(rd_ptr(&sid), e->session_id,
			      e->session_id_len) != 0))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "second ClientHello changed random or session ID");
	memcpy(e->client_random, random, 32);
	e->session_id_len = rd_left(&sid);
	memcpy(e->session_id, rd_ptr(&sid), e->session_id_len);
	return 0;
}

static int read_hello_extensions(struct tlsk_engine *e, struct exts *x)
{
	struct rd *r;
	bool second = e->shape & SHAPE_HRR;

	r = exts_get(x, EXT_EARLY_DATA);
	/* RFC 8446 4.2.10: never after HRR; otherwise declined and skipped */
	if (r && second)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "early_data after HelloRetryRequest");
	e->skip_early_data = r != NULL;
	r = exts_get(x, EXT_SERVER_NAME);
	if (r && !second && read_server_name(e, r))
		return e->err;
	r = exts_get(x, EXT_ALPN);
	e->alpn[0] = 0;
	if (r && choose_alpn(e, r))
		return e->err;
	r = exts_get(x, EXT_SIGNATURE_ALGORITHMS);
	if (r && parse_sigalgs(e, r))
		return e->err;
	return 0;
}

/* certificate and signature scheme for a full handshake */
static int choose_credentials(struct tlsk_engine *e, struct exts *x)
{
	e->cert = cert_for_name(e->cfg, e->server_name);
	if (!e->cert)
		return fail(e, ALERT_HANDSHAKE_FAILURE, -ENOENT,
			    "no certificate configured");
	if (!exts_get(x, EXT_SIGNATURE_ALGORITHMS))	/* RFC 8446 9.2 */
		return fail(e, ALERT_MISSING_EXTENSION, -EPROTO,
			    "ClientHello without signature_algorithms");
	e->sig = pick_sigscheme(e, e->cert->key);
	if (!e->sig)
		return fail(e, ALERT_HANDSHAKE_FAILURE, -EPROTO,
			    "no signature scheme in common for our certificate");
	return 0;
}

static int accept_share(struct tlsk_engine *e, struct rd *share)
{
	e->kex_key = kex_keygen(e->group);
	if (!e->kex_key)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "key generation");
	e->dhe_len = sizeof(e->dhe);
	if (kex_derive(e->kex_key, e->group, rd_ptr(share), rd_left(share),
		       e->dhe, &e->dhe_len))
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "invalid %s key share", e->group->name);
	return 0;
}

int server_read_client_hello(struct tlsk_engine *e, struct rd *body)
{
	static const uint16_t ch_exts[] = { EXT_SERVER_NAME,
		EXT_SUPPORTED_GROUPS, EXT_SIGNATURE_ALGORITHMS, EXT_ALPN,
		EXT_PRE_SHARED_KEY, EXT_EARLY_DATA, EXT_SUPPORTED_VERSIONS,
		EXT_COOKIE, EXT_PSK_KEY_EXCHANGE_MODES, EXT_KEY_SHARE,
		EXT_EC_POINT_FORMATS, TLS12_EXT_EXTENDED_MASTER_SECRET,
		TLS12_EXT_SESSION_TICKET, TLS12_EXT_RENEGOTIATION_INFO,
		EXT_LIST_END };
	const struct tlsk_group *hrr_group = e->group;
	struct rd suites, share;
	struct exts x;
	bool retry = false, only_null = false;
	int version;

	if (read_hello_fields(e, body, &suites, &only_null) ||
	    exts_read(e, body, &x, ch_exts, true, "ClientHello"))
		return e->err;
	version = choose_version(e, &x);
	if (version < 0)
		return version;
	if (version == 0x0304 && !only_null)
		return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
			    "TLS 1.3 ClientHello offers compression");
	/* RFC 7507 3: TLS_FALLBACK_SCSV from a client whose highest version
	 * is below ours (as OpenSSL 3.0: below what we would negotiate with
	 * it, were it not falling back) */
	if (version == 0x0303 && tls13_enabled(e->cfg) &&
	    u16_in(suites, TLS_FALLBACK_SCSV))
		return fail(e, ALERT_INAPPROPRIATE_FALLBACK, -EPROTO,
			    "TLS_FALLBACK_SCSV with TLS 1.2, below our "
			    "TLS 1.3");
	if (version == 0x0303 && !(e->shape & SHAPE_HRR))
		return tls12_server_take_client_hello(e, &suites, &x);
	if (version == 0x0303)	/* RFC 8446 4.1.4: after HRR, 1.3 again */
		return fail(e, ALERT_PROTOCOL_VERSION, -EPROTO,
			    "second ClientHello dropped TLS 1.3");
	if (read_hello_extensions(e, &x) || choose_suite(e, &suites) ||
	    choose_group(e, &x, &share, &retry))
		return e->err;
	if (e->shape & SHAPE_HRR) {
		if (retry || e->group != hrr_group)
			return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
				    "second ClientHello without the requested key share");
		e->skip_early_data = false;
	} else if (retry) {
		/* RFC 8446 4.4.1: ClientHello1 becomes message_hash */
		e->shape |= SHAPE_HRR;
		if (tr_collapse_prefix(&e->tr, engine_md(e), e->tr.msgs.len))
			return fail(e, ALERT_INTERNAL_ERROR, -EIO, "transcript");
		return 0;
	}
	if (try_psk(e, &x) || (!e->resumed && choose_credentials(e, &x)) ||
	    accept_share(e, &share))
		return e->err;
	e->shape |= SHAPE_NEGOTIATED;
	if (!e->resumed) {
		e->shape |= SHAPE_FULL;
		if (cfg_verify_mode(e->cfg, e->role) != TLSK_VERIFY_NONE)
			e->shape |= SHAPE_CLIENT_AUTH;
	}
	return 0;
}

/* ---- our first flight ---- */

static void put_ext_u16(struct buf *b, uint16_t type, uint16_t v)
{
	buf_u16(b, type);
	buf_u16(b, 2);
	buf_u16(b, v);
}

static int send_server_hello(struct tlsk_engine *e, const uint8_t *random,
			     bool retry)
{
	struct buf b = { 0 };
	size_t pos, ext, share;
	int ret;

	buf_u16(&b, 0x0303);
	buf_put(&b, random, 32);
	pos = buf_open_vec(&b, 1);
	buf_put(&b, e->session_id, e->session_id_len);
	buf_close_vec(&b, pos, 1);
	buf_u16(&b, e->suite->id);
	buf_u8(&b, 0);
	pos = buf_open_vec(&b, 2);
	put_ext_u16(&b, EXT_SUPPORTED_VERSIONS, 0x0304);
	if (retry) {
		put_ext_u16(&b, EXT_KEY_SHARE, e->group->id);
	} else {
		buf_u16(&b, EXT_KEY_SHARE);
		ext = buf_open_vec(&b, 2);
		buf_u16(&b, e->group->id);
		share = buf_open_vec(&b, 2);
		if (kex_put_share(e->kex_key, &b))
			b.bad = true;
		buf_close_vec(&b, share, 2);
		buf_close_vec(&b, ext, 2);
		if (e->resumed)
			put_ext_u16(&b, EXT_PRE_SHARED_KEY, e->psk_index);
	}
	buf_close_vec(&b, pos, 2);
	ret = send_handshake(e, HS_SERVER_HELLO, &b);
	buf_free(&b);
	/* RFC 8446 D.4: a CCS right after our first handshake message */
	if (!ret && e->session_id_len && !e->ccs_sent)
		ret = send_ccs(e);
	return ret;
}

int server_write_hello_retry_request(struct tlsk_engine *e, struct rd *unused)
{
	(void)unused;
	return send_server_hello(e, hrr_random, true);
}

int server_write_server_hello(struct tlsk_engine *e, struct rd *unused)
{
	uint8_t random[32];
	int ret;

	(void)unused;
	if (RAND_bytes(random, sizeof(random)) != 1)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "no randomness");
	if (send_server_hello(e, random, false) ||
	    flush_handshake(e))
		return e->err;
	EVP_PKEY_free(e->kex_key);
	e->kex_key = NULL;
	ret = derive_handshake_secrets(e, e->dhe, e->dhe_len);
	OPENSSL_cleanse(e->dhe, sizeof(e->dhe));
	if (ret || set_tx_keys(e, e->s_hs) || set_rx_keys(e, e->c_hs))
		return e->err;
	return 0;
}

int server_write_encrypted_extensions(struct tlsk_engine *e,
				      struct rd *unused)
{
	struct buf b = { 0 };
	size_t exts, ext, list, name;
	int ret;

	(void)unused;
	exts = buf_open_vec(&b, 2);
	if (e->alpn[0]) {
		buf_u16(&b, EXT_ALPN);
		ext = buf_open_vec(&b, 2);
		list = buf_open_vec(&b, 2);
		name = buf_open_vec(&b, 1);
		buf_put(&b, e->alpn, strlen(e->alpn));
		buf_close_vec(&b, name, 1);
		buf_close_vec(&b, list, 2);
		buf_close_vec(&b, ext, 2);
	}
	/* RFC 6066 3: acknowledge a server_name we used */
	if (e->server_name[0] && !e->resumed) {
		buf_u16(&b, EXT_SERVER_NAME);
		buf_u16(&b, 0);
	}
	buf_close_vec(&b, exts, 2);
	ret = send_handshake(e, HS_ENCRYPTED_EXTENSIONS, &b);
	buf_free(&b);
	return ret;
}

int server_write_certificate_request(struct tlsk_engine *e, struct rd *unused)
{
	struct buf b = { 0 };
	size_t exts, ext;
	int ret;

	(void)unused;
	buf_u8(&b, 0);		/* empty certificate_request_context */
	exts = buf_open_vec(&b, 2);
	buf_u16(&b, EXT_SIGNATURE_ALGORITHMS);
	ext = buf_open_vec(&b, 2);
	put_sigalgs(&b);
	buf_close_vec(&b, ext, 2);
	buf_close_vec(&b, exts, 2);
	ret = send_handshake(e, HS_CERTIFICATE_REQUEST, &b);
	buf_free(&b);
	/* what a client certificate may sign with */
	e->npeer_sigalgs = 0;
	for (size_t i = 0; tlsk_sigscheme_at(i) && i < MAX_PEER_SIGALGS; i++)
		e->peer_sigalgs[e->npeer_sigalgs++] = tlsk_sigscheme_at(i)->id;
	return ret;
}

int server_write_certificate(struct tlsk_engine *e, struct rd *unused)
{
	(void)unused;
	return write_certificate(e, e->cert);
}

int server_write_certificate_verify(struct tlsk_engine *e, struct rd *unused)
{
	(void)unused;
	return write_certificate_verify(e);
}

int server_write_finished(struct tlsk_engine *e, struct rd *unused)
{
	(void)unused;
	if (write_finished(e) || derive_application_secrets(e))
		return e->err;
	return set_tx_keys(e, e->s_ap);
}

/* ---- the client's second flight ---- */

int server_read_certificate(struct tlsk_engine *e, struct rd *body)
{
	if (read_certificate(e, body))
		return e->err;
	if (!e->peer_leaf) {
		/* RFC 8446 4.4.2.4 */
		if (cfg_verify_mode(e->cfg, e->role) == TLSK_VERIFY_REQUIRE)
			return fail(e, ALERT_CERTIFICATE_REQUIRED, -EACCES,
				    "client sent no certificate");
		e->shape |= SHAPE_NO_CLIENT_CERT;
		return 0;
	}
	return verify_peer_chain(e);
}

int server_read_certificate_verify(struct tlsk_engine *e, struct rd *body)
{
	return read_certificate_verify(e, body);
}

int server_read_finished(struct tlsk_engine *e, struct rd *body)
{
	if (read_finished(e, body) || derive_resumption_master(e) ||
	    set_rx_keys(e, e->c_ap))
		return e->err;
	return server_send_tickets(e);
}

/* ---- NewSessionTicket, RFC 8446 4.6.1 ---- */

static int send_one_ticket(struct tlsk_engine *e)
{
	struct session s = { 0 };
	struct buf b = { 0 };
	uint8_t nonce[4];
	size_t pos;
	int ret;

	/* a distinct nonce per ticket makes a distinct PSK */
	for (int i = 0; i < 4; i++)
		nonce[i] = (uint8_t)(e->ticket_nonce >> (24 - 8 * i));
	e->ticket_nonce++;
	s.version = 0x0304;
	s.suite = e->suite->id;
	s.psk_len = engine_hash_len(e);
	s.lifetime = e->cfg->ticket_lifetime;
	s.issued_ms = cfg_now_ms(e->cfg);
	memcpy(s.alpn, e->alpn, sizeof(s.alpn));
	session_peer_get(e, s.peer, sizeof(s.peer), s.peer_sans,
			 sizeof(s.peer_sans));
	memcpy(s.sni, e->server_name, strnlen(e->server_name, sizeof(s.sni) - 1));
	if (RAND_bytes((uint8_t *)&s.age_add, sizeof(s.age_add)) != 1 ||
	    tlsk_hkdf_expand_label(engine_md(e), e->res_master, "resumption",
				   nonce, sizeof(nonce), s.psk, s.psk_len))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "ticket secret");
	buf_u32(&b, s.lifetime);
	buf_u32(&b, s.age_add);
	pos = buf_open_vec(&b, 1);
	buf_put(&b, nonce, sizeof(nonce));
	buf_close_vec(&b, pos, 1);
	pos = buf_open_vec(&b, 2);
	ret = ticket_seal(e->cfg, &s, &b);
	buf_close_vec(&b, pos, 2);
	buf_u16(&b, 0);		/* no extensions: no early_data */
	session_clear(&s);
	if (ret)
		ret = fail(e, ALERT_INTERNAL_ERROR, ret, "cannot seal ticket");
	else
		ret = send_post_handshake(e, HS_NEW_SESSION_TICKET, &b);
	buf_free(&b);
	return ret;
}

int server_send_tickets(struct tlsk_engine *e)
{
	for (unsigned i = 0; i < e->cfg->ticket_count; i++)
		if (send_one_ticket(e))
			return e->err;
	return 0;
}
