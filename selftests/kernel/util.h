/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the kernel selftests: connected TCP pairs over loopback
 * and attaching the ULP under test.
 */
#ifndef TLSK_SELFTEST_UTIL_H
#define TLSK_SELFTEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tlsk.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/*
 * Connects a client to a fresh loopback listener of the given family.
 * On success *cfd and *sfd are the two ends and 0 is returned; on failure
 * -errno, with nothing left open.
 */
static inline int tcp_pair(int family, int *cfd, int *sfd)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int lfd, c = -1, s = -1, err;

	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	}
	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&ss, len) ||
	    listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len))
		goto fail;
	c = socket(family, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&ss, len))
		goto fail;
	s = accept(lfd, NULL, NULL);
	if (s < 0)
		goto fail;
	close(lfd);
	*cfd = c;
	*sfd = s;
	return 0;
fail:
	err = -errno;
	if (c >= 0)
		close(c);
	close(lfd);
	return err;
}

static inline int attach_ulp(int fd, const char *name)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, name, strlen(name) + 1);
}

/* Close with RST so the socket is destroyed now, not after FIN/TIME_WAIT. */
static inline void close_now(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

#endif /* TLSK_SELFTEST_UTIL_H */
