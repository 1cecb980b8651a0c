// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "tlsk" generic netlink family: the namespace's counters
 * (TLSK_CMD_STATS_GET), a dump of its tlsk sockets (TLSK_CMD_SOCK_GET) and
 * the "events" multicast group. The attribute tree is drawn at the top of
 * <linux/tlsk.h>.
 *
 * Who sees what: counters are anybody's, as /proc/net/tlsk_stat is. The
 * dump shows a caller the sockets of its own uid, and every socket of the
 * namespace to CAP_NET_ADMIN in the namespace's user namespace, as
 * inet_diag lets everybody see every socket's addresses but not its
 * internals. Events name any user's sockets, so joining the group needs
 * CAP_NET_ADMIN.
 *
 * The dump walks ulp.c's list of sockets by id, holding each socket and
 * its lock while it describes it, so what it reports of one socket is
 * consistent; it resumes after the last id it put in a message.
 */
#include <linux/sock_diag.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include <linux/tlsk.h>

#include "compat.h"
#include "event.h"
#include "netlink.h"
#include "stats.h"
#include "tlsk.h"
#include "ulp.h"

/* Counter to attribute; stats.h may grow in another order than the ABI. */
static const u8 stats_attr[__TLSK_STAT_MAX] = {
	[TLSK_STAT_CURR_TX_SW]		= TLSK_A_STATS_CURR_TX_SW,
	[TLSK_STAT_CURR_RX_SW]		= TLSK_A_STATS_CURR_RX_SW,
	[TLSK_STAT_TX_SW]		= TLSK_A_STATS_TX_SW,
	[TLSK_STAT_RX_SW]		= TLSK_A_STATS_RX_SW,
	[TLSK_STAT_DECRYPT_ERROR]	= TLSK_A_STATS_DECRYPT_ERROR,
	[TLSK_STAT_RX_NO_PAD_VIOLATION]	= TLSK_A_STATS_RX_NO_PAD_VIOLATION,
	[TLSK_STAT_TX_RECORDS]		= TLSK_A_STATS_TX_RECORDS,
	[TLSK_STAT_RX_RECORDS]		= TLSK_A_STATS_RX_RECORDS,
	[TLSK_STAT_RX_BAD_RECORD]	= TLSK_A_STATS_RX_BAD_RECORD,
	[TLSK_STAT_TX_REKEY_OK]		= TLSK_A_STATS_TX_REKEY_OK,
	[TLSK_STAT_RX_REKEY_OK]		= TLSK_A_STATS_RX_REKEY_OK,
	[TLSK_STAT_TX_REKEY_ERROR]	= TLSK_A_STATS_TX_REKEY_ERROR,
	[TLSK_STAT_RX_REKEY_ERROR]	= TLSK_A_STATS_RX_REKEY_ERROR,
	[TLSK_STAT_RX_REKEY_RECEIVED]	= TLSK_A_STATS_RX_REKEY_RECEIVED,
	[TLSK_STAT_RX_ALERT]		= TLSK_A_STATS_RX_ALERT,
	[TLSK_STAT_SEQ_NEAR_LIMIT]	= TLSK_A_STATS_SEQ_NEAR_LIMIT,
	[TLSK_STAT_EVENTS_SUPPRESSED]	= TLSK_A_STATS_EVENTS_SUPPRESSED,
};

enum {
	TLSK_NLGRP_EVENTS,
};

