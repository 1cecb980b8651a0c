/* SPDX-License-Identifier: MIT */
/*
 * Codec of the TLS 1.2 handshake messages TLS 1.3 does not have, or has in
 * another form, and of the TLS 1.2 hello extras: ServerKeyExchange (ECDHE),
 * CertificateRequest, ServerHelloDone, ClientKeyExchange (ECDHE or RSA),
 * CertificateVerify, NewSessionTicket (RFC 5077), renegotiation_info
 * (RFC 5746), the downgrade sentinel (RFC 8446 4.1.3) and the refusal of
 * renegotiation.
 *
 * Message functions take and produce handshake message bodies (without
 * the 4-byte header). Parsers never copy: pointers in the structs they
 * fill point into the body, which must outlive them. Each parser checks
 * every length and that nothing trails, and returns
 *
 *	0		the message is well formed;
 *	-EBADMSG	malformed: decode_error;
 *	-EINVAL		well formed, but a value we cannot accept:
 *			illegal_parameter;
 *	-EPROTO		handshake_failure (RFC 5746 renegotiation_info only).
 *
 * Writers append to a struct buf and return 0 or -ENOMEM / -EMSGSIZE
 * (a vector too long for its length prefix).
 */
#ifndef TLSK_TLS12_MSGS_H
#define TLSK_TLS12_MSGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "codec.h"

/* Handshake types of TLS 1.2 only (RFC 5246 7.4); the others (Certificate,
 * CertificateRequest, CertificateVerify, Finished, NewSessionTicket) keep
 * their TLS 1.3 numbers. */
enum tls12_hs_type {
	TLS12_HS_HELLO_REQUEST = 0,
	TLS12_HS_SERVER_KEY_EXCHANGE = 12,
	TLS12_HS_SERVER_HELLO_DONE = 14,
	TLS12_HS_CLIENT_KEY_EXCHANGE = 16,
};

enum {
	TLS12_EXT_EXTENDED_MASTER_SECRET = 0x0017,	/* RFC 7627 */
	TLS12_EXT_SESSION_TICKET = 0x0023,		/* RFC 5077 */
	TLS12_EXT_RENEGOTIATION_INFO = 0xff01,		/* RFC 5746 */
	TLS12_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff,	/* RFC 5746 3.3 */
	TLS12_ALERT_NO_RENEGOTIATION = 100,		/* RFC 5246 7.2.2 */
};

/* RFC 5246 4.7 digitally-signed, as TLS 1.2 sends it: the signature
 * scheme (RFC 8446 4.2.3 numbering) and the signature. It is the whole of
 * CertificateVerify (7.4.8) and the tail of ServerKeyExchange. */
struct tls12_signed {
	uint16_t sigalg;
	const uint8_t *sig;
	size_t sig_len;
};

int tls12_signed_put(struct buf *b, uint16_t sigalg, const uint8_t *sig,
		     size_t sig_len);
/* parses a whole CertificateVerify body */
int tls12_cert_verify_parse(const uint8_t *body, size_t len,
			    struct tls12_signed *cv);

/* ---- ServerKeyExchange, ECDHE (RFC 8422 5.4) ---- */

struct tls12_ske {
	uint16_t group;			/* a named group we know */
	const uint8_t *point;		/* the server's share, checked */
	size_t point_len;		/*   against the group's form */
	const uint8_t *params;		/* ServerECDHParams as received: */
	size_t params_len;		/*   what the signature covers */
	struct tls12_signed sig;
};

/* ServerECDHParams: curve_type named_curve, group, point */
int tls12_ske_put_params(struct buf *b, uint16_t group, const uint8_t *point,
			 size_t point_len);
/* The signed content, RFC 8422 5.4 / RFC 5246 7.4.3: client_random ||
 * server_random || ServerECDHParams, appended to out. */
int tls12_ske_signed_data(const uint8_t client_random[32],
			  const uint8_t server_random[32],
			  const uint8_t *params, size_t params_len,
			  struct buf *out);
/*
 * A server writes: tls12_ske_put_params(body, ...), signs
 * tls12_ske_signed_data(..., body->p, body->len, tbs), then
 * tls12_signed_put(body, sigalg, sig). A client parses with this, checks
 * ske->group against what it offered and verifies ske->sig over the
 * signed data of ske->params. Explicit curves and unknown groups are
 * illegal_parameter (RFC 8422 5.4); so is a point of the wrong length or
 * form (uncompressed only, RFC 8422 5.1.2).
 */
int tls12_ske_parse(const uint8_t *body, size_t len, struct tls12_ske *ske);

/* ---- CertificateRequest (RFC 5246 7.4.4) ---- */

enum {
	TLS12_CERT_TYPE_RSA_SIGN = 1,
	TLS12_CERT_TYPE_ECDSA_SIGN = 64,		/* RFC 8422 5.5 */
};

