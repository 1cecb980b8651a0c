// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLSK_SEND_ALERTS: a peer whose record stops RX gets the fatal alert the
 * RFCs ask for, sealed by tlsk.ko itself.
 *
 *   test's sealer --d==TCP==e--> tlsk (RX keys 1, TX keys 2, alerts on)
 *   what e sends arrives on d, goes on through f to g, in-tree tls with
 *   RX keys 2, which opens it: the alert is the record of type 21 there.
 *
 * The peer's records are sealed here with libcrypto (every version and
 * cipher), so that they can be what no kTLS sender would make: empty
 * alerts, a TLS 1.3 record without content type or with another outer
 * type, 2^14 + 1 bytes of plaintext. A record sealed wrong would come back
 * as bad_record_mac, so each case also checks the sealer.
 */
#include <poll.h>
#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "util.h"

#include <linux/tlsk.h>

#define CCS		20
#define ALERT		21
#define HANDSHAKE	22
#define DATA		23
#define HEARTBEAT	24
#define MAXREC		(5 + 16384 + 256 + 64)

#define UNEXPECTED_MESSAGE	10
#define BAD_RECORD_MAC		20
#define RECORD_OVERFLOW		22
#define ILLEGAL_PARAMETER	47
#define DECODE_ERROR		50
#define PROTOCOL_VERSION	70
#define USER_CANCELED		90

/* The peer's TX state, from the same keys set_keys() gives seed 1. */
struct sealer {
	uint16_t version, cipher;
	const EVP_CIPHER *aead;
	uint8_t key[32], iv[12], salt[4];
	size_t ivlen, saltlen;
	uint64_t seq;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void sealer_init(struct sealer *s, uint16_t version, uint16_t cipher,
			uint8_t seed)
{
	union crypto_info ci;

	crypto_info_init(&ci, version, cipher, seed);
	memset(s, 0, sizeof(*s));
	s->version = version;
	s->cipher = cipher;
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
		s->aead = EVP_aes_128_gcm();
		memcpy(s->key, ci.gcm128.key, 16);
		memcpy(s->iv, ci.gcm128.iv, 8);
		memcpy(s->salt, ci.gcm128.salt, 4);
		s->seq = be64(ci.gcm128.rec_seq);
		break;
	case TLS_CIPHER_AES_GCM_256:
		s->aead = EVP_aes_256_gcm();
		memcpy(s->key, ci.gcm256.key, 32);
		memcpy(s->iv, ci.gcm256.iv, 8);
		memcpy(s->salt, ci.gcm256.salt, 4);
		s->seq = be64(ci.gcm256.rec_seq);
		break;
	case TLS_CIPHER_AES_CCM_128:
		s->aead = EVP_aes_128_ccm();
		memcpy(s->key, ci.ccm128.key, 16);
		memcpy(s->iv, ci.ccm128.iv, 8);
		memcpy(s->salt, ci.ccm128.salt, 4);
		s->seq = be64(ci.ccm128.rec_seq);
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		s->aead = EVP_chacha20_poly1305();
		memcpy(s->key, ci.chacha.key, 32);
		memcpy(s->iv, ci.chacha.iv, 12);
		s->seq = be64(ci.chacha.rec_seq);
		break;
	}
	s->saltlen = cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 0 : 4;
	s->ivlen = cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 12 : 8;
}

/* TLS 1.2 AES: an explicit nonce in each record (RFC 5288, RFC 6655). */
static bool explicit_nonce(const struct sealer *s)
{
	return s->version == TLS_1_2_VERSION &&
	       s->cipher != TLS_CIPHER_CHACHA20_POLY1305;
}

/*
 * Seals one record into out: header type outer, and for TLS 1.3 the inner
 * plaintext buf || type || pad zero bytes (type 0: no content type at
 * all). Returns its length, or -1.
 */
