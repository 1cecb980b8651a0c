// SPDX-License-Identifier: MIT
/*
 * Hand-off unit tests: the struct tls12_crypto_info_* mapping for every
 * version x cipher (checked field by field through the kernel's struct
 * members, not through our offset table), and struct tlsk_conn over a TCP
 * loopback pair with the userspace record layer: data both ways,
 * close_notify, truncation, non-blocking resumption, post-handshake
 * records, tampering.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../tests/tap.h"
#include "testnet.h"
#include "tlsk/handoff.h"
#include "tlsk/record.h"

#define TEST_SEQ 0x0102030405060708ull

/*
 * Every setsockopt() of this program, libtlsk's included (linked in
 * statically), comes here first: the tests count the TCP_ULP attempts.
 */
static unsigned ulp_attempts;

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (level == IPPROTO_TCP && name == TCP_ULP)
		ulp_attempts++;
	return (int)syscall(SYS_setsockopt, fd, level, name, val, len);
}

static struct tlsk_traffic_keys make_keys(uint16_t version,
					  enum tlsk_aead aead, uint64_t seq)
{
	struct tlsk_traffic_keys k = { .version = version, .aead = aead,
				       .seq = seq };

	k.key_len = aead == TLSK_AEAD_AES_256_GCM ||
		    aead == TLSK_AEAD_CHACHA20_POLY1305 ? 32 : 16;
	k.iv_len = version == 0x0303 && aead != TLSK_AEAD_CHACHA20_POLY1305 ?
		   4 : 12;
	fill_pattern(k.key, k.key_len, 1);
	fill_pattern(k.iv, k.iv_len, 100);
	return k;
}

struct info_view {
	const uint8_t *salt, *iv, *key, *rec_seq;
	size_t salt_len, iv_len, key_len, size;
	uint16_t cipher;
};

/* The kernel struct's own members, independent of io/aead.c's table. */
#define VIEW(ci, member, cipher_id)					\
	(struct info_view) {						\
		.salt = (ci)->member.salt, .iv = (ci)->member.iv,	\
		.key = (ci)->member.key, .rec_seq = (ci)->member.rec_seq, \
		.salt_len = sizeof((ci)->member.salt),			\
		.iv_len = sizeof((ci)->member.iv),			\
		.key_len = sizeof((ci)->member.key),			\
		.size = sizeof((ci)->member), .cipher = (cipher_id),	\
	}

static struct info_view view_of(const union tlsk_crypto_info *ci,
				enum tlsk_aead aead)
{
	switch (aead) {
	case TLSK_AEAD_AES_128_GCM:
		return VIEW(ci, aes_gcm_128, TLS_CIPHER_AES_GCM_128);
	case TLSK_AEAD_AES_256_GCM:
		return VIEW(ci, aes_gcm_256, TLS_CIPHER_AES_GCM_256);
	case TLSK_AEAD_CHACHA20_POLY1305:
		return VIEW(ci, chacha20_poly1305,
			    TLS_CIPHER_CHACHA20_POLY1305);
	case TLSK_AEAD_AES_128_CCM:
		break;
	}
	return VIEW(ci, aes_ccm_128, TLS_CIPHER_AES_CCM_128);
}

