// SPDX-License-Identifier: MIT
/* See ssl_peer.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>

#include "ssl_peer.h"

/* The key log callback has no user pointer: one connection at a time;
 * ssl_peer_reset() forgets the previous one. */
static struct {
	uint8_t client[EVP_MAX_MD_SIZE], server[EVP_MAX_MD_SIZE];
	size_t len;
} keylog;

static int unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n < max) {
		char pair[3] = { hex[0], hex[1], '\0' }, *end;
		unsigned long byte = strtoul(pair, &end, 16);

		if (*end)
			break;
		out[n++] = (uint8_t)byte;
		hex += 2;
	}
	return (int)n;
}

void ssl_peer_reset(void)
{
	memset(&keylog, 0, sizeof(keylog));
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	const char *secret = strrchr(line, ' ');

	(void)ssl;
	if (!secret)
		return;
	if (!strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24))
		keylog.len = unhex(secret + 1, keylog.client, EVP_MAX_MD_SIZE);
	else if (!strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24))
		keylog.len = unhex(secret + 1, keylog.server, EVP_MAX_MD_SIZE);
}

int ssl_peer_self_signed(EVP_PKEY **key, X509 **cert)
{
	X509_NAME *name;

	*key = EVP_EC_gen("P-256");
	*cert = X509_new();
	if (!*key || !*cert)
		return -1;
	ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(*cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(*cert), 3600);
	X509_set_pubkey(*cert, *key);
	name = X509_get_subject_name(*cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(*cert, name);
	return X509_sign(*cert, *key, EVP_sha256()) > 0 ? 0 : -1;
}

static int add_cert(SSL_CTX *ctx)
{
	EVP_PKEY *key;
	X509 *cert;
	int err = ssl_peer_self_signed(&key, &cert);

	if (!err && (SSL_CTX_use_certificate(ctx, cert) != 1 ||
		     SSL_CTX_use_PrivateKey(ctx, key) != 1))
		err = -1;
	X509_free(cert);
	EVP_PKEY_free(key);
	return err;
}

static int hkdf_expand_label(const EVP_MD *md, const uint8_t *secret,
			     size_t secret_len, const char *label,
			     uint8_t *out, size_t out_len)
{
	uint8_t info[64];
	size_t label_len = strlen(label), n = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY, ok;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5];

	/* RFC 8446 7.1: HkdfLabel = length || "tls13 " label || context. */
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + label_len);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = 0;
	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	params[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[2] = OSSL_PARAM_construct_octet_string(
		OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						      info, n);
	params[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

static int tls13_keys(const EVP_MD *md, const uint8_t *secret,
		      struct tlsk_traffic_keys *k)
{
	k->iv_len = 12;
	k->secret_len = keylog.len;
	memcpy(k->secret, secret, keylog.len);
	return hkdf_expand_label(md, secret, keylog.len, "key", k->key,
				 k->key_len) ||
	       hkdf_expand_label(md, secret, keylog.len, "iv", k->iv, 12);
}

/* RFC 5246 6.3: key_block = PRF(master, "key expansion", sr || cr). */
static int tls12_keys(SSL *ssl, const EVP_MD *md, size_t iv_len,
		      struct tlsk_traffic_keys *cw,
		      struct tlsk_traffic_keys *sw)
{
	uint8_t master[48], seed[64], block[2 * 32 + 2 * 12];
	size_t key_len = cw->key_len;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5];
	int ok;

	SSL_SESSION_get_master_key(SSL_get_session(ssl), master, 48);
	SSL_get_server_random(ssl, seed, 32);
	SSL_get_client_random(ssl, seed + 32, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
						      master, 48);
	params[2] = OSSL_PARAM_construct_octet_string(
		OSSL_KDF_PARAM_SEED, (void *)"key expansion", 13);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
						      seed, 64);
	params[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, block, 2 * key_len + 2 * iv_len,
			    params) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	memcpy(cw->key, block, key_len);
	memcpy(sw->key, block + key_len, key_len);
	memcpy(cw->iv, block + 2 * key_len, iv_len);
	memcpy(sw->iv, block + 2 * key_len + iv_len, iv_len);
	cw->iv_len = sw->iv_len = iv_len;
	/* The Finished messages used sequence number 0. */
	cw->seq = sw->seq = 1;
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(block, sizeof(block));
	return ok ? 0 : -1;
}

size_t ssl_peer_pump(BIO *from, BIO *to)
{
	uint8_t buf[4096];
	size_t moved = 0;
	int n;

	while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
		BIO_write(to, buf, n);
		moved += (size_t)n;
	}
	return moved;
}

