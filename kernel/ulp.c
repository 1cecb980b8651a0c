// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching tlsk to a TCP socket and detaching it on close.
 *
 * Attaching swaps the socket's struct proto for tlsk's copy of TCP's, in
 * which the operations tlsk takes over point at tlsk code. One copy exists
 * per address family. The IPv4 copy is built from tcp_prot at load time;
 * tcpv6_prot is not exported and ipv6 may be loaded after tlsk, so the IPv6
 * copy is built from the first IPv6 socket that attaches.
 *
 * The module stays pinned while any socket uses it: the TCP ULP core takes a
 * reference on tlsk_ulp_ops.owner on attach and drops it when the socket is
 * destroyed.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include <linux/tlsk.h>

#include "tlsk.h"
#include "ulp.h"

enum {
	TLSK_IPV4,
	TLSK_IPV6,
	TLSK_NUM_FAMILIES,
};

static struct proto tlsk_prots[TLSK_NUM_FAMILIES];
/* tcpv6_prot as seen by the first IPv6 attach; published with release. */
static const struct proto *saved_tcpv6_prot;
static DEFINE_MUTEX(tcpv6_prot_mutex);

static void tlsk_close(struct sock *sk, long timeout);

static void build_proto(struct proto *prot, const struct proto *base)
{
	*prot = *base;
	prot->close = tlsk_close;
}

/*
 * Plain TCP only: a socket whose proto was already replaced (sockmap, or a
 * proto from another layer) is refused rather than stacked upon.
 */
static bool is_plain_tcpv6(const struct proto *prot)
{
	return prot->close == tcp_close && prot->recvmsg == tcp_recvmsg &&
	       !strcmp(prot->name, "TCPv6");
}

static struct proto *proto_for(struct sock *sk)
{
	const struct proto *prot = READ_ONCE(sk->sk_prot);
	const struct proto *v6;

	if (sk->sk_family == AF_INET)
		return prot == &tcp_prot ? &tlsk_prots[TLSK_IPV4] : NULL;
	if (sk->sk_family != AF_INET6)
		return NULL;

	v6 = smp_load_acquire(&saved_tcpv6_prot);
	if (likely(v6))
		return prot == v6 ? &tlsk_prots[TLSK_IPV6] : NULL;

	if (!is_plain_tcpv6(prot))
		return NULL;
	mutex_lock(&tcpv6_prot_mutex);
	if (!saved_tcpv6_prot) {
		build_proto(&tlsk_prots[TLSK_IPV6], prot);
		smp_store_release(&saved_tcpv6_prot, prot);
	}
	mutex_unlock(&tcpv6_prot_mutex);
	return prot == saved_tcpv6_prot ? &tlsk_prots[TLSK_IPV6] : NULL;
}

static int tlsk_ulp_init(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tlsk_context *ctx;
	struct proto *prot;

	/* Keys are installed after the handshake, so only a connected
	 * socket can carry TLS; kTLS answers the same.
	 */
	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;

	prot = proto_for(sk);
	if (!prot)
		return -EOPNOTSUPP;

	ctx = kzalloc(sizeof(*ctx), GFP_ATOMIC);
	if (!ctx)
		return -ENOMEM;
	ctx->sk = sk;
	ctx->sk_proto = READ_ONCE(sk->sk_prot);

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(icsk->icsk_ulp_data, ctx);
	WRITE_ONCE(sk->sk_prot, prot);
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
}

static void tlsk_close(struct sock *sk, long timeout)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tlsk_context *ctx = tlsk_get_ctx(sk);
	struct proto *base = ctx->sk_proto;

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

static struct tcp_ulp_ops tlsk_ulp_ops __read_mostly = {
	.name	= TLSK_ULP_NAME,
	.owner	= THIS_MODULE,
	.init	= tlsk_ulp_init,
};

int tlsk_ulp_register(void)
{
	build_proto(&tlsk_prots[TLSK_IPV4], &tcp_prot);
	/* Fails with -EEXIST when another module already took the name. */
	return tcp_register_ulp(&tlsk_ulp_ops);
}

void tlsk_ulp_unregister(void)
{
	tcp_unregister_ulp(&tlsk_ulp_ops);
}
