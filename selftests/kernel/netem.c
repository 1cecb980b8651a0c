// SPDX-License-Identifier: GPL-2.0-only
/*
 * RX torture over a real, lossy link: two network namespaces joined by a
 * veth pair whose both ends run netem (loss, reordering, duplication,
 * delay) at MTU 576, and a client MSS between 88 and 536, so TCP cuts
 * records into small segments, loses and retransmits them.
 *
 *   ns A: sender --veth (netem)--> ns B: receiver (tlsk RX keys)
 *
 * The sender writes a stream of records of random size (1..16384) and
 * type (mostly data, some handshake and alert records via
 * TLS_SET_RECORD_TYPE):
 *
 *   intact   through a TX socket, tlsk or in-tree tls (chosen per run):
 *            every record must arrive, in order, with its bytes and type,
 *            then the end of the stream;
 *   corrupt  4 streams of raw records sealed by tlsk on a loopback pair
 *            inside ns A, one byte of a random record k flipped: records
 *            0..k-1 must arrive intact, then EBADMSG, and EBADMSG again
 *            (kTLS: sticky).
 *
 * After each stream /proc/net/tlsk_stat of both namespaces is back where
 * it was (TlsCurrRxSw, TlsCurrTxSw). The VM runner checks dmesg and that
 * tlsk.ko unloads.
 *
 * Environment, printed at the start:
 *   TLSK_NETEM_SEED     the plan's seed (default 1); netem's own randomness
 *                       is not seeded, so a seed replays the records, not
 *                       the losses
 *   TLSK_NETEM_RECORDS  records per test (default 1000; corrupt splits
 *                       them over its 4 streams)
 *   TLSK_NETEM_ONLY     run only tests whose "variant.test" name contains
 *                       this (the others are skipped)
 *   TLSK_NETEM_MAXLEN   the largest record of the plan (default and most
 *                       16384): half the records are 1..300 bytes, the
 *                       other half 1..this; a long run under TCG lowers it
 *
 * The link is made once, in main(), and deleted at exit. Its addresses
 * (192.0.2.0/24, TEST-NET-1) exist only inside the two namespaces.
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

#define ALERT		21
#define HANDSHAKE	22
#define DATA		23
#define MAXPLAIN	16384
#define MAXREC		(5 + MAXPLAIN + 256)
#define PORT		4433
#define DEFAULT_RECORDS	1000
#define ROUNDS		4
#define NETEM		"netem loss 2%% reorder 10%% 50%% duplicate 1%% delay 1ms"

static uint64_t seed = 1;
static unsigned long nrecords = DEFAULT_RECORDS;
static unsigned long maxplain = MAXPLAIN;

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* One record of the plan: a pure function of the run's seed and index. */
struct rec {
	size_t len;
	uint8_t type;
	unsigned int pattern;
};

static struct rec plan(uint64_t run, unsigned long i)
{
	uint64_t r = mix(run ^ mix(i));
	struct rec rec;

	/* Sizes spread over the whole range, with many small ones. */
	if (r & 1)
		rec.len = 1 + (r >> 8) % maxplain;
	else
		rec.len = 1 + (r >> 8) % 300;
	switch ((r >> 40) % 16) {
	case 0:
		rec.type = HANDSHAKE;
		break;
	case 1:
		rec.type = ALERT;
		break;
	default:
		rec.type = DATA;
	}
	/* A handshake record holds one whole message (a 4-byte header). */
	if (rec.type == HANDSHAKE && rec.len < 4)
		rec.len = 4;
	rec.pattern = (unsigned int)(r >> 24);
	return rec;
}

static void fill(const struct rec *rec, uint8_t *buf)
{
	size_t body = rec->len - 4;

	fill_pattern(buf, rec->len, rec->pattern);
	if (rec->type != HANDSHAKE)
		return;
	/*
	 * TLS 1.3 RX follows handshake messages across records and stops
	 * with EKEYEXPIRED after a KeyUpdate (type 24): random bytes would
	 * sooner or later look like one. So: one NewSessionTicket (4) per
	 * handshake record, its length field exactly the record's rest.
	 */
	buf[0] = 4;
	buf[1] = (uint8_t)(body >> 16);
	buf[2] = (uint8_t)(body >> 8);
	buf[3] = (uint8_t)body;
}

/* The link, made once in main() for all tests (ip and tc are slow in the VM). */
static struct {
	char a[32], b[32];	/* namespace names */
	int orig, fd_a, fd_b;	/* namespace fds: ours, A, B */
	int line;		/* where making it failed, or 0 */
	pid_t owner;
} link_ = { .orig = -1, .fd_a = -1, .fd_b = -1 };

FIXTURE(netem)
{
};

FIXTURE_VARIANT(netem)
{
	const char *name;
	uint16_t version;
	uint16_t cipher;
};