static void crypto_info_all_versions_and_ciphers(void)
{
	static const uint8_t seq_be[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint16_t versions[] = { 0x0303, 0x0304 };

	for (size_t v = 0; v < 2; v++) {
		for (int a = TLSK_AEAD_AES_128_GCM; a <= TLSK_AEAD_AES_128_CCM;
		     a++) {
			struct tlsk_traffic_keys k =
				make_keys(versions[v], a, TEST_SEQ);
			union tlsk_crypto_info ci;
			int len = tlsk_crypto_info_build(&k, &ci);
			struct info_view w = view_of(&ci, a);
			int chacha = a == TLSK_AEAD_CHACHA20_POLY1305;

			CHECK(len == (int)w.size);
			CHECK(ci.info.version == versions[v]);
			CHECK(ci.info.cipher_type == w.cipher);
			CHECK(w.key_len == k.key_len &&
			      !memcmp(w.key, k.key, k.key_len));
			CHECK(!memcmp(w.rec_seq, seq_be, 8));
			CHECK(w.salt_len == (chacha ? 0 : 4));
			CHECK(!memcmp(w.salt, k.iv, w.salt_len));
			if (versions[v] == 0x0303 && !chacha)
				/* RFC 5288: explicit nonce seeded with seq */
				CHECK(!memcmp(w.iv, seq_be, 8));
			else
				CHECK(!memcmp(w.iv, k.iv + w.salt_len,
					      w.iv_len));
		}
	}
}

static void crypto_info_rejects_bad_keys(void)
{
	struct tlsk_traffic_keys k = make_keys(0x0304, TLSK_AEAD_AES_128_GCM,
					       0);
	union tlsk_crypto_info ci;

	k.iv_len = 4;	/* TLS 1.3 needs the whole 12-byte IV */
	CHECK(tlsk_crypto_info_build(&k, &ci) == -EINVAL);
	k = make_keys(0x0303, TLSK_AEAD_CHACHA20_POLY1305, 0);
	k.iv_len = 4;	/* RFC 7905: ChaCha20 has no explicit nonce */
	CHECK(tlsk_crypto_info_build(&k, &ci) == -EINVAL);
	k = make_keys(0x0301, TLSK_AEAD_AES_128_GCM, 0);
	CHECK(tlsk_crypto_info_build(&k, &ci) == -EINVAL);
}

struct pair {
	struct tlsk_conn *a, *b;
	struct tlsk_traffic_keys a_to_b, b_to_a;
};

static int pair_open(struct pair *p, uint16_t version, enum tlsk_aead aead)
{
	int fds[2];

	p->a_to_b = make_keys(version, aead, version == 0x0303);
	p->b_to_a = make_keys(version, aead, 5);
	p->b_to_a.key[0] ^= 0xff;	/* the two directions differ */
	if (tcp_pair(fds))
		return -1;
	if (tlsk_conn_handoff(fds[0], &p->a_to_b, &p->b_to_a,
			      TLSK_HANDOFF_USER_ONLY, &p->a) ||
	    tlsk_conn_handoff(fds[1], &p->b_to_a, &p->a_to_b,
			      TLSK_HANDOFF_USER_ONLY, &p->b))
		return -1;
	return 0;
}

static size_t read_full(struct tlsk_conn *c, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = tlsk_conn_read(c, buf + got, len - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void user_layer_data_both_ways(void)
{
	static uint8_t out[100000], in[100000];

	for (int a = TLSK_AEAD_AES_128_GCM; a <= TLSK_AEAD_AES_128_CCM; a++) {
		for (uint16_t v = 0x0303; v <= 0x0304; v++) {
			struct pair p;

			CHECK(pair_open(&p, v, a) == 0);
			CHECK(tlsk_conn_ulp(p.a) == TLSK_ULP_USER);
			fill_pattern(out, 5000, (unsigned int)a);
			/* 5000 bytes fit in the socket buffer unread. */
			CHECK(tlsk_conn_write(p.a, out, 5000) == 5000);
			CHECK(read_full(p.b, in, 5000) == 5000);
			CHECK(!memcmp(in, out, 5000));
			CHECK(tlsk_conn_write(p.b, "pong", 4) == 4);
			CHECK(read_full(p.a, in, 4) == 4 &&
			      !memcmp(in, "pong", 4));
			/* close_notify reads as EOF, not as an error */
			CHECK(tlsk_conn_close(p.a) == 0);
			CHECK(tlsk_conn_read(p.b, in, sizeof(in)) == 0);
			CHECK(tlsk_conn_alert(p.b) == TLSK_ALERT_CLOSE_NOTIFY);
			tlsk_conn_close(p.b);
		}
	}
}

static void user_layer_large_write_splits_records(void)
{
	static uint8_t out[100000], in[100000];
	struct pair p;
	pid_t child;
	int status;

	CHECK(pair_open(&p, 0x0304, TLSK_AEAD_AES_256_GCM) == 0);
	fill_pattern(out, sizeof(out), 9);
	child = fork();
	if (child == 0) {	/* the writer may block: keep it apart */
		ssize_t done = 0;

		while (done < (ssize_t)sizeof(out)) {
			ssize_t n = tlsk_conn_write(p.a, out + done,
						    sizeof(out) - done);
			if (n <= 0)
				_exit(1);
			done += n;
		}
		_exit(0);
	}
	CHECK(read_full(p.b, in, sizeof(in)) == sizeof(in));
	CHECK(!memcmp(in, out, sizeof(in)));
	CHECK(waitpid(child, &status, 0) == child && status == 0);
	tlsk_conn_close(p.a);
	tlsk_conn_close(p.b);
}

/* TCP EOF without close_notify is a truncation attack, not an EOF. */
static void user_layer_truncation_is_an_error(void)
{
	struct pair p;
	uint8_t buf[16];

	CHECK(pair_open(&p, 0x0304, TLSK_AEAD_AES_128_GCM) == 0);
	shutdown(tlsk_conn_fd(p.a), SHUT_WR);
	CHECK(tlsk_conn_read(p.b, buf, sizeof(buf)) == -ECONNRESET);
	tlsk_conn_close(p.a);
	tlsk_conn_close(p.b);
}

/*
 * A raw peer and a userspace-layer connection reading what it sends:
 * `seal` protects records exactly as the connection expects them.
 */
struct raw_peer {
	struct tlsk_traffic_keys k;
	struct tlsk_record *seal;
	struct tlsk_conn *c;
	int fd;			/* the peer's end */
};

static int raw_peer_open(struct raw_peer *p, uint16_t version,
			 enum tlsk_aead aead, uint64_t seq)
{
	int fds[2];

	p->k = make_keys(version, aead, seq);
	p->seal = tlsk_record_new(&p->k, 1);
	p->c = NULL;
	if (!p->seal || tcp_pair(fds))
		return -1;
	p->fd = fds[0];
	return tlsk_conn_handoff(fds[1], &p->k, &p->k, TLSK_HANDOFF_USER_ONLY,
				 &p->c);
}

/* Seals one record and sends it raw; the number of bytes sent. */
static int raw_peer_send(struct raw_peer *p, uint8_t type, const void *data,
			 size_t len, size_t cut)
{
	uint8_t rec[256];
	int n = tlsk_record_seal(p->seal, type, data, len, rec, sizeof(rec));

	if (n < 0)
		return n;
	if (cut > (size_t)n)
		cut = (size_t)n;
	return (int)send(p->fd, rec, cut, 0);
}

static void raw_peer_close(struct raw_peer *p)
{
	tlsk_record_free(p->seal);
	tlsk_conn_close(p->c);
	close(p->fd);
}

/* The record the connection sent back, opened with the shared keys. */
static int raw_peer_alert(struct raw_peer *p)
{
	static uint8_t rec[TLSK_RECORD_MAX_LEN];
	struct tlsk_record *open = tlsk_record_new(&p->k, 0);
	uint8_t type = 0, *pt = NULL;
	int n = -1, body;

	if (open && recv(p->fd, rec, 5, MSG_WAITALL) == 5 &&
	    (body = tlsk_record_body_len(open, rec)) >= 0 &&
	    recv(p->fd, rec + 5, (size_t)body, MSG_WAITALL) == body)
		n = tlsk_record_open(open, rec, 5 + (size_t)body, &type, &pt);
	tlsk_record_free(open);
	if (n != 2 || type != TLSK_CT_ALERT || pt[0] != TLSK_ALERT_LEVEL_FATAL)
		return -1;
	return pt[1];
}

/* A non-blocking reader resumes a record split across arrivals. */
static void user_layer_nonblocking_partial_record(void)
{
	struct raw_peer p;
	uint8_t rec[64], buf[16];
	int n;

	CHECK(raw_peer_open(&p, 0x0304, TLSK_AEAD_AES_128_CCM, 0) == 0);
	fcntl(tlsk_conn_fd(p.c), F_SETFL, O_NONBLOCK);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EAGAIN);
	n = tlsk_record_seal(p.seal, TLSK_CT_APPLICATION_DATA,
			     (const uint8_t *)"split", 5, rec, sizeof(rec));
	CHECK(write(p.fd, rec, 3) == 3);	/* half a header */
	usleep(10000);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EAGAIN);
	CHECK(write(p.fd, rec + 3, (size_t)n - 3) == n - 3);
	usleep(10000);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == 5 &&
	      !memcmp(buf, "split", 5));
	raw_peer_close(&p);
}

