// SPDX-License-Identifier: GPL-2.0-only
/*
 * Torture for the RX path: a plain TCP peer writes record streams into a
 * socket holding tlsk RX keys, intact, cut short, bit-flipped, with junk
 * spliced in or an oversized header, thousands of times over all versions
 * and ciphers. Whatever the damage, the reader must get a prefix of the
 * true plaintext (never a forged or shifted byte), then either the end of
 * the stream or one of the errnos kTLS uses (EBADMSG, EMSGSIZE, EINVAL),
 * and then nothing more. The VM runner checks dmesg afterwards.
 *
 * The streams are written by tlsk itself (a TX socket into a plain reader),
 * so no userspace crypto is needed; cross.c shows tlsk's records are
 * kTLS's byte for byte.
 */
#include <time.h>

#include "kselftest_harness.h"
#include "util.h"

#define NRECS		6
#define MAXSTREAM	(NRECS * (5 + 400 + 64))
#define BUDGET_SEC	150
#define MAX_ITER	4000

struct stream {
	uint16_t version, cipher;
	uint8_t wire[MAXSTREAM];
	size_t wire_len;
	size_t rec_off[NRECS + 1];	/* record starts, and the end */
	size_t plain_off[NRECS + 1];	/* the same in the plaintext */
	uint8_t plain[NRECS * 400];	/* concatenated plaintext... */
	uint8_t type[NRECS * 400];	/* ...and each byte's record type */
	size_t plain_len;
};

static const struct { uint16_t version, cipher; } suites[] = {
	{ TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128 },
	{ TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256 },
	{ TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128 },
	{ TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305 },
	{ TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128 },
	{ TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256 },
	{ TLS_1_3_VERSION, TLS_CIPHER_AES_CCM_128 },
	{ TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305 },
};

#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static ssize_t send_typed(int fd, uint8_t type, const void *buf, size_t len)
{
	if (type == 23)
		return send(fd, buf, len, 0);
	return send_record_type(fd, type, buf, len);
}

/* Has tlsk write NRECS records of random size and type under seed 1. */
static int make_stream(struct stream *st, uint16_t version, uint16_t cipher)
{
	int a, b, i, err = -1;

	memset(st, 0, sizeof(*st));
	st->version = version;
	st->cipher = cipher;
	if (tcp_pair(AF_INET, &a, &b))
		return -1;
	if (attach_ulp(a, TLSK_ULP_NAME) ||
	    set_keys(a, TLS_TX, version, cipher, 1))
		goto out;
	for (i = 0; i < NRECS; i++) {
		size_t len = 1 + rnd() % 400;
		uint8_t type = rnd() % 4 ? 23 : 21 + rnd() % 2;
		ssize_t n;

		fill_pattern(st->plain + st->plain_len, len, rnd());
		memset(st->type + st->plain_len, type, len);
		if (send_typed(a, type, st->plain + st->plain_len, len) !=
		    (ssize_t)len)
			goto out;
		st->plain_off[i] = st->plain_len;
		st->plain_len += len;
		st->rec_off[i] = st->wire_len;
		n = read_record(b, st->wire + st->wire_len,
				sizeof(st->wire) - st->wire_len);
		if (n <= 0)
			goto out;
		st->wire_len += n;
	}
	st->rec_off[NRECS] = st->wire_len;
	st->plain_off[NRECS] = st->plain_len;
	err = 0;
out:
	close(a);
	close(b);
	return err;
}

enum damage { INTACT, TRUNCATE, BITFLIP, JUNK, OVERSIZE, DAMAGE_MAX };

/*
 * Builds the damaged stream in out; returns its length and sets *bad_rec
 * to the first record that cannot survive (NRECS: all can).
 */
static size_t damage(const struct stream *st, enum damage how, uint8_t *out,
		     int *bad_rec)
{
	size_t len = st->wire_len, pos;
	int r = rnd() % NRECS;

	memcpy(out, st->wire, len);
	*bad_rec = NRECS;
	switch (how) {
	case INTACT:
		break;
	case TRUNCATE:
		len = rnd() % st->wire_len;
		for (r = 0; st->rec_off[r + 1] <= len; r++)
			;
		*bad_rec = r;
		break;
	case BITFLIP:
		pos = rnd() % st->wire_len;
		out[pos] ^= 1 << (rnd() % 8);
		for (r = 0; st->rec_off[r + 1] <= pos; r++)
			;
		*bad_rec = r;
		break;
	case JUNK: {
		size_t n = 1 + rnd() % 64, i;

		pos = st->rec_off[r];
		memmove(out + pos + n, out + pos, len - pos);
		for (i = 0; i < n; i++)
			out[pos + i] = rnd();
		len += n;
		*bad_rec = r;
		break;
	}
	case OVERSIZE:
		pos = st->rec_off[r];
		out[pos + 3] = 0x40 + rnd() % 0xc0;
		*bad_rec = r;
		break;
	default:
		break;
	}
	return len;
}

