// SPDX-License-Identifier: MIT
/*
 * The service side of tlskd: tlsk_handshake() and its non-blocking form.
 * One Unix connection per handshake keeps the client trivial and lets the
 * daemon notice a service that gives up (its end closes).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "tlsk/service.h"

/* The daemon enforces the handshake deadline; we wait this much longer
 * for its reply so that its answer, not our timer, reports the timeout. */
#define REPLY_MARGIN_MS		2000
#define DEFAULT_WAIT_MS		30000

struct tlsk_pending {
	int sock;	/* connection to tlskd */
	int fd;		/* the service's socket */
	uint32_t id;
};

const char *tlsk_service_socket(const char *path)
{
	const char *env;

	if (path && *path)
		return path;
	env = getenv("TLSK_SOCKET");
	return env && *env ? env : TLSK_SERVICE_SOCKET;
}

static int connect_daemon(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

static int copy_param(char *dst, size_t size, const char *src)
{
	if (!src)
		return 0;
	if (strlen(src) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, src);
	return 0;
}

static int build_request(const struct tlsk_params *prm, uint32_t id,
			 uint8_t *buf, size_t cap)
{
	struct tlsk_request req = {
		.type = TLSK_MSG_HANDSHAKE,
		.id = id,
		.role = (uint8_t)prm->role,
		.timeout_ms = prm->timeout_ms > 0 ? (uint32_t)prm->timeout_ms : 0,
	};

	if (copy_param(req.profile, sizeof(req.profile), prm->profile) ||
	    copy_param(req.server_name, sizeof(req.server_name),
		       prm->server_name) ||
	    copy_param(req.alpn, sizeof(req.alpn), prm->alpn))
		return -ENAMETOOLONG;
	if (!req.profile[0])
		strcpy(req.profile, "default");
	return tlsk_msg_encode_request(&req, buf, cap);
}

static uint32_t next_id(void)
{
	static uint32_t counter;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec ^ ++counter;
}

int tlsk_handshake_start(int fd, const struct tlsk_params *params,
			 struct tlsk_pending **pp)
{
	uint8_t msg[TLSK_MSG_MAX];
	struct tlsk_pending *p;
	int len, rc;

	*pp = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = fd;
	p->id = next_id();
	len = build_request(params, p->id, msg, sizeof(msg));
	if (len < 0) {
		free(p);
		return len;
	}
	p->sock = connect_daemon(tlsk_service_socket(params->socket_path));
	if (p->sock < 0) {
		rc = p->sock;
		free(p);
		return rc;
	}
	rc = tlsk_send_msg_fd(p->sock, msg, (size_t)len, fd);
	if (rc) {
		tlsk_pending_cancel(p);
		return rc;
	}
	*pp = p;
	return 0;
}

int tlsk_pending_fd(const struct tlsk_pending *p)
{
	return p->sock;
}

void tlsk_pending_cancel(struct tlsk_pending *p)
{
	if (!p)
		return;
	close(p->sock);
	free(p);
}

/*
 * A proxied session (no kernel TLS on this host): the daemon carries the
 * records and gave us a stream socket to its relay; it replaces fd so the
 * service keeps using the same descriptor number.
 */
static int adopt_proxy(struct tlsk_pending *p, int stream)
{
	int rc = 0;

	if (dup3(stream, p->fd, O_CLOEXEC) < 0)
		rc = -errno;
	close(stream);
	return rc;
}

static int read_reply(struct tlsk_pending *p, struct tlsk_result *res)
{
	uint8_t msg[TLSK_MSG_MAX];
	uint32_t id;
	int stream, rc;
	ssize_t n;

	n = tlsk_recv_msg_fd(p->sock, msg, sizeof(msg), &stream, MSG_DONTWAIT);
	if (n == -EAGAIN || n == -EWOULDBLOCK)
		return -EAGAIN;
	if (n == 0)
		n = -ECONNRESET;	/* the daemon went away */
	if (n < 0)
		return (int)n;
	rc = tlsk_msg_decode_reply(msg, (size_t)n, &id, res);
	if (rc == 0 && id != p->id)
		rc = -EBADMSG;
	if (rc == 0 && res->status == 0 && res->proxied != (stream >= 0))
		rc = -EBADMSG;
	if (rc == 0 && res->status == 0 && stream >= 0)
		return adopt_proxy(p, stream);
	if (stream >= 0)
		close(stream);
	if (rc == 0 && res->status)
		rc = -res->status;
	return rc;
}

static void fail_result(struct tlsk_result *res, int err, const char *why)
{
	memset(res, 0, sizeof(*res));
	res->status = -err;
	res->alert = TLSK_ALERT_NONE;
	strncpy(res->reason, why, sizeof(res->reason) - 1);
}

static const char *local_reason(int err)
{
	switch (err) {
	case -ECONNRESET:
		return "tlskd closed the connection before replying";
	case -ETIMEDOUT:
		return "no reply from tlskd in time";
	case -EBADMSG:
		return "malformed reply from tlskd";
	default:
		return strerror(-err);
	}
}

int tlsk_handshake_finish(struct tlsk_pending *p, struct tlsk_result *res)
{
	int rc = read_reply(p, res);

	if (rc == -EAGAIN)
		return rc;
	/* A daemon-side failure comes with its own reason; ours need one. */
	if (rc && (res->status == 0 || -res->status != rc))
		fail_result(res, rc, local_reason(rc));
	tlsk_pending_cancel(p);
	return rc;
}

int tlsk_handshake(int fd, const struct tlsk_params *params,
		   struct tlsk_result *res)
{
	int wait = params->timeout_ms > 0 ?
		   params->timeout_ms + REPLY_MARGIN_MS : DEFAULT_WAIT_MS;
	struct tlsk_pending *p;
	int rc = tlsk_handshake_start(fd, params, &p);

	if (rc) {
		fail_result(res, rc, rc == -ENOENT || rc == -ECONNREFUSED ?
			    "tlskd is not running" : local_reason(rc));
		return rc;
	}
	for (;;) {
		struct pollfd pfd = { .fd = p->sock, .events = POLLIN };

		rc = poll(&pfd, 1, wait);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			rc = rc == 0 ? -ETIMEDOUT : -errno;
			fail_result(res, rc, local_reason(rc));
			tlsk_pending_cancel(p);
			return rc;
		}
		rc = tlsk_handshake_finish(p, res);
		if (rc != -EAGAIN)
			return rc;
	}
}

