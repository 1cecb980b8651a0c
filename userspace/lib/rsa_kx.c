// SPDX-License-Identifier: MIT
/* See rsa_kx.h for why the server side looks the way it does. */
#include "rsa_kx.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#define MAX_MODULUS_LEN	1024	/* RSA-8192 */
/* EM = 0x00 || 0x02 || PS (>= 8 nonzero bytes) || 0x00 || M (48 bytes),
 * RFC 8017 7.2.2 */
#define MIN_MODULUS_LEN	(2 + 8 + 1 + RSA_KX_PREMASTER_LEN)

/* all ones when a == b, else 0; no branch on the values */
static unsigned ct_eq(unsigned a, unsigned b)
{
	unsigned x = a ^ b;

	/* the top bit of x | -x is set exactly when x != 0 */
	return ((x | (0u - x)) >> (sizeof(unsigned) * CHAR_BIT - 1)) - 1u;
}

/* all ones when em (k bytes) is a type-2 padding of a 48-byte message
 * starting with the version bytes */
static unsigned padding_ok(const uint8_t *em, size_t k, uint16_t version)
{
	size_t sep = k - RSA_KX_PREMASTER_LEN - 1;
	unsigned good = ct_eq(em[0], 0x00) & ct_eq(em[1], 0x02);

	for (size_t i = 2; i < sep; i++)
		good &= ~ct_eq(em[i], 0x00);
	good &= ct_eq(em[sep], 0x00);
	good &= ct_eq(em[sep + 1], version >> 8);
	good &= ct_eq(em[sep + 2], version & 0xff);
	return good;
}

/* what a bad premaster becomes: client_version || 46 random bytes */
static int random_premaster(uint16_t version, uint8_t pms[RSA_KX_PREMASTER_LEN])
{
	pms[0] = (uint8_t)(version >> 8);
	pms[1] = (uint8_t)version;
	return RAND_priv_bytes(pms + 2, RSA_KX_PREMASTER_LEN - 2) == 1 ?
		0 : -EIO;
}

/* raw RSA decryption of exactly k bytes; false for a ciphertext of the
 * wrong length or >= the modulus, both visible without the key */
static bool rsa_raw_decrypt(EVP_PKEY *key, const uint8_t *enc, size_t len,
			    uint8_t *em, size_t k)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t out_len = k;
	bool ok;

	ok = ctx && len == k && EVP_PKEY_decrypt_init(ctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	     EVP_PKEY_decrypt(ctx, em, &out_len, enc, len) == 1 &&
	     out_len == k;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

int rsa_kx_server_premaster(EVP_PKEY *key, uint16_t client_version,
			    const uint8_t *enc, size_t enc_len,
			    uint8_t pms[RSA_KX_PREMASTER_LEN])
{
	uint8_t em[MAX_MODULUS_LEN], fallback[RSA_KX_PREMASTER_LEN];
	size_t k;
	unsigned good;
	int err;

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return -EINVAL;
	k = (size_t)EVP_PKEY_get_size(key);
	if (k < MIN_MODULUS_LEN || k > MAX_MODULUS_LEN)
		return -EINVAL;
	/* step 1: the substitute exists before the ciphertext is touched */
	err = random_premaster(client_version, fallback);
	if (err)
		return err;
	memset(em, 0, k);	/* a failed decryption reads as bad padding */
	good = rsa_raw_decrypt(key, enc, enc_len, em, k) ? ~0u : 0;
	good &= padding_ok(em, k, client_version);
	for (size_t i = 0; i < RSA_KX_PREMASTER_LEN; i++) {
		unsigned real = em[k - RSA_KX_PREMASTER_LEN + i];

		pms[i] = (uint8_t)((real & good) | (fallback[i] & ~good));
	}
	OPENSSL_cleanse(em, sizeof(em));
	OPENSSL_cleanse(fallback, sizeof(fallback));
	return 0;
}

int rsa_kx_client_premaster(EVP_PKEY *server_key, uint16_t client_version,
			    uint8_t pms[RSA_KX_PREMASTER_LEN],
			    struct buf *out)
{
	uint8_t enc[MAX_MODULUS_LEN];
	size_t enc_len = sizeof(enc);
	EVP_PKEY_CTX *ctx;
	int err;

	if (EVP_PKEY_get_base_id(server_key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_size(server_key) > MAX_MODULUS_LEN)
		return -EINVAL;
	err = random_premaster(client_version, pms);
	if (err)
		return err;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, server_key, NULL);
	if (!ctx || EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_encrypt(ctx, enc, &enc_len, pms,
			     RSA_KX_PREMASTER_LEN) != 1)
		err = -EIO;
	EVP_PKEY_CTX_free(ctx);
	if (!err) {
		buf_put(out, enc, enc_len);
		err = out->bad ? -ENOMEM : 0;
	}
	if (err)
		OPENSSL_cleanse(pms, RSA_KX_PREMASTER_LEN);
	return err;
}