struct seen {
	uint8_t data[64];
	size_t len;
};

static int record_handshake(void *arg, struct tlsk_conn *c, uint8_t type,
			    const uint8_t *body, size_t len)
{
	struct seen *s = arg;

	(void)c;
	if (s->len + 4 + len > sizeof(s->data))
		return -EMSGSIZE;
	/* Re-encode the header to compare with what was sent. */
	s->data[s->len++] = type;
	s->data[s->len++] = 0;
	s->data[s->len++] = (uint8_t)(len >> 8);
	s->data[s->len++] = (uint8_t)len;
	memcpy(s->data + s->len, body, len);
	s->len += len;
	return 0;
}

/* Post-handshake messages (e.g. NewSessionTicket) reach the callback
 * whole, however records split them, and the application data behind them
 * still arrives. */
static void user_layer_post_handshake_messages(void)
{
	/* two messages; records cut at 3 (inside a header) and 9 */
	static const uint8_t nst[] = { 4, 0, 0, 2, 0xaa, 0xbb,
				       4, 0, 0, 3, 1, 2, 3 };
	static const size_t cuts[] = { 0, 3, 9, sizeof(nst) };
	struct seen seen = { .len = 0 };
	struct raw_peer p;
	uint8_t buf[16];

	CHECK(raw_peer_open(&p, 0x0304, TLSK_AEAD_AES_128_GCM, 0) == 0);
	tlsk_conn_on_handshake(p.c, record_handshake, &seen);
	for (size_t i = 0; i + 1 < sizeof(cuts) / sizeof(cuts[0]); i++)
		CHECK(raw_peer_send(&p, TLSK_CT_HANDSHAKE, nst + cuts[i],
				    cuts[i + 1] - cuts[i], SIZE_MAX) > 0);
	CHECK(raw_peer_send(&p, TLSK_CT_APPLICATION_DATA, "after", 5,
			    SIZE_MAX) > 0);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == 5);
	CHECK(!memcmp(buf, "after", 5));
	CHECK(seen.len == sizeof(nst) && !memcmp(seen.data, nst, seen.len));
	raw_peer_close(&p);
}

