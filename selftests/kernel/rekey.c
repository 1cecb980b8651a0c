// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS 1.3 rekeying (RFC 8446 4.6.3): a second TLS_TX / TLS_RX on "tlsk".
 *
 *   c (tlsk, TX K1 then K2) --TCP--> b (plain)   records as tlsk seals them,
 *                                                opened by in-tree "tls"
 *   a (tlsk, TX K1), a2 (tlsk, TX K2) --> plain  records the test feeds to
 *   d (plain) --TCP--> e (tlsk, RX K1 then K2)   e, KeyUpdate included
 *
 * After a KeyUpdate, e delivers the handshake record, then answers
 * EKEYEXPIRED and is not readable until TLS_RX installs K2; records that
 * came in before then open with K2. As in kTLS, a new RX key needs no
 * KeyUpdate before it, and a new key's record sequence is the caller's. A
 * TX rekey seals a record left open with the old key first. TLS 1.2 has
 * no rekey: EBUSY.
 */
#include <poll.h>

#include "kselftest_harness.h"
#include "util.h"

#define V13		TLS_1_3_VERSION
#define GCM128		TLS_CIPHER_AES_GCM_128
#define HANDSHAKE	22
#define DATA		23
#define MAXREC		(5 + 16384 + 256)

/* A KeyUpdate message, update_not_requested. */
static const uint8_t key_update[] = { 24, 0, 0, 1, 0 };
/* A NewSessionTicket-typed message, then a KeyUpdate, in one record. */
static const uint8_t ticket_then_update[] = {
	4, 0, 0, 4, 1, 2, 3, 4,
	24, 0, 0, 1, 0,
};

/* A TLS 1.3 key that starts at sequence 0, as every next key does. */
static size_t key13(union crypto_info *ci, uint8_t seed)
{
	size_t len = crypto_info_init(ci, V13, GCM128, seed);

	memset(ci->gcm128.rec_seq, 0, sizeof(ci->gcm128.rec_seq));
	return len;
}

/* The same key at record sequence seq. */
static size_t key13_at(union crypto_info *ci, uint8_t seed, uint64_t seq)
{
	size_t len = key13(ci, seed);
	int i;

	for (i = 7; i >= 0; i--, seq >>= 8)
		ci->gcm128.rec_seq[i] = seq & 0xff;
	return len;
}

static int set_key13(int fd, int dir, uint8_t seed)
{
	union crypto_info ci;
	size_t len = key13(&ci, seed);

	return setsockopt(fd, SOL_TLS, dir, &ci, len);
}

/* A plain TCP pair whose second end runs ulp with a key for dir. */
static int keyed_pair(const char *ulp, int dir, uint8_t seed, int *p, int *q)
{
	if (tcp_pair(AF_INET, p, q))
		return -1;
	if (attach_ulp(dir == TLS_TX ? *p : *q, ulp) ||
	    set_key13(dir == TLS_TX ? *p : *q, dir, seed)) {
		close(*p);
		close(*q);
		return -1;
	}
	return 0;
}

/*
 * Opens rec with a fresh in-tree "tls" RX key (seed, at sequence seq) and
 * expects want, or (want NULL) that it does not open: EBADMSG.
 */
static void open_with_tls_at(struct __test_metadata *_metadata, uint8_t seed,
			     uint64_t seq, const uint8_t *rec, size_t len,
			     const void *want, size_t want_len)
{
	uint8_t got[256], type;
	union crypto_info ci;
	size_t cilen = key13_at(&ci, seed, seq);
	int d, e;

	ASSERT_EQ(tcp_pair(AF_INET, &d, &e), 0);
	ASSERT_EQ(attach_ulp(e, "tls"), 0);
	ASSERT_EQ(setsockopt(e, SOL_TLS, TLS_RX, &ci, cilen), 0);
	ASSERT_EQ(write_full(d, rec, len), (ssize_t)len);
	if (want) {
		EXPECT_EQ(recv_record_type(e, got, sizeof(got), &type, 0),
			  (ssize_t)want_len);
		EXPECT_EQ(type, DATA);
		EXPECT_EQ(memcmp(got, want, want_len), 0);
	} else {
		EXPECT_EQ(recv_record_type(e, got, sizeof(got), &type, 0), -1);
		EXPECT_EQ(errno, EBADMSG);
	}
	close(d);
	close(e);
}

static void open_with_tls(struct __test_metadata *_metadata, uint8_t seed,
			  const uint8_t *rec, size_t len, const void *want,
			  size_t want_len)
{
	open_with_tls_at(_metadata, seed, 0, rec, len, want, want_len);
}

FIXTURE(rx)
{
	int a, b, a2, b2, d, e;
	uint8_t rec[MAXREC];
};

FIXTURE_SETUP(rx)
{
	ASSERT_EQ(keyed_pair(TLSK_ULP_NAME, TLS_TX, 1, &self->a, &self->b), 0);
	ASSERT_EQ(keyed_pair(TLSK_ULP_NAME, TLS_TX, 2, &self->a2, &self->b2),
		  0);
	ASSERT_EQ(keyed_pair(TLSK_ULP_NAME, TLS_RX, 1, &self->d, &self->e), 0);
}

