// SPDX-License-Identifier: MIT
/*
 * A libssl TLS 1.3 server that floods its client with NewSessionTicket
 * records, for tlskd's limits test (tlskd/tests/limits.sh):
 *
 *   tlskd-test-ticketflood PORT CERT KEY N
 *
 * listens on 127.0.0.1:PORT (prints "listening"), accepts one connection,
 * completes the handshake, sends N NewSessionTicket records at once, then
 * reads one line and writes it back reversed (as `openssl s_server -rev`
 * does). Prints "sent N tickets" and "echoed" and exits 0, else prints
 * what failed and exits 1.
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

static int listen_on(long port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1)) {
		close(s);
		return -1;
	}
	return s;
}

static SSL_CTX *server_ctx(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    !SSL_CTX_set_num_tickets(ctx, 0)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The line read, reversed before its '\n', written back. 0 or -1. */
static int echo_reversed(SSL *ssl)
{
	char line[256];
	int have = 0;

	while (have < (int)sizeof(line)) {
		int n = SSL_read(ssl, line + have, 1);

		if (n <= 0)
			return -1;
		if (line[have++] == '\n')
			break;
	}
	for (int i = 0, j = have - 2; i < j; i++, j--) {
		char t = line[i];

		line[i] = line[j];
		line[j] = t;
	}
	return SSL_write(ssl, line, have) == have ? 0 : -1;
}

int main(int argc, char **argv)
{
	long port, n;
	int ls, fd, rc = 1;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	char *end;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 5) {
		fprintf(stderr, "usage: see the comment atop %s\n", __FILE__);
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	n = strtol(argv[4], &end, 10);
	if (port < 1 || port > 65535 || n < 1 || n > 100000)
		return 2;
	ctx = server_ctx(argv[2], argv[3]);
	ls = listen_on(port);
	if (!ctx || ls < 0) {
		printf("fail set-up\n");
		return 1;
	}
	printf("listening\n");
	fd = accept(ls, NULL, NULL);
	if (fd >= 0 && (ssl = SSL_new(ctx)) && SSL_set_fd(ssl, fd) &&
	    SSL_accept(ssl) == 1) {
		long i = 0;

		/* Each ticket goes out at the next SSL_do_handshake(). */
		while (i < n && SSL_new_session_ticket(ssl) == 1 &&
		       SSL_do_handshake(ssl) == 1)
			i++;
		printf("sent %ld tickets\n", i);
		if (i == n && echo_reversed(ssl) == 0) {
			printf("echoed\n");
			SSL_shutdown(ssl);
			rc = 0;
		}
	}
	if (rc)
		ERR_print_errors_fp(stdout);
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	close(ls);
	SSL_CTX_free(ctx);
	return rc;
}
