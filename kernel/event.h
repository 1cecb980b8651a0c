/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events on the "events" multicast group of the tlsk netlink family
 * (netlink.c). Each is sent only when somebody listens in the socket's
 * namespace. Callers hold the socket lock and may sleep.
 */
#ifndef _TLSK_EVENT_H
#define _TLSK_EVENT_H

#include <linux/jiffies.h>
#include <linux/types.h>

struct sock;

/*
 * At most this many events a second from one socket, and from all the
 * sockets of a namespace together: the rest are counted in
 * TlskEventsSuppressed. An unprivileged user can make a socket of its
 * own raise events as fast as it rekeys or sends itself alerts, and the
 * listener (tlskd) logs each one.
 */
#define TLSK_EVENTS_PER_SOCK	16
#define TLSK_EVENTS_PER_NET	256

/*
 * One event out of a budget of per_second in a window of one second,
 * which starts with the first event after the last window ended; false
 * when the window's budget is spent. The caller serialises.
 */
static inline bool tlsk_event_window(unsigned long *start,
				     unsigned int *left,
				     unsigned int per_second)
{
	unsigned long now = jiffies;

	if (!*start || time_after_eq(now, *start + HZ)) {
		*start = now | 1;	/* 0 is "never" */
		*left = per_second;
	}
	if (!*left)
		return false;
	(*left)--;
	return true;
}

void tlsk_event_decrypt_error(struct sock *sk);
void tlsk_event_alert(struct sock *sk, u8 level, u8 description);
void tlsk_event_key_update(struct sock *sk);
void tlsk_event_seq_near_limit(struct sock *sk, bool tx, u64 limit);

#endif /* _TLSK_EVENT_H */
