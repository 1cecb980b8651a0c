/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small generic netlink client for the selftests of the "tlsk" family:
 * resolving it, requests with hand-built attributes, the socket dump
 * parsed into struct tlsk_sock, and events. No libnl, so a test sees
 * exactly what goes over the wire.
 */
#ifndef TLSK_SELFTEST_GENL_H
#define TLSK_SELFTEST_GENL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tlsk.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct genl {
	int fd;
	uint16_t family;
	uint32_t events;	/* multicast group id */
	uint32_t seq;
	char extack[256];	/* the last error's message, if any */
};

/* A request or reply being built or read: one netlink message. */
struct genl_msg {
	union {
		struct nlmsghdr nlh;
		char buf[8192];
	};
	size_t len;
};

static inline void msg_init(struct genl_msg *m, uint16_t type, uint16_t flags,
			    uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = TLSK_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Appends an attribute; returns its offset (for nest_end). */
static inline size_t msg_put(struct genl_msg *m, uint16_t type,
			     const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);
	size_t off = m->len;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a->nla_len);
	return off;
}

static inline size_t msg_nest(struct genl_msg *m, uint16_t type)
{
	return msg_put(m, type | NLA_F_NESTED, NULL, 0);
}

static inline void msg_nest_end(struct genl_msg *m, size_t off)
{
	((struct nlattr *)(m->buf + off))->nla_len = m->len - off;
}

/* tb[type] = attribute, for the attributes in [data, data + len). */
static inline void attrs_parse(const struct nlattr **tb, int max,
			       const void *data, size_t len)
{
	const struct nlattr *a = data;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		int type = a->nla_type & NLA_TYPE_MASK;

		size_t step = NLA_ALIGN(a->nla_len);

		if (type <= max)
			tb[type] = a;
		if (step >= len)
			break;
		len -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

static inline const void *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline size_t attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline void nest_parse(const struct nlattr **tb, int max,
			      const struct nlattr *nest)
{
	attrs_parse(tb, max, attr_data(nest), attr_len(nest));
}

static inline uint64_t attr_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a)
		memcpy(&v, attr_data(a), attr_len(a) < 8 ? attr_len(a) : 8);
	return v;
}

#define attr_u32(a) ((uint32_t)attr_u64(a))
#define attr_u16(a) ((uint16_t)attr_u64(a))
#define attr_u8(a) ((uint8_t)attr_u64(a))

static inline int genl_send(struct genl *nl, struct genl_msg *m)
{
	m->nlh.nlmsg_len = m->len;
	m->nlh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, m->buf, m->len, 0) != (ssize_t)m->len)
		return -errno;
	return 0;
}

/*
 * Reads one datagram into buf; returns its length or -errno. An
 * NLMSG_ERROR's extack message lands in nl->extack.
 */
static inline ssize_t genl_recv(struct genl *nl, void *buf, size_t size)
{
	ssize_t n = recv(nl->fd, buf, size, 0);

	return n < 0 ? -errno : n;
}

static inline void save_extack(struct genl *nl, const struct nlmsghdr *h,
			       size_t payload)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);

	/* With NLM_F_CAPPED, only the request's header is echoed. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && h->nlmsg_type == NLMSG_ERROR)
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (h->nlmsg_type == NLMSG_DONE)
		off = sizeof(int);
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || payload <= off)
		return;
	attrs_parse(tb, NLMSGERR_ATTR_MAX, (const char *)e + off,
		    payload - off);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->extack, sizeof(nl->extack), "%s",
			 (const char *)attr_data(tb[NLMSGERR_ATTR_MSG]));
}

/*
 * Sends m and passes each reply message to fn (NULL: ignore them) until
 * the ack or NLMSG_DONE; returns 0 or the request's -errno.
 */
