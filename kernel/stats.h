/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_STATS_H
#define _TLSK_STATS_H

struct net;

/* Counters of /proc/net/tlsk_stat, one set per network namespace. */
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
	__TLSK_STAT_MAX
};

int tlsk_stats_init(void);
void tlsk_stats_exit(void);
void tlsk_stats_add(struct net *net, enum tlsk_stat stat, long delta);

#endif /* _TLSK_STATS_H */
