// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk's per-socket memory is charged to the memory cgroup of the socket:
 * a process in a fresh cgroup opens 80 pairs of tlsk sockets with keys in
 * both directions and passes a short record each way, which the reader
 * peeks before it reads it, and the cgroup's memory.current grows by at
 * least the record buffers (5 pages a direction: TX gathers the short
 * record there; RX moves the record there to open it for the peek, as it
 * does in softirq when TCP needs the room, where only the socket's cgroup
 * says whom to charge).
 *
 * A reader that reads a whole record with room for it needs no RX buffer:
 * the record is opened from TCP's queue; nor does a writer of a whole
 * record (sealed from its pages), with AES-GCM, or with AES-CCM when it
 * promised with TLS_TX_ZEROCOPY_RO that its pages do not change meanwhile
 * (CCM, which reads them twice, copies otherwise): 80 pairs passing a
 * 16 KiB record each way that way grow memory.current by less than one
 * buffer a pair.
 *
 * Records opened for a peeking reader are charged too (below).
 *
 * Record buffers go back once a socket has been idle for 1-2 s: after 3 s
 * without traffic memory.current is down by at least as much again, with
 * the sockets still open and their keys installed (it was not before
 * 2026-12-06: the buffers lived as long as the keys).
 *
 * The guest has no cgroup2 mounted: the test mounts one on a directory
 * of its own under /tmp and removes it afterwards.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "util.h"

#define ROOT	"/tmp/tlsk-memcg"
#define GROUP	ROOT "/tlsk-test"
#define PAIRS	80
/*
 * memory.current moves in batches: each CPU keeps up to 64 pages charged
 * ahead (the charge stock), so allow that much for each of a few CPUs.
 */
#define SLACK	(4 * 64 * 4096L)

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

FIXTURE(memcg)
{
	bool mounted;
};

FIXTURE_SETUP(memcg)
{
	char pid[32];

	/* Debian's kernel has both cgroup2 and its memory controller. */
	mkdir(ROOT, 0700);
	self->mounted = !mount("none", ROOT, "cgroup2", 0, NULL);
	ASSERT_TRUE(self->mounted || errno == EBUSY);
	ASSERT_EQ(write_file(ROOT "/cgroup.subtree_control", "+memory"), 0);
	ASSERT_EQ(mkdir(GROUP, 0700) == 0 || errno == EEXIST, true);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(write_file(GROUP "/cgroup.procs", pid), 0);
}

FIXTURE_TEARDOWN(memcg)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file(ROOT "/cgroup.procs", pid);
	rmdir(GROUP);
	if (self->mounted)
		umount(ROOT);
	rmdir(ROOT);
}

/*
 * A record each way between c and s, which both run tlsk; each reader
 * peeks at it first, which opens it from the RX record buffer.
 */
static int exchange(int c, int s)
{
	char out[100], in[100];

	fill_pattern(out, sizeof(out), (unsigned int)c);
	if (write_full(c, out, sizeof(out)) != sizeof(out) ||
	    recv(s, in, 1, MSG_PEEK) != 1 ||
	    read_full(s, in, sizeof(in)) != sizeof(in) ||
	    memcmp(in, out, sizeof(in)) ||
	    write_full(s, out, sizeof(out)) != sizeof(out) ||
	    recv(c, in, 1, MSG_PEEK) != 1 ||
	    read_full(c, in, sizeof(in)) != sizeof(in) ||
	    memcmp(in, out, sizeof(in)))
		return -1;
	return 0;
}

TEST_F(memcg, record_buffers_are_charged_and_given_back)
{
	int c[PAIRS], s[PAIRS], i;
	long before, keyed, used, idle;
	/* Both ends of a pair: TX and RX buffers each. */
	const long bufs = 2 * 2 * 5 * 4096;

	before = read_long(GROUP "/memory.current");
	ASSERT_GE(before, 0);
	for (i = 0; i < PAIRS; i++)
		ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
				   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
				   &c[i], &s[i]), 0);
	keyed = read_long(GROUP "/memory.current");
	for (i = 0; i < PAIRS; i++)
		ASSERT_EQ(exchange(c[i], s[i]), 0);
	used = read_long(GROUP "/memory.current");
	sleep(3);
	idle = read_long(GROUP "/memory.current");
	TH_LOG("memory.current %ld -> %ld with keys -> %ld after a record each way -> %ld idle, %d pairs",
	       before, keyed, used, idle, PAIRS);
	EXPECT_GE(used - before, PAIRS * bufs - SLACK);
	EXPECT_GE(used - idle, PAIRS * bufs - SLACK);
	/* Still working after the buffers went. */
	for (i = 0; i < PAIRS; i++)
		EXPECT_EQ(exchange(c[i], s[i]), 0);
	for (i = 0; i < PAIRS; i++) {
		close(c[i]);
		close(s[i]);
	}
}

/*
 * A whole record each way, written in one call and read with room for
 * it. zc: TLS_TX_ZEROCOPY_RO on both ends first.
 */
