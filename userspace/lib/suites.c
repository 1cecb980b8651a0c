// SPDX-License-Identifier: MIT
#include "suites.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>

#include "algs.h"
#include "tlsk/aead.h"

/* RFC 8446, B.4. Server preference order when the config names none. */
static const struct tlsk_suite suites[] = {
	{ 0x1301, "TLS_AES_128_GCM_SHA256", tlsk_sha256, 32,
	  TLSK_AEAD_AES_128_GCM },
	{ 0x1302, "TLS_AES_256_GCM_SHA384", tlsk_sha384, 48,
	  TLSK_AEAD_AES_256_GCM },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256", tlsk_sha256, 32,
	  TLSK_AEAD_CHACHA20_POLY1305 },
	{ 0x1304, "TLS_AES_128_CCM_SHA256", tlsk_sha256, 32,
	  TLSK_AEAD_AES_128_CCM },
};

static_assert(TLSK_AEAD_NONCE_LEN == TLSK_MAX_IV_LEN,
	      "TLS 1.3 IVs are the AEAD nonce");
static_assert(TLSK_MAX_HASH_LEN == TLSK_MAX_SECRET_LEN, "secrets fit");

/* RFC 8446, 4.2.7 and 4.2.8.2 */
static const struct tlsk_group groups[] = {
	{ 0x001d, "x25519", "X25519", "X25519", NULL, 32 },
	{ 0x0017, "secp256r1", "P-256", "EC", "P-256", 65 },
	{ 0x0018, "secp384r1", "P-384", "EC", "P-384", 97 },
};

/* RFC 8446, 4.2.3. rsa_pkcs1_* are offered for certificate signatures
 * only; a TLS 1.3 CertificateVerify MUST NOT use them. */
static const struct tlsk_sigscheme sigschemes[] = {
	{ 0x0403, "ecdsa_secp256r1_sha256", EVP_PKEY_EC, "P-256",
	  EVP_sha256, 0, 1 },
	{ 0x0503, "ecdsa_secp384r1_sha384", EVP_PKEY_EC, "P-384",
	  EVP_sha384, 0, 1 },
	{ 0x0807, "ed25519", EVP_PKEY_ED25519, NULL, NULL, 0, 1 },
	{ 0x0804, "rsa_pss_rsae_sha256", EVP_PKEY_RSA, NULL, EVP_sha256, 1, 1 },
	{ 0x0805, "rsa_pss_rsae_sha384", EVP_PKEY_RSA, NULL, EVP_sha384, 1, 1 },
	{ 0x0401, "rsa_pkcs1_sha256", EVP_PKEY_RSA, NULL, EVP_sha256, 0, 0 },
	{ 0x0501, "rsa_pkcs1_sha384", EVP_PKEY_RSA, NULL, EVP_sha384, 0, 0 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct tlsk_suite *tlsk_suite_at(size_t i)
{
	return i < COUNT(suites) ? &suites[i] : NULL;
}

const struct tlsk_suite *tlsk_suite_by_id(uint16_t id)
{
	for (size_t i = 0; i < COUNT(suites); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

/* one suite per AEAD in TLS 1.3 */
const struct tlsk_suite *tlsk_suite_by_aead(enum tlsk_aead aead)
{
	for (size_t i = 0; i < COUNT(suites); i++)
		if (suites[i].aead == aead)
			return &suites[i];
	return NULL;
}

size_t tlsk_suite_key_len(const struct tlsk_suite *s)
{
	return tlsk_aead_lookup(s->aead)->key_len;
}

const struct tlsk_suite *tlsk_suite_by_name(const char *name)
{
	for (size_t i = 0; i < COUNT(suites); i++)
		if (!strcmp(suites[i].name, name))
			return &suites[i];
	return NULL;
}

const struct tlsk_group *tlsk_group_at(size_t i)
{
	return i < COUNT(groups) ? &groups[i] : NULL;
}

const struct tlsk_group *tlsk_group_by_id(uint16_t id)
{
	for (size_t i = 0; i < COUNT(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

const struct tlsk_group *tlsk_group_by_name(const char *name)
{
	for (size_t i = 0; i < COUNT(groups); i++)
		if (!strcasecmp(groups[i].name, name) ||
		    !strcasecmp(groups[i].alias, name))
			return &groups[i];
	return NULL;
}

const struct tlsk_sigscheme *tlsk_sigscheme_at(size_t i)
{
	return i < COUNT(sigschemes) ? &sigschemes[i] : NULL;
}

const struct tlsk_sigscheme *tlsk_sigscheme_by_id(uint16_t id)
{
	for (size_t i = 0; i < COUNT(sigschemes); i++)
		if (sigschemes[i].id == id)
			return &sigschemes[i];
	return NULL;
}

static int key_curve_is(EVP_PKEY *key, const char *curve)
{
	char name[32];
	size_t len = 0;

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    name, sizeof(name), &len))
		return 0;
	/* OpenSSL reports "prime256v1" or "P-256" depending on origin */
	if (!strcmp(curve, "P-256"))
		return !strcmp(name, "P-256") || !strcmp(name, "prime256v1");
	return !strcmp(name, "P-384") || !strcmp(name, "secp384r1");
}

int tlsk_sigscheme_fits_key(const struct tlsk_sigscheme *s, EVP_PKEY *key)
{
	int type = EVP_PKEY_get_base_id(key);

	if (type != s->pkey_type)
		return 0;
	return !s->curve || key_curve_is(key, s->curve);
}
