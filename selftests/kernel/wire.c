// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk against raw bytes on the wire, for every version and cipher.
 *
 *   a (tlsk, TX keys K) --TCP--> b (plain)     records as tlsk writes them
 *   d (plain) --TCP--> e (tlsk, RX keys K)     records as the test feeds them
 *
 * Records read on b are checked for framing, then fed through d, intact,
 * cut short or damaged, to see what e's reader gets: the plaintext, or the
 * errno kTLS gives (EBADMSG, EMSGSIZE, EINVAL; again on every read for a
 * record that fails to open, once for a bad header), with nothing after the
 * bad record delivered.
 */
#include <poll.h>

#include "kselftest_harness.h"
#include "util.h"

#define ALERT	21
#define DATA	23
#define MAXREC	(5 + 16384 + 256)

FIXTURE(wire)
{
	int a, b, d, e;
	size_t overhead;
	uint8_t rec[MAXREC];
};

FIXTURE_VARIANT(wire)
{
	uint16_t version;
	uint16_t cipher;
};

#define VARIANT(_name, _version, _cipher)		\
	FIXTURE_VARIANT_ADD(wire, _name)		\
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

FIXTURE_SETUP(wire)
{
	ASSERT_EQ(tcp_pair(AF_INET, &self->a, &self->b), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &self->d, &self->e), 0);
	ASSERT_EQ(attach_ulp(self->a, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(self->a, TLS_TX, variant->version, variant->cipher,
			   1), 0);
	ASSERT_EQ(attach_ulp(self->e, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(self->e, TLS_RX, variant->version, variant->cipher,
			   1), 0);
}

FIXTURE_TEARDOWN(wire)
{
	close(self->a);
	close(self->b);
	close(self->d);
	close(self->e);
}

/* Bytes a record adds to its plaintext. */
static size_t overhead(const FIXTURE_VARIANT(wire) *v)
{
	if (v->version == TLS_1_3_VERSION)
		return 5 + 1 + 16;
	if (v->cipher == TLS_CIPHER_CHACHA20_POLY1305)
		return 5 + 16;
	return 5 + 8 + 16;
}

/* Has a seal one record of len plaintext bytes; returns its wire length. */
static ssize_t seal(int a, int b, uint8_t *rec, const void *buf, size_t len)
{
	if (send(a, buf, len, 0) != (ssize_t)len)
		return -1;
	return read_record(b, rec, MAXREC);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

TEST_F(wire, framing)
{
	static const size_t sizes[] = { 1, 100, 16384 };
	char buf[16385];
	unsigned int i;

	fill_pattern(buf, sizeof(buf), 1);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(seal(self->a, self->b, self->rec, buf, sizes[i]),
			  sizes[i] + overhead(variant));
		EXPECT_EQ(self->rec[0], DATA);
		EXPECT_EQ(self->rec[1], 3);
		EXPECT_EQ(self->rec[2], 3);
	}
	/* 16385 bytes: a full record and a one-byte record. */
	ASSERT_EQ(send(self->a, buf, 16385, 0), 16385);
	EXPECT_EQ(read_record(self->b, self->rec, MAXREC),
		  16384 + overhead(variant));
	EXPECT_EQ(read_record(self->b, self->rec, MAXREC),
		  1 + overhead(variant));
}

TEST_F(wire, framing_msg_more)
{
	ASSERT_EQ(send(self->a, "0123456789", 10, MSG_MORE), 10);
	ASSERT_EQ(send(self->a, "0123456789", 10, MSG_MORE), 10);
	ASSERT_EQ(send(self->a, "0123456789", 10, 0), 10);
	EXPECT_EQ(read_record(self->b, self->rec, MAXREC),
		  30 + overhead(variant));
}

/* TLS 1.3 hides the record type; TLS 1.2 shows it. */
TEST_F(wire, framing_record_type)
{
	ASSERT_EQ(send_record_type(self->a, ALERT, "\x02\x28", 2), 2);
	ASSERT_EQ(read_record(self->b, self->rec, MAXREC),
		  2 + overhead(variant));
	EXPECT_EQ(self->rec[0],
		  variant->version == TLS_1_3_VERSION ? DATA : ALERT);
}

/* Records tlsk wrote, fed back whole and in pieces, open again. */
TEST_F(wire, feed_back)
{
	char buf[3000], in[3000];
	ssize_t n;
	int i;

	fill_pattern(buf, sizeof(buf), 2);
	for (i = 0; i < 3; i++) {
		n = seal(self->a, self->b, self->rec, buf + i * 1000, 1000);
		ASSERT_GT(n, 0);
		/* Byte by byte for the first, whole for the others. */
		if (!i) {
			ssize_t j;

			for (j = 0; j < n; j++)
				ASSERT_EQ(send(self->d, self->rec + j, 1, 0), 1);
		} else {
			ASSERT_EQ(write_full(self->d, self->rec, n), n);
		}
	}
	ASSERT_EQ(recv(self->e, in, sizeof(in), MSG_WAITALL), sizeof(in));
	EXPECT_EQ(memcmp(in, buf, sizeof(in)), 0);
}

/* Readable only when a whole record is there. */
TEST_F(wire, poll_partial_record)
{
	char buf[100];
	ssize_t n;

	n = seal(self->a, self->b, self->rec, "partial", 7);
	ASSERT_GT(n, 0);
	ASSERT_EQ(send(self->d, self->rec, n - 1, 0), n - 1);
	EXPECT_FALSE(readable(self->e, 200));
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EAGAIN);
	ASSERT_EQ(send(self->d, self->rec + n - 1, 1, 0), 1);
	EXPECT_TRUE(readable(self->e, 5000));
	ASSERT_EQ(recv(self->e, buf, sizeof(buf), 0), 7);
}