static int count_handshake(void *arg, struct tlsk_conn *c, uint8_t type,
			   const uint8_t *body, size_t len)
{
	(void)c;
	(void)type;
	(void)body;
	(void)len;
	++*(unsigned *)arg;
	return 0;
}

/* A non-blocking reader gets -EAGAIN after TLSK_CONN_READ_RECORDS records
 * without data, all of them queued, so that a peer streaming tickets
 * cannot keep its loop; the next read goes on where it stopped. */
static void user_layer_nonblocking_read_is_bounded(void)
{
	static const uint8_t nst[] = { 4, 0, 0, 2, 0xaa, 0xbb };
	enum { NSTS = TLSK_CONN_READ_RECORDS + 4 };
	struct raw_peer p;
	unsigned seen = 0;
	uint8_t buf[16];
	ssize_t n;

	CHECK(raw_peer_open(&p, 0x0304, TLSK_AEAD_AES_128_GCM, 0) == 0);
	tlsk_conn_on_handshake(p.c, count_handshake, &seen);
	fcntl(tlsk_conn_fd(p.c), F_SETFL, O_NONBLOCK);
	for (int i = 0; i < NSTS; i++)
		CHECK(raw_peer_send(&p, TLSK_CT_HANDSHAKE, nst, sizeof(nst),
				    SIZE_MAX) > 0);
	CHECK(raw_peer_send(&p, TLSK_CT_APPLICATION_DATA, "after", 5,
			    SIZE_MAX) > 0);
	usleep(10000);		/* all of it in the socket */
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EAGAIN);
	CHECK(seen == TLSK_CONN_READ_RECORDS);
	n = tlsk_conn_read(p.c, buf, sizeof(buf));
	CHECK(n == 5 && !memcmp(buf, "after", 5));
	CHECK(seen == NSTS);
	raw_peer_close(&p);
}