static const struct genl_multicast_group tlsk_mcgrps[] = {
	[TLSK_NLGRP_EVENTS] = {
		.name	= TLSK_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* STATS_GET takes no attribute: strict parsing refuses each of them. */
static const struct nla_policy tlsk_stats_get_policy[TLSK_A_MAX + 1] = {
};

static const struct nla_policy tlsk_sock_filter_policy[TLSK_A_SOCK_MAX + 1] = {
	[TLSK_A_SOCK_FAMILY]	= { .type = NLA_U16 },
	[TLSK_A_SOCK_COOKIE]	= { .type = NLA_U64 },
};

static const struct nla_policy tlsk_sock_get_policy[TLSK_A_MAX + 1] = {
	[TLSK_A_SOCK]		= NLA_POLICY_NESTED(tlsk_sock_filter_policy),
};

static struct genl_family tlsk_family;

/* ---- describing a socket ---- */

static u64 sock_cookie(struct sock *sk)
{
	u32 cookie[2];

	sock_diag_save_cookie(sk, cookie);
	return (u64)cookie[1] << 32 | cookie[0];
}

static int fill_addrs(struct sk_buff *skb, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (nla_put_u16(skb, TLSK_A_SOCK_FAMILY, sk->sk_family) ||
	    nla_put_u16(skb, TLSK_A_SOCK_SPORT, ntohs(inet->inet_sport)) ||
	    nla_put_u16(skb, TLSK_A_SOCK_DPORT, ntohs(inet->inet_dport)))
		return -EMSGSIZE;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		return nla_put_in6_addr(skb, TLSK_A_SOCK_SADDR,
					&sk->sk_v6_rcv_saddr) ||
		       nla_put_in6_addr(skb, TLSK_A_SOCK_DADDR,
					&sk->sk_v6_daddr) ? -EMSGSIZE : 0;
#endif
	return nla_put_in_addr(skb, TLSK_A_SOCK_SADDR, inet->inet_saddr) ||
	       nla_put_in_addr(skb, TLSK_A_SOCK_DADDR, inet->inet_daddr) ?
	       -EMSGSIZE : 0;
}

/*
 * Bytes a direction holds for records in flight: its record buffer and
 * its scratch (both come and go, see docs/kernel.md "Memory per socket").
 */
static u32 dir_mem(const struct tlsk_cipher *c, const struct tlsk_buf *b)
{
	return (tlsk_buf_held(b) ? TLSK_BUF_PAGES * PAGE_SIZE : 0) +
	       tlsk_cipher_scratch_bytes(c);
}

static int fill_dir(struct sk_buff *skb, int type,
		    const struct tlsk_cipher *c, const struct tlsk_buf *b,
		    u64 records, u64 bytes, u32 keys)
{
	struct nlattr *nest;

	if (!c)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, TLSK_A_DIR_RECORDS, records,
			      TLSK_A_DIR_PAD) ||
	    nla_put_u64_64bit(skb, TLSK_A_DIR_BYTES, bytes, TLSK_A_DIR_PAD) ||
	    nla_put_u64_64bit(skb, TLSK_A_DIR_SEQ, c->seq, TLSK_A_DIR_PAD) ||
	    nla_put_u32(skb, TLSK_A_DIR_KEYS, keys) ||
	    nla_put_u32(skb, TLSK_A_DIR_MEM, dir_mem(c, b))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Inode and owner, read before the socket's spinlock is taken (they take
 * sk_callback_lock on some kernels).
 */
struct sock_ident {
	unsigned long ino;
	kuid_t uid;
};

static void read_ident(struct sock *sk, struct sock_ident *id)
{
	id->ino = sock_i_ino(sk);
	id->uid = tlsk_sock_uid(sk);
}

/* What names the socket: addresses, inode, cookie, uid (in user_ns). */
static int fill_ident(struct sk_buff *skb, struct sock *sk,
		      const struct sock_ident *id,
		      struct user_namespace *user_ns)
{
	return fill_addrs(skb, sk) ||
	       nla_put_u64_64bit(skb, TLSK_A_SOCK_INODE, id->ino,
				 TLSK_A_SOCK_PAD) ||
	       nla_put_u64_64bit(skb, TLSK_A_SOCK_COOKIE, sock_cookie(sk),
				 TLSK_A_SOCK_PAD) ||
	       nla_put_u32(skb, TLSK_A_SOCK_UID,
			   from_kuid_munged(user_ns, id->uid)) ? -EMSGSIZE : 0;
}

/*
 * TLSK_A_SOCK for a socket with the ULP; the socket is locked (or its
 * spinlock held with no owner), so its context stays and its state is
 * one moment's. uid in user_ns's terms.
 */
static int fill_sock(struct sk_buff *skb, struct sock *sk,
		     const struct sock_ident *id,
		     const struct tlsk_context *ctx,
		     struct user_namespace *user_ns)
{
	struct nlattr *nest = nla_nest_start(skb, TLSK_A_SOCK);

	if (!nest)
		return -EMSGSIZE;
	if (fill_ident(skb, sk, id, user_ns))
		goto cancel;
	if (ctx->version &&
	    (nla_put_u16(skb, TLSK_A_SOCK_VERSION, ctx->version) ||
	     nla_put_u16(skb, TLSK_A_SOCK_CIPHER, ctx->cipher_type)))
		goto cancel;
	if (fill_dir(skb, TLSK_A_SOCK_TX, ctx->tx.cipher, &ctx->tx.rec,
		     ctx->tx.records, ctx->tx.bytes, ctx->tx.keys) ||
	    fill_dir(skb, TLSK_A_SOCK_RX, ctx->rx.cipher, &ctx->rx.rec,
		     ctx->rx.records, ctx->rx.bytes, ctx->rx.keys))
		goto cancel;
	if (ctx->err && nla_put_u32(skb, TLSK_A_SOCK_ERROR, -ctx->err))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* ---- TLSK_CMD_STATS_GET ---- */

static int tlsk_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	long vals[__TLSK_STAT_MAX];
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tlsk_family, 0, TLSK_CMD_STATS_GET);
	if (!hdr)
		goto too_big;
	nest = nla_nest_start(msg, TLSK_A_STATS);
	if (!nest)
		goto too_big;
	tlsk_stats_read(genl_info_net(info), vals);
	for (i = 0; i < __TLSK_STAT_MAX; i++)
		if (nla_put_u64_64bit(msg, stats_attr[i], vals[i],
				      TLSK_A_STATS_PAD))
			goto too_big;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ---- TLSK_CMD_SOCK_GET ---- */

/* The dump's state between calls, in cb->ctx. */
struct sock_dump {
	u64 last_id;		/* the last socket put in a message */
	u64 cookie;		/* filter: only this socket */
	kuid_t uid;		/* the caller's */
	u16 family;		/* filter: AF_INET or AF_INET6 only */
	bool all;		/* CAP_NET_ADMIN: every uid */
	bool has_cookie;
	bool parsed;
};

static_assert(sizeof(struct sock_dump) <=
	      sizeof_field(struct netlink_callback, ctx));

/* The credentials of the request's sender, while it is current. */
static int tlsk_nl_sock_get_start(struct netlink_callback *cb)
{
	struct sock_dump *d = (struct sock_dump *)cb->ctx;

	d->all = netlink_net_capable(cb->skb, CAP_NET_ADMIN);
	d->uid = NETLINK_CB(cb->skb).creds.uid;
	return 0;
}

/*
 * The core checked the filter's types and sizes against the policy; its
 * values are checked here, on the first call, where an extack can say
 * which attribute was wrong.
 */
static int parse_filter(struct netlink_callback *cb, struct sock_dump *d)
{
	struct nlattr *tb[TLSK_A_MAX + 1], *sb[TLSK_A_SOCK_MAX + 1];
	struct nlattr *fam;
	int err;

	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, TLSK_A_MAX,
			  tlsk_sock_get_policy, cb->extack);
	if (err || !tb[TLSK_A_SOCK])
		return err;
	err = nla_parse_nested(sb, TLSK_A_SOCK_MAX, tb[TLSK_A_SOCK],
			       tlsk_sock_filter_policy, cb->extack);
	if (err)
		return err;
	fam = sb[TLSK_A_SOCK_FAMILY];
	if (fam) {
		d->family = nla_get_u16(fam);
		if (d->family != AF_INET && d->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(cb->extack, fam,
					    "family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
	}
	if (sb[TLSK_A_SOCK_COOKIE]) {
		d->cookie = nla_get_u64(sb[TLSK_A_SOCK_COOKIE]);
		d->has_cookie = true;
	}
	return 0;
}

static bool dump_wants(const struct sock_dump *d, struct sock *sk)
{
	if (d->family && sk->sk_family != d->family)
		return false;
	if (!d->all && !uid_eq(tlsk_sock_uid(sk), d->uid))
		return false;
	return !d->has_cookie || sock_cookie(sk) == d->cookie;
}

/*
 * The socket for a dump, without sleeping on its lock: the owner can hold
 * that as long as it likes (a copy to or from its memory whose fault
 * never completes), and lock_sock() would leave the dump, an admin's
 * included, waiting uninterruptibly on another user's socket. As
 * lock_sock_fast()'s fast path: with the spinlock held and no owner,
 * neither a process nor softirq changes the socket. An owner gets
 * TLSK_DUMP_WAIT to let go, interruptibly; false (spinlock not held)
 * when it did not.
 */
#define TLSK_DUMP_WAIT	(HZ / 50)

static bool dump_lock(struct sock *sk)
	__acquires(&sk->sk_lock.slock)
{
	long left = TLSK_DUMP_WAIT;

	for (;;) {
		spin_lock_bh(&sk->sk_lock.slock);
		if (!sock_owned_by_user_nocheck(sk))
			return true;
		spin_unlock_bh(&sk->sk_lock.slock);
		if (left <= 0)
			return false;
		left = wait_event_interruptible_timeout(sk->sk_lock.wq,
				!sock_owned_by_user_nocheck(sk), left);
		if (left < 0)
			return false;
	}
}

/* A socket whose owner kept its lock: what names it, and TLSK_A_SOCK_BUSY. */
static int fill_busy(struct sk_buff *skb, struct sock *sk,
		     const struct sock_ident *id,
		     struct user_namespace *user_ns)
{
	struct nlattr *nest = nla_nest_start(skb, TLSK_A_SOCK);

	if (!nest)
		return -EMSGSIZE;
	if (fill_ident(skb, sk, id, user_ns) ||
	    nla_put_flag(skb, TLSK_A_SOCK_BUSY)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* 0 when sk was described or is not to be; -EMSGSIZE when skb is full. */
static int dump_sock(struct sk_buff *skb, struct netlink_callback *cb,
		     const struct sock_dump *d, struct sock *sk)
{
	struct user_namespace *user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	const struct tlsk_context *ctx;
	struct sock_ident id;
	void *hdr;
	int err;

	/* Filtered first: a dump takes no lock of a socket it skips. */
	if (!dump_wants(d, sk))
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &tlsk_family, NLM_F_MULTI, TLSK_CMD_SOCK_GET);
	if (!hdr)
		return -EMSGSIZE;
	read_ident(sk, &id);
	if (!dump_lock(sk)) {
		err = fill_busy(skb, sk, &id, user_ns);
		goto end;
	}
	/* Closed meanwhile: the context is gone. */
	ctx = tlsk_get_ctx(sk);
	err = ctx ? fill_sock(skb, sk, &id, ctx, user_ns) : -ENOENT;
	spin_unlock_bh(&sk->sk_lock.slock);
end:
	if (err) {
		genlmsg_cancel(skb, hdr);
		return err == -ENOENT ? 0 : err;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int tlsk_nl_sock_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct sock_dump *d = (struct sock_dump *)cb->ctx;
	struct net *net = sock_net(skb->sk);
	u64 id = d->last_id;
	struct sock *sk;
	int err = 0;

	if (!d->parsed) {
		err = parse_filter(cb, d);
		if (err)
			return err;
		d->parsed = true;
	}
	while ((sk = tlsk_ulp_next_sock(net, &id))) {
		err = dump_sock(skb, cb, d, sk);
		sock_put(sk);
		if (err)
			break;
		d->last_id = id;
	}
	/* A socket that does not fit an empty message never will. */
	return err && !skb->len ? err : skb->len;
}

/* ---- events ---- */

/* What an event adds to the socket: a TLSK_CMD_*_NTF's own attributes. */
struct event_extra {
	const u8 *alert;	/* level, description */
	u8 direction;		/* TLSK_DIRECTION_*, or 0 */
	u64 limit;
};

static int fill_extra(struct sk_buff *msg, const struct event_extra *e)
{
	struct nlattr *nest;

	if (e->direction &&
	    (nla_put_u8(msg, TLSK_A_DIRECTION, e->direction) ||
	     nla_put_u64_64bit(msg, TLSK_A_RECORD_LIMIT, e->limit,
			       TLSK_A_PAD)))
		return -EMSGSIZE;
	if (!e->alert)
		return 0;
	nest = nla_nest_start(msg, TLSK_A_PEER_ALERT);
	if (!nest ||
	    nla_put_u8(msg, TLSK_A_ALERT_LEVEL, e->alert[0]) ||
	    nla_put_u8(msg, TLSK_A_ALERT_DESCRIPTION, e->alert[1]))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Socket locked, process context. */
static void notify(struct sock *sk, u8 cmd, const struct event_extra *e)
{
	struct tlsk_context *ctx = tlsk_get_ctx(sk);
	struct net *net = sock_net(sk);
	struct sock_ident id;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&tlsk_family, net, TLSK_NLGRP_EVENTS))
		return;
	if (!tlsk_event_window(&ctx->events_window, &ctx->events_left,
			       TLSK_EVENTS_PER_SOCK) ||
	    !tlsk_net_event_budget(net)) {
		tlsk_stats_add(net, TLSK_STAT_EVENTS_SUPPRESSED, 1);
		return;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &tlsk_family, 0, cmd);
	read_ident(sk, &id);
	if (!hdr || fill_sock(msg, sk, &id, ctx, net->user_ns) ||
	    fill_extra(msg, e)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&tlsk_family, net, msg, 0, TLSK_NLGRP_EVENTS,
				GFP_KERNEL);
}

void tlsk_event_decrypt_error(struct sock *sk)
{
	const struct event_extra e = {};

	notify(sk, TLSK_CMD_DECRYPT_ERROR_NTF, &e);
}

void tlsk_event_alert(struct sock *sk, u8 level, u8 description)
{
	const u8 alert[2] = { level, description };
	const struct event_extra e = { .alert = alert };

	notify(sk, TLSK_CMD_ALERT_RECEIVED_NTF, &e);
}

void tlsk_event_key_update(struct sock *sk)
{
	const struct event_extra e = {};

	notify(sk, TLSK_CMD_KEY_UPDATE_RECEIVED_NTF, &e);
}

void tlsk_event_seq_near_limit(struct sock *sk, bool tx, u64 limit)
{
	const struct event_extra e = {
		.direction = tx ? TLSK_DIRECTION_TX : TLSK_DIRECTION_RX,
		.limit = limit,
	};

	notify(sk, TLSK_CMD_SEQ_NEAR_LIMIT_NTF, &e);
}

/* ---- the family ---- */

static const struct genl_ops tlsk_nl_ops[] = {
	{
		.cmd	= TLSK_CMD_STATS_GET,
		.doit	= tlsk_nl_stats_get_doit,
		.policy	= tlsk_stats_get_policy,
		.maxattr = TLSK_A_MAX,
	},
	{
		.cmd	= TLSK_CMD_SOCK_GET,
		.start	= tlsk_nl_sock_get_start,
		.dumpit	= tlsk_nl_sock_get_dumpit,
		.policy	= tlsk_sock_get_policy,
		.maxattr = TLSK_A_MAX,
	},
};

static struct genl_family tlsk_family __ro_after_init = {
	.name		= TLSK_GENL_NAME,
	.version	= TLSK_GENL_VERSION,
	.netnsok	= true,
	/* Nothing here needs genl_mutex; the dump sleeps in lock_sock(). */
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= tlsk_nl_ops,
	.n_ops		= ARRAY_SIZE(tlsk_nl_ops),
	.mcgrps		= tlsk_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(tlsk_mcgrps),
};

int __init tlsk_genl_init(void)
{
	return genl_register_family(&tlsk_family);
}

void tlsk_genl_uninit(void)
{
	genl_unregister_family(&tlsk_family);
}