/*
 * Makes the damaged bytes in bad (it may have a seal a record first, so
 * that the sequence numbers line up) and returns their length.
 */
typedef ssize_t (*make_bad_fn)(FIXTURE_DATA(wire) *self, uint8_t *bad);

/*
 * Feeds a good record, then a damaged one, then a good one. A record that
 * fails to open leaves its errno sticky (kTLS: EBADMSG every time); a
 * header no record can have is reported once and stops the stream (kTLS:
 * then EAGAIN). Either way the good record after it never shows.
 */
static void expect_error(struct __test_metadata *_metadata,
			 FIXTURE_DATA(wire) *self, make_bad_fn make, int err,
			 bool sticky)
{
	struct pollfd p = { .fd = self->e, .events = POLLIN };
	uint8_t bad[128];
	char buf[64];
	ssize_t n;

	n = seal(self->a, self->b, self->rec, "good1", 5);
	ASSERT_GT(n, 0);
	ASSERT_EQ(write_full(self->d, self->rec, n), n);
	n = make(self, bad);
	ASSERT_GT(n, 0);
	ASSERT_EQ(write_full(self->d, bad, n), n);
	n = seal(self->a, self->b, self->rec, "good2", 5);
	ASSERT_GT(n, 0);
	ASSERT_EQ(write_full(self->d, self->rec, n), n);

	ASSERT_EQ(recv(self->e, buf, 5, MSG_WAITALL), 5);
	EXPECT_EQ(memcmp(buf, "good1", 5), 0);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, err);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, sticky ? err : EAGAIN);
	if (!sticky)
		return;
	EXPECT_EQ(poll(&p, 1, 0), 1);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, err);
}

static ssize_t bitflip(FIXTURE_DATA(wire) *self, uint8_t *bad)
{
	ssize_t n = seal(self->a, self->b, bad, "bitflipped", 10);

	if (n > 0)
		bad[n - 20] ^= 0x01;
	return n;
}

TEST_F(wire, bitflip_ebadmsg)
{
	long before = tlsk_stat("TlsDecryptError");

	expect_error(_metadata, self, bitflip, EBADMSG, true);
	EXPECT_GE(tlsk_stat("TlsDecryptError"), before + 1);
}

static ssize_t tag_flip(FIXTURE_DATA(wire) *self, uint8_t *bad)
{
	ssize_t n = seal(self->a, self->b, bad, "tag", 3);

	if (n > 0)
		bad[n - 1] ^= 0x80;
	return n;
}

TEST_F(wire, tag_flip_ebadmsg)
{
	expect_error(_metadata, self, tag_flip, EBADMSG, true);
}

/* The header is authenticated data in both versions. */
static ssize_t type_flip(FIXTURE_DATA(wire) *self, uint8_t *bad)
{
	ssize_t n = seal(self->a, self->b, bad, "hdr", 3);

	if (n > 0)
		bad[0] = 22;
	return n;
}