#define VARIANT(_name, _version, _cipher)		\
	FIXTURE_VARIANT_ADD(netem, _name)		\
	{						\
		.name = #_name,				\
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

/* Runs a shell command built from fmt; returns its exit status. */
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "# netem: '%s' failed (status %d)\n", cmd, st);
		return -1;
	}
	return 0;
}

static int open_ns(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The two namespaces, the veth pair and netem; returns 0 or a line. */
static int make_link(const char *a, const char *b)
{
	if (sh("ip netns add %s", a) || sh("ip netns add %s", b))
		return __LINE__;
	if (sh("ip -n %s link add va type veth peer name vb netns %s", a, b))
		return __LINE__;
	if (sh("ip -n %s addr add 192.0.2.1/24 dev va", a) ||
	    sh("ip -n %s addr add 192.0.2.2/24 dev vb", b))
		return __LINE__;
	if (sh("ip -n %s link set va mtu 576 up", a) ||
	    sh("ip -n %s link set vb mtu 576 up", b) ||
	    sh("ip -n %s link set lo up", a) ||
	    sh("ip -n %s link set lo up", b))
		return __LINE__;
	if (sh("ip netns exec %s tc qdisc add dev va root " NETEM, a) ||
	    sh("ip netns exec %s tc qdisc add dev vb root " NETEM, b))
		return __LINE__;
	return 0;
}

static void del_link(const char *a, const char *b)
{
	/* Deleting a namespace deletes its end of the veth pair. */
	sh("ip netns del %s 2>/dev/null || :", a);
	sh("ip netns del %s 2>/dev/null || :", b);
}

static void link_up(void)
{
	struct timespec t0, t1;

	link_.owner = getpid();
	snprintf(link_.a, sizeof(link_.a), "tlsk-netem-a%d", link_.owner);
	snprintf(link_.b, sizeof(link_.b), "tlsk-netem-b%d", link_.owner);
	link_.orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	link_.line = link_.orig < 0 ? __LINE__ : make_link(link_.a, link_.b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!link_.line) {
		link_.fd_a = open_ns(link_.a);
		link_.fd_b = open_ns(link_.b);
		if (link_.fd_a < 0 || link_.fd_b < 0)
			link_.line = __LINE__;
	}
	printf("# netem: link %s, %s set up in %.1f s%s\n", link_.a, link_.b,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       link_.line ? " FAILED" : "");
	fflush(stdout);
}

/* atexit: only the harness's own process, not a test's child, cleans up. */
static void link_down(void)
{
	if (getpid() == link_.owner)
		del_link(link_.a, link_.b);
}

FIXTURE_SETUP(netem)
{
	ASSERT_EQ(link_.line, 0) TH_LOG("setting up the link failed (netem.c line %d)",
					link_.line);
}

FIXTURE_TEARDOWN(netem)
{
}

/* A tlsk counter of the namespace behind ns_fd; the caller stays in back. */
static long stat_in(int ns_fd, int back, const char *name)
{
	long v;

	if (setns(ns_fd, CLONE_NEWNET))
		return -2;
	v = tlsk_stat(name);
	if (setns(back, CLONE_NEWNET))
		return -2;
	return v;
}

/* Shows that the link did lose and reorder: the sender's TCP counters. */
static void log_tcp(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return;
	printf("# sender: MSS %u, %u segments retransmitted, reordering %u\n",
	       ti.tcpi_snd_mss, ti.tcpi_total_retrans, ti.tcpi_reordering);
	fflush(stdout);
}

static ssize_t send_typed(int fd, uint8_t type, const void *buf, size_t len)
{
	if (type == DATA)
		return send(fd, buf, len, 0);
	return send_record_type(fd, type, buf, len);
}

/*
 * The connection: a listener in ns B, a client in ns A with a small MSS.
 * Leaves the caller in ns B. Returns 0 or a line number.
 */
static int connect_pair(int mss, int *cfd, int *sfd)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
	};
	int one = 1, l, c;

	if (setns(link_.fd_b, CLONE_NEWNET))
		return __LINE__;
	l = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "192.0.2.2", &sa.sin_addr);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1))
		return __LINE__;
	if (setns(link_.fd_a, CLONE_NEWNET))
		return __LINE__;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || setsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)))
		return __LINE__;
	/* A lost SYN costs a second; a few in a row are fine. */
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)))
		return __LINE__;
	*sfd = accept(l, NULL, NULL);
	close(l);
	if (*sfd < 0)
		return __LINE__;
	*cfd = c;
	return setns(link_.fd_b, CLONE_NEWNET) ? __LINE__ : 0;
}

