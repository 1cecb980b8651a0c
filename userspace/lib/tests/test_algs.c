// SPDX-License-Identifier: MIT
/*
 * The process-wide algorithm cache (lib/algs.c): the objects handed out
 * are fetched ones and always the same, no handshake fetches again, many
 * threads racing on the first use get one set of objects, and the HMAC,
 * HKDF and TLS 1.2 PRF built on it give libcrypto's own answers
 * (EVP_Q_mac, EVP_KDF "HKDF" and "TLS1-PRF" as the independent
 * implementations) and RFC 5869's test case 1.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "algs.h"
#include "keysched.h"
#include "suites.h"
#include "tls12_keys.h"
#include "tls12_suites.h"
#include "../../tests/tap.h"

#define THREADS 8
/* two digests, four AEADs */
#define FETCHES 6

struct racer {
	pthread_barrier_t *start;
	const EVP_MD *md;
	const EVP_CIPHER *cipher;
	uint8_t prk[32];
	int err;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	static const uint8_t ikm[32] = { 7 };

	pthread_barrier_wait(r->start);
	r->md = tlsk_sha256();
	r->cipher = tlsk_aes_128_gcm();
	r->err = tlsk_early_secret(r->md, ikm, sizeof(ikm), r->prk);
	return NULL;
}

/* Must run first: no thread has touched the cache yet. */
static void first_use_races_to_one_set(void)
{
	pthread_t t[THREADS];
	struct racer r[THREADS];
	pthread_barrier_t start;
	int started = 0;

	pthread_barrier_init(&start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct racer){ .start = &start };
		started += !pthread_create(&t[i], NULL, race, &r[i]);
	}
	CHECK(started == THREADS);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < started; i++) {
		CHECK(!r[i].err);
		CHECK(r[i].md == r[0].md && r[i].cipher == r[0].cipher);
		CHECK(!memcmp(r[i].prk, r[0].prk, sizeof(r[0].prk)));
	}
	CHECK(tlsk_algs_fetches() == FETCHES);
}

static void handed_out_objects_are_fetched_once(void)
{
	const struct tlsk_suite *s13 = tlsk_suite_by_id(0x1301);
	const struct tlsk_suite *s384 = tlsk_suite_by_id(0x1302);

	/* fetched (provider-backed), not legacy, and the same every time */
	CHECK(EVP_MD_get0_provider(tlsk_sha256()) != NULL);
	CHECK(EVP_MD_get0_provider(tlsk_sha384()) != NULL);
	CHECK(EVP_CIPHER_get0_provider(tlsk_aes_128_gcm()) != NULL);
	CHECK(EVP_CIPHER_get0_provider(tlsk_aes_256_gcm()) != NULL);
	CHECK(EVP_CIPHER_get0_provider(tlsk_chacha20_poly1305()) != NULL);
	CHECK(EVP_CIPHER_get0_provider(tlsk_aes_128_ccm()) != NULL);
	CHECK(tlsk_sha256() == tlsk_sha256());
	/* the suite tables hand out the cached digests */
	CHECK(s13 && s13->md() == tlsk_sha256());
	CHECK(s384 && s384->md() == tlsk_sha384());
}

static void handshakes_fetch_nothing(void)
{
	const struct tlsk_suite *s = tlsk_suite_by_id(0x1301);
	uint8_t secret[48] = { 1 }, out[48], key[32], iv[12];
	unsigned before = tlsk_algs_fetches();

	for (int i = 0; i < 50; i++) {
		CHECK(!tlsk_derive_secret(s->md(), secret, "c hs traffic",
					  secret, out));
		CHECK(!tlsk_traffic_key_iv(s, out, key, iv));
		CHECK(!tlsk_finished_mac(s->md(), out, secret, out));
		CHECK(!tls12_prf(tlsk_sha384(), secret, 48, "key expansion",
				 secret, 32, out, 16, out, 40));
	}
	CHECK(tlsk_algs_fetches() == before && before == FETCHES);
}

static void hmac_matches_libcrypto(void)
{
	const EVP_MD *mds[] = { tlsk_sha256(), tlsk_sha384(), EVP_sha256() };
	/* empty, short, one block, longer than a SHA-384 block (hashed) */
	static const size_t key_lens[] = { 0, 1, 32, 64, 65, 128, 129, 200 };
	uint8_t key[200], data[300], a[48], b[48];
	size_t blen;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	for (size_t m = 0; m < sizeof(mds) / sizeof(mds[0]); m++) {
		size_t hlen = (size_t)EVP_MD_get_size(mds[m]);

		for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]);
		     k++) {
			size_t kl = key_lens[k];
			/* libcrypto refuses an empty key; one zero byte is
			 * the same HMAC key */
			static const uint8_t zero;

			CHECK(!tlsk_hmac(mds[m], key, kl, data, 100,
					 data + 100, 200, a));
			CHECK(EVP_Q_mac(NULL, "HMAC", NULL,
					EVP_MD_get0_name(mds[m]), NULL,
					kl ? key : &zero, kl ? kl : 1, data,
					300, b, sizeof(b), &blen) != NULL);
			CHECK(blen == hlen && !memcmp(a, b, hlen));
			/* A kept key (the PRF's): the same MACs, several
			 * messages in a row, the key's pad states reused. */
			struct tlsk_hmac_key hk;

			CHECK(!tlsk_hmac_key_init(&hk, mds[m], key, kl));
			for (size_t j = 0; j < 3; j++) {
				const struct tlsk_bytes parts[] = {
					{ data, 50 * j }, { data + 150, 150 },
				};

				CHECK(!tlsk_hmac(mds[m], key, kl, data, 50 * j,
						 data + 150, 150, a));
				memset(b, 0, sizeof(b));
				CHECK(!tlsk_hmac_key_mac(&hk, parts, 2, b));
				CHECK(!memcmp(a, b, hlen));
			}
			tlsk_hmac_key_clear(&hk);
		}
	}
}

