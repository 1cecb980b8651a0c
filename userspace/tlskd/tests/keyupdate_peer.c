// SPDX-License-Identifier: MIT
/*
 * A libssl client for the tlskd end-to-end test (tlskd/tests/e2e.sh) that
 * sends a TLS 1.3 KeyUpdate after the hand-off:
 *
 *   tlskd-test-keyupdate PORT CAFILE
 *
 * connects to 127.0.0.1:PORT (tlskd-test-service serve), reads the
 * greeting line, calls SSL_key_update(SSL_KEY_UPDATE_REQUESTED), sends a
 * line and reads its echo. Prints "ok keyupdates=N" (N: the KeyUpdates the
 * server sent back) and exits 0 when the echo is right and N is 1, else
 * prints "fail ..." and exits 1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static int key_updates;

static void on_msg(int write_p, int version, int content_type,
		   const void *buf, size_t len, SSL *ssl, void *arg)
{
	const unsigned char *b = buf;

	(void)version;
	(void)ssl;
	(void)arg;
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len >= 1 &&
	    b[0] == SSL3_MT_KEY_UPDATE)
		key_updates++;
}

/* One line (with its '\n') into buf; its length, or -1. */
static int read_line(SSL *ssl, char *buf, size_t size)
{
	size_t have = 0;

	while (have + 1 < size) {
		int n = SSL_read(ssl, buf + have, 1);

		if (n <= 0)
			return -1;
		if (buf[have++] == '\n')
			break;
	}
	buf[have] = '\0';
	return (int)have;
}

static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const char line[] = "after a key update\n";
	SSL_CTX *ctx;
	SSL *ssl;
	char got[256], *end;
	long port;
	int fd, ok;

	/* Whatever it prints must survive timeout(1) killing it. */
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3)
		port = strtol(argv[1], &end, 10);
	if (argc != 3 || *end || port <= 0 || port > 65535) {
		fprintf(stderr, "usage: %s PORT CAFILE\n", argv[0]);
		return 2;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1)
		return 2;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	fd = connect_to((int)port);
	ssl = SSL_new(ctx);
	if (fd < 0 || !ssl)
		return 2;
	SSL_set_msg_callback(ssl, on_msg);
	SSL_set_tlsext_host_name(ssl, "localhost");
	SSL_set1_host(ssl, "localhost");
	SSL_set_fd(ssl, fd);
	ok = SSL_connect(ssl) == 1 && read_line(ssl, got, sizeof(got)) > 0 &&
	     !strcmp(got, "hello from tlsk\n") &&
	     SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1 &&
	     SSL_write(ssl, line, sizeof(line) - 1) == sizeof(line) - 1 &&
	     read_line(ssl, got, sizeof(got)) > 0 && !strcmp(got, line);
	if (ok && key_updates == 1) {
		printf("ok keyupdates=%d\n", key_updates);
	} else {
		printf("fail echo=%d keyupdates=%d\n", ok, key_updates);
		ERR_print_errors_fp(stdout);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return ok && key_updates == 1 ? 0 : 1;
}