/* KeyUpdate mechanics: after both ends switch a direction's keys at the
 * same point in the stream, data keeps flowing; the old keys stop
 * working. */
static void user_layer_rekey_both_ends(void)
{
	struct tlsk_traffic_keys next;
	struct pair p;
	uint8_t buf[16];

	CHECK(pair_open(&p, 0x0304, TLSK_AEAD_CHACHA20_POLY1305) == 0);
	CHECK(tlsk_conn_write(p.a, "old", 3) == 3);
	next = *tlsk_conn_keys(p.a, TLSK_DIR_TX);
	next.key[1] ^= 0x55;
	next.seq = 0;
	CHECK(tlsk_conn_rekey(p.a, TLSK_DIR_TX, &next) == 0);
	CHECK(tlsk_conn_write(p.a, "new", 3) == 3);
	CHECK(read_full(p.b, buf, 3) == 3 && !memcmp(buf, "old", 3));
	CHECK(tlsk_conn_rekey(p.b, TLSK_DIR_RX, &next) == 0);
	CHECK(read_full(p.b, buf, 3) == 3 && !memcmp(buf, "new", 3));
	CHECK(tlsk_conn_keys(p.b, TLSK_DIR_RX)->key[1] == next.key[1]);
	next.key_len = 3;
	CHECK(tlsk_conn_rekey(p.b, TLSK_DIR_RX, &next) == -EINVAL);
	tlsk_conn_close(p.a);
	tlsk_conn_close(p.b);
}

/* bad_record_mac is sticky: later reads keep failing. */
static void user_layer_bad_record_is_sticky(void)
{
	struct raw_peer p;
	uint8_t rec[64], buf[16];
	int n;

	CHECK(raw_peer_open(&p, 0x0303, TLSK_AEAD_AES_128_GCM, 1) == 0);
	n = tlsk_record_seal(p.seal, TLSK_CT_APPLICATION_DATA,
			     (const uint8_t *)"x", 1, rec, sizeof(rec));
	rec[n - 1] ^= 1;
	CHECK(write(p.fd, rec, (size_t)n) == n);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EBADMSG);
	CHECK(raw_peer_alert(&p) == TLSK_ALERT_BAD_RECORD_MAC);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EBADMSG);
	CHECK(tlsk_conn_write(p.c, "y", 1) == -EBADMSG);
	raw_peer_close(&p);
}

/* RFC 8446 6.2: what the peer must not send is answered with the alert
 * that names it, sealed, before the read fails. */
static void user_layer_fatal_alerts(void)
{
	static const struct {
		uint16_t version;
		uint8_t type;
		const char *data;
		size_t len;
		int err, alert;
	} cases[] = {
		{ 0x0304, TLSK_CT_ALERT, "", 0, -EBADMSG, 10 },
		{ 0x0303, TLSK_CT_ALERT, "", 0, -EBADMSG, 10 },
		{ 0x0304, TLSK_CT_ALERT, "\2\x14\0", 3, -EBADMSG, 50 },
		{ 0x0304, TLSK_CT_ALERT, "\3\x14", 2, -EBADMSG, 47 },
		{ 0x0304, 24, "\1\0\0", 3, -EPROTO, 10 },	/* heartbeat */
		{ 0x0304, TLSK_CT_CHANGE_CIPHER_SPEC, "\1", 1, -EPROTO, 10 },
		{ 0x0304, TLSK_CT_HANDSHAKE, "", 0, -EPROTO, 10 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct raw_peer p;
		uint8_t buf[16];

		CHECK(raw_peer_open(&p, cases[i].version,
				    TLSK_AEAD_AES_128_GCM, 1) == 0);
		CHECK(raw_peer_send(&p, cases[i].type, cases[i].data,
				    cases[i].len, SIZE_MAX) > 0);
		CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == cases[i].err);
		CHECK(tlsk_conn_alert_sent(p.c) == cases[i].alert);
		CHECK(raw_peer_alert(&p) == cases[i].alert);
		if (tlsk_conn_alert_sent(p.c) != cases[i].alert)
			printf("# case %zu: alert %d\n", i,
			       tlsk_conn_alert_sent(p.c));
		raw_peer_close(&p);
	}
}