FIXTURE_TEARDOWN(rx)
{
	close(self->a);
	close(self->b);
	close(self->a2);
	close(self->b2);
	close(self->d);
	close(self->e);
}

/* Seals one record of type on tx (its peer is the plain rx) and feeds it to d. */
static void feed(struct __test_metadata *_metadata,
		 FIXTURE_DATA(rx) *self, int tx, int plain, uint8_t type,
		 const void *buf, size_t len)
{
	ssize_t n;

	ASSERT_EQ(send_record_type(tx, type, buf, len), (ssize_t)len);
	n = read_record(plain, self->rec, MAXREC);
	ASSERT_GT(n, 5);
	ASSERT_EQ(write_full(self->d, self->rec, n), n);
}

static void expect_record(struct __test_metadata *_metadata, int fd,
			  uint8_t want_type, const void *want, size_t len)
{
	uint8_t got[256], type;

	EXPECT_EQ(recv_record_type(fd, got, sizeof(got), &type, 0), (ssize_t)len);
	EXPECT_EQ(type, want_type);
	EXPECT_EQ(memcmp(got, want, len), 0);
}

/* D1 under K1, the handshake record hs, D2 under K2, all before K2 is in. */
static void key_update_flow(struct __test_metadata *_metadata,
			    FIXTURE_DATA(rx) *self, const void *hs, size_t len)
{
	static const char d1[] = "before the update", d2[] = "after it";
	long received = tlsk_stat("TlsRxRekeyReceived");
	long ok = tlsk_stat("TlsRxRekeyOk");
	char buf[64];
	int i;

	feed(_metadata, self, self->a, self->b, DATA, d1, sizeof(d1));
	feed(_metadata, self, self->a, self->b, HANDSHAKE, hs, len);
	feed(_metadata, self, self->a2, self->b2, DATA, d2, sizeof(d2));

	expect_record(_metadata, self->e, DATA, d1, sizeof(d1));
	expect_record(_metadata, self->e, HANDSHAKE, hs, len);
	/* Every read until the next key, and poll, say so. */
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(read(self->e, buf, sizeof(buf)), -1);
		EXPECT_EQ(errno, EKEYEXPIRED);
	}
	EXPECT_FALSE(poll_readable(self->e, 200));
	EXPECT_EQ(tlsk_stat("TlsRxRekeyReceived"), received + 1);

	ASSERT_EQ(set_key13(self->e, TLS_RX, 2), 0);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), ok + 1);
	EXPECT_TRUE(poll_readable(self->e, 5000));
	expect_record(_metadata, self->e, DATA, d2, sizeof(d2));
}

TEST_F(rx, key_update_then_new_key)
{
	key_update_flow(_metadata, self, key_update, sizeof(key_update));
}

/* The KeyUpdate is not the record's first handshake message. */
TEST_F(rx, key_update_mid_record)
{
	key_update_flow(_metadata, self, ticket_then_update,
			sizeof(ticket_then_update));
}

/* A handshake record without a KeyUpdate changes nothing. */
TEST_F(rx, handshake_without_key_update)
{
	static const uint8_t ticket[] = { 4, 0, 0, 2, 9, 9 };
	static const char d[] = "same key";

	feed(_metadata, self, self->a, self->b, HANDSHAKE, ticket,
	     sizeof(ticket));
	feed(_metadata, self, self->a, self->b, DATA, d, sizeof(d));
	expect_record(_metadata, self->e, HANDSHAKE, ticket, sizeof(ticket));
	expect_record(_metadata, self->e, DATA, d, sizeof(d));
}

/*
 * An RX key with no KeyUpdate pending is installed all the same (kTLS):
 * the next record opens with it.
 */
TEST_F(rx, new_key_without_key_update)
{
	static const char d1[] = "old key", d2[] = "new key";
	long ok = tlsk_stat("TlsRxRekeyOk");

	feed(_metadata, self, self->a, self->b, DATA, d1, sizeof(d1));
	expect_record(_metadata, self->e, DATA, d1, sizeof(d1));
	ASSERT_EQ(set_key13(self->e, TLS_RX, 2), 0);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), ok + 1);
	feed(_metadata, self, self->a2, self->b2, DATA, d2, sizeof(d2));
	expect_record(_metadata, self->e, DATA, d2, sizeof(d2));
}

/*
 * A tlsk TX socket *c (to plain *b) rekeyed to K2 at record sequence seq
 * sends d as one record, which lands in r: its length, or <= 0.
 */
static ssize_t send_with_key_at(struct __test_metadata *_metadata,
				uint64_t seq, const char *d, size_t len,
				uint8_t *r, int *c, int *b)
{
	union crypto_info ci;
	size_t cilen = key13_at(&ci, 2, seq);

	if (keyed_pair(TLSK_ULP_NAME, TLS_TX, 1, c, b))
		return -1;
	EXPECT_EQ(setsockopt(*c, SOL_TLS, TLS_TX, &ci, cilen), 0);
	EXPECT_EQ(send(*c, d, len, 0), (ssize_t)len);
	return read_record(*b, r, MAXREC);
}

