// SPDX-License-Identifier: MIT
/*
 * The relay for hosts without kernel TLS (userspace-fallback = proxy).
 *
 * The service keeps the promise of the design, no key in the service, by
 * getting one end of a stream socketpair in place of its TCP socket;
 * tlskd's userspace record layer (struct tlsk_conn) carries the records on
 * the TCP socket and moves plaintext between the two:
 *
 *	peer <-TLS records-> [tcp: tlsk_conn]  tlskd  [app] <-plaintext-> service
 *
 * It is a fallback: every byte crosses tlskd, and sendfile() in the service
 * writes to a Unix socket rather than to TCP. Both watches live in one
 * struct; a relay that ends is only marked dead and freed after the epoll
 * batch, since the batch may still hold an event for its other watch.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "closer.h"
#include "daemon.h"
#include "log.h"
#include "proxy.h"
#include "quota.h"
#include "stall.h"
#include "tlsk/driver.h"
#include "tlsk/record.h"

#define RELAY_BUF	TLSK_RECORD_MAX_PLAINTEXT
/* Records relayed per direction and wakeup: the epoll set is
 * level-triggered, so what is left is reported again after the other
 * ready descriptors had their turn. */
#define RECORDS_PER_WAKEUP	16

struct proxy {
	struct watch tcp;	/* fd owned by conn */
	struct watch app;	/* tlskd's end of the service's stream */
	struct tlsk_conn *conn;
	struct tlsk_engine *engine;	/* post-handshake messages */
	uint8_t down[RELAY_BUF];	/* peer -> service plaintext */
	size_t down_off, down_len;
	bool tcp_eof, app_eof, tx_pending, dead;
	bool write_closed;	/* close_notify sent: the service half-closed */
	bool stalled;		/* a call on tcp stalled (stall.c) */
	uid_t uid;		/* its slot in max-relays-per-uid */
	struct proxy *next_dead;
	struct proxy *prev, *next;	/* live relays, for shutdown */
};

static struct proxy *dead_list;
static struct proxy *live_list;

/* Around calls on the TCP socket, which the service holds too (stall.c). */
static void proxy_enter(struct proxy *p)
{
	const struct stall_ctx c = { .kind = STALL_PROXY, .obj = p, .fd = -1 };

	stall_enter(&c);
}

static struct proxy *of_tcp(struct watch *w)
{
	return (struct proxy *)((char *)w - offsetof(struct proxy, tcp));
}

static struct proxy *of_app(struct watch *w)
{
	return (struct proxy *)((char *)w - offsetof(struct proxy, app));
}

/* Registers w for exactly `events`, removing it when there are none, so
 * that a hung-up socket we no longer read cannot spin the loop. */
static int want(struct daemon *d, struct watch *w, uint32_t events)
{
	if (events == w->events)
		return 0;
	if (!events) {
		watch_del(d, w);
		return 0;
	}
	return w->events ? watch_mod(d, w, events) : watch_add(d, w, events);
}

/* Off the live list and out of the epoll set. */
static void proxy_detach(struct daemon *d, struct proxy *p)
{
	p->dead = true;
	if (p->prev)
		p->prev->next = p->next;
	else
		live_list = p->next;
	if (p->next)
		p->next->prev = p->prev;
	want(d, &p->tcp, 0);
	want(d, &p->app, 0);
}

static void proxy_kill(struct daemon *d, struct proxy *p)
{
	if (p->dead)
		return;
	proxy_detach(d, p);
	p->next_dead = dead_list;
	dead_list = p;
}

void proxy_reap(struct daemon *d)
{
	while (dead_list) {
		struct proxy *p = dead_list;

		struct tlsk_conn *conn = p->conn;
		int fd;

		dead_list = p->next_dead;
		/* close_notify unless failed; should it stall, the fd is
		 * p->tcp.fd's, the conn the old thread's to free */
		p->conn = NULL;
		proxy_enter(p);
		fd = tlsk_conn_release(conn);
		stall_leave();
		closer_close(fd);
		uid_put(d, p->uid, QUOTA_RELAYS);
		tlsk_engine_free(p->engine);
		close(p->app.fd);
		free(p);
		d->nproxies--;
	}
}

