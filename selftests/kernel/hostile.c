// SPDX-License-Identifier: GPL-2.0-only
/*
 * The receiving end against a hostile peer, on tlsk and on in-tree tls as
 * the reference, for every version and cipher.
 *
 *   a (tls, TX keys K) --TCP--> b (plain)     records sealed by the reference
 *   d (plain) --TCP--> e (ULP under test, RX keys K)
 *
 * Records read on b are fed through d in whatever order and shape the peer
 * likes. What e's reader gets must match kTLS: an error behind data is not
 * lost (it is reported on the next read and poll shows it), handshake
 * messages may span records, and a peeking reader cannot make the kernel
 * hold more memory than the socket's receive buffer. Each read that could
 * hang on a defect has SO_RCVTIMEO, so a defect fails the test instead of
 * blocking the run; each test may take 120 s (the debug kernel's KASAN
 * under TCG is slow, AES-CCM most of all).
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "util.h"

#define ALERT		21
#define HANDSHAKE	22
#define DATA		23
#define MAXREC		(5 + 16384 + 256)

FIXTURE(hostile)
{
	int a, b, d, e;
	uint8_t rec[MAXREC];
};

FIXTURE_VARIANT(hostile)
{
	const char *ulp;
	uint16_t version;
	uint16_t cipher;
};

#define VARIANT(_name, _ulp, _version, _cipher)		\
	FIXTURE_VARIANT_ADD(hostile, _name)		\
	{						\
		.ulp = _ulp,				\
		.version = _version,			\
		.cipher = _cipher,			\
	}

#define VARIANTS(_ulp, _uname)							\
	VARIANT(_uname##_tls12_gcm128, _ulp, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128); \
	VARIANT(_uname##_tls12_gcm256, _ulp, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256); \
	VARIANT(_uname##_tls12_ccm128, _ulp, TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128); \
	VARIANT(_uname##_tls12_chacha, _ulp, TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305); \
	VARIANT(_uname##_tls13_gcm128, _ulp, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128); \
	VARIANT(_uname##_tls13_gcm256, _ulp, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256); \
	VARIANT(_uname##_tls13_ccm128, _ulp, TLS_1_3_VERSION, TLS_CIPHER_AES_CCM_128); \
	VARIANT(_uname##_tls13_chacha, _ulp, TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305)

VARIANTS(TLSK_ULP_NAME, tlsk);
VARIANTS("tls", tls);

static void set_rcvtimeo(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

FIXTURE_SETUP(hostile)
{
	ASSERT_EQ(tcp_pair(AF_INET, &self->a, &self->b), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &self->d, &self->e), 0);
	ASSERT_EQ(attach_ulp(self->a, "tls"), 0);
	ASSERT_EQ(set_keys(self->a, TLS_TX, variant->version, variant->cipher,
			   1), 0);
	ASSERT_EQ(attach_ulp(self->e, variant->ulp), 0);
	ASSERT_EQ(set_keys(self->e, TLS_RX, variant->version, variant->cipher,
			   1), 0);
	set_rcvtimeo(self->e, 10);
}

FIXTURE_TEARDOWN(hostile)
{
	close(self->a);
	close(self->b);
	if (self->d >= 0)
		close(self->d);
	close(self->e);
}

/* a seals one record of type; d sends it on to e. */
static ssize_t feed(FIXTURE_DATA(hostile) *self, uint8_t type,
		    const void *buf, size_t len)
{
	ssize_t n;

	if (send_record_type(self->a, type, buf, len) != (ssize_t)len)
		return -1;
	n = read_record(self->b, self->rec, MAXREC);
	if (n <= 0)
		return -1;
	return write_full(self->d, self->rec, n);
}

/* Waits until poll on e reports one of want (the peer's bytes are in). */
static short wait_revents(int fd, short want)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int i;

	for (i = 0; i < 100; i++) {
		if (poll(&p, 1, 100) == 1 && (p.revents & want))
			return p.revents;
	}
	return 0;
}

