// SPDX-License-Identifier: MIT
/*
 * The service side of tlskd: tlsk_handshake() and its non-blocking form.
 * A request has a Unix connection of its own while it is in flight, so
 * replies never interleave and the daemon notices a service that gives up
 * (its end closes). A connection whose reply was read is kept for the
 * next request (see "Kept connections").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "service_int.h"

/* The daemon enforces the handshake deadline; we wait this much longer
 * for its reply so that its answer, not our timer, reports the timeout. */
#define REPLY_MARGIN_MS		2000
#define DEFAULT_WAIT_MS		30000
/* Longest pause between two connect() attempts while tlskd's listen
 * backlog is full (AF_UNIX has no EINPROGRESS to wait on). */
#define CONNECT_NAP_MAX_MS	32

/* Who this process is to tlskd: what it checks when a connection is made
 * (SO_PEERCRED's effective uid and gid, SO_PEERGROUPS). */
#define IDENT_GROUPS	64

struct ident {
	uid_t euid;
	gid_t egid;
	int ngroups;	/* -1: unknown (more than IDENT_GROUPS) */
	gid_t groups[IDENT_GROUPS];
};

struct tlsk_pending {
	int sock;	/* connection to tlskd */
	int fd;		/* the service's socket */
	uint32_t id;
	uint64_t deadline;	/* CLOCK_MONOTONIC ms: no reply by then */
	uint64_t sent_ms;	/* when the request went */
	bool keepable;		/* sock may serve the next request */
	bool caller_polls;	/* tlsk_handshake_start(): sock is the caller's
				 * to poll, kept only after tlsk_pending_keep() */
	struct ident who;	/* whose connection sock is */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
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
 * Kept connections. tlskd takes any number of requests on one connection,
 * so a request whose reply was read leaves its connection here for the
 * next one of this process: per handshake that spares the service
 * socket(), connect() and close(), and tlskd accept4(), two getsockopt(),
 * two epoll_ctl() and close(). Rules:
 * - Only a connection that is in step: its one request answered, the
 *   reply's id matched. A cancelled request's connection is closed, which
 *   is how tlskd learns that the service gave up.
 * - At most KEEP_MAX, each reused within KEEP_MS of its last request.
 *   tlskd closes a connection idle for caller-idle-timeout (1 s at the
 *   least), counted from the end of its last handshake, which came after
 *   that request: so a kept connection is never one tlskd may be closing.
 * - tlskd authorises a caller by the credentials its connection was made
 *   with. A kept connection serves only while the process's effective
 *   uid, gid and groups are still those (a service that drops privileges
 *   after its first handshake gets a new connection, with its new ones).
 * - A fork() child starts with none: the parent's stay the parent's.
 * - One tlskd closed meanwhile (restarted) fails the send: the request
 *   then goes on a new connection, as it was not delivered.
 */
#define KEEP_MAX	4
#define KEEP_MS		500

static struct {
	pthread_mutex_t lock;
	struct ident who;	/* of every kept connection */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int sock[KEEP_MAX];
	uint64_t sent_ms[KEEP_MAX];	/* its last request */
	size_t n;
} keep = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t keep_once = PTHREAD_ONCE_INIT;

static void ident_get(struct ident *id)
{
	id->euid = geteuid();
	id->egid = getegid();
	id->ngroups = getgroups(IDENT_GROUPS, id->groups);
}

static bool ident_same(const struct ident *a, const struct ident *b)
{
	return a->ngroups >= 0 && a->euid == b->euid && a->egid == b->egid &&
	       a->ngroups == b->ngroups &&
	       !memcmp(a->groups, b->groups,
		       (size_t)a->ngroups * sizeof(gid_t));
}

/* Closes every kept connection; keep.lock held. */
static void keep_drop_locked(void)
{
	while (keep.n)
		close(keep.sock[--keep.n]);
}

static void keep_fork_prepare(void)
{
	pthread_mutex_lock(&keep.lock);
}

static void keep_fork_parent(void)
{
	pthread_mutex_unlock(&keep.lock);
}

static void keep_fork_child(void)
{
	keep_drop_locked();
	pthread_mutex_unlock(&keep.lock);
}

static void keep_init(void)
{
	pthread_atfork(keep_fork_prepare, keep_fork_parent, keep_fork_child);
}

void tlsk_service_drop_kept(void)
{
	pthread_once(&keep_once, keep_init);
	pthread_mutex_lock(&keep.lock);
	keep_drop_locked();
	pthread_mutex_unlock(&keep.lock);
}

/* A kept connection to path for who, the most recent first, or -1. */
static int keep_take(const char *path, const struct ident *who)
{
	uint64_t now = mono_ms();
	int sock = -1;

	pthread_once(&keep_once, keep_init);
	pthread_mutex_lock(&keep.lock);
	if (keep.n && (strcmp(keep.path, path) != 0 ||
		       !ident_same(&keep.who, who)))
		keep_drop_locked();	/* another daemon, or not us any more */
	while (keep.n && sock < 0) {
		keep.n--;
		if (now - keep.sent_ms[keep.n] < KEEP_MS)
			sock = keep.sock[keep.n];
		else
			close(keep.sock[keep.n]);
	}
	pthread_mutex_unlock(&keep.lock);
	return sock;
}

/* Takes p's connection for a later request, or closes it. */
static void keep_put(struct tlsk_pending *p)
{
	int sock = p->sock;

	p->sock = -1;
	if (!p->keepable || p->caller_polls) {
		close(sock);
		return;
	}
	pthread_once(&keep_once, keep_init);
	pthread_mutex_lock(&keep.lock);
	if (keep.n && (strcmp(keep.path, p->path) != 0 ||
		       !ident_same(&keep.who, &p->who)))
		keep_drop_locked();	/* the newest identity wins */
	if (keep.n == KEEP_MAX) {
		close(sock);
	} else {
		if (!keep.n) {
			keep.who = p->who;
			strcpy(keep.path, p->path);
		}
		keep.sock[keep.n] = sock;
		keep.sent_ms[keep.n++] = p->sent_ms;
	}
	pthread_mutex_unlock(&keep.lock);
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

/* A send that failed because tlskd closed this connection (restarted,
 * or gone): the request did not reach it. */
static bool conn_gone(int err)
{
	return err == -EPIPE || err == -ECONNRESET || err == -ENOTCONN ||
	       err == -ECONNREFUSED;
}

/*
 * Sends the request on a kept connection, else on a new one, waiting for
 * tlskd until deadline at most (now: not at all). -EAGAIN: tlskd did not
 * take the connection or the request in time.
 */
static int start_request(int fd, const struct tlsk_params *params,
			 uint64_t deadline, struct tlsk_pending **pp,
			 bool *at_connect)
{
	const char *path = tlsk_service_socket(params->socket_path);
	uint8_t msg[TLSK_MSG_MAX];
	struct tlsk_pending *p;
	struct ident after;
	int len, rc;

	*pp = NULL;
	if (strlen(path) >= sizeof(p->path))
		return -ENAMETOOLONG;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = fd;
	p->id = next_id();
	p->deadline = deadline;
	strcpy(p->path, path);
	len = build_request(params, p->id, msg, sizeof(msg));
	if (len < 0) {
		free(p);
		return len;
	}
	ident_get(&p->who);
	while ((p->sock = keep_take(path, &p->who)) >= 0) {
		p->sent_ms = mono_ms();
		rc = send_daemon(p->sock, msg, (size_t)len, fd, deadline);
		if (!rc) {
			p->keepable = true;
			*pp = p;
			return 0;
		}
		close(p->sock);
		if (!conn_gone(rc)) {
			free(p);
			return daemon_error(rc);
		}
	}
	p->sock = connect_daemon(path, deadline);
	if (p->sock < 0) {
		rc = p->sock;
		free(p);
		*at_connect = true;
		return rc;
	}
	/* Kept only if it was made with the identity recorded for it. */
	ident_get(&after);
	p->keepable = ident_same(&p->who, &after);
	p->sent_ms = mono_ms();
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

	if (rc == 0) {	/* from now on, the caller's loop waits */
		(*pp)->deadline = call_deadline(params);
		(*pp)->caller_polls = true;
	}
	return rc == -EAGAIN ? -EBUSY : rc;
}

void tlsk_pending_keep(struct tlsk_pending *p)
{
	p->caller_polls = false;
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
	if (rc)		/* out of step with tlskd: never reused */
		p->keepable = false;
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
	if (rc && (res->status == 0 || -res->status != rc)) {
		fail_result(res, rc, local_reason(rc));
		p->keepable = false;	/* no reply of tlskd's, or a bad one */
	}
	keep_put(p);
	free(p);
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
