// SPDX-License-Identifier: MIT
#include "tls12_keys.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "algs.h"

/*
 * RFC 5246 5: PRF(secret, label, seed) = P_hash(secret, label + seed),
 * P_hash = HMAC_hash(secret, A(1) + label + seed) ||
 *          HMAC_hash(secret, A(2) + label + seed) || ...,
 * A(0) = label + seed, A(i) = HMAC_hash(secret, A(i - 1)).
 * On the HMAC of algs.h rather than EVP_KDF "TLS1-PRF", which fetched the
 * KDF and looked the digest up by name on every call: half of a resumed
 * TLS 1.2 handshake's instructions (docs/performance.md).
 */
int tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
	      const char *label, const uint8_t *seed1, size_t seed1_len,
	      const uint8_t *seed2, size_t seed2_len, uint8_t *out,
	      size_t out_len)
{
	uint8_t a[EVP_MAX_MD_SIZE], block[EVP_MAX_MD_SIZE];
	struct tlsk_bytes parts[] = {
		{ a, 0 },
		{ (const uint8_t *)label, strlen(label) },
		{ seed1, seed1_len },
		{ seed2, seed2 ? seed2_len : 0 },
	};
	struct tlsk_hmac_key hk;
	int hlen = EVP_MD_get_size(md), err = 0;
	size_t done = 0;

	if (hlen <= 0 || hlen > EVP_MAX_MD_SIZE)
		return -EINVAL;
	/* Every HMAC of P_hash has the secret for key (RFC 5246 5). */
	if (tlsk_hmac_key_init(&hk, md, secret, secret_len)) {
		OPENSSL_cleanse(out, out_len);
		return -EIO;
	}
	/* A(1) = HMAC(secret, A(0)) */
	if (tlsk_hmac_key_mac(&hk, parts + 1, 3, a))
		err = -EIO;
	parts[0].len = (size_t)hlen;
	while (!err && done < out_len) {
		size_t take = out_len - done < (size_t)hlen ?
			      out_len - done : (size_t)hlen;

		if (tlsk_hmac_key_mac(&hk, parts, 4, block)) {
			err = -EIO;
			break;
		}
		memcpy(out + done, block, take);
		done += take;
		/* A(i + 1), only if another block follows */
		if (done < out_len && tlsk_hmac_key_mac(&hk, parts, 1, a))
			err = -EIO;
	}
	tlsk_hmac_key_clear(&hk);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(block, sizeof(block));
	if (err)
		OPENSSL_cleanse(out, out_len);
	return err;
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
