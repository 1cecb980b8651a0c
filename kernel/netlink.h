/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_NETLINK_H
#define _TLSK_NETLINK_H

int tlsk_genl_init(void);
void tlsk_genl_uninit(void);

#endif /* _TLSK_NETLINK_H */
