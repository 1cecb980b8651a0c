// SPDX-License-Identifier: MIT
#include "hsrecord.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keysched.h"

int hs_prot_set(struct hs_prot *p, const struct tlsk_suite *s,
		const uint8_t *secret)
{
	hs_prot_clear(p);
	if (tlsk_traffic_key_iv(s, secret, p->key, p->iv)) {
		hs_prot_clear(p);
		return -EIO;
	}
	memcpy(p->secret, secret, s->hash_len);
	p->suite = s;
	return 0;
}

void hs_prot_clear(struct hs_prot *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
	p->suite = NULL;
}

/* RFC 8446 5.3: the write IV XOR the 64-bit sequence number, padded */
static void record_nonce(const struct hs_prot *p, uint8_t *nonce)
{
	memcpy(nonce, p->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(p->seq >> (8 * i));
}

/* One AEAD operation; enc selects seal (tag written after the output)
 * or open (tag read from in + len). */
static int aead(const struct hs_prot *p, int enc, const uint8_t *aad,
		const uint8_t *in, size_t len, uint8_t *out)
{
	const struct tlsk_suite *s = p->suite;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[12], *tag = (uint8_t *)in + len;
	int n, ok;

	record_nonce(p, nonce);
	ok = ctx && EVP_CipherInit_ex(ctx, s->cipher(), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
	/* CCM wants the tag length (and on open the tag) before the key */
	if (ok && s->ccm)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 TLSK_AEAD_TAG_LEN, enc ? NULL : tag);
	ok = ok && EVP_CipherInit_ex(ctx, NULL, NULL, p->key, nonce, enc);
	if (ok && s->ccm)
		ok = EVP_CipherUpdate(ctx, NULL, &n, NULL, (int)len);
	ok = ok && EVP_CipherUpdate(ctx, NULL, &n, aad, REC_HDR_LEN) &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len);
	if (ok && !enc && !s->ccm)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 TLSK_AEAD_TAG_LEN, tag);
	ok = ok && EVP_CipherFinal_ex(ctx, out + n, &n);
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
					 TLSK_AEAD_TAG_LEN, out + len);
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return ok ? 0 : -EBADMSG;
}

int hs_prot_seal(struct hs_prot *p, uint8_t type, const uint8_t *data,
		 size_t len, struct buf *out)
{
	uint8_t inner[REC_MAX_PLAINTEXT + 1];
	uint8_t hdr[REC_HDR_LEN];
	size_t ct_len = len + 1 + TLSK_AEAD_TAG_LEN, start;
	int ret;

	if (len > REC_MAX_PLAINTEXT || !p->suite)
		return -EINVAL;
	/* RFC 8446 5.2: opaque_type application_data, legacy 0x0303 */
	hdr[0] = CT_APPLICATION_DATA;
	hdr[1] = 3;
	hdr[2] = 3;
	hdr[3] = (uint8_t)(ct_len >> 8);
	hdr[4] = (uint8_t)ct_len;
	memcpy(inner, data, len);
	inner[len] = type;
	start = out->len;
	buf_put(out, hdr, sizeof(hdr));
	buf_put(out, inner, ct_len);	/* room for ciphertext and tag */
	OPENSSL_cleanse(inner, len + 1);
	if (out->bad)
		return -ENOMEM;
	ret = aead(p, 1, hdr, out->p + start + REC_HDR_LEN, len + 1,
		   out->p + start + REC_HDR_LEN);
	if (!ret)
		p->seq++;
	return ret;
}

int hs_prot_open(struct hs_prot *p, const uint8_t *hdr, uint8_t *body,
		 size_t len, uint8_t *type, size_t *pt_len)
{
	size_t n;
	int ret;

	if (len < 1 + TLSK_AEAD_TAG_LEN)
		return -EBADMSG;
	n = len - TLSK_AEAD_TAG_LEN;
	ret = aead(p, 0, hdr, body, n, body);
	if (ret)
		return ret;
	p->seq++;
	/* RFC 8446 5.4: strip zero padding; the last non-zero byte is the
	 * content type, and a record of only zeros is unexpected_message */
	while (n && !body[n - 1])
		n--;
	if (!n)
		return -EPROTO;
	*type = body[n - 1];
	*pt_len = n - 1;
	if (*pt_len > REC_MAX_PLAINTEXT)
		return -EMSGSIZE;	/* record_overflow */
	return 0;
}
