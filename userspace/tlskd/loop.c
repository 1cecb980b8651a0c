// SPDX-License-Identifier: MIT
/*
 * tlskd's event loop.
 *
 * Process model
 * -------------
 * One process, one epoll set, and a second thread that only closes the
 * sockets services passed (closer.c: a close() can linger for as long as
 * the caller's SO_LINGER says), a third for files that are not sockets,
 * and a fourth that watches for a call on a service's socket that waits
 * for the socket's lock, and then lets a new thread take the loop over
 * (stall.c). Everything else that can block is a `struct watch` in that
 * set, level-triggered:
 *
 *   listener   the SOCK_SEQPACKET socket; accept() -> a peer
 *   peer       one service connection; each message is one request: a
 *              handshake (with the socket as SCM_RIGHTS) or a status query
 *   hs         one handshake: the engine plus tlskd's copy of the service's
 *              socket, woken when the socket is readable or writable; it
 *              sits in a min-heap by deadline, and epoll_wait() sleeps no
 *              longer than the nearest deadline, so a silent peer costs a
 *              heap entry, not a thread
 *   proxy      only without kernel TLS: the userspace record layer relaying
 *              between the TCP socket and a stream handed to the service
 *   signals    a signalfd: SIGHUP reloads, SIGTERM/SIGINT drain then
 *              stop (below)
 *   events     tlsk.ko's netlink "events" group, when the module is loaded
 *              and tlskd may join (CAP_NET_ADMIN): each event is logged
 *              (events.c); an absent family is looked up again on SIGHUP
 *              and every 30 s, a deadline like the handshakes'
 *
 * No watch may keep the loop: each does a bounded amount of work per
 * wakeup and returns; one with more to do is reported again by the next
 * epoll_wait(), after the other ready ones (docs/daemon.md, "Limits").
 * Callers are held to per-uid limits (quota.c); a caller that hangs up
 * cancels its handshakes, and one idle for caller-idle-timeout is closed.
 *
 * A request gets exactly one reply on the connection it came in on, and
 * tlskd's descriptor of the service's socket is closed once the reply is
 * sent (or the relay ends), on every path: refusal, failure, timeout,
 * success. Nothing secret is ever written to the Unix socket.
 *
 * Public-key operations (signatures, ECDHE) run inline. They take tens to
 * hundreds of microseconds each, far below network round trips; worker
 * threads would matter only for RSA-4096-heavy loads and are not used.
 *
 * A reload builds a new generation of the configuration next to the old
 * one; new requests use the new one, handshakes in flight keep a reference
 * to theirs, and a generation is freed with its last handshake. A config
 * that fails to parse or load is logged and the old one stays.
 *
 * Start-up: the listener (bound here, or systemd's with socket
 * activation), the keys and tlsk.ko's events are opened with whatever
 * privileges tlskd was started with; then it becomes `user` (privs.c) and
 * tells systemd READY=1. A reload therefore reads the files as that user.
 * With $WATCHDOG_USEC the loop pings systemd every half of it.
 *
 * Stop: the first SIGTERM closes the listener (STOPPING=1), refuses new
 * requests on open connections, and lets the handshakes in flight finish
 * until drain-timeout; then, or at a second signal, whatever is left gets
 * "tlskd is stopping" and tlskd exits. Relays end with the process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../service/fdpass.h"
#include "../service/service_int.h"
#include "closer.h"
#include "daemon.h"
#include "events.h"
#include "fleet.h"
#include "privs.h"
#include "systemd.h"
#include "log.h"
#include "loop.h"
#include "proxy.h"
#include "quota.h"
#include "stall.h"
#include "redis.h"
#include "sessstore.h"
#include "startcheck.h"
#include "tkredis.h"

#define MAX_EVENTS	256
#define LISTEN_PAUSE_MS	100
#define PEER_SCAN_MS	1000
#define REFUSED_GRACE_MS	1000

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int watch_add(struct daemon *d, struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	w->events = events;
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, w->fd, &ev);
}

int watch_mod(struct daemon *d, struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	w->events = events;
	return epoll_ctl(d->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void watch_del(struct daemon *d, struct watch *w)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->events = 0;
}

/* ---- configuration generations ---- */

void gen_put(struct gen *g)
{
	if (g && --g->refs == 0) {
		conf_free(&g->conf);
		free(g);
	}
}

