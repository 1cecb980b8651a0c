// SPDX-License-Identifier: MIT
/*
 * Session state on the wire: stateless tickets (server) and the session
 * blob a client stores.
 *
 * Ticket: key_name(16) | nonce(12) | AES-256-GCM(plaintext) | tag(16),
 * with key_name as additional data, so a ticket opens only under the key
 * it names and any change to it is detected. The key comes from the
 * config's pluggable source (tlsk_config_set_ticket_keys). The plaintext:
 *
 *	magic "TKT3"(4) | binding(32) | state | SANs<0..2^16-1> |
 *	server_name<0..255>
 *
 * binding is the issuing config's (cfg_update_binding: its session
 * context, verify mode and trust anchors); state is what a client's
 * session blob holds too, with the client certificate's subject; the SANs
 * are its subjectAltName list; server_name the SNI of the handshake that
 * made the session, which a resumption must repeat (RFC 6066 3). A
 * ticket of another format (the first one had no magic, "TKT2" no server
 * name) does not parse, and one bound elsewhere does not pass
 * session_binding_ok: both are misses, so a full handshake.
 */
#include "engine_int.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "algs.h"

#define TICKET_NAME_LEN 16
#define TICKET_NONCE_LEN 12
#define TICKET_OVERHEAD (TICKET_NAME_LEN + TICKET_NONCE_LEN + 16)
#define SESSION_MAGIC 0x544b5332	/* "TKS2": with version, EMS, ID, peer */
#define TICKET_MAGIC 0x544b5433		/* "TKT3": binding, SANs, SNI */

/* the fields both encodings share */
static void put_state(struct buf *b, const struct session *s)
{
	size_t pos;

	buf_u16(b, s->suite);
	buf_u64(b, s->issued_ms);
	buf_u32(b, s->age_add);
	buf_u32(b, s->lifetime);
	pos = buf_open_vec(b, 1);
	buf_put(b, s->psk, s->psk_len);
	buf_close_vec(b, pos, 1);
	pos = buf_open_vec(b, 1);
	buf_put(b, s->alpn, strnlen((const char *)s->alpn, 255));
	buf_close_vec(b, pos, 1);
	buf_u16(b, s->version);
	buf_u8(b, s->ems);
	pos = buf_open_vec(b, 1);
	buf_put(b, s->id, s->id_len);
	buf_close_vec(b, pos, 1);
	pos = buf_open_vec(b, 2);
	buf_put(b, s->peer, strnlen(s->peer, sizeof(s->peer) - 1));
	buf_close_vec(b, pos, 2);
}

static bool suite_known(uint16_t version, uint16_t suite)
{
	if (version == 0x0304)
		return tlsk_suite_by_id(suite) != NULL;
	return version == 0x0303 && tls12_suite_by_id(suite) != NULL;
}

static int get_state(struct rd *r, struct session *s)
{
	struct rd psk, alpn, id, peer;
	uint64_t hi;

	s->suite = rd_u16(r);
	hi = rd_u32(r);
	s->issued_ms = hi << 32 | rd_u32(r);
	s->age_add = rd_u32(r);
	s->lifetime = rd_u32(r);
	if (!rd_vec(r, 1, 32, TLSK_MAX_HASH_LEN, &psk) ||
	    !rd_vec(r, 1, 0, 255, &alpn))
		return -EINVAL;
	s->version = rd_u16(r);
	s->ems = rd_u8(r) == 1;
	if (!rd_vec(r, 1, 0, 32, &id) ||
	    !rd_vec(r, 2, 0, sizeof(s->peer) - 1, &peer) ||
	    !suite_known(s->version, s->suite))
		return -EINVAL;
	memcpy(s->peer, rd_ptr(&peer), rd_left(&peer));
	s->peer[rd_left(&peer)] = 0;
	s->id_len = rd_left(&id);
	memcpy(s->id, rd_ptr(&id), s->id_len);
	s->psk_len = rd_left(&psk);
	memcpy(s->psk, rd_ptr(&psk), s->psk_len);
	memcpy(s->alpn, rd_ptr(&alpn), rd_left(&alpn));
	s->alpn[rd_left(&alpn)] = 0;
	return 0;
}

static int gcm(int enc, const uint8_t *key, const uint8_t *nonce,
	       const uint8_t *aad, const uint8_t *in, size_t len, uint8_t *out,
	       uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = ctx && EVP_CipherInit_ex(ctx, tlsk_aes_256_gcm(), NULL, key, nonce,
				      enc) &&
	     EVP_CipherUpdate(ctx, NULL, &n, aad, TICKET_NAME_LEN) &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag)) &&
	     EVP_CipherFinal_ex(ctx, out + n, &n) &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag));
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}

bool session_binding_ok(const struct tlsk_config *cfg, const uint8_t *binding,
			const char *peer)
{
	if (CRYPTO_memcmp(binding, cfg->binding, CFG_BINDING_LEN))
		return false;
	/* Equal bindings mean equal verify modes; this holds whatever the
	 * binding says: a session without a client certificate never
	 * stands in for one. */
	return peer[0] ||
	       cfg_verify_mode(cfg, TLSK_ROLE_SERVER) != TLSK_VERIFY_REQUIRE;
}

