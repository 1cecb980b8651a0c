// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation failures in tlsk.ko's setsockopt, TX and RX paths, on the debug
 * kernel of `make check-debug` (failslab and fail_page_alloc).
 *
 * sweep_*: for n = 1, 2, ... the n-th allocation of one operation fails
 * (/proc/thread-self/fail-nth) until the operation needs fewer than n; the
 * operation then succeeds or fails with ENOMEM/ENOBUFS, and the socket
 * stays sound: a failed setsockopt changed nothing (the retry succeeds and
 * records go both ways), bytes reported sent or received are the right
 * bytes. random_*: the brief's way, failslab/fail_page_alloc with a
 * probability for this task only (task-filter and make-it-fail) over whole
 * attach-keys-send-receive sequences. Leaks, KASAN reports and lockdep
 * splats are the VM runner's to catch (kmemleak, dmesg).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "../kernel/util.h"

#define DBG "/sys/kernel/debug/"
#define LEN 20000	/* two records */
#define MAX_NTH 2000	/* no operation allocates that often */
#define RANDOM_ROUNDS 150

enum op { OP_ATTACH, OP_TX_KEY, OP_RX_KEY, OP_SEND, OP_RECV };

static const char *const op_name[] = {
	"attach", "TLS_TX", "TLS_RX", "send", "recv",
};

static const struct suite {
	uint16_t version, cipher;
	const char *name;
} suites[] = {
	{ TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, "1.3 AES-GCM-128" },
	{ TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256, "1.2 AES-GCM-256" },
	{ TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128, "1.2 AES-CCM-128" },
	{ TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305, "1.3 ChaCha20-Poly1305" },
};

static uint8_t out_buf[LEN], in_buf[LEN];
static const int one = 1;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * Both fault attributes fail nothing by themselves (probability 0) and
 * stay quiet (a forced failure logs a call trace otherwise, which the VM
 * runner counts as a kernel warning); sleeping and order-0 allocations are
 * candidates too, which the defaults exclude.
 */
static int setup_attrs(int probability)
{
	static const char *const attrs[] = { DBG "failslab/", DBG "fail_page_alloc/" };
	char path[128], prob[16];
	size_t i;

	snprintf(prob, sizeof(prob), "%d", probability);
	for (i = 0; i < 2; i++) {
		const char *set[][2] = {
			{ "verbose", "0" }, { "ignore-gfp-wait", "N" },
			{ "interval", "1" }, { "times", "-1" }, { "space", "0" },
			{ "task-filter", "Y" }, { "probability", prob },
		};
		size_t j;

		for (j = 0; j < sizeof(set) / sizeof(set[0]); j++) {
			snprintf(path, sizeof(path), "%s%s", attrs[i], set[j][0]);
			if (write_file(path, set[j][1]))
				return -1;
		}
	}
	if (write_file(DBG "fail_page_alloc/min-order", "0") ||
	    write_file(DBG "fail_page_alloc/ignore-gfp-highmem", "N"))
		return -1;
	return 0;
}

/* fail-nth, opened once: opening it would allocate inside the window. */
static int nth_fd = -1;

static void arm_nth(int n)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", n);
	if (pwrite(nth_fd, v, strlen(v), 0) < 0)
		abort();
}

/* Disarms; true when the n-th allocation did fail (the count ran out). */
static bool disarm_nth(void)
{
	char v[16] = "";

	if (pread(nth_fd, v, sizeof(v) - 1, 0) < 0)
		abort();
	if (pwrite(nth_fd, "0", 1, 0) < 0)
		abort();
	return atoi(v) == 0;
}

static bool clean_errno(int err)
{
	return err == ENOMEM || err == ENOBUFS;
}

