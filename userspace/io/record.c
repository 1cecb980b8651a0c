// SPDX-License-Identifier: MIT
/*
 * Userspace TLS record layer (see include/tlsk/record.h for the wire format).
 *
 * Implementation notes:
 * - One EVP_CIPHER_CTX per direction, keyed once; each record only sets a
 *   new nonce, so the per-record cost is the AEAD itself.
 * - Records are sealed and opened in place: seal moves the plaintext to its
 *   final position in `out` first, open decrypts inside the caller's buffer.
 *   libcrypto allows in == out for every AEAD used here.
 * - CCM differs from GCM and ChaCha20-Poly1305 in libcrypto's API: the tag
 *   length is fixed before the key, the total length is passed before the
 *   AAD, and decryption verifies the tag in the update call, not in final.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tlsk/aead.h"
#include "tlsk/record.h"

#define TLS12_VERSION	0x0303
#define TLS13_VERSION	0x0304
#define TLS12_AAD_LEN	13	/* seq(8) type(1) version(2) length(2) */

struct tlsk_record {
	const struct tlsk_aead_desc *desc;
	EVP_CIPHER_CTX *ctx;
	int seal;
	uint16_t version;
	uint8_t iv[TLSK_AEAD_NONCE_LEN];	/* salt only for TLS 1.2 GCM/CCM */
	uint64_t seq;
};

static void put_be16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static size_t get_be16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

/* TLS 1.2 GCM/CCM carry part of the nonce on the wire; nothing else does. */
static size_t explicit_nonce_len(const struct tlsk_record *r)
{
	return r->version == TLS12_VERSION ? r->desc->tls12_explicit_len : 0;
}

/* Bytes of the body that are not (inner) plaintext, at least. */
static size_t body_overhead(const struct tlsk_record *r)
{
	return explicit_nonce_len(r) + r->desc->tag_len +
	       (r->version == TLS13_VERSION ? 1 : 0);
}

static size_t max_body_len(const struct tlsk_record *r)
{
	return r->version == TLS13_VERSION ? TLSK_RECORD_MAX_BODY_TLS13 :
					     TLSK_RECORD_MAX_BODY_TLS12;
}

static int cipher_ctx_init(struct tlsk_record *r, const uint8_t *key)
{
	const struct tlsk_aead_desc *d = r->desc;

	r->ctx = EVP_CIPHER_CTX_new();
	if (!r->ctx)
		return -ENOMEM;
	if (EVP_CipherInit_ex(r->ctx, d->evp_cipher(), NULL, NULL, NULL,
			      r->seal) != 1 ||
	    EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_IVLEN,
				TLSK_AEAD_NONCE_LEN, NULL) != 1)
		return -EIO;
	/* CCM fixes its tag length (M) before the key is set. */
	if (d->is_ccm && EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_SET_TAG,
					     (int)d->tag_len, NULL) != 1)
		return -EIO;
	if (EVP_CipherInit_ex(r->ctx, NULL, NULL, key, NULL, r->seal) != 1)
		return -EIO;
	return 0;
}

struct tlsk_record *tlsk_record_new(const struct tlsk_traffic_keys *keys,
				    int seal)
{
	const struct tlsk_aead_desc *desc = tlsk_aead_for_keys(keys);
	struct tlsk_record *r;
	int err;

	if (!desc) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->desc = desc;
	r->seal = !!seal;
	r->version = keys->version;
	r->seq = keys->seq;
	memcpy(r->iv, keys->iv, keys->iv_len);
	err = cipher_ctx_init(r, keys->key);
	if (err) {
		tlsk_record_free(r);
		errno = -err;
		return NULL;
	}
	return r;
}

void tlsk_record_free(struct tlsk_record *r)
{
	if (!r)
		return;
	EVP_CIPHER_CTX_free(r->ctx);	/* clears the key schedule */
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
}

uint64_t tlsk_record_seq(const struct tlsk_record *r)
{
	return r->seq;
}

size_t tlsk_record_sealed_len(const struct tlsk_record *r, size_t len)
{
	return TLSK_RECORD_HEADER_LEN + body_overhead(r) + len;
}

