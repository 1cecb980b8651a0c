// SPDX-License-Identifier: GPL-2.0-only
/*
 * Malformed generic netlink messages to the "tlsk" family, thousands of
 * them from a seeded PRNG: truncated nlmsghdr and genlmsghdr, nlmsg_len
 * shorter or longer than the datagram, nla_len too small, too big or odd,
 * nests of garbage, unknown commands and attributes, oversized attributes,
 * the right attribute with the wrong size or without NLA_F_NESTED, the
 * DUMP flag on the do command and its absence on the dump, messages that
 * are no requests, several messages in one datagram.
 *
 * Every message is also run through a model of what the kernel must
 * answer: netlink_rcv_skb's walk over the datagram (which messages are
 * processed at all), genetlink's header, flag, command and do/dump
 * checks, and the strict policies of kernel/netlink.c (which the spec
 * fixes, see scripts/ynl-check). Each reply is checked against it: the errno, an
 * extack message whenever a policy refused the message, a well-formed
 * STATS_GET reply or socket dump when the message was valid, and silence
 * when the kernel must ignore it. After every datagram a valid STATS_GET
 * must still be answered, within the socket timeout; at the end the dump
 * still shows the test's own sockets and they still carry records.
 *
 *   TLSK_NL_FUZZ_SEED=N   PRNG seed (default fixed; printed either way)
 *   TLSK_NL_FUZZ_ITERS=N  datagrams (default 4000)
 *
 * Never sent: a header the kernel would route to another family (the
 * model refuses such datagrams before they go out).
 */
#include <sys/time.h>

#include "kselftest_harness.h"
#include "genl.h"
#include "util.h"

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define MAX_MSGS 4

struct rng {
	uint64_t s;
};

/* xorshift64*: small, and the same sequence everywhere for a seed. */
static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) >> 32) % n : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

/* ---- building malformed messages ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len)
		len = b->cap - b->len;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void buf_random(struct rng *r, struct buf *b, size_t len)
{
	while (len-- && b->len < b->cap)
		b->p[b->len++] = (uint8_t)rnd(r);
}

static void buf_align(struct buf *b)
{
	static const uint8_t zero[4];

	buf_put(b, zero, NLA_ALIGN(b->len) - b->len);
}

/* Starts an attribute; returns its offset for attr_end(). */
static size_t attr_start(struct buf *b, uint16_t type)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN, .nla_type = type };
	size_t off = b->len;

	buf_put(b, &a, sizeof(a));
	return off;
}

static void attr_end(struct buf *b, size_t off)
{
	uint16_t len = b->len - off;

	if (off + NLA_HDRLEN <= b->len)
		memcpy(b->p + off, &len, sizeof(len));
	buf_align(b);
}

static void put_attr(struct buf *b, uint16_t type, const void *data,
		     size_t len)
{
	size_t off = attr_start(b, type);

	buf_put(b, data, len);
	attr_end(b, off);
}

/*
 * One well-formed attribute of a random type of a set, of the size (or
 * as the nest) a reply carries it: what a policy must still refuse when
 * its request does not take it. sizes[type] < 0: a nest.
 */
static void gen_foreign(struct rng *r, struct buf *b, const int *sizes,
			int max)
{
	uint8_t data[16];
	int type = below(r, max) + 1;

	memset(data, (int)below(r, 256), sizeof(data));
	if (sizes[type] < 0) {
		attr_end(b, attr_start(b, type | NLA_F_NESTED));
		return;
	}
	put_attr(b, type, data, sizes[type]);
}

static const int sock_sizes[TLSK_A_SOCK_MAX + 1] = {
	[TLSK_A_SOCK_FAMILY] = 2, [TLSK_A_SOCK_SADDR] = 4,
	[TLSK_A_SOCK_DADDR] = 16, [TLSK_A_SOCK_SPORT] = 2,
	[TLSK_A_SOCK_DPORT] = 2, [TLSK_A_SOCK_INODE] = 8,
	[TLSK_A_SOCK_COOKIE] = 8, [TLSK_A_SOCK_UID] = 4,
	[TLSK_A_SOCK_VERSION] = 2, [TLSK_A_SOCK_CIPHER] = 2,
	[TLSK_A_SOCK_TX] = -1, [TLSK_A_SOCK_RX] = -1,
	[TLSK_A_SOCK_ERROR] = 4, [TLSK_A_SOCK_PAD] = 0,
};

