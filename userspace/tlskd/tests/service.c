// SPDX-License-Identifier: MIT
/*
 * A test service for the tlskd end-to-end tests (tlskd/tests/e2e.sh):
 *
 *   tlskd-test-service serve PORT PROFILE N [blocking|nonblocking]
 *	listens on 127.0.0.1:PORT, hands N accepted sockets to tlskd (all at
 *	once with the non-blocking API), then on each one that succeeded
 *	writes "hello from tlsk\n" and echoes one line back; prints one
 *	"ok"/"fail" line per connection and a summary "done OK FAIL".
 *	An "ok" line says whether getsockopt(SOL_TLS, TLS_TX) shows this
 *	service the key: keys=hidden (tlsk.ko, locked by the hand-off),
 *	keys=readable (in-tree kTLS), keys=- (no kernel TLS); and whether
 *	tlsk.ko sends fatal alerts itself: alerts=on|off (TLSK_SEND_ALERTS),
 *	alerts=- elsewhere.
 *   tlskd-test-service connect PORT PROFILE SERVERNAME
 *	connects to 127.0.0.1:PORT, does a client handshake through tlskd,
 *	sends "ping\n" and prints what comes back.
 *   tlskd-test-service status
 *	prints the daemon's counters.
 *
 * TLSK_SOCKET in the environment names the daemon's socket;
 * TLSK_TEST_ALPN, if set, is the ALPN list a serve request carries;
 * TLSK_TEST_BLOCK_DUP, if set, makes a blocking serve keep a dup() of each
 * socket and clear its O_NONBLOCK after the reply ("dup made blocking"),
 * as a careless or hostile service could under tlskd's relay.
 * TLSK_TEST_PEEK_OFF, if set, makes serve set SO_PEEK_OFF = 0 on each
 * accepted socket first, printing "peek_off set" or "peek_off unsupported".
 * TLSK_TEST_ULP, if set, makes serve attach that TCP ULP to each accepted
 * socket first, printing "ulp set" or "ulp unsupported".
 * TLSK_TEST_HALFCLOSE, if set, makes serve shut down its writing after
 * the greeting (shutdown(SHUT_WR)) and print what it then reads until EOF:
 * "after half-close: N bytes: TEXT".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <linux/tlsk.h>

#include "tlsk/service.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/*
 * What TLS_TX shows the fd holder. Every struct tls12_crypto_info_* is
 * the header, then IV, key and salt, then the 8-byte rec_seq: the middle
 * is all zero exactly when the kernel hides the keys.
 */
static const char *key_state(int fd, const struct tlsk_result *r)
{
	union {
		struct tls_crypto_info info;
		struct tls12_crypto_info_aes_gcm_128 gcm128;
		struct tls12_crypto_info_aes_gcm_256 gcm256;
		struct tls12_crypto_info_aes_ccm_128 ccm128;
		struct tls12_crypto_info_chacha20_poly1305 chacha;
		unsigned char raw[64];
	} ci;
	socklen_t len = sizeof(ci.info);
	int nonzero = 0;

	if (r->ulp == TLSK_ULP_USER)
		return "-";
	memset(&ci, 0, sizeof(ci));
	if (getsockopt(fd, SOL_TLS, TLS_TX, &ci, &len))
		return "unknown";
	switch (ci.info.cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
		len = sizeof(ci.gcm128);
		break;
	case TLS_CIPHER_AES_GCM_256:
		len = sizeof(ci.gcm256);
		break;
	case TLS_CIPHER_AES_CCM_128:
		len = sizeof(ci.ccm128);
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		len = sizeof(ci.chacha);
		break;
	default:
		return "unknown";
	}
	if (getsockopt(fd, SOL_TLS, TLS_TX, &ci, &len))
		return "unknown";
	for (size_t i = sizeof(ci.info); i + 8 < len; i++)
		nonzero |= ci.raw[i];
	memset(&ci, 0, sizeof(ci));
	return nonzero ? "readable" : "hidden";
}

