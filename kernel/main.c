// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk: TLS record layer for TCP sockets whose handshake ran in userspace.
 */
#include <linux/module.h>
#include <net/tcp.h>

#include "cipher.h"
#include "netlink.h"
#include "stats.h"
#include "tx.h"
#include "ulp.h"

static int __init tlsk_init(void)
{
	int err;

	err = tlsk_stats_init();
	if (err) {
		pr_err("tlsk: cannot register per-netns counters: %d\n", err);
		return err;
	}
	err = tlsk_genl_init();
	if (err) {
		pr_err("tlsk: cannot register the netlink family: %d\n", err);
		goto exit_stats;
	}
	err = tlsk_ulp_register();
	if (err) {
		pr_err("tlsk: cannot register TCP ULP: %d\n", err);
		goto uninit_genl;
	}
	return 0;

uninit_genl:
	tlsk_genl_uninit();
exit_stats:
	tlsk_stats_exit();
	return err;
}

static void __exit tlsk_exit(void)
{
	tlsk_ulp_unregister();
	tlsk_genl_uninit();
	tlsk_stats_exit();
	tlsk_cipher_exit();
	tlsk_tx_exit();
}

module_init(tlsk_init);
module_exit(tlsk_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tlsk: kernel TLS record layer with a userspace handshake");
MODULE_ALIAS_TCP_ULP("tlsk");
