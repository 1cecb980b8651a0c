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
 */
#ifndef TLSK_TABLES_H
#define TLSK_TABLES_H

#include <stdint.h>

#include "tlsk/engine.h"

struct tlsk_engine;
struct rd;

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
	MSG_APPLICATION_DATA,		/* the handshake is over */
	MSG_END,			/* terminates a sequence */
	MSG_COUNT = MSG_END,
};

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
	uint8_t hs_type;		/* 0 for MSG_APPLICATION_DATA */
	enum tlsk_role writer;
	hs_handler handler[2];		/* indexed by enum tlsk_role */
};

const struct hs_msg_desc *hs_msg(enum hs_msg m);
/* the shape's sequence ending in MSG_END, or NULL if unreachable */
const uint8_t *shape_sequence(unsigned shape);
/* Flags the peer may add by sending an optional message (today only a
 * server's CertificateRequest): the shape to switch to when message
 * `type` arrives at `index` instead of the expected one, or -1. */
int shape_branch(unsigned shape, unsigned index, uint8_t type,
		 enum tlsk_role reader);

#endif /* TLSK_TABLES_H */