/* The client's setup up to (not including) op; the server is complete. */
static int pair_upto(const struct suite *su, enum op op, int *c, int *s)
{
	struct timeval tv = { .tv_sec = 20 };

	if (tcp_pair(AF_INET, c, s))
		return -1;
	/* Guards against a hang, not timing assertions. */
	setsockopt(*c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(*s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(*c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(*s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (attach_ulp(*s, TLSK_ULP_NAME) ||
	    set_keys(*s, TLS_TX, su->version, su->cipher, 2) ||
	    set_keys(*s, TLS_RX, su->version, su->cipher, 1))
		return -1;
	if (op > OP_ATTACH && attach_ulp(*c, TLSK_ULP_NAME))
		return -1;
	if (op > OP_TX_KEY && set_keys(*c, TLS_TX, su->version, su->cipher, 1))
		return -1;
	if (op > OP_RX_KEY && set_keys(*c, TLS_RX, su->version, su->cipher, 2))
		return -1;
	/* A receiver that stops RX says why (see after_recv_failure()). */
	if (op == OP_RECV && setsockopt(*c, SOL_TLS, TLSK_SEND_ALERTS, &one,
					sizeof(one)))
		return -1;
	return 0;
}

/*
 * A recv() failed with err for want of memory: either the record is still
 * there and the retry gets every byte, or RX stopped for good (the same
 * errno again), and then the peer got a fatal internal_error (RFC 8446
 * 6.2), not an alert that blames its records. NULL or what went wrong.
 */
static const char *after_recv_failure(int c, int s, int err)
{
	uint8_t alert[2], type;
	ssize_t n = recv(c, in_buf, LEN, MSG_WAITALL);

	if (n == LEN)
		return memcmp(in_buf, out_buf, LEN) ?
		       "the retry's bytes differ from those sent" : NULL;
	if (n >= 0)
		return "the retry got part of the bytes";
	if (errno != err)
		return "the retry failed with another errno";
	if (!poll_readable(s, 20000) ||
	    recv_record_type(s, alert, sizeof(alert), &type, 0) != 2 ||
	    type != 21)
		return "RX stopped, and the peer got no alert";
	if (alert[0] != 2 || alert[1] != 80)
		return "RX stopped, and the peer's alert is not internal_error";
	return NULL;
}

/* One operation on the client; bytes moved, 0, or -errno. */
static ssize_t do_op(const struct suite *su, enum op op, int c)
{
	ssize_t n;

	switch (op) {
	case OP_ATTACH:
		return attach_ulp(c, TLSK_ULP_NAME) ? -errno : 0;
	case OP_TX_KEY:
		return set_keys(c, TLS_TX, su->version, su->cipher, 1) ? -errno : 0;
	case OP_RX_KEY:
		return set_keys(c, TLS_RX, su->version, su->cipher, 2) ? -errno : 0;
	case OP_SEND:
		n = send(c, out_buf, LEN, MSG_NOSIGNAL);
		return n < 0 ? -errno : n;
	case OP_RECV:
		n = recv(c, in_buf, LEN, MSG_WAITALL);
		return n < 0 ? -errno : n;
	}
	return -EINVAL;
}

/* Records both ways with the setup complete; NULL or what went wrong. */
static const char *roundtrip(int c, int s)
{
	static uint8_t a[300], b[300];

	fill_pattern(a, sizeof(a), 5);
	if (write_full(c, a, sizeof(a)) != sizeof(a))
		return "client send";
	if (read_full(s, b, sizeof(b)) != sizeof(b) || memcmp(a, b, sizeof(a)))
		return "server receive";
	fill_pattern(a, sizeof(a), 6);
	if (write_full(s, a, sizeof(a)) != sizeof(a))
		return "server send";
	if (read_full(c, b, sizeof(b)) != sizeof(b) || memcmp(a, b, sizeof(a)))
		return "client receive";
	return NULL;
}

/*
 * The n-th allocation of op fails; returns 1 when it did and everything
 * checked out, 0 when op needed fewer than n allocations (the sweep is
 * over), -1 on a finding (logged).
 */
static int inject_once(struct __test_metadata *_metadata,
		       const struct suite *su, enum op op, int n)
{
	const char *bad = NULL;
	int c = -1, s = -1;
	bool injected;
	ssize_t r;

	if (pair_upto(su, op, &c, &s)) {
		TH_LOG("%s: setup failed: %s", su->name, strerror(errno));
		return -1;
	}
	if (op == OP_RECV &&
	    (write_full(s, out_buf, LEN) != LEN || !poll_readable(c, 20000))) {
		TH_LOG("%s: peer send failed", su->name);
		close_now(c);
		close_now(s);
		return -1;
	}

	arm_nth(n);
	r = do_op(su, op, c);
	injected = disarm_nth();

	if (r < 0 && (!injected || !clean_errno((int)-r))) {
		bad = "unexpected errno";
	} else if (op <= OP_RX_KEY) {
		/* A failed option changed nothing: it works the second time. */
		if (r < 0 && do_op(su, op, c) < 0)
			bad = "retry after the failure failed";
		else if ((op < OP_TX_KEY &&
			  set_keys(c, TLS_TX, su->version, su->cipher, 1)) ||
			 (op < OP_RX_KEY &&
			  set_keys(c, TLS_RX, su->version, su->cipher, 2)))
			bad = "completing the setup failed";
		else
			bad = roundtrip(c, s);
	} else if (op == OP_SEND && r > 0) {
		/* What send() said it sent arrives intact. */
		if (read_full(s, in_buf, r) != r || memcmp(in_buf, out_buf, r))
			bad = "the peer did not get the bytes sent";
	} else if (op == OP_RECV && r > 0) {
		if (memcmp(in_buf, out_buf, r))
			bad = "received bytes differ from those sent";
	} else if (op == OP_RECV && r < 0) {
		bad = after_recv_failure(c, s, (int)-r);
	}
	if (!injected && r != (op == OP_SEND || op == OP_RECV ? LEN : 0))
		bad = bad ? bad : "failed without an injected failure";
	if (bad)
		TH_LOG("%s: %s, allocation %d failed: result %zd (%s): %s",
		       su->name, op_name[op], n, r, r < 0 ? strerror((int)-r) : "",
		       bad);
	close_now(c);
	close_now(s);
	return bad ? -1 : injected;
}

static void sweep(struct __test_metadata *_metadata, enum op op)
{
	size_t i;
	int n, ret, findings = 0;

	ASSERT_EQ(setup_attrs(0), 0) {
		TH_LOG("no %sfailslab: this test needs the debug kernel (make check-debug)", DBG);
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_GE(nth_fd, 0);
	/* A page fault in the window would take the injected failure. */
	ASSERT_EQ(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
	fill_pattern(out_buf, LEN, 1);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		for (n = 1; n <= MAX_NTH; n++) {
			ret = inject_once(_metadata, &suites[i], op, n);
			if (ret < 0)
				findings++;
			if (ret == 0)
				break;
		}
		TH_LOG("%s: %s: %d allocation points failed one at a time",
		       suites[i].name, op_name[op], n - 1);
		EXPECT_LE(n, MAX_NTH);
	}
	close(nth_fd);
	EXPECT_EQ(findings, 0);
}

/*
 * Hundreds of connections each on a KASAN kernel under TCG: the harness's
 * 30 s default would kill a sound run. These limits only catch a hang.
 */
#define HANG_SEC 1800

FIXTURE(inj) {};
FIXTURE_SETUP(inj) {}
FIXTURE_TEARDOWN(inj) {}

TEST_F_TIMEOUT(inj, sweep_attach, HANG_SEC) { sweep(_metadata, OP_ATTACH); }
TEST_F_TIMEOUT(inj, sweep_tx_key, HANG_SEC) { sweep(_metadata, OP_TX_KEY); }
TEST_F_TIMEOUT(inj, sweep_rx_key, HANG_SEC) { sweep(_metadata, OP_RX_KEY); }
TEST_F_TIMEOUT(inj, sweep_send, HANG_SEC) { sweep(_metadata, OP_SEND); }
TEST_F_TIMEOUT(inj, sweep_recv, HANG_SEC) { sweep(_metadata, OP_RECV); }

/*
 * make-it-fail, opened once: with it on, the open() of switching it off
 * again could fail.
 */
static int mif_fd = -1;

static int make_it_fail(int on)
{
	return pwrite(mif_fd, on ? "1" : "0", 1, 0) == 1 ? 0 : -1;
}

/*
 * Whole connections with every allocation of this task failing at the
 * given percentage: each step either works or stops the sequence with a
 * clean errno.
 */
TEST_F_TIMEOUT(inj, random_sequences, HANG_SEC)
{
	int round, failed = 0, findings = 0;

	ASSERT_EQ(setup_attrs(10), 0);
	mif_fd = open("/proc/thread-self/make-it-fail", O_RDWR);
	ASSERT_GE(mif_fd, 0);
	ASSERT_EQ(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
	fill_pattern(out_buf, LEN, 1);
	for (round = 0; round < RANDOM_ROUNDS; round++) {
		const struct suite *su = &suites[round % 4];
		enum op op;
		ssize_t r = 0;
		int c, s;

		ASSERT_EQ(pair_upto(su, OP_ATTACH, &c, &s), 0);
		ASSERT_EQ(write_full(s, out_buf, LEN), LEN);
		ASSERT_EQ(make_it_fail(1), 0);
		for (op = OP_ATTACH; op <= OP_RECV; op++) {
			r = do_op(su, op, c);
			if (r < 0)
				break;
		}
		make_it_fail(0);
		if (r < 0) {
			failed++;
			if (!clean_errno((int)-r)) {
				findings++;
				TH_LOG("%s: %s failed with %s", su->name,
				       op_name[op], strerror((int)-r));
			}
		} else if (memcmp(in_buf, out_buf, r)) {
			findings++;
			TH_LOG("%s: received bytes differ", su->name);
		}
		close_now(c);
		close_now(s);
	}
	setup_attrs(0);
	close(mif_fd);
	TH_LOG("%d of %d sequences stopped at an injected failure", failed,
	       RANDOM_ROUNDS);
	EXPECT_EQ(findings, 0);
}

/*
 * A splice's record is sealed when its last piece comes. Its sealing
 * needs a page fragment (or, failing that, the record buffer), and the
 * first t page allocations of that call fail, t = 1, 2, ..., in a thread
 * of its own, whose task fragment is empty. When neither can be had the
 * record is lost, with bytes two earlier calls reported sent: the stream
 * must stay failed from then on. Before 2026-12-07 only sk_err said so,
 * which SO_ERROR (or a recv()) consumes; the next send then went out with
 * the next sequence number, and the peer read a stream with a hole it
 * could not see. Otherwise the peer gets every byte.
 */
#define PIECE 4096

struct seal_call {
	int c, p, times;
	ssize_t r;
};

static void *seal_thread(void *arg)
{
	struct seal_call *sc = arg;
	char t[16];
	int fd = open("/proc/thread-self/make-it-fail", O_RDWR);

	snprintf(t, sizeof(t), "%d", sc->times);
	if (fd < 0 || write_file(DBG "fail_page_alloc/times", t) ||
	    write_file(DBG "fail_page_alloc/probability", "100")) {
		sc->r = -EIO;
		return NULL;
	}
	if (pwrite(fd, "1", 1, 0) != 1)
		abort();
	sc->r = splice(sc->p, NULL, sc->c, NULL, PIECE, 0);
	if (sc->r < 0)
		sc->r = -errno;
	if (pwrite(fd, "0", 1, 0) != 1)
		abort();
	write_file(DBG "fail_page_alloc/probability", "0");
	close(fd);
	return NULL;
}

/* NULL or what went wrong; *lost: the call failed (the record was lost). */
static const char *splice_seal_once(const struct suite *su, int times,
				    bool *lost)
{
	struct seal_call sc = { .times = times };
	const char *bad = NULL;
	int c, s, p[2], err = 0;
	socklen_t len = sizeof(err);
	pthread_t th;
	ssize_t n;

	*lost = false;
	if (pair_upto(su, OP_SEND, &c, &s) || pipe(p) ||
	    write(p[1], out_buf, 3 * PIECE) != 3 * PIECE)
		return "setup";
	for (int i = 0; i < 2; i++)
		if (splice(p[0], NULL, c, NULL, PIECE, SPLICE_F_MORE) != PIECE)
			return "the first splices";
	sc.c = c;
	sc.p = p[0];
	if (pthread_create(&th, NULL, seal_thread, &sc) ||
	    pthread_join(th, NULL))
		return "thread";
	if (sc.r == PIECE) {
		if (read_full(s, in_buf, 3 * PIECE) != 3 * PIECE ||
		    memcmp(in_buf, out_buf, 3 * PIECE))
			bad = "the peer did not get the bytes spliced";
	} else if (sc.r < 0 && clean_errno((int)-sc.r)) {
		*lost = true;
		/* The error is read once; the stream stays failed. */
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
		if (send(c, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
			bad = "a send after the lost record went out";
		/* Whatever arrives is what was sent, from the start. */
		n = poll_readable(s, 1000) ?
		    recv(s, in_buf, 3 * PIECE, MSG_DONTWAIT) : 0;
		if (n > 0 && memcmp(in_buf, out_buf, n))
			bad = "the peer read bytes after a hole";
	} else {
		bad = "unexpected result";
	}
	close(p[0]);
	close(p[1]);
	close_now(c);
	close_now(s);
	return bad;
}

TEST_F_TIMEOUT(inj, splice_seal_without_memory, HANG_SEC)
{
	int findings = 0, lost_n = 0;

	ASSERT_EQ(setup_attrs(0), 0) {
		TH_LOG("no %sfailslab: this test needs the debug kernel (make check-debug)", DBG);
	}
	ASSERT_EQ(mlockall(MCL_CURRENT | MCL_FUTURE), 0);
	fill_pattern(out_buf, LEN, 1);
	for (size_t i = 0; i < 2; i++) {	/* the AES-GCM suites */
		for (int t = 1; t <= 8; t++) {
			bool lost;
			const char *bad = splice_seal_once(&suites[i], t, &lost);

			lost_n += lost;
			if (bad) {
				findings++;
				TH_LOG("%s: first %d page allocations of the sealing splice failed: %s",
				       suites[i].name, t, bad);
			}
		}
	}
	setup_attrs(0);
	write_file(DBG "fail_page_alloc/times", "-1");
	TH_LOG("%d calls lost their record for want of memory", lost_n);
	/* else the test did not reach what it is about */
	EXPECT_GT(lost_n, 0);
	EXPECT_EQ(findings, 0);
}

TEST_HARNESS_MAIN
