// SPDX-License-Identifier: MIT
/*
 * Resumption stays where it was granted (tlsk_config_set_session_context):
 * a session made under one server config, offered to another that shares
 * its ticket keys (or its TLS 1.2 session store), resumes only when both
 * have the same session context and client-authentication policy (verify
 * mode, trust anchors); otherwise the handshake goes full, without an
 * alert. A resumed handshake reports the client identity of the full one.
 * Each case runs for TLS 1.3 tickets, TLS 1.2 tickets (RFC 5077) and TLS
 * 1.2 session IDs, engine against engine.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../tests/tap.h"
#include "engine_int.h"
#include "harness.h"
#include "keysched.h"
#include "testpki.h"

static struct testpki pki;

/* ---- what every server config shares: ticket keys, a session store ---- */

static const uint8_t key_name[16] = "shared-key-name";

static int shared_current(void *arg, uint8_t name[16], uint8_t key[32])
{
	(void)arg;
	memcpy(name, key_name, 16);
	memset(key, 0x42, 32);
	return 0;
}

static int shared_lookup(void *arg, const uint8_t name[16], uint8_t key[32])
{
	(void)arg;
	if (memcmp(name, key_name, 16) != 0)
		return -ENOENT;
	memset(key, 0x42, 32);
	return 0;
}

/* a one-session store, as a daemon's store outlives its configs */
static struct {
	uint8_t id[32], blob[TLSK_SESSION_BLOB_MAX];
	size_t id_len, len;
} stored;

static int store_put(void *arg, const uint8_t *id, size_t id_len,
		     const uint8_t *blob, size_t len)
{
	(void)arg;
	if (id_len > sizeof(stored.id) || len > sizeof(stored.blob))
		return -EINVAL;
	memcpy(stored.id, id, id_len);
	memcpy(stored.blob, blob, len);
	stored.id_len = id_len;
	stored.len = len;
	return 0;
}

static int store_get(void *arg, const uint8_t *id, size_t id_len,
		     uint8_t *buf, size_t *len)
{
	(void)arg;
	if (id_len != stored.id_len || memcmp(id, stored.id, id_len) != 0)
		return -ENOENT;
	if (*len < stored.len)
		return -ENOSPC;
	memcpy(buf, stored.blob, stored.len);
	*len = stored.len;
	return 0;
}

static int store_drop(void *arg, const uint8_t *id, size_t id_len)
{
	(void)arg;
	(void)id;
	(void)id_len;
	stored.id_len = 0;
	return 0;
}

/* ---- the three ways to resume ---- */

enum mode { TLS13_TICKET, TLS12_TICKET, TLS12_SESSION_ID };

static const char *const mode_names[] = { "TLS 1.3 ticket", "TLS 1.2 ticket",
					  "TLS 1.2 session ID" };

/* A server policy: its session context, verify mode and CA files. */
struct policy {
	const char *context;
	enum tlsk_verify verify;
	const char *ca[2];
};

static struct tlsk_config *server_config(enum mode m, const struct policy *p)
{
	struct tlsk_config *cfg = tlsk_config_new();
	struct tlsk_ticket_keys keys = { shared_current, shared_lookup, NULL };
	struct tlsk_session_store ss = { store_put, store_get, store_drop,
					 NULL };

	CHECK(!tlsk_config_add_cert(cfg, testpki_path(&pki, "ec256.chain"),
				    testpki_path(&pki, "ec256.key")));
	CHECK(!tlsk_config_set_ticket_keys(cfg, &keys));
	if (m == TLS12_SESSION_ID) {
		CHECK(!tlsk_config_set_tickets(cfg, 0, 7200));
		CHECK(!tlsk_config_set_session_store(cfg, &ss, 7200));
	}
	if (p->context)
		CHECK(!tlsk_config_set_session_context(cfg, p->context));
	for (int i = 0; i < 2 && p->ca[i]; i++)
		CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki,
								   p->ca[i])));
	CHECK(!tlsk_config_set_verify(cfg, p->verify));
	return cfg;
}

