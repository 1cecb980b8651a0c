/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel version differences, turned into named capabilities.
 *
 * tlsk is built first against Debian 12's 6.1 kernel; newer kernels (6.12
 * from bookworm-backports) follow. Code elsewhere tests only the TLSK_HAVE_*
 * names defined here, never LINUX_VERSION_CODE.
 */
#ifndef _TLSK_COMPAT_H
#define _TLSK_COMPAT_H

#include <linux/version.h>

/*
 * 6.5 removed ->sendpage in favour of sendmsg(MSG_SPLICE_PAGES); sendfile
 * and splice reach the record layer through one or the other.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define TLSK_HAVE_MSG_SPLICE_PAGES 1
#else
#define TLSK_HAVE_MSG_SPLICE_PAGES 0
#endif

#endif /* _TLSK_COMPAT_H */
