// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "tlsk" generic netlink family: counters against /proc/net/tlsk_stat,
 * the socket dump's contents after known traffic, uid filtering for
 * unprivileged callers, refused attributes (exact errnos, extack), the
 * events group (who may join, what an event says), and ss -tie's view of a
 * tlsk socket (the ULP's get_info).
 *
 * Without tlsk.ko the family does not resolve (ENOENT) and every test
 * fails in its setup.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "util.h"

#define UNPRIV_UID 4242

FIXTURE(nl) {
	struct genl nl;
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(genl_open(&self->nl), 0);
	ASSERT_NE(self->nl.events, 0);
}

FIXTURE_TEARDOWN(nl)
{
	genl_close(&self->nl);
}

/* ---- TLSK_CMD_STATS_GET ---- */

static const char *const stat_names[] = {
	[TLSK_A_STATS_CURR_TX_SW]		= "TlsCurrTxSw",
	[TLSK_A_STATS_CURR_RX_SW]		= "TlsCurrRxSw",
	[TLSK_A_STATS_TX_SW]			= "TlsTxSw",
	[TLSK_A_STATS_RX_SW]			= "TlsRxSw",
	[TLSK_A_STATS_DECRYPT_ERROR]		= "TlsDecryptError",
	[TLSK_A_STATS_RX_NO_PAD_VIOLATION]	= "TlsRxNoPadViolation",
	[TLSK_A_STATS_TX_RECORDS]		= "TlskTxRecords",
	[TLSK_A_STATS_RX_RECORDS]		= "TlskRxRecords",
	[TLSK_A_STATS_RX_BAD_RECORD]		= "TlskRxBadRecord",
	[TLSK_A_STATS_TX_REKEY_OK]		= "TlsTxRekeyOk",
	[TLSK_A_STATS_RX_REKEY_OK]		= "TlsRxRekeyOk",
	[TLSK_A_STATS_TX_REKEY_ERROR]		= "TlsTxRekeyError",
	[TLSK_A_STATS_RX_REKEY_ERROR]		= "TlsRxRekeyError",
	[TLSK_A_STATS_RX_REKEY_RECEIVED]	= "TlsRxRekeyReceived",
	[TLSK_A_STATS_RX_ALERT]			= "TlskRxAlert",
	[TLSK_A_STATS_SEQ_NEAR_LIMIT]		= "TlskSeqNearLimit",
	[TLSK_A_STATS_EVENTS_SUPPRESSED]	= "TlskEventsSuppressed",
};

struct stats {
	bool got;
	bool present[TLSK_A_STATS_MAX + 1];
	uint64_t v[TLSK_A_STATS_MAX + 1];
};

static void stats_reply(const struct nlattr **tb, void *arg)
{
	const struct nlattr *st[TLSK_A_STATS_MAX + 1];
	struct stats *s = arg;

	if (!tb[TLSK_A_STATS])
		return;
	s->got = true;
	nest_parse(st, TLSK_A_STATS_MAX, tb[TLSK_A_STATS]);
	for (int i = 1; i <= TLSK_A_STATS_MAX; i++) {
		s->present[i] = st[i];
		s->v[i] = attr_u64(st[i]);
	}
}

static int stats_get(struct genl *nl, struct stats *s)
{
	struct genl_msg m;

	memset(s, 0, sizeof(*s));
	msg_init(&m, nl->family, 0, TLSK_CMD_STATS_GET);
	return genl_transact(nl, &m, stats_reply, s);
}

TEST_F(nl, stats_match_proc)
{
	char buf[64];
	struct stats s;
	int c, s_fd;

	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &c, &s_fd), 0);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(send(c, "abcd", 4, 0), 4);
		ASSERT_EQ(recv(s_fd, buf, sizeof(buf), 0), 4);
	}
	ASSERT_EQ(stats_get(&self->nl, &s), 0);
	ASSERT_TRUE(s.got);
	for (int i = TLSK_A_STATS_CURR_TX_SW; i <= TLSK_A_STATS_MAX; i++) {
		if (i == TLSK_A_STATS_PAD)
			continue;
		EXPECT_TRUE(s.present[i]);
		EXPECT_EQ(s.v[i], (uint64_t)tlsk_stat(stat_names[i]))
			TH_LOG("%s", stat_names[i]);
	}
	EXPECT_GE(s.v[TLSK_A_STATS_CURR_TX_SW], 2);
	EXPECT_GE(s.v[TLSK_A_STATS_TX_RECORDS], 3);
	close(c);
	close(s_fd);
}