/* A new TX key seals from the record sequence it was given. */
TEST(tx_rekey_at_given_seq)
{
	static const char d[] = "under K2 from seq 5";
	uint8_t r[MAXREC];
	ssize_t n;
	int c, b;

	n = send_with_key_at(_metadata, 5, d, sizeof(d), r, &c, &b);
	ASSERT_GT(n, 5);
	open_with_tls_at(_metadata, 2, 5, r, n, d, sizeof(d));
	open_with_tls_at(_metadata, 2, 0, r, n, NULL, 0);
	close(c);
	close(b);
}

/* TX: records before the rekey open with K1, after it with K2 at seq 0. */
TEST(tx_rekey)
{
	static const char d1[] = "under K1", d2[] = "under K2";
	uint8_t r1[MAXREC], r2[MAXREC];
	long ok = tlsk_stat("TlsTxRekeyOk");
	ssize_t n1, n2;
	int c, b;

	ASSERT_EQ(keyed_pair(TLSK_ULP_NAME, TLS_TX, 1, &c, &b), 0);
	ASSERT_EQ(send(c, d1, sizeof(d1), 0), (ssize_t)sizeof(d1));
	n1 = read_record(b, r1, sizeof(r1));
	ASSERT_GT(n1, 5);
	ASSERT_EQ(set_key13(c, TLS_TX, 2), 0);
	EXPECT_EQ(tlsk_stat("TlsTxRekeyOk"), ok + 1);
	ASSERT_EQ(send(c, d2, sizeof(d2), 0), (ssize_t)sizeof(d2));
	n2 = read_record(b, r2, sizeof(r2));
	ASSERT_GT(n2, 5);
	open_with_tls(_metadata, 1, r1, n1, d1, sizeof(d1));
	open_with_tls(_metadata, 2, r2, n2, d2, sizeof(d2));
	close(c);
	close(b);
}

/* A record left open by MSG_MORE is the old key's: sealed before the switch. */
TEST(tx_rekey_seals_open_record)
{
	static const char d1[] = "open under K1", d2[] = "then K2";
	uint8_t r1[MAXREC], r2[MAXREC];
	ssize_t n1, n2;
	int c, b;

	ASSERT_EQ(keyed_pair(TLSK_ULP_NAME, TLS_TX, 1, &c, &b), 0);
	ASSERT_EQ(send(c, d1, sizeof(d1), MSG_MORE), (ssize_t)sizeof(d1));
	ASSERT_EQ(set_key13(c, TLS_TX, 2), 0);
	ASSERT_EQ(send(c, d2, sizeof(d2), 0), (ssize_t)sizeof(d2));
	n1 = read_record(b, r1, sizeof(r1));
	ASSERT_GT(n1, 5);
	n2 = read_record(b, r2, sizeof(r2));
	ASSERT_GT(n2, 5);
	open_with_tls(_metadata, 1, r1, n1, d1, sizeof(d1));
	open_with_tls(_metadata, 2, r2, n2, d2, sizeof(d2));
	close(c);
	close(b);
}

/* TLS 1.2 has no KeyUpdate: a second key is EBUSY both ways. */
TEST(tls12_second_key_ebusy)
{
	int fd[2];

	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, NULL, TLS_1_2_VERSION,
			   GCM128, &fd[0], &fd[1]), 0);
	EXPECT_EQ(set_keys(fd[0], TLS_TX, TLS_1_2_VERSION, GCM128, 3), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(set_keys(fd[0], TLS_RX, TLS_1_2_VERSION, GCM128, 4), -1);
	EXPECT_EQ(errno, EBUSY);
	close(fd[0]);
	close(fd[1]);
}

/*
 * The last sequence number, 2^64 - 1, is never used: a key two short of
 * it seals one record (in-tree tls opens it at 2^64 - 2), then refuses
 * the next with EBADMSG; a key installed at it refuses the first (7.x's
 * tls_basic.recseq_wrap checks that of in-tree kTLS). Until 2026-12-06
 * tlsk sealed a record at 2^64 - 1.
 */
TEST(last_sequence_number_unused)
{
	static const char d[] = "at 2^64 - 2";
	uint8_t r[MAXREC];
	union crypto_info ci;
	size_t cilen;
	ssize_t n;
	int c, b;

	n = send_with_key_at(_metadata, UINT64_MAX - 1, d, sizeof(d), r, &c,
			     &b);
	ASSERT_GT(n, 5);
	open_with_tls_at(_metadata, 2, UINT64_MAX - 1, r, n, d, sizeof(d));
	EXPECT_EQ(send(c, d, sizeof(d), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	close(c);
	close(b);

	cilen = key13_at(&ci, 3, UINT64_MAX);
	ASSERT_EQ(keyed_pair(TLSK_ULP_NAME, TLS_TX, 1, &c, &b), 0);
	ASSERT_EQ(setsockopt(c, SOL_TLS, TLS_TX, &ci, cilen), 0);
	EXPECT_EQ(send(c, d, sizeof(d), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	close(c);
	close(b);
}

TEST_HARNESS_MAIN
