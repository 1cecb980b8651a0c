// SPDX-License-Identifier: MIT
/*
 * One handshake on a service's socket, driven by readiness events: the
 * engine's output is sent with MSG_DONTWAIT, and exactly tlsk_engine_want()
 * bytes are read, so nothing behind the peer's last handshake record is
 * taken from the socket. MSG_DONTWAIT rather than O_NONBLOCK: the file is
 * shared with the service, and its flags are the service's business.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/config.h"
#include "../service/service_int.h"
#include "closer.h"
#include "daemon.h"
#include "log.h"
#include "quota.h"
#include "redis.h"
#include "stall.h"
#include "tlsk/driver.h"
#include "tlsk/handoff.h"
#include "tlsk/record.h"

#define TICKET_WAIT_AUTO_MAX_MS	1000u
#define REC_HDR		5
#define REC_MAX		(REC_HDR + 16384 + 256)
#define CT_HANDSHAKE	22
#define HS_NEW_SESSION_TICKET	4
/* Work for one handshake per wakeup: reads (each at most a record's part
 * of 4 KiB), or ticket records. The loop's epoll set is level-triggered,
 * so a socket with more to read is reported again by the next
 * epoll_wait(), after every other ready descriptor had its turn. */
#define READS_PER_WAKEUP	32
#define TICKETS_PER_WAKEUP	4
/* NewSessionTicket messages taken off the socket before the hand-off: the
 * engine keeps 8 tickets, and real servers send one to a few. */
#define TICKETS_MAX		8

/*
 * Around each call on the service's socket: it may wait for the socket's
 * lock as long as the service holds it, and the loop then goes on in
 * another thread without h (stall.c; hs_stalled()).
 */
static void hs_enter(struct hs *h)
{
	const struct stall_ctx c = { .kind = STALL_HS, .obj = h, .fd = -1 };

	stall_enter(&c);
}

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
		struct hs **n = realloc(d->heap, cap * sizeof(struct hs *));

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

void hs_lowat_restore(struct hs *h)
{
	if (h->old_lowat >= 0 && h->w.fd >= 0) {
		hs_enter(h);
		setsockopt(h->w.fd, SOL_SOCKET, SO_RCVLOWAT, &h->old_lowat,
			   sizeof(h->old_lowat));
		stall_leave();
	}
	h->old_lowat = -1;
}

/* Out of the loop's structures: no more events, no deadline. */
static void hs_detach(struct daemon *d, struct hs *h)
{
	redis_wait_detach(h);
	heap_remove(d, h);
	if (h->w.fd >= 0)
		watch_del(d, &h->w);
}

/* What h holds, once nothing uses it any more. */
static void hs_release(struct daemon *d, struct hs *h)
{
	uid_put(d, h->peer->uid, QUOTA_HS);
	if (h->relay_slot)	/* a hand-off to the relay that stalled */
		uid_put(d, h->peer->uid, QUOTA_RELAYS);
	if (--h->peer->nhs == 0)
		h->peer->active_ms = now_ms();	/* idle from now */
	tlsk_record_free(h->rx);
	if (h->conn) {	/* a hand-off to the relay that stalled */
		int fd = tlsk_conn_abandon(h->conn);

		if (fd != h->w.fd)
			closer_close(fd);
	}
	if (h->w.fd >= 0)
		closer_close(h->w.fd);
	if (h->keys) {
		tlsk_keys_scrub(&h->keys->tx);
		tlsk_keys_scrub(&h->keys->rx);
		free(h->keys);
	}
	tlsk_engine_free(h->engine);
	peer_put(h->peer);
	gen_put(h->gen);
	free(h);
}

static void hs_free(struct daemon *d, struct hs *h)
{
	hs_lowat_restore(h);	/* first: it may stall (hs_stalled()) */
	hs_detach(d, h);
	hs_release(d, h);
}

static const char *role_name(uint8_t role)
{
	return role == TLSK_ROLE_SERVER ? "server" : "client";
}

/* RFC 7627: a TLS 1.2 peer without EMS was accepted (tls12-require-ems
 * off); its session is never resumed. Worth a notice: such peers are
 * old or broken, and a profile may want to refuse them. */
