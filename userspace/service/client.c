// SPDX-License-Identifier: MIT
/*
 * The service side of tlskd: tlsk_handshake() and its non-blocking form.
 * One Unix connection per handshake keeps the client trivial and lets the
 * daemon notice a service that gives up (its end closes).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
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
/* Longest pause between two connect() attempts while tlskd's listen
 * backlog is full (AF_UNIX has no EINPROGRESS to wait on). */
#define CONNECT_NAP_MAX_MS	32

struct tlsk_pending {
	int sock;	/* connection to tlskd */
	int fd;		/* the service's socket */
	uint32_t id;
	uint64_t deadline;	/* CLOCK_MONOTONIC ms: no reply by then */
};

const char *tlsk_service_socket(const char *path)
{
	const char *env;

	if (path && *path)
		return path;
	/* Not in a set-id program: its invoker must not pick the daemon it
	 * hands sockets to (and whose replies it trusts). */
	env = secure_getenv("TLSK_SOCKET");
	return env && *env ? env : TLSK_SERVICE_SOCKET;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC ms), for poll(). */
static int left_ms(uint64_t deadline)
{
	uint64_t now = mono_ms();

	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

/*
 * A non-blocking connection to tlskd, so that a daemon that is stalled or
 * overloaded (its listen backlog full) never blocks the caller: connect()
 * then fails with EAGAIN at once, and is retried with short naps until
 * deadline. Returns the socket (O_NONBLOCK), -EAGAIN when the backlog was
 * still full at the deadline, or another negative errno.
 */
static int connect_daemon(const char *path, uint64_t deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, nap = 1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	while (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno, left = left_ms(deadline);

		if (err == EINTR)
			continue;
		if (err != EAGAIN || left == 0) {
			close(s);
			return -err;
		}
		poll(NULL, 0, nap < left ? nap : left);
		nap = nap < CONNECT_NAP_MAX_MS ? 2 * nap : CONNECT_NAP_MAX_MS;
	}
	return s;
}

/* One message (and fd) to tlskd, waiting for room until deadline. */
static int send_daemon(int sock, const uint8_t *msg, size_t len, int fd,
		       uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLOUT };
		int rc = tlsk_send_msg_fd(sock, msg, len, fd);

		if (rc != -EAGAIN)
			return rc;
		rc = poll(&pfd, 1, left_ms(deadline));
		if (rc == 0 || (rc < 0 && errno != EINTR))
			return -EAGAIN;
	}
}

/* What a broken connection to tlskd means for the caller. */
static int daemon_error(int err)
{
	return err == -ECONNRESET || err == -EPIPE ? -TLSK_ERR_DAEMON_LOST :
	       err;
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

/*
 * Connects and sends the request, waiting for tlskd until deadline at
 * most (now: not at all). -EAGAIN: tlskd did not take the connection or
 * the request in time.
 */
static int start_request(int fd, const struct tlsk_params *params,
			 uint64_t deadline, struct tlsk_pending **pp,
			 bool *at_connect)
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
	p->deadline = deadline;
	len = build_request(params, p->id, msg, sizeof(msg));
	if (len < 0) {
		free(p);
		return len;
	}
	p->sock = connect_daemon(tlsk_service_socket(params->socket_path),
				 deadline);
	if (p->sock < 0) {
		rc = p->sock;
		free(p);
		*at_connect = true;
		return rc;
	}
	rc = send_daemon(p->sock, msg, (size_t)len, fd, deadline);
	if (rc) {
		tlsk_pending_cancel(p);
		return daemon_error(rc);
	}
	*pp = p;
	return 0;
}

/* The deadline of a whole handshake call, as tlsk_handshake() waits. */
static uint64_t call_deadline(const struct tlsk_params *params)
{
	return mono_ms() + (uint64_t)(params->timeout_ms > 0 ?
				      params->timeout_ms + REPLY_MARGIN_MS :
				      DEFAULT_WAIT_MS);
}

int tlsk_handshake_start(int fd, const struct tlsk_params *params,
			 struct tlsk_pending **pp)
{
	bool at_connect = false;
	int rc = start_request(fd, params, mono_ms(), pp, &at_connect);

	if (rc == 0)	/* from now on, the caller's loop waits */
		(*pp)->deadline = call_deadline(params);
	return rc == -EAGAIN ? -EBUSY : rc;
}

int tlsk_pending_fd(const struct tlsk_pending *p)
{
	return p->sock;
}

int tlsk_pending_timeout_ms(const struct tlsk_pending *p)
{
	return left_ms(p->deadline);
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
		return left_ms(p->deadline) ? -EAGAIN : -ETIMEDOUT;
	if (n == 0)	/* the daemon went away without a word */
		n = -TLSK_ERR_DAEMON_LOST;
	if (n < 0)
		return daemon_error((int)n);
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
	case -TLSK_ERR_DAEMON_LOST:
		return "tlskd closed the connection before replying "
		       "(it crashed, was killed or restarted)";
	case -ETIMEDOUT:
		return "no reply from tlskd in time";
	case -EBUSY:
		return "tlskd is not accepting connections (listen backlog "
		       "full)";
	case -EBADMSG:
		return "malformed reply from tlskd";
	default:
		return strerror(-err);
	}
}

