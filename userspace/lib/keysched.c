// SPDX-License-Identifier: MIT
#include "keysched.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "algs.h"
#include "tlsk/engine.h"

int tlsk_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len,
		      const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
	uint8_t zeros[TLSK_MAX_HASH_LEN] = { 0 };
	size_t hlen = (size_t)EVP_MD_get_size(md);

	/* RFC 5869: an absent salt is HashLen zeros */
	if (!salt || !salt_len) {
		salt = zeros;
		salt_len = hlen;
	}
	return tlsk_hkdf_extract_raw(md, salt, salt_len, ikm, ikm_len, prk);
}

int tlsk_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret,
			   const char *label, const uint8_t *context,
			   size_t context_len, uint8_t *out, size_t out_len)
{
	/* struct HkdfLabel, RFC 8446 7.1 */
	static const char prefix[] = "tls13 ";
	size_t label_len = strlen(label);
	struct buf b = { 0 };
	int ret = -1;

	if (label_len > 255 - 6 || context_len > 255 || out_len > 0xffff)
		return -1;
	buf_u16(&b, (uint16_t)out_len);
	buf_u8(&b, (uint8_t)(sizeof(prefix) - 1 + label_len));
	buf_put(&b, prefix, sizeof(prefix) - 1);
	buf_put(&b, label, label_len);
	buf_u8(&b, (uint8_t)context_len);
	buf_put(&b, context, context_len);
	if (!b.bad)
		ret = tlsk_hkdf_expand_raw(md, secret,
					   (size_t)EVP_MD_get_size(md), b.p,
					   b.len, out, out_len);
	buf_free(&b);
	return ret;
}

int tlsk_derive_secret(const EVP_MD *md, const uint8_t *secret,
		       const char *label, const uint8_t *th, uint8_t *out)
{
	size_t hlen = (size_t)EVP_MD_get_size(md);

	return tlsk_hkdf_expand_label(md, secret, label, th, hlen, out, hlen);
}

int tlsk_early_secret(const EVP_MD *md, const uint8_t *psk, size_t psk_len,
		      uint8_t *out)
{
	uint8_t zeros[TLSK_MAX_HASH_LEN] = { 0 };

	/* RFC 8446 7.1: without a PSK, the IKM is HashLen zeros */
	if (!psk) {
		psk = zeros;
		psk_len = (size_t)EVP_MD_get_size(md);
	}
	return tlsk_hkdf_extract(md, NULL, 0, psk, psk_len, out);
}

int tlsk_next_stage(const EVP_MD *md, const uint8_t *secret,
		    const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
	uint8_t empty_hash[TLSK_MAX_HASH_LEN], derived[TLSK_MAX_HASH_LEN];
	uint8_t zeros[TLSK_MAX_HASH_LEN] = { 0 };
	size_t hlen = (size_t)EVP_MD_get_size(md);
	int ret = -1;

	if (!ikm) {	/* master secret: IKM is HashLen zeros */
		ikm = zeros;
		ikm_len = hlen;
	}
	if (EVP_Digest("", 0, empty_hash, NULL, md, NULL) &&
	    !tlsk_derive_secret(md, secret, "derived", empty_hash, derived))
		ret = tlsk_hkdf_extract(md, derived, hlen, ikm, ikm_len, out);
	OPENSSL_cleanse(derived, sizeof(derived));
	return ret;
}

int tlsk_finished_mac(const EVP_MD *md, const uint8_t *base_key,
		      const uint8_t *th, uint8_t *out)
{
	uint8_t fkey[TLSK_MAX_HASH_LEN];
	size_t hlen = (size_t)EVP_MD_get_size(md);
	int ret = -1;

	if (!tlsk_hkdf_expand_label(md, base_key, "finished", NULL, 0, fkey,
				    hlen) &&
	    !tlsk_hmac(md, fkey, hlen, th, hlen, NULL, 0, out))
		ret = 0;
	OPENSSL_cleanse(fkey, sizeof(fkey));
	return ret;
}

int tlsk_traffic_key_iv(const struct tlsk_suite *s, const uint8_t *secret,
			uint8_t *key, uint8_t *iv)
{
	const EVP_MD *md = s->md();

	if (tlsk_hkdf_expand_label(md, secret, "key", NULL, 0, key,
				   tlsk_suite_key_len(s)) ||
	    tlsk_hkdf_expand_label(md, secret, "iv", NULL, 0, iv,
				   TLSK_MAX_IV_LEN))
		return -1;
	return 0;
}

void tlsk_keys_scrub(struct tlsk_traffic_keys *keys)
{
	if (keys)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

void tr_add(struct transcript *t, const uint8_t *msg, size_t len)
{
	buf_put(&t->msgs, msg, len);
	t->last_len = len;
}

int tr_hash_prefix(const struct transcript *t, const EVP_MD *md, size_t len,
		   uint8_t *out)
{
	if (t->msgs.bad || len > t->msgs.len)
		return -1;
	return EVP_Digest(len ? t->msgs.p : (const uint8_t *)"", len, out,
			  NULL, md, NULL) ? 0 : -1;
}

int tr_hash(const struct transcript *t, const EVP_MD *md, uint8_t *out)
{
	return tr_hash_prefix(t, md, t->msgs.len, out);
}

int tr_hash_before_last(const struct transcript *t, const EVP_MD *md,
			uint8_t *out)
{
	return tr_hash_prefix(t, md, t->msgs.len - t->last_len, out);
}

int tr_collapse_prefix(struct transcript *t, const EVP_MD *md, size_t len)
{
	struct buf nb = { 0 };
	uint8_t h[TLSK_MAX_HASH_LEN];
	size_t hlen = (size_t)EVP_MD_get_size(md);

	if (tr_hash_prefix(t, md, len, h))
		return -1;
	buf_u8(&nb, 254);	/* message_hash */
	buf_u24(&nb, (uint32_t)hlen);
	buf_put(&nb, h, hlen);
	buf_put(&nb, t->msgs.p + len, t->msgs.len - len);
	if (nb.bad) {
		buf_free(&nb);
		return -1;
	}
	buf_free(&t->msgs);
	t->msgs = nb;
	return 0;
}

int tr_hash_extra(const struct transcript *t, const EVP_MD *md,
		  const uint8_t *extra, size_t extra_len, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && !t->msgs.bad && EVP_DigestInit_ex(ctx, md, NULL) &&
		 EVP_DigestUpdate(ctx, t->msgs.p, t->msgs.len) &&
		 EVP_DigestUpdate(ctx, extra, extra_len) &&
		 EVP_DigestFinal_ex(ctx, out, NULL);

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int tlsk_keys_next(struct tlsk_traffic_keys *keys)
{
	const struct tlsk_suite *s = tlsk_suite_by_aead(keys->aead);
	uint8_t next[TLSK_MAX_HASH_LEN];

	if (!s || keys->version != 0x0304 || keys->secret_len != s->hash_len)
		return -EINVAL;
	/* RFC 8446 7.2: application_traffic_secret_N+1 */
	if (tlsk_hkdf_expand_label(s->md(), keys->secret, "traffic upd", NULL,
				   0, next, s->hash_len) ||
	    tlsk_traffic_key_iv(s, next, keys->key, keys->iv)) {
		OPENSSL_cleanse(next, sizeof(next));
		return -EIO;
	}
	memcpy(keys->secret, next, s->hash_len);
	OPENSSL_cleanse(next, sizeof(next));
	keys->seq = 0;
	return 0;
}

void tr_free(struct transcript *t)
{
	buf_free(&t->msgs);
	t->last_len = 0;
}