static struct tlsk_config *client_config(enum mode m, bool with_cert)
{
	struct tlsk_config *cfg = tlsk_config_new();

	CHECK(!tlsk_config_load_ca_file(cfg, testpki_path(&pki, "root.crt")));
	CHECK(!tlsk_config_set_verify(cfg, TLSK_VERIFY_REQUIRE));
	if (m != TLS13_TICKET)
		CHECK(!tlsk_config_set_versions(cfg, 0x0303, 0x0303));
	if (with_cert)
		CHECK(!tlsk_config_add_cert(cfg,
					    testpki_path(&pki, "client.chain"),
					    testpki_path(&pki, "client.key")));
	return cfg;
}

/* The server name the client sends (and checks, unless told not to). */
static const char *client_sni = "localhost";

/* What the server made of one handshake. */
struct outcome {
	bool established, resumed;
	char peer[256], sans[256];
};

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

/*
 * One handshake of a client (ccfg) with a server (scfg), offering the
 * session in blob (*len > 0) and saving the session it ends with there.
 */
static struct outcome handshake(struct tlsk_config *ccfg,
				struct tlsk_config *scfg, enum mode m,
				uint8_t *blob, size_t *len, size_t cap)
{
	struct tlsk_engine *c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);
	struct tlsk_engine *s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	struct buf c2s = { 0 }, s2c = { 0 };
	struct tlsk_session_info info;
	struct outcome o = { 0 };

	CHECK(!tlsk_engine_set_server_name(c, client_sni));
	if (*len)
		CHECK(!tlsk_engine_set_session(c, blob, *len));
	run_pair(c, s, &c2s, &s2c, 0);
	report(s, "server");
	o.established = tlsk_engine_state(s) == TLSK_STATE_ESTABLISHED &&
			tlsk_engine_state(c) == TLSK_STATE_ESTABLISHED;
	if (o.established && !tlsk_engine_info(s, &info)) {
		o.resumed = info.resumed;
		snprintf(o.peer, sizeof(o.peer), "%s",
			 info.peer ? info.peer : "");
		CHECK(tlsk_engine_peer_sans(s, o.sans, sizeof(o.sans)) >= 0);
		if (m == TLS13_TICKET)
			CHECK(read_post_handshake(c, &s2c) == 1);
		*len = cap;
		CHECK(!tlsk_engine_get_session(c, blob, len));
	}
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	buf_free(&c2s);
	buf_free(&s2c);
	return o;
}

/*
 * A session from a server with policy a, offered to one with policy b
 * (the client showing a certificate when client_cert): does b resume it?
 * Also what the first and the second handshake reported.
 */
static void across(enum mode m, const struct policy *a,
		   const struct policy *b, bool client_cert,
		   struct outcome *first, struct outcome *second)
{
	struct tlsk_config *ccfg = client_config(m, client_cert);
	struct tlsk_config *sa = server_config(m, a);
	struct tlsk_config *sb = server_config(m, b);
	uint8_t blob[4096];
	size_t len = 0;

	stored.id_len = 0;
	*first = handshake(ccfg, sa, m, blob, &len, sizeof(blob));
	CHECK(first->established && !first->resumed);
	*second = handshake(ccfg, sb, m, blob, &len, sizeof(blob));
	tlsk_config_free(ccfg);
	tlsk_config_free(sa);
	tlsk_config_free(sb);
}

static void diag_mode(enum mode m, const struct outcome *o)
{
	if (tap_case_failed)
		printf("# %s: established=%d resumed=%d peer='%s' sans='%s'\n",
		       mode_names[m], o->established, o->resumed, o->peer,
		       o->sans);
}

static const struct policy web = { "web", TLSK_VERIFY_NONE, { NULL } };
static const struct policy mtls = { "mtls", TLSK_VERIFY_REQUIRE,
				    { "root.crt" } };

/* the control: the same profile resumes */
static void same_profile_resumes(void)
{
	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct outcome o1, o2;

		across(m, &web, &web, false, &o1, &o2);
		CHECK(o2.established && o2.resumed && !o2.peer[0]);
		diag_mode(m, &o2);
	}
}