/*
 * A record, then a header no record can have, both in before the first
 * read: the read returns the record's data, the error is kept for the next
 * one, which returns it at once, and poll shows it meanwhile.
 */
TEST_F_TIMEOUT(hostile, bad_header_after_data_is_reported, 120)
{
	/*
	 * Eight bytes past the header: in-tree tls parses a TLS 1.2 AES
	 * header only with its explicit nonce in.
	 */
	static const uint8_t huge[] = { DATA, 3, 3, 0xff, 0xff,
					0, 0, 0, 0, 0, 0, 0, 0 };
	char buf[64];

	ASSERT_GT(feed(self, DATA, "first", 5), 0);
	ASSERT_EQ(write_full(self->d, huge, sizeof(huge)), sizeof(huge));
	ASSERT_TRUE(wait_revents(self->e, POLLIN));
	/* The header is in TCP's queue before the first read. */
	usleep(50000);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 5);
	EXPECT_EQ(memcmp(buf, "first", 5), 0);
	EXPECT_TRUE(wait_revents(self->e, POLLERR) & POLLERR);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EMSGSIZE);
}

/* The same with a record that fails to open: EBADMSG, and it sticks. */
TEST_F_TIMEOUT(hostile, bad_record_after_data_is_reported, 120)
{
	char buf[64];
	ssize_t n;

	ASSERT_GT(feed(self, DATA, "first", 5), 0);
	ASSERT_EQ(send(self->a, "second", 6, 0), 6);
	n = read_record(self->b, self->rec, MAXREC);
	ASSERT_GT(n, 0);
	self->rec[n - 1] ^= 0x40;
	ASSERT_EQ(write_full(self->d, self->rec, n), n);
	usleep(50000);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 5);
	EXPECT_TRUE(wait_revents(self->e, POLLERR) & POLLERR);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	/* tlsk keeps answering it, see wire.c. */
	if (!strcmp(variant->ulp, TLSK_ULP_NAME)) {
		EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
		EXPECT_EQ(errno, EBADMSG);
	}
}

/*
 * A record, then RST: the data first, then ECONNRESET (not a clean end of
 * stream), then the end.
 */
TEST_F_TIMEOUT(hostile, reset_after_data_is_reported, 120)
{
	char buf[64];

	ASSERT_GT(feed(self, DATA, "first", 5), 0);
	close_now(self->d);
	self->d = -1;
	ASSERT_TRUE(wait_revents(self->e, POLLERR | POLLHUP));
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 5);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, ECONNRESET);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 0);
}

/*
 * A record whose last byte the peer sends as TCP urgent data (MSG_OOB;
 * an on-path attacker needs only the URG flag and pointer, which TLS does
 * not protect). tcp_read_sock() stops in front of an urgent byte for good,
 * so a reader waited forever; TLS has no urgent data, and tlsk fails the
 * stream as for a record that fails authentication. (In-tree tls 6.1
 * still waits: tlsk only.)
 */
TEST_F_TIMEOUT(hostile, urgent_data_fails_the_stream, 120)
{
	char buf[64];
	ssize_t n;

	if (strcmp(variant->ulp, TLSK_ULP_NAME))
		SKIP(return, "in-tree tls stops at urgent data");
	ASSERT_GT(feed(self, DATA, "first", 5), 0);
	ASSERT_EQ(send(self->a, "second", 6, 0), 6);
	n = read_record(self->b, self->rec, MAXREC);
	ASSERT_GT(n, 1);
	ASSERT_EQ(write_full(self->d, self->rec, n - 1), n - 1);
	ASSERT_EQ(send(self->d, self->rec + n - 1, 1, MSG_OOB), 1);
	usleep(50000);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 5);
	EXPECT_TRUE(wait_revents(self->e, POLLERR) & POLLERR);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/* A record, then FIN: the data, then the end of the stream. */
TEST_F_TIMEOUT(hostile, fin_after_data, 120)
{
	char buf[64];

	ASSERT_GT(feed(self, DATA, "first", 5), 0);
	ASSERT_EQ(shutdown(self->d, SHUT_WR), 0);
	ASSERT_TRUE(wait_revents(self->e, POLLIN));
	usleep(50000);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 5);
	EXPECT_EQ(recv(self->e, buf, sizeof(buf), 0), 0);
}

