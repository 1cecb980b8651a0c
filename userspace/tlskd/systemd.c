// SPDX-License-Identifier: MIT
/*
 * sd_notify and socket activation, by hand (systemd.h). The protocols are
 * systemd's stable interfaces (sd_notify(3), sd_listen_fds(3)):
 *
 * - $NOTIFY_SOCKET names a unix datagram socket, a path, or an abstract
 *   name when it starts with '@' (the '@' stands for the leading NUL);
 *   each datagram is newline-separated VAR=value assignments.
 * - $WATCHDOG_USEC asks for WATCHDOG=1 more often than that; we ping at
 *   half of it, from the event loop, so a loop that hangs stops pinging.
 *   $WATCHDOG_PID, when set, must be ours.
 * - $LISTEN_PID must be ours and $LISTEN_FDS counts descriptors from 3.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "systemd.h"

/* A positive decimal number that fits, else 0. */
static unsigned long long env_number(const char *name)
{
	const char *v = getenv(name);
	unsigned long long n;
	char *end;

	if (!v || !*v || *v < '0' || *v > '9')
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	return errno || *end ? 0 : n;
}

static int set_address(struct sd_link *l, const char *name)
{
	size_t len = strlen(name);

	if ((name[0] != '/' && name[0] != '@') || len < 2 ||
	    len > sizeof(l->addr.sun_path))
		return -EINVAL;
	memset(&l->addr, 0, sizeof(l->addr));
	l->addr.sun_family = AF_UNIX;
	memcpy(l->addr.sun_path, name, len);
	if (name[0] == '@')
		l->addr.sun_path[0] = '\0';	/* abstract: exact length */
	else if (len == sizeof(l->addr.sun_path))
		return -ENAMETOOLONG;		/* no room for the NUL */
	l->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				  len + (name[0] == '/'));
	return 0;
}

void sd_link_open(struct sd_link *l, uint64_t now_ms)
{
	const char *name = getenv("NOTIFY_SOCKET");
	unsigned long long usec = env_number("WATCHDOG_USEC");
	unsigned long long pid = env_number("WATCHDOG_PID");

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (!name || !*name)
		return;
	if (set_address(l, name)) {
		log_warn("NOTIFY_SOCKET=%s: not a socket path or @name; "
			 "not notifying systemd", name);
		return;
	}
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		log_warn("notify socket: %s", strerror(errno));
		return;
	}
	if (usec && (!pid || pid == (unsigned long long)getpid())) {
		l->watchdog_ms = usec / 2000 ? usec / 2000 : 1;
		l->watchdog_next_ms = now_ms + l->watchdog_ms;
	}
}

void sd_link_notify(struct sd_link *l, const char *state)
{
	if (l->fd < 0)
		return;
	/* Never block the loop on a busy manager: the datagram is dropped
	 * (and the watchdog pings again soon). */
	if (sendto(l->fd, state, strlen(state), MSG_DONTWAIT | MSG_NOSIGNAL,
		   (const struct sockaddr *)&l->addr, l->addr_len) < 0)
		log_debug("notify %s: %s", state, strerror(errno));
}

void sd_link_tick(struct sd_link *l, uint64_t now_ms)
{
	if (!l->watchdog_ms || now_ms < l->watchdog_next_ms)
		return;
	sd_link_notify(l, "WATCHDOG=1");
	l->watchdog_next_ms = now_ms + l->watchdog_ms;
}

uint64_t sd_link_next(const struct sd_link *l)
{
	return l->watchdog_ms ? l->watchdog_next_ms : UINT64_MAX;
}

void sd_link_close(struct sd_link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->watchdog_ms = 0;
}

static int check_listener(int fd)
{
	int type = 0, domain = 0, listening = 0, flags;
	socklen_t len = sizeof(int);
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return -errno;
	if (domain != AF_UNIX || type != SOCK_SEQPACKET || !listening)
		return -EPROTOTYPE;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

int sd_listen_fd(void)
{
	const char *pid_s = getenv("LISTEN_PID");
	unsigned long long pid = env_number("LISTEN_PID");
	unsigned long long n = env_number("LISTEN_FDS");
	int rc;

	if (!pid_s) {
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		return -1;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (pid != (unsigned long long)getpid())
		return -1;	/* meant for another process */
	if (n != 1) {
		log_err("socket activation: LISTEN_FDS must be 1 (the request "
			"socket), not %llu", n);
		return -EINVAL;
	}
	rc = check_listener(SD_LISTEN_FDS_START);
	if (rc) {
		log_err("socket activation: fd %d is not a listening unix "
			"SOCK_SEQPACKET socket: %s", SD_LISTEN_FDS_START,
			strerror(-rc));
		return rc;
	}
	return SD_LISTEN_FDS_START;
}
