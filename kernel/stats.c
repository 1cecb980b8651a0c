// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters, per network namespace, in /proc/net/tlsk_stat.
 *
 * The names of the counters kTLS also keeps are kTLS's own (TlsCurrTxSw,
 * TlsDecryptError, ...), so a tool reading /proc/net/tls_stat reads this
 * file unchanged; counters only tlsk keeps start with Tlsk. Sockets pin
 * their namespace, so a socket's counters outlive it.
 */
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include <linux/xarray.h>

#include "event.h"
#include "stats.h"

struct tlsk_mib {
	unsigned long v[__TLSK_STAT_MAX];
};

struct tlsk_net {
	struct tlsk_mib __percpu *mib;
	/* The namespace's tlsk sockets by id (ulp.c); its own lock. */
	struct xarray sockets;
	/* Events sent in the current second, all sockets together. */
	spinlock_t events_lock;
	unsigned long events_window;
	unsigned int events_left;
};

static const char *const stat_names[__TLSK_STAT_MAX] = {
	[TLSK_STAT_CURR_TX_SW]		= "TlsCurrTxSw",
	[TLSK_STAT_CURR_RX_SW]		= "TlsCurrRxSw",
	[TLSK_STAT_TX_SW]		= "TlsTxSw",
	[TLSK_STAT_RX_SW]		= "TlsRxSw",
	[TLSK_STAT_DECRYPT_ERROR]	= "TlsDecryptError",
	[TLSK_STAT_RX_NO_PAD_VIOLATION]	= "TlsRxNoPadViolation",
	[TLSK_STAT_TX_RECORDS]		= "TlskTxRecords",
	[TLSK_STAT_RX_RECORDS]		= "TlskRxRecords",
	[TLSK_STAT_RX_BAD_RECORD]	= "TlskRxBadRecord",
	[TLSK_STAT_TX_REKEY_OK]		= "TlsTxRekeyOk",
	[TLSK_STAT_RX_REKEY_OK]		= "TlsRxRekeyOk",
	[TLSK_STAT_TX_REKEY_ERROR]	= "TlsTxRekeyError",
	[TLSK_STAT_RX_REKEY_ERROR]	= "TlsRxRekeyError",
	[TLSK_STAT_RX_REKEY_RECEIVED]	= "TlsRxRekeyReceived",
	[TLSK_STAT_RX_ALERT]		= "TlskRxAlert",
	[TLSK_STAT_SEQ_NEAR_LIMIT]	= "TlskSeqNearLimit",
	[TLSK_STAT_EVENTS_SUPPRESSED]	= "TlskEventsSuppressed",
};

static unsigned int tlsk_net_id __read_mostly;

struct xarray *tlsk_net_sockets(const struct net *net)
{
	struct tlsk_net *tn = net_generic(net, tlsk_net_id);

	return &tn->sockets;
}

void tlsk_stats_add(struct net *net, enum tlsk_stat stat, long delta)
{
	struct tlsk_net *tn = net_generic(net, tlsk_net_id);

	this_cpu_add(tn->mib->v[stat], delta);
}

bool tlsk_net_event_budget(struct net *net)
{
	struct tlsk_net *tn = net_generic(net, tlsk_net_id);
	bool ok;

	spin_lock_bh(&tn->events_lock);
	ok = tlsk_event_window(&tn->events_window, &tn->events_left,
			       TLSK_EVENTS_PER_NET);
	spin_unlock_bh(&tn->events_lock);
	return ok;
}

/* Sums the per-CPU counters of net; the proc file and netlink agree. */
void tlsk_stats_read(struct net *net, long vals[__TLSK_STAT_MAX])
{
	struct tlsk_net *tn = net_generic(net, tlsk_net_id);
	int i, cpu;

	for (i = 0; i < __TLSK_STAT_MAX; i++) {
		vals[i] = 0;
		for_each_possible_cpu(cpu)
			vals[i] += per_cpu_ptr(tn->mib, cpu)->v[i];
	}
}

static int stat_show(struct seq_file *seq, void *v)
{
	long vals[__TLSK_STAT_MAX];
	int i;

	tlsk_stats_read(seq_file_single_net(seq), vals);
	for (i = 0; i < __TLSK_STAT_MAX; i++)
		seq_printf(seq, "%-32s\t%ld\n", stat_names[i], vals[i]);
	return 0;
}

static int __net_init tlsk_net_init(struct net *net)
{
	struct tlsk_net *tn = net_generic(net, tlsk_net_id);

	xa_init(&tn->sockets);
	spin_lock_init(&tn->events_lock);
	tn->mib = alloc_percpu(struct tlsk_mib);
	if (!tn->mib)
		return -ENOMEM;
	if (!proc_create_net_single("tlsk_stat", 0444, net->proc_net,
				    stat_show, NULL))
		goto free_mib;
	return 0;

free_mib:
	free_percpu(tn->mib);
	return -ENOMEM;
}

static void __net_exit tlsk_net_exit(struct net *net)
{
	struct tlsk_net *tn = net_generic(net, tlsk_net_id);

	remove_proc_entry("tlsk_stat", net->proc_net);
	free_percpu(tn->mib);
	/* Empty: every socket held a reference on its namespace. */
	xa_destroy(&tn->sockets);
}

static struct pernet_operations tlsk_net_ops = {
	.init	= tlsk_net_init,
	.exit	= tlsk_net_exit,
	.id	= &tlsk_net_id,
	.size	= sizeof(struct tlsk_net),
};

int tlsk_stats_init(void)
{
	return register_pernet_subsys(&tlsk_net_ops);
}

void tlsk_stats_exit(void)
{
	unregister_pernet_subsys(&tlsk_net_ops);
}