static void expect_record(struct __test_metadata *_metadata, int fd,
			  uint8_t want_type, const void *want, size_t len)
{
	uint8_t got[256], type;

	EXPECT_EQ(recv_record_type(fd, got, sizeof(got), &type, 0),
		  (ssize_t)len);
	EXPECT_EQ(type, want_type);
	EXPECT_EQ(memcmp(got, want, len), 0);
}

/*
 * The data record after two handshake fragments. In-tree tls from 6.14
 * (TLS 1.3 rekey) takes any handshake record whose first byte is 24 for
 * a KeyUpdate, a fragment's too, and then answers EKEYEXPIRED until new
 * RX keys: upstream's behaviour, not tlsk's (which must deliver the
 * data), so on the reference it is reported as a skip, not a failure.
 */
static void expect_data_after_fragments(struct __test_metadata *_metadata,
					const FIXTURE_VARIANT(hostile) *variant,
					int fd)
{
	uint8_t got[16], type = 0;
	ssize_t n = recv_record_type(fd, got, sizeof(got), &type, 0);

	if (n < 0 && errno == EKEYEXPIRED && strcmp(variant->ulp, "tls") == 0)
		SKIP(return,
		     "in-tree tls took a fragment starting with 24 for a KeyUpdate (upstream, 6.14+)");
	EXPECT_EQ(n, 4);
	EXPECT_EQ(type, DATA);
	EXPECT_EQ(memcmp(got, "data", 4), 0);
}

/*
 * RFC 8446 5.1: a handshake message may span records. A NewSessionTicket
 * in two fragments, the second starting with 24 (KeyUpdate's type), is no
 * KeyUpdate: both fragments and the data after them arrive.
 */
TEST_F_TIMEOUT(hostile, handshake_message_spans_records, 120)
{
	static const uint8_t part1[] = { 4, 0, 0, 8, 1, 2, 3, 4 };
	static const uint8_t part2[] = { 24, 0, 0, 1 };

	if (variant->version != TLS_1_3_VERSION)
		SKIP(return, "TLS 1.3 only");
	ASSERT_GT(feed(self, HANDSHAKE, part1, sizeof(part1)), 0);
	ASSERT_GT(feed(self, HANDSHAKE, part2, sizeof(part2)), 0);
	ASSERT_GT(feed(self, DATA, "data", 4), 0);
	expect_record(_metadata, self->e, HANDSHAKE, part1, sizeof(part1));
	expect_record(_metadata, self->e, HANDSHAKE, part2, sizeof(part2));
	expect_data_after_fragments(_metadata, variant, self->e);
}

/*
 * A message header split over records: the next record starts with the
 * last byte of the length, 24 here, and is no KeyUpdate either.
 */
TEST_F_TIMEOUT(hostile, handshake_header_spans_records, 120)
{
	static const uint8_t part1[] = { 4, 0, 0 };
	uint8_t part2[1 + 24];

	if (variant->version != TLS_1_3_VERSION)
		SKIP(return, "TLS 1.3 only");
	part2[0] = 24;
	fill_pattern(part2 + 1, sizeof(part2) - 1, 7);
	ASSERT_GT(feed(self, HANDSHAKE, part1, sizeof(part1)), 0);
	ASSERT_GT(feed(self, HANDSHAKE, part2, sizeof(part2)), 0);
	ASSERT_GT(feed(self, DATA, "data", 4), 0);
	expect_record(_metadata, self->e, HANDSHAKE, part1, sizeof(part1));
	expect_record(_metadata, self->e, HANDSHAKE, part2, sizeof(part2));
	expect_data_after_fragments(_metadata, variant, self->e);
}

/*
 * MSG_PEEK cannot make the kernel hold more than the receive buffer: with
 * many one-byte records in, a peek returns what fits, and every byte still
 * arrives, in order, to the reads after it. tlsk's bound; in-tree tls
 * peeks without one.
 */
