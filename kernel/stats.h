/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_STATS_H
#define _TLSK_STATS_H

struct net;
struct xarray;

/*
 * Counters of /proc/net/tlsk_stat, one set per network namespace; over
 * netlink each is TLSK_A_STATS_<name> (netlink.c maps them).
 */
enum tlsk_stat {
	TLSK_STAT_CURR_TX_SW,
	TLSK_STAT_CURR_RX_SW,
	TLSK_STAT_TX_SW,
	TLSK_STAT_RX_SW,
	TLSK_STAT_DECRYPT_ERROR,
	TLSK_STAT_RX_NO_PAD_VIOLATION,
	TLSK_STAT_TX_RECORDS,
	TLSK_STAT_RX_RECORDS,
	TLSK_STAT_RX_BAD_RECORD,
	TLSK_STAT_TX_REKEY_OK,
	TLSK_STAT_RX_REKEY_OK,
	TLSK_STAT_TX_REKEY_ERROR,
	TLSK_STAT_RX_REKEY_ERROR,
	TLSK_STAT_RX_REKEY_RECEIVED,
	TLSK_STAT_RX_ALERT,
	TLSK_STAT_SEQ_NEAR_LIMIT,
	TLSK_STAT_EVENTS_SUPPRESSED,
	__TLSK_STAT_MAX
};

int tlsk_stats_init(void);
void tlsk_stats_exit(void);
/* The tlsk sockets of net, by id: ulp.c keeps it, netlink.c dumps it. */
struct xarray *tlsk_net_sockets(const struct net *net);
void tlsk_stats_add(struct net *net, enum tlsk_stat stat, long delta);
void tlsk_stats_read(struct net *net, long vals[__TLSK_STAT_MAX]);
/* Events net may still send this second (netlink.c); takes one if so. */
bool tlsk_net_event_budget(struct net *net);

#endif /* _TLSK_STATS_H */
