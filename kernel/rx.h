/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_RX_H
#define _TLSK_RX_H

#include <linux/net.h>
#include <linux/poll.h>

#include "compat.h"

struct sock;
struct msghdr;
struct pipe_inode_info;
struct tlsk_cipher;
struct tlsk_context;
struct tlsk_secret_state;

void tlsk_rx_init(struct tlsk_context *ctx);
int tlsk_rx_start(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c);
int tlsk_rx_rekey(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c);
int tlsk_rx_set_secret(struct sock *sk, struct tlsk_context *ctx,
		       struct tlsk_secret_state *s);
bool tlsk_rx_reclaim(struct sock *sk, struct tlsk_context *ctx);
void tlsk_rx_stop(struct sock *sk, struct tlsk_context *ctx);
void tlsk_rx_release(struct sock *sk, struct tlsk_context *ctx);

#if TLSK_HAVE_RECVMSG_ADDR_LEN
int tlsk_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
		 int *addr_len);
#else
int tlsk_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags);
#endif
ssize_t tlsk_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags);
int tlsk_read_sock(struct sock *sk, read_descriptor_t *desc,
		   sk_read_actor_t recv_actor);
bool tlsk_sock_is_readable(struct sock *sk);
__poll_t tlsk_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait);

#endif /* _TLSK_RX_H */