/*
 * The sender's process (ns A). corrupt < 0: records through a TX socket
 * of ULP ulp. Otherwise raw records sealed by tlsk on a loopback pair
 * (pa, pb) in ns A, record corrupt damaged at byte offset flip. Returns an
 * exit status: 0, or the line of what failed.
 */
static int sender(int fd, int pa, int pb, const char *ulp, uint64_t run,
		  unsigned long n, uint16_t version, uint16_t cipher,
		  long corrupt, uint64_t flip)
{
	static uint8_t buf[MAXPLAIN], wire[MAXREC];
	unsigned long i;

	if (corrupt < 0 && (attach_ulp(fd, ulp) ||
			    set_keys(fd, TLS_TX, version, cipher, 1)))
		return __LINE__;
	if (corrupt >= 0 && corrupt + 4 < (long)n)
		n = corrupt + 4;
	for (i = 0; i < n; i++) {
		struct rec rec = plan(run, i);
		ssize_t len;

		fill(&rec, buf);
		if (corrupt < 0) {
			if (send_typed(fd, rec.type, buf, rec.len) !=
			    (ssize_t)rec.len)
				return __LINE__;
			continue;
		}
		if (send_typed(pa, rec.type, buf, rec.len) != (ssize_t)rec.len)
			return __LINE__;
		len = read_record(pb, wire, sizeof(wire));
		if (len <= 5)
			return __LINE__;
		if ((long)i == corrupt)
			wire[5 + flip % (len - 5)] ^= 1 << (flip >> 32) % 8;
		/* The receiver may be gone once it saw the bad record. */
		if (write_full(fd, wire, len) != len)
			return (long)i > corrupt ? 0 : __LINE__;
	}
	log_tcp(fd);
	return 0;
}

/*
 * The receiver: reads until error or end, checking every byte and type
 * against the plan. Returns 0 or a line; *recs and *off say how far it
 * got, *err the errno that ended it (0: end of stream).
 */
static int receive(int fd, uint64_t run, unsigned long n,
		   unsigned long *recs, size_t *off, int *err)
{
	static uint8_t buf[20000], want[MAXPLAIN];
	uint64_t r = mix(run + 7);
	unsigned long i = 0;
	struct rec rec = plan(run, 0);
	size_t at = 0;

	fill(&rec, want);
	*err = 0;
	for (;;) {
		size_t size = 1 + (r = mix(r)) % sizeof(buf), p = 0;
		uint8_t type;
		ssize_t got = recv_record_type(fd, buf, size, &type, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			*err = errno;
			break;
		}
		if (got == 0)
			break;
		while (p < (size_t)got) {
			size_t m;

			if (i >= n || type != rec.type)
				goto bad;
			m = rec.len - at;
			if (m > (size_t)got - p)
				m = got - p;
			if (memcmp(buf + p, want + at, m))
				goto bad;
			p += m;
			at += m;
			if (at == rec.len) {
				rec = plan(run, ++i);
				fill(&rec, want);
				at = 0;
			}
		}
	}
	*recs = i;
	*off = at;
	return 0;
bad:
	*recs = i;
	*off = at;
	return __LINE__;
}

/*
 * One connection carrying n records of plan run; bad < 0: intact, through
 * a TX socket of a ULP chosen by the plan; else raw, record bad damaged.
 */