void proxy_stop_all(struct daemon *d)
{
	while (live_list)
		proxy_kill(d, live_list);
	proxy_reap(d);
}

/* Peer -> service. Returns <0 when the relay must end. */
static int pump_down(struct proxy *p)
{
	unsigned budget = RECORDS_PER_WAKEUP;

	while (!p->tcp_eof || p->down_len) {
		ssize_t n;

		if (!p->down_len) {
			if (!budget--)
				return 0;
			proxy_enter(p);
			n = tlsk_conn_read(p->conn, p->down, sizeof(p->down));
			stall_leave();
			if (n == -EAGAIN)
				return 0;
			if (n < 0)
				return (int)n;
			if (n == 0) {
				p->tcp_eof = true;	/* close_notify */
				shutdown(p->app.fd, SHUT_WR);
				return 0;
			}
			p->down_off = 0;
			p->down_len = (size_t)n;
		}
		n = send(p->app.fd, p->down + p->down_off, p->down_len,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		p->down_off += (size_t)n;
		p->down_len -= (size_t)n;
		if (p->tcp_eof && !p->down_len)
			shutdown(p->app.fd, SHUT_WR);
	}
	return 0;
}

/* Service -> peer. */
static int pump_up(struct proxy *p)
{
	uint8_t buf[RELAY_BUF];

	if (p->tx_pending) {
		int rc;

		proxy_enter(p);
		rc = tlsk_conn_flush(p->conn);
		stall_leave();

		if (rc == -EAGAIN)
			return 0;
		if (rc)
			return rc;
		p->tx_pending = false;
	}
	for (unsigned budget = RECORDS_PER_WAKEUP; !p->app_eof && budget;
	     budget--) {
		ssize_t n = recv(p->app.fd, buf, sizeof(buf), MSG_DONTWAIT);
		int rc;

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0) {
			p->app_eof = true;
			break;
		}
		/* One record's worth: sealed whole, maybe not sent yet. */
		proxy_enter(p);
		n = tlsk_conn_write(p->conn, buf, (size_t)n);
		rc = n < 0 ? (int)n : tlsk_conn_flush(p->conn);
		stall_leave();
		if (n < 0)
			return (int)n;
		if (rc == -EAGAIN) {
			p->tx_pending = true;
			return 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static void pump(struct daemon *d, struct proxy *p)
{
	int rc = pump_down(p);

	if (!rc)
		rc = pump_up(p);
	if (rc) {
		int sent = tlsk_conn_alert_sent(p->conn);

		/* the peer's bad record: its fatal alert went out already */
		if (sent >= 0)
			log_debug("relay ended: %s, alert %s sent", strerror(-rc),
				  tlsk_alert_name((uint8_t)sent));
		else
			log_debug("relay ended: %s", strerror(-rc));
		proxy_kill(d, p);
		return;
	}
	/*
	 * The service's end is done sending and everything it sent is out.
	 * A service that closed its end has nothing to read either: the
	 * relay ends. One that only shut down its writing (shutdown(SHUT_WR),
	 * as after an HTTP/1.0 request) still reads: the peer gets
	 * close_notify and a half-close, and what it sends still comes down
	 * until it is done (as with kernel TLS, where the TCP socket itself
	 * is half-closed).
	 */
	if (p->app_eof && !p->tx_pending) {
		struct pollfd pf = { .fd = p->app.fd, .events = POLLOUT };

		if ((p->tcp_eof && !p->down_len) ||
		    (poll(&pf, 1, 0) == 1 &&
		     (pf.revents & (POLLHUP | POLLERR)))) {
			log_debug("relay: the service closed its end");
			proxy_kill(d, p);
			return;
		}
		if (!p->write_closed) {
			p->write_closed = true;
			log_debug("relay: the service half-closed; close_notify "
				  "sent, still reading");
			proxy_enter(p);
			rc = tlsk_conn_close_write(p->conn);
			stall_leave();
			if (rc == -EAGAIN) {
				/* the send queue is full: a close_notify
				 * cannot wait, the relay ends */
				proxy_kill(d, p);
				return;
			}
		}
	}
	if (want(d, &p->tcp, (!p->tcp_eof && !p->down_len ? EPOLLIN : 0) |
			     (p->tx_pending ? EPOLLOUT : 0)) ||
	    want(d, &p->app, (!p->app_eof && !p->tx_pending ? EPOLLIN : 0) |
			     (p->down_len ? EPOLLOUT : 0))) {
		log_warn("relay: epoll: %s", strerror(errno));
		proxy_kill(d, p);
	}
}

static void tcp_event(struct daemon *d, struct watch *w, uint32_t events)
{
	(void)events;
	if (!of_tcp(w)->dead)
		pump(d, of_tcp(w));
}

static void app_event(struct daemon *d, struct watch *w, uint32_t events)
{
	(void)events;
	if (!of_app(w)->dead)
		pump(d, of_app(w));
}

/* uid: whose QUOTA_RELAYS slot the relay holds (put when it is freed). */
int proxy_start(struct daemon *d, struct tlsk_conn *conn,
		struct tlsk_engine *engine, uid_t uid)
{
	int sp[2] = { -1, -1 }, fd = tlsk_conn_fd(conn), err = 0;
	struct proxy *p = NULL;

	/*
	 * Non-blocking first, by MSG_DONTWAIT on every call rather than the
	 * open file's O_NONBLOCK, which a service holding the same file can
	 * clear: the loop must never wait on the peer, nor the close_notify
	 * of a failure below on a send queue the service filled.
	 */
	tlsk_conn_set_dontwait(conn);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		err = -errno;
	else if (!(p = calloc(1, sizeof(*p))))
		err = -ENOMEM;
	if (err) {
		/* no close_notify: a call here could stall (stall.c) */
		closer_close(tlsk_conn_abandon(conn));
		uid_put(d, uid, QUOTA_RELAYS);
		if (sp[0] >= 0) {
			close(sp[0]);
			close(sp[1]);
		}
		return err;
	}
	p->conn = conn;
	p->engine = engine;
	p->uid = uid;
	tlsk_conn_attach_engine(conn, engine);
	p->tcp.fd = fd;
	p->tcp.fn = tcp_event;
	p->app.fd = sp[0];
	p->app.fn = app_event;
	p->next = live_list;
	if (live_list)
		live_list->prev = p;
	live_list = p;
	d->nproxies++;
	/*
	 * The first pump comes with the loop's next turn, which the service's
	 * end, writable at once, brings: not here, in the middle of the
	 * handshake's hand-off, where a call on the TCP socket that stalled
	 * (stall.c) would leave both half done.
	 */
	if (want(d, &p->app, EPOLLOUT)) {
		log_warn("relay: epoll: %s", strerror(errno));
		proxy_kill(d, p);
	}
	return sp[1];
}

/* In the thread that took the loop over (stall.c): p leaves the loop now,
 * its memory and socket when the call returns. */
void proxy_stalled(struct daemon *d, struct proxy *p)
{
	p->stalled = true;
	if (!p->dead)
		proxy_detach(d, p);
	/* else in proxy_reap(), off the dead list already */
	/* the service's stream ends now (tlskd's own end: no stall) */
	shutdown(p->app.fd, SHUT_RDWR);
	/* no allocation: the uid has an entry (QUOTA_RELAYS) */
	(void)uid_take(d, p->uid, QUOTA_STALLED);
}

void proxy_stall_returned(struct daemon *d, struct proxy *p)
{
	uid_put(d, p->uid, QUOTA_STALLED);
	if (p->conn)
		closer_close(tlsk_conn_abandon(p->conn));
	else	/* the old thread's tlsk_conn_release() freed it */
		closer_close(p->tcp.fd);
	uid_put(d, p->uid, QUOTA_RELAYS);
	tlsk_engine_free(p->engine);
	close(p->app.fd);
	free(p);
	d->nproxies--;
}
