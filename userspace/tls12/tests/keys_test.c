// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 key derivation.
 *
 * Known answers:
 *  - PRF: the P_SHA256 and P_SHA384 vectors posted to the IETF TLS list
 *    (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html),
 *    widely reproduced (GnuTLS, Botan, OpenSSL's evpkdf tests).
 *  - Everything else against OpenSSL's libssl, which shares no code with
 *    ours: a libssl client and server complete a TLS 1.2 handshake in
 *    memory (ssl12.c); from its master secret and randoms we derive the
 *    key block, open its Finished and application-data records with our
 *    keys and libtlsk's record layer, and recompute both verify_data;
 *    with seq 1 the same keys open its data and become the kernel's
 *    crypto_info (salt = implicit IV, explicit nonce = rec_seq = 1).
 */
#include "tls12_keys.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../lib/tests/hex.h"
#include "../../tests/tap.h"
#include "ssl12.h"
#include "tlsk/handoff.h"
#include "tlsk/record.h"

static void prf_ietf_vectors(void)
{
	uint8_t secret[16], seed[16], out[148];

	unhex("9bbe436ba940f017b17652849a71db35", secret, sizeof(secret));
	unhex("a0ba9f936cda311827a6f796ffd5198c", seed, sizeof(seed));
	CHECK(!tls12_prf(EVP_sha256(), secret, 16, "test label", seed, 16,
			 NULL, 0, out, 100));
	CHECK(hex_eq(out, 100,
		     "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4"
		     "e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17"
		     "abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d1"
		     "22ee42c5a72e5a5110fff70187347b66"));

	unhex("b80b733d6ceefcdc71566ea48e5567df", secret, sizeof(secret));
	unhex("cd665cf6a8447dd6ff8b27555edb7465", seed, sizeof(seed));
	/* the seed split in two parts is the same seed */
	CHECK(!tls12_prf(EVP_sha384(), secret, 16, "test label", seed, 5,
			 seed + 5, 11, out, 148));
	CHECK(hex_eq(out, 148,
		     "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107"
		     "e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700"
		     "884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473"
		     "ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a2"
		     "6066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be8"
		     "5e0990703d73e56f"));
}

static void transcript_hash(const struct ssl12 *p, const EVP_MD *md,
			    size_t len, uint8_t *out, size_t *out_len)
{
	unsigned int n = 0;

	EVP_Digest(p->transcript.bytes, len, out, &n, md, NULL);
	*out_len = n;
}

/* Open the n-th record after a side's CCS with r; its plaintext must be
 * `want` (or, for want NULL, a Finished message whose verify_data is
 * returned in fin). */
static int open_record(struct tlsk_record *r, const struct ssl12_wire *w,
		       unsigned n, uint8_t want_type, const char *want,
		       uint8_t fin[TLS12_VERIFY_DATA_LEN])
{
	uint8_t rec[TLSK_RECORD_MAX_LEN], type, *pt;
	size_t off, len;
	int got;

	if (ssl12_record_after_ccs(w, n, &off, &len) || len > sizeof(rec))
		return -1;
	memcpy(rec, w->bytes + off, len);
	got = tlsk_record_open(r, rec, len, &type, &pt);
	if (got < 0 || type != want_type)
		return -1;
	if (want)
		return (size_t)got == strlen(want) && !memcmp(pt, want, got) ?
			0 : -1;
	/* Finished: type 20, uint24 length 12, verify_data */
	if (got != 4 + TLS12_VERIFY_DATA_LEN || pt[0] != 20 || pt[3] != 12)
		return -1;
	memcpy(fin, pt + 4, TLS12_VERIFY_DATA_LEN);
	return 0;
}

/* Our keys open one side's Finished (seq 0) and then its data (seq 1). */
static void check_side(const struct ssl12 *p, const struct tls12_suite *s,
		       const struct tlsk_traffic_keys *k,
		       const struct ssl12_wire *w, int server, const char *data)
{
	struct tlsk_record *r = tlsk_record_new(k, 0);
	uint8_t fin[TLS12_VERIFY_DATA_LEN], ours[TLS12_VERIFY_DATA_LEN];
	uint8_t th[EVP_MAX_MD_SIZE], libssl_fin[TLS12_VERIFY_DATA_LEN];
	size_t th_len, fin_end = p->client_fin + 4 + TLS12_VERIFY_DATA_LEN;

	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(!open_record(r, w, 0, TLSK_CT_HANDSHAKE, NULL, fin));
	CHECK(tlsk_record_seq(r) == 1);
	CHECK(!open_record(r, w, 1, TLSK_CT_APPLICATION_DATA, data, NULL));
	tlsk_record_free(r);

	/* the client's Finished hashes everything before it; the server's
	 * everything up to and including the client's Finished */
	transcript_hash(p, s->md(), server ? fin_end : p->client_fin, th,
			&th_len);
	CHECK(!tls12_finished(s->md(), p->master, server, th, th_len, ours));
	CHECK(!memcmp(ours, fin, sizeof(fin)));
	if (server)
		SSL_get_peer_finished(p->client, libssl_fin, sizeof(libssl_fin));
	else
		SSL_get_finished(p->client, libssl_fin, sizeof(libssl_fin));
	CHECK(!memcmp(ours, libssl_fin, sizeof(fin)));
	CHECK(!tls12_finished_check(s->md(), p->master, server, th, th_len,
				    fin, sizeof(fin)));
}

/* The kernel's view of the same keys (RFC 5288 3, RFC 7905 2): GCM salt
 * = the implicit IV, first explicit nonce = rec_seq = 1; ChaCha20 iv =
 * the 12-byte IV. */
static void check_crypto_info(const struct tlsk_traffic_keys *k)
{
	static const uint8_t one[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	union tlsk_crypto_info ci;
	int len = tlsk_crypto_info_build(k, &ci);

	CHECK(len > 0 && ci.info.version == TLS_1_2_VERSION);
	if (k->aead == TLSK_AEAD_AES_128_GCM) {
		CHECK(!memcmp(ci.aes_gcm_128.salt, k->iv, 4));
		CHECK(!memcmp(ci.aes_gcm_128.iv, one, 8));
		CHECK(!memcmp(ci.aes_gcm_128.rec_seq, one, 8));
		CHECK(!memcmp(ci.aes_gcm_128.key, k->key, 16));
	} else if (k->aead == TLSK_AEAD_AES_256_GCM) {
		CHECK(!memcmp(ci.aes_gcm_256.salt, k->iv, 4));
		CHECK(!memcmp(ci.aes_gcm_256.iv, one, 8));
		CHECK(!memcmp(ci.aes_gcm_256.rec_seq, one, 8));
		CHECK(!memcmp(ci.aes_gcm_256.key, k->key, 32));
	} else {
		CHECK(!memcmp(ci.chacha20_poly1305.iv, k->iv, 12));
		CHECK(!memcmp(ci.chacha20_poly1305.rec_seq, one, 8));
		CHECK(!memcmp(ci.chacha20_poly1305.key, k->key, 32));
	}
	OPENSSL_cleanse(&ci, sizeof(ci));
}

/* What the hand-off installs: the same keys with seq 1 open the data
 * record straight away (keys.h: Finished used 0). */
static void check_handoff_seq(const struct tlsk_traffic_keys *k,
			      const struct ssl12_wire *w, const char *data)
{
	struct tlsk_traffic_keys handoff = *k;
	struct tlsk_record *r;

	handoff.seq = 1;
	r = tlsk_record_new(&handoff, 0);
	CHECK(r && !open_record(r, w, 1, TLSK_CT_APPLICATION_DATA, data,
				NULL));
	tlsk_record_free(r);
	check_crypto_info(&handoff);
	tlsk_keys_scrub(&handoff);
}

static void keys_against_libssl(const char *cipher, EVP_PKEY *key)
{
	const struct tls12_suite *s = tls12_suite_by_name(cipher);
	struct tlsk_traffic_keys cw, sw;
	static struct ssl12 p;	/* big: wire buffers */

	CHECK(s != NULL);
	CHECK(!ssl12_connect(&p, cipher, key, 0));
	if (!s || !p.client)
		goto out;
	CHECK(!tls12_traffic_keys(s, p.master, p.client_random,
				  p.server_random, &cw, &sw));
	CHECK(cw.version == 0x0303 && cw.aead == s->aead && cw.seq == 0);
	CHECK(cw.key_len == s->key_len && cw.iv_len == s->fixed_iv_len);
	CHECK(cw.secret_len == 0 && sw.iv_len == cw.iv_len);
	check_side(&p, s, &cw, &p.client_wire, 0, "ping");
	check_side(&p, s, &sw, &p.server_wire, 1, "pong");
	check_handoff_seq(&cw, &p.client_wire, "ping");
	check_handoff_seq(&sw, &p.server_wire, "pong");
	tlsk_keys_scrub(&cw);
	tlsk_keys_scrub(&sw);
out:
	ssl12_free(&p);
}

static EVP_PKEY *ec_key, *rsa_key;

static void ecdsa_aes128_gcm(void)
{
	keys_against_libssl("ECDHE-ECDSA-AES128-GCM-SHA256", ec_key);
}

static void ecdsa_aes256_gcm_sha384(void)
{
	keys_against_libssl("ECDHE-ECDSA-AES256-GCM-SHA384", ec_key);
}

static void ecdsa_chacha20_poly1305(void)
{
	keys_against_libssl("ECDHE-ECDSA-CHACHA20-POLY1305", ec_key);
}

static void ecdhe_rsa_aes256_gcm_sha384(void)
{
	keys_against_libssl("ECDHE-RSA-AES256-GCM-SHA384", rsa_key);
}

static void ecdhe_rsa_chacha20_poly1305(void)
{
	keys_against_libssl("ECDHE-RSA-CHACHA20-POLY1305", rsa_key);
}

static void rsa_kx_aes256_gcm_sha384(void)
{
	keys_against_libssl("AES256-GCM-SHA384", rsa_key);
}

static void finished_check_rejects(void)
{
	uint8_t master[TLS12_MASTER_LEN] = { 1 }, th[32] = { 2 }, vd[12];

	CHECK(!tls12_finished(EVP_sha256(), master, 0, th, 32, vd));
	CHECK(!tls12_finished_check(EVP_sha256(), master, 0, th, 32, vd, 12));
	CHECK(tls12_finished_check(EVP_sha256(), master, 0, th, 32, vd, 11) ==
	      -EBADMSG);
	CHECK(tls12_finished_check(EVP_sha256(), master, 1, th, 32, vd, 12) ==
	      -EACCES);	/* the other side's label */
	vd[11] ^= 1;
	CHECK(tls12_finished_check(EVP_sha256(), master, 0, th, 32, vd, 12) ==
	      -EACCES);
}

int main(void)
{
	ec_key = EVP_EC_gen("P-256");
	rsa_key = EVP_RSA_gen(2048);
	RUN(prf_ietf_vectors);
	RUN(ecdsa_aes128_gcm);
	RUN(ecdsa_aes256_gcm_sha384);
	RUN(ecdsa_chacha20_poly1305);
	RUN(ecdhe_rsa_aes256_gcm_sha384);
	RUN(ecdhe_rsa_chacha20_poly1305);
	RUN(rsa_kx_aes256_gcm_sha384);
	RUN(finished_check_rejects);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa_key);
	return tap_done();
}