/* TLS 1.2 warnings are skipped, a flood of them is not. */
static void user_layer_warning_flood(void)
{
	static const uint8_t warn[2] = { TLSK_ALERT_LEVEL_WARNING, 90 };
	struct raw_peer p;
	uint8_t buf[16];

	CHECK(raw_peer_open(&p, 0x0303, TLSK_AEAD_AES_128_GCM, 1) == 0);
	for (int i = 0; i < TLSK_CONN_MAX_WARNINGS - 1; i++)
		CHECK(raw_peer_send(&p, TLSK_CT_ALERT, warn, 2, SIZE_MAX) > 0);
	CHECK(raw_peer_send(&p, TLSK_CT_APPLICATION_DATA, "x", 1,
			    SIZE_MAX) > 0);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == 1);
	for (int i = 0; i < TLSK_CONN_MAX_WARNINGS; i++)
		CHECK(raw_peer_send(&p, TLSK_CT_ALERT, warn, 2, SIZE_MAX) > 0);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EPROTO);
	CHECK(raw_peer_alert(&p) == TLSK_ALERT_UNEXPECTED_MESSAGE);
	raw_peer_close(&p);
}

/*
 * RFC 8446 5.1: a KeyUpdate must end its record (what follows it in the
 * record was sealed before the key change the peer claims). And a peer
 * that sends nothing but KeyUpdates is stopped after
 * TLSK_CONN_MAX_KEY_UPDATES of them without data in between.
 */
static void user_layer_key_update_rules(void)
{
	static const uint8_t two[] = { 24, 0, 0, 1, 0, 24, 0, 0, 1, 0 };
	static const uint8_t nst_ku[] = { 4, 0, 0, 2, 0xaa, 0xbb,
					  24, 0, 0, 1, 0 };
	unsigned count = 0;
	struct raw_peer p;
	uint8_t buf[16];

	/* Two in one record: the first does not end it. */
	CHECK(raw_peer_open(&p, 0x0304, TLSK_AEAD_AES_128_GCM, 0) == 0);
	tlsk_conn_on_handshake(p.c, count_handshake, &count);
	CHECK(raw_peer_send(&p, TLSK_CT_HANDSHAKE, two, sizeof(two),
			    SIZE_MAX) > 0);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EPROTO);
	CHECK(count == 0);
	CHECK(raw_peer_alert(&p) == TLSK_ALERT_UNEXPECTED_MESSAGE);
	raw_peer_close(&p);

	/* One that ends its record, behind another message: fine. */
	count = 0;
	CHECK(raw_peer_open(&p, 0x0304, TLSK_AEAD_AES_128_GCM, 0) == 0);
	tlsk_conn_on_handshake(p.c, count_handshake, &count);
	CHECK(raw_peer_send(&p, TLSK_CT_HANDSHAKE, nst_ku, sizeof(nst_ku),
			    SIZE_MAX) > 0);
	CHECK(raw_peer_send(&p, TLSK_CT_APPLICATION_DATA, "x", 1,
			    SIZE_MAX) > 0);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == 1);
	CHECK(count == 2);
	raw_peer_close(&p);

	/* A stream of them, each in its own record, without data. */
	count = 0;
	CHECK(raw_peer_open(&p, 0x0304, TLSK_AEAD_AES_128_GCM, 0) == 0);
	tlsk_conn_on_handshake(p.c, count_handshake, &count);
	for (int i = 0; i <= TLSK_CONN_MAX_KEY_UPDATES; i++)
		CHECK(raw_peer_send(&p, TLSK_CT_HANDSHAKE, two, 5,
				    SIZE_MAX) > 0);
	CHECK(tlsk_conn_read(p.c, buf, sizeof(buf)) == -EPROTO);
	CHECK(count == TLSK_CONN_MAX_KEY_UPDATES);
	CHECK(raw_peer_alert(&p) == TLSK_ALERT_UNEXPECTED_MESSAGE);
	raw_peer_close(&p);
}