static inline int genl_transact(struct genl *nl, struct genl_msg *m,
				void (*fn)(const struct nlattr **tb, void *arg),
				void *arg)
{
	static char buf[65536];
	int err;

	nl->extack[0] = 0;
	m->nlh.nlmsg_flags |= NLM_F_ACK;
	err = genl_send(nl, m);
	if (err)
		return err;
	for (;;) {
		ssize_t n = genl_recv(nl, buf, sizeof(buf));
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0)
			return n;
		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			const struct nlattr *tb[TLSK_A_MAX + 1];
			size_t payload = h->nlmsg_len - NLMSG_HDRLEN;

			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR ||
			    h->nlmsg_type == NLMSG_DONE) {
				int e = payload >= sizeof(int) ?
					*(int *)NLMSG_DATA(h) : 0;

				/* A dump ends in DONE; no ack follows it. */
				save_extack(nl, h, payload);
				return e;
			}
			if (fn && h->nlmsg_type == nl->family) {
				attrs_parse(tb, TLSK_A_MAX,
					    (char *)NLMSG_DATA(h) + GENL_HDRLEN,
					    payload - GENL_HDRLEN);
				fn(tb, arg);
			}
		}
	}
}

static inline void ctrl_reply(struct genl *nl, const struct nlmsghdr *h)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *a;
	size_t left;

	attrs_parse(tb, CTRL_ATTR_MAX, (char *)NLMSG_DATA(h) + GENL_HDRLEN,
		    h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	nl->family = attr_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	a = attr_data(tb[CTRL_ATTR_MCAST_GROUPS]);
	left = attr_len(tb[CTRL_ATTR_MCAST_GROUPS]);
	while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       NLA_ALIGN(a->nla_len) <= left) {
		nest_parse(g, CTRL_ATTR_MCAST_GRP_MAX, a);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] &&
		    !strcmp(attr_data(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    TLSK_MCGRP_EVENTS))
			nl->events = attr_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
		left -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a +
					    NLA_ALIGN(a->nla_len));
	}
}

/* Opens a socket and resolves the tlsk family: 0, -ENOENT without it. */
static inline int genl_open(struct genl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct genl_msg m;
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int one = 1, err;
	ssize_t n;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)))
		goto fail;
	msg_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, TLSK_GENL_NAME,
		sizeof(TLSK_GENL_NAME));
	err = genl_send(nl, &m);
	if (err)
		goto fail_err;
	n = genl_recv(nl, buf, sizeof(buf));
	if (n < 0) {
		err = n;
		goto fail_err;
	}
	if (!NLMSG_OK(h, n)) {
		err = -EPROTO;
		goto fail_err;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		err = *(int *)NLMSG_DATA(h);
		goto fail_err;
	}
	ctrl_reply(nl, h);
	return nl->family ? 0 : -ENOENT;
fail:
	err = -errno;
fail_err:
	close(nl->fd);
	nl->fd = -1;
	return err ? err : -EPROTO;
}