/* TLSK_SEND_ALERTS as the hand-off left it: on, off, or - (not tlsk). */
static const char *alert_state(int fd, const struct tlsk_result *r)
{
	socklen_t len = sizeof(int);
	int on = 0;

	if (r->ulp != TLSK_ULP_TLSK ||
	    getsockopt(fd, SOL_TLS, TLSK_SEND_ALERTS, &on, &len))
		return "-";
	return on ? "on" : "off";
}

static void print_result(int i, int rc, const struct tlsk_result *r, int fd)
{
	if (rc == 0)
		printf("ok %d version=%04x suite=%s resumed=%d alpn=%s "
		       "peer=%s sans=%s alerts=%s keys=%s ulp=%s%s\n",
		       i, r->version, r->suite_name, r->resumed,
		       r->alpn[0] ? r->alpn : "-",
		       r->peer_subject[0] ? r->peer_subject : "-",
		       r->peer_sans[0] ? r->peer_sans : "-",
		       alert_state(fd, r), key_state(fd, r),
		       tlsk_ulp_name(r->ulp), r->proxied ? " proxied" : "");
	else
		printf("fail %d rc=%d status=%d alert=%d reason=%s\n", i, rc,
		       r->status, r->alert == TLSK_ALERT_NONE ? -1 : r->alert,
		       r->reason);
	fflush(stdout);
}

static int listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1024)) {
		perror("listen");
		exit(2);
	}
	return s;
}

/* Greets, echoes one line, closes. 0 on success. Says how a read that
 * got no line ended: "read eof relay_check=N" (tlsk_relay_check()) or
 * "read error errno=N". */
static int talk(int fd)
{
	static const char hello[] = "hello from tlsk\n";
	char line[256];
	size_t have = 0;

	if (write(fd, hello, sizeof(hello) - 1) != sizeof(hello) - 1)
		return -1;
	if (getenv("TLSK_TEST_HALFCLOSE")) {
		ssize_t n;

		shutdown(fd, SHUT_WR);
		while (have < sizeof(line) - 1 &&
		       (n = read(fd, line + have, sizeof(line) - 1 - have)) > 0)
			have += (size_t)n;
		line[have] = 0;
		printf("after half-close: %zu bytes: %s\n", have, line);
		return have ? 0 : -1;
	}
	while (have < sizeof(line) && (have == 0 || line[have - 1] != '\n')) {
		ssize_t n = read(fd, line + have, sizeof(line) - have);

		if (n < 0)
			printf("read error errno=%d\n", errno);
		else if (n == 0)
			printf("read eof relay_check=%d\n",
			       tlsk_relay_check(fd));
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have && write(fd, line, have) != (ssize_t)have)
		return -1;
	return 0;
}

/* Reports one connection's handshake, talks on success, closes. */
static void finish_one(int i, int rc, const struct tlsk_result *r, int fd,
		       int *ok, int *fail)
{
	print_result(i, rc, r, fd);
	if (rc == 0 && talk(fd) == 0)
		(*ok)++;
	else
		(*fail)++;
	close(fd);
}

