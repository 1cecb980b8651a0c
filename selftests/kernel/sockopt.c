// SPDX-License-Identifier: GPL-2.0-only
/*
 * SOL_TLS socket options and sendmsg argument checks on "tlsk", each with
 * the exact errno in-tree kTLS gives.
 */
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest_harness.h"
#include "util.h"

#define V12 TLS_1_2_VERSION
#define V13 TLS_1_3_VERSION
#define GCM128 TLS_CIPHER_AES_GCM_128

FIXTURE(opt)
{
	int c;
	int s;
};

FIXTURE_SETUP(opt)
{
	ASSERT_EQ(tcp_pair(AF_INET, &self->c, &self->s), 0);
	ASSERT_EQ(attach_ulp(self->c, TLSK_ULP_NAME), 0);
}

FIXTURE_TEARDOWN(opt)
{
	close(self->c);
	close(self->s);
}

static int setopt(int fd, int name, const void *val, socklen_t len)
{
	return setsockopt(fd, SOL_TLS, name, val, len) ? errno : 0;
}

TEST_F(opt, crypto_info_validation)
{
	union crypto_info ci;
	size_t len = crypto_info_init(&ci, V12, GCM128, 1);

	EXPECT_EQ(setopt(self->c, TLS_TX, NULL, len), EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, sizeof(ci.info) - 1), EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, sizeof(ci.info)), EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, len - 1), EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, len + 1), EINVAL);
	ci.info.version = 0x0302;	/* TLS 1.1 */
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, len), EINVAL);
	ci.info.version = V12;
	ci.info.cipher_type = 50;
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, len), EINVAL);
	/* ARIA is a kTLS cipher tlsk does not carry. */
	ci.info.cipher_type = 57;
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, len), EINVAL);
	ci.info.cipher_type = GCM128;
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, len), 0);
}

TEST_F(opt, crypto_info_bad_pointer_efault)
{
	union crypto_info ci;
	size_t len = crypto_info_init(&ci, V12, GCM128, 1);

	EXPECT_EQ(setopt(self->c, TLS_TX, (void *)8, len), EFAULT);
	EXPECT_EQ(setopt(self->c, TLS_TX, &ci, len), 0);
}

/* TLS 1.2 has no KeyUpdate: a second key is EBUSY, as kTLS. */
TEST_F(opt, second_key_ebusy)
{
	EXPECT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 1), 0);
	EXPECT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 3), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(set_keys(self->c, TLS_RX, V12, GCM128, 2), 0);
	EXPECT_EQ(set_keys(self->c, TLS_RX, V12, GCM128, 4), -1);
	EXPECT_EQ(errno, EBUSY);
}

/*
 * A second TLS 1.3 key is a KeyUpdate: it must keep the version and the
 * cipher (its rec_seq is the caller's, as in kTLS). A refused one leaves
 * the old key in use.
 */
static void refuse_bad_rekeys(struct __test_metadata *_metadata, int fd,
			      int dir)
{
	union crypto_info ci;
	size_t len;

	len = crypto_info_init(&ci, V12, GCM128, 5);
	memset(ci.gcm128.rec_seq, 0, sizeof(ci.gcm128.rec_seq));
	EXPECT_EQ(setopt(fd, dir, &ci, len), EINVAL);
	len = crypto_info_init(&ci, V13, TLS_CIPHER_AES_GCM_256, 5);
	memset(ci.gcm256.rec_seq, 0, sizeof(ci.gcm256.rec_seq));
	EXPECT_EQ(setopt(fd, dir, &ci, len), EINVAL);
	len = crypto_info_init(&ci, V13, GCM128, 5);
	ci.gcm128.info.version = 0x0302;			/* TLS 1.1 */
	EXPECT_EQ(setopt(fd, dir, &ci, len), EINVAL);
	len = crypto_info_init(&ci, V13, GCM128, 5);
	EXPECT_EQ(setopt(fd, dir, &ci, len - 1), EINVAL);	/* short */
}

static void expect_old_key(struct __test_metadata *_metadata, int from,
			   int to)
{
	char out[64], in[64];

	fill_pattern(out, sizeof(out), 7);
	ASSERT_EQ(write_full(from, out, sizeof(out)), sizeof(out));
	ASSERT_EQ(read_full(to, in, sizeof(in)), sizeof(in));
	EXPECT_EQ(memcmp(in, out, sizeof(out)), 0);
}

