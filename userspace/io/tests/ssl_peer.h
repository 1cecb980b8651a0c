/* SPDX-License-Identifier: MIT */
/*
 * Test helper: an OpenSSL libssl client and server completing a handshake
 * with each other in memory, and the traffic keys of that connection
 * recomputed from what libssl reveals (TLS 1.3 secrets through the key log,
 * TLS 1.2 master secret and randoms). Our record layer is then checked
 * against libssl's, an implementation that shares no code with ours.
 *
 * Tests only: libtlsk never links libssl.
 */
#ifndef TLSK_IO_TESTS_SSL_PEER_H
#define TLSK_IO_TESTS_SSL_PEER_H

#include <openssl/ssl.h>

#include "tlsk/keys.h"

struct ssl_peer {
	SSL_CTX *client_ctx, *server_ctx;
	SSL *client, *server;
	/* client side: to_peer holds what it sent, from_peer what it reads */
	BIO *client_in, *client_out, *server_in, *server_out;
	struct tlsk_traffic_keys client_write, server_write;
};

/* version 0x0303/0x0304; suite: an OpenSSL cipher or ciphersuite name.
 * pad: TLS 1.3 client block padding (0 for none). 0 on success. */
int ssl_peer_connect(struct ssl_peer *p, uint16_t version,
		     enum tlsk_aead aead, const char *suite, size_t pad);
void ssl_peer_free(struct ssl_peer *p);

/* A context for one role, one version and one suite (OpenSSL name), with
 * a throwaway certificate for a server, no tickets, and the key log hooked
 * up for ssl_peer_derive(). */
SSL_CTX *ssl_peer_ctx(int server, uint16_t version, const char *suite);
/* Forget the secrets of the previous connection. */
void ssl_peer_reset(void);
/* Traffic keys of the connection ssl (either end) just completed. */
int ssl_peer_derive(SSL *ssl, enum tlsk_aead aead,
		    struct tlsk_traffic_keys *client_write,
		    struct tlsk_traffic_keys *server_write);

/* Moves whatever `from` wrote into `to`'s input; returns bytes moved. */
size_t ssl_peer_pump(BIO *from, BIO *to);

/* A throwaway self-signed P-256 certificate for "localhost". */
int ssl_peer_self_signed(EVP_PKEY **key, X509 **cert);

/*
 * A libssl client on memory BIOs whose bytes the test carries over a
 * socket, so it decides what shares a TCP segment. The handshake leaves
 * the client's final flight (Finished) unsent in `out`: write application
 * data behind it, then pumped_client_send() sends both in one send().
 */
struct pumped_client {
	SSL *ssl;
	BIO *in, *out;
	int fd;
};

int pumped_client_new(struct pumped_client *c, SSL_CTX *ctx, int fd);
int pumped_client_handshake(struct pumped_client *c);
int pumped_client_send(struct pumped_client *c);
int pumped_client_receive(struct pumped_client *c);
/* Exactly len bytes of application data. */
int pumped_client_read(struct pumped_client *c, uint8_t *buf, size_t len);
void pumped_client_free(struct pumped_client *c);

#endif
