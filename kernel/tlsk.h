/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-socket state of tlsk.
 */
#ifndef _TLSK_TLSK_H
#define _TLSK_TLSK_H

#include <linux/rcupdate.h>
#include <net/sock.h>

/*
 * One context per socket that carries the "tlsk" ULP. It is published in
 * icsk->icsk_ulp_data (RCU) under sk->sk_callback_lock, and torn down from
 * the socket's close() after TCP's own proto has been put back.
 */
struct tlsk_context {
	struct sock *sk;
	/* TCP's proto at attach time; restored on close. */
	struct proto *sk_proto;
	struct rcu_head rcu;
};

static inline struct tlsk_context *tlsk_get_ctx(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);

	/* Only used from paths that hold the socket or run under RCU. */
	return (__force struct tlsk_context *)icsk->icsk_ulp_data;
}

#endif /* _TLSK_TLSK_H */