static int libcrypto_hkdf(const EVP_MD *md, const uint8_t *salt,
			  size_t salt_len, const uint8_t *ikm, size_t ikm_len,
			  const uint8_t *info, size_t info_len, uint8_t *out,
			  size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok;

	p[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)ikm, ikm_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, salt_len);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, info_len);
	p[4] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, out_len, p) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* RFC 5869 A.1, and every length up to three blocks against libcrypto */
static void hkdf_matches_rfc5869_and_libcrypto(void)
{
	static const uint8_t salt[13] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
					  0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
					  0x0c };
	static const uint8_t info[10] = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4,
					  0xf5, 0xf6, 0xf7, 0xf8, 0xf9 };
	static const uint8_t prk_a1[32] = {
		0x07, 0x77, 0x09, 0x36, 0x2c, 0x2e, 0x32, 0xdf, 0x0d, 0xdc,
		0x3f, 0x0d, 0xc4, 0x7b, 0xba, 0x63, 0x90, 0xb6, 0xc7, 0x3b,
		0xb5, 0x0f, 0x9c, 0x31, 0x22, 0xec, 0x84, 0x4a, 0xd7, 0xc2,
		0xb3, 0xe5,
	};
	static const uint8_t okm_a1[42] = {
		0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43,
		0x4f, 0x64, 0xd0, 0x36, 0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90,
		0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4,
		0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18,
		0x58, 0x65,
	};
	uint8_t ikm[22], prk[48], okm[144], want[144];

	memset(ikm, 0x0b, sizeof(ikm));
	CHECK(!tlsk_hkdf_extract_raw(tlsk_sha256(), salt, sizeof(salt), ikm,
				     sizeof(ikm), prk));
	CHECK(!memcmp(prk, prk_a1, sizeof(prk_a1)));
	CHECK(!tlsk_hkdf_expand_raw(tlsk_sha256(), prk, 32, info,
				    sizeof(info), okm, sizeof(okm_a1)));
	CHECK(!memcmp(okm, okm_a1, sizeof(okm_a1)));

	for (size_t len = 1; len <= sizeof(okm); len += 7) {
		const EVP_MD *md = len & 2 ? tlsk_sha384() : tlsk_sha256();
		size_t hlen = (size_t)EVP_MD_get_size(md);

		CHECK(!tlsk_hkdf_extract_raw(md, salt, sizeof(salt), ikm,
					     sizeof(ikm), prk));
		CHECK(!tlsk_hkdf_expand_raw(md, prk, hlen, info, sizeof(info),
					    okm, len));
		CHECK(!libcrypto_hkdf(md, salt, sizeof(salt), ikm,
				      sizeof(ikm), info, sizeof(info), want,
				      len));
		CHECK(!memcmp(okm, want, len));
	}
	/* RFC 5869 2.3: L <= 255 * HashLen */
	CHECK(tlsk_hkdf_expand_raw(tlsk_sha256(), prk, 32, info, sizeof(info),
				   okm, 255 * 32 + 1) == -1);
}

static int libcrypto_prf(const EVP_MD *md, const uint8_t *secret,
			 size_t secret_len, const char *label,
			 const uint8_t *seed, size_t seed_len, uint8_t *out,
			 size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok;

	p[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
						 (void *)secret, secret_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
						 (void *)label, strlen(label));
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
						 (void *)seed, seed_len);
	p[4] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, out_len, p) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* The TLS 1.2 PRF on our HMAC against EVP_KDF "TLS1-PRF", lengths 1..150
 * (one block, several, partial last blocks), one seed and two. */
static void tls12_prf_matches_libcrypto(void)
{
	uint8_t secret[48], seed[64], out[150], want[150];

	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(i * 3);
	for (size_t len = 1; len <= sizeof(out); len += 11) {
		const EVP_MD *md = len & 1 ? tlsk_sha384() : tlsk_sha256();

		CHECK(!tls12_prf(md, secret, sizeof(secret), "key expansion",
				 seed, 32, seed + 32, 32, out, len));
		CHECK(!libcrypto_prf(md, secret, sizeof(secret),
				     "key expansion", seed, 64, want, len));
		CHECK(!memcmp(out, want, len));
		CHECK(!tls12_prf(md, secret, sizeof(secret), "master secret",
				 seed, 48, NULL, 0, out, len));
		CHECK(!libcrypto_prf(md, secret, sizeof(secret),
				     "master secret", seed, 48, want, len));
		CHECK(!memcmp(out, want, len));
	}
}

int main(void)
{
	RUN(first_use_races_to_one_set);
	RUN(handed_out_objects_are_fetched_once);
	RUN(handshakes_fetch_nothing);
	RUN(hmac_matches_libcrypto);
	RUN(hkdf_matches_rfc5869_and_libcrypto);
	RUN(tls12_prf_matches_libcrypto);
	return tap_done();
}
