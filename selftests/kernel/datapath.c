// SPDX-License-Identifier: GPL-2.0-only
/*
 * The zero-copy data path, both ends "tlsk", every version and cipher:
 *  - TX seals into pages it hands to TCP by reference: the caller's buffer
 *    (or file) changing, or going away, once write()/sendfile() returned
 *    must not change what the peer reads;
 *  - TX seals whole records straight from the writer's pages: a buffer
 *    that ends in an unmapped page, buffers in many pieces (more than are
 *    pinned), at odd addresses and of every length around a record, must
 *    send exactly the bytes write() counted; long writes after writes of
 *    odd lengths, whose records start at the end of one page fragment and
 *    go on in the next, must arrive intact;
 *  - RX opens a data record straight into the reader's buffer when it
 *    fits: short buffers, buffers in many pieces, records peeked before,
 *    and non-data records in between must still read back exactly;
 *  - with TLS_TX_ZEROCOPY_RO, CCM seals from the pages too: writes and
 *    sendfile must arrive intact;
 *  - RX leaves a record in TCP's queue until it is whole there (SIOCINQ
 *    counts it, as for in-tree kTLS) and opens it from TCP's skbs: records
 *    that come in many small segments (skbs of many fragments, records
 *    across skbs), also into a receive buffer so small that TCP's window
 *    closes before a record is whole, must read back exactly;
 *  - sendfile of a file truncated while it is being sent: the peer reads
 *    exactly the bytes sendfile counted, and they are the file's;
 *  - TX seals records gathered from a splice's pages by reference: pieces
 *    more than a record holds, write()s and control records adding to or
 *    ending such a record, must come out as the bytes and types sent;
 *  - records of a splice with more pages to come wait for them before TCP
 *    pushes: whatever ends the splice (its last page, splice_eof at the
 *    end of a short file, the next send) must get every byte out, also
 *    into a small send buffer read slowly; so must the end of a run of
 *    MSG_MORE writes, whose records TCP holds corked meanwhile; a whole
 *    record such a splice sealed goes out even if nothing follows.
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "util.h"

#define DATA	23
#define ALERT	21
#define REC	16384

FIXTURE(dp)
{
	int c;
	int s;
};

FIXTURE_VARIANT(dp)
{
	uint16_t version;
	uint16_t cipher;
};

#define VARIANT(_name, _version, _cipher)		\
	FIXTURE_VARIANT_ADD(dp, _name)			\
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

FIXTURE_SETUP(dp)
{
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   variant->version, variant->cipher,
			   &self->c, &self->s), 0);
}

FIXTURE_TEARDOWN(dp)
{
	close(self->c);
	close(self->s);
}

/*
 * write() from an mmap()ed buffer, which is overwritten and unmapped as
 * soon as write() returns, before the peer reads a byte.
 */
TEST_F(dp, buffer_changed_after_write)
{
	const size_t len = 3 * REC + 1000;
	char *want = malloc(len), *in = malloc(len);
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(want && in);
	ASSERT_NE(buf, MAP_FAILED);
	fill_pattern(want, len, 21);
	memcpy(buf, want, len);
	ASSERT_EQ(write(self->c, buf, len), len);
	memset(buf, 0xa5, len);
	ASSERT_EQ(munmap(buf, len), 0);
	ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	free(want);
	free(in);
}

/*
 * A buffer whose last page is unmapped: write() counts the records sealed
 * before the fault (the first whole record comes straight from the
 * mapped pages), and the peer reads exactly those bytes, then the rest of
 * a later write.
 */
TEST_F(dp, write_into_unmapped_page)
{
	const long pg = sysconf(_SC_PAGESIZE);
	const size_t len = REC + 2 * pg;
	char *want = malloc(len), *in = malloc(len);
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ssize_t n;

	ASSERT_TRUE(want && in);
	ASSERT_NE(buf, MAP_FAILED);
	fill_pattern(want, len, 31);
	memcpy(buf, want, len);
	ASSERT_EQ(munmap(buf + len - pg, pg), 0);
	n = write(self->c, buf, len);
	TH_LOG("write of %zu bytes, the last %ld unmapped: %zd", len, pg, n);
	ASSERT_GT(n, 0);
	ASSERT_LE(n, len - pg);
	/* What write() counted goes out with the next record. */
	ASSERT_EQ(write(self->c, want + n, len - n), len - n);
	ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	munmap(buf, len - pg);
	free(want);
	free(in);
}

/*
 * writev() of records in many pieces: more pieces than a direct seal
 * pins (copied instead), a record in two halves, one in pieces that
 * straddle pages, and lengths around a whole record at odd addresses.
 */
TEST_F(dp, writev_in_pieces)
{
	static const size_t lens[] = { REC, REC - 1, REC + 1, 2047, 2048,
				       3 * REC + 5, 1, 2 * REC };
	const size_t len = 16 * REC;
	char *want = malloc(len + 64), *in = malloc(len);
	struct iovec iov[64];
	size_t sent = 0, i, k;

	ASSERT_TRUE(want && in);
	fill_pattern(want, len + 64, 32);
	/* 64 pieces of 256 bytes: one record, more pieces than pinned. */
	for (i = 0; i < 64; i++) {
		iov[i].iov_base = want + sent + i * 256;
		iov[i].iov_len = 256;
	}
	ASSERT_EQ(writev(self->c, iov, 64), REC);
	sent += REC;
	/* One record in two halves, the cut in the middle of a page. */
	iov[0].iov_base = want + sent;
	iov[0].iov_len = REC / 2 + 123;
	iov[1].iov_base = want + sent + iov[0].iov_len;
	iov[1].iov_len = REC - iov[0].iov_len;
	ASSERT_EQ(writev(self->c, iov, 2), REC);
	sent += REC;
	/* Lengths around a record, from odd addresses. */
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t n = lens[k];

		ASSERT_LE(sent + n, len);
		ASSERT_EQ(write(self->c, want + sent, n), n);
		sent += n;
	}
	ASSERT_EQ(recv(self->s, in, sent, MSG_WAITALL), sent);
	EXPECT_EQ(memcmp(in, want, sent), 0);
	free(want);
	free(in);
}

