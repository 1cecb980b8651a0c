/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events on the "events" multicast group of the tlsk netlink family
 * (netlink.c). Each is sent only when somebody listens in the socket's
 * namespace. Callers hold the socket lock and may sleep.
 */
#ifndef _TLSK_EVENT_H
#define _TLSK_EVENT_H

#include <linux/types.h>

struct sock;

void tlsk_event_decrypt_error(struct sock *sk);
void tlsk_event_alert(struct sock *sk, u8 level, u8 description);
void tlsk_event_key_update(struct sock *sk);
void tlsk_event_seq_near_limit(struct sock *sk, bool tx, u64 limit);

#endif /* _TLSK_EVENT_H */
