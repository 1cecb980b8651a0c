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

/*
 * RFC 8446 4.2.3 (and RFC 8422 5.1.3, RFC 5246 7.4.1.4.1 for TLS 1.2):
 * every scheme we sign and verify with, in the order we offer them. The
 * peer's order picks (pick_sigscheme, tls12 choose_sigscheme12).
 * rsa_pkcs1_* are for TLS 1.2 and for certificates: a TLS 1.3
 * CertificateVerify MUST NOT use them. ecdsa_sha224 (0x0303) is a TLS 1.2
 * hash/signature pair only (RFC 8422 allows any hash with ECDSA there).
 * SHA-1 and MD5 (0x0201, 0x0203, 0x0101, ...) are absent on purpose: no
 * peer can get them (RFC 8446 4.2.3: MUST NOT be offered or accepted
 * for CertificateVerify; RFC 9155 for TLS 1.2).
 */
static const struct tlsk_sigscheme sigschemes[] = {
	{ 0x0403, "ecdsa_secp256r1_sha256", EVP_PKEY_EC, "P-256",
	  EVP_sha256, 0, 1 },
	{ 0x0503, "ecdsa_secp384r1_sha384", EVP_PKEY_EC, "P-384",
	  EVP_sha384, 0, 1 },
	{ 0x0603, "ecdsa_secp521r1_sha512", EVP_PKEY_EC, "P-521",
	  EVP_sha512, 0, 1 },
	{ 0x0807, "ed25519", EVP_PKEY_ED25519, NULL, NULL, 0, 1 },
	{ 0x0804, "rsa_pss_rsae_sha256", EVP_PKEY_RSA, NULL, EVP_sha256, 1, 1 },
	{ 0x0805, "rsa_pss_rsae_sha384", EVP_PKEY_RSA, NULL, EVP_sha384, 1, 1 },
	{ 0x0806, "rsa_pss_rsae_sha512", EVP_PKEY_RSA, NULL, EVP_sha512, 1, 1 },
	{ 0x0809, "rsa_pss_pss_sha256", EVP_PKEY_RSA_PSS, NULL, EVP_sha256,
	  1, 1 },
	{ 0x080a, "rsa_pss_pss_sha384", EVP_PKEY_RSA_PSS, NULL, EVP_sha384,
	  1, 1 },
	{ 0x080b, "rsa_pss_pss_sha512", EVP_PKEY_RSA_PSS, NULL, EVP_sha512,
	  1, 1 },
	{ 0x0401, "rsa_pkcs1_sha256", EVP_PKEY_RSA, NULL, EVP_sha256, 0, 0 },
	{ 0x0501, "rsa_pkcs1_sha384", EVP_PKEY_RSA, NULL, EVP_sha384, 0, 0 },
	{ 0x0601, "rsa_pkcs1_sha512", EVP_PKEY_RSA, NULL, EVP_sha512, 0, 0 },
	{ 0x0303, "ecdsa_sha224", EVP_PKEY_EC, NULL, EVP_sha224, 0, 0 },
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
	/* OpenSSL reports the NIST or the SEC name depending on origin */
	static const char *const names[][2] = { { "P-256", "prime256v1" },
						{ "P-384", "secp384r1" },
						{ "P-521", "secp521r1" } };
	char name[32];
	size_t len = 0;

	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    name, sizeof(name), &len))
		return 0;
	for (size_t i = 0; i < COUNT(names); i++)
		if (!strcmp(curve, names[i][0]))
			return !strcmp(name, names[i][0]) ||
			       !strcmp(name, names[i][1]);
	return 0;
}

/* RFC 8446 4.2.3, RFC 4055 3.1: an RSASSA-PSS key may be restricted to
 * one hash (for the message and MGF1) and a minimum salt length; TLS
 * signs with the scheme's hash for both and a salt as long as the hash */
static int pss_key_allows(EVP_PKEY *key, const EVP_MD *md)
{
	char name[64];
	size_t len = 0;
	int saltlen = 0;

	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_RSA_DIGEST,
					   name, sizeof(name), &len) &&
	    !EVP_MD_is_a(md, name))
		return 0;
	if (EVP_PKEY_get_utf8_string_param(key,
					   OSSL_PKEY_PARAM_RSA_MGF1_DIGEST,
					   name, sizeof(name), &len) &&
	    !EVP_MD_is_a(md, name))
		return 0;
	if (EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_RSA_PSS_SALTLEN,
				   &saltlen) &&
	    saltlen > EVP_MD_get_size(md))
		return 0;
	return 1;
}

int tlsk_sigscheme_fits_key(const struct tlsk_sigscheme *s, EVP_PKEY *key)
{
	int type = EVP_PKEY_get_base_id(key);

	if (type != s->pkey_type)
		return 0;
	if (type == EVP_PKEY_RSA_PSS)
		return pss_key_allows(key, s->md());
	return !s->curve || key_curve_is(key, s->curve);
}

/* RFC 5246 7.4.1.4.1, RFC 8422 5.1.3: in TLS 1.2 an ECDSA scheme names
 * only the hash, whatever the key's curve */
int tlsk_sigscheme_fits_key12(const struct tlsk_sigscheme *s, EVP_PKEY *key)
{
	if (s->pkey_type == EVP_PKEY_EC)
		return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;
	return tlsk_sigscheme_fits_key(s, key);
}