static void log_diag(const struct conf_diag *diag, int level)
{
	char copy[sizeof(diag->text)];
	char *save = NULL;

	memcpy(copy, diag->text, sizeof(copy));
	for (char *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		tlskd_log(strstr(l, "warning:") ? LOG_WARNING : level, "%s", l);
}

/*
 * Reads, checks and loads a configuration, with ticket keys from *tickets
 * (filled here). Returns a generation or NULL, having logged why.
 */
struct gen *gen_load(const char *path, struct ticket_store *tickets,
		     struct ticket_store *live)
{
	struct conf_diag diag;
	struct tlsk_ticket_keys src;
	struct gen *g = calloc(1, sizeof(*g));
	int rc;

	memset(&diag, 0, sizeof(diag));
	if (!g)
		return NULL;
	rc = conf_read(&g->conf, path, &diag);
	/* After parse errors (-EINVAL: the rest was parsed) the files are
	 * still loaded, so that one run reports every problem. */
	if (!rc || rc == -EINVAL) {
		int parsed = rc;

		rc = tickets_load(tickets, g->conf.ticket_key_file,
				  g->conf.ticket_key_source ==
				  CONF_TICKETS_REDIS,
				  g->conf.ticket_rotation_s,
				  g->conf.session_lifetime_s, &diag);
		/* Engines always read the live store, whose address never
		 * changes. */
		src = tickets_source(live);
		if (!rc)
			rc = conf_load(&g->conf, &src, &diag);
		if (!rc)
			rc = parsed;
	}
	log_diag(&diag, LOG_ERR);
	if (rc) {
		tickets_scrub(tickets);
		conf_free(&g->conf);
		free(g);
		return NULL;
	}
	/* One daemon-wide store; resizing it drops the sessions. */
	if (sess_store_configure(g->conf.session_cache_size))
		log_err("no memory for %u TLS 1.2 sessions: session-ID "
			"resumption is off", g->conf.session_cache_size);
	g->refs = 1;
	return g;
}

static void reload(struct daemon *d)
{
	struct ticket_store fresh;
	struct gen *g;

	log_notice("SIGHUP: reloading %s", d->conf_path);
	events_refresh(d);
	g = gen_load(d->conf_path, &fresh, &d->tickets);
	if (!g) {
		log_err("reload failed; keeping the configuration loaded before");
		return;
	}
	if (strcmp(g->conf.socket_path, d->gen->conf.socket_path) != 0 &&
	    !d->socket_override)
		log_warn("socket path changes take effect on restart");
	if (strcmp(g->conf.user ? g->conf.user : "",
		   d->gen->conf.user ? d->gen->conf.user : "") != 0 ||
	    strcmp(g->conf.group ? g->conf.group : "",
		   d->gen->conf.group ? d->gen->conf.group : "") != 0)
		log_warn("user/group changes take effect on restart");
	tickets_replace(&d->tickets, &fresh);
	g->number = d->gen->number + 1;
	gen_put(d->gen);
	d->gen = g;
	log_set_level(g->conf.log_level);
	redis_configure(d);
	tkr_configure(d);
	log_notice("configuration %u loaded: %zu profiles", g->number,
		   g->conf.nprofiles);
}

/* ---- service connections ---- */

void peer_put(struct peer *p)
{
	char b;

	if (--p->refs == 0) {
		/* Messages left unread go with the connection, and their
		 * descriptors' last references with them, in this thread. */
		if (recv(p->w.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
			closer_guard_begin();
			close(p->w.fd);
			closer_guard_end();
		} else {
			close(p->w.fd);
		}
		free(p->groups);
		free(p);
	}
}

int daemon_reply(struct peer *p, uint32_t id, const struct tlsk_result *res,
		 int stream_fd)
{
	uint8_t msg[TLSK_MSG_MAX];
	int len = tlsk_msg_encode_reply(id, res, msg, sizeof(msg));
	int rc;

	if (len < 0) {
		log_err("cannot encode a reply: %s", strerror(-len));
		return len;
	}
	/* A service that hung up gets nothing: EPIPE is not our failure. */
	if (p->closed)
		return -EPIPE;
	rc = tlsk_send_msg_fd(p->w.fd, msg, (size_t)len, stream_fd);
	/* EAGAIN: a service that sends requests and reads no replies. */
	if (rc && rc != -EPIPE && rc != -ECONNRESET)
		tlskd_log_peer(LOG_CLASS_CALLER, LOG_WARNING,
			       "reply to pid %d lost: %s", (int)p->pid,
			       strerror(-rc));
	return rc;
}

static uint8_t ticket_source(const struct ticket_store *ts)
{
	return ts->from_redis ? TLSK_TICKETS_REDIS :
	       ts->from_file ? TLSK_TICKETS_FILE : TLSK_TICKETS_GENERATED;
}

/* The key set as tlskctl ticket-keys shows it: ids and times only. */
static void ticket_keys_describe(const struct daemon *d,
				 struct tlsk_ticket_keys_info *tk)
{
	const struct ticket_store *ts = &d->tickets;
	uint64_t now = tickets_now(), down;
	int c = tickets_current(ts, now);

	tk->source = ticket_source(ts);
	tk->redis = (uint8_t)tkr_state(&down);
	tk->rotation_s = ts->from_file ? 0 : ts->rotation_s;
	for (unsigned i = 0; i < ts->n && tk->n < TLSK_TICKET_KEYS_MAX; i++) {
		const struct ticket_key *k = &ts->keys[i];
		struct tlsk_ticket_key_info *o = &tk->keys[tk->n++];
		uint64_t from = ts->from_redis ? k->active_from : k->created;

		fleet_tk_field(k->name, o->id);
		o->state = (int)i == c ? TLSK_TICKET_KEY_CURRENT :
			   (int)i < c || c < 0 ? TLSK_TICKET_KEY_NEXT :
			   TLSK_TICKET_KEY_PREVIOUS;
		o->age_s = now > k->created ? now - k->created : 0;
		o->active_s = (int64_t)now - (int64_t)from;
	}
}

/*
 * tlskctl ticket-keys [rotate]. Listing needs what the status does (a
 * connection); rotating changes what every later ticket is sealed with,
 * so, like SIGHUP, it is for root and tlskd's own user only.
 */
static void ticket_keys_reply(struct daemon *d, struct peer *p,
			      const struct tlsk_request *req)
{
	struct tlsk_ticket_keys_info tk;
	uint8_t msg[TLSK_MSG_MAX];
	int rc = 0, len;

	memset(&tk, 0, sizeof(tk));
	if (req->rotate && p->uid != 0 && p->uid != geteuid()) {
		rc = -EPERM;
		snprintf(tk.reason, sizeof(tk.reason), "rotating ticket keys "
			 "needs root or tlskd's user (uid %u)",
			 (unsigned)geteuid());
		log_warn("pid %d uid %u: ticket key rotation refused",
			 (int)p->pid, (unsigned)p->uid);
	} else if (req->rotate) {
		rc = d->tickets.from_redis ? tkr_rotate(d) :
		     tickets_rotate_now(&d->tickets);
		if (rc == -EOPNOTSUPP)
			snprintf(tk.reason, sizeof(tk.reason), "the keys come "
				 "from ticket-key-file: rotate the file");
		else if (rc == -ENOTCONN)
			snprintf(tk.reason, sizeof(tk.reason), "Redis is "
				 "unreachable: the fleet's keys cannot rotate "
				 "now");
		else if (rc)
			snprintf(tk.reason, sizeof(tk.reason), "%s",
				 strerror(-rc));
		else
			log_notice("pid %d uid %u: ticket key rotation%s",
				   (int)p->pid, (unsigned)p->uid,
				   d->tickets.from_redis ?
				   " requested (in Redis within seconds)" : "");
	}
	tk.status = -rc;
	ticket_keys_describe(d, &tk);
	len = tlsk_msg_encode_ticket_keys(req->id, &tk, msg, sizeof(msg));
	if (len > 0)
		tlsk_send_msg_fd(p->w.fd, msg, (size_t)len, -1);
}

static void status_reply(struct daemon *d, struct peer *p, uint32_t id)
{
	struct tlsk_daemon_status st = {
		.hs_done = d->stats.hs_done,
		.hs_failed = d->stats.hs_failed,
		.hs_resumed = d->stats.hs_resumed,
		.hs_active = d->nhs,
		.proxies_active = d->nproxies,
		.req_refused = d->stats.req_refused,
		.req_malformed = d->stats.req_malformed,
		.ticket_keys = d->tickets.n,
		.ticket_key_age = tickets_age(&d->tickets),
		.ticket_rotation = d->tickets.from_file ? 0 :
				   d->tickets.rotation_s,
		/* sent only when not 0: only Redis, so that an older
		 * libtlsk still reads a tlskd without it */
		.ticket_source = d->tickets.from_redis ? TLSK_TICKETS_REDIS : 0,
		.session_cache = sess_store_count(),
		.uptime = (now_ms() - d->started_ms) / 1000,
		.config_gen = d->gen->number,
		.profiles = d->gen->conf.nprofiles,
	};

	st.session_store = redis_state(&st.session_store_down);
	st.ticket_redis = tkr_state(&st.ticket_redis_down);
	uint8_t msg[TLSK_MSG_MAX];
	int len = tlsk_msg_encode_status(id, &st, msg, sizeof(msg));

	if (len > 0)
		tlsk_send_msg_fd(p->w.fd, msg, (size_t)len, -1);
}

static void malformed(struct daemon *d, struct peer *p, const uint8_t *msg,
		      ssize_t len, int err)
{
	struct tlsk_result res;
	/* Echo the id when there is a header to take it from. */
	uint32_t id = len >= TLSK_MSG_HEADER_LEN ?
		      (uint32_t)msg[4] << 24 | (uint32_t)msg[5] << 16 |
		      (uint32_t)msg[6] << 8 | msg[7] : 0;

	memset(&res, 0, sizeof(res));
	res.alert = TLSK_ALERT_NONE;
	tlsk_result_fail(&res, err, err == -EMSGSIZE ?
			 "request too large or with too many fds" :
			 err == -EPROTONOSUPPORT ?
			 "unsupported protocol version" : "malformed request");
	d->stats.req_malformed++;
	tlskd_log_peer(LOG_CLASS_CALLER, LOG_WARNING, "pid %d uid %u: %s",
		       (int)p->pid, (unsigned)p->uid, res.reason);
	daemon_reply(p, id, &res, -1);
}

/* The connection ends: its handshakes are cancelled (a caller that hung
 * up wants none of them), and its uid's count drops. */
static void peer_close(struct daemon *d, struct peer *p)
{
	watch_del(d, &p->w);
	p->closed = true;
	if (p->prev)
		p->prev->next = p->next;
	else
		d->peers = p->next;
	if (p->next)
		p->next->prev = p->prev;
	if (p->counted)
		uid_put(d, p->uid, QUOTA_CONNS);
	if (p->refused)
		uid_put(d, p->uid, QUOTA_REFUSED);
	hs_cancel_peer(d, p);
	peer_put(p);
}

/* A connection over its uid's max-connections-per-uid: its first request
 * is answered with the refusal, then it is closed. */
static void refuse_connection(struct daemon *d, struct peer *p,
			      const struct tlsk_request *req, int fd)
{
	struct tlsk_result res;

	closer_close_untrusted(fd);
	if (req->type == TLSK_MSG_STATUS) {
		status_reply(d, p, req->id);
	} else {
		memset(&res, 0, sizeof(res));
		res.alert = TLSK_ALERT_NONE;
		tlsk_result_fail(&res, -EBUSY, "this uid has max-connections-"
				 "per-uid connections to tlskd");
		d->stats.req_refused++;
		daemon_reply(p, req->id, &res, -1);
	}
	peer_close(d, p);
}

/*
 * uids that passed a descriptor which went to the quarantine (not a
 * socket), while it is busy: one whose close() waits forever would
 * otherwise let the caller make tlskd hold one more descriptor with
 * every request, until tlskd has none left for anyone. Such a uid passes
 * no more descriptors until the quarantine is idle again; past
 * FOREIGN_UIDS_MAX uids, nobody does.
 */
#define FOREIGN_UIDS_MAX	64

static struct {
	uid_t uid[FOREIGN_UIDS_MAX];
	unsigned n;
	bool all;
	uid_t disposing;	/* whose extra descriptors dispose_extra() gets */
} foreign;

static void foreign_mark(uid_t uid)
{
	for (unsigned i = 0; i < foreign.n; i++)
		if (foreign.uid[i] == uid)
			return;
	if (foreign.n == FOREIGN_UIDS_MAX)
		foreign.all = true;
	else
		foreign.uid[foreign.n++] = uid;
	tlskd_log_peer(LOG_CLASS_CALLER, LOG_WARNING, "uid %u passed a "
		       "descriptor that is not a socket: until tlskd has "
		       "closed it, that uid's requests are read without "
		       "descriptors%s", (unsigned)uid,
		       foreign.all ? " (and, too many such uids, everyone's)" :
		       "");
}

static bool foreign_marked(uid_t uid)
{
	if (!foreign.n && !foreign.all)
		return false;
	if (!closer_quarantine_busy()) {
		foreign.n = 0;
		foreign.all = false;
		return false;
	}
	for (unsigned i = 0; i < foreign.n; i++)
		if (foreign.uid[i] == uid)
			return true;
	return foreign.all;
}

/* Descriptors beyond a message's first. */
static void dispose_extra(int fd)
{
	if (closer_close_untrusted(fd))
		foreign_mark(foreign.disposing);
}

/*
 * May this caller pass descriptors: is it allowed on some profile (root
 * always is), and has it no descriptor stuck in the quarantine? Only
 * then does tlskd take them into its table. Anyone else has no handshake
 * to ask for, and its descriptors, unread, are dropped by the kernel
 * without a close() (whose flush a file on the caller's own FUSE mount
 * could make wait forever; closer.c).
 */
static bool may_pass_fds(const struct daemon *d, const struct peer *p)
{
	const struct conf *c = &d->gen->conf;

	if (foreign_marked(p->uid))
		return false;
	for (size_t i = 0; i < c->nprofiles; i++)
		if (conf_profile_allows(&c->profiles[i], p->uid, p->gid,
					p->groups, p->ngroups))
			return true;
	return false;
}

/* One message, its descriptors (if any) left to the kernel to drop;
 * *dropped says whether there were some. */
static ssize_t recv_msg_no_fds(int sock, void *buf, size_t cap, bool *dropped)
{
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	closer_guard_begin();	/* the kernel's drop may linger */
	do
		n = recvmsg(sock, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	closer_guard_end();
	if (n < 0)
		return n;
	*dropped = mh.msg_flags & MSG_CTRUNC;
	return mh.msg_flags & MSG_TRUNC ? -EMSGSIZE : n;
}

static void peer_event(struct daemon *d, struct watch *w, uint32_t events)
{
	struct peer *p = (struct peer *)w;
	uint8_t msg[TLSK_MSG_MAX];
	struct tlsk_request req;
	bool dropped = false;
	ssize_t n;
	int fd = -1, rc;

	(void)events;
	p->active_ms = now_ms();
	if (may_pass_fds(d, p)) {
		foreign.disposing = p->uid;
		n = tlsk_recv_msg_fd_dispose(p->w.fd, msg, sizeof(msg), &fd,
					     MSG_DONTWAIT, dispose_extra);
		if (fd >= 0 && !closer_is_socket(fd))
			foreign_mark(p->uid);	/* quarantined, below */
	} else {
		n = recv_msg_no_fds(p->w.fd, msg, sizeof(msg), &dropped);
	}
	if (n == -EAGAIN)
		return;
	if (n == 0 || n == -ECONNRESET) {
		closer_close_untrusted(fd);
		peer_close(d, p);
		return;
	}
	rc = n < 0 ? (int)n : tlsk_msg_decode_request(msg, (size_t)n, &req);
	/* A handshake needs its socket, status none. */
	if (!rc && (req.type == TLSK_MSG_HANDSHAKE) != (fd >= 0 || dropped))
		rc = -EBADMSG;
	if (rc) {
		closer_close_untrusted(fd);
		malformed(d, p, msg, n, rc);
		/* Over its uid's limit, a connection gets one answer of any
		 * kind: garbage must not keep it open (and its descriptor). */
		if (!p->counted)
			peer_close(d, p);
		return;
	}
	if (!p->counted)
		refuse_connection(d, p, &req, fd);
	else if (req.type == TLSK_MSG_STATUS)
		status_reply(d, p, req.id);
	else if (req.type == TLSK_MSG_TICKET_KEYS)
		ticket_keys_reply(d, p, &req);
	else
		hs_start(d, p, &req, fd);	/* fd -1: not allowed */
}

static int read_creds(struct peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(p->w.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	/*
	 * Supplementary groups, as many as the caller has (up to the
	 * kernel's NGROUPS_MAX): a profile may allow any of them. The
	 * kernel says how much room they need when the first guess is
	 * short; older kernels lack the option: primary gid only.
	 */
	for (size_t want = 64 * sizeof(gid_t);;) {
		gid_t *g = malloc(want);

		if (!g)
			return -ENOMEM;
		len = (socklen_t)want;
		if (getsockopt(p->w.fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			p->groups = g;
			p->ngroups = len / sizeof(gid_t);
			return 0;
		}
		free(g);
		if (errno != ERANGE || len <= want)
			return 0;
		want = len;
	}
}

/*
 * One connection from the listener: false when there is none to take now
 * (or the listener paused). Over its uid's max-connections-per-uid it is
 * kept only to answer its first request with the refusal, and at most
 * REFUSED_PER_UID such at once: beyond that it is closed at once, without
 * an answer, so that a caller opening connections in a loop holds a
 * bounded number of tlskd's descriptors rather than every one it can open
 * within REFUSED_GRACE_MS.
 */
static bool accept_one(struct daemon *d, struct watch *w)
{
	struct peer *p;
	int fd;

	fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		/* Out of descriptors: the pending connection would keep the
		 * level-triggered listener firing, so stop listening for a
		 * moment while handshakes finish and free some. */
		log_warn("accept: %s; pausing for %d ms", strerror(errno),
			 LISTEN_PAUSE_MS);
		watch_del(d, w);
		d->listen_resume_ms = now_ms() + LISTEN_PAUSE_MS;
		return false;
	}
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %s", strerror(errno));
		return false;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return true;
	}
	p->w.fd = fd;
	p->w.fn = peer_event;
	p->refs = 1;
	if (read_creds(p) || watch_add(d, &p->w, EPOLLIN)) {
		log_warn("dropping a connection: %s", strerror(errno));
		close(fd);
		free(p->groups);
		free(p);
		return true;
	}
	p->active_ms = now_ms();
	p->next = d->peers;
	if (d->peers)
		d->peers->prev = p;
	d->peers = p;
	p->counted = uid_take(d, p->uid, QUOTA_CONNS);
	if (!p->counted) {
		p->refused = uid_take(d, p->uid, QUOTA_REFUSED);
		tlskd_log_peer(LOG_CLASS_CALLER, LOG_WARNING,
			       "pid %d uid %u: max-connections-per-uid (%u) "
			       "reached; %s",
			       (int)p->pid, (unsigned)p->uid,
			       d->gen->conf.max_connections_per_uid,
			       p->refused ? "refusing this connection's request" :
			       "closing this connection");
		if (!p->refused) {
			d->stats.req_refused++;
			peer_close(d, p);
			return true;
		}
	}
	log_debug("connection from pid %d uid %u gid %u", (int)p->pid,
		  (unsigned)p->uid, (unsigned)p->gid);
	return true;
}

/* Connections waiting: a few per wake-up, not one (a caller's flood must
 * not keep the backlog full for the others), nor all (the loop's other
 * work goes on between batches). */
#define ACCEPT_BATCH	16

static void listener_event(struct daemon *d, struct watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++)
		if (w->fd < 0 || d->listen_resume_ms || !accept_one(d, w))
			return;	/* w->fd < 0: closed by a SIGTERM earlier */
}

/*
 * Closes caller connections with nothing in flight for caller-idle-timeout,
 * and refused ones (over max-connections-per-uid) that sent no request
 * within REFUSED_GRACE_MS: every open connection holds a descriptor. Runs
 * at most every PEER_SCAN_MS, after the epoll batch.
 */
static void close_idle_peers(struct daemon *d, uint64_t now)
{
	uint64_t idle_ms = (uint64_t)d->gen->conf.caller_idle_timeout_s * 1000;
	struct peer *next;

	if (!d->peers || now < d->peer_scan_ms)
		return;
	d->peer_scan_ms = now + PEER_SCAN_MS;
	for (struct peer *p = d->peers; p; p = next) {
		next = p->next;
		if (p->nhs || now - p->active_ms <
		    (p->counted ? idle_ms : REFUSED_GRACE_MS))
			continue;
		log_debug("closing %s connection of pid %d uid %u",
			  p->counted ? "the idle" : "the refused", (int)p->pid,
			  (unsigned)p->uid);
		peer_close(d, p);
	}
}

/* No new connections; the socket file goes unless systemd owns it. */
static void listener_close(struct daemon *d)
{
	if (d->listener.fd < 0)
		return;
	if (!d->listen_resume_ms)	/* else paused: not in the set */
		watch_del(d, &d->listener);
	d->listen_resume_ms = 0;
	close(d->listener.fd);
	d->listener.fd = -1;
	if (!d->activated)
		unlink(daemon_socket_path(d));
}

static void drain_start(struct daemon *d, unsigned signo)
{
	d->draining = true;
	d->drain_deadline_ms = now_ms() + d->gen->conf.drain_timeout_ms;
	sd_link_notify(&d->sd, "STOPPING=1");
	listener_close(d);
	log_notice("signal %u: stopping; %zu handshakes in flight may finish "
		   "within %u ms", signo, d->nhs, d->gen->conf.drain_timeout_ms);
}

static void signal_event(struct daemon *d, struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(d);
		} else if (d->draining || !d->gen->conf.drain_timeout_ms) {
			log_notice("signal %u: stopping", si.ssi_signo);
			d->stopping = true;
		} else {
			drain_start(d, si.ssi_signo);
		}
	}
}