/* the issue: a session of a profile without client auth, offered to one
 * that requires it by a client without a certificate, is not resumed:
 * the full handshake then fails for want of the certificate */
static void no_client_auth_session_on_mtls_profile_is_refused(void)
{
	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct outcome o1, o2;

		across(m, &web, &mtls, false, &o1, &o2);
		CHECK(!o2.established && !o2.resumed);
		diag_mode(m, &o2);
	}
}

/* another profile name, same policy: a full handshake */
static void other_context_goes_full(void)
{
	static const struct policy web2 = { "web2", TLSK_VERIFY_NONE,
					    { NULL } };

	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct outcome o1, o2;

		across(m, &web, &web2, false, &o1, &o2);
		CHECK(o2.established && !o2.resumed);
		diag_mode(m, &o2);
	}
}

/* a reload that turns client auth on in the same profile: a full
 * handshake, which asks for (and here gets) the certificate */
static void tightened_client_auth_goes_full(void)
{
	static const struct policy open = { "svc", TLSK_VERIFY_NONE,
					    { "root.crt" } };
	static const struct policy tight = { "svc", TLSK_VERIFY_REQUIRE,
					     { "root.crt" } };
	static const struct policy optional = { "svc", TLSK_VERIFY_OPTIONAL,
						{ "root.crt" } };

	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct outcome o1, o2;

		across(m, &open, &tight, true, &o1, &o2);
		CHECK(o2.established && !o2.resumed &&
		      strstr(o2.peer, "client"));
		diag_mode(m, &o2);
		/* optional, no certificate shown, then required */
		across(m, &optional, &tight, false, &o1, &o2);
		CHECK(o1.established && !o1.peer[0]);
		CHECK(!o2.established && !o2.resumed);
		diag_mode(m, &o2);
	}
}

/* a reload that changes the trust anchors: a full handshake */
static void changed_ca_goes_full(void)
{
	static const struct policy more = { "mtls", TLSK_VERIFY_REQUIRE,
					    { "root.crt", "ec256.chain" } };

	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct outcome o1, o2;

		across(m, &mtls, &more, true, &o1, &o2);
		CHECK(o2.established && !o2.resumed &&
		      strstr(o2.peer, "client"));
		diag_mode(m, &o2);
	}
}

/* the same anchors loaded in another order are the same policy */
static void ca_order_does_not_matter(void)
{
	static const struct policy ab = { "mtls", TLSK_VERIFY_REQUIRE,
					  { "root.crt", "ec256.chain" } };
	static const struct policy ba = { "mtls", TLSK_VERIFY_REQUIRE,
					  { "ec256.chain", "root.crt" } };

	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct outcome o1, o2;

		across(m, &ab, &ba, true, &o1, &o2);
		CHECK(o2.established && o2.resumed);
		diag_mode(m, &o2);
	}
}

/* with client auth, a resumed handshake reports the client's subject and
 * SANs as the full one did, and so does the next one resumed from the
 * session the resumed handshake issued */
static void resumed_client_identity_is_reported(void)
{
	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct tlsk_config *ccfg = client_config(m, true);
		struct tlsk_config *scfg = server_config(m, &mtls);
		struct outcome full, again[2];
		uint8_t blob[4096];
		size_t len = 0;

		stored.id_len = 0;
		full = handshake(ccfg, scfg, m, blob, &len, sizeof(blob));
		CHECK(full.established && !full.resumed &&
		      strstr(full.peer, "client") &&
		      strstr(full.sans, "URI:spiffe://client.test/svc"));
		for (int i = 0; i < 2; i++) {
			again[i] = handshake(ccfg, scfg, m, blob, &len,
					     sizeof(blob));
			CHECK(again[i].established && again[i].resumed);
			CHECK(!strcmp(again[i].peer, full.peer));
			CHECK(!strcmp(again[i].sans, full.sans));
			diag_mode(m, &again[i]);
		}
		tlsk_config_free(ccfg);
		tlsk_config_free(scfg);
	}
}

