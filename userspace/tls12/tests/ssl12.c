// SPDX-License-Identifier: MIT
/* See ssl12.h. */
#include "ssl12.h"

#include <string.h>

#include <openssl/x509.h>

static void wire_add(struct ssl12_wire *w, const void *p, size_t n)
{
	if (n > sizeof(w->bytes) - w->len)
		n = sizeof(w->bytes) - w->len;
	memcpy(w->bytes + w->len, p, n);
	w->len += n;
}

/* The client's view of the handshake, in order. libssl reports every
 * handshake message it sends or receives, header included. */
static void msg_cb(int write_p, int version, int content_type,
		   const void *buf, size_t len, SSL *ssl, void *arg)
{
	struct ssl12 *p = arg;
	const uint8_t *m = buf;

	(void)version;
	(void)ssl;
	if (content_type != SSL3_RT_HANDSHAKE || !len)
		return;
	if (m[0] == SSL3_MT_FINISHED && write_p && !p->client_fin)
		p->client_fin = p->transcript.len;
	wire_add(&p->transcript, m, len);
	if (m[0] == SSL3_MT_CLIENT_KEY_EXCHANGE)
		p->cke_end = p->transcript.len;
}

static size_t pump(BIO *from, BIO *to, struct ssl12_wire *w)
{
	uint8_t buf[4096];
	size_t moved = 0;
	int n;

	while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
		BIO_write(to, buf, n);
		wire_add(w, buf, (size_t)n);
		moved += (size_t)n;
	}
	return moved;
}

static void pump_both(struct ssl12 *p)
{
	pump(p->client_out, p->server_in, &p->client_wire);
	pump(p->server_out, p->client_in, &p->server_wire);
}

static X509 *self_signed(EVP_PKEY *key)
{
	X509 *cert = X509_new();
	X509_NAME *name;

	if (!cert)
		return NULL;
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	if (X509_sign(cert, key, EVP_sha256()) <= 0) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

static int accept_any(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

static SSL_CTX *make_ctx(int server, const char *cipher, unsigned flags)
{
	unsigned long opts = 0;
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
					    TLS_client_method());

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, cipher);
	if (!(flags & SSL12_TICKETS))
		opts |= SSL_OP_NO_TICKET;
	if (flags & SSL12_NO_EMS)
		opts |= SSL_OP_NO_EXTENDED_MASTER_SECRET;
	SSL_CTX_set_options(ctx, opts);
	if (flags & SSL12_CLIENT_AUTH)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
	return ctx;
}

static SSL *make_ssl(SSL_CTX *ctx, BIO **in, BIO **out)
{
	SSL *ssl = SSL_new(ctx);

	*in = BIO_new(BIO_s_mem());
	*out = BIO_new(BIO_s_mem());
	SSL_set_bio(ssl, *in, *out);	/* the SSL owns both */
	return ssl;
}

static int handshake(struct ssl12 *p)
{
	for (int round = 0; round < 20; round++) {
		SSL_do_handshake(p->client);
		pump_both(p);
		SSL_do_handshake(p->server);
		pump_both(p);
		if (SSL_is_init_finished(p->client) &&
		    SSL_is_init_finished(p->server))
			return 0;
	}
	return -1;
}

static int exchange_data(struct ssl12 *p)
{
	char buf[8];

	if (SSL_write(p->client, "ping", 4) != 4)
		return -1;
	pump_both(p);
	if (SSL_read(p->server, buf, sizeof(buf)) != 4 ||
	    SSL_write(p->server, "pong", 4) != 4)
		return -1;
	pump_both(p);
	return SSL_read(p->client, buf, sizeof(buf)) == 4 ? 0 : -1;
}

static int use_cert(SSL_CTX *ctx, X509 *cert, EVP_PKEY *key)
{
	return SSL_CTX_use_certificate(ctx, cert) == 1 &&
	       SSL_CTX_use_PrivateKey(ctx, key) == 1 ? 0 : -1;
}

/* the server asks for the certificate by its subject name */
static int set_client_auth(struct ssl12 *p, X509 *cert, EVP_PKEY *key)
{
	STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
	X509_NAME *name = X509_NAME_dup(X509_get_subject_name(cert));

	if (!names || !name || !sk_X509_NAME_push(names, name)) {
		X509_NAME_free(name);
		sk_X509_NAME_free(names);
		return -1;
	}
	SSL_CTX_set_client_CA_list(p->server_ctx, names);
	return use_cert(p->client_ctx, cert, key);
}

int ssl12_connect(struct ssl12 *p, const char *cipher, EVP_PKEY *key,
		  unsigned flags)
{
	X509 *cert = self_signed(key);
	int err = -1;

	memset(p, 0, sizeof(*p));
	p->client_ctx = make_ctx(0, cipher, flags);
	p->server_ctx = make_ctx(1, cipher, flags);
	if (!cert || !p->client_ctx || !p->server_ctx ||
	    use_cert(p->server_ctx, cert, key))
		goto free_cert;
	if ((flags & SSL12_CLIENT_AUTH) && set_client_auth(p, cert, key))
		goto free_cert;
	SSL_CTX_set_msg_callback(p->client_ctx, msg_cb);
	SSL_CTX_set_msg_callback_arg(p->client_ctx, p);
	p->client = make_ssl(p->client_ctx, &p->client_in, &p->client_out);
	p->server = make_ssl(p->server_ctx, &p->server_in, &p->server_out);
	SSL_set_connect_state(p->client);
	SSL_set_accept_state(p->server);
	if (handshake(p) || exchange_data(p))
		goto free_cert;
	SSL_SESSION_get_master_key(SSL_get_session(p->client), p->master, 48);
	SSL_get_client_random(p->client, p->client_random, 32);
	SSL_get_server_random(p->client, p->server_random, 32);
	err = 0;
free_cert:
	X509_free(cert);
	return err;
}

void ssl12_free(struct ssl12 *p)
{
	SSL_free(p->client);
	SSL_free(p->server);
	SSL_CTX_free(p->client_ctx);
	SSL_CTX_free(p->server_ctx);
	OPENSSL_cleanse(p, sizeof(*p));
}

int ssl12_record_after_ccs(const struct ssl12_wire *w, unsigned n,
			   size_t *off, size_t *len)
{
	size_t pos = 0;
	int after = -1;		/* records seen since the CCS */

	while (pos + 5 <= w->len) {
		size_t rlen = 5 + ((size_t)w->bytes[pos + 3] << 8 |
				   w->bytes[pos + 4]);

		if (pos + rlen > w->len)
			return -1;
		if (after >= 0 && (unsigned)after++ == n) {
			*off = pos;
			*len = rlen;
			return 0;
		}
		if (w->bytes[pos] == SSL3_RT_CHANGE_CIPHER_SPEC)
			after = 0;
		pos += rlen;
	}
	return -1;
}

const uint8_t *ssl12_message(const struct ssl12 *p, uint8_t type,
			     size_t *len)
{
	size_t pos = 0;

	while (pos + 4 <= p->transcript.len) {
		const uint8_t *m = p->transcript.bytes + pos;
		size_t body = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];

		if (pos + 4 + body > p->transcript.len)
			return NULL;
		if (m[0] == type) {
			*len = body;
			return m + 4;
		}
		pos += 4 + body;
	}
	return NULL;
}