/*
 * Another thread rewrites the buffer while write() seals it: whatever
 * mix of bytes went out, every record must open (no EBADMSG), and each
 * byte the peer reads is one of the two patterns' at its offset.
 */
struct scribble {
	char *buf;
	size_t len;
	volatile bool stop;
};

static void *scribbler(void *arg)
{
	struct scribble *sc = arg;
	unsigned int round = 0;

	while (!sc->stop)
		memset(sc->buf, (round++ & 1) ? 0x5a : 0xa5, sc->len);
	return NULL;
}

TEST_F(dp, buffer_rewritten_during_write)
{
	const size_t len = 8 * REC;
	struct scribble sc = { .len = len };
	char *in = malloc(len);
	pthread_t t;
	size_t i;

	sc.buf = malloc(len);
	ASSERT_TRUE(in && sc.buf);
	memset(sc.buf, 0xa5, len);
	ASSERT_EQ(pthread_create(&t, NULL, scribbler, &sc), 0);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(write_full(self->c, sc.buf, len), len);
	sc.stop = true;
	pthread_join(t, NULL);
	for (i = 0; i < 4; i++) {
		size_t j;

		ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
		for (j = 0; j < len; j++)
			if (in[j] != (char)0xa5 && in[j] != (char)0x5a)
				break;
		EXPECT_EQ(j, len);
	}
	free(in);
	free(sc.buf);
}

/* sendfile(), then the file's pages are rewritten before the peer reads. */
TEST_F(dp, file_changed_after_sendfile)
{
	const size_t len = 2 * REC + 300;
	char *want = malloc(len), *other = malloc(len), *in = malloc(len);
	int fd = memfd_create("tlsk-dp", 0);
	off_t off = 0;

	ASSERT_TRUE(want && other && in);
	ASSERT_GE(fd, 0);
	fill_pattern(want, len, 22);
	fill_pattern(other, len, 23);
	ASSERT_EQ(pwrite(fd, want, len, 0), len);
	ASSERT_EQ(sendfile(self->c, fd, &off, len), len);
	ASSERT_EQ(pwrite(fd, other, len, 0), len);
	ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	close(fd);
	free(want);
	free(other);
	free(in);
}

/*
 * TLS_TX_ZEROCOPY_RO: CCM then seals from the writer's and the file's
 * pages as the other ciphers do; whole and partial records, written and
 * sent from a file, must arrive as they were (and with the option off
 * again, copied).
 */
TEST_F(dp, zerocopy_ro_writes_and_sendfile)
{
	const size_t len = 3 * REC + 5000;
	char *want = malloc(len), *in = malloc(len);
	int fd = memfd_create("tlsk-dp", 0);
	unsigned int on = 1, off_ = 0;
	off_t off = 0;

	ASSERT_TRUE(want && in);
	ASSERT_GE(fd, 0);
	fill_pattern(want, len, 32);
	ASSERT_EQ(pwrite(fd, want, len, 0), len);
	ASSERT_EQ(setsockopt(self->c, SOL_TLS, TLS_TX_ZEROCOPY_RO, &on,
			     sizeof(on)), 0);
	ASSERT_EQ(write_full(self->c, want, len), len);
	ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	ASSERT_EQ(sendfile(self->c, fd, &off, len), len);
	memset(in, 0, len);
	ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	ASSERT_EQ(setsockopt(self->c, SOL_TLS, TLS_TX_ZEROCOPY_RO, &off_,
			     sizeof(off_)), 0);
	ASSERT_EQ(write_full(self->c, want, len), len);
	memset(in, 0, len);
	ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	close(fd);
	free(want);
	free(in);
}

/*
 * Records of every size read with buffers shorter than, as long as, and
 * longer than one record, at odd addresses: the bytes and their order
 * must come out the same whichever way each record is opened.
 */
TEST_F(dp, short_and_odd_buffers)
{
	static const size_t bufs[] = { 1, 100, REC - 1, REC, REC + 1,
				       3 * REC, 4095, 4097 };
	const size_t len = 8 * REC;
	char *want = malloc(len), *in = malloc(len + 64);
	size_t got = 0, i = 0;

	ASSERT_TRUE(want && in);
	fill_pattern(want, len, 24);
	ASSERT_EQ(write_full(self->c, want, len), len);
	while (got < len) {
		size_t ask = bufs[i++ % (sizeof(bufs) / sizeof(bufs[0]))];
		/* An odd address, and never past the end. */
		char *at = in + 7 + got;
		ssize_t n;

		if (ask > len - got)
			ask = len - got;
		n = recv(self->s, at, ask, 0);
		ASSERT_GT(n, 0);
		ASSERT_LE(n, ask);
		memmove(in + got, at, n);
		got += n;
	}
	EXPECT_EQ(memcmp(in, want, len), 0);
	free(want);
	free(in);
}