static void stream(struct __test_metadata *_metadata,
		   const FIXTURE_VARIANT(netem) *variant, uint64_t r,
		   unsigned long n, long bad)
{
	int mss = 88 + mix(r + 1) % (536 - 88 + 1);
	const char *ulp = mix(r + 2) & 1 ? "tls" : TLSK_ULP_NAME;
	struct timeval tv = { .tv_sec = 120 };
	bool corrupt = bad >= 0, ended_ok;
	struct timespec t0, t1;
	long rx0, tx0, rx1, tx1;
	int c, s, pa = -1, pb = -1, line, err, status;
	unsigned long recs;
	char buf[16];
	size_t off;
	pid_t pid;

	TH_LOG("%lu records, MSS %d, %s%s, bad record %ld", n, mss,
	       corrupt ? "raw records sealed by " : "sender ",
	       corrupt ? TLSK_ULP_NAME : ulp, bad);
	rx0 = stat_in(link_.fd_b, link_.orig, "TlsCurrRxSw");
	tx0 = stat_in(link_.fd_a, link_.orig, "TlsCurrTxSw");
	ASSERT_GE(rx0, 0);
	ASSERT_GE(tx0, 0);

	line = connect_pair(mss, &c, &s);
	ASSERT_EQ(line, 0) TH_LOG("connect_pair: line %d, errno %d", line, errno);
	if (corrupt) {
		ASSERT_EQ(setns(link_.fd_a, CLONE_NEWNET), 0);
		ASSERT_EQ(tcp_pair(AF_INET, &pa, &pb), 0);
		ASSERT_EQ(attach_ulp(pa, TLSK_ULP_NAME), 0);
		ASSERT_EQ(set_keys(pa, TLS_TX, variant->version,
				   variant->cipher, 1), 0);
		ASSERT_EQ(setns(link_.fd_b, CLONE_NEWNET), 0);
	}
	ASSERT_EQ(attach_ulp(s, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(s, TLS_RX, variant->version, variant->cipher, 1), 0);
	/* A stall is a failure with a message, not a harness timeout. */
	ASSERT_EQ(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(s);
		_exit(sender(c, pa, pb, ulp, r, n, variant->version,
			     variant->cipher, bad, mix(r + 4)));
	}
	close(c);
	if (pa >= 0) {
		close(pa);
		close(pb);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	line = receive(s, r, n, &recs, &off, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%lu records read in %.1f s", recs,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ended_ok = !line && err == (corrupt ? EBADMSG : 0);
	if (!ended_ok)
		kill(pid, SIGKILL);
	EXPECT_EQ(line, 0)
		TH_LOG("record %lu offset %zu: wrong byte or type", recs, off);
	EXPECT_EQ(off, 0) TH_LOG("ended inside record %lu", recs);
	EXPECT_EQ(err, corrupt ? EBADMSG : 0)
		TH_LOG("errno %d after %lu records", err, recs);
	EXPECT_EQ(recs, corrupt ? (unsigned long)bad : n);
	if (corrupt && ended_ok) {
		/* Sticky: the stream never goes on. */
		EXPECT_EQ(recv(s, buf, sizeof(buf), MSG_DONTWAIT), -1);
		EXPECT_EQ(errno, EBADMSG);
	}
	close(s);

	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (ended_ok) {
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(WEXITSTATUS(status), 0)
			TH_LOG("sender failed at netem.c line %d",
			       WEXITSTATUS(status));
	}
	/* Every tlsk socket of both namespaces is gone. */
	rx1 = stat_in(link_.fd_b, link_.orig, "TlsCurrRxSw");
	tx1 = stat_in(link_.fd_a, link_.orig, "TlsCurrTxSw");
	EXPECT_EQ(rx1, rx0);
	EXPECT_EQ(tx1, tx0);
}

static void run(struct __test_metadata *_metadata,
		const FIXTURE_VARIANT(netem) *variant, bool corrupt)
{
	const char *only = getenv("TLSK_NETEM_ONLY");
	unsigned long n = corrupt ? (nrecords + ROUNDS - 1) / ROUNDS : nrecords;
	char name[64];
	int round;

	snprintf(name, sizeof(name), "%s.%s", variant->name, _metadata->name);
	if (only && *only && !strstr(name, only))
		SKIP(return, "not in TLSK_NETEM_ONLY=%s", only);
	TH_LOG("seed %llu", (unsigned long long)seed);
	/* Intact: one stream. Corrupt: ROUNDS streams, each cut short. */
	for (round = 0; round < (corrupt ? ROUNDS : 1); round++) {
		uint64_t r = mix(seed ^ (uint64_t)variant->version << 32 ^
				 (uint64_t)variant->cipher << 16 ^
				 corrupt << 8 ^ round);

		stream(_metadata, variant, r, n,
		       corrupt ? (long)(mix(r + 3) % n) : -1);
		if (!_metadata->passed)
			return;
	}
}

TEST_F(netem, intact)
{
	run(_metadata, variant, false);
}

TEST_F(netem, corrupt)
{
	run(_metadata, variant, true);
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	const char *s = getenv("TLSK_NETEM_SEED");
	const char *n = getenv("TLSK_NETEM_RECORDS");
	const char *m = getenv("TLSK_NETEM_MAXLEN");
	unsigned long timeout;

	if (s)
		seed = strtoull(s, NULL, 0);
	if (n)
		nrecords = strtoul(n, NULL, 0);
	if (!nrecords)
		nrecords = 1;
	if (m)
		maxplain = strtoul(m, NULL, 0);
	if (!maxplain || maxplain > MAXPLAIN)
		maxplain = MAXPLAIN;
	/*
	 * The harness's timeout is fixed at compile time; this one grows
	 * with the run: at least 5 records a second (the default run reads
	 * hundreds a second under TCG).
	 */
	timeout = 600 + nrecords / 5;
	if (timeout > INT_MAX)
		timeout = INT_MAX;
	_netem_intact_object.timeout = (int)timeout;
	_netem_corrupt_object.timeout = (int)timeout;
	printf("# netem: TLSK_NETEM_SEED=%llu TLSK_NETEM_RECORDS=%lu TLSK_NETEM_MAXLEN=%lu\n",
	       (unsigned long long)seed, nrecords, maxplain);
	link_up();
	atexit(link_down);
	return test_harness_run(argc, argv);
}
