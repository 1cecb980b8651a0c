// SPDX-License-Identifier: MIT
/*
 * One benchmark cell: N TCP connections, a sender and a receiver thread for
 * each, the clock and the CPU counters around the transfer.
 *
 * Implementation notes:
 * - Both ends live in this process, so getrusage(RUSAGE_SELF) is the CPU of
 *   the whole transfer, both sides, user and kernel. Softirq work (loopback
 *   and veth delivery) is charged to whichever thread is running, which is
 *   one of ours on an otherwise idle machine (Debian's kernel does not set
 *   CONFIG_IRQ_TIME_ACCOUNTING). /proc/stat's machine-wide busy time is
 *   recorded as well; it is the better figure in the quiet VM.
 * - Send-side workloads: the receiver reads the raw TCP stream and does not
 *   decrypt, so the cell measures the sender's record layer alone. Its
 *   wire byte count must exceed the payload for a TLS stack (records were
 *   made) and equal it for plain TCP: a cheap proof that the stack ran.
 * - WL_READ: records are sealed before the clock starts (for kTLS with
 *   libtlsk's userspace record layer and the fixed keys; for OpenSSL by the
 *   client's own SSL object writing into a memory BIO after its handshake),
 *   then written with plain write(), so the cell measures the receiver's
 *   record layer alone. The plaintext count must match exactly.
 * - OpenSSL does a real handshake (self-signed P-256 certificate, made at
 *   start) before the clock starts; kTLS sockets get fixed test keys with
 *   setsockopt, no handshake, as the record layer does not care where keys
 *   came from.
 * - Every socket has a send and receive timeout, so a stuck stack fails its
 *   cell instead of hanging the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bench.h"
#include "tlsk/aead.h"
#include "tlsk/handoff.h"
#include "tlsk/record.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* No data for this long is never legitimate, even under TCG: a record
 * layer that stalls fails its cell quickly instead of eating the run. */
#define IO_TIMEOUT_SECS	20
#define RX_BUF		((size_t)256 * 1024)
#define PATTERN_LEN	((size_t)256 * 1024)
#define FILE_CHUNK	(64 * 1024)	/* OpenSSL's sendfile stand-in */

static uint8_t pattern[PATTERN_LEN];
static EVP_PKEY *ssl_key;
static X509 *ssl_cert;

struct link {
	const struct cell *c;
	int tx_fd, rx_fd;		/* connecting side sends */
	SSL *tx_ssl, *rx_ssl;		/* ST_OPENSSL: client sends */
	int file_fd;			/* WL_SENDFILE */
	const uint8_t *stream;		/* WL_READ: sealed records */
	size_t stream_len;
	pthread_barrier_t *go;
	uint64_t payload, wire;
	atomic_int failed;		/* first failure wins msg */
	char msg[160];
	pthread_t tx_thread, rx_thread;
};

double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void snprintf_errno(char *buf, size_t len, const char *what, int err)
{
	const char *name = strerrorname_np(err);

	snprintf(buf, len, "%s: %s", what, name ? name : strerror(err));
}

static int self_signed(void)
{
	X509_NAME *name;

	ssl_key = EVP_EC_gen("P-256");
	ssl_cert = X509_new();
	if (!ssl_key || !ssl_cert)
		return -1;
	ASN1_INTEGER_set(X509_get_serialNumber(ssl_cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(ssl_cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(ssl_cert), 24L * 3600);
	X509_set_pubkey(ssl_cert, ssl_key);
	name = X509_get_subject_name(ssl_cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"tlsk-bench", -1, -1, 0);
	X509_set_issuer_name(ssl_cert, name);
	return X509_sign(ssl_cert, ssl_key, EVP_sha256()) > 0 ? 0 : -1;
}

int bench_init(void)
{
	/* Not zeros: nothing on the path may get a shortcut for them. */
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 2654435761u >> 13);
	return self_signed();
}

void bench_keys(uint16_t version, enum tlsk_aead aead,
		struct tlsk_traffic_keys *k)
{
	const struct tlsk_aead_desc *d = tlsk_aead_lookup(aead);

	memset(k, 0, sizeof(*k));
	k->version = version;
	k->aead = aead;
	k->key_len = d->key_len;
	memset(k->key, 0x42, k->key_len);
	/* TLS 1.2 GCM/CCM: 4-byte salt; else the 12-byte IV (keys.h). */
	k->iv_len = version == 0x0303 && d->tls12_explicit_len ? 4 : 12;
	memset(k->iv, 0x24, k->iv_len);
	k->seq = 0;
}

/* ---- connections ---- */

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_SECS };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Creates the socket in /run/netns/NAME when asked: a socket keeps the
 * netns it was made in, so one process can own both ends of a veth. */