/*
 * A record's room spread over many small iovecs (more pieces than a
 * direct open pins), then over two halves of one record.
 */
TEST_F(dp, readv_in_pieces)
{
	const size_t len = 2 * REC;
	char *want = malloc(len), *in = malloc(len);
	struct iovec iov[64];
	size_t piece = len / 64;
	int i;

	ASSERT_TRUE(want && in);
	fill_pattern(want, len, 25);
	ASSERT_EQ(write_full(self->c, want, REC), REC);
	for (i = 0; i < 64; i++) {
		iov[i].iov_base = in + i * piece;
		iov[i].iov_len = piece;
	}
	/* The first record, into 32 pieces' worth of its 64. */
	ASSERT_EQ(readv(self->s, iov, 64), REC);
	ASSERT_EQ(write_full(self->c, want + REC, REC), REC);
	iov[0].iov_base = in + REC;
	iov[0].iov_len = REC / 2 + 3;
	iov[1].iov_base = in + REC + REC / 2 + 3;
	iov[1].iov_len = REC / 2 - 3;
	ASSERT_EQ(readv(self->s, iov, 2), REC);
	EXPECT_EQ(memcmp(in, want, len), 0);
	free(want);
	free(in);
}

/*
 * MSG_PEEK leaves opened records queued; a later read with room for
 * everything must return those first, then open the next ones (directly)
 * in order.
 */