/*
 * RFC 5288 3 / RFC 6655 3: salt || explicit (sent, or received in
 * `explicit_in`); RFC 7905 2 and RFC 8446 5.3: iv XOR left-padded seq.
 */
static void record_nonce(const struct tlsk_record *r,
			 const uint8_t *explicit_in, uint8_t *nonce)
{
	size_t exp_len = explicit_nonce_len(r);
	uint8_t seq[8];

	memcpy(nonce, r->iv, TLSK_AEAD_NONCE_LEN - exp_len);
	if (exp_len) {
		memcpy(nonce + TLSK_AEAD_NONCE_LEN - exp_len, explicit_in,
		       exp_len);
		return;
	}
	put_be64(seq, r->seq);
	for (size_t i = 0; i < sizeof(seq); i++)
		nonce[TLSK_AEAD_NONCE_LEN - 8 + i] ^= seq[i];
}

/* RFC 5246 6.2.3.3: additional_data = seq || type || version || length. */
static void tls12_aad(const struct tlsk_record *r, uint8_t type,
		      size_t plain_len, uint8_t *aad)
{
	put_be64(aad, r->seq);
	aad[8] = type;
	put_be16(aad + 9, TLS12_VERSION);
	put_be16(aad + 11, plain_len);
}

/*
 * One AEAD operation in place over buf[0..len). Seal writes the tag to
 * `tag`, open checks it. Returns 0, -EBADMSG (authentication failed) or
 * -EIO (libcrypto refused).
 */
static int aead_run(struct tlsk_record *r, const uint8_t *nonce,
		    const uint8_t *aad, size_t aad_len, uint8_t *buf,
		    size_t len, uint8_t *tag)
{
	int tag_len = (int)r->desc->tag_len, n;
	EVP_CIPHER_CTX *ctx = r->ctx;

	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, r->seal) != 1)
		return -EIO;
	if (!r->seal &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, tag_len, tag) != 1)
		return -EIO;
	if (r->desc->is_ccm &&
	    EVP_CipherUpdate(ctx, NULL, &n, NULL, (int)len) != 1)
		return -EIO;
	if (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		return -EIO;
	/* CCM verifies the tag here; the others in EVP_CipherFinal_ex. */
	if (EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) != 1)
		return r->seal ? -EIO : -EBADMSG;
	if (EVP_CipherFinal_ex(ctx, buf + n, &n) != 1)
		return r->seal ? -EIO : -EBADMSG;
	if (r->seal &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, tag_len, tag) != 1)
		return -EIO;
	return 0;
}

int tlsk_record_seal(struct tlsk_record *r, uint8_t type, const uint8_t *pt,
		     size_t len, uint8_t *out, size_t out_cap)
{
	size_t exp_len = explicit_nonce_len(r), inner_len = len;
	size_t rec_len = tlsk_record_sealed_len(r, len);
	uint8_t nonce[TLSK_AEAD_NONCE_LEN], aad[TLS12_AAD_LEN];
	uint8_t *body = out + TLSK_RECORD_HEADER_LEN + exp_len;
	int err;

	if (!r->seal)
		return -EINVAL;
	if (len > TLSK_RECORD_MAX_PLAINTEXT)
		return -EMSGSIZE;
	if (out_cap < rec_len)
		return -ENOBUFS;
	/* RFC 8446 5.3 / RFC 5246 6.1: sequence numbers never wrap. */
	if (r->seq == UINT64_MAX)
		return -EOVERFLOW;

	if (len)
		memmove(body, pt, len);
	out[0] = type;
	put_be16(out + 1, TLS12_VERSION);
	put_be16(out + 3, rec_len - TLSK_RECORD_HEADER_LEN);
	if (r->version == TLS13_VERSION) {
		/* TLSInnerPlaintext = content || type, no padding. */
		out[0] = TLSK_CT_APPLICATION_DATA;
		body[inner_len++] = type;
		memcpy(aad, out, TLSK_RECORD_HEADER_LEN);
	} else {
		tls12_aad(r, type, len, aad);
		/* RFC 5288 3: the explicit nonce is the sequence number,
		 * as libssl and the kernel send it. */
		if (exp_len)
			put_be64(out + TLSK_RECORD_HEADER_LEN, r->seq);
	}
	record_nonce(r, out + TLSK_RECORD_HEADER_LEN, nonce);
	err = aead_run(r, nonce, aad,
		       r->version == TLS13_VERSION ? TLSK_RECORD_HEADER_LEN :
						     TLS12_AAD_LEN,
		       body, inner_len, body + inner_len);
	if (err)
		return err;
	r->seq++;
	return (int)rec_len;
}