static void log_without_ems(const struct hs *h)
{
	struct tlsk_session_info info;

	if (h->engine && !tlsk_engine_info(h->engine, &info) &&
	    !info.extended_master_secret)
		log_notice("handshake pid %d profile %s %s: TLS 1.2 peer "
			   "without extended master secret (RFC 7627), "
			   "session not resumable", (int)h->peer->pid,
			   h->prof->name, role_name(h->role));
}

/* " (alert NAME (N) sent|received)", or "" when no alert went either way. */
static const char *alert_text(const struct tlsk_result *res, char *buf,
			      size_t size)
{
	buf[0] = '\0';
	if (res->alert != TLSK_ALERT_NONE && res->alert <= UINT8_MAX)
		snprintf(buf, size, " (alert %s (%u) %s)",
			 tlsk_alert_name((uint8_t)res->alert),
			 (unsigned)res->alert,
			 res->alert_received ? "received" : "sent");
	return buf;
}

static void log_outcome(const struct hs *h, const struct tlsk_result *res)
{
	char alert[64];

	if (res->status == 0)
		log_info("handshake pid %d profile %s %s: %s %s%s ulp %s%s",
			 (int)h->peer->pid, h->prof->name, role_name(h->role),
			 res->version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
			 res->suite_name, res->resumed ? " resumed" : "",
			 tlsk_ulp_name(res->ulp),
			 res->proxied ? " (relayed by tlskd)" : "");
	else
		/* A remote peer decides how often: rate-limited. */
		tlskd_log_peer(LOG_CLASS_HANDSHAKE, LOG_NOTICE,
			       "handshake pid %d profile %s %s failed: %s%s",
			       (int)h->peer->pid, h->prof->name,
			       role_name(h->role), res->reason,
			       alert_text(res, alert, sizeof(alert)));
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
	h->replied = true;
	daemon_reply(h->peer, h->id, res, stream_fd);
	if (stream_fd >= 0)
		close(stream_fd);
}

/*
 * Keys to the kernel, else (fallback = proxy) to a relay in tlskd: the
 * keys never leave this process. On tlsk.ko they are locked, so the
 * service cannot read them back from its socket either. Returns the stream fd for the service
 * (proxy), -1 (kernel) or a negative errno.
 */
static int hs_handoff(struct daemon *d, struct hs *h, struct tlsk_result *res)
{
	struct tlsk_traffic_keys *tx, *rx;
	struct tlsk_conn *conn;
	int rc;

	/* h's, not the stack's: a stalled call still reads them (stall.c),
	 * and hs_release() wipes them then. */
	h->keys = calloc(1, sizeof(*h->keys));
	if (!h->keys)
		return -ENOMEM;
	tx = &h->keys->tx;
	rx = &h->keys->rx;
	rc = tlsk_engine_export_keys(h->engine, TLSK_DIR_TX, tx);
	if (!rc)
		rc = tlsk_engine_export_keys(h->engine, TLSK_DIR_RX, rx);
	rx->seq += h->rx_taken;	/* ticket records tlskd took itself */
	if (!rc) {
		hs_enter(h);
		rc = tlsk_kernel_install(h->w.fd, tx, rx,
					 TLSK_HANDOFF_LOCK_KEYS |
					 (h->prof->kernel_rekey ==
					  CONF_KERNEL_REKEY_AUTO ?
					  TLSK_HANDOFF_KERNEL_REKEY : 0) |
					 (h->prof->kernel_alerts ?
					  TLSK_HANDOFF_SEND_ALERTS : 0));
		stall_leave();
	}
	if (rc >= 0) {
		res->ulp = (uint8_t)rc;
		rc = -1;
	} else if (rc == -ENOPROTOOPT &&
		   d->gen->conf.fallback == CONF_FALLBACK_PROXY &&
		   !uid_take(d, h->peer->uid, QUOTA_RELAYS)) {
		/* Each relay holds two descriptors and a buffer for as long
		 * as the service keeps its end: no caller may take them all. */
		rc = -EUSERS;
	} else if (rc == -ENOPROTOOPT &&
		   d->gen->conf.fallback == CONF_FALLBACK_PROXY) {
		h->relay_slot = true;	/* until the relay has it */
		/* The relay owns this descriptor now, not the handshake. */
		watch_del(d, &h->w);
		hs_enter(h);
		rc = tlsk_conn_handoff(h->w.fd, tx, rx,
				       TLSK_HANDOFF_USER_ONLY, &h->conn);
		stall_leave();
		conn = h->conn;
		h->conn = NULL;
		h->relay_slot = false;
		if (!rc) {
			h->w.fd = -1;
			res->ulp = TLSK_ULP_USER;
			res->proxied = 1;
			/* the relay's now, its uid's slot too */
			rc = proxy_start(d, conn, h->engine, h->peer->uid);
			if (rc >= 0)	/* the relay routes tickets to it */
				h->engine = NULL;
		} else {
			uid_put(d, h->peer->uid, QUOTA_RELAYS);
		}
	}
	tlsk_keys_scrub(tx);
	tlsk_keys_scrub(rx);
	free(h->keys);
	h->keys = NULL;
	return rc;
}

