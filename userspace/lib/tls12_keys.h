/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.2 key derivation: the PRF (RFC 5246 5), the master secret (8.1),
 * the extended master secret (RFC 7627 4), the key block and traffic keys
 * (RFC 5246 6.3) and Finished.verify_data (7.4.9).
 *
 * The PRF is libcrypto's EVP_KDF "TLS1-PRF" with the suite's hash; the
 * labels, seeds and splitting of the output are ours.
 *
 * Who sets seq: tls12_traffic_keys() returns keys with seq = 0, the keys
 * as they are right after ChangeCipherSpec, when the next record (the
 * Finished message) is the first one they protect. The engine protects or
 * opens Finished with them, and when it exports keys for the kernel it
 * reports its own record counter, which is then 1 (keys.h). The kernel's
 * rec_seq and, for AES-GCM, the first explicit nonce follow from that.
 *
 * Every function scrubs its intermediate buffers; outputs are the
 * caller's to scrub (OPENSSL_cleanse, tlsk_keys_scrub).
 */
#ifndef TLSK_TLS12_KEYS_H
#define TLSK_TLS12_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls12_suites.h"

#define TLS12_RANDOM_LEN	32
#define TLS12_MASTER_LEN	48	/* RFC 5246 8.1 */
#define TLS12_PREMASTER_LEN	48	/* RSA key transport, 7.4.7.1 */
#define TLS12_VERIFY_DATA_LEN	12	/* 7.4.9, every suite we know */

/* PRF(secret, label, seed1 || seed2)[0..out_len), RFC 5246 5. seed2 may
 * be NULL. 0 or -EIO. */
int tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
	      const char *label, const uint8_t *seed1, size_t seed1_len,
	      const uint8_t *seed2, size_t seed2_len, uint8_t *out,
	      size_t out_len);

/* master_secret = PRF(pms, "master secret", client_random ||
 * server_random)[0..47], RFC 5246 8.1. For sessions without EMS only: a
 * peer without it, never resumed (see docs/tls12.md). */
int tls12_master_secret(const EVP_MD *md, const uint8_t *pms, size_t pms_len,
			const uint8_t client_random[TLS12_RANDOM_LEN],
			const uint8_t server_random[TLS12_RANDOM_LEN],
			uint8_t master[TLS12_MASTER_LEN]);

/* master_secret = PRF(pms, "extended master secret", session_hash),
 * RFC 7627 4; session_hash is Hash(handshake messages up to and including
 * ClientKeyExchange) with the suite's hash, RFC 7627 3. */
int tls12_extended_master_secret(const EVP_MD *md, const uint8_t *pms,
				 size_t pms_len, const uint8_t *session_hash,
				 size_t hash_len,
				 uint8_t master[TLS12_MASTER_LEN]);

/*
 * The key block (RFC 5246 6.3: PRF(master, "key expansion", server_random
 * || client_random)) split into the client's and the server's write keys
 * for suite s. AEAD suites have no MAC keys; the IV part is the suite's
 * fixed_iv_len (4-byte GCM salt, 12-byte ChaCha20-Poly1305 IV, keys.h).
 * Both structs are overwritten; version 0x0303, seq 0 (see above).
 */
int tls12_traffic_keys(const struct tls12_suite *s,
		       const uint8_t master[TLS12_MASTER_LEN],
		       const uint8_t client_random[TLS12_RANDOM_LEN],
		       const uint8_t server_random[TLS12_RANDOM_LEN],
		       struct tlsk_traffic_keys *client_write,
		       struct tlsk_traffic_keys *server_write);

/* verify_data = PRF(master, "client finished" / "server finished",
 * Hash(handshake messages))[0..11], RFC 5246 7.4.9; th is that hash. */
int tls12_finished(const EVP_MD *md, const uint8_t master[TLS12_MASTER_LEN],
		   bool from_server, const uint8_t *th, size_t th_len,
		   uint8_t verify_data[TLS12_VERIFY_DATA_LEN]);

/* Check the peer's Finished body against the expected verify_data, in
 * constant time. 0, -EBADMSG on a wrong length (decode_error) or -EACCES
 * on a mismatch (decrypt_error, RFC 5246 7.4.9). */
int tls12_finished_check(const EVP_MD *md,
			 const uint8_t master[TLS12_MASTER_LEN],
			 bool from_server, const uint8_t *th, size_t th_len,
			 const uint8_t *body, size_t body_len);

#endif /* TLSK_TLS12_KEYS_H */
