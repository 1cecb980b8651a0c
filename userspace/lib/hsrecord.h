/* SPDX-License-Identifier: MIT */
/*
 * The engine's side of record protection (RFC 8446, 5.2-5.4) for its own
 * records: the encrypted handshake flight and, on the server, tickets sent
 * before the hand-off. The AEAD work is the userspace record layer's
 * (include/tlsk/record.h): one implementation for handshake and data.
 * Here a traffic secret becomes keys (RFC 8446 7.3) and those keys are
 * what tlsk_engine_export_keys() hands out.
 */
#ifndef TLSK_HSRECORD_H
#define TLSK_HSRECORD_H

#include <stdbool.h>

#include "codec.h"
#include "suites.h"
#include "tlsk/record.h"

#define REC_HDR_LEN		TLSK_RECORD_HEADER_LEN
#define REC_MAX_PLAINTEXT	TLSK_RECORD_MAX_PLAINTEXT
#define REC_MAX_CIPHERTEXT	TLSK_RECORD_MAX_BODY_TLS13
#define REC_MAX_CIPHERTEXT12	TLSK_RECORD_MAX_BODY_TLS12

enum content_type {
	CT_CHANGE_CIPHER_SPEC = TLSK_CT_CHANGE_CIPHER_SPEC,
	CT_ALERT = TLSK_CT_ALERT,
	CT_HANDSHAKE = TLSK_CT_HANDSHAKE,
	CT_APPLICATION_DATA = TLSK_CT_APPLICATION_DATA,
};

/* one direction's protection state; rec == NULL means plaintext */
struct hs_prot {
	struct tlsk_record *rec;
	struct tlsk_traffic_keys keys;	/* as exported; seq is rec's */
};

/* switch to keys derived from a traffic secret, seq 0 */
int hs_prot_set(struct hs_prot *p, const struct tlsk_suite *s,
		const uint8_t *secret, bool seal);
/* switch to ready-made keys (TLS 1.2's key block), from keys->seq */
int hs_prot_set_keys(struct hs_prot *p, const struct tlsk_traffic_keys *keys,
		     bool seal);
void hs_prot_clear(struct hs_prot *p);
static inline bool hs_prot_on(const struct hs_prot *p)
{
	return p->rec != NULL;
}
/* the keys with the current sequence number */
void hs_prot_keys(const struct hs_prot *p, struct tlsk_traffic_keys *keys);
/* append one record of `type` carrying len <= 2^14 bytes */
int hs_prot_seal(struct hs_prot *p, uint8_t type, const uint8_t *data,
		 size_t len, struct buf *out);
/* Open a whole record (header and body) in place: *type and *pt describe
 * the inner plaintext, its length is returned. -EBADMSG when it does not
 * authenticate, -EMSGSIZE for record_overflow. */
int hs_prot_open(struct hs_prot *p, uint8_t *rec, size_t len, uint8_t *type,
		 uint8_t **pt);

#endif /* TLSK_HSRECORD_H */
