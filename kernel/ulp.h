/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_ULP_H
#define _TLSK_ULP_H

struct sock;
struct tlsk_context;

int tlsk_ulp_register(void);
void tlsk_ulp_unregister(void);
/* Points the socket at the operations for its current TX and RX modes. */
void tlsk_update_proto(struct sock *sk, struct tlsk_context *ctx);

#endif /* _TLSK_ULP_H */
