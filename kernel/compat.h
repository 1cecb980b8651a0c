/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel differences, turned into named capabilities.
 *
 * tlsk is built first against Debian 12's 6.1 kernel; newer kernels (6.12
 * from bookworm-backports) follow. Distribution kernels backport features
 * across versions (Debian's 6.1 has 6.5's splice_eof), so Kbuild probes the
 * headers being built against and passes TLSK_PROBED_* here; code elsewhere
 * tests only the TLSK_HAVE_* names defined below.
 */
#ifndef _TLSK_COMPAT_H
#define _TLSK_COMPAT_H

/*
 * 6.5 removed ->sendpage in favour of sendmsg(MSG_SPLICE_PAGES); sendfile
 * and splice reach the record layer through one or the other.
 */
#ifdef TLSK_PROBED_SENDPAGE
#define TLSK_HAVE_SENDPAGE 1
#define TLSK_HAVE_MSG_SPLICE_PAGES 0
#define TLSK_MSG_SPLICE_PAGES 0
#else
#define TLSK_HAVE_SENDPAGE 0
#define TLSK_HAVE_MSG_SPLICE_PAGES 1
/* tlsk copies spliced pages into its record, so the flag needs no care. */
#define TLSK_MSG_SPLICE_PAGES MSG_SPLICE_PAGES
#endif

/*
 * proto->splice_eof tells a sender that a splice ran dry without
 * SPLICE_F_MORE, so a record held open for more pages can be closed.
 */
#ifdef TLSK_PROBED_SPLICE_EOF
#define TLSK_HAVE_SPLICE_EOF 1
#else
#define TLSK_HAVE_SPLICE_EOF 0
#endif

#endif /* _TLSK_COMPAT_H */
