/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.3 handshake state tables, in the manner of s2n-tls:
 *
 *  - one message table: for each handshake message, its wire type, which
 *    role writes it, and the handler each role runs for it (the writer's
 *    handler builds it, the reader's handler parses it);
 *  - one shape table: for each handshake shape (a set of SHAPE_* flags
 *    decided as the handshake goes), the sequence of messages.
 *
 * The engine's position is (shape, index). Flags are only ever added,
 * and every shape's sequence starts with the sequence of the shapes it
 * grew from, so adding a flag never moves the messages already passed.
 * Unreachable shapes have no sequence: the engine fails if it gets there.
 *
 * Each protocol version has its own pair of tables (struct hs_tables); an
 * engine walks one, starting with TLS 1.3's. A version negotiated at the
 * hellos switches the engine to that version's tables (TLS 1.2 will), so
 * message ids and shape flags below are TLS 1.3's own; only the two
 * sequence markers are shared.
 */
#ifndef TLSK_TABLES_H
#define TLSK_TABLES_H

#include <stdint.h>

#include "tlsk/engine.h"

struct tlsk_engine;
struct rd;

/* sequence markers, the same in every version's tables */
#define SEQ_APPLICATION_DATA	0xfe	/* the handshake is over */
#define SEQ_END			0xff	/* terminates a sequence */

/* TLS 1.3 messages */
enum hs_msg {
	MSG_CLIENT_HELLO,
	MSG_HELLO_RETRY_REQUEST,
	MSG_SERVER_HELLO,
	MSG_ENCRYPTED_EXTENSIONS,
	MSG_CERTIFICATE_REQUEST,
	MSG_SERVER_CERTIFICATE,
	MSG_SERVER_CERTIFICATE_VERIFY,
	MSG_SERVER_FINISHED,
	MSG_CLIENT_CERTIFICATE,
	MSG_CLIENT_CERTIFICATE_VERIFY,
	MSG_CLIENT_FINISHED,
	MSG_COUNT,
	MSG_APPLICATION_DATA = SEQ_APPLICATION_DATA,
	MSG_END = SEQ_END,
};

/* TLS 1.3 shapes */
enum shape_flag {
	SHAPE_INITIAL = 0,
	SHAPE_NEGOTIATED = 1 << 0,	/* ServerHello decided the rest */
	SHAPE_FULL = 1 << 1,		/* certificate auth (not PSK) */
	SHAPE_HRR = 1 << 2,		/* HelloRetryRequest */
	SHAPE_CLIENT_AUTH = 1 << 3,	/* CertificateRequest */
	SHAPE_NO_CLIENT_CERT = 1 << 4,	/* client's Certificate was empty */
	SHAPE_COUNT = 1 << 5,
};

/* a handler gets the message body to parse, or NULL to write it */
typedef int (*hs_handler)(struct tlsk_engine *e, struct rd *body);

struct hs_msg_desc {
	const char *name;
	uint8_t hs_type;
	enum tlsk_role writer;
	hs_handler handler[2];		/* indexed by enum tlsk_role */
};

struct hs_tables {
	const char *version;
	const struct hs_msg_desc *messages;	/* by message id */
	unsigned nmessages;
	const uint8_t *const *shapes;		/* by shape flags */
	unsigned nshapes;
	/* flags a peer adds by sending an optional message */
	const unsigned *peer_optional;
	unsigned npeer_optional;
};

extern const struct hs_tables tls13_tables;

/* a message's descriptor; NULL for the markers and unknown ids */
const struct hs_msg_desc *hs_msg(const struct hs_tables *t, unsigned m);
/* the shape's sequence ending in SEQ_END, or NULL if unreachable */
const uint8_t *shape_sequence(const struct hs_tables *t, unsigned shape);
/* When message `type` arrives at `index` instead of the expected one:
 * the shape to switch to if an optional peer message explains it (in
 * TLS 1.3 a server's CertificateRequest), or -1. */
int shape_branch(const struct hs_tables *t, unsigned shape, unsigned index,
		 uint8_t type, enum tlsk_role reader);

#endif /* TLSK_TABLES_H */