/*
 * ---- client: the server's tickets, before the hand-off ----
 *
 * A TLS 1.3 server sends its NewSessionTicket records once it has our
 * Finished (RFC 8446 4.6.1), that is after the handshake as the engine
 * sees it. With the keys in the kernel they would reach the service's
 * read() as handshake records (EIO), and the tickets would be lost. So a
 * client handshake waits a little longer (the profile's ticket-wait; by
 * default about as long as the handshake itself took, at most 1 s) and
 * takes off the socket each record that holds only NewSessionTicket
 * messages: it peeks at the whole record, opens a copy, and consumes it
 * only then. Anything else (application data, a KeyUpdate, a record that
 * does not open) stays in the socket for the kernel; the number of
 * records taken becomes the kernel's RX rec_seq. The tickets go to the
 * daemon's client cache, for the next handshake to the same server.
 */

static unsigned ticket_wait_ms(const struct hs *h, uint64_t now)
{
	uint64_t t;

	if (conf_line(h->prof, "ticket-wait"))
		return h->prof->ticket_wait_ms;
	t = now - h->started_ms + 10;
	return t < TICKET_WAIT_AUTO_MAX_MS ? (unsigned)t :
	       TICKET_WAIT_AUTO_MAX_MS;
}

/* Readable only once `need` bytes are there, not on every partial peek. */
int hs_lowat_wait(struct hs *h, int need)
{
	socklen_t len = sizeof(h->old_lowat);
	int rc = -EAGAIN;

	hs_enter(h);
	if ((h->old_lowat < 0 &&
	     getsockopt(h->w.fd, SOL_SOCKET, SO_RCVLOWAT, &h->old_lowat,
			&len)) ||
	    setsockopt(h->w.fd, SOL_SOCKET, SO_RCVLOWAT, &need, sizeof(need)))
		rc = 0;
	stall_leave();
	return rc;
}

/* Whole NewSessionTicket messages only, at least one. */
static bool only_tickets(const uint8_t *pt, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t ml;

		if (len - off < 4 || pt[off] != HS_NEW_SESSION_TICKET)
			return false;
		ml = (size_t)pt[off + 1] << 16 | (size_t)pt[off + 2] << 8 |
		     pt[off + 3];
		if (ml > len - off - 4)
			return false;
		off += 4 + ml;
	}
	return len > 0;
}

/* NewSessionTicket messages in pt (only_tickets() said they are whole). */
static unsigned count_tickets(const uint8_t *pt, size_t len)
{
	unsigned n = 0;

	for (size_t off = 0; off < len; n++)
		off += 4 + ((size_t)pt[off + 1] << 16 |
			    (size_t)pt[off + 2] << 8 | pt[off + 3]);
	return n;
}

