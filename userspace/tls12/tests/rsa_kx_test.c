// SPDX-License-Identifier: MIT
/*
 * RSA key transport: a good premaster round-trips; every kind of bad one
 * (padding, length, version, ciphertext) takes the same path and yields a
 * random 48-byte premaster with the client's version, never an error.
 * Then against libssl: the premaster we decrypt from its ClientKeyExchange
 * (read with tls12_cke_rsa_parse) gives libssl's master secret, with and
 * without the extended master secret (RFC 7627), which checks
 * tls12_keys.c's master derivations.
 */
#include "rsa_kx.h"

#include <errno.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "../../tests/tap.h"
#include "ssl12.h"
#include "tls12_keys.h"
#include "tls12_msgs.h"

#define PMS_LEN RSA_KX_PREMASTER_LEN

static EVP_PKEY *rsa_key;

static void good_premaster_round_trips(void)
{
	uint8_t pms[PMS_LEN], got[PMS_LEN];
	struct buf enc = { 0 };

	CHECK(!rsa_kx_client_premaster(rsa_key, 0x0303, pms, &enc));
	CHECK(enc.len == (size_t)EVP_PKEY_get_size(rsa_key));
	CHECK(pms[0] == 0x03 && pms[1] == 0x03);
	CHECK(!rsa_kx_server_premaster(rsa_key, 0x0303, enc.p, enc.len, got));
	CHECK(!memcmp(pms, got, PMS_LEN));
	buf_free(&enc);
}

enum defect {
	NONE, BAD_TYPE, ZERO_IN_PADDING, NO_SEPARATOR, SHORT_MESSAGE,
	LONG_MESSAGE, WRONG_VERSION, OLD_VERSION,
};

/* A type-2 encoding built by hand with one defect, encrypted raw: 0x00
 * 0x02, nonzero padding, 0x00, then version || 0xaa... (48 bytes unless
 * the defect changes the length). m gets the last 48 bytes, what a lax
 * decoder would take as the premaster. */
static size_t craft(enum defect d, uint8_t *enc, uint8_t m[PMS_LEN])
{
	size_t k = (size_t)EVP_PKEY_get_size(rsa_key);
	size_t msg_len = PMS_LEN + (d == LONG_MESSAGE) - (d == SHORT_MESSAGE);
	size_t sep = k - msg_len - 1, len = k;
	uint8_t em[1024];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, rsa_key, NULL);

	em[0] = 0x00;
	em[1] = d == BAD_TYPE ? 0x01 : 0x02;
	memset(em + 2, 0x5a, sep - 2);
	if (d == ZERO_IN_PADDING)
		em[5] = 0x00;
	em[sep] = d == NO_SEPARATOR ? 0x5a : 0x00;
	em[sep + 1] = 0x03;
	em[sep + 2] = d == WRONG_VERSION ? 0x04 : d == OLD_VERSION ? 0x01 : 0x03;
	memset(em + sep + 3, 0xaa, msg_len - 2);
	memcpy(m, em + k - PMS_LEN, PMS_LEN);
	EVP_PKEY_encrypt_init(ctx);
	EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING);
	if (EVP_PKEY_encrypt(ctx, enc, &len, em, k) != 1)
		len = 0;
	EVP_PKEY_CTX_free(ctx);
	return len;
}

/* 0 and a premaster that is neither M nor repeatable, with the version */
static int looks_random(const uint8_t *enc, size_t len, const uint8_t *m)
{
	uint8_t a[PMS_LEN], b[PMS_LEN];

	if (rsa_kx_server_premaster(rsa_key, 0x0303, enc, len, a) ||
	    rsa_kx_server_premaster(rsa_key, 0x0303, enc, len, b))
		return 0;
	return a[0] == 3 && a[1] == 3 && b[0] == 3 && b[1] == 3 &&
	       memcmp(a, b, PMS_LEN) != 0 &&
	       (!m || memcmp(a, m, PMS_LEN) != 0);
}

static void handmade_good_encoding_is_accepted(void)
{
	uint8_t enc[1024], m[PMS_LEN], got[PMS_LEN];
	size_t len = craft(NONE, enc, m);

	CHECK(len > 0);
	CHECK(!rsa_kx_server_premaster(rsa_key, 0x0303, enc, len, got));
	CHECK(!memcmp(got, m, PMS_LEN));
}