static const int top_sizes[TLSK_A_MAX + 1] = {
	[TLSK_A_STATS] = -1, [TLSK_A_SOCK] = -1, [TLSK_A_PEER_ALERT] = -1,
	[TLSK_A_DIRECTION] = 1, [TLSK_A_RECORD_LIMIT] = 8, [TLSK_A_PAD] = 0,
};

/* A SOCK_GET filter as it should be, or nearly. */
static void gen_filter(struct rng *r, struct buf *b)
{
	size_t nest = attr_start(b, TLSK_A_SOCK | NLA_F_NESTED);
	static const uint16_t families[] = { AF_INET, AF_INET6, AF_UNIX, 0 };
	uint64_t cookie = chance(r, 50) ? rnd(r) : 1;
	uint16_t fam = families[below(r, chance(r, 80) ? 2 : 4)];

	if (chance(r, 70))
		put_attr(b, TLSK_A_SOCK_FAMILY, &fam, sizeof(fam));
	/* A socket attribute that is no filter, well-formed. */
	if (chance(r, 25))
		gen_foreign(r, b, sock_sizes, TLSK_A_SOCK_MAX);
	if (chance(r, 40))
		put_attr(b, TLSK_A_SOCK_COOKIE, &cookie, sizeof(cookie));
	attr_end(b, nest);
}

static uint16_t random_type(struct rng *r)
{
	uint16_t type = chance(r, 75) ? below(r, TLSK_A_SOCK_MAX + 3) :
					(uint16_t)rnd(r);

	if (chance(r, 30))
		type |= NLA_F_NESTED;
	if (chance(r, 10))
		type |= NLA_F_NET_BYTEORDER;
	return type;
}

/* Attributes of random types, sizes and contents; nests of the same. */
static void gen_attrs(struct rng *r, struct buf *b, int depth)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 8, 12, 16 };
	int n = below(r, 5) + 1;

	while (n-- && b->len + 64 < b->cap) {
		size_t off;

		if (depth == 0 && chance(r, 20)) {
			gen_filter(r, b);
			continue;
		}
		off = attr_start(b, random_type(r));
		if (depth < 3 && chance(r, 30))
			gen_attrs(r, b, depth + 1);
		else if (chance(r, 5))
			buf_random(r, b, 300 + below(r, 3000));	/* oversized */
		else if (chance(r, 60))
			buf_random(r, b, sizes[below(r, 8)]);
		else
			buf_random(r, b, below(r, 64));
		attr_end(b, off);
		/* A length that is not the attribute's. */
		if (chance(r, 8)) {
			uint16_t bad = chance(r, 50) ? below(r, NLA_HDRLEN) :
						       (uint16_t)rnd(r);

			memcpy(b->p + off, &bad, sizeof(bad));
		}
	}
}

static void gen_payload(struct rng *r, struct buf *b)
{
	size_t off;

	switch (below(r, 10)) {
	case 0:
	case 1:
		break;				/* no attributes */
	case 2:
	case 3:
	case 4:
		gen_filter(r, b);
		break;
	case 5:
		if (chance(r, 50))
			buf_random(r, b, below(r, 64) + 1);	/* no attributes */
		else	/* a well-formed attribute of the family, unasked for */
			gen_foreign(r, b, top_sizes, TLSK_A_MAX);
		break;
	case 6:
		/* The filter's attributes with the wrong sizes or flags. */
		off = attr_start(b, TLSK_A_SOCK |
				 (chance(r, 70) ? NLA_F_NESTED : 0));
		put_attr(b, (chance(r, 50) ? TLSK_A_SOCK_FAMILY :
			     TLSK_A_SOCK_COOKIE) |
			 (chance(r, 20) ? NLA_F_NESTED : 0),
			 "\x02\0\0\0\0\0\0\0\0", below(r, 10));
		attr_end(b, off);
		break;
	default:
		gen_attrs(r, b, 0);
		break;
	}
	/* Flipped bytes, or the end cut off. */
	if (b->len && chance(r, 15))
		for (int i = below(r, 4) + 1; i; i--)
			b->p[below(r, b->len)] ^= 1 << below(r, 8);
	if (b->len && chance(r, 10))
		b->len -= below(r, b->len < 8 ? b->len : 8) + 1;
}