/* 1: took a ticket record; 0: stop here; -EAGAIN; or a negative errno. */
static int take_ticket_record(struct hs *h)
{
	/* Each thread's own: a stalled recv() (stall.c) may still write to
	 * them after another thread took over the loop. */
	static _Thread_local uint8_t rec[REC_MAX], sink[REC_MAX];
	uint8_t type = 0, *pt = NULL, alert = 0;
	ssize_t r;
	int body, len;
	size_t need;

	hs_enter(h);
	r = recv(h->w.fd, rec, REC_HDR, MSG_PEEK | MSG_DONTWAIT);
	stall_leave();

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	if (r <= 0)		/* EOF or an error: the kernel reports it */
		return 0;
	if (r < REC_HDR)
		return hs_lowat_wait(h, REC_HDR);
	body = tlsk_record_body_len(h->rx, rec);
	if (body < 0)
		return 0;
	need = REC_HDR + (size_t)body;
	hs_enter(h);
	r = recv(h->w.fd, rec, need, MSG_PEEK | MSG_DONTWAIT);
	stall_leave();
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	if (r < 0)
		return 0;
	if ((size_t)r < need)
		return hs_lowat_wait(h, (int)need);
	len = tlsk_record_open(h->rx, rec, need, &type, &pt);
	if (len < 0 || type != CT_HANDSHAKE || !only_tickets(pt, (size_t)len))
		return 0;
	/* More tickets than anyone sends: the rest is left to the kernel. */
	if (h->tickets_taken + count_tickets(pt, (size_t)len) > TICKETS_MAX)
		return 0;
	h->tickets_taken += count_tickets(pt, (size_t)len);
	hs_enter(h);
	r = recv(h->w.fd, sink, need, MSG_DONTWAIT);
	stall_leave();
	if (r < 0 || (size_t)r != need)
		return -EIO;	/* peeked, so it cannot be short */
	h->rx_taken++;
	for (size_t off = 0; off < (size_t)len;) {
		size_t ml = (size_t)pt[off + 1] << 16 |
			    (size_t)pt[off + 2] << 8 | pt[off + 3];
		int err = tlsk_engine_post_handshake(h->engine, pt[off],
						     pt + off + 4, ml, &alert);

		if (err)
			return err;
		off += 4 + ml;
	}
	return 1;
}

static void hs_finish(struct daemon *d, struct hs *h, int err);

static void cache_session(struct daemon *d, const struct hs *h)
{
	size_t len = 0;
	uint8_t *blob;

	if (!h->cache_key[0] ||
	    tlsk_engine_get_session(h->engine, NULL, &len) != -ENOSPC || !len)
		return;
	blob = malloc(len);
	if (!blob)
		return;
	if (!tlsk_engine_get_session(h->engine, blob, &len))
		client_cache_put(&d->clients, h->cache_key, blob, len);
	client_session_free_blob(blob, len);
}

static void tickets_over(struct daemon *d, struct hs *h, int err)
{
	hs_lowat_restore(h);
	tlsk_record_free(h->rx);
	h->rx = NULL;
	if (!err)
		cache_session(d, h);
	if (h->rx_taken)
		log_debug("handshake pid %d profile %s: %llu ticket records "
			  "taken before the hand-off", (int)h->peer->pid,
			  h->prof->name, (unsigned long long)h->rx_taken);
	hs_finish(d, h, err);
}

static void tickets_event(struct daemon *d, struct hs *h)
{
	unsigned budget = TICKETS_PER_WAKEUP;
	int rc;

	while ((rc = take_ticket_record(h)) == 1 && --budget)
		;
	/* 1: the budget is spent, the next wakeup takes more */
	if (rc == 1 || rc == -EAGAIN) {
		if (h->w.events != EPOLLIN && watch_mod(d, &h->w, EPOLLIN))
			tickets_over(d, h, 0);
		return;
	}
	tickets_over(d, h, rc);
}

/* True when h now waits for tickets (and may be gone already). */
static bool tickets_start(struct daemon *d, struct hs *h)
{
	struct tlsk_session_info info;
	struct tlsk_traffic_keys rx;
	uint64_t now = now_ms(), until;
	unsigned wait;

	if (h->role != TLSK_ROLE_CLIENT || tlsk_engine_info(h->engine, &info) ||
	    info.version != 0x0304)
		return false;
	wait = ticket_wait_ms(h, now);
	if (!wait)
		return false;
	memset(&rx, 0, sizeof(rx));
	if (!tlsk_engine_export_keys(h->engine, TLSK_DIR_RX, &rx))
		h->rx = tlsk_record_new(&rx, 0);
	tlsk_keys_scrub(&rx);
	if (!h->rx)
		return false;
	h->tickets = true;
	until = now + wait;
	if (until < h->deadline_ms) {
		heap_remove(d, h);
		h->deadline_ms = until;
		if (heap_push(d, h)) {	/* cannot fail: it just left */
			tickets_over(d, h, -ENOMEM);
			return true;
		}
	}
	tickets_event(d, h);
	return true;
}

