/* SPDX-License-Identifier: MIT */
/*
 * One SOCK_SEQPACKET message with at most one fd (SCM_RIGHTS), both ways.
 * Shared by the service API and tlskd; not installed.
 */
#ifndef TLSK_SERVICE_FDPASS_H
#define TLSK_SERVICE_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* Sends len bytes and, if fd >= 0, fd. 0 or negative errno. */
int tlsk_send_msg_fd(int sock, const void *buf, size_t len, int fd);

/*
 * Receives one message (flags: e.g. MSG_DONTWAIT). Returns its length, 0 at
 * EOF, or a negative errno; -EMSGSIZE when it was truncated. *fd gets the
 * one fd passed with it, or -1; extra fds, and the fd of a failed or
 * truncated message, are closed here so that none ever leaks.
 */
ssize_t tlsk_recv_msg_fd(int sock, void *buf, size_t cap, int *fd,
			 int flags);
/* The same, with the fds it does not return given to dispose() rather
 * than close() (tlskd's closer: a passed socket's close can linger). */
ssize_t tlsk_recv_msg_fd_dispose(int sock, void *buf, size_t cap, int *fd,
				 int flags, void (*dispose)(int fd));

#endif /* TLSK_SERVICE_FDPASS_H */
