/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_ULP_H
#define _TLSK_ULP_H

#include <linux/types.h>

struct net;
struct sock;
struct tlsk_context;

int tlsk_ulp_register(void);
void tlsk_ulp_unregister(void);
/* Points the socket at the operations for its current TX and RX modes. */
void tlsk_update_proto(struct sock *sk, struct tlsk_context *ctx);
/* Record buffers were allocated: check later that they are still used. */
void tlsk_reclaim_arm(struct sock *sk, struct tlsk_context *ctx);
/* Walks the tlsk sockets of a namespace (the netlink dump). */
struct sock *tlsk_ulp_next_sock(const struct net *net, u64 *id);

#endif /* _TLSK_ULP_H */