int tlsk_daemon_status(const char *socket_path, struct tlsk_daemon_status *st)
{
	struct tlsk_request req = { .type = TLSK_MSG_STATUS, .id = next_id() };
	uint8_t msg[TLSK_MSG_MAX];
	struct pollfd pfd = { .events = POLLIN };
	int len, fd, rc;
	uint32_t id;
	ssize_t n;

	len = tlsk_msg_encode_request(&req, msg, sizeof(msg));
	if (len < 0)
		return len;
	pfd.fd = connect_daemon(tlsk_service_socket(socket_path));
	if (pfd.fd < 0)
		return pfd.fd;
	rc = tlsk_send_msg_fd(pfd.fd, msg, (size_t)len, -1);
	if (!rc && poll(&pfd, 1, DEFAULT_WAIT_MS) <= 0)
		rc = -ETIMEDOUT;
	if (!rc) {
		n = tlsk_recv_msg_fd(pfd.fd, msg, sizeof(msg), &fd, 0);
		if (fd >= 0)
			close(fd);
		rc = n == 0 ? -ECONNRESET : n < 0 ? (int)n :
		     tlsk_msg_decode_status(msg, (size_t)n, &id, st);
		if (!rc && id != req.id)
			rc = -EBADMSG;
	}
	close(pfd.fd);
	return rc;
}