TEST_F(dp, peek_then_direct_read)
{
	const size_t len = 3 * REC;
	char *want = malloc(len), *in = malloc(len);
	char peek[100];

	ASSERT_TRUE(want && in);
	fill_pattern(want, len, 26);
	ASSERT_EQ(write_full(self->c, want, len), len);
	ASSERT_TRUE(poll_readable(self->s, 5000));
	ASSERT_EQ(recv(self->s, peek, sizeof(peek), MSG_PEEK), sizeof(peek));
	EXPECT_EQ(memcmp(peek, want, sizeof(peek)), 0);
	ASSERT_EQ(recv(self->s, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	/* Peek a whole record, then read it and the next in one call. */
	ASSERT_EQ(write_full(self->c, want, 2 * REC), 2 * REC);
	ASSERT_TRUE(poll_readable(self->s, 5000));
	ASSERT_EQ(recv(self->s, in, REC, MSG_PEEK | MSG_WAITALL), REC);
	memset(in, 0, len);
	ASSERT_EQ(recv(self->s, in, 2 * REC, MSG_WAITALL), 2 * REC);
	EXPECT_EQ(memcmp(in, want, 2 * REC), 0);
	free(want);
	free(in);
}

/*
 * A non-data record between data records, read with room for all: the
 * data before it, then it alone with its type, then the data after it.
 */
TEST_F(dp, control_record_between)
{
	char want[3000], in[REC];
	uint8_t type;

	fill_pattern(want, sizeof(want), 27);
	ASSERT_EQ(send(self->c, want, 1000, 0), 1000);
	ASSERT_EQ(send_record_type(self->c, ALERT, "\x01\x00", 2), 2);
	ASSERT_EQ(send(self->c, want + 1000, 2000, 0), 2000);
	ASSERT_EQ(recv_record_type(self->s, in, sizeof(in), &type, 0), 1000);
	EXPECT_EQ(type, DATA);
	EXPECT_EQ(memcmp(in, want, 1000), 0);
	memset(in, 0x5a, sizeof(in));
	ASSERT_EQ(recv_record_type(self->s, in, sizeof(in), &type, 0), 2);
	EXPECT_EQ(type, ALERT);
	EXPECT_EQ(memcmp(in, "\x01\x00", 2), 0);
	ASSERT_TRUE(poll_readable(self->s, 5000));
	ASSERT_EQ(recv_record_type(self->s, in, sizeof(in), &type, 0), 2000);
	EXPECT_EQ(type, DATA);
	EXPECT_EQ(memcmp(in, want + 1000, 2000), 0);
}

struct drain {
	int fd;
	char *buf;
	size_t size;
	size_t got;
	int err;
	/* >= 0: truncate this file to trunc_to once trunc_at bytes came. */
	int trunc_fd;
	off_t trunc_to;
	size_t trunc_at;
	bool truncated;
	/* A slow reader: at most max_read bytes a recv(), pause_us between. */
	size_t max_read;
	unsigned int pause_us;
};

/* Reads fd until the end of the stream. */
static void *drain(void *arg)
{
	struct drain *d = arg;
	ssize_t n;

	while (d->got < d->size) {
		size_t want = d->size - d->got;

		if (d->max_read && want > d->max_read)
			want = d->max_read;
		n = recv(d->fd, d->buf + d->got, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			d->err = errno;
		if (n <= 0)
			break;
		d->got += n;
		if (d->pause_us)
			usleep(d->pause_us);
		if (d->trunc_fd >= 0 && !d->truncated &&
		    d->got >= d->trunc_at) {
			if (ftruncate(d->trunc_fd, d->trunc_to))
				d->err = errno;
			d->truncated = true;
		}
	}
	return NULL;
}

/*
 * sendfile() of a file that is truncated between two calls: the peer
 * reads exactly the bytes sendfile counted, they are the file's, and the
 * stream ends cleanly.
 */
TEST_F(dp, sendfile_truncated_between_calls)
{
	const size_t len = 4 << 20, keep = 64 * 4096;
	char *want = malloc(len), *in = malloc(len);
	int fd = memfd_create("tlsk-dp-trunc", 0);
	struct drain d = { .fd = self->s, .buf = in, .size = len,
			   .trunc_fd = -1 };
	size_t sent = 0;
	bool truncated = false;
	pthread_t th;
	ssize_t n;

	ASSERT_TRUE(want && in);
	ASSERT_GE(fd, 0);
	fill_pattern(want, len, 28);
	ASSERT_EQ(pwrite(fd, want, len, 0), len);
	ASSERT_EQ(pthread_create(&th, NULL, drain, &d), 0);
	for (;;) {
		off_t off = sent;

		/* Bounded chunks, so the truncation lands between or in one. */
		n = sendfile(self->c, fd, &off, 3 * REC + 5);
		if (n <= 0)
			break;
		sent += n;
		if (!truncated && sent >= keep / 2) {
			ASSERT_EQ(ftruncate(fd, keep), 0);
			truncated = true;
		}
	}
	EXPECT_EQ(n, 0);
	EXPECT_TRUE(truncated);
	EXPECT_EQ(sent, keep);
	ASSERT_EQ(shutdown(self->c, SHUT_WR), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(d.err, 0);
	EXPECT_EQ(d.got, sent);
	EXPECT_EQ(memcmp(in, want, d.got), 0);
	close(fd);
	free(want);
	free(in);
}

/*
 * One sendfile() of a whole file that the reader truncates once it has
 * read a quarter of what will be left: whatever sendfile then counts, the
 * peer reads exactly that many bytes, and they are the file's.
 */
TEST_F(dp, sendfile_truncated_meanwhile)
{
	const size_t len = 4 << 20, keep = 256 * 4096;
	char *want = malloc(len), *in = malloc(len);
	int fd = memfd_create("tlsk-dp-trunc2", 0);
	struct drain d = { .fd = self->s, .buf = in, .size = len,
			   .trunc_fd = fd, .trunc_to = keep,
			   .trunc_at = keep / 4 };
	size_t sent = 0;
	pthread_t th;
	ssize_t n;

	ASSERT_TRUE(want && in);
	ASSERT_GE(fd, 0);
	fill_pattern(want, len, 29);
	ASSERT_EQ(pwrite(fd, want, len, 0), len);
	ASSERT_EQ(pthread_create(&th, NULL, drain, &d), 0);
	for (;;) {
		off_t off = sent;

		n = sendfile(self->c, fd, &off, len - sent);
		if (n <= 0)
			break;
		sent += n;
	}
	EXPECT_EQ(n, 0);
	EXPECT_LE(sent, len);
	ASSERT_EQ(shutdown(self->c, SHUT_WR), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_TRUE(d.truncated);
	EXPECT_EQ(d.err, 0);
	EXPECT_EQ(d.got, sent);
	EXPECT_EQ(memcmp(in, want, d.got), 0);
	close(fd);
	free(want);
	free(in);
}

/*
 * Long writes after writes of odd lengths, read back by another thread
 * while they go: records land at every offset of TX's page fragment, so
 * many start at the end of one fragment and go on in the next (while TCP
 * still holds the first), on the copying path and the direct one.
 */
TEST_F(dp, long_writes_across_fragments)
{
	static const size_t leads[] = { 1, 700, 2047, 2048, 5000, 12000,
					16000, 16383, 16384, 16385 };
	const size_t big = 16 * REC;
	size_t total = 0, i, off = 0;
	struct drain d = { .fd = self->s, .trunc_fd = -1 };
	char *want, *in;
	pthread_t th;

	for (i = 0; i < ARRAY_SIZE(leads); i++)
		total += leads[i] + big;
	want = malloc(total);
	in = malloc(total);
	ASSERT_TRUE(want && in);
	fill_pattern(want, total, 29);
	d.buf = in;
	d.size = total;
	ASSERT_EQ(pthread_create(&th, NULL, drain, &d), 0);
	for (i = 0; i < ARRAY_SIZE(leads); i++) {
		ASSERT_EQ(write_full(self->c, want + off, leads[i]),
			  (ssize_t)leads[i]);
		off += leads[i];
		ASSERT_EQ(write_full(self->c, want + off, big), (ssize_t)big);
		off += big;
	}
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(d.err, 0);
	ASSERT_EQ(d.got, total);
	EXPECT_EQ(memcmp(in, want, total), 0);
	free(want);
	free(in);
}

/*
 * Records of a page or more are placed in TX's page fragment with their
 * payload at the offset their plaintext has in its page, past bytes left
 * unused, which must never reach the wire. Writes from every kind of
 * offset in a page (whole records sealed from the writer's pages, and
 * the rest of a call copied first), short writes between them, and
 * sendfile() from odd file offsets; read back by another thread.
 */
TEST_F(dp, records_from_any_page_offset)
{
	static const size_t offs[] = { 0, 1, 5, 13, 15, 16, 17, 100, 2048,
				       4000, 4083, 4091, 4095 };
	const size_t span = 3 * REC + 4096;
	size_t total = 0, at = 0, i, len;
	struct drain d = { .fd = self->s, .trunc_fd = -1 };
	char *src = aligned_alloc(4096, span + 4096);
	int fd = memfd_create("tlsk-dp-offsets", 0);
	char *want, *in;
	pthread_t th;
	off_t off;

	ASSERT_TRUE(src != NULL);
	ASSERT_GE(fd, 0);
	fill_pattern(src, span + 4096, 31);
	ASSERT_EQ(pwrite(fd, src, span + 4096, 0), (ssize_t)(span + 4096));
	for (i = 0; i < ARRAY_SIZE(offs); i++)
		total += (REC + i * 1531) + (1 + i * 37) + (REC + i * 997);
	want = malloc(total);
	in = malloc(total);
	ASSERT_TRUE(want && in);
	d.buf = in;
	d.size = total;
	ASSERT_EQ(pthread_create(&th, NULL, drain, &d), 0);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		len = REC + i * 1531;
		memcpy(want + at, src + offs[i], len);
		ASSERT_EQ(write_full(self->c, src + offs[i], len), (ssize_t)len);
		at += len;
		len = 1 + i * 37;
		memcpy(want + at, src + 4096 - offs[i], len);
		ASSERT_EQ(write_full(self->c, src + 4096 - offs[i], len),
			  (ssize_t)len);
		at += len;
		len = REC + i * 997;
		off = offs[i];
		memcpy(want + at, src + off, len);
		ASSERT_EQ(sendfile(self->c, fd, &off, len), (ssize_t)len);
		at += len;
	}
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(d.err, 0);
	ASSERT_EQ(d.got, total);
	EXPECT_EQ(memcmp(in, want, total), 0);
	close(fd);
	free(want);
	free(in);
	free(src);
}

/*
 * Moves the n pieces of iov into the socket through a pipe: vmsplice()
 * makes each piece a pipe buffer of its own (write() would merge them),
 * splice() hands them to the socket buffer by buffer, the last with
 * SPLICE_F_MORE only if more is set. Returns the bytes moved, or -1.
 */
static ssize_t splice_pieces(int sock, const int p[2], struct iovec *iov,
			     int n, bool more)
{
	ssize_t total = 0;

	while (n) {
		ssize_t in = vmsplice(p[1], iov, n, 0), out;

		if (in <= 0)
			return -1;
		total += in;
		/* Whole pieces went in, then maybe part of one. */
		while (n && (size_t)in >= iov->iov_len) {
			in -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + in;
			iov->iov_len -= in;
		}
		/* Empty the pipe into the socket. */
		for (;;) {
			int queued;

			if (ioctl(p[0], FIONREAD, &queued) || queued < 0)
				return -1;
			if (!queued)
				break;
			out = splice(p[0], NULL, sock, NULL, queued,
				     more || n ? SPLICE_F_MORE : 0);
			if (out <= 0)
				return -1;
		}
	}
	return total;
}

/*
 * Records gathered from a splice's pages: many small pieces (more than a
 * record holds by reference, so it goes on as a copy), a write() with and
 * without MSG_MORE adding to such a record, sendfile() from an odd offset,
 * a control record ending a record of pages. The peer reads every byte in
 * order, then the control record with its type.
 */
TEST_F(dp, splice_pieces_and_writes)
{
	enum { ROUNDS = 6, PIECES = 40 };
	const size_t len = 6 * REC;
	char *src = malloc(len), *want = malloc(8 * len), *in = malloc(8 * len);
	int fd = memfd_create("tlsk-dp-splice", 0);
	struct drain d = { .fd = self->s, .trunc_fd = -1 };
	struct iovec iov[PIECES];
	size_t total = 0, i;
	int p[2], r, k;
	uint8_t type;
	off_t off = 1;
	pthread_t th;
	char alert[2];

	ASSERT_TRUE(src && want && in);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pipe(p), 0);
	fill_pattern(src, len, 30);
	ASSERT_EQ(pwrite(fd, src, len, 0), len);

	/* What the peer must read, in the order it is sent below. */
	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < PIECES; k++) {
			i = r * PIECES + k;
			memcpy(want + total, src + i * 1013 % (len - 512),
			       1 + i * 97 % 509);
			total += 1 + i * 97 % 509;
		}
		memcpy(want + total, src + r * 3001, 300 + r * 1000);
		total += 300 + r * 1000;
	}
	memcpy(want + total, src + 1, 3 * REC + 5);
	total += 3 * REC + 5;
	d.buf = in;
	d.size = total;
	ASSERT_EQ(pthread_create(&th, NULL, drain, &d), 0);

	for (r = 0; r < ROUNDS; r++) {
		size_t sum = 0;

		for (k = 0; k < PIECES; k++) {
			i = r * PIECES + k;
			iov[k].iov_base = src + i * 1013 % (len - 512);
			iov[k].iov_len = 1 + i * 97 % 509;
			sum += iov[k].iov_len;
		}
		/* Round 3's record stays open for the next round's pieces. */
		ASSERT_EQ(splice_pieces(self->c, p, iov, PIECES, true),
			  (ssize_t)sum);
		ASSERT_EQ(send(self->c, src + r * 3001, 300 + r * 1000,
			       r == 3 ? MSG_MORE : 0),
			  (ssize_t)(300 + r * 1000));
	}
	ASSERT_EQ(sendfile(self->c, fd, &off, 3 * REC + 5),
		  (ssize_t)(3 * REC + 5));
	/* An open record of pages, then a control record. */
	iov[0].iov_base = src;
	iov[0].iov_len = 5000;
	ASSERT_EQ(splice_pieces(self->c, p, iov, 1, true), 5000);
	ASSERT_EQ(send_record_type(self->c, ALERT, "\x01\x00", 2), 2);

	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(d.err, 0);
	ASSERT_EQ(d.got, total);
	EXPECT_EQ(memcmp(in, want, total), 0);
	ASSERT_EQ(read_full(self->s, in, 5000), 5000);
	EXPECT_EQ(memcmp(in, src, 5000), 0);
	ASSERT_EQ(recv_record_type(self->s, alert, sizeof(alert), &type, 0),
		  2);
	EXPECT_EQ(type, ALERT);
	EXPECT_EQ(memcmp(alert, "\x01\x00", 2), 0);
	close(p[0]);
	close(p[1]);
	close(fd);
	free(src);
	free(want);
	free(in);
}

/*
 * A splice's records wait for the pages that follow before TCP pushes
 * them; what ends the splice must send them all, the reader waiting for
 * nothing else (SO_RCVTIMEO turns a byte held back into a failure):
 *  - sendfile() asked for more than the file has, the last record full:
 *    the splice ends at EOF with "more" set, and splice_eof sends it;
 *  - splice() with SPLICE_F_MORE that ends on a record boundary, then a
 *    splice without it;
 *  - a long sendfile() into a small send buffer, read slowly.
 */
TEST_F_TIMEOUT(dp, splice_batches_are_flushed, 300)
{
	const size_t len = 512 * 1024;
	struct timeval tv = { .tv_sec = 20 };
	char *want = malloc(len), *in = malloc(len);
	int fd = memfd_create("tlsk-dp-batch", 0);
	struct drain d = { .fd = self->s, .buf = in, .size = len,
			   .trunc_fd = -1, .max_read = 3000, .pause_us = 200 };
	int small = 4096, p[2];
	pthread_t th;
	off_t off = 0;
	size_t sent;
	ssize_t n;

	ASSERT_TRUE(want && in);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pipe(p), 0);
	fill_pattern(want, len, 31);
	ASSERT_EQ(setsockopt(self->s, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)), 0);

	/* Two whole records' worth, asked for with room to spare. */
	ASSERT_EQ(pwrite(fd, want, 2 * REC, 0), 2 * REC);
	ASSERT_EQ(sendfile(self->c, fd, &off, 4 * REC), 2 * REC);
	ASSERT_EQ(read_full(self->s, in, 2 * REC), 2 * REC);
	EXPECT_EQ(memcmp(in, want, 2 * REC), 0);

	/* A record boundary with SPLICE_F_MORE, then the end. */
	ASSERT_EQ(write(p[1], want, REC), REC);
	ASSERT_EQ(splice(p[0], NULL, self->c, NULL, REC, SPLICE_F_MORE), REC);
	ASSERT_EQ(write(p[1], want + REC, 100), 100);
	ASSERT_EQ(splice(p[0], NULL, self->c, NULL, 100, 0), 100);
	ASSERT_EQ(read_full(self->s, in, REC + 100), REC + 100);
	EXPECT_EQ(memcmp(in, want, REC + 100), 0);

	/* A small send buffer, a slow reader. */
	ASSERT_EQ(pwrite(fd, want, len, 0), len);
	ASSERT_EQ(setsockopt(self->c, SOL_SOCKET, SO_SNDBUF, &small,
			     sizeof(small)), 0);
	ASSERT_EQ(pthread_create(&th, NULL, drain, &d), 0);
	for (sent = 0, off = 0; sent < len; sent += n) {
		n = sendfile(self->c, fd, &off, len - sent);
		if (n <= 0)
			break;
	}
	EXPECT_EQ(sent, len);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(d.err, 0);
	ASSERT_EQ(d.got, len);
	EXPECT_EQ(memcmp(in, want, len), 0);
	close(p[0]);
	close(p[1]);
	close(fd);
	free(want);
	free(in);
}