static uint16_t gen_flags(struct rng *r, uint8_t cmd)
{
	uint16_t f = chance(r, 92) ? NLM_F_REQUEST : 0;
	unsigned int dump = cmd == TLSK_CMD_SOCK_GET ? 85 :
			    cmd == TLSK_CMD_STATS_GET ? 15 : 30;

	if (chance(r, 50))
		f |= NLM_F_ACK;
	if (chance(r, dump))
		f |= NLM_F_DUMP;
	else if (chance(r, 5))
		f |= chance(r, 50) ? NLM_F_ROOT : NLM_F_MATCH;
	if (chance(r, 5))
		f |= NLM_F_ECHO;
	if (chance(r, 3))
		f |= 0x1000 << below(r, 4);
	return f;
}

static uint8_t gen_cmd(struct rng *r)
{
	switch (below(r, 10)) {
	case 0: case 1: case 2:
		return TLSK_CMD_STATS_GET;
	case 3: case 4: case 5: case 6:
		return TLSK_CMD_SOCK_GET;
	case 7:
		return TLSK_CMD_DECRYPT_ERROR_NTF + below(r, 4);
	default:
		return (uint8_t)rnd(r);
	}
}

/*
 * Appends one message to the datagram. The last one may get an nlmsg_len
 * shorter or longer than what was written, or a cut genlmsghdr; what
 * follows a shortened message is then less than a header.
 */
static void gen_msg(struct rng *r, struct buf *d, uint16_t family,
		    uint32_t seq, bool last)
{
	size_t start = d->len, end;
	struct genlmsghdr g = { .cmd = gen_cmd(r), .version = TLSK_GENL_VERSION };
	struct nlmsghdr h = {
		.nlmsg_type = chance(r, 94) ? family : below(r, NLMSG_MIN_TYPE),
		.nlmsg_flags = gen_flags(r, g.cmd),
		.nlmsg_seq = seq,
		.nlmsg_pid = chance(r, 5) ? (uint32_t)rnd(r) : 0,
	};
	struct buf b;

	if (chance(r, 5))
		g.version = (uint8_t)rnd(r);
	if (chance(r, 5))
		g.reserved = (uint16_t)rnd(r);
	buf_put(d, &h, sizeof(h));
	buf_put(d, &g, sizeof(g));
	b = (struct buf){ d->p + d->len, 0, d->cap - d->len };
	gen_payload(r, &b);
	d->len += b.len;
	h.nlmsg_len = d->len - start;
	end = d->len;
	if (last) {
		switch (below(r, 25)) {
		case 0:		/* shorter than the message */
			h.nlmsg_len = below(r, h.nlmsg_len);
			end = start + NLMSG_ALIGN(h.nlmsg_len) + below(r, 16);
			break;
		case 1:		/* longer than the datagram */
			h.nlmsg_len += below(r, 100) + 1;
			break;
		case 2:		/* a cut genlmsghdr */
			h.nlmsg_len = NLMSG_HDRLEN + below(r, GENL_HDRLEN);
			end = start + h.nlmsg_len;
			break;
		}
		if (end < d->len)
			d->len = end;
	}
	memcpy(d->p + start, &h.nlmsg_len, sizeof(h.nlmsg_len));
	/* Not last: the next message starts aligned. */
	if (!last)
		buf_align(d);
}

/* ---- the model: what the kernel must answer ---- */

enum outcome {
	NOTHING,	/* ignored, no NLM_F_ACK */
	ACK,		/* ignored with NLM_F_ACK: error 0 */
	ERROR,		/* refused: err, with an extack if extack */
	STATS,		/* a STATS_GET reply, then an ack if NLM_F_ACK */
	DUMP,		/* socket messages, then NLMSG_DONE 0 */
};

static const char *const outcome_names[] = {
	"nothing", "ack", "error", "stats", "dump",
};

struct expect {
	uint32_t seq;
	enum outcome what;
	int err;
	bool extack;
	bool ack_flag;
	bool busy_ok;	/* a dump behind one still open: EBUSY will do */
	/* what arrived */
	int replies, msgs, got_err;
	bool ended, got_extack, stats_ok;
	char extack_msg[sizeof(((struct genl *)0)->extack)];
};

/*
 * nla_for_each_attr() over [p, p + len): calls fn for each attribute and
 * returns the first -errno fn returns, or -EINVAL if bytes are left over,
 * as the kernel's strict parse (NL_VALIDATE_TRAILING) refuses them.
 */