/*
 * Where the kernel has no TLS ULP (ENOENT), one hand-off finds out and the
 * next ones within a second do not ask again: a failing system call each,
 * and a modprobe run each for a process with CAP_NET_ADMIN. (Before, every
 * hand-off asked for "tlsk" and "tls": 2 attempts each.)
 */
static void ulp_absence_is_remembered(void)
{
	struct tlsk_traffic_keys k = make_keys(0x0304, TLSK_AEAD_AES_128_GCM,
					       0);
	struct timespec pause = { .tv_sec = 1, .tv_nsec = 100000000 };
	unsigned before;
	int i;

	for (i = 0; i < 10; i++) {
		struct tlsk_conn *c;
		int fds[2];

		CHECK(tcp_pair(fds) == 0);
		CHECK(tlsk_conn_handoff(fds[0], &k, &k, 0, &c) == 0);
		if (c && tlsk_conn_ulp(c) != TLSK_ULP_USER) {
			tlsk_conn_close(c);
			close(fds[1]);
			printf("# SKIP kernel TLS here (ulp=%s): nothing absent\n",
			       tlsk_ulp_name(tlsk_conn_ulp(c)));
			return;
		}
		CHECK(tlsk_conn_close(c) == 0);
		close(fds[1]);
	}
	printf("# %u TCP_ULP attempts for 10 hand-offs\n", ulp_attempts);
	CHECK(ulp_attempts <= 2);
	/* A second later the kernel is asked again (a module may be in). */
	nanosleep(&pause, NULL);
	before = ulp_attempts;
	{
		struct tlsk_conn *c;
		int fds[2];

		CHECK(tcp_pair(fds) == 0);
		CHECK(tlsk_conn_handoff(fds[0], &k, &k, 0, &c) == 0);
		CHECK(tlsk_conn_close(c) == 0);
		close(fds[1]);
	}
	CHECK(ulp_attempts - before == 2);
}

static void handoff_policy(void)
{
	struct tlsk_traffic_keys k = make_keys(0x0304, TLSK_AEAD_AES_128_GCM,
					       0);
	struct tlsk_conn *c;
	int fds[2];

	CHECK(tcp_pair(fds) == 0);
	/* Nothing allowed: the fd stays the caller's, untouched. */
	CHECK(tlsk_conn_handoff(fds[0], &k, &k,
				TLSK_HANDOFF_USER_ONLY | TLSK_HANDOFF_NO_USER,
				&c) == -ENOPROTOOPT);
	CHECK(c == NULL);
	k.key_len = 5;
	CHECK(tlsk_conn_handoff(fds[0], &k, &k, 0, &c) == -EINVAL);
	/* Default policy always yields a record layer. */
	k.key_len = 16;
	CHECK(tlsk_conn_handoff(fds[0], &k, &k, 0, &c) == 0);
	printf("# default hand-off picked ulp=%s\n",
	       c ? tlsk_ulp_name(tlsk_conn_ulp(c)) : "-");
	CHECK(tlsk_conn_close(c) == 0);
	close(fds[1]);
}

int main(void)
{
	RUN(ulp_absence_is_remembered);	/* first: nothing cached yet */
	RUN(crypto_info_all_versions_and_ciphers);
	RUN(crypto_info_rejects_bad_keys);
	RUN(user_layer_data_both_ways);
	RUN(user_layer_large_write_splits_records);
	RUN(user_layer_truncation_is_an_error);
	RUN(user_layer_nonblocking_partial_record);
	RUN(user_layer_post_handshake_messages);
	RUN(user_layer_nonblocking_read_is_bounded);
	RUN(user_layer_rekey_both_ends);
	RUN(user_layer_bad_record_is_sticky);
	RUN(user_layer_fatal_alerts);
	RUN(user_layer_warning_flood);
	RUN(user_layer_key_update_rules);
	RUN(handoff_policy);
	return tap_done();
}
