// SPDX-License-Identifier: MIT
/*
 * One handshake on a service's socket, driven by readiness events: the
 * engine's output is sent with MSG_DONTWAIT, and exactly tlsk_engine_want()
 * bytes are read, so nothing behind the peer's last handshake record is
 * taken from the socket. MSG_DONTWAIT rather than O_NONBLOCK: the file is
 * shared with the service, and its flags are the service's business.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../service/service_int.h"
#include "daemon.h"
#include "log.h"
#include "tlsk/driver.h"
#include "tlsk/handoff.h"

#define MAX_TIMEOUT_MS	3600000u

/* ---- deadline heap (min-heap on deadline_ms) ---- */

static void heap_set(struct daemon *d, size_t i, struct hs *h)
{
	d->heap[i] = h;
	h->heap_index = i;
}

static void sift_up(struct daemon *d, size_t i)
{
	struct hs *h = d->heap[i];

	while (i > 0 && d->heap[(i - 1) / 2]->deadline_ms > h->deadline_ms) {
		heap_set(d, i, d->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(d, i, h);
}

static void sift_down(struct daemon *d, size_t i)
{
	struct hs *h = d->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= d->nhs)
			break;
		if (c + 1 < d->nhs &&
		    d->heap[c + 1]->deadline_ms < d->heap[c]->deadline_ms)
			c++;
		if (d->heap[c]->deadline_ms >= h->deadline_ms)
			break;
		heap_set(d, i, d->heap[c]);
		i = c;
	}
	heap_set(d, i, h);
}