static int walk_attrs(const uint8_t *p, int len,
		      int (*fn)(const struct nlattr *a, void *arg), void *arg)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		int err;

		memcpy(&a, p, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
			break;
		err = fn((const struct nlattr *)p, arg);
		if (err)
			return err;
		len -= NLA_ALIGN(a.nla_len);
		p += NLA_ALIGN(a.nla_len);
	}
	return len > 0 ? -EINVAL : 0;
}

struct filter_state {
	bool has_family;
	uint16_t family;	/* the last one of the last nest */
};

/* Unknown, unsupported, of the wrong size or flagged nested: EINVAL. */
static int filter_inner(const struct nlattr *a, void *arg)
{
	struct filter_state *st = arg;
	int type = a->nla_type & NLA_TYPE_MASK;
	size_t len = a->nla_len - NLA_HDRLEN;

	if (a->nla_type & NLA_F_NESTED)
		return -EINVAL;		/* "NLA_F_NESTED not expected" */
	if (type == TLSK_A_SOCK_FAMILY && len == 2) {
		st->has_family = true;
		memcpy(&st->family, attr_data(a), 2);
		return 0;
	}
	return type == TLSK_A_SOCK_COOKIE && len == 8 ? 0 : -EINVAL;
}

static int filter_outer(const struct nlattr *a, void *arg)
{
	struct filter_state *st = arg;
	size_t len = attr_len(a);

	if ((a->nla_type & NLA_TYPE_MASK) != TLSK_A_SOCK ||
	    !(a->nla_type & NLA_F_NESTED))
		return -EINVAL;
	/* validate_nla(): a nest is empty or holds at least a header. */
	if (len && len < NLA_HDRLEN)
		return -ERANGE;
	/* tb[] keeps the last nest: its family is the one checked. */
	st->has_family = false;
	return walk_attrs(attr_data(a), len, filter_inner, st);
}

/* 0 for a filter SOCK_GET takes, else the -errno it is refused with. */
static int filter_verdict(const uint8_t *p, int len)
{
	struct filter_state st = { 0 };
	int err = walk_attrs(p, len, filter_outer, &st);

	if (err)
		return err;
	/* The policy passed; parse_filter() checks the value. */
	if (st.has_family && st.family != AF_INET && st.family != AF_INET6)
		return -EINVAL;
	return 0;
}

/* genetlink and tlsk's ops for one processed message of our family. */
static void judge(struct expect *e, const uint8_t *msg, uint32_t len,
		  uint16_t flags, bool *dump_open)
{
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	int attrlen = (int)len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct genlmsghdr g;
	uint8_t cmd;

	e->what = ERROR;
	e->err = -EINVAL;
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return;				/* no genlmsghdr */
	memcpy(&g, msg + NLMSG_HDRLEN, sizeof(g));
	cmd = g.cmd;
	/*
	 * genl_header_check(): a family that sets no resv_start_op, as tlsk,
	 * gets it for every command: genlmsghdr.reserved must be 0, and the
	 * flags no more than REQUEST, ACK, ECHO and the whole of DUMP.
	 */
	e->extack = true;
	if (g.reserved || (flags & ~(dump ? NLM_F_DUMP : 0) &
			   ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)))
		return;
	e->extack = false;
	e->err = -EOPNOTSUPP;
	if (cmd != TLSK_CMD_STATS_GET && cmd != TLSK_CMD_SOCK_GET)
		return;				/* unknown, or an event */
	if (dump != (cmd == TLSK_CMD_SOCK_GET))
		return;				/* no such do or dump */
	e->err = -EINVAL;
	e->extack = true;
	/*
	 * A second dump while one is open gets EBUSY before its attributes
	 * are looked at (__netlink_dump_start()).
	 */
	e->busy_ok = dump && *dump_open;
	if (cmd == TLSK_CMD_STATS_GET) {
		/* Its policy takes no attribute; strict parsing. */
		if (attrlen == 0) {
			e->what = STATS;
			e->extack = false;
		}
		return;
	}
	e->err = filter_verdict(msg + NLMSG_HDRLEN + GENL_HDRLEN, attrlen);
	if (e->err)
		return;
	e->what = DUMP;
	e->extack = false;
	*dump_open = true;
}

/*
 * netlink_rcv_skb() over the datagram: fills ex[] with the messages the
 * kernel processes. -1 if one of them would go to another family.
 */
static int model(const uint8_t *d, size_t len, uint16_t family,
		 struct expect *ex)
{
	bool dump_open = false;
	size_t off = 0;
	int n = 0;

