/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.3 key schedule (RFC 8446, 7.1) and transcript hash (4.4.1).
 *
 * Implementation notes: the transcript is kept as the concatenation of
 * the handshake messages rather than as a running hash. A handshake is a
 * few kilobytes, and keeping the bytes makes the three awkward cases
 * trivial: the client does not know the hash before ServerHello, a
 * HelloRetryRequest replaces ClientHello1 with a synthetic message_hash,
 * and PSK binders hash a ClientHello truncated before its binders.
 */
#ifndef TLSK_KEYSCHED_H
#define TLSK_KEYSCHED_H

#include "codec.h"
#include "suites.h"

int tlsk_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len,
		      const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
/* HKDF-Expand-Label(secret, "tls13 " label, context, len), RFC 8446 7.1 */
int tlsk_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret,
			   const char *label, const uint8_t *context,
			   size_t context_len, uint8_t *out, size_t out_len);
/* Derive-Secret with an already computed transcript hash */
int tlsk_derive_secret(const EVP_MD *md, const uint8_t *secret,
		       const char *label, const uint8_t *th, uint8_t *out);
/* Derive-Secret(secret, "derived", "") then HKDF-Extract(that, ikm):
 * the step between the early, handshake and master secrets. */
int tlsk_next_stage(const EVP_MD *md, const uint8_t *secret,
		    const uint8_t *ikm, size_t ikm_len, uint8_t *out);
int tlsk_early_secret(const EVP_MD *md, const uint8_t *psk, size_t psk_len,
		      uint8_t *out);
/* HMAC(finished_key(base), th): Finished and PSK binders, RFC 8446 4.4.4 */
int tlsk_finished_mac(const EVP_MD *md, const uint8_t *base_key,
		      const uint8_t *th, uint8_t *out);
/* key and IV for one traffic secret (RFC 8446, 7.3) */
int tlsk_traffic_key_iv(const struct tlsk_suite *s, const uint8_t *secret,
			uint8_t *key, uint8_t *iv);

struct transcript {
	struct buf msgs;
	size_t last_len;	/* length of the most recent message */
};

void tr_add(struct transcript *t, const uint8_t *msg, size_t len);
/* hash of the first `len` bytes */
int tr_hash_prefix(const struct transcript *t, const EVP_MD *md, size_t len,
		   uint8_t *out);
int tr_hash(const struct transcript *t, const EVP_MD *md, uint8_t *out);
/* hash of everything but the most recent message */
int tr_hash_before_last(const struct transcript *t, const EVP_MD *md,
			uint8_t *out);
/* Replace the first `len` bytes (ClientHello1) with message_hash
 * (RFC 8446, 4.4.1). */
int tr_collapse_prefix(struct transcript *t, const EVP_MD *md, size_t len);
/* hash of the transcript followed by `extra` (a message being built) */
int tr_hash_extra(const struct transcript *t, const EVP_MD *md,
		  const uint8_t *extra, size_t extra_len, uint8_t *out);
void tr_free(struct transcript *t);

#endif /* TLSK_KEYSCHED_H */