static int handshake(struct ssl_peer *p)
{
	for (int round = 0; round < 20; round++) {
		SSL_do_handshake(p->client);
		ssl_peer_pump(p->client_out, p->server_in);
		SSL_do_handshake(p->server);
		ssl_peer_pump(p->server_out, p->client_in);
		if (SSL_is_init_finished(p->client) &&
		    SSL_is_init_finished(p->server))
			return 0;
	}
	return -1;
}

SSL_CTX *ssl_peer_ctx(int server, uint16_t version, const char *suite)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
					    TLS_client_method());

	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	if (version == TLS1_3_VERSION)
		SSL_CTX_set_ciphersuites(ctx, suite);
	else
		SSL_CTX_set_cipher_list(ctx, suite);
	/* No tickets: they would use up sequence numbers behind our back. */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	if (server && add_cert(ctx)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
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

int ssl_peer_derive(SSL *ssl, enum tlsk_aead aead,
		    struct tlsk_traffic_keys *cw, struct tlsk_traffic_keys *sw)
{
	const EVP_MD *md =
		SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(ssl));
	uint16_t version = (uint16_t)SSL_version(ssl);

	memset(cw, 0, sizeof(*cw));
	memset(sw, 0, sizeof(*sw));
	cw->version = sw->version = version;
	cw->aead = sw->aead = aead;
	cw->key_len = sw->key_len = aead == TLSK_AEAD_AES_256_GCM ||
		aead == TLSK_AEAD_CHACHA20_POLY1305 ? 32 : 16;
	if (version == TLS1_3_VERSION)
		return tls13_keys(md, keylog.client, cw) ||
		       tls13_keys(md, keylog.server, sw);
	return tls12_keys(ssl, md,
			  aead == TLSK_AEAD_CHACHA20_POLY1305 ? 12 : 4, cw,
			  sw);
}

int ssl_peer_connect(struct ssl_peer *p, uint16_t version,
		     enum tlsk_aead aead, const char *suite, size_t pad)
{
	memset(p, 0, sizeof(*p));
	ssl_peer_reset();
	p->client_ctx = ssl_peer_ctx(0, version, suite);
	p->server_ctx = ssl_peer_ctx(1, version, suite);
	if (!p->client_ctx || !p->server_ctx)
		return -1;
	if (pad)
		SSL_CTX_set_block_padding(p->client_ctx, pad);
	p->client = make_ssl(p->client_ctx, &p->client_in, &p->client_out);
	p->server = make_ssl(p->server_ctx, &p->server_in, &p->server_out);
	SSL_set_connect_state(p->client);
	SSL_set_accept_state(p->server);
	if (handshake(p))
		return -1;
	return ssl_peer_derive(p->client, aead, &p->client_write,
			       &p->server_write);
}

void ssl_peer_free(struct ssl_peer *p)
{
	SSL_free(p->client);
	SSL_free(p->server);
	SSL_CTX_free(p->client_ctx);
	SSL_CTX_free(p->server_ctx);
	OPENSSL_cleanse(p, sizeof(*p));
}

/* ---- a libssl client whose bytes we carry over a socket by hand ---- */

static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_into_bio(int fd, BIO *bio)
{
	uint8_t buf[16384];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n > 0)
		BIO_write(bio, buf, (int)n);
	return n > 0 ? 0 : -1;
}

int pumped_client_new(struct pumped_client *c, SSL_CTX *ctx, int fd)
{
	c->ssl = SSL_new(ctx);
	c->in = BIO_new(BIO_s_mem());
	c->out = BIO_new(BIO_s_mem());
	c->fd = fd;
	if (!c->ssl || !c->in || !c->out)
		return -1;
	SSL_set_bio(c->ssl, c->in, c->out);
	SSL_set_connect_state(c->ssl);
	return 0;
}

int pumped_client_send(struct pumped_client *c)
{
	char *data;
	long n = BIO_get_mem_data(c->out, &data);
	int err = n > 0 ? send_all(c->fd, data, (size_t)n) : 0;

	(void)BIO_reset(c->out);
	return err;
}

int pumped_client_receive(struct pumped_client *c)
{
	return recv_into_bio(c->fd, c->in);
}

int pumped_client_handshake(struct pumped_client *c)
{
	for (int round = 0; round < 20; round++) {
		if (SSL_do_handshake(c->ssl) == 1)
			return 0;
		if (pumped_client_send(c) || pumped_client_receive(c))
			return -1;
	}
	return -1;
}

int pumped_client_read(struct pumped_client *c, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		int n = SSL_read(c->ssl, buf + got, (int)(len - got));

		if (n > 0)
			got += (size_t)n;
		else if (SSL_get_error(c->ssl, n) != SSL_ERROR_WANT_READ ||
			 pumped_client_receive(c))
			return -1;
	}
	return 0;
}

void pumped_client_free(struct pumped_client *c)
{
	SSL_free(c->ssl);	/* and both BIOs */
	c->ssl = NULL;
}
