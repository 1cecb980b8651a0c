/* SPDX-License-Identifier: MIT */
/* ECDHE key shares (RFC 8446, 4.2.8) over x25519, secp256r1, secp384r1. */
#ifndef TLSK_KEX_H
#define TLSK_KEX_H

#include "codec.h"
#include "suites.h"

/* a fresh key pair for the group, or NULL */
EVP_PKEY *kex_keygen(const struct tlsk_group *g);
/* append our public share in its wire form */
int kex_put_share(EVP_PKEY *key, struct buf *out);
/* Shared secret with the peer's wire-form share (x25519: 32 bytes;
 * NIST curves: uncompressed point, RFC 8446 4.2.8.2). -EINVAL when the
 * share is malformed or not on the curve (illegal_parameter). */
int kex_derive(EVP_PKEY *key, const struct tlsk_group *g,
	       const uint8_t *share, size_t share_len, uint8_t *secret,
	       size_t *secret_len);

#endif /* TLSK_KEX_H */
