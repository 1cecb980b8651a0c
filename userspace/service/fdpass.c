// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

/* Room for every fd a message can carry (SCM_MAX_FD), so that none is
 * left to the kernel to drop (MSG_CTRUNC): that drop is a last reference
 * put in the receiver's thread, where a socket with SO_LINGER would sleep
 * (tlskd's loop); taken, each goes to the dispose callback. */
#define MAX_FDS 253

int tlsk_send_msg_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/* Collects the fds of every SCM_RIGHTS header: the first into *fd, the
 * rest closed. Returns how many arrived. */
static int take_fds(struct msghdr *mh, int *fd, void (*dispose)(int))
{
	int count = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (count++ == 0)
				*fd = f;
			else
				dispose(f);
		}
	}
	return count;
}

static void close_fd(int fd)
{
	close(fd);
}

ssize_t tlsk_recv_msg_fd(int sock, void *buf, size_t cap, int *fd, int flags)
{
	return tlsk_recv_msg_fd_dispose(sock, buf, cap, fd, flags, close_fd);
}

ssize_t tlsk_recv_msg_fd_dispose(int sock, void *buf, size_t cap, int *fd,
				 int flags, void (*dispose)(int fd))
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	int count;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	count = take_fds(&mh, fd, dispose);
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || count > 1) {
		if (*fd >= 0)
			dispose(*fd);
		*fd = -1;
		return -EMSGSIZE;
	}
	return n;
}