TEST(tls13_rekey_must_match_einval)
{
	int c, s;

	/* tlsk on c, the in-tree tls ULP as the peer on s. */
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, "tls", V13, GCM128, &c, &s),
		  0);
	refuse_bad_rekeys(_metadata, c, TLS_TX);
	expect_old_key(_metadata, c, s);
	refuse_bad_rekeys(_metadata, c, TLS_RX);
	expect_old_key(_metadata, s, c);
	close(c);
	close(s);
}

/*
 * The crypto_info header is read from the caller once: a second thread
 * changing it while setsockopt() runs cannot get a version past the check
 * (tlsk read it twice, checked the first copy and installed the second).
 * Bounded: at most 3000 attempts or 20 s; the old module showed a bogus
 * version within the first hundreds in the VM.
 */
struct flipper {
	volatile uint16_t *version;
	volatile int stop;
};

static void *flip_version(void *arg)
{
	struct flipper *f = arg;

	while (!f->stop) {
		*f->version = V13;
		*f->version = 0x9999;
	}
	return NULL;
}

TEST(crypto_info_header_read_once)
{
	static union crypto_info ci;
	size_t len = crypto_info_init(&ci, V13, GCM128, 1);
	struct flipper f = { .version = &ci.info.version };
	struct timespec t0, t;
	int installed = 0, tries = 0, bogus = 0;
	pthread_t th;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(pthread_create(&th, NULL, flip_version, &f), 0);
	for (; tries < 3000 && !bogus; tries++) {
		struct tls_crypto_info got;
		socklen_t glen = sizeof(got);
		int c, s;

		ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
		ASSERT_EQ(attach_ulp(c, TLSK_ULP_NAME), 0);
		if (!setsockopt(c, SOL_TLS, TLS_TX, &ci, len)) {
			installed++;
			ASSERT_EQ(getsockopt(c, SOL_TLS, TLS_TX, &got, &glen),
				  0);
			bogus = got.version != V13;
		}
		close(c);
		close(s);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20)
			break;
	}
	f.stop = 1;
	pthread_join(th, NULL);
	TH_LOG("%d attempts, %d installed", tries, installed);
	EXPECT_EQ(bogus, 0);
}

TEST_F(opt, directions_must_match)
{
	EXPECT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 1), 0);
	EXPECT_EQ(set_keys(self->c, TLS_RX, V13, GCM128, 2), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(set_keys(self->c, TLS_RX, V12, TLS_CIPHER_AES_GCM_256, 2),
		  -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(set_keys(self->c, TLS_RX, V12, GCM128, 2), 0);
}

TEST_F(opt, unknown_option_enoprotoopt)
{
	int v = 0;
	socklen_t len = sizeof(v);

	EXPECT_EQ(setopt(self->c, 99, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, 99, &v, &len), -1);
	EXPECT_EQ(errno, ENOPROTOOPT);
}

/* Without the ULP, SOL_TLS is unknown to TCP. */
TEST_F(opt, without_ulp_enoprotoopt)
{
	EXPECT_EQ(set_keys(self->s, TLS_TX, V12, GCM128, 1), -1);
	EXPECT_EQ(errno, ENOPROTOOPT);
}

TEST_F(opt, getsockopt_crypto_info)
{
	union crypto_info want, got;
	socklen_t len = sizeof(got.info) - 1;
	size_t size = crypto_info_init(&want, V12, TLS_CIPHER_AES_GCM_256, 1);

	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX, &got, &len), -1);
	EXPECT_EQ(errno, EINVAL);
	len = size;
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX, &got, &len), -1);
	EXPECT_EQ(errno, EBUSY);
	ASSERT_EQ(setsockopt(self->c, SOL_TLS, TLS_TX, &want, size), 0);

	/* The header alone. */
	memset(&got, 0, sizeof(got));
	len = sizeof(got.info);
	ASSERT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX, &got, &len), 0);
	EXPECT_EQ(got.info.version, V12);
	EXPECT_EQ(got.info.cipher_type, TLS_CIPHER_AES_GCM_256);
	/* Any other size than the cipher's own. */
	len = size - 1;
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX, &got, &len), -1);
	EXPECT_EQ(errno, EINVAL);
	/* The whole struct, key included, as kTLS returns it. */
	len = size;
	ASSERT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX, &got, &len), 0);
	EXPECT_EQ(memcmp(&got, &want, size), 0);
	/* RX has no keys yet. */
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_RX, &got, &len), -1);
	EXPECT_EQ(errno, EBUSY);
}