static void whole_records(struct __test_metadata *_metadata, uint16_t cipher,
			  unsigned int zc)
{
	static char out[16384], in[16384];
	int c[PAIRS], s[PAIRS], i;
	long keyed, used;
	const long buf = 5 * 4096;

	fill_pattern(out, sizeof(out), cipher);
	for (i = 0; i < PAIRS; i++) {
		ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
				   TLS_1_3_VERSION, cipher, &c[i], &s[i]), 0);
		ASSERT_EQ(setsockopt(c[i], SOL_TLS, TLS_TX_ZEROCOPY_RO, &zc,
				     sizeof(zc)), 0);
		ASSERT_EQ(setsockopt(s[i], SOL_TLS, TLS_TX_ZEROCOPY_RO, &zc,
				     sizeof(zc)), 0);
	}
	keyed = read_long(GROUP "/memory.current");
	for (i = 0; i < PAIRS; i++) {
		ASSERT_EQ(write_full(c[i], out, sizeof(out)), sizeof(out));
		ASSERT_EQ(recv(s[i], in, sizeof(in), MSG_WAITALL), sizeof(in));
		ASSERT_EQ(memcmp(in, out, sizeof(in)), 0);
		ASSERT_EQ(write_full(s[i], out, sizeof(out)), sizeof(out));
		ASSERT_EQ(recv(c[i], in, sizeof(in), MSG_WAITALL), sizeof(in));
		ASSERT_EQ(memcmp(in, out, sizeof(in)), 0);
	}
	used = read_long(GROUP "/memory.current");
	TH_LOG("cipher %u zerocopy_ro %u: memory.current %ld with keys -> %ld after a whole record each way, %d pairs",
	       cipher, zc, keyed, used, PAIRS);
	/* Four buffers a pair on the paths that copy. */
	EXPECT_LT(used - keyed, PAIRS * buf);
	for (i = 0; i < PAIRS; i++) {
		close(c[i]);
		close(s[i]);
	}
}

TEST_F(memcg, whole_records_need_no_buffers)
{
	whole_records(_metadata, TLS_CIPHER_AES_GCM_128, 0);
	whole_records(_metadata, TLS_CIPHER_AES_CCM_128, 1);
}

/*
 * Records a peeking reader holds opened are charged to the cgroup too:
 * up to SO_RCVBUF of them per socket wait for the reader, the pages TCP's
 * queue held (and charged) before. PEEK_PAIRS pairs, PEEK_BYTES of 8 KiB
 * records into each, all peeked, so none is left in TCP's queue:
 * memory.current must keep at least 3/4 of the peeked plaintext. (Until 2026-12-07 the opened
 * records' pages were charged to no cgroup: memory.current fell.)
 */
#define PEEK_PAIRS	16
#define PEEK_BYTES	(192 * 1024)	/* opened, well under SO_RCVBUF */

TEST_F(memcg, peeked_records_are_charged)
{
	int c[PEEK_PAIRS], s[PEEK_PAIRS], i, big = 1 << 20;	/* capped by rmem_max */
	char *buf = malloc(PEEK_BYTES + 1);
	long before, peeked;
	size_t total = 0;

	ASSERT_TRUE(buf != NULL);
	fill_pattern(buf, PEEK_BYTES, 9);
	for (i = 0; i < PEEK_PAIRS; i++) {
		ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
				   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
				   &c[i], &s[i]), 0);
		ASSERT_EQ(setsockopt(s[i], SOL_SOCKET, SO_RCVBUF, &big,
				     sizeof(big)), 0);
	}
	before = read_long(GROUP "/memory.current");
	for (i = 0; i < PEEK_PAIRS; i++)
		for (size_t off = 0; off < PEEK_BYTES; off += 8192)
			ASSERT_EQ(write_full(c[i], buf + off, 8192), 8192);
	for (i = 0; i < PEEK_PAIRS; i++) {
		ssize_t n = 0, last = -1;

		/* Until a peek sees no more than the last one (20 x 50 ms). */
		for (int tries = 0; tries < 20 && n < PEEK_BYTES; tries++) {
			n = recv(s[i], buf, PEEK_BYTES + 1,
				 MSG_PEEK | MSG_DONTWAIT);
			if (n == last && n > 0)
				break;
			last = n;
			usleep(50000);
		}
		EXPECT_EQ(n, PEEK_BYTES);
		total += n > 0 ? (size_t)n : 0;
	}
	peeked = read_long(GROUP "/memory.current");
	TH_LOG("memory.current %ld -> %ld with %zu bytes peeked in %d sockets",
	       before, peeked, total, PEEK_PAIRS);
	EXPECT_GE(peeked - before, (long)(total / 4 * 3) - SLACK);
	for (i = 0; i < PEEK_PAIRS; i++) {
		close(c[i]);
		close(s[i]);
	}
	free(buf);
}

TEST_HARNESS_MAIN
