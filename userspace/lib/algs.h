/* SPDX-License-Identifier: MIT */
/*
 * The libcrypto algorithms libtlsk uses on every handshake, fetched once
 * per process.
 *
 * Implementation notes: OpenSSL 3 looks an algorithm up by name in its
 * provider store whenever it is handed a name (EVP_KDF_fetch, a digest
 * name in an OSSL_PARAM, EVP_Q_mac) or a legacy object such as
 * EVP_sha256() (EVP_DigestInit_ex and EVP_CipherInit_ex fetch the
 * provider's implementation behind it on every call). Done per HKDF
 * call, that was a quarter of a resumed TLS 1.3 handshake's instructions
 * (docs/performance.md). So:
 *
 *  - the digests and record AEADs are fetched once (EVP_MD_fetch,
 *    EVP_CIPHER_fetch) and handed out instead of the legacy objects;
 *  - HMAC comes from one template EVP_MAC_CTX per digest, its digest set
 *    once; each HMAC duplicates the template, keys the copy, and frees it;
 *  - HKDF (RFC 5869) is built on that HMAC, so no call names a digest.
 *
 * Scope and threads: per process, not per configuration, because the
 * fetched objects are the same for every configuration (libtlsk always
 * uses the default library context) and a process-wide set costs one
 * fetch per algorithm for its whole life. Everything is created exactly
 * once under CRYPTO_THREAD_run_once and never changed afterwards: fetched
 * EVP_MD/EVP_CIPHER objects are reference-counted and safe to share
 * between threads, and the templates are only ever read (duplicated), so
 * any number of threads may run handshakes at once. The objects live
 * until the process exits (still reachable, never leaked per handshake).
 *
 * If a fetch fails (a provider without the algorithm), the getters fall
 * back to what libtlsk used before — the legacy object, a fetch per HMAC
 * — so behaviour never depends on the cache; only speed does.
 */
#ifndef TLSK_ALGS_H
#define TLSK_ALGS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Never NULL: the fetched implementation, else the legacy object. */
const EVP_MD *tlsk_sha256(void);
const EVP_MD *tlsk_sha384(void);
const EVP_CIPHER *tlsk_aes_128_gcm(void);
const EVP_CIPHER *tlsk_aes_256_gcm(void);
const EVP_CIPHER *tlsk_chacha20_poly1305(void);
const EVP_CIPHER *tlsk_aes_128_ccm(void);

/* TLS1-PRF, fetched once; NULL if the provider has none. */
EVP_KDF *tlsk_kdf_tls1_prf(void);

/* out = HMAC-md(key, data1 || data2); data2 may be NULL. out holds
 * EVP_MD_get_size(md) bytes. 0, or -1 on failure. */
int tlsk_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len,
	      const uint8_t *data1, size_t len1, const uint8_t *data2,
	      size_t len2, uint8_t *out);

/* RFC 5869: prk = HKDF-Extract(salt, ikm), EVP_MD_get_size(md) bytes */
int tlsk_hkdf_extract_raw(const EVP_MD *md, const uint8_t *salt,
			  size_t salt_len, const uint8_t *ikm, size_t ikm_len,
			  uint8_t *prk);
/* RFC 5869: out = HKDF-Expand(prk, info, out_len), out_len <= 255 * hlen */
int tlsk_hkdf_expand_raw(const EVP_MD *md, const uint8_t *prk,
			 size_t prk_len, const uint8_t *info, size_t info_len,
			 uint8_t *out, size_t out_len);

/* For tests: how many fetches the cache made so far. It grows once, on
 * first use, and never with the number of handshakes. */
unsigned tlsk_algs_fetches(void);

#endif /* TLSK_ALGS_H */