static int netns_socket(const char *netns)
{
	char path[256];
	int own, peer, fd, err;

	if (!netns)
		return socket(AF_INET, SOCK_STREAM, 0);
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	peer = open(path, O_RDONLY | O_CLOEXEC);
	if (own < 0 || peer < 0 || setns(peer, CLONE_NEWNET) < 0) {
		err = errno;
		fd = -1;
	} else {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		err = errno;
		if (setns(own, CLONE_NEWNET) < 0) {
			/* Stuck in the wrong netns: nothing after is valid. */
			perror("tlsk-bench: setns back");
			exit(2);
		}
	}
	if (own >= 0)
		close(own);
	if (peer >= 0)
		close(peer);
	errno = err;
	return fd;
}

static int open_listener(const struct net *net, int backlog,
			 struct sockaddr_in *sa, char *note, size_t notelen)
{
	socklen_t salen = sizeof(*sa);
	int fd = netns_socket(net->peer_netns);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (fd < 0 || inet_pton(AF_INET, net->addr, &sa->sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &salen) < 0) {
		snprintf_errno(note, notelen, "listener", errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int connect_link(int lfd, const struct sockaddr_in *sa,
			struct link *l, char *note, size_t notelen)
{
	l->tx_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (l->tx_fd < 0 ||
	    connect(l->tx_fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    (l->rx_fd = accept(lfd, NULL, NULL)) < 0) {
		snprintf_errno(note, notelen, "connect", errno);
		return -1;
	}
	set_timeouts(l->tx_fd);
	set_timeouts(l->rx_fd);
	return 0;
}

/* ---- stacks ---- */

/* TCP_ULP + TLS_TX or TLS_RX with the fixed keys. On failure the note says
 * which step refused and why: the cell becomes n/a, not a crash. */
static int ktls_install(int fd, const char *ulp, int dir,
			const struct cell *c, char *note, size_t notelen)
{
	struct tlsk_traffic_keys keys;
	union tlsk_crypto_info ci;
	int len, ret = 0;

	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, strlen(ulp)) < 0) {
		char what[64];

		snprintf(what, sizeof(what), "no ULP \"%s\"", ulp);
		snprintf_errno(note, notelen, what, errno);
		return -1;
	}
	bench_keys(c->version, c->aead, &keys);
	len = tlsk_crypto_info_build(&keys, &ci);
	if (len < 0 || setsockopt(fd, SOL_TLS, dir, &ci, (socklen_t)len) < 0) {
		char what[64];

		snprintf(what, sizeof(what), "%s has no %s%s", ulp,
			 dir == TLS_TX ? "TX" : "RX",
			 strcmp(ulp, "tlsk") ? "" : " yet");
		snprintf_errno(note, notelen, what, len < 0 ? -len : errno);
		ret = -1;
	}
	if (!ret && dir == TLS_TX && c->zerocopy_ro) {
		unsigned int one = 1;

		if (setsockopt(fd, SOL_TLS, TLS_TX_ZEROCOPY_RO, &one,
			       sizeof(one)) < 0) {
			snprintf_errno(note, notelen, "no TLS_TX_ZEROCOPY_RO",
				       errno);
			ret = -1;
		}
	}
	OPENSSL_cleanse(&ci, sizeof(ci));
	tlsk_keys_scrub(&keys);
	return ret;
}

static const char *ssl_suite(const struct cell *c)
{
	static const char *const names[][2] = {
		/* TLS 1.2 (ECDSA certificate), TLS 1.3 */
		[TLSK_AEAD_AES_128_GCM] = { "ECDHE-ECDSA-AES128-GCM-SHA256",
					    "TLS_AES_128_GCM_SHA256" },
		[TLSK_AEAD_AES_256_GCM] = { "ECDHE-ECDSA-AES256-GCM-SHA384",
					    "TLS_AES_256_GCM_SHA384" },
		[TLSK_AEAD_CHACHA20_POLY1305] = {
			"ECDHE-ECDSA-CHACHA20-POLY1305",
			"TLS_CHACHA20_POLY1305_SHA256" },
		[TLSK_AEAD_AES_128_CCM] = { "ECDHE-ECDSA-AES128-CCM",
					    "TLS_AES_128_CCM_SHA256" },
	};

	return names[c->aead][c->version == 0x0304];
}

static SSL_CTX *ssl_ctx(const struct cell *c, int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
					    TLS_client_method());
	const char *suite = ssl_suite(c);

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, c->version);
	SSL_CTX_set_max_proto_version(ctx, c->version);
	/* Userspace crypto is the point of this stack: never kTLS. */
	SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_KTLS);
	/* The sealed-stream receiver ends at a byte count, not an alert. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if ((c->version == 0x0304 ? SSL_CTX_set_ciphersuites(ctx, suite) :
				    SSL_CTX_set_cipher_list(ctx, suite)) != 1)
		goto free_ctx;
	if (server) {
		/* Tickets would sit unread in the sender's receive queue. */
		SSL_CTX_set_num_tickets(ctx, 0);
		if (SSL_CTX_use_certificate(ctx, ssl_cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, ssl_key) != 1)
			goto free_ctx;
	}
	return ctx;
