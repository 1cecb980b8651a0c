/* SPDX-License-Identifier: MIT */
/*
 * The algorithm tables: TLS 1.3 cipher suites, key-exchange groups and
 * signature schemes. One descriptor per algorithm; everything else (hash,
 * AEAD, sizes, libcrypto objects, the kernel's enum tlsk_aead) is looked
 * up here, never switched on elsewhere.
 */
#ifndef TLSK_SUITES_H
#define TLSK_SUITES_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tlsk/keys.h"

#define TLSK_MAX_HASH_LEN 48

/* a suite is a hash and a record AEAD; the AEAD's own table
 * (include/tlsk/aead.h, shared with the record layer and the kernel
 * hand-off) has its sizes and EVP_CIPHER */
struct tlsk_suite {
	uint16_t id;			/* IANA */
	const char *name;		/* IANA == OpenSSL spelling */
	const EVP_MD *(*md)(void);
	size_t hash_len;
	enum tlsk_aead aead;
};

struct tlsk_group {
	uint16_t id;			/* IANA NamedGroup */
	const char *name;		/* RFC 8446 name */
	const char *alias;		/* OpenSSL name */
	const char *keytype;		/* EVP_PKEY_Q_keygen type */
	const char *curve;		/* or NULL for X25519 */
	size_t share_len;		/* RFC 8446, 4.2.8.2 */
};

struct tlsk_sigscheme {
	uint16_t id;
	const char *name;
	int pkey_type;			/* EVP_PKEY_EC/RSA/ED25519 */
	const char *curve;		/* ECDSA: the curve bound to the scheme */
	const EVP_MD *(*md)(void);	/* NULL for Ed25519 */
	int pss;
	int tls13;			/* usable in a TLS 1.3 CertificateVerify */
};

const struct tlsk_suite *tlsk_suite_by_id(uint16_t id);
const struct tlsk_suite *tlsk_suite_by_name(const char *name);
const struct tlsk_suite *tlsk_suite_at(size_t i);	/* NULL past the end */
const struct tlsk_suite *tlsk_suite_by_aead(enum tlsk_aead aead);
size_t tlsk_suite_key_len(const struct tlsk_suite *s);

const struct tlsk_group *tlsk_group_by_id(uint16_t id);
const struct tlsk_group *tlsk_group_by_name(const char *name);
const struct tlsk_group *tlsk_group_at(size_t i);

const struct tlsk_sigscheme *tlsk_sigscheme_by_id(uint16_t id);
const struct tlsk_sigscheme *tlsk_sigscheme_at(size_t i);
/* does this key (type, curve, RSA-PSS restrictions) sign with this
 * scheme in TLS 1.3? */
int tlsk_sigscheme_fits_key(const struct tlsk_sigscheme *s, EVP_PKEY *key);
/* the same in TLS 1.2, where ECDSA schemes are not bound to a curve */
int tlsk_sigscheme_fits_key12(const struct tlsk_sigscheme *s, EVP_PKEY *key);

#endif /* TLSK_SUITES_H */