struct tls12_cert_request {
	const uint8_t *types;		/* ClientCertificateType list */
	size_t ntypes;
	const uint8_t *sigalgs;		/* nsigalgs big-endian uint16 */
	size_t nsigalgs;
	const uint8_t *cas;		/* DistinguishedName vectors, */
	size_t cas_len;			/*   each checked; see tls12_ca_next */
	size_t ncas;
};

/* cas may be NULL (no certificate_authorities) */
int tls12_cert_request_put(struct buf *b, const uint8_t *types, size_t ntypes,
			   const uint16_t *sigalgs, size_t nsigalgs,
			   const STACK_OF(X509_NAME) *cas);
int tls12_cert_request_parse(const uint8_t *body, size_t len,
			     struct tls12_cert_request *cr);
uint16_t tls12_cert_request_sigalg(const struct tls12_cert_request *cr,
				   size_t i);
/* Iterate the DER names: init it with rd_init(it, cr->cas, cr->cas_len);
 * each call yields one name until it returns false. */
bool tls12_ca_next(struct rd *it, const uint8_t **der, size_t *der_len);

/* ---- ServerHelloDone (RFC 5246 7.4.5) and HelloRequest (7.4.1.1) ---- */

/* both have an empty body: anything else is decode_error */
int tls12_empty_parse(const uint8_t *body, size_t len);

/* ---- ClientKeyExchange (RFC 5246 7.4.7) ---- */

/* ECDHE, RFC 8422 5.7: ecdh_Yc <1..2^8-1> */
int tls12_cke_ecdhe_put(struct buf *b, const uint8_t *point, size_t len);
/* the point is checked against the server's group like a ServerKeyExchange
 * share: wrong length or form is illegal_parameter */
int tls12_cke_ecdhe_parse(const uint8_t *body, size_t len, uint16_t group,
			  const uint8_t **point, size_t *point_len);
/* RSA, 7.4.7.1: EncryptedPreMasterSecret <0..2^16-1>. Only the framing
 * is checked: whatever the contents, rsa_kx_server_premaster() decides,
 * without an error (rsa_kx.h). */
int tls12_cke_rsa_put(struct buf *b, const uint8_t *enc, size_t len);
int tls12_cke_rsa_parse(const uint8_t *body, size_t len, const uint8_t **enc,
			size_t *enc_len);

/* ---- NewSessionTicket (RFC 5077 3.3) ---- */

/* An empty ticket is legal: the server changed its mind (3.3). */
int tls12_nst_put(struct buf *b, uint32_t lifetime_hint, const uint8_t *ticket,
		  size_t len);
int tls12_nst_parse(const uint8_t *body, size_t len, uint32_t *lifetime_hint,
		    const uint8_t **ticket, size_t *ticket_len);

/* ---- renegotiation_info (RFC 5746) ---- */

/* The extension data of an initial handshake: an empty
 * renegotiated_connection (3.4, 3.6). We never renegotiate, so that is
 * the only form we send. */
int tls12_reneg_info_put_initial(struct buf *b);
/* The peer's renegotiation_info in an initial handshake: -EBADMSG when
 * malformed, -EPROTO (handshake_failure) when renegotiated_connection is
 * not empty (3.4 client, 3.6 server). */
int tls12_reneg_info_check_initial(const uint8_t *data, size_t len);
/* Does a ClientHello's cipher_suites vector contents (len even) hold
 * TLS_EMPTY_RENEGOTIATION_INFO_SCSV? It stands for an empty extension
 * (3.6). */
bool tls12_offers_reneg_scsv(const uint8_t *suites, size_t len);

/*
 * After the handshake, a HelloRequest (to a client) or a ClientHello (to
 * a server) asks for renegotiation, which we refuse (docs/tls12.md):
 * *fatal false and *alert no_renegotiation (a warning, RFC 5246 7.2.2 and
 * RFC 5746 4.2/4.4) for those two; any other handshake type is fatal
 * unexpected_message (10). The caller checks the message is complete and
 * well formed first (a HelloRequest body must be empty).
 */
void tls12_refuse_post_handshake(uint8_t hs_type, bool we_are_server,
				 bool *fatal, uint8_t *alert);

/* ---- downgrade protection (RFC 8446 4.1.3) ---- */

/* A server that supports TLS 1.3 but negotiates `version` (0x0303 or
 * below) marks the last 8 bytes of its ServerHello.random. */
void tls12_downgrade_mark(uint8_t server_random[32], uint16_t version);
/* A client whose highest version was client_max and that negotiated
 * `version` checks the server's random: true means a downgrade attack,
 * abort with illegal_parameter. */
bool tls12_downgrade_detected(const uint8_t server_random[32],
			      uint16_t client_max, uint16_t version);

#endif /* TLSK_TLS12_MSGS_H */