free_ctx:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Sets up one link's stack; 0, or -1 with the reason in note (n/a). */
static int stack_setup(struct link *l, SSL_CTX *cli, SSL_CTX *srv,
		       char *note, size_t notelen)
{
	const struct cell *c = l->c;
	int dir = c->wl == WL_READ ? TLS_RX : TLS_TX;
	int fd = c->wl == WL_READ ? l->rx_fd : l->tx_fd;

	switch (c->stack) {
	case ST_PLAIN:
		return 0;
	case ST_TLSK:
		return ktls_install(fd, "tlsk", dir, c, note, notelen);
	case ST_TLS:
		return ktls_install(fd, "tls", dir, c, note, notelen);
	case ST_OPENSSL:
		if (c->wl == WL_MORE) {
			snprintf(note, notelen,
				 "OpenSSL has no MSG_MORE: each SSL_write is a record");
			return -1;
		}
		l->tx_ssl = SSL_new(cli);
		l->rx_ssl = SSL_new(srv);
		if (!l->tx_ssl || !l->rx_ssl ||
		    !SSL_set_fd(l->tx_ssl, l->tx_fd) ||
		    !SSL_set_fd(l->rx_ssl, l->rx_fd)) {
			snprintf(note, notelen, "SSL_new failed");
			return -1;
		}
		return 0;
	case ST__COUNT:
		break;
	}
	return -1;
}

/* ---- the transfer ---- */

static void link_fail(struct link *l, const char *what, int err)
{
	if (atomic_exchange(&l->failed, 1))
		return;
	if (err)
		snprintf_errno(l->msg, sizeof(l->msg), what, err);
	else
		snprintf(l->msg, sizeof(l->msg), "%s", what);
	/* Wake the peer thread, which may be blocked on this connection. */
	shutdown(l->tx_fd, SHUT_RDWR);
}