void hs_cancel_peer(struct daemon *d, struct peer *p)
{
	/* sift_up() moves the entry at i up and only visited ones down, so
	 * one pass sees every entry. */
	for (size_t i = 0; i < d->nhs; i++) {
		struct hs *h = d->heap[i];

		if (h->peer != p || h->cancelled)
			continue;
		h->cancelled = true;
		h->deadline_ms = 0;
		sift_up(d, i);
	}
}

void hs_expire(struct daemon *d, struct hs *h)
{
	if (h->cancelled)
		hs_abort(d, h, -ECANCELED, "the caller closed its connection");
	else if (h->tickets)
		tickets_over(d, h, 0);
	else if (h->store_wait)
		redis_wait_over(d, h);
	else
		hs_abort(d, h, -ETIMEDOUT, "handshake timed out");
}

static void hs_finish(struct daemon *d, struct hs *h, int err)
{
	struct tlsk_result res;
	int stream = -1;

	if (!err && !h->tickets && tickets_start(d, h))
		return;
	if (!err && h->role == TLSK_ROLE_CLIENT && !h->tickets)
		cache_session(d, h);	/* TLS 1.2: the session is complete */
	memset(&res, 0, sizeof(res));
	res.alert = TLSK_ALERT_NONE;
	tlsk_result_from_engine(&res, h->engine, err);
	if (!err) {
		log_without_ems(h);
		stream = hs_handoff(d, h, &res);
		if (stream == -EUSERS)
			tlsk_result_fail(&res, -EBUSY, "no kernel TLS on this "
					 "host, and this uid has max-relays-"
					 "per-uid connections relayed by tlskd");
		else if (stream < -1)
			tlsk_result_fail(&res, stream, stream == -ENOPROTOOPT ?
					 "no kernel TLS on this host and "
					 "userspace-fallback = refuse" :
					 "cannot hand the keys to a record layer");
	}
	hs_reply(d, h, &res, stream);
	hs_free(d, h);
}

/*
 * Feeds the engine what the socket holds, in two system calls however many
 * records that is: a MSG_PEEK of up to 4 KiB, the engine takes from it
 * exactly the bytes it asks for (never past its last handshake record:
 * whatever follows, application data included, stays in the socket for
 * the kernel), and a recv() of that many bytes consumes them. Reading a
 * header and a body per record cost two system calls per record, and one
 * more recv() to see EAGAIN. Returns the bytes consumed, 0 when the socket
 * had nothing (*drained), or a negative errno.
 */
static ssize_t feed_engine(struct hs *h, bool *drained)
{
	uint8_t buf[4096];
	size_t used = 0, want;
	ssize_t r;

	hs_enter(h);
	r = recv(h->w.fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	stall_leave();
	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		*drained = true;
		return 0;
	}
	if (r <= 0)
		return r == 0 ? -ECONNRESET : -errno;
	while (used < (size_t)r && (want = tlsk_engine_want(h->engine)) > 0) {
		size_t n = want < (size_t)r - used ? want : (size_t)r - used;

		/* A failure queues an alert: the caller sends it. */
		if (tlsk_engine_input(h->engine, buf + used, n))
			want = 0;
		used += n;
		if (!want)
			break;
	}
	/* the peek saw it all, and the engine took it all: wait for more */
	*drained = (size_t)r < sizeof(buf) && used == (size_t)r;
	if (!used)
		return 0;
	hs_enter(h);
	r = recv(h->w.fd, buf, used, MSG_DONTWAIT);	/* peeked: all there */
	stall_leave();
	if (r != (ssize_t)used)
		return r < 0 ? -errno : -EIO;
	return r;
}

/*
 * Advances the engine as far as the socket allows. Returns 0 when the
 * handshake is over (established, output flushed), -EAGAIN with *events
 * set to what to wait for, or a negative errno.
 */
