// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk: TLS record layer for TCP sockets whose handshake ran in userspace.
 */
#include <linux/module.h>
#include <net/tcp.h>

#include "ulp.h"

static int __init tlsk_init(void)
{
	int err;

	err = tlsk_ulp_register();
	if (err) {
		pr_err("tlsk: cannot register TCP ULP: %d\n", err);
		return err;
	}
	return 0;
}

static void __exit tlsk_exit(void)
{
	tlsk_ulp_unregister();
}

module_init(tlsk_init);
module_exit(tlsk_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tlsk: kernel TLS record layer with a userspace handshake");
MODULE_ALIAS_TCP_ULP("tlsk");
