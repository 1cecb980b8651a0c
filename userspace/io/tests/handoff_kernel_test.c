// SPDX-License-Identifier: MIT
/*
 * Hand-off against an OpenSSL peer over TCP, once per record layer:
 * "tlsk" (tlsk.ko), "tls" (in-tree kTLS) and the userspace fallback.
 *
 *   libssl client (memory BIOs, we move its bytes) --TCP 127.0.0.1--> fd
 *   libssl server (SSL_set_fd, no read-ahead) completes the handshake on
 *   fd, then fd is handed to the record layer with the server's keys.
 *
 * The client's Finished and its first application data leave in ONE send(),
 * so they share a TCP segment: the server must stop at Finished and the
 * data must come out of tlsk_conn_read() intact. Then data flows the other
 * way, and close_notify both ways.
 *
 * Meant for the VM (selftests/vm/run); on a host without the ULPs the
 * kernel variants SKIP, never pass.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "../../tests/tap.h"
#include "ssl_peer.h"
#include "testnet.h"
#include "tlsk/handoff.h"

static const struct variant *cur;
static const struct layer *cur_layer;

struct server {
	SSL *ssl;
	int ok;
};

static void *server_accept(void *arg)
{
	struct server *s = arg;

	s->ok = SSL_accept(s->ssl) == 1;
	return NULL;
}

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

static int send_bio(int fd, BIO *bio)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	int err = n > 0 ? send_all(fd, data, (size_t)n) : 0;

	(void)BIO_reset(bio);
	return err;
}

static int recv_into_bio(int fd, BIO *bio)
{
	uint8_t buf[16384];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n > 0)
		BIO_write(bio, buf, (int)n);
	return n > 0 ? 0 : -1;
}

/*
 * Drives the client by hand until it is done; its final flight stays in
 * client_out so the caller can append application data to it.
 */
static int client_handshake(SSL *client, BIO *in, BIO *out, int fd)
{
	for (int round = 0; round < 20; round++) {
		if (SSL_do_handshake(client) == 1)
			return 0;
		if (send_bio(fd, out) || recv_into_bio(fd, in))
			return -1;
	}
	return -1;
}

static int ssl_read_full(SSL *ssl, BIO *in, int fd, uint8_t *buf,
			 size_t len)
{
	size_t got = 0;

	while (got < len) {
		int n = SSL_read(ssl, buf + got, (int)(len - got));

		if (n > 0)
			got += (size_t)n;
		else if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ ||
			 recv_into_bio(fd, in))
			return -1;
	}
	return 0;
}

static void handoff_with_openssl_peer(void)
{
	static uint8_t big[40000], got[40000];
	static const char early[] = "data right behind Finished";
	SSL_CTX *cctx = ssl_peer_ctx(0, cur->version, cur->suite);
	SSL_CTX *sctx = ssl_peer_ctx(1, cur->version, cur->suite);
	struct tlsk_traffic_keys cw, sw;
	struct server srv = { .ssl = SSL_new(sctx) };
	BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
	SSL *client = SSL_new(cctx);
	struct tlsk_conn *conn = NULL;
	pthread_t thread;
	int fds[2], err;

	ssl_peer_reset();
	CHECK(tcp_pair(fds) == 0);
	SSL_set_bio(client, in, out);
	SSL_set_connect_state(client);
	SSL_set_fd(srv.ssl, fds[1]);
	pthread_create(&thread, NULL, server_accept, &srv);
	CHECK(client_handshake(client, in, out, fds[0]) == 0);
	/* Finished (still in `out` for TLS 1.3) + data: one segment. */
	CHECK(SSL_write(client, early, sizeof(early)) == sizeof(early));
	CHECK(send_bio(fds[0], out) == 0);
	pthread_join(thread, NULL);
	CHECK(srv.ok);
	CHECK(ssl_peer_derive(client, cur->aead, &cw, &sw) == 0);

	err = tlsk_conn_handoff(fds[1], &sw, &cw, cur_layer->flags, &conn);
	CHECK(err == 0);
	if (err) {
		printf("# hand-off: %s\n", strerror(-err));
		goto out;
	}
	CHECK(tlsk_conn_ulp(conn) == cur_layer->ulp);
	memset(got, 0, sizeof(early));
	CHECK(tlsk_conn_read(conn, got, sizeof(got)) == sizeof(early));
	CHECK(!memcmp(got, early, sizeof(early)));

	fill_pattern(big, sizeof(big), 3);
	CHECK(tlsk_conn_write(conn, big, sizeof(big)) == sizeof(big));
	CHECK(ssl_read_full(client, in, fds[0], got, sizeof(big)) == 0);
	CHECK(!memcmp(got, big, sizeof(big)));

	fill_pattern(big, sizeof(big), 5);
	CHECK(SSL_write(client, big, sizeof(big)) == sizeof(big));
	CHECK(send_bio(fds[0], out) == 0);
	for (size_t have = 0, n; have < sizeof(big); have += n) {
		ssize_t r = tlsk_conn_read(conn, got + have,
					   sizeof(big) - have);
		CHECK(r > 0);
		if (r <= 0)
			break;
		n = (size_t)r;
	}
	CHECK(!memcmp(got, big, sizeof(big)));

	/* The client's close_notify is an EOF for the server. */
	SSL_shutdown(client);
	CHECK(send_bio(fds[0], out) == 0);
	CHECK(tlsk_conn_read(conn, got, sizeof(got)) == 0);
	/* And the server's reaches the client. */
	CHECK(tlsk_conn_close(conn) == 0);
	CHECK(recv_into_bio(fds[0], in) == 0);
	CHECK(SSL_read(client, got, sizeof(got)) == 0 &&
	      SSL_get_error(client, 0) == SSL_ERROR_ZERO_RETURN);
	fds[1] = -1;	/* the connection closed it */
out:
	OPENSSL_cleanse(&cw, sizeof(cw));
	OPENSSL_cleanse(&sw, sizeof(sw));
	if (!conn && fds[1] >= 0)
		close(fds[1]);
	close(fds[0]);
	SSL_free(client);
	SSL_free(srv.ssl);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	ERR_clear_error();
}

int main(void)
{
	char name[96];

	for (size_t l = 0; l < test_layer_count; l++) {
		int present = layer_available(&test_layers[l]);

		cur_layer = &test_layers[l];
		for (size_t v = 0; v < test_variant_count; v++) {
			cur = &test_variants[v];
			snprintf(name, sizeof(name), "handoff_%s %s",
				 cur_layer->name, cur->name);
			if (present)
				tap_run(name, handoff_with_openssl_peer);
			else
				tap_skip(name, "ULP not available on this "
					 "kernel (run it in selftests/vm)");
		}
	}
	return tap_done();
}
