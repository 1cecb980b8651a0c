// SPDX-License-Identifier: MIT
#include "tls12_keys.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include "algs.h"

int tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
	      const char *label, const uint8_t *seed1, size_t seed1_len,
	      const uint8_t *seed2, size_t seed2_len, uint8_t *out,
	      size_t out_len)
{
	EVP_KDF *kdf = tlsk_kdf_tls1_prf();	/* fetched once, algs.h */
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[6], *p = params;
	int ok;

	/* The KDF concatenates repeated seed parameters: label || seed1 ||
	 * seed2 is RFC 5246 5's "label + seed". */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)EVP_MD_get0_name(md), 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
						 (void *)secret, secret_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
						 (void *)label, strlen(label));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
						 (void *)seed1, seed1_len);
	if (seed2)
		*p++ = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_SEED, (void *)seed2, seed2_len);
	*p = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);	/* clears its copy of the secret */
	if (!ok)
		OPENSSL_cleanse(out, out_len);
	return ok ? 0 : -EIO;
}

int tls12_master_secret(const EVP_MD *md, const uint8_t *pms, size_t pms_len,
			const uint8_t client_random[TLS12_RANDOM_LEN],
			const uint8_t server_random[TLS12_RANDOM_LEN],
			uint8_t master[TLS12_MASTER_LEN])
{
	return tls12_prf(md, pms, pms_len, "master secret", client_random,
			 TLS12_RANDOM_LEN, server_random, TLS12_RANDOM_LEN,
			 master, TLS12_MASTER_LEN);
}

int tls12_extended_master_secret(const EVP_MD *md, const uint8_t *pms,
				 size_t pms_len, const uint8_t *session_hash,
				 size_t hash_len,
				 uint8_t master[TLS12_MASTER_LEN])
{
	return tls12_prf(md, pms, pms_len, "extended master secret",
			 session_hash, hash_len, NULL, 0, master,
			 TLS12_MASTER_LEN);
}

static void fill_keys(const struct tls12_suite *s, const uint8_t *key,
		      const uint8_t *iv, struct tlsk_traffic_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->version = 0x0303;
	k->aead = s->aead;
	memcpy(k->key, key, s->key_len);
	k->key_len = s->key_len;
	memcpy(k->iv, iv, s->fixed_iv_len);
	k->iv_len = s->fixed_iv_len;
	k->seq = 0;		/* Finished comes next; see tls12_keys.h */
}

int tls12_traffic_keys(const struct tls12_suite *s,
		       const uint8_t master[TLS12_MASTER_LEN],
		       const uint8_t client_random[TLS12_RANDOM_LEN],
		       const uint8_t server_random[TLS12_RANDOM_LEN],
		       struct tlsk_traffic_keys *client_write,
		       struct tlsk_traffic_keys *server_write)
{
	/* RFC 5246 6.3: client_write_MAC_key, server_write_MAC_key (empty
	 * for AEAD suites), client_write_key, server_write_key,
	 * client_write_IV, server_write_IV, in that order. */
	uint8_t block[2 * (TLSK_MAX_KEY_LEN + TLSK_MAX_IV_LEN)];
	size_t klen = s->key_len, ivlen = s->fixed_iv_len;
	size_t len = 2 * (klen + ivlen);
	int err;

	if (klen > TLSK_MAX_KEY_LEN || ivlen > TLSK_MAX_IV_LEN)
		return -EINVAL;
	/* note the seed order: server_random first, unlike the master
	 * secret */
	err = tls12_prf(s->md(), master, TLS12_MASTER_LEN, "key expansion",
			server_random, TLS12_RANDOM_LEN, client_random,
			TLS12_RANDOM_LEN, block, len);
	if (!err) {
		fill_keys(s, block, block + 2 * klen, client_write);
		fill_keys(s, block + klen, block + 2 * klen + ivlen,
			  server_write);
	}
	OPENSSL_cleanse(block, sizeof(block));
	return err;
}

int tls12_finished(const EVP_MD *md, const uint8_t master[TLS12_MASTER_LEN],
		   bool from_server, const uint8_t *th, size_t th_len,
		   uint8_t verify_data[TLS12_VERIFY_DATA_LEN])
{
	return tls12_prf(md, master, TLS12_MASTER_LEN,
			 from_server ? "server finished" : "client finished",
			 th, th_len, NULL, 0, verify_data,
			 TLS12_VERIFY_DATA_LEN);
}

int tls12_finished_check(const EVP_MD *md,
			 const uint8_t master[TLS12_MASTER_LEN],
			 bool from_server, const uint8_t *th, size_t th_len,
			 const uint8_t *body, size_t body_len)
{
	uint8_t want[TLS12_VERIFY_DATA_LEN];
	int err;

	/* the length is public (RFC 5246 7.4.9: verify_data_length is 12
	 * for every suite we know), the contents are compared in constant
	 * time so a forger learns nothing from timing */
	if (body_len != TLS12_VERIFY_DATA_LEN)
		return -EBADMSG;
	err = tls12_finished(md, master, from_server, th, th_len, want);
	if (!err && CRYPTO_memcmp(want, body, sizeof(want)))
		err = -EACCES;
	OPENSSL_cleanse(want, sizeof(want));
	return err;
}