/*
 * A splice() with SPLICE_F_MORE that fills a record exactly, and no call
 * after it: the sealed record goes out without waiting for a send that
 * may never come, as kTLS sends a whole record at once (a sendfile() cut
 * short by a file truncated meanwhile ends so, without splice_eof). What
 * such a splice leaves of a record waits, as MSG_MORE's tail does, for
 * the next send.
 */
TEST_F(dp, splice_more_sends_whole_records)
{
	struct timeval tv = { .tv_sec = 10 };
	char *want = malloc(REC + 100), *in = malloc(REC + 100);
	struct pollfd pfd = { .fd = self->s, .events = POLLIN };
	int p[2];

	ASSERT_TRUE(want && in);
	ASSERT_EQ(pipe(p), 0);
	fill_pattern(want, REC + 100, 37);
	ASSERT_EQ(setsockopt(self->s, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)), 0);
	ASSERT_EQ(write(p[1], want, REC), REC);
	ASSERT_EQ(splice(p[0], NULL, self->c, NULL, REC, SPLICE_F_MORE), REC);
	ASSERT_EQ(read_full(self->s, in, REC), REC);
	EXPECT_EQ(memcmp(in, want, REC), 0);

	ASSERT_EQ(write(p[1], want + REC, 100), 100);
	ASSERT_EQ(splice(p[0], NULL, self->c, NULL, 100, SPLICE_F_MORE), 100);
	EXPECT_EQ(poll(&pfd, 1, 500), 0);
	ASSERT_EQ(send(self->c, NULL, 0, 0), 0);
	ASSERT_EQ(read_full(self->s, in + REC, 100), 100);
	EXPECT_EQ(memcmp(in + REC, want + REC, 100), 0);
	close(p[0]);
	close(p[1]);
	free(want);
	free(in);
}