/* the resumed SANs come back as whole entries, like a certificate's */
static void resumed_sans_whole_entries(void)
{
	struct tlsk_config *ccfg = client_config(TLS13_TICKET, true);
	struct tlsk_config *scfg = server_config(TLS13_TICKET, &mtls);
	struct tlsk_engine *c, *s;
	struct buf c2s = { 0 }, s2c = { 0 };
	uint8_t blob[4096];
	size_t len = 0;
	char tiny[40];

	handshake(ccfg, scfg, TLS13_TICKET, blob, &len, sizeof(blob));
	c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);
	s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	CHECK(!tlsk_engine_set_server_name(c, "localhost"));
	CHECK(!tlsk_engine_set_session(c, blob, len));
	run_pair(c, s, &c2s, &s2c, 0);
	CHECK(tlsk_engine_state(s) == TLSK_STATE_ESTABLISHED);
	CHECK(tlsk_engine_peer_sans(s, tiny, sizeof(tiny)) == -ENOSPC);
	CHECK(!strcmp(tiny, "DNS:client.test,IP:192.0.2.7"));
	CHECK(tlsk_engine_peer_sans(s, tiny, 0) == -EINVAL);
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	buf_free(&c2s);
	buf_free(&s2c);
	tlsk_config_free(ccfg);
	tlsk_config_free(scfg);
}

/* ---- tickets of the first format (no magic, binding or SANs) ---- */

/* AES-256-GCM under the shared key, with the key name as AAD (ticket.c) */
static bool gcm(int enc, const uint8_t *aad, const uint8_t *nonce,
		const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t key[32];
	int n, ok;

	memset(key, 0x42, sizeof(key));
	ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key,
				      nonce, enc) &&
	     EVP_CipherUpdate(ctx, NULL, &n, aad, 16) &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag)) &&
	     EVP_CipherFinal_ex(ctx, out + n, &n) &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag));
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/*
 * The session blob with its ticket's plaintext cut: `head` bytes off the
 * front, `tail` off the end, sealed again. The ticket is the blob's last
 * field (ticket.c: magic, the state, then ticket<0..2^16-1>). Returns the
 * new blob's length, 0 on failure.
 */
static size_t cut_ticket(const uint8_t *blob, size_t len, size_t head,
			 size_t tail, uint8_t *out)
{
	uint8_t plain[2048], tag[16];
	struct rd r, v, t;
	const uint8_t *p;
	size_t off, n;

	rd_init(&r, blob, len);
	rd_bytes(&r, 4 + 2 + 8 + 4 + 4);	/* magic .. lifetime */
	rd_vec(&r, 1, 0, 255, &v);		/* psk */
	rd_vec(&r, 1, 0, 255, &v);		/* alpn */
	rd_bytes(&r, 2 + 1);			/* version, ems */
	rd_vec(&r, 1, 0, 32, &v);		/* id */
	rd_vec(&r, 2, 0, 0xffff, &v);		/* peer */
	off = len - rd_left(&r);
	if (!rd_vec(&r, 2, 45, 0xffff, &t) || !rd_done(&r))
		return 0;
	p = rd_ptr(&t);
	n = rd_left(&t) - 44;			/* name, nonce, tag */
	if (n > sizeof(plain) || head + tail > n ||
	    !gcm(0, p, p + 16, p + 28, n, plain, (uint8_t *)p + 28 + n))
		return 0;
	memcpy(out, blob, off + 2 + 28);	/* up to the ciphertext */
	n -= head + tail;
	if (!gcm(1, p, p + 16, plain + head, n, out + off + 2 + 28, tag))
		return 0;
	memcpy(out + off + 2 + 28 + n, tag, 16);
	out[off] = (uint8_t)((n + 44) >> 8);
	out[off + 1] = (uint8_t)(n + 44);
	return off + 2 + n + 44;
}

/* a ticket whose plaintext has the first format (the state alone) is a
 * miss; the same ticket sealed again unchanged still resumes */