TEST_F(opt, tx_zerocopy_ro)
{
	unsigned int v = 1;
	uint64_t big = 1;
	socklen_t len = sizeof(v);

	EXPECT_EQ(setopt(self->c, TLS_TX_ZEROCOPY_RO, &v, sizeof(v)), 0);
	v = 0;
	ASSERT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX_ZEROCOPY_RO, &v, &len),
		  0);
	EXPECT_EQ(v, 1);
	v = 2;
	EXPECT_EQ(setopt(self->c, TLS_TX_ZEROCOPY_RO, &v, sizeof(v)), EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_TX_ZEROCOPY_RO, &big, sizeof(big)),
		  EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_TX_ZEROCOPY_RO, NULL, sizeof(v)),
		  EINVAL);
	len = sizeof(big);
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX_ZEROCOPY_RO, &big,
			     &len), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Still accepted once TX has keys; sending works either way. */
	ASSERT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 1), 0);
	v = 0;
	EXPECT_EQ(setopt(self->c, TLS_TX_ZEROCOPY_RO, &v, sizeof(v)), 0);
}

TEST_F(opt, rx_expect_no_pad)
{
	uint32_t v = 1;
	uint64_t wide = 1;
	struct { uint32_t v, junk; } dirty = { 1, 1 };
	int out = -1;
	socklen_t len = sizeof(out);

	/* No keys: no version yet. */
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &v, sizeof(v)),
		  EINVAL);
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &out,
			     &len), -1);
	EXPECT_EQ(errno, EINVAL);
	/* TLS 1.3 TX keys only: RX is what it is about. */
	ASSERT_EQ(set_keys(self->c, TLS_TX, V13, GCM128, 1), 0);
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &v, sizeof(v)),
		  EINVAL);
	ASSERT_EQ(set_keys(self->c, TLS_RX, V13, GCM128, 2), 0);
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &v, sizeof(v) - 1),
		  EINVAL);
	v = 2;
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &v, sizeof(v)),
		  EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &dirty,
			 sizeof(dirty)), EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &wide, sizeof(wide)),
		  0);
	len = sizeof(out);
	ASSERT_EQ(getsockopt(self->c, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &out,
			     &len), 0);
	EXPECT_EQ(out, 1);
	EXPECT_EQ(len, sizeof(out));
	len = 2;
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &out,
			     &len), -1);
	EXPECT_EQ(errno, EINVAL);
}

TEST_F(opt, rx_expect_no_pad_tls12_einval)
{
	uint32_t v = 1;

	ASSERT_EQ(set_keys(self->c, TLS_RX, V12, GCM128, 2), 0);
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &v, sizeof(v)),
		  EINVAL);
}