int heap_push(struct daemon *d, struct hs *h)
{
	if (d->nhs == d->heap_cap) {
		size_t cap = d->heap_cap ? 2 * d->heap_cap : 64;
		struct hs **n = realloc(d->heap, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->heap = n;
		d->heap_cap = cap;
	}
	d->heap[d->nhs] = h;
	h->heap_index = d->nhs++;
	sift_up(d, h->heap_index);
	return 0;
}

void heap_remove(struct daemon *d, struct hs *h)
{
	size_t i = h->heap_index;
	struct hs *last = d->heap[--d->nhs];

	if (i == d->nhs)
		return;
	heap_set(d, i, last);
	sift_down(d, i);
	sift_up(d, last->heap_index);
}

/* ---- one handshake ---- */

static void hs_free(struct daemon *d, struct hs *h)
{
	heap_remove(d, h);
	if (h->w.fd >= 0) {
		watch_del(d, &h->w);
		close(h->w.fd);
	}
	tlsk_engine_free(h->engine);
	peer_put(h->peer);
	gen_put(h->gen);
	free(h);
}

static const char *role_name(uint8_t role)
{
	return role == TLSK_ROLE_SERVER ? "server" : "client";
}

static void log_outcome(const struct hs *h, const struct tlsk_result *res)
{
	if (res->status == 0)
		log_info("handshake pid %d profile %s %s: %s %s%s ulp %s%s",
			 (int)h->peer->pid, h->prof->name, role_name(h->role),
			 res->version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
			 res->suite_name, res->resumed ? " resumed" : "",
			 tlsk_ulp_name(res->ulp),
			 res->proxied ? " (relayed by tlskd)" : "");
	else
		log_notice("handshake pid %d profile %s %s failed: %s "
			   "(alert %d %s)", (int)h->peer->pid, h->prof->name,
			   role_name(h->role), res->reason,
			   res->alert == TLSK_ALERT_NONE ? -1 : res->alert,
			   res->alert_received ? "received" : "sent");
}

static void hs_reply(struct daemon *d, struct hs *h, struct tlsk_result *res,
		     int stream_fd)
{
	if (res->status) {
		d->stats.hs_failed++;
	} else {
		d->stats.hs_done++;
		d->stats.hs_resumed += res->resumed;
	}
	log_outcome(h, res);
	daemon_reply(h->peer, h->id, res, stream_fd);
	if (stream_fd >= 0)
		close(stream_fd);
}

/*
 * Keys to the kernel, else (fallback = proxy) to a relay in tlskd: the
 * keys never leave this process. Returns the stream fd for the service
 * (proxy), -1 (kernel) or a negative errno.
 */
static int hs_handoff(struct daemon *d, struct hs *h, struct tlsk_result *res)
{
	struct tlsk_conn *conn = NULL;
	int rc = tlsk_install_kernel_keys(h->engine, h->w.fd, 0);

	if (rc >= 0) {
		res->ulp = (uint8_t)rc;
		return -1;
	}
	if (rc != -ENOPROTOOPT || d->gen->conf.fallback != CONF_FALLBACK_PROXY)
		return rc;
	/* The relay owns this descriptor now, not the handshake. */
	watch_del(d, &h->w);
	rc = tlsk_engine_handoff(h->engine, h->w.fd, TLSK_HANDOFF_USER_ONLY,
				 &conn);
	if (rc)
		return rc;
	h->w.fd = -1;
	res->ulp = TLSK_ULP_USER;
	res->proxied = 1;
	rc = proxy_start(d, conn, h->engine);
	if (rc >= 0)
		h->engine = NULL;	/* the relay routes tickets to it */
	return rc;
}

static void hs_finish(struct daemon *d, struct hs *h, int err)
{
	struct tlsk_result res;
	int stream = -1;

	memset(&res, 0, sizeof(res));
	res.alert = TLSK_ALERT_NONE;
	tlsk_result_from_engine(&res, h->engine, err);
	if (!err) {
		stream = hs_handoff(d, h, &res);
		if (stream < -1)
			tlsk_result_fail(&res, stream, stream == -ENOPROTOOPT ?
					 "no kernel TLS on this host and "
					 "userspace-fallback = refuse" :
					 "cannot hand the keys to a record layer");
	}
	hs_reply(d, h, &res, stream);
	hs_free(d, h);
}

/*
 * Advances the engine as far as the socket allows. Returns 0 when the
 * handshake is over (established, output flushed), -EAGAIN with *events
 * set to what to wait for, or a negative errno.
 */
static int hs_step(struct hs *h, uint32_t *events)
{
	uint8_t buf[4096];

	for (;;) {
		size_t n, want;
		const uint8_t *out = tlsk_engine_output(h->engine, &n);
		ssize_t r;

		if (n) {
			r = send(h->w.fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
				*events = EPOLLOUT;
				return -EAGAIN;
			}
			if (r < 0)
				return -errno;
			tlsk_engine_output_done(h->engine, (size_t)r);
			continue;
		}
		switch (tlsk_engine_state(h->engine)) {
		case TLSK_STATE_ESTABLISHED:
			return 0;
		case TLSK_STATE_FAILED:
			return -EPROTO;
		default:
			break;
		}
		want = tlsk_engine_want(h->engine);
		if (want == 0)
			return -EPROTO;		/* nothing to send or read */
		r = recv(h->w.fd, buf, want < sizeof(buf) ? want : sizeof(buf),
			 MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			*events = EPOLLIN;
			return -EAGAIN;
		}
		if (r <= 0)
			return r == 0 ? -ECONNRESET : -errno;
		/* A failure queues an alert: the next turn sends it. */
		tlsk_engine_input(h->engine, buf, (size_t)r);
	}
}

static void hs_event(struct daemon *d, struct watch *w, uint32_t events)
{
	struct hs *h = (struct hs *)w;
	uint32_t wait = 0;
	int rc;

	(void)events;
	rc = hs_step(h, &wait);
	if (rc == -EAGAIN) {
		if (wait != h->w.events && watch_mod(d, &h->w, wait))
			hs_finish(d, h, -errno);
		return;
	}
	hs_finish(d, h, rc);
}

void hs_abort(struct daemon *d, struct hs *h, int err, const char *reason)
{
	struct tlsk_result res;

	memset(&res, 0, sizeof(res));
	res.alert = TLSK_ALERT_NONE;
	tlsk_result_fail(&res, err, reason);
	hs_reply(d, h, &res, -1);
	hs_free(d, h);
}

/* The passed fd must be a connected TCP socket. */
static int check_socket(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int);
	int type = 0, proto = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -ENOTSOCK;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 ||
	    type != SOCK_STREAM || proto != IPPROTO_TCP)
		return -EPROTOTYPE;
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -ENOTCONN;
	return 0;
}