static void first_format_ticket_goes_full(void)
{
	for (enum mode m = TLS13_TICKET; m <= TLS12_TICKET; m++) {
		struct tlsk_config *ccfg = client_config(m, false);
		struct tlsk_config *scfg = server_config(m, &web);
		uint8_t blob[4096], cut[4096];
		size_t len = 0, n;
		struct outcome o;

		o = handshake(ccfg, scfg, m, blob, &len, sizeof(blob));
		CHECK(o.established && !o.resumed);
		n = cut_ticket(blob, len, 0, 0, cut);
		CHECK(n == len);
		o = handshake(ccfg, scfg, m, cut, &n, sizeof(cut));
		CHECK(o.established && o.resumed);
		diag_mode(m, &o);
		/* magic and binding off the front, the empty SANs off the end */
		n = cut_ticket(blob, len, 4 + 32, 2, cut);
		CHECK(n == len - 38);
		o = handshake(ccfg, scfg, m, cut, &n, sizeof(cut));
		CHECK(o.established && !o.resumed);
		diag_mode(m, &o);
		tlsk_config_free(ccfg);
		tlsk_config_free(scfg);
	}
}

/*
 * RFC 6066 3: a session is not resumed under another server name than the
 * one it was made under (on a server picking certificates by name, that
 * would be another virtual host). The client checks no name here, so that
 * the full handshake under the other name succeeds.
 */
static void other_server_name_goes_full(void)
{
	for (enum mode m = TLS13_TICKET; m <= TLS12_SESSION_ID; m++) {
		struct tlsk_config *ccfg = client_config(m, false);
		struct tlsk_config *scfg = server_config(m, &web);
		uint8_t blob[4096];
		size_t len = 0;
		struct outcome o;

		CHECK(!tlsk_config_set_verify_name(ccfg, 0));
		stored.id_len = 0;
		client_sni = "a.example";
		o = handshake(ccfg, scfg, m, blob, &len, sizeof(blob));
		CHECK(o.established && !o.resumed);
		client_sni = "b.example";
		o = handshake(ccfg, scfg, m, blob, &len, sizeof(blob));
		CHECK(o.established && !o.resumed);
		diag_mode(m, &o);
		/* the control: the name it was made under, any case */
		client_sni = "B.Example";
		o = handshake(ccfg, scfg, m, blob, &len, sizeof(blob));
		CHECK(o.established && o.resumed);
		diag_mode(m, &o);
		client_sni = "localhost";
		tlsk_config_free(ccfg);
		tlsk_config_free(scfg);
	}
}

static void context_too_long_is_refused(void)
{
	struct tlsk_config *cfg = tlsk_config_new();
	char name[300];

	memset(name, 'p', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(tlsk_config_set_session_context(cfg, name) == -EINVAL);
	name[255] = '\0';
	CHECK(!tlsk_config_set_session_context(cfg, name));
	CHECK(!tlsk_config_set_session_context(cfg, NULL));
	tlsk_config_free(cfg);
}

/* RFC 7748 6.1: Alice's X25519 public key */
static const uint8_t alice_x25519[32] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d,
	0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38,
	0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};

static void ext_u16s(struct buf *b, uint16_t type, size_t lenbytes,
		     const uint16_t *v, size_t n)
{
	size_t ext, list;

	buf_u16(b, type);
	ext = buf_open_vec(b, 2);
	list = buf_open_vec(b, lenbytes);
	for (size_t i = 0; i < n; i++)
		buf_u16(b, v[i]);
	buf_close_vec(b, list, lenbytes);
	buf_close_vec(b, ext, 2);
}

/*
 * A TLS 1.3 ClientHello message (type and length included) offering
 * `before` identities that are no ticket of the server's, then the
 * session's ticket with its binder; psk_key_exchange_modes is `modes`
 * (`nmodes` bytes, the length prefix included).
 */
