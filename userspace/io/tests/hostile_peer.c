// SPDX-License-Identifier: MIT
/*
 * hostile-peer: a TLS client that completes a handshake (libtlsk engine,
 * keys kept in userspace) and then sends what RFC 8446 5 forbids, to see
 * how the server ends the connection.
 *
 *	hostile-peer [-tls1_2|-tls1_3] [-data TEXT] HOST PORT CASE
 *
 * Records after the handshake are sealed and opened here with libcrypto
 * directly (AES-128-GCM only), not with libtlsk's record layer, so that a
 * server using that layer is checked against a second implementation.
 * Prints what came back, one line: "alert LEVEL DESC" (the first alert
 * received), "data N" (N bytes of application data, for the cases that
 * expect an answer) or "eof" (closed without an alert). Exit 0 when a
 * line was printed, 1 on a local failure, 2 on usage.
 *
 * CASE: corrupt (bad_record_mac), oversize_ct (a header announcing too
 * long a ciphertext), oversize_pt (2^14 + 1 bytes of plaintext), type0,
 * ccs, heartbeat (plaintext records of type 0, 20, 24), empty_alert,
 * bad_alert (3 bytes), warnings (TLS 1.2: warning alerts, no data), full
 * (2^14 bytes of application data: -data, padded with 'a'; an answer
 * expected), plain (-data as is).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tlsk/driver.h"
#include "tlsk/record.h"

#define MAX_PT		16384
#define TAG_LEN		16
#define REC_MAX		(5 + 8 + MAX_PT + 2 + TAG_LEN + 256)

struct dir {
	struct tlsk_traffic_keys k;
};

static uint8_t rec[REC_MAX + 16], pt[MAX_PT + 64];

/* RFC 8446 5.3 / RFC 5288 3: the per-record nonce. */
static void nonce_of(const struct tlsk_traffic_keys *k, const uint8_t *exp,
		     uint8_t nonce[12])
{
	if (k->version == 0x0303) {
		memcpy(nonce, k->iv, 4);
		memcpy(nonce + 4, exp, 8);
		return;
	}
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(k->seq >> (8 * i));
}

static void put_seq(uint8_t *p, uint64_t seq)
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		p[i] = (uint8_t)seq;
}

static int gcm(int enc, const struct tlsk_traffic_keys *k,
	       const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
	       uint8_t *buf, size_t len, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok = ctx &&
		EVP_CipherInit_ex(ctx, EVP_aes_128_gcm(), NULL, k->key, nonce,
				  enc) == 1 &&
		(enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					    TAG_LEN, tag) == 1) &&
		EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
		EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) == 1 &&
		EVP_CipherFinal_ex(ctx, buf + n, &n) == 1 &&
		(!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
					     TAG_LEN, tag) == 1);

	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* Seals any length (no 2^14 limit: that is the point) into rec. */
static size_t seal(struct tlsk_traffic_keys *k, uint8_t type,
		   const uint8_t *data, size_t len)
{
	uint8_t nonce[12], aad[13];
	size_t exp = k->version == 0x0303 ? 8 : 0, inner = len, body;
	uint8_t *ct = rec + 5 + exp;

	if (len)	/* data may be NULL then: memcpy() must not see it */
		memcpy(ct, data, len);
	if (k->version == 0x0304)
		ct[inner++] = type;
	body = exp + inner + TAG_LEN;
	rec[0] = k->version == 0x0304 ? TLSK_CT_APPLICATION_DATA : type;
	rec[1] = 3, rec[2] = 3;
	rec[3] = (uint8_t)(body >> 8), rec[4] = (uint8_t)body;
	if (exp) {
		put_seq(rec + 5, k->seq);
		put_seq(aad, k->seq);
		aad[8] = type, aad[9] = 3, aad[10] = 3;
		aad[11] = (uint8_t)(len >> 8), aad[12] = (uint8_t)len;
	} else {
		memcpy(aad, rec, 5);
	}
	nonce_of(k, rec + 5, nonce);
	if (gcm(1, k, nonce, aad, exp ? 13 : 5, ct, inner, ct + inner))
		return 0;
	k->seq++;
	return 5 + body;
}