static ssize_t seal(struct sealer *s, uint8_t outer, uint8_t type,
		    const void *buf, size_t len, size_t pad, uint8_t *out)
{
	static uint8_t plain[MAXREC];
	uint8_t nonce[12], aad[13], seq[8];
	size_t plen = len, aadlen, body, i;
	size_t ex = explicit_nonce(s) ? 8 : 0;
	EVP_CIPHER_CTX *ctx;
	bool ccm = s->cipher == TLS_CIPHER_AES_CCM_128;
	int n = 0, ok;

	memcpy(plain, buf, len);
	if (s->version == TLS_1_3_VERSION) {
		plain[plen++] = type;
		memset(plain + plen, 0, pad);
		plen += pad;
	}
	body = ex + plen + 16;
	put_be64(seq, s->seq);
	if (ex) {
		memcpy(nonce, s->salt, 4);
		memcpy(nonce + 4, seq, 8);
	} else {
		memcpy(nonce, s->salt, s->saltlen);
		memcpy(nonce + s->saltlen, s->iv, s->ivlen);
		for (i = 0; i < 8; i++)
			nonce[4 + i] ^= seq[i];
	}
	out[0] = s->version == TLS_1_3_VERSION ? outer : type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(body >> 8);
	out[4] = (uint8_t)body;
	if (s->version == TLS_1_3_VERSION) {
		memcpy(aad, out, 5);
		aadlen = 5;
	} else {
		memcpy(aad, seq, 8);
		aad[8] = type;
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = (uint8_t)(plen >> 8);
		aad[12] = (uint8_t)plen;
		aadlen = 13;
	}
	if (ex)
		memcpy(out + 5, seq, 8);

	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex(ctx, s->aead, NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
	     (!ccm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
					  NULL)) &&
	     EVP_EncryptInit_ex(ctx, NULL, NULL, s->key, nonce) &&
	     (!ccm || EVP_EncryptUpdate(ctx, NULL, &n, NULL, (int)plen)) &&
	     EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) &&
	     /* Even with no plaintext: CCM computes its tag there. */
	     EVP_EncryptUpdate(ctx, out + 5 + ex, &n, plain, (int)plen) &&
	     EVP_EncryptFinal_ex(ctx, out + 5 + ex + plen, &n) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
				 out + 5 + ex + plen);
	EVP_CIPHER_CTX_free(ctx);
	s->seq++;
	return ok ? (ssize_t)(5 + body) : -1;
}

FIXTURE(alerts)
{
	int d, e, f, g;
	struct sealer peer;
	uint8_t rec[MAXREC];
	/* Application data that reached g before the alert. */
	char before[64];
	size_t before_len;
};

FIXTURE_VARIANT(alerts)
{
	uint16_t version;
	uint16_t cipher;
};

#define VARIANT(_name, _version, _cipher)		\
	FIXTURE_VARIANT_ADD(alerts, _name)		\
	{						\
		.version = _version,			\
		.cipher = _cipher,			\
	}

VARIANT(tls12_gcm128, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128);
VARIANT(tls12_gcm256, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256);
VARIANT(tls12_ccm128, TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128);
VARIANT(tls12_chacha, TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305);
VARIANT(tls13_gcm128, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128);
VARIANT(tls13_gcm256, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256);
VARIANT(tls13_ccm128, TLS_1_3_VERSION, TLS_CIPHER_AES_CCM_128);
VARIANT(tls13_chacha, TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305);