static int write_raw(struct link *l, const uint8_t *buf, size_t len, int flags)
{
	while (len > 0) {
		ssize_t n = send(l->tx_fd, buf, len, flags);

		if (n <= 0) {
			link_fail(l, "send", n < 0 ? errno : EPIPE);
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_buf(struct link *l, const uint8_t *buf, size_t len, int flags)
{
	if (!l->tx_ssl)
		return write_raw(l, buf, len, flags);
	/* SSL_write without partial-write mode writes all of it or fails. */
	if (SSL_write(l->tx_ssl, buf, (int)len) != (int)len) {
		link_fail(l, "SSL_write failed", 0);
		return -1;
	}
	return 0;
}

static void send_chunks(struct link *l)
{
	const struct cell *c = l->c;
	size_t left = c->bytes;

	while (left > 0 && !l->failed) {
		size_t n = left < c->size ? left : c->size;
		int more = c->wl == WL_MORE && n < left ? MSG_MORE : 0;

		if (write_buf(l, pattern, n, more) < 0)
			return;
		left -= n;
	}
}

static void send_file(struct link *l)
{
	size_t left = l->c->bytes;
	off_t off = 0;

	while (left > 0) {
		ssize_t n;

		if (l->tx_ssl) {
			/* What a userspace TLS server does instead. */
			uint8_t buf[FILE_CHUNK];

			n = pread(l->file_fd, buf,
				  left < sizeof(buf) ? left : sizeof(buf), off);
			if (n > 0 && write_buf(l, buf, (size_t)n, 0) < 0)
				return;
			off += n > 0 ? n : 0;
		} else {
			n = sendfile(l->tx_fd, l->file_fd, &off, left);
		}
		if (n <= 0) {
			link_fail(l, "sendfile", n < 0 ? errno : EIO);
			return;
		}
		left -= (size_t)n;
	}
}

/* OpenSSL WL_READ: the client's records for the whole payload, made after
 * its handshake by pointing its write BIO at memory. */
static int ssl_seal_stream(struct link *l)
{
	BIO *mem = BIO_new(BIO_s_mem());
	size_t left = l->c->bytes;
	char *data;
	long len;

	if (!mem)
		return -1;
	SSL_set0_wbio(l->tx_ssl, mem);
	while (left > 0) {
		size_t n = left < TLSK_RECORD_MAX_PLAINTEXT ?
			   left : TLSK_RECORD_MAX_PLAINTEXT;

		if (SSL_write(l->tx_ssl, pattern, (int)n) != (int)n)
			return -1;
		left -= n;
	}
	len = BIO_get_mem_data(mem, &data);
	l->stream = (const uint8_t *)data;
	l->stream_len = (size_t)len;
	return 0;
}

static void *sender(void *arg)
{
	struct link *l = arg;
	const struct cell *c = l->c;

	if (l->tx_ssl && SSL_connect(l->tx_ssl) != 1)
		link_fail(l, "SSL_connect failed", 0);
	else if (l->tx_ssl && c->wl == WL_READ && ssl_seal_stream(l) < 0)
		link_fail(l, "sealing with SSL_write failed", 0);
	pthread_barrier_wait(l->go);
	if (l->failed)
		return NULL;

	switch (c->wl) {
	case WL_WRITE:
	case WL_MORE:
		send_chunks(l);
		break;
	case WL_SENDFILE:
		send_file(l);
		break;
	case WL_READ:
		if (l->stream)
			write_raw(l, l->stream, l->stream_len, 0);
		else
			send_chunks(l);	/* plain TCP: the payload itself */
		break;
	case WL__COUNT:
		break;
	}
	shutdown(l->tx_fd, SHUT_WR);
	return NULL;
}

static void *receiver(void *arg)
{
	struct link *l = arg;
	int decrypt = l->c->wl == WL_READ;
	uint8_t *buf = malloc(RX_BUF);

	if (!buf)
		link_fail(l, "malloc", ENOMEM);
	if (l->rx_ssl && SSL_accept(l->rx_ssl) != 1)
		link_fail(l, "SSL_accept failed", 0);
	pthread_barrier_wait(l->go);

	while (!l->failed) {
		ssize_t n;

		if (decrypt && l->rx_ssl) {
			if (l->payload == l->c->bytes)
				break;
			n = SSL_read(l->rx_ssl, buf, (int)RX_BUF);
			if (n <= 0) {
				link_fail(l, "SSL_read failed", 0);
				break;
			}
		} else {
			n = read(l->rx_fd, buf, RX_BUF);
			if (n < 0) {
				link_fail(l, "read", errno);
				break;
			}
			if (n == 0)
				break;
		}
		if (decrypt)
			l->payload += (uint64_t)n;
		else
			l->wire += (uint64_t)n;
	}
	if (decrypt)
		l->wire = l->stream ? l->stream_len : l->payload;
	else
		l->payload = l->c->bytes;
	free(buf);
	return NULL;
}

/* ---- sealed streams and files, made once and reused by every rep ---- */

static struct {
	uint16_t version;
	enum tlsk_aead aead;
	size_t bytes;
	uint8_t *data;
	size_t len;
} sealed;

static const uint8_t *ktls_stream(const struct cell *c, size_t *len)
{
	struct tlsk_traffic_keys keys;
	struct tlsk_record *rec;
	size_t left = c->bytes, cap, off = 0;

	if (sealed.data && sealed.version == c->version &&
	    sealed.aead == c->aead && sealed.bytes == c->bytes) {
		*len = sealed.len;
		return sealed.data;
	}
	free(sealed.data);
	sealed.data = NULL;
	bench_keys(c->version, c->aead, &keys);
	rec = tlsk_record_new(&keys, 1);
	tlsk_keys_scrub(&keys);
	if (!rec)
		return NULL;
	cap = (c->bytes / TLSK_RECORD_MAX_PLAINTEXT + 1) *
	      tlsk_record_sealed_len(rec, TLSK_RECORD_MAX_PLAINTEXT);
	sealed.data = malloc(cap);
	while (sealed.data && left > 0) {
		size_t n = left < TLSK_RECORD_MAX_PLAINTEXT ?
			   left : TLSK_RECORD_MAX_PLAINTEXT;
		int r = tlsk_record_seal(rec, TLSK_CT_APPLICATION_DATA, pattern,
					 n, sealed.data + off, cap - off);

		if (r < 0) {
			free(sealed.data);
			sealed.data = NULL;
			break;
		}
		off += (size_t)r;
		left -= n;
	}
	tlsk_record_free(rec);
	sealed.version = c->version;
	sealed.aead = c->aead;
	sealed.bytes = c->bytes;
	sealed.len = off;
	*len = off;
	return sealed.data;
}

/* An unlinked file of `bytes`, just written, so in the page cache. */
static int cached_file(size_t bytes)
{
	const char *dir = getenv("TMPDIR");
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/tlsk-bench.XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	for (size_t off = 0; off < bytes;) {
		size_t n = bytes - off < PATTERN_LEN ? bytes - off : PATTERN_LEN;
		ssize_t w = write(fd, pattern, n);

		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return fd;
}

/* ---- the cell ---- */

static int proc_stat_busy(double *secs)
{
	unsigned long long v[8] = { 0 }, busy;
	FILE *f = fopen("/proc/stat", "r");
	char line[256], *s, *end;

	if (!f)
		return -1;
	s = fgets(line, sizeof(line), f);
	fclose(f);
	if (!s || strncmp(s, "cpu ", 4) != 0)
		return -1;
	s += 4;
	for (int i = 0; i < 8; i++, s = end) {
		errno = 0;
		v[i] = strtoull(s, &end, 10);
		if (errno != 0 || end == s)
			return -1;
	}
	/* user nice system [idle iowait] irq softirq steal */
	busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*secs = (double)busy / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

static double rusage_secs(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void check_links(const struct cell *c, struct link *links,
			struct result *r)
{
	for (int i = 0; i < c->conns; i++) {
		struct link *l = &links[i];

		if (l->failed && r->status == RES_OK) {
			r->status = RES_FAIL;
			snprintf(r->note, sizeof(r->note), "conn %d: %s", i,
				 l->msg);
		}
		r->payload += l->payload;
		r->wire += l->wire;
	}
	if (r->status != RES_OK)
		return;
	if (c->wl == WL_READ && r->payload != (uint64_t)c->bytes * c->conns)
		snprintf(r->note, sizeof(r->note),
			 "received %llu plaintext bytes of %llu",
			 (unsigned long long)r->payload,
			 (unsigned long long)c->bytes * c->conns);
	else if (c->wl != WL_READ && c->stack == ST_PLAIN &&
		 r->wire != r->payload)
		snprintf(r->note, sizeof(r->note), "plain TCP lost bytes");
	else if (c->wl != WL_READ && c->stack != ST_PLAIN &&
		 r->wire <= r->payload)
		snprintf(r->note, sizeof(r->note),
			 "no record overhead on the wire: not encrypted?");
	else
		return;
	r->status = RES_FAIL;
}

static void close_links(struct link *links, int n)
{
	for (int i = 0; i < n; i++) {
		SSL_free(links[i].tx_ssl);	/* frees its memory BIO too */
		SSL_free(links[i].rx_ssl);
		if (links[i].tx_fd >= 0)
			close(links[i].tx_fd);
		if (links[i].rx_fd >= 0)
			close(links[i].rx_fd);
	}
	free(links);
}

void run_cell(const struct net *net, const struct cell *c, struct result *r)
{
	struct link *links = calloc((size_t)c->conns, sizeof(*links));
	SSL_CTX *cli = NULL, *srv = NULL;
	struct sockaddr_in sa;
	pthread_barrier_t go;
	const uint8_t *stream = NULL;
	size_t stream_len = 0;
	int lfd = -1, file_fd = -1, started = 0;
	double t0, cpu0, stat0 = 0, stat1 = 0;

	memset(r, 0, sizeof(*r));
	r->status = RES_NA;
	if (!links) {
		snprintf(r->note, sizeof(r->note), "out of memory");
		r->status = RES_FAIL;
		return;
	}
	for (int i = 0; i < c->conns; i++)
		links[i].tx_fd = links[i].rx_fd = -1;

	if (c->stack == ST_OPENSSL &&
	    (!(cli = ssl_ctx(c, 0)) || !(srv = ssl_ctx(c, 1)))) {
		snprintf(r->note, sizeof(r->note), "libssl refused %s",
			 ssl_suite(c));
		goto out;
	}
	if (c->wl == WL_SENDFILE && (file_fd = cached_file(c->bytes)) < 0) {
		snprintf_errno(r->note, sizeof(r->note), "temp file", errno);
		r->status = RES_FAIL;
		goto out;
	}
	/* Plain TCP sends the payload itself; OpenSSL seals per connection. */
	if (c->wl == WL_READ && (c->stack == ST_TLSK || c->stack == ST_TLS)) {
		stream = ktls_stream(c, &stream_len);
		if (!stream) {
			snprintf(r->note, sizeof(r->note), "sealing failed");
			r->status = RES_FAIL;
			goto out;
		}
	}
	lfd = open_listener(net, c->conns, &sa, r->note, sizeof(r->note));
	if (lfd < 0) {
		r->status = RES_FAIL;
		goto out;
	}
	for (int i = 0; i < c->conns; i++) {
		struct link *l = &links[i];

		l->c = c;
		l->go = &go;
		l->file_fd = file_fd;
		l->stream = stream;
		l->stream_len = stream_len;
		if (connect_link(lfd, &sa, l, r->note, sizeof(r->note)) < 0) {
			r->status = RES_FAIL;
			goto out;
		}
		if (stack_setup(l, cli, srv, r->note, sizeof(r->note)) < 0)
			goto out;	/* n/a, with the reason */
	}

	r->status = RES_OK;
	pthread_barrier_init(&go, NULL, (unsigned int)(2 * c->conns + 1));
	for (; started < c->conns; started++) {
		struct link *l = &links[started];

		pthread_create(&l->tx_thread, NULL, sender, l);
		pthread_create(&l->rx_thread, NULL, receiver, l);
	}
	pthread_barrier_wait(&go);
	t0 = now_secs();
	cpu0 = rusage_secs();
	proc_stat_busy(&stat0);
	for (int i = 0; i < started; i++) {
		pthread_join(links[i].tx_thread, NULL);
		pthread_join(links[i].rx_thread, NULL);
	}
	r->secs = now_secs() - t0;
	r->cpu_secs = rusage_secs() - cpu0;
	proc_stat_busy(&stat1);
	r->stat_secs = stat1 - stat0;
	pthread_barrier_destroy(&go);
	check_links(c, links, r);
out:
	close_links(links, c->conns);
	if (lfd >= 0)
		close(lfd);
	if (file_fd >= 0)
		close(file_fd);
	SSL_CTX_free(cli);
	SSL_CTX_free(srv);
	ERR_clear_error();
}