/* ---- set-up and the loop ---- */

static int socket_in_use(const struct sockaddr_un *sa)
{
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int used = s >= 0 && connect(s, (const struct sockaddr *)sa,
				     sizeof(*sa)) == 0;

	if (s >= 0)
		close(s);
	return used;
}

static int apply_socket_owner(const struct conf *c, const char *path)
{
	if (chmod(path, c->socket_mode) < 0)
		return -errno;
	if (c->socket_group) {
		gid_t gid;

		if (startcheck_group(c->socket_group, &gid))
			return -ENOENT;
		if (chown(path, (uid_t)-1, gid) < 0)
			return -errno;
	}
	return 0;
}

static int open_listener(struct daemon *d, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	fd = sd_listen_fd();
	if (fd < -1)
		return fd;
	if (fd >= 0) {
		/* systemd bound it (tlskd.socket): its path, mode and group
		 * are the .socket unit's, and it outlives this process. */
		d->activated = true;
		log_info("socket activation: listening on the socket systemd "
			 "passed (fd %d); socket, socket-mode and socket-group "
			 "are the .socket unit's", fd);
		goto listen;
	}
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (socket_in_use(&sa)) {
		log_err("%s: another tlskd is listening there", path);
		return -EADDRINUSE;
	}
	unlink(path);	/* a stale socket of a daemon that died */
	rc = startcheck_make_dir(path, &d->privs);
	if (rc) {
		log_err("%s: cannot create its directory: %s", path,
			strerror(-rc));
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = apply_socket_owner(&d->gen->conf, path);
	if (rc) {
		log_err("%s: cannot set mode/group: %s%s", path, strerror(-rc),
			rc == -EPERM ? " (tlskd's user must be a member of "
			"socket-group: SupplementaryGroups= in the unit)" :
			rc == -ENOENT ? " (socket-group: no such group)" : "");
		goto unbind;
	}
	/* Dropping privileges later: the socket is the daemon's, and its
	 * group, unless socket-group says, the daemon's group. */
	if (d->privs.drop && geteuid() == 0 &&
	    chown(path, d->privs.uid, d->gen->conf.socket_group ?
		  (gid_t)-1 : d->privs.gid) < 0) {
		rc = -errno;
		goto unbind;
	}
listen:
	d->listener.fd = fd;
	d->listener.fn = listener_event;
	return watch_add(d, &d->listener, EPOLLIN) ? -errno : 0;
unbind:		/* no socket file is left behind for clients to find */
	close(fd);
	unlink(path);
	return rc;
}

static int open_signals(struct daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->signals.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->signals.fn = signal_event;
	if (d->signals.fd < 0 || watch_add(d, &d->signals, EPOLLIN))
		return -errno;
	return 0;
}

/* Milliseconds until the next deadline (a handshake's, or the end of a
 * listener pause), -1 for none. */
static int next_timeout(const struct daemon *d)
{
	uint64_t next = UINT64_MAX, now = now_ms();

	if (d->nhs)
		next = d->heap[0]->deadline_ms;
	if (d->listen_resume_ms && d->listen_resume_ms < next)
		next = d->listen_resume_ms;
	if (events_next_retry(d) < next)
		next = events_next_retry(d);
	if (d->peers && d->peer_scan_ms < next)
		next = d->peer_scan_ms;
	if (sd_link_next(&d->sd) < next)
		next = sd_link_next(&d->sd);
	if (redis_next_timer() < next)
		next = redis_next_timer();
	if (tkr_next_timer() < next)
		next = tkr_next_timer();
	if (d->draining && d->drain_deadline_ms < next)
		next = d->drain_deadline_ms;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void expire_due(struct daemon *d)
{
	uint64_t now = now_ms();

	while (d->nhs && d->heap[0]->deadline_ms <= now)
		hs_expire(d, d->heap[0]);
	sd_link_tick(&d->sd, now);
	log_rate_flush(false);
	if (d->draining && (!d->nhs || d->drain_deadline_ms <= now)) {
		if (d->nhs)
			log_notice("drain-timeout passed with %zu handshakes "
				   "in flight", d->nhs);
		d->stopping = true;
	}
	if (d->listen_resume_ms && d->listen_resume_ms <= now) {
		d->listen_resume_ms = 0;
		if (watch_add(d, &d->listener, EPOLLIN))
			log_err("cannot resume listening: %s", strerror(errno));
	}
	events_tick(d, now);
	redis_tick(d, now);
	tkr_tick(d, now);
	close_idle_peers(d, now);
}

/* Every request still open gets its reply, every descriptor is closed. */
static void daemon_stop(struct daemon *d)
{
	/* From here on the loop's thread waits for a stalled call, as the
	 * process's exit would anyway. */
	stall_stop();
	if (!d->draining)	/* else said when the drain began */
		sd_link_notify(&d->sd, "STOPPING=1");
	while (d->nhs)
		hs_abort(d, d->heap[0], -ESHUTDOWN, "tlskd is stopping");
	while (d->peers)
		peer_close(d, d->peers);
	tkr_stop(d);
	redis_stop(d);
	uid_table_free(d);
	proxy_stop_all(d);
	closer_stop();
	events_stop(d);
	free(d->heap);
	listener_close(d);
	close(d->signals.fd);
	close(d->epfd);
	gen_put(d->gen);
	tickets_scrub(&d->tickets);
	client_cache_free(&d->clients);
	sess_store_free();
	log_rate_flush(true);
	sd_link_close(&d->sd);
}

const char *daemon_socket_path(const struct daemon *d)
{
	return d->socket_override ? d->socket_override :
	       d->gen->conf.socket_path;
}

/* The loop itself: until a stop, in whichever thread runs it (stall.c). */
static void daemon_loop(struct daemon *d)
{
	struct epoll_event ev[MAX_EVENTS];

	while (!d->stopping) {
		int n;

		closer_flush();
		n = epoll_wait(d->epfd, ev, MAX_EVENTS, next_timeout(d));

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = ev[i].data.ptr;

			w->fn(d, w, ev[i].events);
		}
		proxy_reap(d);
		expire_due(d);
	}
}

/*
 * A call on a service's socket kept the loop's thread, and this thread
 * takes over: the events that thread had not handled yet come back from
 * epoll_wait() (every watch is level-triggered). The process ends here.
 */
void daemon_loop_takeover(struct daemon *d)
{
	daemon_loop(d);
	daemon_stop(d);
	exit(0);
}

int daemon_run(struct daemon *d)
{
	const char *path = daemon_socket_path(d);
	int rc;

	d->started_ms = now_ms();
	d->listener.fd = -1;
	rc = privs_resolve(&d->gen->conf, &d->privs, NULL);
	if (rc) {
		log_err("user = %s, group = %s: %s",
			d->gen->conf.user ? d->gen->conf.user : "-",
			d->gen->conf.group ? d->gen->conf.group : "-",
			strerror(-rc));
		return rc;
	}
	sd_link_open(&d->sd, d->started_ms);
	if (client_cache_init(&d->clients, CLIENT_CACHE_ENTRIES))
		return -ENOMEM;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	rc = open_signals(d);
	/* After open_signals(): the thread inherits their blocking. */
	if (!rc)
		rc = closer_start();
	if (!rc)
		rc = stall_start(d);
	if (!rc)
		rc = open_listener(d, path);
	if (rc) {
		log_err("cannot listen on %s: %s", path, strerror(-rc));
		return rc;
	}
	log_notice("listening on %s, %zu profiles", path,
		   d->gen->conf.nprofiles);
	events_start(d);	/* joining may need root's CAP_NET_ADMIN */
	redis_configure(d);
	tkr_configure(d);
	rc = privs_drop(&d->privs);
	if (rc) {
		daemon_stop(d);
		return rc;
	}
	sd_link_notify(&d->sd, "READY=1\nSTATUS=handshakes for services");
	daemon_loop(d);
	daemon_stop(d);
	return 0;
}