static void set_rcvtimeo(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int set_alerts(int fd, int on)
{
	return setsockopt(fd, SOL_TLS, TLSK_SEND_ALERTS, &on, sizeof(on));
}

FIXTURE_SETUP(alerts)
{
	ASSERT_EQ(tcp_pair(AF_INET, &self->d, &self->e), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &self->f, &self->g), 0);
	ASSERT_EQ(attach_ulp(self->e, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(self->e, TLS_RX, variant->version, variant->cipher,
			   1), 0);
	ASSERT_EQ(set_keys(self->e, TLS_TX, variant->version, variant->cipher,
			   2), 0);
	ASSERT_EQ(set_alerts(self->e, 1), 0);
	ASSERT_EQ(attach_ulp(self->g, "tls"), 0);
	ASSERT_EQ(set_keys(self->g, TLS_RX, variant->version, variant->cipher,
			   2), 0);
	sealer_init(&self->peer, variant->version, variant->cipher, 1);
	set_rcvtimeo(self->d, 10);
	set_rcvtimeo(self->e, 10);
	set_rcvtimeo(self->g, 10);
}

FIXTURE_TEARDOWN(alerts)
{
	close(self->d);
	if (self->e >= 0)
		close(self->e);
	close(self->f);
	close(self->g);
}

/* The peer seals one record and sends it to e; its length, or -1. */
static ssize_t peer_send(FIXTURE_DATA(alerts) *self, uint8_t outer,
			 uint8_t type, const void *buf, size_t len, size_t pad)
{
	ssize_t n = seal(&self->peer, outer, type, buf, len, pad, self->rec);

	if (n < 0)
		return -1;
	return write_full(self->d, self->rec, n);
}

static ssize_t peer_record(FIXTURE_DATA(alerts) *self, uint8_t type,
			   const void *buf, size_t len)
{
	return peer_send(self, DATA, type, buf, len, 0);
}

/*
 * Reads what e sent until an alert record: returns its description (its
 * level must be fatal), or -1 when none came (EOF, timeout, a malformed
 * alert). Application data before it lands in self->before.
 */
static int peer_alert(FIXTURE_DATA(alerts) *self)
{
	uint8_t type, buf[64];
	ssize_t n, m;

	self->before_len = 0;
	for (;;) {
		n = read_record(self->d, self->rec, MAXREC);
		if (n <= 0)
			return -1;
		if (write_full(self->f, self->rec, n) != n)
			return -1;
		m = recv_record_type(self->g, buf, sizeof(buf), &type, 0);
		if (m < 0)
			return -1;
		if (type == ALERT)
			return m == 2 && buf[0] == 2 ? buf[1] : -1;
		if (self->before_len + m <= sizeof(self->before)) {
			memcpy(self->before + self->before_len, buf, m);
			self->before_len += m;
		}
	}
}

/* e's reader hits the failure: -errno of its read. */
static int read_error(FIXTURE_DATA(alerts) *self)
{
	char buf[256];
	ssize_t n = recv(self->e, buf, sizeof(buf), 0);

	return n < 0 ? -errno : (int)n;
}

/* Nothing from e but the end of the stream once it closes. */
static bool closes_without_record(FIXTURE_DATA(alerts) *self)
{
	close(self->e);
	self->e = -1;
	return read_record(self->d, self->rec, MAXREC) <= 0;
}

TEST_F(alerts, sealer_and_good_records)
{
	uint8_t warn[2] = { 1, USER_CANCELED }, type;
	char buf[64];

	ASSERT_GT(peer_record(self, DATA, "hello", 5), 0);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 5);
	EXPECT_EQ(memcmp(buf, "hello", 5), 0);
	ASSERT_GT(peer_record(self, ALERT, warn, 2), 0);
	EXPECT_EQ(recv_record_type(self->e, buf, sizeof(buf), &type, 0), 2);
	EXPECT_EQ(type, ALERT);
	ASSERT_GT(peer_record(self, HANDSHAKE, "\x04\x00\x00\x00", 4), 0);
	EXPECT_EQ(recv_record_type(self->e, buf, sizeof(buf), &type, 0), 4);
	EXPECT_EQ(type, HANDSHAKE);
	EXPECT_TRUE(closes_without_record(self));
}

