// SPDX-License-Identifier: MIT
#include "tls12_suites.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "algs.h"

#define GCM_SALT_LEN		4	/* RFC 5288 3: GCMNonce.salt */
#define GCM_EXPLICIT_LEN	8	/* RFC 5288 3: GCMNonce.nonce_explicit */
#define CHACHA_IV_LEN		12	/* RFC 7905 2 */

#define AES128_GCM(id_, name_, iana_, kx_, auth_)			\
	{ id_, name_, iana_, kx_, auth_, tlsk_sha256, 32,		\
	  TLSK_AEAD_AES_128_GCM, 16, GCM_SALT_LEN, GCM_EXPLICIT_LEN,	\
	  (kx_) == TLS12_KX_RSA }
#define AES256_GCM(id_, name_, iana_, kx_, auth_)			\
	{ id_, name_, iana_, kx_, auth_, tlsk_sha384, 48,		\
	  TLSK_AEAD_AES_256_GCM, 32, GCM_SALT_LEN, GCM_EXPLICIT_LEN,	\
	  (kx_) == TLS12_KX_RSA }
#define CHACHA(id_, name_, iana_, kx_, auth_)				\
	{ id_, name_, iana_, kx_, auth_, tlsk_sha256, 32,		\
	  TLSK_AEAD_CHACHA20_POLY1305, 32, CHACHA_IV_LEN, 0,		\
	  (kx_) == TLS12_KX_RSA }

/*
 * Default server preference: forward-secret suites first, ECDSA before
 * RSA for each cipher (the server only uses those its certificate can
 * sign), AES-128-GCM before AES-256-GCM before ChaCha20-Poly1305 as
 * OpenSSL orders them; RSA key transport last.
 */
static const struct tls12_suite suites[] = {
	AES128_GCM(0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256",
		   "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		   TLS12_KX_ECDHE, TLS12_AUTH_ECDSA),
	AES128_GCM(0xc02f, "ECDHE-RSA-AES128-GCM-SHA256",
		   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		   TLS12_KX_ECDHE, TLS12_AUTH_RSA),
	AES256_GCM(0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384",
		   "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		   TLS12_KX_ECDHE, TLS12_AUTH_ECDSA),
	AES256_GCM(0xc030, "ECDHE-RSA-AES256-GCM-SHA384",
		   "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		   TLS12_KX_ECDHE, TLS12_AUTH_RSA),
	CHACHA(0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305",
	       "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	       TLS12_KX_ECDHE, TLS12_AUTH_ECDSA),
	CHACHA(0xcca8, "ECDHE-RSA-CHACHA20-POLY1305",
	       "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	       TLS12_KX_ECDHE, TLS12_AUTH_RSA),
	AES128_GCM(0x009c, "AES128-GCM-SHA256",
		   "TLS_RSA_WITH_AES_128_GCM_SHA256",
		   TLS12_KX_RSA, TLS12_AUTH_RSA),
	AES256_GCM(0x009d, "AES256-GCM-SHA384",
		   "TLS_RSA_WITH_AES_256_GCM_SHA384",
		   TLS12_KX_RSA, TLS12_AUTH_RSA),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static_assert(COUNT(suites) <= TLS12_MAX_SUITES, "TLS12_MAX_SUITES");
static_assert(GCM_SALT_LEN + GCM_EXPLICIT_LEN == TLSK_MAX_IV_LEN,
	      "salt || explicit nonce is the 12-byte GCM nonce");
static_assert(CHACHA_IV_LEN == TLSK_MAX_IV_LEN, "RFC 7905 IV fits");
static_assert(32 <= TLSK_MAX_KEY_LEN, "AES-256 and ChaCha20 keys fit");
/* the largest key block: 2 * (32-byte key + 12-byte IV), no MAC keys */
#define MAX_KEY_BLOCK (2 * (32 + CHACHA_IV_LEN))
static_assert(MAX_KEY_BLOCK <= 2 * (TLSK_MAX_KEY_LEN + TLSK_MAX_IV_LEN),
	      "key block fits two struct tlsk_traffic_keys");

const struct tls12_suite *tls12_suite_at(size_t i)
{
	return i < COUNT(suites) ? &suites[i] : NULL;
}

const struct tls12_suite *tls12_suite_by_id(uint16_t id)
{
	for (size_t i = 0; i < COUNT(suites); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const struct tls12_suite *tls12_suite_by_name(const char *name)
{
	for (size_t i = 0; i < COUNT(suites); i++)
		if (!strcmp(suites[i].name, name) ||
		    !strcmp(suites[i].iana_name, name))
			return &suites[i];
	return NULL;
}

static bool is_separator(char c)
{
	return c == ':' || c == ',' || c == ' ';
}

static bool looks_like_tls13(const char *name)
{
	/* RFC 8446 B.4 names all start so; OpenSSL takes them elsewhere */
	return !strncmp(name, "TLS_AES_", 8) || !strncmp(name, "TLS_CHACHA20_", 13);
}

/* the suite named by one token, or NULL with the reason in why */
static const struct tls12_suite *parse_one(const char *name, unsigned flags,
					   char *why, size_t why_len)
{
	const struct tls12_suite *s = tls12_suite_by_name(name);

	if (!s && looks_like_tls13(name))
		snprintf(why, why_len,
			 "%s is a TLS 1.3 suite (set those with -ciphersuites)",
			 name);
	else if (!s && strpbrk(name, "!+-@") == name)
		snprintf(why, why_len,
			 "cipher-string operators are not supported: '%s' "
			 "(list suites by name)", name);
	else if (!s)
		snprintf(why, why_len, "unknown or unsupported TLS 1.2 cipher "
			 "'%s' (only AEAD suites the kernel can carry)", name);
	else if (s->needs_profile && !(flags & TLS12_LIST_ALLOW_RSA_KX))
		snprintf(why, why_len, "%s uses RSA key transport, which the "
			 "profile must enable explicitly", name);
	else
		return s;
	return NULL;
}

static bool seen(const uint16_t *ids, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int tls12_parse_cipher_list(const char *list, unsigned flags, uint16_t *ids,
			    size_t cap, char *why, size_t why_len)
{
	char name[64];
	size_t n = 0;

	snprintf(why, why_len, "empty cipher list");
	while (list && *list) {
		size_t len = strcspn(list, ":, ");
		const struct tls12_suite *s;

		if (len >= sizeof(name)) {
			snprintf(why, why_len, "cipher name too long: '%.*s...'",
				 20, list);
			return -EINVAL;
		}
		memcpy(name, list, len);
		name[len] = '\0';
		list += len;
		while (is_separator(*list))
			list++;
		if (!len)
			continue;
		s = parse_one(name, flags, why, why_len);
		if (!s)
			return -EINVAL;
		if (seen(ids, n, s->id))
			continue;
		if (n == cap) {
			snprintf(why, why_len, "more than %zu ciphers", cap);
			return -E2BIG;
		}
		ids[n++] = s->id;
	}
	if (!n)
		return -EINVAL;
	why[0] = '\0';
	return (int)n;
}