/* Why tlskd's socket could not be reached, with its path and a hint. */
static void connect_reason(struct tlsk_result *res, const char *socket_path,
			   int err)
{
	const char *path = tlsk_service_socket(socket_path);
	const char *hint = "";

	if (err == -ENOENT || err == -ECONNREFUSED)
		hint = " (tlskd is not running, or listens elsewhere: "
		       "tlskd.conf's socket, $TLSK_SOCKET)";
	else if (err == -EACCES || err == -EPERM)
		hint = " (this user must be in tlskd.conf's socket-group, "
		       "and may need to log in again after joining it)";
	snprintf(res->reason, sizeof(res->reason),
		 "cannot connect to tlskd at %s: %s%s", path, strerror(-err),
		 hint);
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
	struct tlsk_pending *p;
	bool at_connect = false;
	int rc = start_request(fd, params, call_deadline(params), &p,
			       &at_connect);

	if (rc) {
		fail_result(res, rc == -EAGAIN ? -ETIMEDOUT : rc,
			    rc == -EAGAIN ? "tlskd did not take the request "
			    "in time (listen backlog full)" : local_reason(rc));
		if (at_connect && rc != -EAGAIN)
			connect_reason(res, params->socket_path, rc);
		return rc == -EAGAIN ? -ETIMEDOUT : rc;
	}
	for (;;) {
		struct pollfd pfd = { .fd = p->sock, .events = POLLIN };

		rc = poll(&pfd, 1, left_ms(p->deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			rc = -errno;
			fail_result(res, rc, local_reason(rc));
			tlsk_pending_cancel(p);
			return rc;
		}
		/* Also at the deadline: a reply that is there is taken. */
		rc = tlsk_handshake_finish(p, res);
		if (rc != -EAGAIN)
			return rc;
	}
}

/* One request without an fd, one reply into msg: its length, or a
 * negative errno. */
static int daemon_query(const char *socket_path, const struct tlsk_request *req,
			uint8_t *msg, size_t cap)
{
	uint64_t deadline = mono_ms() + DEFAULT_WAIT_MS;
	struct pollfd pfd = { .events = POLLIN };
	int len, fd, rc;
	ssize_t n = 0;

	len = tlsk_msg_encode_request(req, msg, cap);
	if (len < 0)
		return len;
	pfd.fd = connect_daemon(tlsk_service_socket(socket_path), deadline);
	if (pfd.fd < 0)
		return pfd.fd == -EAGAIN ? -ETIMEDOUT : pfd.fd;
	rc = daemon_error(send_daemon(pfd.fd, msg, (size_t)len, -1, deadline));
	if (!rc && poll(&pfd, 1, left_ms(deadline)) <= 0)
		rc = -ETIMEDOUT;
	if (!rc) {
		n = tlsk_recv_msg_fd(pfd.fd, msg, cap, &fd, MSG_DONTWAIT);
		if (fd >= 0)
			close(fd);
		rc = n == 0 ? -TLSK_ERR_DAEMON_LOST :
		     n < 0 ? daemon_error((int)n) : 0;
	}
	close(pfd.fd);
	return rc ? rc : (int)n;
}

int tlsk_daemon_status(const char *socket_path, struct tlsk_daemon_status *st)
{
	struct tlsk_request req = { .type = TLSK_MSG_STATUS, .id = next_id() };
	uint8_t msg[TLSK_MSG_MAX];
	uint32_t id;
	int n = daemon_query(socket_path, &req, msg, sizeof(msg));
	int rc;

	if (n < 0)
		return n;
	rc = tlsk_msg_decode_status(msg, (size_t)n, &id, st);
	return !rc && id != req.id ? -EBADMSG : rc;
}

int tlsk_daemon_ticket_keys(const char *socket_path, int rotate,
			    struct tlsk_ticket_keys_info *tk)
{
	struct tlsk_request req = {
		.type = TLSK_MSG_TICKET_KEYS, .id = next_id(),
		.rotate = rotate ? 1 : 0,
	};
	uint8_t msg[TLSK_MSG_MAX];
	uint32_t id;
	int n = daemon_query(socket_path, &req, msg, sizeof(msg));
	int rc;

	memset(tk, 0, sizeof(*tk));
	if (n < 0)
		return n;
	rc = tlsk_msg_decode_ticket_keys(msg, (size_t)n, &id, tk);
	if (!rc && id != req.id)
		rc = -EBADMSG;
	return rc ? rc : -tk->status;
}