static int serve(int port, const char *profile, int n, int nonblocking)
{
	struct tlsk_params prm = { .role = TLSK_ROLE_SERVER, .profile = profile,
				   .alpn = getenv("TLSK_TEST_ALPN") };
	int ls = listen_on(port), *fds = calloc((size_t)n, sizeof(int));
	struct tlsk_pending **pend = calloc((size_t)n,
					     sizeof(struct tlsk_pending *));
	struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
	int ok = 0, fail = 0, left = 0;
	int block_dup = getenv("TLSK_TEST_BLOCK_DUP") != NULL;
	int peek_off = getenv("TLSK_TEST_PEEK_OFF") != NULL;
	const char *ulp = getenv("TLSK_TEST_ULP");
	struct tlsk_result r;

	printf("listening\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		fds[i] = accept(ls, NULL, NULL);
		if (ulp) {
			printf("ulp %s\n",
			       setsockopt(fds[i], IPPROTO_TCP, TCP_ULP, ulp,
					  (socklen_t)strlen(ulp)) ?
			       "unsupported" : "set");
		}
		if (peek_off) {
			int zero = 0;

			printf("peek_off %s\n",
			       setsockopt(fds[i], SOL_SOCKET, SO_PEEK_OFF,
					  &zero, sizeof(zero)) ? "unsupported" :
			       "set");
		}
		if (!nonblocking) {
			int dupfd = block_dup ? dup(fds[i]) : -1;
			int rc = tlsk_handshake(fds[i], &prm, &r);

			/* A service that kept the TCP socket's open file
			 * makes it blocking under tlskd's relay. */
			if (dupfd >= 0 && rc == 0 &&
			    fcntl(dupfd, F_SETFL,
				  fcntl(dupfd, F_GETFL) & ~O_NONBLOCK) == 0)
				printf("dup made blocking\n");
			finish_one(i, rc, &r, fds[i], &ok, &fail);
			if (dupfd >= 0)
				close(dupfd);
			continue;
		}
		if (tlsk_handshake_start(fds[i], &prm, &pend[i]) == 0) {
			left++;
		} else {
			printf("fail %d start\n", i);
			fail++;
		}
	}
	while (left > 0) {
		for (int i = 0; i < n; i++) {
			pfd[i].fd = pend[i] ? tlsk_pending_fd(pend[i]) : -1;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, 60000) <= 0)
			break;
		for (int i = 0; i < n; i++) {
			int rc;

			if (!pend[i] || !pfd[i].revents)
				continue;
			rc = tlsk_handshake_finish(pend[i], &r);
			if (rc == -EAGAIN)
				continue;
			pend[i] = NULL;
			left--;
			finish_one(i, rc, &r, fds[i], &ok, &fail);
		}
	}
	fail += left;
	printf("done %d %d\n", ok, fail);
	free(fds);
	free(pend);
	free(pfd);
	close(ls);
	return fail ? 1 : 0;
}

static int connect_to(int port, const char *profile, const char *name)
{
	struct tlsk_params prm = { .role = TLSK_ROLE_CLIENT, .profile = profile,
				   .server_name = name };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;
	struct tlsk_result r;
	char buf[4096];
	ssize_t n;

	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		return 2;
	}
	rc = tlsk_handshake(fd, &prm, &r);
	print_result(0, rc, &r, fd);
	if (rc)
		return 1;
	if (write(fd, "ping\n", 5) != 5)
		return 1;
	/* One line back (openssl s_server -rev reverses it). */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		if (buf[n - 1] == '\n')
			break;
	}
	fflush(stdout);
	/* Without it, s_server forgets a TLS 1.2 session ID. */
	if (tlsk_close_notify(fd))
		perror("close_notify");
	close(fd);
	return n > 0 ? 0 : 1;
}

static int status(void)
{
	struct tlsk_daemon_status st;
	int rc = tlsk_daemon_status(NULL, &st);

	if (rc) {
		printf("status failed: %s\n", strerror(-rc));
		return 1;
	}
	printf("done=%llu failed=%llu resumed=%llu active=%llu proxies=%llu "
	       "refused=%llu malformed=%llu\n",
	       (unsigned long long)st.hs_done, (unsigned long long)st.hs_failed,
	       (unsigned long long)st.hs_resumed,
	       (unsigned long long)st.hs_active,
	       (unsigned long long)st.proxies_active,
	       (unsigned long long)st.req_refused,
	       (unsigned long long)st.req_malformed);
	return 0;
}

/* The number in argument s, in [min, max]; else the run is a usage error. */
static int num_arg(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "tlskd-test-service: '%s' is not a number in "
			"%ld..%ld\n", s, min, max);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "serve"))
		return serve(num_arg(argv[2], 1, 65535), argv[3],
			     num_arg(argv[4], 1, 100000),
			     argc > 5 && !strcmp(argv[5], "nonblocking"));
	if (argc == 5 && !strcmp(argv[1], "connect"))
		return connect_to(num_arg(argv[2], 1, 65535), argv[3], argv[4]);
	if (argc == 2 && !strcmp(argv[1], "status"))
		return status();
	fprintf(stderr, "usage: see the comment atop tlskd/tests/service.c\n");
	return 2;
}