int tlsk_record_body_len(const struct tlsk_record *r, const uint8_t *hdr)
{
	size_t body = get_be16(hdr + 3);
	uint8_t type = hdr[0];

	if (get_be16(hdr + 1) != TLS12_VERSION)
		return -EPROTONOSUPPORT;
	/* RFC 8446 5.2: everything protected is application_data outside;
	 * after Finished no ChangeCipherSpec (RFC 8446 5, RFC 5246 7.1), no
	 * heartbeat (24), no type 0 or unknown type (RFC 8446 5). */
	if (r->version == TLS13_VERSION ? type != TLSK_CT_APPLICATION_DATA :
	    type != TLSK_CT_ALERT && type != TLSK_CT_HANDSHAKE &&
	    type != TLSK_CT_APPLICATION_DATA)
		return -EPROTO;
	if (body > max_body_len(r))
		return -EMSGSIZE;
	if (body < body_overhead(r))
		return -EBADMSG;
	return (int)body;
}

/* RFC 8446 5.4: the content type is the last non-zero byte. */
static int strip_tls13_padding(uint8_t *inner, size_t len, uint8_t *type)
{
	while (len > 0 && inner[len - 1] == 0)
		len--;
	if (len == 0)
		return -EPROTO;		/* unexpected_message: no type */
	*type = inner[len - 1];
	return (int)(len - 1);
}

int tlsk_record_open(struct tlsk_record *r, uint8_t *rec, size_t len,
		     uint8_t *type, uint8_t **pt)
{
	int body = tlsk_record_body_len(r, rec);
	size_t exp_len = explicit_nonce_len(r), ct_len;
	uint8_t nonce[TLSK_AEAD_NONCE_LEN], aad[TLS12_AAD_LEN];
	uint8_t *ct;
	int err, plain;

	if (r->seal)
		return -EINVAL;
	if (body < 0)
		return body;
	if (len != TLSK_RECORD_HEADER_LEN + (size_t)body)
		return -EINVAL;
	ct = rec + TLSK_RECORD_HEADER_LEN + exp_len;
	ct_len = (size_t)body - exp_len - r->desc->tag_len;
	/* record_overflow: TLS 1.3 inner plaintext carries one type byte. */
	if (ct_len > TLSK_RECORD_MAX_PLAINTEXT +
		     (r->version == TLS13_VERSION ? 1 : 0))
		return -EMSGSIZE;
	if (r->seq == UINT64_MAX)
		return -EOVERFLOW;

	if (r->version == TLS13_VERSION)
		memcpy(aad, rec, TLSK_RECORD_HEADER_LEN);
	else
		tls12_aad(r, rec[0], ct_len, aad);
	record_nonce(r, rec + TLSK_RECORD_HEADER_LEN, nonce);
	err = aead_run(r, nonce, aad,
		       r->version == TLS13_VERSION ? TLSK_RECORD_HEADER_LEN :
						     TLS12_AAD_LEN,
		       ct, ct_len, ct + ct_len);
	if (err)
		return err;

	if (r->version == TLS13_VERSION) {
		plain = strip_tls13_padding(ct, ct_len, type);
		if (plain < 0)
			return plain;
	} else {
		*type = rec[0];
		plain = (int)ct_len;
	}
	r->seq++;
	*pt = ct;
	return plain;
}

int tlsk_record_error_alert(int err)
{
	switch (err) {
	case -EBADMSG:
		return TLSK_ALERT_BAD_RECORD_MAC;
	case -EMSGSIZE:
		return TLSK_ALERT_RECORD_OVERFLOW;
	case -EPROTO:
		return TLSK_ALERT_UNEXPECTED_MESSAGE;
	case -EPROTONOSUPPORT:
		return TLSK_ALERT_PROTOCOL_VERSION;
	case -EOVERFLOW:
	case -EIO:
		return TLSK_ALERT_INTERNAL_ERROR;
	}
	return -1;
}