TEST_F(nl, stats_refuse_attributes)
{
	struct genl_msg m;
	uint32_t v = 1;
	size_t nest;

	/* An attribute of the family that STATS_GET does not take. */
	msg_init(&m, self->nl.family, 0, TLSK_CMD_STATS_GET);
	nest = msg_nest(&m, TLSK_A_SOCK);
	msg_nest_end(&m, nest);
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EINVAL);
	EXPECT_NE(self->nl.extack[0], 0);

	/* A type beyond TLSK_A_MAX. */
	msg_init(&m, self->nl.family, 0, TLSK_CMD_STATS_GET);
	msg_put(&m, TLSK_A_MAX + 1, &v, sizeof(v));
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EINVAL);
	EXPECT_NE(self->nl.extack[0], 0);

	/* STATS_GET is no dump, SOCK_GET no do. */
	msg_init(&m, self->nl.family, NLM_F_DUMP, TLSK_CMD_STATS_GET);
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EOPNOTSUPP);
	msg_init(&m, self->nl.family, 0, TLSK_CMD_SOCK_GET);
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EOPNOTSUPP);
}

/* ---- TLSK_CMD_SOCK_GET ---- */

static void check_addrs(struct __test_metadata *_metadata,
			const struct tlsk_sock *t, int fd)
{
	struct sockaddr_in local, peer;
	socklen_t len = sizeof(local);
	struct stat st;

	ASSERT_EQ(getsockname(fd, (struct sockaddr *)&local, &len), 0);
	len = sizeof(peer);
	ASSERT_EQ(getpeername(fd, (struct sockaddr *)&peer, &len), 0);
	EXPECT_EQ(t->family, AF_INET);
	EXPECT_EQ(t->addr_len, 4);
	EXPECT_EQ(memcmp(t->saddr, &local.sin_addr, 4), 0);
	EXPECT_EQ(memcmp(t->daddr, &peer.sin_addr, 4), 0);
	EXPECT_EQ(t->sport, ntohs(local.sin_port));
	EXPECT_EQ(t->dport, ntohs(peer.sin_port));
	ASSERT_EQ(fstat(fd, &st), 0);
	EXPECT_EQ(t->inode, st.st_ino);
	EXPECT_EQ(t->uid, getuid());
}

