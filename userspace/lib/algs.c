// SPDX-License-Identifier: MIT
/* The process-wide algorithm cache; algs.h explains why and how. */
#include "algs.h"

#include <string.h>

#include <openssl/crypto.h>

#include "suites.h"

/* the largest digest block libtlsk uses: SHA-384's */
#define HMAC_MAX_BLOCK 128

enum { MD_SHA256, MD_SHA384, MD_COUNT };
enum { C_AES128GCM, C_AES256GCM, C_CHACHA, C_AES128CCM, C_COUNT };

static const char *const md_names[MD_COUNT] = { "SHA256", "SHA384" };
static const char *const cipher_names[C_COUNT] = {
	"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305", "AES-128-CCM",
};

/* Written once by algs_init (under the once), read-only afterwards. */
static struct {
	EVP_MD *md[MD_COUNT];
	EVP_CIPHER *cipher[C_COUNT];
	unsigned fetches;
} algs;
static CRYPTO_ONCE algs_once = CRYPTO_ONCE_STATIC_INIT;

static void algs_init(void)
{
	for (int i = 0; i < MD_COUNT; i++) {
		algs.md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
		algs.fetches += algs.md[i] != NULL;
	}
	for (int i = 0; i < C_COUNT; i++) {
		algs.cipher[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		algs.fetches += algs.cipher[i] != NULL;
	}
}

static int algs_ready(void)
{
	return CRYPTO_THREAD_run_once(&algs_once, algs_init);
}

static const EVP_MD *md_or(int i, const EVP_MD *legacy)
{
	return algs_ready() && algs.md[i] ? algs.md[i] : legacy;
}

static const EVP_CIPHER *cipher_or(int i, const EVP_CIPHER *legacy)
{
	return algs_ready() && algs.cipher[i] ? algs.cipher[i] : legacy;
}

const EVP_MD *tlsk_sha256(void)
{
	return md_or(MD_SHA256, EVP_sha256());
}

const EVP_MD *tlsk_sha384(void)
{
	return md_or(MD_SHA384, EVP_sha384());
}

const EVP_CIPHER *tlsk_aes_128_gcm(void)
{
	return cipher_or(C_AES128GCM, EVP_aes_128_gcm());
}

const EVP_CIPHER *tlsk_aes_256_gcm(void)
{
	return cipher_or(C_AES256GCM, EVP_aes_256_gcm());
}

const EVP_CIPHER *tlsk_chacha20_poly1305(void)
{
	return cipher_or(C_CHACHA, EVP_chacha20_poly1305());
}

const EVP_CIPHER *tlsk_aes_128_ccm(void)
{
	return cipher_or(C_AES128CCM, EVP_aes_128_ccm());
}

unsigned tlsk_algs_fetches(void)
{
	return algs_ready() ? algs.fetches : 0;
}

/*
 * HMAC (RFC 2104) straight on the digest: H((K ^ opad) || H((K ^ ipad) ||
 * text)). With a fetched digest nothing is looked up by name, and one
 * EVP_MD_CTX serves both passes; this is half the instructions of an
 * EVP_MAC "HMAC" context per call (docs/performance.md). A legacy md
 * (EVP_sha256()) works too, at the cost of libcrypto's implicit fetch.
 */
/* The HMAC key as one block of bs bytes in k (RFC 2104 2): zero-padded,
 * or hashed first when longer than a block. 0, or -1. */
static int hmac_key_block(const EVP_MD *md, const uint8_t *key,
			  size_t key_len, uint8_t k[HMAC_MAX_BLOCK], int bs)
{
	memset(k, 0, HMAC_MAX_BLOCK);
	if (key_len > (size_t)bs)
		return EVP_Digest(key, key_len, k, NULL, md, NULL) == 1 ? 0 : -1;
	if (key_len)
		memcpy(k, key, key_len);
	return 0;
}

int tlsk_hmac_v(const EVP_MD *md, const uint8_t *key, size_t key_len,
		      const struct tlsk_bytes *parts, size_t n, uint8_t *out)
{
	uint8_t pad[HMAC_MAX_BLOCK], k[HMAC_MAX_BLOCK], inner[EVP_MAX_MD_SIZE];
	int bs = EVP_MD_get_block_size(md), hlen = EVP_MD_get_size(md);
	EVP_MD_CTX *ctx = NULL;
	unsigned ilen = 0, olen = 0;
	int ok = bs > 0 && bs <= HMAC_MAX_BLOCK && hlen > 0 &&
		 hlen <= (int)sizeof(inner);

	memset(k, 0, sizeof(k));
	ok = ok && !hmac_key_block(md, key, key_len, k, bs);
	if (ok)
		ctx = EVP_MD_CTX_new();
	for (int i = 0; ctx && i < bs; i++)
		pad[i] = k[i] ^ 0x36;
	ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	     EVP_DigestUpdate(ctx, pad, (size_t)bs) == 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = !parts[i].len ||
		     EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, inner, &ilen) == 1;
	for (int i = 0; ok && i < bs; i++)
		pad[i] = k[i] ^ 0x5c;
	ok = ok && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	     EVP_DigestUpdate(ctx, pad, (size_t)bs) == 1 &&
	     EVP_DigestUpdate(ctx, inner, ilen) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, &olen) == 1 && (int)olen == hlen;
	EVP_MD_CTX_free(ctx);	/* the provider clears its state */
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	if (!ok && hlen > 0)
		OPENSSL_cleanse(out, (size_t)hlen);
	return ok ? 0 : -1;
}