static void bad_padding_gives_random_premaster(void)
{
	static const enum defect defects[] = {
		BAD_TYPE, ZERO_IN_PADDING, NO_SEPARATOR, SHORT_MESSAGE,
		LONG_MESSAGE,
	};
	uint8_t enc[1024], m[PMS_LEN];

	for (size_t i = 0; i < sizeof(defects) / sizeof(defects[0]); i++) {
		size_t len = craft(defects[i], enc, m);

		CHECK(len > 0);
		CHECK(looks_random(enc, len, m));
	}
}

static void wrong_version_gives_random_premaster(void)
{
	uint8_t enc[1024], m[PMS_LEN];
	size_t len = craft(WRONG_VERSION, enc, m);

	CHECK(looks_random(enc, len, m));
	len = craft(OLD_VERSION, enc, m);	/* a rollback to TLS 1.0 */
	CHECK(looks_random(enc, len, m));
}

static void bad_ciphertext_gives_random_premaster(void)
{
	size_t k = (size_t)EVP_PKEY_get_size(rsa_key);
	uint8_t enc[1024];

	memset(enc, 0xff, sizeof(enc));	/* >= the modulus */
	CHECK(looks_random(enc, k, NULL));
	RAND_bytes(enc, (int)k);
	enc[0] = 0;
	CHECK(looks_random(enc, k - 1, NULL));	/* too short */
	CHECK(looks_random(enc, k + 1, NULL));	/* too long */
	CHECK(looks_random(enc, 0, NULL));	/* empty */
}

static void refuses_non_rsa_keys(void)
{
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	uint8_t pms[PMS_LEN], enc[8] = { 0 };
	struct buf out = { 0 };

	CHECK(rsa_kx_server_premaster(ec, 0x0303, enc, 8, pms) == -EINVAL);
	CHECK(rsa_kx_client_premaster(ec, 0x0303, pms, &out) == -EINVAL);
	CHECK(out.len == 0);
	EVP_PKEY_free(ec);
}

static void master_secret_against_libssl(int ems)
{
	static struct ssl12 p;	/* big: wire buffers */
	uint8_t pms[PMS_LEN], master[TLS12_MASTER_LEN], hash[EVP_MAX_MD_SIZE];
	unsigned int hash_len = 0;
	const uint8_t *enc;
	size_t enc_len = 0, cke_len = 0;

	CHECK(!ssl12_connect(&p, "AES128-GCM-SHA256", rsa_key,
			     ems ? 0 : SSL12_NO_EMS));
	enc = ssl12_message(&p, 16, &cke_len);
	if (enc && tls12_cke_rsa_parse(enc, cke_len, &enc, &enc_len))
		enc = NULL;
	CHECK(enc != NULL);
	if (!enc)
		goto out;
	CHECK(!rsa_kx_server_premaster(rsa_key, 0x0303, enc, enc_len, pms));
	if (ems) {
		/* RFC 7627 3: the hash of the messages through CKE */
		EVP_Digest(p.transcript.bytes, p.cke_end, hash, &hash_len,
			   EVP_sha256(), NULL);
		CHECK(!tls12_extended_master_secret(EVP_sha256(), pms, PMS_LEN,
						    hash, hash_len, master));
	} else {
		CHECK(!tls12_master_secret(EVP_sha256(), pms, PMS_LEN,
					   p.client_random, p.server_random,
					   master));
	}
	CHECK(!memcmp(master, p.master, TLS12_MASTER_LEN));
out:
	ssl12_free(&p);
}

static void extended_master_secret_matches_libssl(void)
{
	master_secret_against_libssl(1);
}

static void master_secret_matches_libssl(void)
{
	master_secret_against_libssl(0);
}

int main(void)
{
	rsa_key = EVP_RSA_gen(2048);
	RUN(good_premaster_round_trips);
	RUN(handmade_good_encoding_is_accepted);
	RUN(bad_padding_gives_random_premaster);
	RUN(wrong_version_gives_random_premaster);
	RUN(bad_ciphertext_gives_random_premaster);
	RUN(refuses_non_rsa_keys);
	RUN(extended_master_secret_matches_libssl);
	RUN(master_secret_matches_libssl);
	EVP_PKEY_free(rsa_key);
	return tap_done();
}