	while (len - off >= NLMSG_HDRLEN && n < MAX_MSGS) {
		struct nlmsghdr h;
		struct expect *e = &ex[n++];
		size_t step;

		memcpy(&h, d + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off) {
			n--;
			break;
		}
		memset(e, 0, sizeof(*e));
		e->seq = h.nlmsg_seq;
		e->ack_flag = h.nlmsg_flags & NLM_F_ACK;
		if (!(h.nlmsg_flags & NLM_F_REQUEST) ||
		    h.nlmsg_type < NLMSG_MIN_TYPE)
			e->what = e->ack_flag ? ACK : NOTHING;
		else if (h.nlmsg_type != family)
			return -1;
		else
			judge(e, d + off, h.nlmsg_len, h.nlmsg_flags,
			      &dump_open);
		step = NLMSG_ALIGN(h.nlmsg_len);
		off += step < len - off ? step : len - off;
	}
	return n;
}

/* ---- sending, receiving, comparing ---- */

FIXTURE(fuzz) {
	struct genl nl;
	int c, s;
	uint64_t ck_c, ck_s;
};

FIXTURE_SETUP(fuzz)
{
	struct timeval tv = { .tv_sec = 10 };
	int one = 1;

	ASSERT_EQ(genl_open(&self->nl), 0);
	/* Errors echo only the request's header: a small, bounded reply. */
	ASSERT_EQ(setsockopt(self->nl.fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
			     sizeof(one)), 0);
	/* Nothing may hang: a missing answer fails the test. */
	ASSERT_EQ(setsockopt(self->nl.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)), 0);
	ASSERT_EQ(setsockopt(self->nl.fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
			     sizeof(tv)), 0);
	/* Sockets for the dumps to show, and to use afterwards. */
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
			   &self->c, &self->s), 0);
	self->ck_c = sock_cookie_of(self->c);
	self->ck_s = sock_cookie_of(self->s);
}

FIXTURE_TEARDOWN(fuzz)
{
	close(self->c);
	close(self->s);
	genl_close(&self->nl);
}

static bool stats_reply_ok(const struct nlmsghdr *h)
{
	const struct nlattr *tb[TLSK_A_MAX + 1], *st[TLSK_A_STATS_MAX + 1];
	const struct genlmsghdr *g = NLMSG_DATA(h);

	if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    g->cmd != TLSK_CMD_STATS_GET)
		return false;
	attrs_parse(tb, TLSK_A_MAX, (const char *)g + GENL_HDRLEN,
		    h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	if (!tb[TLSK_A_STATS])
		return false;
	nest_parse(st, TLSK_A_STATS_MAX, tb[TLSK_A_STATS]);
	for (int i = TLSK_A_STATS_CURR_TX_SW; i <= TLSK_A_STATS_MAX; i++)
		if (i != TLSK_A_STATS_PAD && (!st[i] || attr_len(st[i]) != 8))
			return false;
	return true;
}

/* One reply message into the expectation of its seq. */
static void take_reply(struct genl *nl, const struct nlmsghdr *h,
		       struct expect *e)
{
	size_t payload = h->nlmsg_len - NLMSG_HDRLEN;

	e->replies++;
	if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) {
		e->ended = true;
		e->got_err = payload >= sizeof(int) ? *(int *)NLMSG_DATA(h) :
						      -EPROTO;
		nl->extack[0] = 0;
		save_extack(nl, h, payload);
		e->got_extack = nl->extack[0];
		snprintf(e->extack_msg, sizeof(e->extack_msg), "%s",
			 nl->extack);
		return;
	}
	if (h->nlmsg_type != nl->family) {
		e->got_err = -EPROTO;	/* counted as a wrong reply */
		return;
	}
	e->msgs++;
	if (e->what == STATS)
		e->stats_ok = stats_reply_ok(h);
}

static bool expect_met(const struct expect *e)
{
	if (e->busy_ok && e->ended && e->replies == 1 && e->got_err == -EBUSY)
		return true;
	switch (e->what) {
	case NOTHING:
		return !e->replies;
	case ACK:
		return e->replies == 1 && e->ended && !e->got_err;
	case ERROR:
		return e->ended && e->replies == 1 && e->got_err == e->err &&
		       (!e->extack || e->got_extack);
	case STATS:
		return e->msgs == 1 && e->stats_ok &&
		       e->replies == 1 + e->ack_flag &&
		       (!e->ack_flag || (e->ended && !e->got_err));
	case DUMP:
		return e->ended && !e->got_err;
	}
	return false;
}