TEST_F(opt, other_levels_reach_tcp)
{
	int one = 1, v = 0;
	socklen_t len = sizeof(v);

	ASSERT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 1), 0);
	EXPECT_EQ(setsockopt(self->c, IPPROTO_TCP, TCP_NODELAY, &one,
			     sizeof(one)), 0);
	EXPECT_EQ(getsockopt(self->c, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	EXPECT_EQ(v, 1);
}

TEST_F(opt, sendmsg_flags)
{
	ASSERT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 1), 0);
	EXPECT_EQ(send(self->c, "x", 1, MSG_OOB), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	EXPECT_EQ(send(self->c, "x", 1, MSG_CONFIRM), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
}

/* A control message that is not TLS_SET_RECORD_TYPE is refused. */
TEST_F(opt, sendmsg_foreign_cmsg_einval)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	ASSERT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 1), 0);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	EXPECT_EQ(sendmsg(self->c, &msg, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	/* SOL_TLS, but an unknown type. */
	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_GET_RECORD_TYPE;
	EXPECT_EQ(sendmsg(self->c, &msg, 0), -1);
	EXPECT_EQ(errno, EINVAL);
}

/* Like kTLS, a TLS socket cannot be disconnected and reused. */
TEST_F(opt, disconnect_eopnotsupp)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	EXPECT_EQ(connect(self->c, &sa, sizeof(sa)), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
}

/* The same checks over IPv6 keep the module's IPv6 table honest. */
/*
 * Reads raw TLS 1.2 AES-GCM records from fd until want plaintext bytes
 * came; fails the test if one carries more than limit.
 */
static void expect_records_within(struct __test_metadata *_metadata, int fd,
				  size_t want, size_t limit)
{
	static uint8_t rec[5 + 16384 + 256];
	size_t got = 0;

	while (got < want) {
		ssize_t n = read_record(fd, rec, sizeof(rec));
		size_t plain;

		ASSERT_GT(n, 5 + 8 + 16);
		plain = n - 5 - 8 - 16;	/* header, explicit nonce, tag */
		ASSERT_LE(plain, limit);
		got += plain;
	}
	EXPECT_EQ(got, want);
}

/*
 * TLS_TX_MAX_PAYLOAD_LEN (RFC 8449's record size limit; in-tree kTLS has
 * it from 6.19 on): a u16 from 64 to 16384, read back as one; no record
 * carries more, on the copying path and on the direct one (whole records
 * from the writer's pages); EBUSY while a record is open.
 */
TEST_F(opt, tx_max_payload_len)
{
	static char buf[65536];
	uint16_t v = 0;
	socklen_t len = sizeof(v);
	uint32_t wide = 128;

	ASSERT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, &v,
			     &len), 0);
	EXPECT_EQ(v, 16384);
	EXPECT_EQ(len, sizeof(v));
	len = 1;
	EXPECT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, &v,
			     &len), -1);
	EXPECT_EQ(errno, EINVAL);
	v = 63;
	EXPECT_EQ(setopt(self->c, TLS_TX_MAX_PAYLOAD_LEN, &v, sizeof(v)),
		  EINVAL);
	v = 16385;
	EXPECT_EQ(setopt(self->c, TLS_TX_MAX_PAYLOAD_LEN, &v, sizeof(v)),
		  EINVAL);
	EXPECT_EQ(setopt(self->c, TLS_TX_MAX_PAYLOAD_LEN, &v, 1), EINVAL);

	ASSERT_EQ(set_keys(self->c, TLS_TX, V12, GCM128, 1), 0);
	/* A longer option: its first two bytes (little-endian hosts). */
	EXPECT_EQ(setopt(self->c, TLS_TX_MAX_PAYLOAD_LEN, &wide, sizeof(wide)),
		  0);
	len = sizeof(v);
	ASSERT_EQ(getsockopt(self->c, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, &v,
			     &len), 0);
	EXPECT_EQ(v, 128);

	ASSERT_EQ(write_full(self->c, buf, 1024), 1024);
	expect_records_within(_metadata, self->s, 1024, 128);

	v = 4096;
	ASSERT_EQ(setopt(self->c, TLS_TX_MAX_PAYLOAD_LEN, &v, sizeof(v)), 0);
	ASSERT_EQ(write_full(self->c, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	expect_records_within(_metadata, self->s, sizeof(buf), 4096);

	/* A record begun under one limit is not cut under another. */
	ASSERT_EQ(send(self->c, buf, 100, MSG_MORE), 100);
	v = 64;
	EXPECT_EQ(setopt(self->c, TLS_TX_MAX_PAYLOAD_LEN, &v, sizeof(v)),
		  EBUSY);
	ASSERT_EQ(send(self->c, buf, 100, 0), 100);
	expect_records_within(_metadata, self->s, 200, 4096);
	EXPECT_EQ(setopt(self->c, TLS_TX_MAX_PAYLOAD_LEN, &v, sizeof(v)), 0);
	ASSERT_EQ(write_full(self->c, buf, 1000), 1000);
	expect_records_within(_metadata, self->s, 1000, 64);
}

TEST(ipv6_round_trip)
{
	char buf[32];
	int c = -1, s = -1;

	ASSERT_EQ(tls_pair(AF_INET6, TLSK_ULP_NAME, TLSK_ULP_NAME, V13, GCM128,
			   &c, &s), 0);
	ASSERT_EQ(send(c, "over ipv6", 9, 0), 9);
	ASSERT_EQ(recv(s, buf, sizeof(buf), 0), 9);
	EXPECT_EQ(memcmp(buf, "over ipv6", 9), 0);
	ASSERT_EQ(send(s, "back", 4, 0), 4);
	ASSERT_EQ(recv(c, buf, sizeof(buf), 0), 4);
	close(c);
	close(s);
}

TEST_HARNESS_MAIN
