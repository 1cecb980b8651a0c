// SPDX-License-Identifier: MIT
/*
 * The end of a service's TLS stream after the hand-off: close_notify (RFC
 * 8446 6.1, RFC 5246 7.2.1) and the fatal alert of a read error (RFC 8446
 * 6.2), which the kernel seals as alert records on request; and, on a
 * stream relayed by tlskd, whether it was tlskd that ended it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/tls.h>

#include "tlsk/handoff.h"
#include "tlsk/service.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define CT_ALERT		21
#define ALERT_LEVEL_WARNING	1
#define ALERT_CLOSE_NOTIFY	0

/* tlskd's relay hands the service a Unix stream, not the TCP socket. */
static int is_relayed(int fd, int *relayed)
{
	int proto = 0;
	socklen_t len = sizeof(proto);

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0)
		return -errno;
	*relayed = proto != IPPROTO_TCP;
	return 0;
}

int tlsk_read_failed(int fd, int err)
{
	int relayed = 0, rc = is_relayed(fd, &relayed);

	if (rc)
		return rc;
	if (relayed)	/* the relay has told the peer */
		return -ENOMSG;
	return tlsk_kernel_send_fatal(fd, err);
}

int tlsk_close_notify(int fd)
{
	static const uint8_t alert[2] = { ALERT_LEVEL_WARNING,
					  ALERT_CLOSE_NOTIFY };
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = { .iov_base = (void *)alert,
			     .iov_len = sizeof(alert) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int relayed = 0, rc = is_relayed(fd, &relayed);

	if (rc)
		return rc;
	if (relayed)	/* tlskd's relay: it sends the alert */
		return shutdown(fd, SHUT_WR) < 0 ? -errno : 0;
	memset(cbuf, 0, sizeof(cbuf));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(cmsg) = CT_ALERT;
	return sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * A relayed stream is one end of a socketpair tlskd made, so SO_PEERCRED
 * names tlskd's process. A Unix stream end reads EOF however its peer went
 * away (a reset needs unread bytes on the closing side, which tlskd cannot
 * keep without stalling the service's writes); what differs is what is
 * left of the other end. tlskd ends a relay on the peer's close_notify by
 * shutting down its writing side only, and keeps its end open until the
 * service closes: no POLLHUP then. POLLHUP (both sides shut) comes when
 * tlskd closed its end (a TLS error, or the service had shut its own side
 * first) or died; then its process tells: one that is gone, or exiting
 * (its descriptors are closed before it becomes a zombie, so the EOF can
 * come first: hence the short wait on its pidfd), lost the relay.
 */
#define RELAY_EXIT_WAIT_MS	200

static int process_gone(pid_t pid)
{
	struct pollfd p = { .events = POLLIN };
	int rc;

	p.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return errno == ESRCH;
	do
		rc = poll(&p, 1, RELAY_EXIT_WAIT_MS);
	while (rc < 0 && errno == EINTR);
	close(p.fd);
	return rc > 0;
}

int tlsk_relay_check(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int proto = 0;
	socklen_t plen = sizeof(proto);

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) < 0)
		return -errno;
	if (proto == IPPROTO_TCP)	/* kernel TLS: no relay to lose */
		return 0;
	if (poll(&p, 1, 0) < 0)
		return -errno;
	if (!(p.revents & POLLHUP))	/* tlskd's end is still open */
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.pid <= 0 || process_gone(cred.pid))
		return -TLSK_ERR_DAEMON_LOST;
	return 0;
}