static inline void genl_close(struct genl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

/* ---- the socket dump ---- */

struct tlsk_dir {
	bool present, has_mem;
	uint64_t records, bytes, seq;
	uint32_t keys, mem;
};

struct tlsk_sock {
	uint16_t family, sport, dport, version, cipher;
	uint8_t saddr[16], daddr[16];
	size_t addr_len;
	uint64_t inode, cookie;
	uint32_t uid, error;
	bool has_version, busy;
	struct tlsk_dir tx, rx;
};

static inline void dir_parse(struct tlsk_dir *d, const struct nlattr *nest)
{
	const struct nlattr *tb[TLSK_A_DIR_MAX + 1];

	if (!nest)
		return;
	nest_parse(tb, TLSK_A_DIR_MAX, nest);
	d->present = true;
	d->records = attr_u64(tb[TLSK_A_DIR_RECORDS]);
	d->bytes = attr_u64(tb[TLSK_A_DIR_BYTES]);
	d->seq = attr_u64(tb[TLSK_A_DIR_SEQ]);
	d->keys = attr_u32(tb[TLSK_A_DIR_KEYS]);
	d->has_mem = tb[TLSK_A_DIR_MEM];
	d->mem = attr_u32(tb[TLSK_A_DIR_MEM]);
}

static inline void sock_parse(struct tlsk_sock *s, const struct nlattr *nest)
{
	const struct nlattr *tb[TLSK_A_SOCK_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (!nest)
		return;
	nest_parse(tb, TLSK_A_SOCK_MAX, nest);
	s->family = attr_u16(tb[TLSK_A_SOCK_FAMILY]);
	s->sport = attr_u16(tb[TLSK_A_SOCK_SPORT]);
	s->dport = attr_u16(tb[TLSK_A_SOCK_DPORT]);
	if (tb[TLSK_A_SOCK_SADDR] && attr_len(tb[TLSK_A_SOCK_SADDR]) <= 16) {
		s->addr_len = attr_len(tb[TLSK_A_SOCK_SADDR]);
		memcpy(s->saddr, attr_data(tb[TLSK_A_SOCK_SADDR]), s->addr_len);
	}
	if (tb[TLSK_A_SOCK_DADDR] && attr_len(tb[TLSK_A_SOCK_DADDR]) <= 16)
		memcpy(s->daddr, attr_data(tb[TLSK_A_SOCK_DADDR]),
		       attr_len(tb[TLSK_A_SOCK_DADDR]));
	s->inode = attr_u64(tb[TLSK_A_SOCK_INODE]);
	s->cookie = attr_u64(tb[TLSK_A_SOCK_COOKIE]);
	s->uid = tb[TLSK_A_SOCK_UID] ? attr_u32(tb[TLSK_A_SOCK_UID]) : ~0u;
	s->has_version = tb[TLSK_A_SOCK_VERSION];
	s->version = attr_u16(tb[TLSK_A_SOCK_VERSION]);
	s->cipher = attr_u16(tb[TLSK_A_SOCK_CIPHER]);
	s->error = attr_u32(tb[TLSK_A_SOCK_ERROR]);
	s->busy = tb[TLSK_A_SOCK_BUSY];
	dir_parse(&s->tx, tb[TLSK_A_SOCK_TX]);
	dir_parse(&s->rx, tb[TLSK_A_SOCK_RX]);
}

struct sock_list {
	struct tlsk_sock s[256];
	int n;
};

static inline void sock_list_add(const struct nlattr **tb, void *arg)
{
	struct sock_list *l = arg;

	if (l->n < (int)(sizeof(l->s) / sizeof(l->s[0])))
		sock_parse(&l->s[l->n++], tb[TLSK_A_SOCK]);
}

/*
 * Dumps the sockets, filtered by family and/or cookie when nonzero;
 * returns 0 or -errno.
 */
static inline int dump_socks(struct genl *nl, uint16_t family, uint64_t cookie,
			     struct sock_list *l)
{
	struct genl_msg m;
	size_t nest;

	l->n = 0;
	msg_init(&m, nl->family, NLM_F_DUMP, TLSK_CMD_SOCK_GET);
	if (family || cookie) {
		nest = msg_nest(&m, TLSK_A_SOCK);
		if (family)
			msg_put(&m, TLSK_A_SOCK_FAMILY, &family, sizeof(family));
		if (cookie)
			msg_put(&m, TLSK_A_SOCK_COOKIE, &cookie, sizeof(cookie));
		msg_nest_end(&m, nest);
	}
	return genl_transact(nl, &m, sock_list_add, l);
}

static inline const struct tlsk_sock *find_sock(const struct sock_list *l,
						uint64_t cookie)
{
	for (int i = 0; i < l->n; i++)
		if (l->s[i].cookie == cookie)
			return &l->s[i];
	return NULL;
}

static inline uint64_t sock_cookie_of(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

#endif /* TLSK_SELFTEST_GENL_H */