static int hs_step(struct hs *h, uint32_t *events)
{
	unsigned reads = 0;
	bool drained = false;

	for (;;) {
		size_t n;
		const uint8_t *out = tlsk_engine_output(h->engine, &n);
		ssize_t r;

		if (n) {
			hs_enter(h);
			r = send(h->w.fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			stall_leave();
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
		if (tlsk_engine_want(h->engine) == 0)
			return -EPROTO;		/* nothing to send or read */
		if (drained || reads++ == READS_PER_WAKEUP) {
			/* drained: level-triggered epoll reports whatever
			 * arrived since the peek */
			*events = EPOLLIN;
			return -EAGAIN;
		}
		r = feed_engine(h, &drained);
		if (r < 0)
			return (int)r;
	}
}

static void hs_event(struct daemon *d, struct watch *w, uint32_t events)
{
	struct hs *h = (struct hs *)w;
	uint32_t wait = 0;
	int rc;

	(void)events;
	if (h->cancelled)
		return;		/* aborted after this batch */
	if (h->tickets) {
		tickets_event(d, h);
		return;
	}
	if (h->role == TLSK_ROLE_SERVER && redis_prefetch(d, h))
		return;		/* back once the session store answered */
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

/*
 * tlskd reads a handshake by peeking first (the session store looks at
 * the ClientHello, the engine's reads, a client's tickets). With a peek
 * offset (SO_PEEK_OFF, on TCP since Linux 6.10) each peek moves past what
 * it saw: the next finds nothing while the bytes wait, and level-
 * triggered epoll wakes tlskd for them at once, again and again. True if
 * the service set one; a kernel without the option has none.
 */
/*
 * A socket that has a ULP already (the service attached kTLS or tlsk
 * itself): tlskd's MSG_DONTWAIT send() would go through that ULP's
 * sendmsg, which takes its TX lock and waits there while another thread
 * of the service sends into a closed window, and the whole loop with it.
 * Its name in ulp (size ULP_NAME_MAX), or false.
 */
#define ULP_NAME_MAX	16

static bool ulp_attached(int fd, char *ulp)
{
	socklen_t len = ULP_NAME_MAX - 1;

	memset(ulp, 0, ULP_NAME_MAX);
	return !getsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, &len) && len > 0 &&
	       ulp[0];
}

static bool peek_offset_set(int fd)
{
	socklen_t len = sizeof(int);
	int off = -1;

	return !getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &off, &len) &&
	       off >= 0;
}

/* The profile's (else the global) handshake-timeout; a request may ask
 * for less, never for more: the admin's limit is the caller's too. */
static unsigned timeout_for(const struct gen *g, const struct conf_profile *p,
			    uint32_t asked)
{
	unsigned t = p->handshake_timeout_ms ? p->handshake_timeout_ms :
		     g->conf.handshake_timeout_ms;

	return asked && asked < t ? asked : t;
}

static struct hs *hs_new(struct daemon *d, struct peer *p,
			 const struct tlsk_request *req,
			 const struct conf_profile *prof,
			 const struct tlsk_config *cfg, int fd)
{
	struct hs *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->started_ms = now_ms();
	h->deadline_ms = h->started_ms + timeout_for(d->gen, prof,
						     req->timeout_ms);
	h->old_lowat = -1;
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
	p->nhs++;
	h->gen = d->gen;
	d->gen->refs++;
	h->prof = prof;
	h->id = req->id;
	h->role = req->role;
	return h;
}

/* Every refusal names the profile asked for, in the reply and the log. */
static int refuse(struct daemon *d, struct peer *p,
		  const struct tlsk_request *req, int err, const char *reason)
{
	char why[TLSK_REASON_MAX];
	struct tlsk_result res;

	memset(&res, 0, sizeof(res));
	res.alert = TLSK_ALERT_NONE;
	if (strncmp(reason, "profile ", 8) != 0)
		snprintf(why, sizeof(why), "profile %s: %s", req->profile,
			 reason);
	else
		snprintf(why, sizeof(why), "%s", reason);
	tlsk_result_fail(&res, err, why);
	d->stats.req_refused++;
	/* A TCP socket not connected yet is how a service checks that its
	 * profile exists and is allowed (tlsk-httpd at start): no warning. */
	/* as often as a caller likes: rate-limited (log.h) */
	tlskd_log_peer(LOG_CLASS_CALLER,
		       err == -ENOTCONN ? LOG_INFO : LOG_WARNING,
		       "request from pid %d uid %u refused: %s", (int)p->pid,
		       (unsigned)p->uid, res.reason);
	return daemon_reply(p, req->id, &res, -1);
}

/* Client: "profile|server name|address:port" keys the client cache. */
static void resume_from_cache(struct daemon *d, struct hs *h,
			      const struct tlsk_request *req, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "";
	unsigned port = 0;
	uint8_t *blob;
	size_t len;
	int n, rc;

	hs_enter(h);
	rc = getpeername(fd, (struct sockaddr *)&ss, &sl);
	stall_leave();
	if (rc)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	n = snprintf(h->cache_key, sizeof(h->cache_key), "%s|%s|[%s]:%u",
		     h->prof->name, req->server_name, addr, port);
	if (n < 0 || (size_t)n >= sizeof(h->cache_key)) {
		h->cache_key[0] = '\0';
		return;
	}
	if (client_cache_take(&d->clients, h->cache_key, &blob, &len))
		return;
	/* A stale or unusable ticket just means a full handshake. */
	(void)tlsk_engine_set_session(h->engine, blob, len);
	client_session_free_blob(blob, len);
}

/* A request's ALPN list ("" or NULL: the profile's) as the engine takes
 * it. */
static bool alpn_ok(const char *list)
{
	uint8_t wire[CFG_MAX_ALPN];
	size_t len;

	return !list || !*list || alpn_to_wire(list, wire, &len) == 0;
}

/*
 * check_socket(), ulp_attached() and peek_offset_set(), as one call that
 * may stall (stall.c): 0, the first's error, or -EINVAL with ulp set (a
 * ULP) or empty (a peek offset).
 */
static int start_checks(struct peer *p, const struct tlsk_request *req,
			int fd, char *ulp)
{
	const struct stall_ctx c = { .kind = STALL_START, .peer = p,
				     .id = req->id, .fd = fd };
	int rc;

	ulp[0] = '\0';
	stall_enter(&c);
	rc = check_socket(fd);
	if (!rc && (ulp_attached(fd, ulp) || peek_offset_set(fd)))
		rc = -EINVAL;
	stall_leave();
	return rc;
}

/* Takes fd in every case: it becomes the handshake's or is closed. */
void hs_start(struct daemon *d, struct peer *p, const struct tlsk_request *req,
	      int fd)
{
	struct conf_profile *prof = conf_profile(&d->gen->conf, req->profile);
	const struct tlsk_config *cfg = NULL;
	char why[TLSK_REASON_MAX], ulp[ULP_NAME_MAX];
	struct hs *h;
	int rc;

	if (!prof) {
		snprintf(why, sizeof(why), "no such profile in %s",
			 d->conf_path);
		refuse(d, p, req, -ENOENT, why);
	} else if (!conf_profile_allows(prof, p->uid, p->gid, p->groups,
					p->ngroups)) {
		snprintf(why, sizeof(why), "profile %s: uid/gid not allowed",
			 prof->name);
		refuse(d, p, req, -EACCES, why);
	} else if ((rc = conf_profile_refuses(prof, req->role,
					      req->server_name, why,
					      sizeof(why))) != 0) {
		refuse(d, p, req, rc, why);
	} else if (d->draining) {
		refuse(d, p, req, -ESHUTDOWN, "tlskd is stopping");
	} else if (d->nhs >= d->gen->conf.max_handshakes) {
		refuse(d, p, req, -EBUSY, "too many handshakes in flight");
	} else if (uid_held(d, p->uid, QUOTA_STALLED) >= STALL_PER_UID) {
		snprintf(why, sizeof(why), "tlskd gave up on %d calls on "
			 "this uid's sockets that wait for a socket's lock: "
			 "no more until they return", STALL_PER_UID);
		refuse(d, p, req, -EBUSY, why);
	} else if ((rc = start_checks(p, req, fd, ulp)) != 0) {
		if (rc == -EPROTOTYPE || rc == -ENOTSOCK || rc == -ENOTCONN) {
			refuse(d, p, req, rc, "not a connected TCP socket");
		} else if (ulp[0]) {
			snprintf(why, sizeof(why), "the socket has a ULP "
				 "already (%s): tlskd attaches the kernel's "
				 "TLS itself", ulp);
			refuse(d, p, req, -EINVAL, why);
		} else {
			refuse(d, p, req, -EINVAL, "SO_PEEK_OFF is set on the "
			       "socket: tlskd peeks at the handshake, clear "
			       "it (-1) first");
		}
	} else if (!(cfg = prof->cfg) || !alpn_ok(req->alpn)) {
		refuse(d, p, req, -EINVAL, "bad ALPN list");
	} else if (!uid_take(d, p->uid, QUOTA_HS)) {
		refuse(d, p, req, -EBUSY, "this uid has max-handshakes-"
		       "per-uid handshakes in flight");
	} else if (!(h = hs_new(d, p, req, prof, cfg, fd))) {
		uid_put(d, p->uid, QUOTA_HS);
		refuse(d, p, req, -ENOMEM, "out of memory");
	} else {
		if (req->role == TLSK_ROLE_CLIENT && req->server_name[0] &&
		    (rc = tlsk_engine_set_server_name(h->engine,
						      req->server_name))) {
			hs_finish(d, h, rc);	/* not a name the engine takes */
			return;
		}
		/* The request's ALPN list, for this handshake only. */
		if (req->alpn[0] &&
		    (!prof->alpn || strcmp(req->alpn, prof->alpn) != 0) &&
		    (rc = tlsk_engine_set_alpn(h->engine, req->alpn))) {
			hs_finish(d, h, rc);
			return;
		}
		if (req->role == TLSK_ROLE_CLIENT)
			resume_from_cache(d, h, req, fd);
		log_debug("handshake pid %d profile %s %s started",
			  (int)p->pid, prof->name, role_name(req->role));
		/* Client: ClientHello goes out now; server: wait for it. */
		if (watch_add(d, &h->w, EPOLLIN) < 0)
			hs_finish(d, h, -errno);
		else
			hs_event(d, &h->w, 0);
		return;
	}
	closer_close_untrusted(fd);	/* maybe no socket at all */
}

/* ---- a call on the service's socket that stalled (stall.c) ---- */

static void stalled_result(struct tlsk_result *res)
{
	char why[TLSK_REASON_MAX];

	memset(res, 0, sizeof(*res));
	res->alert = TLSK_ALERT_NONE;
	snprintf(why, sizeof(why), "the socket's lock stayed taken for %d ms "
		 "(by another thread of the service, or a sender it left "
		 "waiting): tlskd gave up on it", STALL_AFTER_MS);
	tlsk_result_fail(res, -EDEADLK, why);
}

/* In the thread that took the loop over: h is out of the loop, its caller
 * answered; its memory, socket and uid slot wait for the call's return. */
void hs_stalled(struct daemon *d, struct hs *h)
{
	struct tlsk_result res;

	if (!h->replied) {
		stalled_result(&res);
		hs_reply(d, h, &res, -1);
	}
	hs_detach(d, h);
	/* no allocation: the uid has an entry (QUOTA_HS) */
	(void)uid_take(d, h->peer->uid, QUOTA_STALLED);
}

void hs_stall_returned(struct daemon *d, struct hs *h)
{
	uid_put(d, h->peer->uid, QUOTA_STALLED);
	h->old_lowat = -1;	/* the service's own business now */
	hs_release(d, h);
}

void start_stalled(struct daemon *d, const struct stall_ctx *c)
{
	struct tlsk_result res;

	stalled_result(&res);
	d->stats.req_refused++;
	c->peer->refs++;	/* until the call returns */
	daemon_reply(c->peer, c->id, &res, -1);
	/* no allocation: the uid has an entry (the connection's) */
	(void)uid_take(d, c->peer->uid, QUOTA_STALLED);
}

void start_stall_returned(struct daemon *d, const struct stall_ctx *c)
{
	uid_put(d, c->peer->uid, QUOTA_STALLED);
	closer_close_untrusted(c->fd);
	peer_put(c->peer);
}
