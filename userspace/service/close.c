// SPDX-License-Identifier: MIT
/*
 * close_notify (RFC 8446 6.1, RFC 5246 7.2.1) and the fatal alert of a
 * read error (RFC 8446 6.2) for a service's socket after the hand-off:
 * the kernel seals them as alert records on request.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

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
