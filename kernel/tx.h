/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_TX_H
#define _TLSK_TX_H

#include <linux/net.h>

#include "compat.h"

struct sock;
struct msghdr;
struct page;
struct tlsk_cipher;
struct tlsk_context;
struct tlsk_secret_state;
struct tlsk_tx;

void tlsk_tx_init(struct tlsk_context *ctx);
void tlsk_tx_unlock(struct tlsk_tx *tx);
void tlsk_tx_park(struct tlsk_tx *tx);
void tlsk_tx_exit(void);
int tlsk_tx_start(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c);
int tlsk_tx_rekey(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c);
void tlsk_tx_set_secret(struct tlsk_context *ctx, struct tlsk_secret_state *s);
bool tlsk_tx_request_update(struct sock *sk, struct tlsk_context *ctx);
bool tlsk_tx_reclaim(struct sock *sk, struct tlsk_context *ctx);
void tlsk_tx_stop(struct sock *sk, struct tlsk_context *ctx);
void tlsk_tx_release(struct sock *sk, struct tlsk_context *ctx);

int tlsk_shutdown(struct socket *sock, int how);
int tlsk_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int tlsk_sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t size);
#if TLSK_HAVE_SENDPAGE
int tlsk_sendpage(struct sock *sk, struct page *page, int offset,
		  size_t size, int flags);
int tlsk_sendpage_locked(struct sock *sk, struct page *page, int offset,
			 size_t size, int flags);
#endif
#if TLSK_HAVE_SPLICE_EOF
void tlsk_splice_eof(struct socket *sock);
#endif

#endif /* _TLSK_TX_H */