/*
 * Writes with MSG_MORE, whose full records TCP takes corked, into a small
 * send buffer read slowly: the writer never waits for send space with a
 * corked tail nobody would push (a hang, on loopback), and the write
 * without MSG_MORE that ends the run gets every byte out.
 */
TEST_F_TIMEOUT(dp, more_writes_into_small_buffer, 300)
{
	const size_t len = 256 * 1024, piece = 1000;
	struct timeval tv = { .tv_sec = 20 };
	char *want = malloc(len), *in = malloc(len);
	struct drain d = { .fd = self->s, .buf = in, .size = len,
			   .trunc_fd = -1, .max_read = 3000, .pause_us = 200 };
	int small = 4096;
	size_t off;
	pthread_t th;

	ASSERT_TRUE(want && in);
	fill_pattern(want, len, 32);
	ASSERT_EQ(setsockopt(self->s, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)), 0);
	ASSERT_EQ(setsockopt(self->c, SOL_SOCKET, SO_SNDBUF, &small,
			     sizeof(small)), 0);
	ASSERT_EQ(pthread_create(&th, NULL, drain, &d), 0);
	for (off = 0; off + piece < len; off += piece)
		ASSERT_EQ(send(self->c, want + off, piece, MSG_MORE),
			  (ssize_t)piece);
	/* The rest without MSG_MORE ends the run. */
	ASSERT_EQ(send(self->c, want + off, len - off, 0),
		  (ssize_t)(len - off));
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(d.err, 0);
	ASSERT_EQ(d.got, len);
	EXPECT_EQ(memcmp(in, want, len), 0);

	/* A whole record with MSG_MORE, then an empty send ends the run. */
	ASSERT_EQ(send(self->c, want, REC, MSG_MORE), REC);
	ASSERT_EQ(send(self->c, want + REC, 10, MSG_MORE), 10);
	ASSERT_EQ(send(self->c, NULL, 0, 0), 0);
	ASSERT_EQ(read_full(self->s, in, REC + 10), REC + 10);
	EXPECT_EQ(memcmp(in, want, REC + 10), 0);
	free(want);
	free(in);
}