TEST_F(nl, dump_contents)
{
	static const size_t sizes[] = { 1, 100, 5000 };
	uint64_t ck_c, ck_s, total = 0;
	const struct tlsk_sock *tc, *ts;
	static struct sock_list l;
	char buf[8192];
	int c, s;

	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256, &c, &s), 0);
	for (size_t i = 0; i < 3; i++) {
		fill_pattern(buf, sizes[i], i);
		ASSERT_EQ(send(c, buf, sizes[i], 0), sizes[i]);
		ASSERT_EQ(read_full(s, buf, sizes[i]), sizes[i]);
		total += sizes[i];
	}
	ck_c = sock_cookie_of(c);
	ck_s = sock_cookie_of(s);
	ASSERT_NE(ck_c, 0);

	ASSERT_EQ(dump_socks(&self->nl, 0, 0, &l), 0);
	tc = find_sock(&l, ck_c);
	ts = find_sock(&l, ck_s);
	ASSERT_NE(tc, NULL);
	ASSERT_NE(ts, NULL);

	check_addrs(_metadata, tc, c);
	check_addrs(_metadata, ts, s);
	EXPECT_TRUE(tc->has_version);
	EXPECT_EQ(tc->version, TLS_1_3_VERSION);
	EXPECT_EQ(tc->cipher, TLS_CIPHER_AES_GCM_256);
	EXPECT_EQ(tc->error, 0);
	ASSERT_TRUE(tc->tx.present);
	ASSERT_TRUE(tc->rx.present);
	EXPECT_EQ(tc->tx.records, 3);
	EXPECT_EQ(tc->tx.bytes, total);
	/* set_keys() installs a seed-filled rec_seq: count from it. */
	EXPECT_EQ(tc->tx.seq, ts->rx.seq);
	EXPECT_EQ(tc->tx.keys, 1);
	EXPECT_EQ(tc->rx.records, 0);
	EXPECT_EQ(ts->rx.records, 3);
	EXPECT_EQ(ts->rx.bytes, total);
	EXPECT_EQ(ts->tx.records, 0);

	/* The cookie filter finds exactly that socket. */
	ASSERT_EQ(dump_socks(&self->nl, 0, ck_s, &l), 0);
	ASSERT_EQ(l.n, 1);
	EXPECT_EQ(l.s[0].cookie, ck_s);

	/* Closed sockets leave the dump. */
	close(c);
	close(s);
	ASSERT_EQ(dump_socks(&self->nl, 0, 0, &l), 0);
	EXPECT_EQ(find_sock(&l, ck_c), NULL);
	EXPECT_EQ(find_sock(&l, ck_s), NULL);
}

TEST_F(nl, dump_before_keys_and_family_filter)
{
	static struct sock_list l;
	const struct tlsk_sock *t;
	uint64_t ck4, ck6;
	int c4, s4, c6, s6;

	/* Attached, no keys yet: identity only. */
	ASSERT_EQ(tcp_pair(AF_INET, &c4, &s4), 0);
	ASSERT_EQ(attach_ulp(c4, TLSK_ULP_NAME), 0);
	ASSERT_EQ(tls_pair(AF_INET6, TLSK_ULP_NAME, NULL, TLS_1_2_VERSION,
			   TLS_CIPHER_CHACHA20_POLY1305, &c6, &s6), 0);
	ck4 = sock_cookie_of(c4);
	ck6 = sock_cookie_of(c6);

	ASSERT_EQ(dump_socks(&self->nl, AF_INET, 0, &l), 0);
	t = find_sock(&l, ck4);
	ASSERT_NE(t, NULL);
	EXPECT_FALSE(t->has_version);
	EXPECT_FALSE(t->tx.present);
	EXPECT_FALSE(t->rx.present);
	EXPECT_EQ(find_sock(&l, ck6), NULL);
	for (int i = 0; i < l.n; i++)
		EXPECT_EQ(l.s[i].family, AF_INET);

	ASSERT_EQ(dump_socks(&self->nl, AF_INET6, 0, &l), 0);
	EXPECT_EQ(find_sock(&l, ck4), NULL);
	t = find_sock(&l, ck6);
	ASSERT_NE(t, NULL);
	EXPECT_EQ(t->family, AF_INET6);
	EXPECT_EQ(t->addr_len, 16);
	EXPECT_EQ(memcmp(t->saddr, &in6addr_loopback, 16), 0);
	EXPECT_EQ(t->version, TLS_1_2_VERSION);
	EXPECT_EQ(t->cipher, TLS_CIPHER_CHACHA20_POLY1305);
	/* The plain TCP peer is no tlsk socket. */
	EXPECT_EQ(find_sock(&l, sock_cookie_of(s6)), NULL);
	close(c4);
	close(s4);
	close(c6);
	close(s6);
}

TEST_F(nl, dump_many_sockets)
{
	static struct sock_list l;
	int fds[2 * 40], found = 0;

	/* More than one dump message's worth of sockets. */
	for (int i = 0; i < 40; i++)
		ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
				   TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128,
				   &fds[2 * i], &fds[2 * i + 1]), 0);
	ASSERT_EQ(dump_socks(&self->nl, 0, 0, &l), 0);
	for (int i = 0; i < 80; i++)
		found += find_sock(&l, sock_cookie_of(fds[i])) != NULL;
	EXPECT_EQ(found, 80);
	for (int i = 0; i < 80; i++)
		close_now(fds[i]);
}