int ticket_seal(const struct tlsk_config *cfg, const struct session *s,
		struct buf *out)
{
	uint8_t name[TICKET_NAME_LEN], key[32], nonce[TICKET_NONCE_LEN];
	struct buf state = { 0 };
	size_t start = out->len, pos;
	uint8_t *p;
	int ret = -EIO;

	buf_u32(&state, TICKET_MAGIC);
	buf_put(&state, cfg->binding, CFG_BINDING_LEN);
	put_state(&state, s);
	pos = buf_open_vec(&state, 2);
	buf_put(&state, s->peer_sans,
		strnlen(s->peer_sans, sizeof(s->peer_sans) - 1));
	buf_close_vec(&state, pos, 2);
	pos = buf_open_vec(&state, 1);
	buf_put(&state, s->sni, strnlen(s->sni, sizeof(s->sni) - 1));
	buf_close_vec(&state, pos, 1);
	if (!state.bad && !cfg->ticket_keys.current(cfg->ticket_keys.arg,
						     name, key) &&
	    RAND_bytes(nonce, sizeof(nonce)) == 1) {
		buf_put(out, name, sizeof(name));
		buf_put(out, nonce, sizeof(nonce));
		buf_put(out, state.p, state.len + 16);	/* room for the tag */
		if (!out->bad) {
			p = out->p + start + TICKET_NAME_LEN + TICKET_NONCE_LEN;
			ret = gcm(1, key, nonce, name, p, state.len, p,
				  p + state.len);
		}
	}
	OPENSSL_cleanse(key, sizeof(key));
	buf_free(&state);
	return ret;
}

/* the plaintext of a ticket (above) into s; false unless it is whole, of
 * this format and bound to cfg */
static bool get_ticket(const struct tlsk_config *cfg, struct rd *r,
		       struct session *s)
{
	const uint8_t *binding;
	struct rd sans, sni;

	if (rd_u32(r) != TICKET_MAGIC)
		return false;
	binding = rd_bytes(r, CFG_BINDING_LEN);
	if (!binding || get_state(r, s) ||
	    !rd_vec(r, 2, 0, sizeof(s->peer_sans) - 1, &sans) ||
	    !rd_vec(r, 1, 0, sizeof(s->sni) - 1, &sni) || !rd_done(r))
		return false;
	memcpy(s->peer_sans, rd_ptr(&sans), rd_left(&sans));
	s->peer_sans[rd_left(&sans)] = 0;
	memcpy(s->sni, rd_ptr(&sni), rd_left(&sni));
	s->sni[rd_left(&sni)] = 0;
	return session_binding_ok(cfg, binding, s->peer);
}

int ticket_open(const struct tlsk_config *cfg, const uint8_t *t, size_t len,
		struct session *s)
{
	uint8_t key[32], *plain;
	size_t n;
	struct rd r;
	int ret = -ENOENT;

	if (len <= TICKET_OVERHEAD)
		return -ENOENT;
	n = len - TICKET_OVERHEAD;
	plain = OPENSSL_malloc(n);
	if (!plain)
		return -ENOMEM;
	if (!cfg->ticket_keys.lookup(cfg->ticket_keys.arg, t, key) &&
	    !gcm(0, key, t + TICKET_NAME_LEN, t,
		 t + TICKET_NAME_LEN + TICKET_NONCE_LEN, n, plain,
		 (uint8_t *)t + len - 16)) {
		rd_init(&r, plain, n);
		if (get_ticket(cfg, &r, s))
			ret = 0;
		else
			session_clear(s);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_clear_free(plain, n);
	return ret;
}

int session_encode(const struct session *s, struct buf *out)
{
	size_t pos;

	buf_u32(out, SESSION_MAGIC);
	put_state(out, s);
	pos = buf_open_vec(out, 2);
	buf_put(out, s->ticket, s->ticket_len);
	buf_close_vec(out, pos, 2);
	return out->bad ? -ENOMEM : 0;
}

int session_decode(const uint8_t *p, size_t len, struct session *s)
{
	struct rd r, ticket;

	rd_init(&r, p, len);
	if (rd_u32(&r) != SESSION_MAGIC || get_state(&r, s) ||
	    !rd_vec(&r, 2, 0, 0xffff, &ticket) || !rd_done(&r)) {
		session_clear(s);
		return -EINVAL;
	}
	/* a TLS 1.2 session resumed by ID has no ticket */
	if (!rd_left(&ticket)) {
		if (s->version == 0x0303 && s->id_len)
			return 0;
		session_clear(s);
		return -EINVAL;
	}
	s->ticket = OPENSSL_memdup(rd_ptr(&ticket), rd_left(&ticket));
	if (!s->ticket) {
		session_clear(s);
		return -ENOMEM;
	}
	s->ticket_len = rd_left(&ticket);
	return 0;
}
