/* SPDX-License-Identifier: MIT */
/*
 * systemd integration without libsystemd: the sd_notify(3) datagram
 * protocol (READY=1, STOPPING=1, WATCHDOG=1 to $NOTIFY_SOCKET) and socket
 * activation (sd_listen_fds(3): $LISTEN_FDS descriptors from fd 3 on, for
 * the process named by $LISTEN_PID). Both do nothing when systemd (or a
 * test standing in for it) has not set the variables.
 */
#ifndef TLSKD_SYSTEMD_H
#define TLSKD_SYSTEMD_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define SD_LISTEN_FDS_START	3

struct sd_link {
	int fd;				/* -1: no $NOTIFY_SOCKET */
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_ms;		/* ping interval, 0: no watchdog */
	uint64_t watchdog_next_ms;
};

/* Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID; a bad value is
 * logged and ignored. Always leaves l usable. */
void sd_link_open(struct sd_link *l, uint64_t now_ms);
/* Sends one state string ("READY=1\nSTATUS=..."); no-op without a socket. */
void sd_link_notify(struct sd_link *l, const char *state);
/* Pings the watchdog when due. */
void sd_link_tick(struct sd_link *l, uint64_t now_ms);
/* The next ping, UINT64_MAX without a watchdog. */
uint64_t sd_link_next(const struct sd_link *l);
void sd_link_close(struct sd_link *l);

/*
 * The request socket systemd passed (tlskd.socket), checked to be a
 * listening AF_UNIX SOCK_SEQPACKET socket and made non-blocking and
 * close-on-exec. -1: not socket-activated; negative errno (logged): the
 * variables or the descriptor are not what tlskd can use. Unsets the
 * LISTEN_* variables either way.
 */
int sd_listen_fd(void);

#endif /* TLSKD_SYSTEMD_H */
