/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.2 cipher suites: one descriptor per suite the kernel can carry,
 * keyed by IANA number, with the OpenSSL spelling users type.
 *
 * Only AEAD suites exist here (RFC 5288 AES-GCM, RFC 7905 ChaCha20-
 * Poly1305), because the kernel has no CBC/HMAC record layer. A suite says
 * everything the engine needs: the PRF hash (RFC 5246 5: SHA-256 unless
 * the suite names SHA-384), the AEAD and its key and IV sizes for the key
 * block (RFC 5246 6.3), and the key exchange and server authentication.
 *
 * RSA key transport suites have no forward secrecy and invite
 * Bleichenbacher-style attacks (see rsa_kx.h); they are marked
 * needs_profile and the cipher-list parser refuses them unless the caller
 * says a profile enabled them.
 *
 * This table sits beside lib/suites.c (TLS 1.3) instead of inside it
 * while both engines are being written; see docs/tls12.md for the merge.
 */
#ifndef TLSK_TLS12_SUITES_H
#define TLSK_TLS12_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tlsk/keys.h"

enum tls12_kx {
	TLS12_KX_ECDHE,		/* RFC 8422 */
	TLS12_KX_RSA,		/* RFC 5246 7.4.7.1, profile must enable */
};

enum tls12_auth {
	TLS12_AUTH_ECDSA,
	TLS12_AUTH_RSA,
};

struct tls12_suite {
	uint16_t id;			/* IANA */
	const char *name;		/* OpenSSL spelling */
	const char *iana_name;
	enum tls12_kx kx;
	enum tls12_auth auth;
	const EVP_MD *(*md)(void);	/* PRF and Finished hash */
	size_t hash_len;
	enum tlsk_aead aead;
	size_t key_len;			/* {client,server}_write_key */
	/* {client,server}_write_IV from the key block: the 4-byte implicit
	 * salt for GCM (RFC 5288 3), the whole 12-byte IV for ChaCha20-
	 * Poly1305 (RFC 7905 2) */
	size_t fixed_iv_len;
	size_t explicit_nonce_len;	/* per record on the wire: 8 or 0 */
	bool needs_profile;		/* RSA key transport */
};

#define TLS12_MAX_SUITES 8

const struct tls12_suite *tls12_suite_by_id(uint16_t id);
/* OpenSSL or IANA spelling, case-sensitive as OpenSSL is */
const struct tls12_suite *tls12_suite_by_name(const char *name);
/* the default preference order; NULL past the end */
const struct tls12_suite *tls12_suite_at(size_t i);

enum tls12_list_flags {
	TLS12_LIST_ALLOW_RSA_KX = 1 << 0,	/* a profile enabled RSA kx */
};

/*
 * Parse an OpenSSL-style cipher list ("ECDHE-ECDSA-AES128-GCM-SHA256:
 * ECDHE-RSA-AES256-GCM-SHA384"; ':' ',' or ' ' separate names, as for
 * SSL_CTX_set_cipher_list) into IANA numbers in the given order, dropping
 * repeats. Keywords and operators (DEFAULT, HIGH, !aNULL, +, -) are not
 * supported: the list names suites. Returns the count (>= 1), or -EINVAL
 * with a readable reason in why (unknown name, a TLS 1.3 suite, RSA key
 * transport not enabled, empty list) or -E2BIG when more than cap suites.
 */
int tls12_parse_cipher_list(const char *list, unsigned flags, uint16_t *ids,
			    size_t cap, char *why, size_t why_len);

#endif /* TLSK_TLS12_SUITES_H */