/* A dump is over once its NLMSG_DONE (or error) has arrived. */
static bool settled(const struct expect *ex, int n, const struct expect *probe)
{
	if (!probe->ended)
		return false;
	for (int i = 0; i < n; i++)
		if (ex[i].what == DUMP && !ex[i].ended)
			return false;
	return true;
}

/*
 * Reads replies until the probe's ack and every dump's end: 0, or -errno
 * (-EAGAIN: the socket timeout, -EPROTO: a malformed reply or one that
 * belongs to no request).
 */
static int collect(struct genl *nl, struct expect *ex, int n,
		   struct expect *probe)
{
	static char buf[65536];

	while (!settled(ex, n, probe)) {
		ssize_t len = genl_recv(nl, buf, sizeof(buf));
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len < 0)
			return len;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct expect *e = NULL;

			if (h->nlmsg_seq == probe->seq)
				e = probe;
			for (int i = 0; !e && i < n; i++)
				if (ex[i].seq == h->nlmsg_seq)
					e = &ex[i];
			if (!e)
				return -EPROTO;
			take_reply(nl, h, e);
		}
		if (len)
			return -EPROTO;	/* bytes that are no message */
	}
	return 0;
}

static void dump_datagram(struct __test_metadata *_metadata,
			  const uint8_t *d, size_t len)
{
	char line[3 * 32 + 1];

	for (size_t i = 0; i < len && i < 256; i += 32) {
		size_t k = 0;

		for (size_t j = i; j < len && j < i + 32; j++)
			k += snprintf(line + k, sizeof(line) - k, "%02x ", d[j]);
		TH_LOG("  %04zx: %s", i, line);
	}
}