TEST_F(alerts, bad_record_mac)
{
	ssize_t n = seal(&self->peer, DATA, DATA, "hello", 5, 0, self->rec);

	ASSERT_GT(n, 0);
	self->rec[n - 1] ^= 1;
	ASSERT_EQ(write_full(self->d, self->rec, n), n);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), BAD_RECORD_MAC);
	/* After a fatal alert, nothing more goes out. */
	EXPECT_EQ(send(self->e, "x", 1, 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	EXPECT_TRUE(closes_without_record(self));
}

TEST_F(alerts, header_too_long)
{
	static const uint8_t huge[] = { DATA, 3, 3, 0xff, 0xff,
					0, 0, 0, 0, 0, 0, 0, 0 };

	ASSERT_EQ(write_full(self->d, huge, sizeof(huge)), sizeof(huge));
	EXPECT_EQ(peer_alert(self), RECORD_OVERFLOW);
	EXPECT_EQ(read_error(self), -EMSGSIZE);
}

/* 2^14 bytes of plaintext are a record; one more is record_overflow. */
TEST_F(alerts, plaintext_limit)
{
	static char big[16385], got[16385];

	fill_pattern(big, sizeof(big), 3);
	ASSERT_GT(peer_record(self, DATA, big, 16384), 0);
	EXPECT_EQ(read_full(self->e, got, 16384), 16384);
	EXPECT_EQ(memcmp(got, big, 16384), 0);
	ASSERT_GT(peer_record(self, DATA, big, 16385), 0);
	EXPECT_EQ(peer_alert(self), RECORD_OVERFLOW);
	EXPECT_EQ(read_error(self), -EMSGSIZE);
}

TEST_F(alerts, header_version)
{
	ssize_t n = seal(&self->peer, DATA, DATA, "hello", 5, 0, self->rec);

	ASSERT_GT(n, 0);
	self->rec[2] = 1;
	ASSERT_EQ(write_full(self->d, self->rec, n), n);
	EXPECT_EQ(peer_alert(self), PROTOCOL_VERSION);
	EXPECT_EQ(read_error(self), -EINVAL);
}

TEST_F(alerts, change_cipher_spec_after_handshake)
{
	ASSERT_GT(peer_record(self, CCS, "\x01", 1), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

/* The unprotected one TLS 1.3 middlebox mode sends during a handshake. */
TEST_F(alerts, plain_change_cipher_spec)
{
	static const uint8_t ccs[] = { CCS, 3, 3, 0, 1, 1 };

	ASSERT_EQ(write_full(self->d, ccs, sizeof(ccs)), sizeof(ccs));
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
	EXPECT_EQ(read_error(self), -EBADMSG);
}

TEST_F(alerts, heartbeat)
{
	ASSERT_GT(peer_record(self, HEARTBEAT, "\x01\x00\x10", 3), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

TEST_F(alerts, unknown_type)
{
	ASSERT_GT(peer_record(self, 99, "abc", 3), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

/* TLS 1.2: type 0; TLS 1.3: nothing but zeros, no content type at all. */
TEST_F(alerts, no_content_type)
{
	ssize_t n;

	if (variant->version == TLS_1_3_VERSION)
		n = peer_send(self, DATA, 0, "", 0, 8);
	else
		n = peer_record(self, 0, "abc", 3);
	ASSERT_GT(n, 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

TEST_F(alerts, tls13_outer_type)
{
	if (variant->version != TLS_1_3_VERSION)
		SKIP(return, "TLS 1.3 only");
	ASSERT_GT(peer_send(self, HANDSHAKE, DATA, "hello", 5, 0), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

TEST_F(alerts, empty_alert)
{
	ASSERT_GT(peer_record(self, ALERT, "", 0), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

TEST_F(alerts, empty_handshake)
{
	ASSERT_GT(peer_record(self, HANDSHAKE, "", 0), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

TEST_F(alerts, alert_of_three_bytes)
{
	ASSERT_GT(peer_record(self, ALERT, "\x02\x28\x00", 3), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), DECODE_ERROR);
}

TEST_F(alerts, alert_of_one_byte)
{
	ASSERT_GT(peer_record(self, ALERT, "\x02", 1), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), DECODE_ERROR);
}

TEST_F(alerts, alert_level)
{
	ASSERT_GT(peer_record(self, ALERT, "\x03\x28", 2), 0);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), ILLEGAL_PARAMETER);
}

/* The fifth warning alert in a row ends it; four go to the reader. */
TEST_F(alerts, warning_alert_flood)
{
	uint8_t warn[2] = { 1, USER_CANCELED }, type;
	char buf[16];
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_GT(peer_record(self, ALERT, warn, 2), 0);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(recv_record_type(self->e, buf, sizeof(buf), &type,
					   0), 2);
		EXPECT_EQ(type, ALERT);
	}
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), UNEXPECTED_MESSAGE);
}

/* Application data between them starts the count again. */
TEST_F(alerts, warning_alerts_between_data)
{
	uint8_t warn[2] = { 1, USER_CANCELED }, type;
	char buf[16];
	int i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 4; i++)
			ASSERT_GT(peer_record(self, ALERT, warn, 2), 0);
		ASSERT_GT(peer_record(self, DATA, "d", 1), 0);
		for (i = 0; i < 4; i++) {
			EXPECT_EQ(recv_record_type(self->e, buf, sizeof(buf),
						   &type, 0), 2);
			EXPECT_EQ(type, ALERT);
		}
		EXPECT_EQ(recv_record_type(self->e, buf, sizeof(buf), &type,
					   0), 1);
		EXPECT_EQ(type, DATA);
	}
	EXPECT_TRUE(closes_without_record(self));
}

/* What the application handed over before the failure goes out first. */
TEST_F(alerts, data_before_the_alert)
{
	ssize_t n;

	ASSERT_EQ(send(self->e, "first", 5, 0), 5);
	ASSERT_EQ(send(self->e, "open", 4, MSG_MORE), 4);
	n = seal(&self->peer, DATA, DATA, "hello", 5, 0, self->rec);
	ASSERT_GT(n, 0);
	self->rec[6] ^= 1;
	ASSERT_EQ(write_full(self->d, self->rec, n), n);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(peer_alert(self), BAD_RECORD_MAC);
	EXPECT_EQ(self->before_len, 9);
	EXPECT_EQ(memcmp(self->before, "firstopen", 9), 0);
}

/* Off (the default, kTLS's way): the reader decides, nothing is sent. */
TEST_F(alerts, off_sends_nothing)
{
	uint8_t type;
	char buf[16];
	int off = 0;
	ssize_t n;

	ASSERT_EQ(set_alerts(self->e, 0), 0);
	ASSERT_GT(peer_record(self, CCS, "\x01", 1), 0);
	EXPECT_EQ(recv_record_type(self->e, buf, sizeof(buf), &type, 0), 1);
	EXPECT_EQ(type, CCS);
	ASSERT_GT(peer_record(self, ALERT, "\x01\x5a\x00", 3), 0);
	EXPECT_EQ(recv_record_type(self->e, buf, sizeof(buf), &type, 0), 3);
	EXPECT_EQ(type, ALERT);
	n = seal(&self->peer, DATA, DATA, "hello", 5, 0, self->rec);
	ASSERT_GT(n, 0);
	self->rec[n - 1] ^= 1;
	ASSERT_EQ(write_full(self->d, self->rec, n), n);
	EXPECT_EQ(read_error(self), -EBADMSG);
	EXPECT_EQ(getsockopt(self->e, SOL_TLS, TLSK_SEND_ALERTS, &off,
			     &(socklen_t){ sizeof(off) }), 0);
	EXPECT_EQ(off, 0);
	EXPECT_TRUE(closes_without_record(self));
}

/* Without a TX key there is nothing to seal the alert with. */
TEST_F(alerts, rx_only_socket)
{
	int d2, e2;
	ssize_t n;

	ASSERT_EQ(tcp_pair(AF_INET, &d2, &e2), 0);
	ASSERT_EQ(attach_ulp(e2, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_alerts(e2, 1), 0);
	ASSERT_EQ(set_keys(e2, TLS_RX, variant->version, variant->cipher, 1),
		  0);
	set_rcvtimeo(e2, 10);
	set_rcvtimeo(d2, 10);
	n = seal(&self->peer, DATA, DATA, "hello", 5, 0, self->rec);
	ASSERT_GT(n, 0);
	self->rec[n - 1] ^= 1;
	ASSERT_EQ(write_full(d2, self->rec, n), n);
	EXPECT_EQ(recv(e2, self->before, sizeof(self->before), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	close(e2);
	EXPECT_LE(read_record(d2, self->rec, MAXREC), 0);
	close(d2);
}

TEST_F(alerts, option_values)
{
	socklen_t len = sizeof(int);
	long long wide = 1;
	int v = -1, t, u;

	EXPECT_EQ(getsockopt(self->e, SOL_TLS, TLSK_SEND_ALERTS, &v, &len), 0);
	EXPECT_EQ(v, 1);
	v = 2;
	EXPECT_EQ(setsockopt(self->e, SOL_TLS, TLSK_SEND_ALERTS, &v,
			     sizeof(v)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(setsockopt(self->e, SOL_TLS, TLSK_SEND_ALERTS, &wide,
			     sizeof(wide)), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Before any key, too; and in-tree tls has no such option. */
	ASSERT_EQ(tcp_pair(AF_INET, &t, &u), 0);
	ASSERT_EQ(attach_ulp(t, TLSK_ULP_NAME), 0);
	EXPECT_EQ(set_alerts(t, 1), 0);
	ASSERT_EQ(attach_ulp(u, "tls"), 0);
	EXPECT_EQ(set_alerts(u, 1), -1);
	EXPECT_EQ(errno, ENOPROTOOPT);
	close(t);
	close(u);
}

TEST_HARNESS_MAIN