TEST_F(nl, dump_refuses_bad_filters)
{
	struct genl_msg m;
	uint32_t u32 = AF_INET;
	uint16_t u16 = AF_UNIX;
	size_t nest;

	/* A family other than AF_INET/AF_INET6: EINVAL, with a message. */
	msg_init(&m, self->nl.family, NLM_F_DUMP, TLSK_CMD_SOCK_GET);
	nest = msg_nest(&m, TLSK_A_SOCK);
	msg_put(&m, TLSK_A_SOCK_FAMILY, &u16, sizeof(u16));
	msg_nest_end(&m, nest);
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EINVAL);
	EXPECT_NE(strstr(self->nl.extack, "AF_INET"), NULL)
		TH_LOG("extack: '%s'", self->nl.extack);

	/* The family as a u32: wrong size. */
	msg_init(&m, self->nl.family, NLM_F_DUMP, TLSK_CMD_SOCK_GET);
	nest = msg_nest(&m, TLSK_A_SOCK);
	msg_put(&m, TLSK_A_SOCK_FAMILY, &u32, sizeof(u32));
	msg_nest_end(&m, nest);
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EINVAL);

	/* A socket attribute that is no filter. */
	msg_init(&m, self->nl.family, NLM_F_DUMP, TLSK_CMD_SOCK_GET);
	nest = msg_nest(&m, TLSK_A_SOCK);
	msg_put(&m, TLSK_A_SOCK_UID, &u32, sizeof(u32));
	msg_nest_end(&m, nest);
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EINVAL);
	EXPECT_NE(self->nl.extack[0], 0);

	/* Counters are no filter either. */
	msg_init(&m, self->nl.family, NLM_F_DUMP, TLSK_CMD_SOCK_GET);
	nest = msg_nest(&m, TLSK_A_STATS);
	msg_nest_end(&m, nest);
	EXPECT_EQ(genl_transact(&self->nl, &m, NULL, NULL), -EINVAL);
}

/*
 * An unprivileged process sees its own sockets only; root sees them too.
 * The child reports the line of a failed check as its exit status.
 */
static int unpriv_child(int to_parent, int from_parent)
{
	static struct sock_list l;
	struct stats st;
	uint64_t ck[2];
	struct genl nl;
	char go;
	int c, s;

	if (setgid(UNPRIV_UID) || setuid(UNPRIV_UID))
		return __LINE__;
	if (genl_open(&nl))
		return __LINE__;
	if (tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME, TLS_1_3_VERSION,
		     TLS_CIPHER_AES_GCM_128, &c, &s))
		return __LINE__;
	ck[0] = sock_cookie_of(c);
	ck[1] = sock_cookie_of(s);
	if (dump_socks(&nl, 0, 0, &l))
		return __LINE__;
	if (!find_sock(&l, ck[0]) || !find_sock(&l, ck[1]))
		return __LINE__;
	for (int i = 0; i < l.n; i++)
		if (l.s[i].uid != UNPRIV_UID)
			return __LINE__;
	/* Counters are for everybody. */
	if (stats_get(&nl, &st) || !st.got)
		return __LINE__;
	if (write(to_parent, ck, sizeof(ck)) != sizeof(ck))
		return __LINE__;
	if (read(from_parent, &go, 1) != 1)
		return __LINE__;
	close(c);
	close(s);
	genl_close(&nl);
	return 0;
}