void tlsk_hmac_key_clear(struct tlsk_hmac_key *hk)
{
	/* The providers clear their digest states when freed. */
	EVP_MD_CTX_free(hk->inner);
	EVP_MD_CTX_free(hk->outer);
	EVP_MD_CTX_free(hk->work);
	hk->inner = hk->outer = hk->work = NULL;
}

int tlsk_hmac_key_init(struct tlsk_hmac_key *hk, const EVP_MD *md,
		       const uint8_t *key, size_t key_len)
{
	uint8_t pad[HMAC_MAX_BLOCK], k[HMAC_MAX_BLOCK];
	int bs = EVP_MD_get_block_size(md);
	int ok;

	memset(hk, 0, sizeof(*hk));
	hk->hlen = EVP_MD_get_size(md);
	ok = bs > 0 && bs <= HMAC_MAX_BLOCK && hk->hlen > 0 &&
	     hk->hlen <= EVP_MAX_MD_SIZE;
	memset(k, 0, sizeof(k));
	ok = ok && !hmac_key_block(md, key, key_len, k, bs);
	if (ok) {
		hk->inner = EVP_MD_CTX_new();
		hk->outer = EVP_MD_CTX_new();
		hk->work = EVP_MD_CTX_new();
		ok = hk->inner && hk->outer && hk->work;
	}
	for (int i = 0; ok && i < bs; i++)
		pad[i] = k[i] ^ 0x36;
	ok = ok && EVP_DigestInit_ex(hk->inner, md, NULL) == 1 &&
	     EVP_DigestUpdate(hk->inner, pad, (size_t)bs) == 1;
	for (int i = 0; ok && i < bs; i++)
		pad[i] = k[i] ^ 0x5c;
	ok = ok && EVP_DigestInit_ex(hk->outer, md, NULL) == 1 &&
	     EVP_DigestUpdate(hk->outer, pad, (size_t)bs) == 1;
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	if (!ok)
		tlsk_hmac_key_clear(hk);
	return ok ? 0 : -1;
}

int tlsk_hmac_key_mac(struct tlsk_hmac_key *hk, const struct tlsk_bytes *parts,
		      size_t n, uint8_t *out)
{
	uint8_t inner[EVP_MAX_MD_SIZE];
	unsigned ilen = 0, olen = 0;
	int ok = hk->work && EVP_MD_CTX_copy_ex(hk->work, hk->inner) == 1;

	for (size_t i = 0; ok && i < n; i++)
		ok = !parts[i].len ||
		     EVP_DigestUpdate(hk->work, parts[i].p, parts[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(hk->work, inner, &ilen) == 1 &&
	     EVP_MD_CTX_copy_ex(hk->work, hk->outer) == 1 &&
	     EVP_DigestUpdate(hk->work, inner, ilen) == 1 &&
	     EVP_DigestFinal_ex(hk->work, out, &olen) == 1 &&
	     (int)olen == hk->hlen;
	OPENSSL_cleanse(inner, sizeof(inner));
	if (!ok && hk->hlen > 0)
		OPENSSL_cleanse(out, (size_t)hk->hlen);
	return ok ? 0 : -1;
}

int tlsk_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len,
	      const uint8_t *data1, size_t len1, const uint8_t *data2,
	      size_t len2, uint8_t *out)
{
	const struct tlsk_bytes parts[] = { { data1, len1 }, { data2, len2 } };

	return tlsk_hmac_v(md, key, key_len, parts, data2 ? 2 : 1, out);
}

int tlsk_hkdf_extract_raw(const EVP_MD *md, const uint8_t *salt,
			  size_t salt_len, const uint8_t *ikm, size_t ikm_len,
			  uint8_t *prk)
{
	/* RFC 5869 2.2: PRK = HMAC-Hash(salt, IKM) */
	return tlsk_hmac(md, salt, salt_len, ikm, ikm_len, NULL, 0, prk);
}

int tlsk_hkdf_expand_raw(const EVP_MD *md, const uint8_t *prk,
			 size_t prk_len, const uint8_t *info, size_t info_len,
			 uint8_t *out, size_t out_len)
{
	uint8_t t[TLSK_MAX_HASH_LEN];
	size_t hlen = (size_t)EVP_MD_get_size(md), done = 0, tlen = 0;
	uint8_t counter = 0;
	int ret = 0;

	if (!hlen || hlen > sizeof(t) || out_len > 255 * hlen)
		return -1;
	/* RFC 5869 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i) */
	while (!ret && done < out_len) {
		struct tlsk_bytes parts[] = {
			{ t, tlen }, { info, info_len }, { &counter, 1 },
		};
		size_t take = out_len - done < hlen ? out_len - done : hlen;

		counter++;
		ret = tlsk_hmac_v(md, prk, prk_len, parts, 3, t);
		if (!ret) {
			memcpy(out + done, t, take);
			done += take;
			tlen = hlen;
		}
	}
	OPENSSL_cleanse(t, sizeof(t));
	if (ret)
		OPENSSL_cleanse(out, out_len);
	return ret;
}
