/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel differences, turned into named capabilities.
 *
 * tlsk builds against the kernels of scripts/kernels: Debian 12's 6.1,
 * 6.12 (bookworm-backports, Debian 13) and trixie-backports' 7.x. Distribution kernels backport features
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
#define TLSK_MSG_SPLICE_PAGES MSG_SPLICE_PAGES
#endif

/*
 * Told to TCP with a record's pages when more follow at once: it need not
 * push these yet. Only where do_tcp_sendpages() is, which pushes what it
 * holds before it waits for send space, whatever it took so far. From
 * 6.5 the flag would be MSG_MORE, and tcp_sendmsg_locked() does not push
 * before a wait that comes ahead of its first byte: bytes held back then
 * could stay unsent for good, so there tlsk pushes every record.
 */
#ifdef TLSK_PROBED_SENDPAGE
#define TLSK_MSG_NOTLAST MSG_SENDPAGE_NOTLAST
#else
#define TLSK_MSG_NOTLAST 0
#endif
/*
 * Likewise, for the records of a write() with MSG_MORE: TCP pushes full
 * segments only (it corks), as it does for the same write without TLS.
 */
#ifdef TLSK_PROBED_SENDPAGE
#define TLSK_MSG_CORK MSG_MORE
#else
#define TLSK_MSG_CORK 0
#endif

/*
 * TX hands sealed records to TCP by reference: do_tcp_sendpages() went
 * with ->sendpage in 6.5, whose tcp_sendmsg_locked() takes
 * MSG_SPLICE_PAGES instead.
 */
#ifdef TLSK_PROBED_SENDPAGE
#define TLSK_HAVE_DO_TCP_SENDPAGES 1
#else
#define TLSK_HAVE_DO_TCP_SENDPAGES 0
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

/*
 * 6.12's tcp_ulp_ops.get_info says whether the diag caller has
 * CAP_NET_ADMIN (the ULP name goes to everybody, the details need not);
 * 6.1 calls it for CAP_NET_ADMIN callers only. Everything tlsk reports
 * there is what ss shows for kTLS, so tlsk answers both alike.
 */
#ifdef TLSK_PROBED_ULP_INFO_NET_ADMIN
#define TLSK_ULP_GET_INFO_ARGS \
	struct sock *sk, struct sk_buff *skb, bool net_admin
#else
#define TLSK_ULP_GET_INFO_ARGS struct sock *sk, struct sk_buff *skb
#endif

/* The same for get_info_size, in 7.x. */
#ifdef TLSK_PROBED_ULP_INFO_SIZE_NET_ADMIN
#define TLSK_ULP_GET_INFO_SIZE_ARGS const struct sock *sk, bool net_admin
#else
#define TLSK_ULP_GET_INFO_SIZE_ARGS const struct sock *sk
#endif

/*
 * 7.x dropped proto->recvmsg's addr_len argument (TCP never set it).
 * TLSK_RECVMSG_ARGS are a proto recvmsg's parameters; a call forwarding
 * them tests TLSK_HAVE_RECVMSG_ADDR_LEN.
 */
#ifdef TLSK_PROBED_RECVMSG_ADDR_LEN
#define TLSK_HAVE_RECVMSG_ADDR_LEN 1
#define TLSK_RECVMSG_ARGS \
	struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len
#else
#define TLSK_HAVE_RECVMSG_ADDR_LEN 0
#define TLSK_RECVMSG_ARGS \
	struct sock *sk, struct msghdr *msg, size_t len, int flags
#endif

/*
 * The socket owner's uid: 7.x reads it locklessly with sk_uid() and has
 * no sock_i_uid() any more.
 */
#include <net/sock.h>
#ifdef TLSK_PROBED_SK_UID
#define TLSK_HAVE_SK_UID 1
static inline kuid_t tlsk_sock_uid(struct sock *sk)
{
	return sk_uid(sk);
}
#else
#define TLSK_HAVE_SK_UID 0
static inline kuid_t tlsk_sock_uid(struct sock *sk)
{
	return sock_i_uid(sk);
}
#endif

/*
 * 6.12 moved the unaligned access helpers from <asm/unaligned.h> to
 * <linux/unaligned.h>.
 */
#ifdef TLSK_PROBED_LINUX_UNALIGNED_H
#define TLSK_HAVE_LINUX_UNALIGNED_H 1
#include <linux/unaligned.h>
#else
#define TLSK_HAVE_LINUX_UNALIGNED_H 0
#include <asm/unaligned.h>
#endif

/*
 * Joining the events multicast group must need CAP_NET_ADMIN: events name
 * other users' sockets. GENL_MCAST_CAP_NET_ADMIN is 6.7's, and Debian's
 * 6.1 has it backported; without it there is no way to say so.
 */
#include <net/genetlink.h>
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "tlsk needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.7, or a backport)"
#endif

#endif /* _TLSK_COMPAT_H */