TEST_F_TIMEOUT(hostile, peek_memory_is_bounded, 120)
{
	enum { RECORDS = 400 };
	char want[RECORDS], got[RECORDS];
	int rcvbuf = 65536, i;
	ssize_t n;

	if (strcmp(variant->ulp, TLSK_ULP_NAME))
		SKIP(return, "tlsk's bound");
	ASSERT_EQ(setsockopt(self->e, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			     sizeof(rcvbuf)), 0);
	for (i = 0; i < RECORDS; i++) {
		want[i] = 'a' + i % 26;
		ASSERT_GT(feed(self, DATA, &want[i], 1), 0);
	}
	usleep(100000);
	n = recv(self->e, got, sizeof(got), MSG_PEEK);
	ASSERT_GT(n, 0);
	/* One page and an skb a record: far fewer than all of them fit. */
	EXPECT_LT(n, RECORDS / 2);
	EXPECT_EQ(memcmp(got, want, n), 0);
	/* A second peek holds no more. */
	EXPECT_EQ(recv(self->e, got, sizeof(got), MSG_PEEK), n);
	ASSERT_EQ(read_full(self->e, got, RECORDS), RECORDS);
	EXPECT_EQ(memcmp(got, want, RECORDS), 0);
}

/* ---- a sender stuck on a zero window holds the TX lock ---- */

struct rekey_arg {
	int fd;
	uint16_t version, cipher;
	int ret, err;
	volatile bool done;
};

static void on_signal(int sig)
{
}

static void *rekey_thread(void *p)
{
	struct rekey_arg *r = p;

	r->ret = set_keys(r->fd, TLS_TX, r->version, r->cipher, 3);
	r->err = errno;
	r->done = true;
	return NULL;
}

static void *send_thread(void *p)
{
	static char big[1 << 20];
	int fd = *(int *)p;

	send(fd, big, sizeof(big), MSG_NOSIGNAL);
	return NULL;
}

/*
 * A sender waits in TCP, holding the TX lock, for as long as the peer's
 * window stays shut. setsockopt(TLS_TX) from another thread then waits
 * for that lock, but a signal interrupts it (EINTR, as the upstream fix
 * for kTLS's hung tasks on tx_lock did) rather than leaving the task
 * hanging uninterruptibly.
 */
TEST_F_TIMEOUT(hostile, rekey_waiting_on_stuck_sender_is_interruptible, 120)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct rekey_arg r = {
		.version = variant->version, .cipher = variant->cipher,
	};
	pthread_t sender, rekey;
	int c, s, small = 4096, i, q, last = -1;

	if (strcmp(variant->ulp, TLSK_ULP_NAME) ||
	    variant->version != TLS_1_3_VERSION)
		SKIP(return, "tlsk, TLS 1.3 (TX rekey)");
	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	ASSERT_EQ(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)),
		  0);
	ASSERT_EQ(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)),
		  0);
	ASSERT_EQ(attach_ulp(c, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(c, TLS_TX, variant->version, variant->cipher, 1),
		  0);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	ASSERT_EQ(pthread_create(&sender, NULL, send_thread, &c), 0);
	/* The sender is stuck once its send queue stops growing. */
	for (i = 0; i < 100; i++) {
		usleep(100000);
		ASSERT_EQ(ioctl(c, SIOCOUTQ, &q), 0);
		if (q > 0 && q == last)
			break;
		last = q;
	}
	r.fd = c;
	ASSERT_EQ(pthread_create(&rekey, NULL, rekey_thread, &r), 0);
	for (i = 0; i < 50 && !r.done; i++) {
		usleep(100000);
		pthread_kill(rekey, SIGUSR1);
	}
	EXPECT_TRUE(r.done);
	/* A reset ends the sender (and, on a defect, lets the rekey in). */
	close_now(s);
	pthread_join(rekey, NULL);
	pthread_join(sender, NULL);
	close(c);
	EXPECT_EQ(r.ret, -1);
	EXPECT_EQ(r.err, EINTR);
}

TEST_HARNESS_MAIN