static void hello_with_identities(const struct session *sess, int before,
				  const uint8_t *modes, size_t nmodes,
				  struct buf *msg)
{
	static const uint16_t v13[] = { 0x0304 }, groups[] = { 0x001d };
	static const uint16_t sigalgs[] = { 0x0403 };
	const EVP_MD *md = EVP_sha256();
	uint8_t early[EVP_MAX_MD_SIZE], key[EVP_MAX_MD_SIZE];
	uint8_t empty[EVP_MAX_MD_SIZE], th[EVP_MAX_MD_SIZE];
	size_t body, exts, ext, vec, binders;

	buf_u8(msg, 1);
	body = buf_open_vec(msg, 3);
	buf_u16(msg, 0x0303);
	for (int i = 0; i < 32; i++)
		buf_u8(msg, (uint8_t)(i * 5));
	buf_u8(msg, 0);				/* session ID */
	buf_u16(msg, 2);
	buf_u16(msg, 0x1301);
	buf_u8(msg, 1);
	buf_u8(msg, 0);				/* null compression */
	exts = buf_open_vec(msg, 2);
	buf_u16(msg, 0);			/* server_name: localhost */
	ext = buf_open_vec(msg, 2);
	vec = buf_open_vec(msg, 2);
	buf_u8(msg, 0);
	buf_u16(msg, 9);
	buf_put(msg, "localhost", 9);
	buf_close_vec(msg, vec, 2);
	buf_close_vec(msg, ext, 2);
	ext_u16s(msg, 43, 1, v13, 1);
	ext_u16s(msg, 10, 2, groups, 1);
	ext_u16s(msg, 13, 2, sigalgs, 1);
	buf_u16(msg, 51);			/* key_share */
	ext = buf_open_vec(msg, 2);
	vec = buf_open_vec(msg, 2);
	buf_u16(msg, 0x001d);
	buf_u16(msg, sizeof(alice_x25519));
	buf_put(msg, alice_x25519, sizeof(alice_x25519));
	buf_close_vec(msg, vec, 2);
	buf_close_vec(msg, ext, 2);
	buf_u16(msg, 45);			/* psk_key_exchange_modes */
	buf_u16(msg, (uint16_t)nmodes);
	buf_put(msg, modes, nmodes);
	buf_u16(msg, 41);			/* pre_shared_key, last */
	ext = buf_open_vec(msg, 2);
	vec = buf_open_vec(msg, 2);
	for (int i = 0; i < before; i++) {
		buf_u16(msg, 48);
		for (int k = 0; k < 48; k++)
			buf_u8(msg, (uint8_t)(0xe0 + i));
		buf_u32(msg, 0);
	}
	buf_u16(msg, (uint16_t)sess->ticket_len);
	buf_put(msg, sess->ticket, sess->ticket_len);
	buf_u32(msg, sess->age_add);
	buf_close_vec(msg, vec, 2);
	binders = buf_open_vec(msg, 2);
	for (int i = 0; i <= before; i++) {
		buf_u8(msg, 32);
		buf_append(msg, 32);
	}
	buf_close_vec(msg, binders, 2);
	buf_close_vec(msg, ext, 2);
	buf_close_vec(msg, exts, 2);
	buf_close_vec(msg, body, 3);
	/* RFC 8446 4.2.11.2: the ticket's binder, the last one, over the
	 * message up to the binders */
	CHECK(EVP_Digest("", 0, empty, NULL, md, NULL));
	CHECK(!tlsk_early_secret(md, sess->psk, sess->psk_len, early));
	CHECK(!tlsk_derive_secret(md, early, "res binder", empty, key));
	CHECK(EVP_Digest(msg->p, binders, th, NULL, md, NULL));
	CHECK(!tlsk_finished_mac(md, key, th, msg->p + msg->len - 32));
	OPENSSL_cleanse(early, sizeof(early));
	OPENSSL_cleanse(key, sizeof(key));
}

/* the server's answer to one ClientHello message: the identity its
 * ServerHello selected (-1: none, a full handshake), or its alert */
