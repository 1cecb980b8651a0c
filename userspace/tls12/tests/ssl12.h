/* SPDX-License-Identifier: MIT */
/*
 * Test helper: a libssl TLS 1.2 client and server completing a full
 * handshake with each other over memory BIOs, recording what our code
 * needs to recompute the connection independently: the handshake messages
 * as the client saw them, the bytes each side put on the wire, and (from
 * libssl) the master secret and randoms. One application-data record is
 * sent each way after the handshake ("ping" by the client, "pong" back).
 *
 * Tests only: libtlsk never links libssl.
 */
#ifndef TLSK_TLS12_TESTS_SSL12_H
#define TLSK_TLS12_TESTS_SSL12_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define SSL12_MAX_BYTES (64 * 1024)

struct ssl12_wire {
	uint8_t bytes[SSL12_MAX_BYTES];
	size_t len;
};

struct ssl12 {
	SSL_CTX *client_ctx, *server_ctx;
	SSL *client, *server;
	BIO *client_in, *client_out, *server_in, *server_out;
	/* handshake messages (with headers) in order */
	struct ssl12_wire transcript;
	size_t cke_end;		/* transcript length through ClientKeyExchange */
	size_t client_fin;	/* offset of the client's Finished */
	struct ssl12_wire client_wire, server_wire;
	uint8_t master[48], client_random[32], server_random[32];
};

enum ssl12_flags {
	SSL12_NO_EMS = 1 << 0,		/* no extended master secret */
	SSL12_CLIENT_AUTH = 1 << 1,	/* CertificateRequest naming the
					 * certificate's subject; the
					 * client answers with the same
					 * certificate and key */
	SSL12_TICKETS = 1 << 2,		/* NewSessionTicket (RFC 5077) */
};

/* cipher: one OpenSSL TLS 1.2 cipher name; key signs the server's
 * throwaway certificate. 0 on success. */
int ssl12_connect(struct ssl12 *p, const char *cipher, EVP_PKEY *key,
		  unsigned flags);
/* The body of the first handshake message of `type` in the transcript,
 * or NULL. */
const uint8_t *ssl12_message(const struct ssl12 *p, uint8_t type,
			     size_t *len);
void ssl12_free(struct ssl12 *p);

/* The n-th record (0-based) after the ChangeCipherSpec on a wire: its
 * offset and whole length (header included), or -1. */
int ssl12_record_after_ccs(const struct ssl12_wire *w, unsigned n,
			   size_t *off, size_t *len);

#endif
