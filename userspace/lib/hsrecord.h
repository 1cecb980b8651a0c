/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.3 record protection for the handshake's own records (RFC 8446,
 * 5.2-5.4): the encrypted handshake flight and, on the server, tickets
 * sent before the hand-off. Application data never passes through here.
 */
#ifndef TLSK_HSRECORD_H
#define TLSK_HSRECORD_H

#include <stdbool.h>

#include "codec.h"
#include "suites.h"

#define REC_HDR_LEN		5
#define REC_MAX_PLAINTEXT	16384			/* 2^14 */
#define REC_MAX_CIPHERTEXT	(REC_MAX_PLAINTEXT + 256)

enum content_type {
	CT_CHANGE_CIPHER_SPEC = 20,
	CT_ALERT = 21,
	CT_HANDSHAKE = 22,
	CT_APPLICATION_DATA = 23,
};

/* one direction's protection state */
struct hs_prot {
	const struct tlsk_suite *suite;	/* NULL: plaintext */
	uint8_t secret[TLSK_MAX_HASH_LEN];
	uint8_t key[TLSK_MAX_KEY_LEN];
	uint8_t iv[TLSK_MAX_IV_LEN];
	uint64_t seq;
};

/* switch to keys derived from a traffic secret, seq 0 */
int hs_prot_set(struct hs_prot *p, const struct tlsk_suite *s,
		const uint8_t *secret);
void hs_prot_clear(struct hs_prot *p);
/* append one record of `type` carrying len <= 2^14 bytes */
int hs_prot_seal(struct hs_prot *p, uint8_t type, const uint8_t *data,
		 size_t len, struct buf *out);
/* Open a protected record in place: body holds len bytes after the
 * header hdr. On success *type and *pt_len describe the inner plaintext
 * at body. -EBADMSG on authentication failure, -EPROTO for no content
 * type or an oversized plaintext. */
int hs_prot_open(struct hs_prot *p, const uint8_t *hdr, uint8_t *body,
		 size_t len, uint8_t *type, size_t *pt_len);

#endif /* TLSK_HSRECORD_H */