/*
 * A whole record waits in TCP's queue until it is read: SIOCINQ counts
 * its bytes beyond the header and explicit nonce tlsk took, as it counts
 * a record in-tree kTLS leaves there. Reading opens it from TCP's skbs
 * (the queue is then empty); so does a peek, which opens it the ordinary
 * way.
 */
TEST_F(dp, whole_record_waits_in_tcp)
{
	char *want = malloc(2 * REC), *in = malloc(2 * REC);
	int inq = -1;

	ASSERT_TRUE(want && in);
	fill_pattern(want, 2 * REC, 30);
	ASSERT_EQ(write_full(self->c, want, REC), REC);
	ASSERT_TRUE(poll_readable(self->s, 5000));
	ASSERT_EQ(ioctl(self->s, SIOCINQ, &inq), 0);
	/* Body beyond the nonce: REC, the tag, a TLS 1.3 type byte. */
	EXPECT_GE(inq, REC + 16);
	EXPECT_LE(inq, REC + 16 + 1);
	ASSERT_EQ(recv(self->s, in, REC, 0), REC);
	ASSERT_EQ(ioctl(self->s, SIOCINQ, &inq), 0);
	EXPECT_EQ(inq, 0);
	EXPECT_EQ(memcmp(in, want, REC), 0);

	ASSERT_EQ(write_full(self->c, want + REC, REC), REC);
	ASSERT_TRUE(poll_readable(self->s, 5000));
	ASSERT_EQ(recv(self->s, in, 10, MSG_PEEK), 10);
	ASSERT_EQ(ioctl(self->s, SIOCINQ, &inq), 0);
	EXPECT_EQ(inq, 0);
	ASSERT_EQ(recv(self->s, in, REC, MSG_WAITALL), REC);
	EXPECT_EQ(memcmp(in, want + REC, REC), 0);
	free(want);
	free(in);
}

/* Record lengths for the segment tests: around pages and a record. */
static const size_t seg_lens[] = { 1, 100, 4095, 4097, 9000, REC - 1, REC,
				   REC, 3, REC };

struct pieces {
	int fd;
	const char *buf;
	size_t len;
	size_t piece;
	ssize_t ret;
};

/*
 * Wire bytes sent in pieces of the asked size (the first four records of
 * seg_lens, 8293 bytes of plaintext, and the start of the fifth, which
 * thus comes in pieces of two sizes); the rest goes in pieces of at least
 * 1000 bytes. On the debug kernel under TCG a 1-byte segment takes a few
 * ms from write() to the reader: the whole stream so (some 83000
 * segments) outlived the test's timeout, and the fifth record's 9000
 * segments the reader's 20 s.
 */
#define SMALL_PIECES_SPAN	(12 * 1024)

/* Sends buf in pieces of piece bytes, each pushed on its own. */
static void *send_pieces(void *arg)
{
	struct pieces *p = arg;
	size_t put = 0;

	p->ret = 0;
	while (put < p->len) {
		size_t piece = put < SMALL_PIECES_SPAN || p->piece > 1000 ?
			       p->piece : 1000;
		size_t n = p->len - put < piece ? p->len - put : piece;

		if (write_full(p->fd, p->buf + put, n) != (ssize_t)n) {
			p->ret = -1;
			return NULL;
		}
		put += n;
	}
	p->ret = put;
	return NULL;
}