static int read_exact(int fd, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Opens the next record into pt; its length, or -1 at EOF / error. */
static int open_next(int fd, struct tlsk_traffic_keys *k, uint8_t *type)
{
	size_t exp = k->version == 0x0303 ? 8 : 0, body, len;
	uint8_t nonce[12], aad[13], *ct = rec + 5 + exp;

	if (read_exact(fd, rec, 5))
		return -1;
	body = (size_t)rec[3] << 8 | rec[4];
	if (body < exp + TAG_LEN || body > REC_MAX - 5 ||
	    read_exact(fd, rec + 5, body))
		return -1;
	len = body - exp - TAG_LEN;
	if (exp) {
		put_seq(aad, k->seq);
		aad[8] = rec[0], aad[9] = 3, aad[10] = 3;
		aad[11] = (uint8_t)(len >> 8), aad[12] = (uint8_t)len;
	} else {
		memcpy(aad, rec, 5);
	}
	nonce_of(k, rec + 5, nonce);
	if (gcm(0, k, nonce, aad, exp ? 13 : 5, ct, len, ct + len)) {
		fprintf(stderr, "hostile-peer: a record of the server failed "
				"to open\n");
		return -1;
	}
	k->seq++;
	*type = rec[0];
	if (k->version == 0x0304) {
		while (len && ct[len - 1] == 0)
			len--;
		if (!len)
			return -1;
		*type = ct[--len];
	}
	memcpy(pt, ct, len);
	return (int)len;
}

static int send_all(int fd, const uint8_t *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int send_sealed(int fd, struct tlsk_traffic_keys *k, uint8_t type,
		       const uint8_t *data, size_t len)
{
	size_t n = seal(k, type, data, len);

	return n ? send_all(fd, rec, n) : -1;
}

/* Sends what CASE says; 1 when an answer (data) is expected. */
static int attack(int fd, struct tlsk_traffic_keys *tx, const char *what,
		  const char *data)
{
	static uint8_t big[MAX_PT + 1];
	size_t dlen = strlen(data);
	int is_12 = tx->version == 0x0303;

	memset(big, 'a', sizeof(big));
	if (!strcmp(what, "plain"))
		return send_sealed(fd, tx, TLSK_CT_APPLICATION_DATA,
				   (const uint8_t *)data, dlen) ? -1 : 1;
	if (!strcmp(what, "full") || !strcmp(what, "oversize_pt")) {
		size_t len = what[0] == 'f' ? MAX_PT : MAX_PT + 1;

		memcpy(big, data, dlen < MAX_PT ? dlen : MAX_PT);
		/* an HTTP request ends with an empty line */
		if (dlen > 4 && !memcmp(data + dlen - 4, "\r\n\r\n", 4)) {
			big[MAX_PT - 4] = big[MAX_PT - 2] = '\r';
			big[MAX_PT - 3] = big[MAX_PT - 1] = '\n';
		}
		return send_sealed(fd, tx, TLSK_CT_APPLICATION_DATA, big,
				   len) ? -1 : what[0] == 'f';
	}
	if (!strcmp(what, "corrupt")) {
		size_t n = seal(tx, TLSK_CT_APPLICATION_DATA,
				(const uint8_t *)"x", 1);

		rec[n - 1] ^= 0x80;
		return n && !send_all(fd, rec, n) ? 0 : -1;
	}
	if (!strcmp(what, "oversize_ct")) {
		size_t body = is_12 ? MAX_PT + 2048 + 1 : MAX_PT + 256 + 1;
		uint8_t hdr[5] = { TLSK_CT_APPLICATION_DATA, 3, 3,
				   (uint8_t)(body >> 8), (uint8_t)body };

		return send_all(fd, hdr, sizeof(hdr));
	}
	if (!strcmp(what, "type0") || !strcmp(what, "ccs") ||
	    !strcmp(what, "heartbeat")) {
		uint8_t r[8] = { 0, 3, 3, 0, 3, 1, 0, 0 };

		r[0] = what[0] == 't' ? 0 : what[0] == 'c' ? 20 : 24;
		if (r[0] == 20)		/* ChangeCipherSpec: the byte 1 */
			r[4] = 1;
		return send_all(fd, r, 5 + r[4]);
	}
	if (!strcmp(what, "empty_alert"))
		return send_sealed(fd, tx, TLSK_CT_ALERT, NULL, 0);
	if (!strcmp(what, "bad_alert"))
		return send_sealed(fd, tx, TLSK_CT_ALERT,
				   (const uint8_t *)"\x02\x14\x00", 3);
	if (!strcmp(what, "warnings")) {
		/* RFC 5246 7.2: a warning; user_canceled is harmless alone */
		static const uint8_t warn[2] = { 1, 90 };

		for (int i = 0; i < 4; i++)	/* TLSK_CONN_MAX_WARNINGS */
			if (send_sealed(fd, tx, TLSK_CT_ALERT, warn, 2))
				return -1;
		return 0;
	}
	fprintf(stderr, "hostile-peer: unknown case %s\n", what);
	return -2;
}

/* Reads until an alert, data (when expected) or EOF; prints it. */
static void report(int fd, struct tlsk_traffic_keys *rx, int want_data)
{
	size_t got = 0;
	uint8_t type;
	int n;

	while ((n = open_next(fd, rx, &type)) >= 0) {
		if (type == TLSK_CT_ALERT && n == 2) {
			if (got)
				printf("data %zu\n", got);
			printf("alert %u %u\n", pt[0], pt[1]);
			return;
		}
		if (type == TLSK_CT_APPLICATION_DATA)
			got += (size_t)n;
		/* handshake records (tickets) are skipped */
		if (want_data && got >= (want_data > 1 ? MAX_PT : 1))
			break;
	}
	if (got)
		printf("data %zu\n", got);
	else
		printf("eof\n");
}

static int connect_to(const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char *end = NULL;
	long p = strtol(port, &end, 10);
	int fd;

	if (!*port || *end || p <= 0 || p > 65535) {
		fprintf(stderr, "hostile-peer: bad port %s\n", port);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons((uint16_t)p);
	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("hostile-peer: connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	uint16_t version = 0x0304;
	const char *data = "hello";
	struct tlsk_traffic_keys tx, rx;
	struct tlsk_config *cfg;
	struct tlsk_engine *e;
	struct tlsk_conn *c = NULL;
	int i = 1, fd, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-tls1_2"))
			version = 0x0303;
		else if (!strcmp(argv[i], "-tls1_3"))
			version = 0x0304;
		else if (!strcmp(argv[i], "-data") && i + 1 < argc)
			data = argv[++i];
		else
			break;
	}
	if (argc - i != 3) {
		fprintf(stderr, "usage: hostile-peer [-tls1_2|-tls1_3] [-data TEXT] "
				"HOST PORT CASE\n");
		return 2;
	}
	cfg = tlsk_config_new();
	if (!cfg || tlsk_config_set_verify(cfg, TLSK_VERIFY_NONE) ||
	    tlsk_config_set_versions(cfg, version, version) ||
	    tlsk_config_set_tls13_suites(cfg, "TLS_AES_128_GCM_SHA256") ||
	    tlsk_config_set_tls12_ciphers(cfg, "ECDHE-ECDSA-AES128-GCM-SHA256:"
					  "ECDHE-RSA-AES128-GCM-SHA256"))
		return 1;
	fd = connect_to(argv[i], argv[i + 1]);
	e = fd < 0 ? NULL : tlsk_engine_new(cfg, TLSK_ROLE_CLIENT);
	if (!e || tlsk_drive(e, fd, 10000, TLSK_HANDOFF_USER_ONLY, &c)) {
		fprintf(stderr, "hostile-peer: handshake failed\n");
		return 1;
	}
	tx = *tlsk_conn_keys(c, TLSK_DIR_TX);
	rx = *tlsk_conn_keys(c, TLSK_DIR_RX);
	rc = attack(fd, &tx, argv[i + 2], data);
	if (rc >= 0)
		report(fd, &rx, rc ? (!strcmp(argv[i + 2], "full") ? 2 : 1) : 0);
	else
		fprintf(stderr, "hostile-peer: could not send %s\n",
			argv[i + 2]);
	tlsk_keys_scrub(&tx);
	tlsk_keys_scrub(&rx);
	OPENSSL_cleanse(pt, sizeof(pt));
	/* the connection object only holds the keys: no close_notify */
	shutdown(fd, SHUT_WR);
	tlsk_conn_close(c);
	tlsk_engine_free(e);
	tlsk_config_free(cfg);
	return rc >= 0 ? 0 : rc == -2 ? 2 : 1;
}