TEST_F(nl, unprivileged_sees_own_uid_only)
{
	static struct sock_list l;
	int up[2], down[2], status, c, s;
	const struct tlsk_sock *t;
	uint64_t ck[2];
	pid_t pid;

	/* A root socket the child must not see. */
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &c, &s), 0);
	ASSERT_EQ(pipe(up), 0);
	ASSERT_EQ(pipe(down), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(c);
		close(s);
		_exit(unpriv_child(up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	ASSERT_EQ(read(up[0], ck, sizeof(ck)), sizeof(ck));

	/* Root (CAP_NET_ADMIN) sees the child's sockets and its own. */
	ASSERT_EQ(dump_socks(&self->nl, 0, 0, &l), 0);
	t = find_sock(&l, ck[0]);
	ASSERT_NE(t, NULL);
	EXPECT_EQ(t->uid, UNPRIV_UID);
	EXPECT_NE(find_sock(&l, ck[1]), NULL);
	t = find_sock(&l, sock_cookie_of(c));
	ASSERT_NE(t, NULL);
	EXPECT_EQ(t->uid, 0);

	ASSERT_EQ(write(down[1], "g", 1), 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("check at netlink.c line %d failed", WEXITSTATUS(status));
	close(c);
	close(s);
}

/* A thread in getsockopt(TLS_TX) into a page whose fault is not served:
 * the socket's lock is held until it is. */
struct held_lock {
	int fd;
	void *page;
};

static void *getsockopt_into(void *arg)
{
	struct held_lock *h = arg;
	socklen_t len = sizeof(struct tls12_crypto_info_aes_gcm_128);

	getsockopt(h->fd, SOL_TLS, TLS_TX, h->page, &len);
	return NULL;
}

/*
 * A socket whose owner holds its lock (here a userfaultfd page nobody
 * serves, as a FUSE file could) is dumped as busy, after a short wait;
 * the old module slept on the lock uninterruptibly (an admin's dump
 * stuck in D state) until the fault was served.
 */
TEST_F(nl, dump_does_not_wait_for_a_held_lock)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_copy copy = { 0 };
	struct held_lock h;
	struct uffd_msg um;
	struct pollfd p;
	struct sock_list l;
	const struct tlsk_sock *t;
	int uffd, c, s, status = 0, i;
	bool finished;
	pthread_t th;
	char *src;
	pid_t pid;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(ioctl(uffd, UFFDIO_API, &api), 0);
	h.page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(h.page, MAP_FAILED);
	reg.range.start = (unsigned long)h.page;
	reg.range.len = pg;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &c, &s), 0);
	h.fd = c;
	ASSERT_EQ(pthread_create(&th, NULL, getsockopt_into, &h), 0);
	p = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(poll(&p, 1, 20000), 1);
	ASSERT_EQ(read(uffd, &um, sizeof(um)), sizeof(um));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct genl nl;
		uint64_t ck = sock_cookie_of(c);

		if (genl_open(&nl) || dump_socks(&nl, 0, ck, &l))
			_exit(1);
		t = find_sock(&l, ck);
		_exit(!t ? 2 : !t->busy ? 3 : t->tx.present ? 4 : 0);
	}
	for (i = 0; i < 100 && !waitpid(pid, &status, WNOHANG); i++)
		usleep(100000);
	finished = i < 100;
	/* serve the fault: getsockopt returns, the lock is free */
	src = calloc(1, pg);
	ASSERT_NE(src, NULL);
	copy.dst = (unsigned long)h.page;
	copy.src = (unsigned long)src;
	copy.len = pg;
	ASSERT_EQ(ioctl(uffd, UFFDIO_COPY, &copy), 0);
	pthread_join(th, NULL);
	if (!finished)
		waitpid(pid, &status, 0);
	EXPECT_TRUE(finished) TH_LOG("the dump waited for the lock");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("dump child: status %#x", status);
	/* and with the lock free, the whole socket */
	ASSERT_EQ(dump_socks(&self->nl, 0, sock_cookie_of(c), &l), 0);
	t = find_sock(&l, sock_cookie_of(c));
	ASSERT_NE(t, NULL);
	EXPECT_FALSE(t->busy);
	EXPECT_TRUE(t->tx.present);
	free(src);
	munmap(h.page, pg);
	close(uffd);
	close(c);
	close(s);
}

/* ---- events ---- */

static int join_events(struct genl *nl)
{
	struct timeval tv = { .tv_sec = 20 };

	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &nl->events, sizeof(nl->events)))
		return -errno;
	return setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

