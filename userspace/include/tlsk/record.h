/* SPDX-License-Identifier: MIT */
/*
 * Userspace TLS record layer: seals and opens protected records for one
 * direction of a connection, from the struct tlsk_traffic_keys the engine
 * exports. It is the fallback when neither the "tlsk" nor the in-tree "tls"
 * ULP is available, and speaks the same wire format the kernel does:
 *
 *   TLS 1.2 (RFC 5246 6.2.3.3): header || explicit nonce (GCM/CCM: 8 bytes,
 *	the sequence number; ChaCha20-Poly1305: none, RFC 7905) ||
 *	ciphertext || tag; AAD = seq || type || version || plaintext length.
 *   TLS 1.3 (RFC 8446 5.2): header (type 23) || AEAD(plaintext || type ||
 *	zero padding); nonce = iv XOR seq; AAD = the record header.
 *
 * Every record consumes exactly one sequence number; a record that fails to
 * open leaves the sequence number alone and the caller MUST treat the
 * connection as dead (bad_record_mac), as the kernel does.
 */
#ifndef TLSK_RECORD_H
#define TLSK_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define TLSK_RECORD_HEADER_LEN		5
#define TLSK_RECORD_MAX_PLAINTEXT	16384		/* 2^14 */
/* RFC 5246 6.2.3: ciphertext at most 2^14 + 2048; RFC 8446 5.2: + 256. */
#define TLSK_RECORD_MAX_BODY_TLS12	(16384 + 2048)
#define TLSK_RECORD_MAX_BODY_TLS13	(16384 + 256)
#define TLSK_RECORD_MAX_LEN \
	(TLSK_RECORD_HEADER_LEN + TLSK_RECORD_MAX_BODY_TLS12)

enum tlsk_content_type {
	TLSK_CT_CHANGE_CIPHER_SPEC = 20,
	TLSK_CT_ALERT = 21,
	TLSK_CT_HANDSHAKE = 22,
	TLSK_CT_APPLICATION_DATA = 23,
};

#define TLSK_ALERT_LEVEL_WARNING	1
#define TLSK_ALERT_LEVEL_FATAL		2
#define TLSK_ALERT_CLOSE_NOTIFY		0
#define TLSK_ALERT_UNEXPECTED_MESSAGE	10
#define TLSK_ALERT_BAD_RECORD_MAC	20
#define TLSK_ALERT_RECORD_OVERFLOW	22
#define TLSK_ALERT_ILLEGAL_PARAMETER	47
#define TLSK_ALERT_DECODE_ERROR		50
#define TLSK_ALERT_PROTOCOL_VERSION	70
#define TLSK_ALERT_INTERNAL_ERROR	80
#define TLSK_ALERT_USER_CANCELED	90

struct tlsk_record;

/*
 * A record protector for one direction, seeded with keys->seq. The keys are
 * copied; the caller still scrubs its own struct. NULL on bad keys or ENOMEM
 * (errno set).
 */
struct tlsk_record *tlsk_record_new(const struct tlsk_traffic_keys *keys,
				    int seal);
/* Scrubs the keys and frees. NULL is fine. */
void tlsk_record_free(struct tlsk_record *r);

/* Sequence number of the next record. */
uint64_t tlsk_record_seq(const struct tlsk_record *r);
/* Largest record tlsk_record_seal() produces for len plaintext bytes. */
size_t tlsk_record_sealed_len(const struct tlsk_record *r, size_t len);

/*
 * Protects len <= TLSK_RECORD_MAX_PLAINTEXT bytes of content type `type`
 * into out (header included). Returns the record length or -EMSGSIZE,
 * -ENOBUFS (out too small), -EOVERFLOW (sequence numbers exhausted), -EIO.
 */
int tlsk_record_seal(struct tlsk_record *r, uint8_t type, const uint8_t *pt,
		     size_t len, uint8_t *out, size_t out_cap);

/*
 * Validates a received 5-byte header for this connection and returns the
 * body length to read next, or -EPROTO (a content type not allowed here:
 * TLS 1.3 outer type other than application_data, ChangeCipherSpec,
 * heartbeat, 0 or unknown), -EPROTONOSUPPORT (legacy version not 0x0303),
 * -EBADMSG (body too short to hold a tag) or -EMSGSIZE (record_overflow).
 */
int tlsk_record_body_len(const struct tlsk_record *r, const uint8_t *hdr);

/*
 * Opens one whole record (header and body) in place. On success returns the
 * plaintext length, sets *type to the (inner, for TLS 1.3) content type and
 * *pt to the plaintext inside rec. The errors of tlsk_record_body_len(),
 * -EBADMSG on authentication failure, -EMSGSIZE on record_overflow, -EPROTO
 * for a TLS 1.3 inner plaintext of only zeros (no content type).
 */
int tlsk_record_open(struct tlsk_record *r, uint8_t *rec, size_t len,
		     uint8_t *type, uint8_t **pt);

/*
 * The fatal alert (RFC 8446 6.2) that tells the peer about a record error
 * of tlsk_record_body_len() or tlsk_record_open(): -EBADMSG
 * bad_record_mac, -EMSGSIZE record_overflow, -EPROTO unexpected_message,
 * -EPROTONOSUPPORT protocol_version, -EOVERFLOW/-EIO internal_error; -1
 * for an error that is not the peer's record (-EINVAL: a caller's bug).
 */
int tlsk_record_error_alert(int err);

#endif /* TLSK_RECORD_H */