/*
 * The records of seg_lens as the wire carries them: sealed by a tlsk
 * client (client keys) and read raw by a plain TCP server. Returns the
 * plaintext in *plain (*plain_len bytes) and the ciphertext's length.
 */
static ssize_t sealed_stream(uint16_t version, uint16_t cipher, char **plain,
			     size_t *plain_len, char **wire)
{
	size_t len = 0, off = 0, got = 0, i;
	size_t cap = 0;
	int c = -1, s = -1;
	ssize_t n;

	for (i = 0; i < sizeof(seg_lens) / sizeof(seg_lens[0]); i++)
		len += seg_lens[i];
	cap = len + 64 * (sizeof(seg_lens) / sizeof(seg_lens[0]));
	*plain = malloc(len);
	*wire = malloc(cap);
	if (!*plain || !*wire)
		return -1;
	fill_pattern(*plain, len, 31);
	*plain_len = len;
	if (tls_pair(AF_INET, TLSK_ULP_NAME, NULL, version, cipher, &c, &s))
		return -1;
	for (i = 0; i < sizeof(seg_lens) / sizeof(seg_lens[0]); i++) {
		if (write_full(c, *plain + off, seg_lens[i]) !=
		    (ssize_t)seg_lens[i])
			goto fail;
		off += seg_lens[i];
	}
	if (shutdown(c, SHUT_WR))
		goto fail;
	while ((n = recv(s, *wire + got, cap - got, 0)) > 0)
		got += n;
	if (n < 0 || got == cap)
		goto fail;
	close(c);
	close(s);
	return got;
fail:
	close(c);
	close(s);
	return -1;
}

/*
 * Sends the sealed records to a tlsk reader in pieces of piece bytes, each
 * its own segment (TCP_NODELAY), while the reader sleeps, then reads them
 * back with buffers of read_len bytes. rcvbuf: the reader's SO_RCVBUF, or
 * 0 to leave it.
 */
static void pieces_read_back(struct __test_metadata *_metadata,
			     uint16_t version, uint16_t cipher, size_t piece,
			     size_t read_len, int rcvbuf)
{
	struct timeval tv = { .tv_sec = 60 };
	char *plain, *wire, *in;
	struct pieces p = { 0 };
	size_t plain_len, got = 0;
	int c, s, one = 1;
	pthread_t th;
	ssize_t wlen, n = 0;

	wlen = sealed_stream(version, cipher, &plain, &plain_len, &wire);
	ASSERT_GT(wlen, 0);
	in = malloc(plain_len);
	ASSERT_NE(in, NULL);
	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	if (rcvbuf)
		ASSERT_EQ(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				     sizeof(rcvbuf)), 0);
	ASSERT_EQ(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ASSERT_EQ(attach_ulp(s, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(s, TLS_RX, version, cipher, 1), 0);
	ASSERT_EQ(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)),
		  0);
	p.fd = c;
	p.buf = wire;
	p.len = wlen;
	p.piece = piece;
	ASSERT_EQ(pthread_create(&th, NULL, send_pieces, &p), 0);
	/* Let the pieces pile up in TCP's queue (or fill the window). */
	usleep(300 * 1000);
	while (got < plain_len) {
		size_t want = plain_len - got < read_len ? plain_len - got :
							   read_len;

		n = recv(s, in + got, want, 0);
		if (n <= 0)
			break;
		got += n;
	}
	EXPECT_EQ(got, plain_len) {
		int inq = -1;

		ioctl(s, SIOCINQ, &inq);
		TH_LOG("pieces of %zu, reads of %zu: recv gave %zd (%s) with %d bytes in TCP's queue",
		       piece, read_len, n, n < 0 ? strerror(errno) : "-",
		       inq);
	}
	EXPECT_EQ(memcmp(in, plain, got), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(p.ret, wlen);
	close(c);
	close(s);
	free(plain);
	free(wire);
	free(in);
}

/*
 * Records in segments of 1, 100 and 1000 bytes (the first 12 KiB of the
 * wire; the rest in 1000-byte segments): TCP coalesces them into skbs of
 * many fragments, so a record waits across skbs, sometimes in more pieces
 * than an open from TCP takes (it is copied then). Read with room for a
 * record (opened from TCP) and in short reads (the ordinary path).
 */
TEST_F_TIMEOUT(dp, records_in_small_segments, 300)
{
	static const size_t pieces[] = { 1000, 100, 1 };
	size_t i;

	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		pieces_read_back(_metadata, variant->version, variant->cipher,
				 pieces[i], 2 * REC, 0);
		pieces_read_back(_metadata, variant->version, variant->cipher,
				 pieces[i], 777, 0);
	}
}

/*
 * A receive buffer that holds little more than a record: with segments
 * of 100 bytes, each taking far more memory than its bytes, TCP's window
 * closes before a record is whole in its queue. tlsk must then move the
 * record's bytes out as they come, or nothing would ever open it (the read
 * times out).
 */
TEST_F_TIMEOUT(dp, records_into_small_rcvbuf, 300)
{
	pieces_read_back(_metadata, variant->version, variant->cipher, 100,
			 2 * REC, 3 * REC);
	pieces_read_back(_metadata, variant->version, variant->cipher, 1000,
			 2 * REC, 3 * REC);
}

TEST_HARNESS_MAIN