struct event {
	uint8_t cmd;
	struct tlsk_sock sock;
	bool has_alert;
	uint8_t level, description;
	uint8_t direction;	/* 0: none */
	uint64_t record_limit;
};

/* Waits for an event about the socket with this cookie: 0 or -errno. */
/* One message of the events group into ev; false when it is not one. */
static bool event_parse(struct genl *nl, struct nlmsghdr *h,
			struct event *ev)
{
	const struct nlattr *tb[TLSK_A_MAX + 1];
	const struct nlattr *al[TLSK_A_ALERT_MAX + 1];
	struct genlmsghdr *g = NLMSG_DATA(h);

	if (h->nlmsg_type != nl->family)
		return false;
	attrs_parse(tb, TLSK_A_MAX, (char *)g + GENL_HDRLEN,
		    h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	memset(ev, 0, sizeof(*ev));
	ev->cmd = g->cmd;
	sock_parse(&ev->sock, tb[TLSK_A_SOCK]);
	if (tb[TLSK_A_PEER_ALERT]) {
		nest_parse(al, TLSK_A_ALERT_MAX, tb[TLSK_A_PEER_ALERT]);
		ev->has_alert = true;
		ev->level = attr_u8(al[TLSK_A_ALERT_LEVEL]);
		ev->description = attr_u8(al[TLSK_A_ALERT_DESCRIPTION]);
	}
	if (tb[TLSK_A_DIRECTION])
		ev->direction = attr_u8(tb[TLSK_A_DIRECTION]);
	if (tb[TLSK_A_RECORD_LIMIT])
		ev->record_limit = attr_u64(tb[TLSK_A_RECORD_LIMIT]);
	return true;
}

static int wait_event(struct genl *nl, uint64_t cookie, struct event *ev)
{
	static char buf[16384];

	for (;;) {
		ssize_t n = genl_recv(nl, buf, sizeof(buf));
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0)
			return n;
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
			if (event_parse(nl, h, ev) && ev->sock.cookie == cookie)
				return 0;
	}
}

/* The events of cmd about cookie already queued on nl; -errno (ENOBUFS:
 * the listener lost some) */
static int count_events(struct genl *nl, uint64_t cookie, uint8_t cmd)
{
	static char buf[16384];
	struct event ev;
	int count = 0;

	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0)
			return errno == EAGAIN ? count : -errno;
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
			count += event_parse(nl, h, &ev) && ev.cmd == cmd &&
				 ev.sock.cookie == cookie;
	}
}