static unsigned timeout_for(const struct gen *g, const struct conf_profile *p,
			    uint32_t asked)
{
	unsigned t = p->handshake_timeout_ms ? p->handshake_timeout_ms :
		     g->conf.handshake_timeout_ms;

	if (asked)
		t = asked < MAX_TIMEOUT_MS ? asked : MAX_TIMEOUT_MS;
	return t;
}

static struct hs *hs_new(struct daemon *d, struct peer *p,
			 const struct tlsk_request *req,
			 const struct conf_profile *prof,
			 const struct tlsk_config *cfg, int fd)
{
	struct hs *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->deadline_ms = now_ms() + timeout_for(d->gen, prof, req->timeout_ms);
	h->engine = tlsk_engine_new(cfg, req->role);
	if (!h->engine || heap_push(d, h)) {
		tlsk_engine_free(h->engine);
		free(h);
		return NULL;
	}
	h->w.fn = hs_event;
	h->w.fd = fd;
	h->peer = p;
	p->refs++;
	h->gen = d->gen;
	d->gen->refs++;
	h->prof = prof;
	h->id = req->id;
	h->role = req->role;
	return h;
}

static int refuse(struct daemon *d, struct peer *p, uint32_t id, int err,
		  const char *reason)
{
	struct tlsk_result res;

	memset(&res, 0, sizeof(res));
	res.alert = TLSK_ALERT_NONE;
	tlsk_result_fail(&res, err, reason);
	d->stats.req_refused++;
	log_warn("request from pid %d uid %u refused: %s", (int)p->pid,
		 (unsigned)p->uid, reason);
	return daemon_reply(p, id, &res, -1);
}

/* Takes fd in every case: it becomes the handshake's or is closed. */
void hs_start(struct daemon *d, struct peer *p, const struct tlsk_request *req,
	      int fd)
{
	struct conf_profile *prof = conf_profile(&d->gen->conf, req->profile);
	const struct tlsk_config *cfg = NULL;
	struct hs *h;
	int rc;

	if (!prof) {
		refuse(d, p, req->id, -ENOENT, "no such profile");
	} else if (!conf_profile_allows(prof, p->uid, p->gid, p->groups,
					p->ngroups)) {
		refuse(d, p, req->id, -EACCES,
		       "uid/gid not allowed for this profile");
	} else if (req->role == TLSK_ROLE_SERVER && !prof->ncerts) {
		refuse(d, p, req->id, -EINVAL, "profile has no certificate");
	} else if (d->nhs >= d->gen->conf.max_handshakes) {
		refuse(d, p, req->id, -EBUSY, "too many handshakes in flight");
	} else if ((rc = check_socket(fd)) != 0) {
		refuse(d, p, req->id, rc, "not a connected TCP socket");
	} else if (!(cfg = conf_profile_config(&d->gen->conf, prof,
					       req->alpn))) {
		refuse(d, p, req->id, -EINVAL, "bad ALPN list, or too many "
		       "distinct ones for this profile");
	} else if (!(h = hs_new(d, p, req, prof, cfg, fd))) {
		refuse(d, p, req->id, -ENOMEM, "out of memory");
	} else {
		if (req->role == TLSK_ROLE_CLIENT && req->server_name[0] &&
		    (rc = tlsk_engine_set_server_name(h->engine,
						      req->server_name))) {
			hs_finish(d, h, rc);	/* not a name the engine takes */
			return;
		}
		log_debug("handshake pid %d profile %s %s started",
			  (int)p->pid, prof->name, role_name(req->role));
		/* Client: ClientHello goes out now; server: wait for it. */
		if (watch_add(d, &h->w, EPOLLIN) < 0)
			hs_finish(d, h, -errno);
		else
			hs_event(d, &h->w, 0);
		return;
	}
	close(fd);
}
