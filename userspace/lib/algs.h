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
 * (docs/performance.md), and TLS1-PRF was half of a resumed TLS 1.2 one.
 * So:
 *
 *  - the digests and record AEADs are fetched once (EVP_MD_fetch,
 *    EVP_CIPHER_fetch) and handed out instead of the legacy objects;
 *  - HMAC (RFC 2104) is computed here on the fetched digest with one
 *    EVP_MD_CTX: half the instructions of an EVP_MAC "HMAC" context per
 *    call (whose set-up, copy and free dominate at TLS's sizes);
 *  - HKDF (RFC 5869) and the TLS 1.2 PRF (tls12_keys.c) are built on that
 *    HMAC, so no call names an algorithm.
 *
 * Scope and threads: per process, not per configuration, because the
 * fetched objects are the same for every configuration (libtlsk always
 * uses the default library context) and a process-wide set costs one
 * fetch per algorithm for its whole life. Everything is created exactly
 * once under CRYPTO_THREAD_run_once and never changed afterwards; fetched
 * EVP_MD/EVP_CIPHER objects are reference-counted and safe to share
 * between threads, and each HMAC has its own EVP_MD_CTX, so any number of
 * threads may run handshakes at once. The objects live until the process
 * exits (still reachable; nothing is allocated per handshake that is not
 * freed with it).
 *
 * If a fetch fails (a provider without the algorithm), the getters fall
 * back to the legacy object (which libcrypto then fetches on every use,
 * as before), so behaviour never depends on the cache; only speed does.
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

/* out = HMAC-md(key, parts[0] || ... || parts[n - 1]) (RFC 2104); out
 * holds EVP_MD_get_size(md) bytes. 0, or -1 on failure. */
struct tlsk_bytes {
	const uint8_t *p;
	size_t len;
};
int tlsk_hmac_v(const EVP_MD *md, const uint8_t *key, size_t key_len,
		const struct tlsk_bytes *parts, size_t n, uint8_t *out);
/* the same with data1 || data2; data2 may be NULL */
int tlsk_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len,
	      const uint8_t *data1, size_t len1, const uint8_t *data2,
	      size_t len2, uint8_t *out);

/*
 * HMAC with one key for several messages (the TLS 1.2 PRF): the digest
 * states after the key's inner and outer pad blocks are kept, so each MAC
 * copies them instead of hashing both pads again. init: 0 or -1 (nothing
 * to clear then); mac: 0 or -1; clear scrubs and frees.
 */
struct tlsk_hmac_key {
	EVP_MD_CTX *inner, *outer, *work;
	int hlen;
};
int tlsk_hmac_key_init(struct tlsk_hmac_key *hk, const EVP_MD *md,
		       const uint8_t *key, size_t key_len);
int tlsk_hmac_key_mac(struct tlsk_hmac_key *hk, const struct tlsk_bytes *parts,
		      size_t n, uint8_t *out);
void tlsk_hmac_key_clear(struct tlsk_hmac_key *hk);

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