TEST_F(nl, event_decrypt_error)
{
	struct event ev;
	char buf[16];
	int c, s;

	ASSERT_EQ(join_events(&self->nl), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	ASSERT_EQ(attach_ulp(c, TLSK_ULP_NAME), 0);
	ASSERT_EQ(attach_ulp(s, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(c, TLS_TX, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
			   1), 0);
	/* Not the key the peer seals with. */
	ASSERT_EQ(set_keys(s, TLS_RX, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
			   9), 0);
	ASSERT_EQ(send(c, "x", 1, 0), 1);
	EXPECT_EQ(recv(s, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);

	ASSERT_EQ(wait_event(&self->nl, sock_cookie_of(s), &ev), 0);
	EXPECT_EQ(ev.cmd, TLSK_CMD_DECRYPT_ERROR_NTF);
	EXPECT_EQ(ev.sock.error, EBADMSG);
	EXPECT_EQ(ev.sock.family, AF_INET);
	EXPECT_EQ(ev.sock.uid, 0);
	EXPECT_TRUE(ev.sock.rx.present);
	EXPECT_FALSE(ev.has_alert);
	close(c);
	close(s);
}

static ssize_t send_alert(int fd, uint8_t level, uint8_t description)
{
	char cbuf[CMSG_SPACE(1)] = { 0 };
	uint8_t alert[2] = { level, description };
	struct iovec iov = { alert, sizeof(alert) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(cm) = 21;
	return sendmsg(fd, &msg, 0);
}

TEST_F(nl, event_alert_received)
{
	char cbuf[CMSG_SPACE(1)], data[16];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct event ev;
	int c, s;

	ASSERT_EQ(join_events(&self->nl), 0);
	ASSERT_EQ(tls_pair(AF_INET6, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256, &c, &s), 0);
	ASSERT_EQ(send_alert(c, 2, 40), 2);
	/* The alert is still the reader's, as a record. */
	ASSERT_EQ(recvmsg(s, &msg, 0), 2);
	EXPECT_EQ(*CMSG_DATA(CMSG_FIRSTHDR(&msg)), 21);

	ASSERT_EQ(wait_event(&self->nl, sock_cookie_of(s), &ev), 0);
	EXPECT_EQ(ev.cmd, TLSK_CMD_ALERT_RECEIVED_NTF);
	ASSERT_TRUE(ev.has_alert);
	EXPECT_EQ(ev.level, 2);
	EXPECT_EQ(ev.description, 40);
	EXPECT_EQ(ev.sock.family, AF_INET6);
	EXPECT_EQ(ev.sock.version, TLS_1_2_VERSION);
	EXPECT_EQ(ev.sock.rx.records, 1);
	close(c);
	close(s);
}

TEST_F(nl, event_key_update_received)
{
	static const uint8_t key_update[] = { 24, 0, 0, 1, 0 };
	char cbuf[CMSG_SPACE(1)], data[16];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct event ev;
	int c, s;

	ASSERT_EQ(join_events(&self->nl), 0);
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, &c, &s), 0);
	ASSERT_EQ(send_record_type(c, 22, key_update, sizeof(key_update)),
		  sizeof(key_update));
	ASSERT_EQ(recvmsg(s, &msg, 0), sizeof(key_update));
	EXPECT_EQ(*CMSG_DATA(CMSG_FIRSTHDR(&msg)), 22);

	/* tls_pair's rec_seq is past 7/8 of the limit: SEQ_NEAR_LIMIT first. */
	do {
		ASSERT_EQ(wait_event(&self->nl, sock_cookie_of(s), &ev), 0);
	} while (ev.cmd == TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	EXPECT_EQ(ev.cmd, TLSK_CMD_KEY_UPDATE_RECEIVED_NTF);
	EXPECT_EQ(ev.sock.version, TLS_1_3_VERSION);
	EXPECT_EQ(ev.sock.rx.records, 1);
	EXPECT_EQ(ev.sock.rx.keys, 1);
	EXPECT_EQ(recv(s, data, sizeof(data), 0), -1);
	EXPECT_EQ(errno, EKEYEXPIRED);
	close(c);
	close(s);
}

/*
 * A TLS 1.3 AES-GCM key may protect 2^24.5 records (RFC 8446 5.5); keys
 * whose rec_seq starts at 7/8 of that are told on their first record, in
 * each direction, once.
 */
TEST_F(nl, event_seq_near_limit)
{
	const uint64_t limit = 23726566, start = limit - limit / 8;
	long before = tlsk_stat("TlskSeqNearLimit");
	union crypto_info ci;
	struct event ev;
	size_t len;
	char buf[4];
	int c, s, i;

	ASSERT_EQ(join_events(&self->nl), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	ASSERT_EQ(attach_ulp(c, TLSK_ULP_NAME), 0);
	ASSERT_EQ(attach_ulp(s, TLSK_ULP_NAME), 0);
	len = crypto_info_init(&ci, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, 1);
	for (i = 0; i < 8; i++)
		ci.gcm128.rec_seq[i] = (uint8_t)(start >> (56 - 8 * i));
	ASSERT_EQ(setsockopt(c, SOL_TLS, TLS_TX, &ci, len), 0);
	ASSERT_EQ(setsockopt(s, SOL_TLS, TLS_RX, &ci, len), 0);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(send(c, "ab", 2, 0), 2);
		ASSERT_EQ(read_full(s, buf, 2), 2);
	}

	ASSERT_EQ(wait_event(&self->nl, sock_cookie_of(c), &ev), 0);
	EXPECT_EQ(ev.cmd, TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	EXPECT_EQ(ev.direction, TLSK_DIRECTION_TX);
	EXPECT_EQ(ev.record_limit, limit);
	ASSERT_EQ(wait_event(&self->nl, sock_cookie_of(s), &ev), 0);
	EXPECT_EQ(ev.cmd, TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	EXPECT_EQ(ev.direction, TLSK_DIRECTION_RX);
	EXPECT_EQ(ev.record_limit, limit);
	/* One per key and direction, not one per record. */
	EXPECT_EQ(tlsk_stat("TlskSeqNearLimit"), before + 2);
	close(c);
	close(s);
}

/*
 * One socket raising events in a loop (an unprivileged user can: rekey
 * TX with a rec_seq past 7/8 of the limit, send a byte, again) gets at
 * most 16 a second to the listener; the rest are counted, not sent. The
 * old module sent every one.
 */
TEST_F(nl, events_are_rate_limited)
{
	const uint64_t limit = 23726566, start = limit - limit / 8;
	long before = tlsk_stat("TlskEventsSuppressed");
	int rounds = 200, big = 16 << 20, got, c, s, i;
	struct timespec t0, t1;
	union crypto_info ci;
	long windows;
	size_t len;

	ASSERT_EQ(join_events(&self->nl), 0);
	/* room for every event the old module would send */
	ASSERT_EQ(setsockopt(self->nl.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big,
			     sizeof(big)), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	ASSERT_EQ(attach_ulp(c, TLSK_ULP_NAME), 0);
	len = crypto_info_init(&ci, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128, 1);
	for (i = 0; i < 8; i++)
		ci.gcm128.rec_seq[i] = (uint8_t)(start >> (56 - 8 * i));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(setsockopt(c, SOL_TLS, TLS_TX, &ci, len), 0);
		ASSERT_EQ(send(c, "x", 1, 0), 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	got = count_events(&self->nl, sock_cookie_of(c),
			   TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	/* each window is a second from its first event */
	windows = t1.tv_sec - t0.tv_sec + 2;
	TH_LOG("%d of %d events in %ld s", got, rounds,
	       (long)(t1.tv_sec - t0.tv_sec));
	EXPECT_GE(got, 16);
	EXPECT_LE(got, 16 * windows);
	EXPECT_EQ(tlsk_stat("TlskEventsSuppressed") - before, rounds - got);
	close(c);
	close(s);
}

TEST_F(nl, events_need_cap_net_admin)
{
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (!pid) {
		struct genl nl;

		if (setgid(UNPRIV_UID) || setuid(UNPRIV_UID) || genl_open(&nl))
			_exit(1);
		if (!setsockopt(nl.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&nl.events, sizeof(nl.events)))
			_exit(2);
		_exit(errno == EPERM ? 0 : 3);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
}

/* ---- ss -tie (tcp_ulp_ops.get_info, outside the family) ---- */

/*
 * iproute2's ss prints kTLS's INET_ULP_INFO_TLS nest for tlsk too. 300 s:
 * ss under KASAN and TCG (make check-debug) took more than the default 30.
 */
TEST_F_TIMEOUT(nl, ss_shows_tlsk_sockets, 300)
{
	static const char want[] = "tcp-ulp-tlsk version: 1.3 "
				   "cipher: aes-gcm-256 rxconf: sw txconf: sw";
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	char cmd[128], line[4096];
	bool found = false;
	FILE *f;
	int c, s;

	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, NULL, TLS_1_3_VERSION,
			   TLS_CIPHER_AES_GCM_256, &c, &s), 0);
	ASSERT_EQ(getsockname(c, (struct sockaddr *)&a, &alen), 0);
	snprintf(cmd, sizeof(cmd), "ss -tieH src 127.0.0.1:%u 2>&1",
		 ntohs(a.sin_port));
	f = popen(cmd, "r");
	ASSERT_NE(f, NULL);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			found = true;
	EXPECT_EQ(pclose(f), 0);
	EXPECT_TRUE(found);
	close(c);
	close(s);
}

TEST_HARNESS_MAIN
