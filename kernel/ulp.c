// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching tlsk to a TCP socket, switching its operations as keys arrive,
 * and detaching it on close.
 *
 * Attaching swaps the socket's struct proto for one of tlsk's copies of
 * TCP's. The copies are prebuilt in a table indexed [ip version][tx mode]
 * [rx mode], so no hot path asks which mode it is in: a socket with only RX
 * keys runs TCP's sendmsg untouched, and so on. The socket's proto_ops
 * (poll, splice) get the same treatment.
 *
 * The IPv4 row is built from tcp_prot and inet_stream_ops at load time;
 * tcpv6_prot is not exported and ipv6 may be loaded after tlsk, so the IPv6
 * row is built from the first IPv6 socket that attaches.
 *
 * The module stays pinned while any socket uses it: the TCP ULP core takes a
 * reference on tlsk_ulp_ops.owner on attach and drops it when the socket is
 * destroyed.
 *
 * Every attached socket is in its namespace's xarray under an id that only
 * grows, so the netlink dump can walk them in order (inet_diag cannot: it
 * does not know which sockets are ours), resume a walk by id after an
 * interruption, and find the next socket in O(log n) under a per-namespace
 * lock that attach and close hold only for an insert or an erase.
 *
 * Record buffers (a record's worth of pages per direction) come with the
 * first record and go back once the socket has been idle for between one
 * and two TLSK_RECLAIM_DELAY: a busy socket keeps its buffers, with no
 * allocation per record, and the many idle connections of a server cost
 * their context and keys only.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/inet_diag.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include <linux/tlsk.h>

#include "compat.h"
#include "rx.h"
#include "sockopt.h"
#include "stats.h"
#include "tlsk.h"
#include "tx.h"
#include "ulp.h"

enum {
	TLSK_IPV4,
	TLSK_IPV6,
	TLSK_NUM_FAMILIES,
};

/* Per direction: no keys yet (TCP's own operation), or software records. */
enum {
	TLSK_BASE,
	TLSK_SW,
	TLSK_NUM_MODES,
};

static struct proto tlsk_prots[TLSK_NUM_FAMILIES][TLSK_NUM_MODES][TLSK_NUM_MODES];
/*
 * Written at load time and on the first IPv6 attach, so it cannot be const
 * as checkpatch would like every struct proto_ops to be.
 */
static struct
proto_ops tlsk_ops[TLSK_NUM_FAMILIES][TLSK_NUM_MODES][TLSK_NUM_MODES];
/* tcpv6_prot and its ops as seen by the first IPv6 attach; release/acquire. */
static const struct proto *saved_tcpv6_prot;
static const struct proto_ops *saved_tcpv6_ops;
static DEFINE_MUTEX(tcpv6_prot_mutex);

/* The last id given to a socket; ids are never reused. */
static atomic64_t tlsk_last_id;

#define TLSK_RECLAIM_DELAY	HZ

static void tlsk_close(struct sock *sk, long timeout);

/* kTLS refuses disconnect too: the record state cannot follow a reconnect. */
static int tlsk_disconnect(struct sock *sk, int flags)
{
	return -EOPNOTSUPP;
}

static void build_protos(struct proto p[TLSK_NUM_MODES][TLSK_NUM_MODES],
			 const struct proto *base)
{
	p[TLSK_BASE][TLSK_BASE] = *base;
	p[TLSK_BASE][TLSK_BASE].close = tlsk_close;
	p[TLSK_BASE][TLSK_BASE].setsockopt = tlsk_setsockopt;
	p[TLSK_BASE][TLSK_BASE].getsockopt = tlsk_getsockopt;
	p[TLSK_BASE][TLSK_BASE].disconnect = tlsk_disconnect;

	p[TLSK_SW][TLSK_BASE] = p[TLSK_BASE][TLSK_BASE];
	p[TLSK_SW][TLSK_BASE].sendmsg = tlsk_sendmsg;
#if TLSK_HAVE_SENDPAGE
	p[TLSK_SW][TLSK_BASE].sendpage = tlsk_sendpage;
#endif
#if TLSK_HAVE_SPLICE_EOF
	p[TLSK_SW][TLSK_BASE].splice_eof = tlsk_splice_eof;
#endif

	p[TLSK_BASE][TLSK_SW] = p[TLSK_BASE][TLSK_BASE];
	p[TLSK_BASE][TLSK_SW].recvmsg = tlsk_recvmsg;
	p[TLSK_BASE][TLSK_SW].sock_is_readable = tlsk_sock_is_readable;

	p[TLSK_SW][TLSK_SW] = p[TLSK_SW][TLSK_BASE];
	p[TLSK_SW][TLSK_SW].recvmsg = tlsk_recvmsg;
	p[TLSK_SW][TLSK_SW].sock_is_readable = tlsk_sock_is_readable;
}

static void build_ops(struct proto_ops o[][TLSK_NUM_MODES], const struct proto_ops *base)
{
	o[TLSK_BASE][TLSK_BASE] = *base;

	/*
	 * In-kernel senders that already hold the socket lock would bypass
	 * the record layer through TCP's locked entry points.
	 */
	o[TLSK_SW][TLSK_BASE] = o[TLSK_BASE][TLSK_BASE];
	o[TLSK_SW][TLSK_BASE].sendmsg_locked = tlsk_sendmsg_locked;
	/* The FIN follows what tlsk still holds. */
	o[TLSK_SW][TLSK_BASE].shutdown = tlsk_shutdown;
#if TLSK_HAVE_SENDPAGE
	o[TLSK_SW][TLSK_BASE].sendpage_locked = tlsk_sendpage_locked;
#endif

	/*
	 * Readable means a whole record; splice reads plaintext; in-kernel
	 * readers of TCP's queue would read ciphertext.
	 */
	o[TLSK_BASE][TLSK_SW] = o[TLSK_BASE][TLSK_BASE];
	o[TLSK_BASE][TLSK_SW].poll = tlsk_poll;
	o[TLSK_BASE][TLSK_SW].splice_read = tlsk_splice_read;
	o[TLSK_BASE][TLSK_SW].read_sock = tlsk_read_sock;

	o[TLSK_SW][TLSK_SW] = o[TLSK_SW][TLSK_BASE];
	o[TLSK_SW][TLSK_SW].poll = tlsk_poll;
	o[TLSK_SW][TLSK_SW].splice_read = tlsk_splice_read;
	o[TLSK_SW][TLSK_SW].read_sock = tlsk_read_sock;
}

/*
 * Plain TCP only: a socket whose proto was already replaced (sockmap, or a
 * proto from another layer) is refused rather than stacked upon. Such a
 * proto replaces close and sendmsg, both exported on every kernel tlsk
 * supports (tcp_recvmsg is not on 6.12).
 */
static bool is_plain_tcpv6(const struct proto *prot)
{
	return prot->close == tcp_close && prot->sendmsg == tcp_sendmsg &&
	       !strcmp(prot->name, "TCPv6");
}

static int family_of(const struct sock *sk)
{
	return sk->sk_family == AF_INET6 ? TLSK_IPV6 : TLSK_IPV4;
}

static bool can_attach(struct sock *sk)
{
	const struct proto *prot = READ_ONCE(sk->sk_prot);
	const struct proto_ops *ops;
	const struct proto *v6;

	if (!sk->sk_socket)
		return false;
	ops = READ_ONCE(sk->sk_socket->ops);

	if (sk->sk_family == AF_INET)
		return prot == &tcp_prot && ops == &inet_stream_ops;
	if (sk->sk_family != AF_INET6)
		return false;

	/* Pairs with the release below: the table is built before use. */
	v6 = smp_load_acquire(&saved_tcpv6_prot);
	if (likely(v6))
		return prot == v6 && ops == saved_tcpv6_ops;

	if (!is_plain_tcpv6(prot) || ops->family != PF_INET6)
		return false;
	mutex_lock(&tcpv6_prot_mutex);
	if (!saved_tcpv6_prot) {
		build_protos(tlsk_prots[TLSK_IPV6], prot);
		build_ops(tlsk_ops[TLSK_IPV6], ops);
		saved_tcpv6_ops = ops;
		/* Publishes the IPv6 row to lockless readers above. */
		smp_store_release(&saved_tcpv6_prot, prot);
	}
	mutex_unlock(&tcpv6_prot_mutex);
	return prot == saved_tcpv6_prot && ops == saved_tcpv6_ops;
}

void tlsk_update_proto(struct sock *sk, struct tlsk_context *ctx)
{
	int tx = ctx->tx.cipher ? TLSK_SW : TLSK_BASE;
	int rx = ctx->rx.cipher ? TLSK_SW : TLSK_BASE;
	int f = family_of(sk);

	write_lock_bh(&sk->sk_callback_lock);
	WRITE_ONCE(sk->sk_prot, &tlsk_prots[f][tx][rx]);
	WRITE_ONCE(sk->sk_socket->ops, &tlsk_ops[f][tx][rx]);
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Socket held (its owner, or softirq). */
void tlsk_reclaim_arm(struct sock *sk, struct tlsk_context *ctx)
{
	if (!ctx->closing)
		schedule_delayed_work(&ctx->reclaim_work, TLSK_RECLAIM_DELAY);
}

static void reclaim_work(struct work_struct *work)
{
	struct tlsk_context *ctx = container_of(to_delayed_work(work),
						struct tlsk_context,
						reclaim_work);
	struct sock *sk = ctx->sk;
	bool held;

	held = tlsk_tx_reclaim(sk, ctx);
	held |= tlsk_rx_reclaim(sk, ctx);
	if (held) {
		lock_sock(sk);
		tlsk_reclaim_arm(sk, ctx);
		release_sock(sk);
	}
}

static int tlsk_ulp_init(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tlsk_context *ctx;
	int err;

	/* Keys are installed after the handshake, so only a connected
	 * socket can carry TLS; kTLS answers the same.
	 */
	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;
	if (!can_attach(sk))
		return -EOPNOTSUPP;

	ctx = kzalloc(sizeof(*ctx), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->sk = sk;
	ctx->sk_proto = READ_ONCE(sk->sk_prot);
	tlsk_tx_init(ctx);
	tlsk_rx_init(ctx);
	INIT_DELAYED_WORK(&ctx->reclaim_work, reclaim_work);
	ctx->id = atomic64_inc_return(&tlsk_last_id);
	err = xa_err(xa_store(tlsk_net_sockets(sock_net(sk)), ctx->id, ctx,
			      GFP_ATOMIC));
	if (err) {
		kfree(ctx);
		return err;
	}

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(icsk->icsk_ulp_data, ctx);
	WRITE_ONCE(sk->sk_prot, &tlsk_prots[family_of(sk)][TLSK_BASE][TLSK_BASE]);
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
}

/*
 * The first tlsk socket of net after id *id, held (sock_put() it), with
 * *id advanced to it; NULL when there is none. The socket may be closing:
 * whoever looks at its context must lock it and check tlsk_get_ctx().
 * It is held before the xarray's lock is dropped, and close erases it under
 * that lock, so it cannot be freed in between.
 */
struct sock *tlsk_ulp_next_sock(const struct net *net, u64 *id)
{
	struct xarray *xa = tlsk_net_sockets(net);
	unsigned long index = *id;
	struct tlsk_context *ctx;
	struct sock *sk = NULL;

	xa_lock(xa);
	ctx = xa_find_after(xa, &index, ULONG_MAX, XA_PRESENT);
	if (ctx) {
		sk = ctx->sk;
		sock_hold(sk);
		*id = index;
	}
	xa_unlock(xa);
	return sk;
}

static void tlsk_close(struct sock *sk, long timeout)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tlsk_context *ctx = tlsk_get_ctx(sk);
	struct proto *base = ctx->sk_proto;

	/*
	 * No more callbacks into tlsk from softirq or the workers: the idle
	 * check first, as letting go of tx.lock may bring the TX worker
	 * back (tlsk_tx_unlock()), which tlsk_tx_stop() then stops...
	 */
	lock_sock(sk);
	ctx->closing = true;
	release_sock(sk);
	cancel_delayed_work_sync(&ctx->reclaim_work);
	tlsk_rx_stop(sk, ctx);
	tlsk_tx_stop(sk, ctx);

	/* ...then the records the application left behind go out... */
	tlsk_tx_release(sk, ctx);
	tlsk_rx_release(sk, ctx);

	xa_erase(tlsk_net_sockets(sock_net(sk)), ctx->id);

	/* ...and TCP closes a plain TCP socket. */
	lock_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(icsk->icsk_ulp_data, NULL);
	WRITE_ONCE(sk->sk_prot, base);
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);

	base->close(sk, timeout);
	/* Readers of icsk_ulp_data (diag, later) run under RCU. */
	kfree_rcu(ctx, rcu);
}

static u16 user_config(const struct tlsk_cipher *c)
{
	return c ? TLS_CONF_SW : TLS_CONF_BASE;
}

/*
 * INET_ULP_INFO_TLS for inet_diag (ss -tie), with kTLS's attributes so
 * that ss prints tlsk sockets as it prints kTLS ones. Called under the
 * ehash bucket lock or with the socket merely held, never with it locked:
 * only fields that are safe under RCU are read.
 */
static int tlsk_get_info(TLSK_ULP_GET_INFO_ARGS)
{
	struct tlsk_context *ctx;
	struct nlattr *start;
	u16 version, cipher;
	int err = -EMSGSIZE;

	start = nla_nest_start_noflag(skb, INET_ULP_INFO_TLS);
	if (!start)
		return -EMSGSIZE;
	rcu_read_lock();
	ctx = rcu_dereference(inet_csk(sk)->icsk_ulp_data);
	if (!ctx) {
		err = 0;
		goto cancel;
	}
	version = READ_ONCE(ctx->version);
	cipher = READ_ONCE(ctx->cipher_type);
	if (version && (nla_put_u16(skb, TLS_INFO_VERSION, version) ||
			nla_put_u16(skb, TLS_INFO_CIPHER, cipher)))
		goto cancel;
	if (nla_put_u16(skb, TLS_INFO_TXCONF,
			user_config(READ_ONCE(ctx->tx.cipher))) ||
	    nla_put_u16(skb, TLS_INFO_RXCONF,
			user_config(READ_ONCE(ctx->rx.cipher))))
		goto cancel;
	/* kTLS reports these only where they change something, as tlsk: */
	if (READ_ONCE(ctx->rx.no_pad) && nla_put_flag(skb, TLS_INFO_RX_NO_PAD))
		goto cancel;
	rcu_read_unlock();
	nla_nest_end(skb, start);
	return 0;

cancel:
	rcu_read_unlock();
	nla_nest_cancel(skb, start);
	return err;
}

static size_t tlsk_get_info_size(TLSK_ULP_GET_INFO_SIZE_ARGS)
{
	return nla_total_size(0) +		/* INET_ULP_INFO_TLS */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_VERSION */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_CIPHER */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_TXCONF */
	       nla_total_size(sizeof(u16)) +	/* TLS_INFO_RXCONF */
	       nla_total_size(0);		/* TLS_INFO_RX_NO_PAD */
}

static struct tcp_ulp_ops tlsk_ulp_ops __read_mostly = {
	.name		= TLSK_ULP_NAME,
	.owner		= THIS_MODULE,
	.init		= tlsk_ulp_init,
	.get_info	= tlsk_get_info,
	.get_info_size	= tlsk_get_info_size,
};

int tlsk_ulp_register(void)
{
	build_protos(tlsk_prots[TLSK_IPV4], &tcp_prot);
	build_ops(tlsk_ops[TLSK_IPV4], &inet_stream_ops);
	/* Fails with -EEXIST when another module already took the name. */
	return tcp_register_ulp(&tlsk_ulp_ops);
}

void tlsk_ulp_unregister(void)
{
	tcp_unregister_ulp(&tlsk_ulp_ops);
}
