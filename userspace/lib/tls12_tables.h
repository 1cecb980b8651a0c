/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.2 handshake state tables (RFC 5246 7.3), the second struct
 * hs_tables beside TLS 1.3's (tables.h): a message table and a shape
 * table with the same rules. Flags are only added, and every shape's
 * sequence extends the sequences of the shapes it grew from.
 *
 * ChangeCipherSpec is not a handshake message but has its place in the
 * sequence (RFC 5246 7.1): its entries carry the pseudo type
 * TLS12_CCS_PSEUDO_TYPE, which no handshake message on the wire may
 * match. The engine MUST treat an expected entry of that type as "a
 * change_cipher_spec record, exactly one byte 01", switching the reader's
 * or writer's keys, and any CCS record elsewhere as unexpected_message.
 *
 * Status: the tables are complete and tested (tls12-tables-test), and
 * wired: tls12_client.c, tls12_server.c, tls12_common.c. Only the two
 * hellos keep the placeholder tls12_unwired (which fails): they are
 * handled from the TLS 1.3 tables. docs/tls12.md says which building
 * block each handler uses.
 */
#ifndef TLSK_TLS12_TABLES_H
#define TLSK_TLS12_TABLES_H

#include "tables.h"

#define TLS12_CCS_PSEUDO_TYPE 0xfd	/* unassigned HandshakeType */

enum tls12_msg {
	TLS12_MSG_CLIENT_HELLO,
	TLS12_MSG_SERVER_HELLO,
	TLS12_MSG_SERVER_CERTIFICATE,
	TLS12_MSG_SERVER_KEY_EXCHANGE,
	TLS12_MSG_CERTIFICATE_REQUEST,
	TLS12_MSG_SERVER_HELLO_DONE,
	TLS12_MSG_CLIENT_CERTIFICATE,
	TLS12_MSG_CLIENT_KEY_EXCHANGE,
	TLS12_MSG_CLIENT_CERTIFICATE_VERIFY,
	TLS12_MSG_CLIENT_CCS,
	TLS12_MSG_CLIENT_FINISHED,
	TLS12_MSG_NEW_SESSION_TICKET,
	TLS12_MSG_SERVER_CCS,
	TLS12_MSG_SERVER_FINISHED,
	TLS12_MSG_COUNT,
	TLS12_MSG_APPLICATION_DATA = SEQ_APPLICATION_DATA,
	TLS12_MSG_END = SEQ_END,
};

enum tls12_shape_flag {
	TLS12_SHAPE_INITIAL = 0,
	TLS12_SHAPE_NEGOTIATED = 1 << 0,	/* ServerHello decided */
	TLS12_SHAPE_RESUMED = 1 << 1,		/* abbreviated, 7.3 fig. 2 */
	TLS12_SHAPE_CLIENT_AUTH = 1 << 2,	/* CertificateRequest */
	TLS12_SHAPE_NO_CLIENT_CERT = 1 << 3,	/* client's was empty */
	TLS12_SHAPE_RSA_KX = 1 << 4,		/* no ServerKeyExchange */
	TLS12_SHAPE_TICKET = 1 << 5,		/* NewSessionTicket, 5077 3.3 */
	TLS12_SHAPE_COUNT = 1 << 6,
};

extern const struct hs_tables tls12_tables;

/* the placeholder handler: -ENOSYS */
int tls12_unwired(struct tlsk_engine *e, struct rd *body);

#endif /* TLSK_TLS12_TABLES_H */