/* The dump still finds the fixture's sockets, which still carry records. */
static void check_family_works(struct __test_metadata *_metadata,
			       FIXTURE_DATA(fuzz) *self)
{
	static struct sock_list l;
	struct genl_msg m;
	char buf[8];

	msg_init(&m, self->nl.family, 0, TLSK_CMD_STATS_GET);
	ASSERT_EQ(genl_transact(&self->nl, &m, NULL, NULL), 0);
	ASSERT_EQ(dump_socks(&self->nl, 0, 0, &l), 0);
	EXPECT_NE(find_sock(&l, self->ck_c), NULL);
	EXPECT_NE(find_sock(&l, self->ck_s), NULL);
	ASSERT_EQ(dump_socks(&self->nl, AF_INET, self->ck_s, &l), 0);
	ASSERT_EQ(l.n, 1);
	EXPECT_EQ(l.s[0].cookie, self->ck_s);
	ASSERT_EQ(send(self->c, "still", 5, 0), 5);
	ASSERT_EQ(read_full(self->s, buf, 5), 5);
	EXPECT_EQ(memcmp(buf, "still", 5), 0);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* 4000 datagrams took more than 30 s on the debug kernel under TCG. */
TEST_F_TIMEOUT(fuzz, malformed_messages, 900)
{
	static uint8_t data[16384];
	uint64_t seed = env_u64("TLSK_NL_FUZZ_SEED", 0x746c736b6e6c31ULL);
	uint64_t iters = env_u64("TLSK_NL_FUZZ_ITERS", 4000);
	struct rng r = { seed ? seed : 1 };
	unsigned int count[DUMP + 1] = { 0 };
	unsigned int errs[3] = { 0 }, regenerated = 0, failures = 0;
	uint32_t seq = 1000;

	TH_LOG("seed 0x%llx, %llu datagrams", (unsigned long long)seed,
	       (unsigned long long)iters);
	for (uint64_t it = 0; it < iters && failures < 5; it++) {
		struct expect ex[MAX_MSGS], probe = { .what = STATS,
						      .ack_flag = true };
		struct buf d = { data, 0, sizeof(data) };
		struct genl_msg m;
		int n, msgs = chance(&r, 20) ? 2 + below(&r, 2) : 1, err;
		ssize_t sent;

		for (int i = 0; i < msgs; i++)
			gen_msg(&r, &d, self->nl.family, ++seq, i == msgs - 1);
		n = model(d.p, d.len, self->nl.family, ex);
		if (n < 0) {
			regenerated++;
			it--;
			continue;
		}
		/* An empty datagram may be refused; the kernel must live on. */
		sent = send(self->nl.fd, d.p, d.len, 0);
		ASSERT_TRUE(sent == (ssize_t)d.len || (!d.len && sent < 0))
			TH_LOG("send: %zd of %zu: %s", sent, d.len,
			       strerror(errno));

		msg_init(&m, self->nl.family, NLM_F_ACK, TLSK_CMD_STATS_GET);
		m.nlh.nlmsg_len = m.len;
		m.nlh.nlmsg_seq = probe.seq = ++seq;
		ASSERT_EQ(send(self->nl.fd, m.buf, m.len, 0), (ssize_t)m.len);

		err = collect(&self->nl, ex, n, &probe);
		if (err || !expect_met(&probe)) {
			TH_LOG("datagram %llu: collecting replies: %s%s",
			       (unsigned long long)it, strerror(-err),
			       err ? "" : " (the probe failed)");
			dump_datagram(_metadata, d.p, d.len);
			ASSERT_EQ(err, 0);
			ASSERT_TRUE(expect_met(&probe));
		}
		for (int i = 0; i < n; i++) {
			count[ex[i].what]++;
			if (ex[i].what == ERROR)
				errs[ex[i].extack ? 1 : ex[i].err == -EINVAL ?
				     0 : 2]++;
			if (expect_met(&ex[i]))
				continue;
			failures++;
			TH_LOG("datagram %llu message %d: expected %s %d%s, got %d replies, %d messages, error %d, extack %s",
			       (unsigned long long)it, i,
			       outcome_names[ex[i].what], ex[i].err,
			       ex[i].extack ? " with extack" : "",
			       ex[i].replies, ex[i].msgs, ex[i].got_err,
			       ex[i].got_extack ? ex[i].extack_msg : "none");
			dump_datagram(_metadata, d.p, d.len);
		}
	}
	TH_LOG("expected: nothing %u, ack %u, error %u (with extack %u, EINVAL %u, EOPNOTSUPP %u), stats %u, dump %u; %u datagrams regenerated",
	       count[NOTHING], count[ACK], count[ERROR], errs[1], errs[0],
	       errs[2], count[STATS], count[DUMP], regenerated);
	EXPECT_EQ(failures, 0);
	/* Every kind of answer was exercised. */
	for (int i = NOTHING; i <= DUMP; i++) {
		EXPECT_GT(count[i], 0) TH_LOG("no %s", outcome_names[i]);
	}
	EXPECT_GT(errs[1], iters / 10);
	check_family_works(_metadata, self);
}

/* After it all, the family and the sockets work as before. */
TEST_F(fuzz, family_answers_afterwards)
{
	struct genl_msg m;
	uint8_t junk[64];
	struct rng r = { 42 };

	/* A short burst first, so this test also stands alone. */
	for (int i = 0; i < 200; i++) {
		struct buf d = { junk, 0, sizeof(junk) };
		struct genlmsghdr g = { .cmd = TLSK_CMD_STATS_GET };
		struct nlmsghdr h = {
			.nlmsg_type = self->nl.family,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = i,
		};

		buf_put(&d, &h, sizeof(h));
		buf_put(&d, &g, sizeof(g));
		buf_random(&r, &d, below(&r, sizeof(junk) - d.len));
		h.nlmsg_len = d.len;
		memcpy(junk, &h.nlmsg_len, sizeof(h.nlmsg_len));
		ASSERT_EQ(send(self->nl.fd, junk, d.len, 0), (ssize_t)d.len);
	}
	/* Drain the errors: a STATS_GET with attributes is refused. */
	msg_init(&m, self->nl.family, 0, TLSK_CMD_STATS_GET);
	m.nlh.nlmsg_len = m.len;
	m.nlh.nlmsg_seq = 5000;
	self->nl.seq = 5000;
	for (;;) {
		static char rbuf[65536];
		ssize_t n = genl_recv(&self->nl, rbuf, sizeof(rbuf));
		struct nlmsghdr *h = (struct nlmsghdr *)rbuf;
		bool last = false;

		ASSERT_GT(n, 0);
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR)
				EXPECT_NE(*(int *)NLMSG_DATA(h), 0);
			if (h->nlmsg_seq == 199)
				last = true;
		}
		if (last)
			break;
	}

	check_family_works(_metadata, self);
}

TEST_HARNESS_MAIN