/*
 * Feeds one damaged stream to a fresh tlsk reader. Returns 0 when tlsk
 * behaved, or a line number to report.
 */
static int feed(const struct stream *st, enum damage how, int *errno_seen)
{
	static uint8_t wire[MAXSTREAM + 64];
	uint8_t got[NRECS * 400 + 1];
	size_t len, got_len = 0;
	int d, e, bad_rec, ret = 0, n;

	len = damage(st, how, wire, &bad_rec);
	if (tcp_pair(AF_INET, &d, &e))
		return __LINE__;
	if (attach_ulp(e, TLSK_ULP_NAME) ||
	    set_keys(e, TLS_RX, st->version, st->cipher, 1)) {
		ret = __LINE__;
		goto out;
	}
	if (write_full(d, wire, len) != (ssize_t)len) {
		ret = __LINE__;
		goto out;
	}
	shutdown(d, SHUT_WR);

	*errno_seen = 0;
	for (;;) {
		char cbuf[CMSG_SPACE(1)] = {};
		struct iovec iov = {
			.iov_base = got + got_len,
			.iov_len = sizeof(got) - got_len,
		};
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cmsg;

		n = recvmsg(e, &msg, 0);
		if (n < 0) {
			*errno_seen = errno;
			break;
		}
		if (n == 0)
			break;
		cmsg = CMSG_FIRSTHDR(&msg);
		if (!cmsg || cmsg->cmsg_type != TLS_GET_RECORD_TYPE) {
			ret = __LINE__;
			goto out;
		}
		/* Never a forged byte, never a byte of the wrong type. */
		if (got_len + n > st->plain_len ||
		    memcmp(got + got_len, st->plain + got_len, n) ||
		    memchr(st->type + got_len, *CMSG_DATA(cmsg), 1) !=
		    st->type + got_len) {
			ret = __LINE__;
			goto out;
		}
		got_len += n;
	}

	switch (*errno_seen) {
	case 0:
		/* A clean end: everything, or what a cut stream held. */
		if (how == INTACT && got_len != st->plain_len)
			ret = __LINE__;
		break;
	case EBADMSG:
	case EMSGSIZE:
	case EINVAL:
		if (how == INTACT) {
			ret = __LINE__;
			break;
		}
		/*
		 * Nothing more, ever: the errno again (a record that failed
		 * to open), or the stream stopped at a bad header (EAGAIN,
		 * or the end once the peer's FIN is in).
		 */
		n = recv(e, got, 1, MSG_DONTWAIT);
		if (n > 0 || (n < 0 && errno != *errno_seen && errno != EAGAIN))
			ret = __LINE__;
		break;
	default:
		ret = __LINE__;
	}
	/* Records before the damage must all have come through. */
	if (!ret && got_len < st->plain_off[bad_rec])
		ret = __LINE__;
out:
	close(d);
	close(e);
	return ret;
}

FIXTURE(torture)
{
};

FIXTURE_SETUP(torture)
{
}

FIXTURE_TEARDOWN(torture)
{
}

/* Minutes under TCG: every stream costs a socket pair and an AEAD. */
TEST_F_TIMEOUT(torture, rx, BUDGET_SEC + 120)
{
	static struct stream streams[NSUITES];
	unsigned int counts[DAMAGE_MAX] = {}, errs[4] = {};
	time_t start = time(NULL);
	unsigned int i, s;
	int line, err;

	for (s = 0; s < NSUITES; s++)
		ASSERT_EQ(make_stream(&streams[s], suites[s].version,
				      suites[s].cipher), 0);
	for (i = 0; i < MAX_ITER && time(NULL) - start < BUDGET_SEC; i++) {
		enum damage how = rnd() % DAMAGE_MAX;

		s = rnd() % NSUITES;
		line = feed(&streams[s], how, &err);
		if (line)
			TH_LOG("iteration %u, suite %u, damage %d: check at line %d, errno %d",
			       i, s, how, line, err);
		ASSERT_EQ(line, 0);
		counts[how]++;
		errs[err == EBADMSG ? 1 : err == EMSGSIZE ? 2 :
		     err == EINVAL ? 3 : 0]++;
	}
	TH_LOG("%u streams: intact %u, truncated %u, bit-flipped %u, junk %u, oversized %u",
		       i, counts[INTACT], counts[TRUNCATE], counts[BITFLIP],
		       counts[JUNK], counts[OVERSIZE]);
	TH_LOG("ends: clean %u, EBADMSG %u, EMSGSIZE %u, EINVAL %u",
		       errs[0], errs[1], errs[2], errs[3]);
	EXPECT_GE(i, 1000);
}

TEST_HARNESS_MAIN