static int selected_identity(struct tlsk_config *scfg, const struct buf *msg,
			     uint8_t *alert)
{
	struct tlsk_engine *s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	struct buf in = { 0 };
	const uint8_t *out;
	const char *why = "";
	struct rd r, exts;
	int chosen = -1;
	size_t n;

	buf_u8(&in, 22);
	buf_u16(&in, 0x0301);
	buf_u16(&in, (uint16_t)msg->len);
	buf_put(&in, msg->p, msg->len);
	while (feed_input(s, &in, 0))
		;
	*alert = 0;
	if (tlsk_engine_state(s) == TLSK_STATE_FAILED) {
		tlsk_engine_error(s, alert, NULL, &why);
		printf("# server: alert %u (%s)\n", *alert, why);
	}
	out = tlsk_engine_output(s, &n);
	if (!*alert && n > 9 && out[0] == 22 && out[5] == 2) {
		rd_init(&r, out + 9, n - 9);
		rd_u16(&r);
		rd_bytes(&r, 32);
		rd_bytes(&r, rd_u8(&r));
		rd_bytes(&r, 3);		/* suite, compression */
		CHECK(rd_vec(&r, 2, 0, 0xffff, &exts));
		while (rd_left(&exts)) {
			uint16_t type = rd_u16(&exts);
			struct rd data;

			CHECK(rd_vec(&exts, 2, 0, 0xffff, &data));
			if (type == 41)
				chosen = rd_u16(&data);
		}
	}
	tlsk_engine_free(s);
	buf_free(&in);
	return chosen;
}

/*
 * RFC 8446 4.2.11: the server picks an identity it can use, whichever its
 * place: a client that keeps several tickets lists the older ones too.
 * A malformed psk_key_exchange_modes gets decode_error.
 */
static void later_identity_resumes(void)
{
	static const uint8_t dhe[] = { 1, 1 }, ke_only[] = { 1, 0 };
	static const uint8_t cut[] = { 2, 1 };
	struct tlsk_config *ccfg = client_config(TLS13_TICKET, false);
	struct tlsk_config *scfg = server_config(TLS13_TICKET, &web);
	struct session sess = { 0 };
	uint8_t blob[4096], alert;
	size_t len = 0;
	struct buf msg = { 0 };

	handshake(ccfg, scfg, TLS13_TICKET, blob, &len, sizeof(blob));
	CHECK(len && !session_decode(blob, len, &sess));
	for (int before = 0; before <= 3; before++) {
		buf_reset(&msg);
		hello_with_identities(&sess, before, dhe, sizeof(dhe), &msg);
		CHECK(selected_identity(scfg, &msg, &alert) == before);
		CHECK(!alert);
		if (tap_case_failed)
			printf("# %d identities before the ticket\n", before);
	}
	/* psk_ke alone: no identity can be used (we do psk_dhe_ke only) */
	buf_reset(&msg);
	hello_with_identities(&sess, 1, ke_only, sizeof(ke_only), &msg);
	CHECK(selected_identity(scfg, &msg, &alert) == -1 && !alert);
	buf_reset(&msg);
	hello_with_identities(&sess, 1, cut, sizeof(cut), &msg);
	CHECK(selected_identity(scfg, &msg, &alert) == -1);
	CHECK(alert == ALERT_DECODE_ERROR);
	buf_free(&msg);
	session_clear(&sess);
	tlsk_config_free(ccfg);
	tlsk_config_free(scfg);
}

int main(void)
{
	if (testpki_make(&pki)) {
		printf("Bail out! cannot make test PKI\n");
		return 1;
	}
	RUN(same_profile_resumes);
	RUN(no_client_auth_session_on_mtls_profile_is_refused);
	RUN(other_context_goes_full);
	RUN(tightened_client_auth_goes_full);
	RUN(changed_ca_goes_full);
	RUN(ca_order_does_not_matter);
	RUN(resumed_client_identity_is_reported);
	RUN(resumed_sans_whole_entries);
	RUN(first_format_ticket_goes_full);
	RUN(context_too_long_is_refused);
	RUN(other_server_name_goes_full);
	RUN(later_identity_resumes);
	testpki_remove(&pki);
	return tap_done();
}