TEST_F(wire, header_type_flip_ebadmsg)
{
	expect_error(_metadata, self, type_flip, EBADMSG, true);
}

TEST_F(wire, replay_ebadmsg)
{
	uint8_t bad[64];
	ssize_t n = seal(self->a, self->b, bad, "replay", 6);
	char buf[16];

	ASSERT_GT(n, 0);
	ASSERT_EQ(write_full(self->d, bad, n), n);
	ASSERT_EQ(write_full(self->d, bad, n), n);
	ASSERT_EQ(recv(self->e, buf, sizeof(buf), 0), 6);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/* The header alone condemns it: no body needs to follow. */
static ssize_t oversized(FIXTURE_DATA(wire) *self, uint8_t *bad)
{
	/* One byte more than the largest body: plaintext + overhead. */
	size_t len = 16384 + self->overhead - 5 + 1;

	bad[0] = DATA;
	bad[1] = 3;
	bad[2] = 3;
	bad[3] = len >> 8;
	bad[4] = len & 0xff;
	return 5;
}

TEST_F(wire, oversized_emsgsize)
{
	self->overhead = overhead(variant);
	expect_error(_metadata, self, oversized, EMSGSIZE, false);
}

static ssize_t bad_version(FIXTURE_DATA(wire) *self, uint8_t *bad)
{
	memcpy(bad, "\x17\x03\x01\x00\x28", 5);
	return 5;
}

TEST_F(wire, bad_version_einval)
{
	expect_error(_metadata, self, bad_version, EINVAL, false);
}

static ssize_t too_short(FIXTURE_DATA(wire) *self, uint8_t *bad)
{
	memcpy(bad, "\x17\x03\x03\x00\x04" "abcd", 9);
	return 9;
}

TEST_F(wire, too_short_ebadmsg)
{
	expect_error(_metadata, self, too_short, EBADMSG, false);
}

/* TLS 1.3: a record whose plaintext is all zeros has no type. */
static ssize_t no_type(FIXTURE_DATA(wire) *self, uint8_t *bad)
{
	if (send_record_type(self->a, 0, "\0\0", 2) != 2)
		return -1;
	return read_record(self->b, bad, 128);
}

TEST_F(wire, tls13_no_content_type_ebadmsg)
{
	if (variant->version != TLS_1_3_VERSION)
		SKIP(return, "TLS 1.3 only");
	expect_error(_metadata, self, no_type, EBADMSG, true);
}

/* Half a record, then RST: the reader hears of the reset. */
TEST_F(wire, reset_mid_record)
{
	char buf[16];
	ssize_t n = seal(self->a, self->b, self->rec, "reset", 5);

	ASSERT_GT(n, 0);
	ASSERT_EQ(send(self->d, self->rec, n / 2, 0), n / 2);
	usleep(100000);
	close_now(self->d);
	self->d = -1;
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, ECONNRESET);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 0);
}

/* Half a record, then FIN: end of stream, the half is dropped. */
TEST_F(wire, fin_mid_record)
{
	char buf[16];
	ssize_t n = seal(self->a, self->b, self->rec, "finned", 6);

	ASSERT_GT(n, 0);
	ASSERT_EQ(send(self->d, self->rec, n - 3, 0), n - 3);
	ASSERT_EQ(shutdown(self->d, SHUT_WR), 0);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 0);
}

/* Records that came in before TLS_RX are opened too. */
TEST_F(wire, records_before_keys)
{
	char buf[16];
	ssize_t n;
	int d, e;

	ASSERT_EQ(tcp_pair(AF_INET, &d, &e), 0);
	n = seal(self->a, self->b, self->rec, "early", 5);
	ASSERT_GT(n, 0);
	ASSERT_EQ(write_full(d, self->rec, n), n);
	usleep(100000);
	ASSERT_EQ(attach_ulp(e, TLSK_ULP_NAME), 0);
	/* Same keys and sequence as self->e, which has seen nothing. */
	ASSERT_EQ(set_keys(e, TLS_RX, variant->version, variant->cipher, 1),
		  0);
	EXPECT_TRUE(readable(e, 1000));
	EXPECT_EQ(recv(e, buf, sizeof(buf), 0), 5);
	EXPECT_EQ(memcmp(buf, "early", 5), 0);
	close(d);
	close(e);
}

TEST_HARNESS_MAIN
