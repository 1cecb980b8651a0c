// SPDX-License-Identifier: MIT
/*
 * The session store in Redis (redis.h): one hiredis async connection,
 * whose descriptor is a watch in the loop's epoll set (the adapter below:
 * hiredis says which of read/write it wants, the loop calls it back).
 *
 * Connection states:
 *   off         no session-store
 *   connecting  connect, then AUTH / SELECT / PING; only PONG makes it up,
 *               and nothing but these goes out before that
 *   up          GET and SET go out
 *   down        waiting to reconnect (backoff)
 * An answer to the set-up commands other than OK / PONG (wrong password,
 * wrong db, not Redis), no answer within CONNECT_TIMEOUT_MS, a protocol
 * error, or, once up, no reply to anything for STALL_MS while requests
 * are outstanding: the connection is dropped and retried later.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "daemon.h"
#include "fleet.h"
#include "log.h"
#include "redis.h"
#include "stall.h"
#include "redisreply.h"
#include "sessstore.h"

#define CONNECT_TIMEOUT_MS	1000
#define STALL_MS		2000
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		10000
#define OUTSTANDING_MAX		4096
#define PEEK_MAX		2048

enum state { ST_OFF, ST_CONNECTING, ST_UP, ST_DOWN };

/* One lookup for one handshake (h NULL once it stopped waiting). */
struct store_wait {
	struct hs *h;
	char profile[TLSK_PROFILE_MAX];
	uint8_t id[FLEET_ID_MAX];
	size_t id_len;
	char name[FLEET_NAME_LEN + 1];
};

static struct {
	struct daemon *d;
	enum state state;
	bool warned;		/* said it is down; say when it is back */
	bool set_failing;	/* said SET fails; say when it works */
	struct rconn c;		/* c.ac: the connection, or NULL */
	uint64_t connect_deadline;
	uint64_t retry_at;
	unsigned backoff_ms;
	unsigned outstanding;	/* commands sent, not answered */
	uint64_t last_progress;
	uint64_t down_since;
	struct fleet_addr addr;
	struct fleet_keys keys;
	unsigned timeout_ms;
	unsigned lifetime_s;
	char where[FLEET_HOST_MAX + 32];	/* for logs, no password */
} R;

/*
 * What the status says: once Redis was found down, it stays down through
 * every reconnect attempt until one succeeds (an attempt is "connecting"
 * for up to CONNECT_TIMEOUT_MS, and must not read as the outage ending),
 * and the time is counted from the first failure.
 */
unsigned redis_state(uint64_t *down_s)
{
	enum state st = R.state;

	if (st == ST_CONNECTING && R.warned)
		st = ST_DOWN;
	*down_s = st == ST_DOWN ? (now_ms() - R.down_since) / 1000 : 0;
	return (unsigned)st;
}

const struct fleet_addr *redis_addr(void)
{
	return &R.addr;
}

const char *redis_where(void)
{
	return R.where;
}

/* ---- the adapter: hiredis' wishes to the epoll set ---- */

static void ev_update(struct rconn *c)
{
	if (!c->ac)
		return;
	if (!c->registered) {
		c->w.fd = c->ac->c.fd;
		if (watch_add(c->d, &c->w, c->mask) == 0)
			c->registered = true;
		return;
	}
	watch_mod(c->d, &c->w, c->mask);
}

static void ev_add_read(void *p)
{
	struct rconn *c = p;

	c->mask |= EPOLLIN;
	ev_update(c);
}

static void ev_del_read(void *p)
{
	struct rconn *c = p;

	c->mask &= ~(uint32_t)EPOLLIN;
	ev_update(c);
}

static void ev_add_write(void *p)
{
	struct rconn *c = p;

	c->mask |= EPOLLOUT;
	ev_update(c);
}

static void ev_del_write(void *p)
{
	struct rconn *c = p;

	c->mask &= ~(uint32_t)EPOLLOUT;
	ev_update(c);
}

static void gate_reset(struct rconn *c)
{
	if (c->shadow)
		redisReaderFree(c->shadow);
	c->shadow = NULL;
	if (c->held)
		OPENSSL_cleanse(c->held, c->held_cap);
	free(c->held);
	c->held = NULL;
	c->held_len = c->held_cap = 0;
}

static void ev_cleanup(void *p)
{
	struct rconn *c = p;

	if (c->registered)
		watch_del(c->d, &c->w);
	c->registered = false;
	c->mask = 0;
	gate_reset(c);		/* hiredis frees the context */
}

/* ---- the gate (redis.h): hiredis sees only replies it expects ---- */

static size_t callbacks_waiting(const redisAsyncContext *ac)
{
	size_t n = 0;

	for (const redisCallback *cb = ac->replies.head; cb; cb = cb->next)
		n++;
	return n;
}

static bool is_string(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_STRING && r->str;
}

/* A message on a subscribed connection hiredis takes without asserting:
 * [kind, channel, x], x an integer after an unsubscribe. */
static bool push_ok(const redisReply *r)
{
	const char *kind;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    !is_string(r->element[0]) || !is_string(r->element[1]) ||
	    !r->element[2])
		return false;
	kind = r->element[0]->str;
	if (kind[0] == 'p' || kind[0] == 'P')
		kind++;
	return strcasecmp(kind, "unsubscribe") != 0 ||
	       r->element[2]->type == REDIS_REPLY_INTEGER;
}

static bool held_add(struct rconn *c, const char *buf, size_t n)
{
	char *p;
	size_t cap = c->held_cap ? c->held_cap : 4096;

	while (cap < c->held_len + n)
		cap *= 2;
	if (cap != c->held_cap) {
		p = malloc(cap);
		if (!p)
			return false;
		if (c->held_len)
			memcpy(p, c->held, c->held_len);
		if (c->held)
			OPENSSL_cleanse(c->held, c->held_cap);
		free(c->held);
		c->held = p;
		c->held_cap = cap;
	}
	memcpy(c->held + c->held_len, buf, n);
	c->held_len += n;
	return redisReaderFeed(c->shadow, buf, n) == REDIS_OK;
}

#if HIREDIS_MAJOR < 1
/* in hiredis' ABI since 0.11, in its header from 1.0 */
void redisProcessCallbacks(redisAsyncContext *ac);
#endif

/*
 * Reads what the server sent, passes hiredis its whole replies that a
 * command waits for, then runs their callbacks. A protocol error goes to
 * hiredis as it came (it says what was wrong and disconnects); EOF and
 * read errors too, after the replies before them.
 */
static void gate_read(struct rconn *c)
{
	redisAsyncContext *ac = c->ac;
	size_t expect = callbacks_waiting(ac), pass = 0;
	bool subscribed = ac->c.flags & REDIS_SUBSCRIBED, end = false;
	bool garbage = false;
	char buf[16384];
	ssize_t n;

	if (!c->shadow && !(c->shadow = redisReaderCreate())) {
		c->bad("out of memory");
		return;
	}
	for (;;) {
		n = read(ac->c.fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			end = true;	/* hiredis reads it again */
			break;
		}
		if (c->held_len + (size_t)n > RCONN_REPLY_MAX) {
			c->bad("a reply of over 512 KiB");
			return;
		}
		if (!held_add(c, buf, (size_t)n)) {
			c->bad("out of memory");
			return;
		}
	}
	for (;;) {
		void *reply = NULL;
		bool ok;

		if (redisReaderGetReply(c->shadow, &reply) != REDIS_OK) {
			garbage = true;
			break;
		}
		if (!reply)
			break;
		ok = expect || ((redisReply *)reply)->type == REDIS_REPLY_ERROR ||
		     (subscribed && push_ok(reply));
		if (expect)
			expect--;
		freeReplyObject(reply);
		if (!ok) {
			c->bad(subscribed ? "a malformed message" :
			       "a reply to no command");
			return;
		}
		pass = c->held_len - (c->shadow->len - c->shadow->pos);
	}
	if (garbage) {
		pass = c->held_len;
	} else if (c->held_len > pass && !expect && !subscribed) {
		c->bad("a reply to no command");
		return;
	}
	if (pass) {
		if (redisReaderFeed(ac->c.reader, c->held, pass) != REDIS_OK) {
			c->bad("out of memory");
			return;
		}
		OPENSSL_cleanse(c->held, pass);
		memmove(c->held, c->held + pass, c->held_len - pass);
		c->held_len -= pass;
		if (garbage)
			gate_reset(c);
		redisProcessCallbacks(ac);
		if (c->ac != ac)
			return;		/* freed by its callbacks */
	}
	if (end)
		redisAsyncHandleRead(ac);
}

static void rconn_event(struct daemon *d, struct watch *w, uint32_t events)
{
	struct rconn *c = (struct rconn *)w;	/* w is its first member */
	redisAsyncContext *ac = c->ac;

	(void)d;
	if (!ac || !c->registered || w->fd != ac->c.fd)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		/* data before hiredis saw the connect complete: let it see
		 * that first (it then writes what waits), so the gate knows
		 * what the commands expect */
		if (!(ac->c.flags & REDIS_CONNECTED)) {
			redisAsyncHandleWrite(ac);
			if (c->ac != ac)
				return;
		}
		if (ac->c.flags & REDIS_CONNECTED)
			gate_read(c);
		else
			redisAsyncHandleRead(ac);
	}
	if (c->ac == ac && c->registered && (events & EPOLLOUT))
		redisAsyncHandleWrite(ac);
}

void rconn_attach(struct rconn *c, struct daemon *d, redisAsyncContext *ac,
		  void (*bad)(const char *why))
{
	gate_reset(c);
	c->d = d;
	c->w.fn = rconn_event;
	c->ac = ac;
	c->bad = bad;
	c->registered = false;
	c->mask = 0;
	ac->ev.data = c;
	ac->ev.addRead = ev_add_read;
	ac->ev.delRead = ev_del_read;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
}

void rconn_free(struct rconn *c)
{
	redisAsyncContext *ac = c->ac;

	c->ac = NULL;	/* its callbacks, run by the free, see it gone */
	if (ac) {
		ac->ev.cleanup = NULL;
		ev_cleanup(c);
		redisAsyncFree(ac);
	}
	gate_reset(c);
}

/* ---- states ---- */

/* The connection is unusable (why: for the log): down, retry later. The
 * caller disposes of R.c.ac. */
static void went_down(const char *why)
{
	uint64_t now = now_ms();

	if (!R.warned) {
		log_warn("session store %s: %s; resuming TLS 1.2 sessions from "
			 "this machine's cache only until it is back",
			 R.where, why);
		R.down_since = now;	/* not again at each failed retry */
	} else {
		log_debug("session store %s: %s", R.where, why);
	}
	R.warned = true;
	R.state = ST_DOWN;
	R.retry_at = now + R.backoff_ms;
	R.backoff_ms = R.backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		       R.backoff_ms * 2;
	R.outstanding = 0;
}

/* Ends the connection from outside hiredis' callbacks. */
static void drop(const char *why)
{
	if (why)
		went_down(why);
	rconn_free(&R.c);
}

/* The gate's verdict (rconn): outside hiredis' callbacks. */
static void bad_reply(const char *why)
{
	drop(why);
}

/* Ends the connection from inside one of its callbacks. */
static void refuse(redisAsyncContext *ac, const char *why)
{
	if (ac != R.c.ac)
		return;
	went_down(why);
	redisAsyncDisconnect(ac);	/* frees it once callbacks are done */
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	char why[160];

	if (status == REDIS_OK || ac != R.c.ac)
		return;
	snprintf(why, sizeof(why), "cannot connect: %s", ac->errstr);
	R.c.ac = NULL;	/* hiredis frees it */
	went_down(why);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	char why[160];

	if (ac != R.c.ac)
		return;
	R.c.ac = NULL;
	if (R.state == ST_DOWN)
		return;	/* refuse() said why */
	snprintf(why, sizeof(why), "connection lost: %s",
		 status == REDIS_OK ? "closed" : ac->errstr);
	went_down(why);
}

/* AUTH and SELECT: "OK"; privdata names the command. */
static void on_setup(redisAsyncContext *ac, void *reply, void *priv)
{
	char got[128], why[192];

	if (ac != R.c.ac || R.state != ST_CONNECTING)
		return;
	if (redis_reply_status(reply, "OK", got, sizeof(got))) {
		snprintf(why, sizeof(why), "%s refused: %s", (char *)priv,
			 got);
		refuse(ac, why);
	}
}

static void on_ping(redisAsyncContext *ac, void *reply, void *priv)
{
	char got[128], why[192];

	(void)priv;
	if (ac != R.c.ac || R.state != ST_CONNECTING)
		return;
	if (redis_reply_status(reply, "PONG", got, sizeof(got))) {
		snprintf(why, sizeof(why), "PING answered with %s", got);
		refuse(ac, why);
		return;
	}
	R.state = ST_UP;
	R.backoff_ms = BACKOFF_MIN_MS;
	R.outstanding = 0;
	R.last_progress = now_ms();
	if (R.warned)
		log_notice("session store %s: reachable again", R.where);
	else
		log_info("session store %s: connected", R.where);
	R.warned = false;
}

static void start_connect(void)
{
	redisAsyncContext *ac;
	char why[160];

	if (R.addr.unix_socket)
		ac = redisAsyncConnectUnix(R.addr.host);
	else
		ac = redisAsyncConnect(R.addr.host, R.addr.port);
	if (!ac || ac->err) {
		snprintf(why, sizeof(why), "cannot connect: %s",
			 ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		went_down(why);
		return;
	}
	rconn_attach(&R.c, R.d, ac, bad_reply);
	R.state = ST_CONNECTING;
	R.connect_deadline = now_ms() + CONNECT_TIMEOUT_MS;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	if (R.addr.password[0] && R.addr.user[0])
		redisAsyncCommand(ac, on_setup, "AUTH", "AUTH %s %s",
				  R.addr.user, R.addr.password);
	else if (R.addr.password[0])
		redisAsyncCommand(ac, on_setup, "AUTH", "AUTH %s",
				  R.addr.password);
	if (R.addr.db)
		redisAsyncCommand(ac, on_setup, "SELECT", "SELECT %u",
				  R.addr.db);
	redisAsyncCommand(ac, on_ping, NULL, "PING");
}

/* ---- commands of others (ticket keys) ---- */

struct cmd {
	redis_reply_fn *fn;
	void *priv;
};

static void on_cmd(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cmd *c = priv;

	if (ac == R.c.ac && reply) {
		if (R.outstanding)
			R.outstanding--;
		R.last_progress = now_ms();
	}
	c->fn(reply, c->priv);
	free(c);
}

int redis_command(redis_reply_fn *fn, void *priv, const char *fmt, ...)
{
	struct cmd *c;
	va_list ap;
	int rc;

	if (R.state != ST_UP || !R.c.ac)
		return -ENOTCONN;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->priv = priv;
	va_start(ap, fmt);
	rc = redisvAsyncCommand(R.c.ac, on_cmd, c, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK) {
		free(c);
		return -EIO;
	}
	if (!R.outstanding++)
		R.last_progress = now_ms();
	return 0;
}

/* ---- sessions ---- */

static void on_set(redisAsyncContext *ac, void *reply, void *priv)
{
	char got[128];

	(void)priv;
	if (ac != R.c.ac || !reply)
		return;
	if (R.outstanding)
		R.outstanding--;
	R.last_progress = now_ms();
	if (redis_reply_status(reply, "OK", got, sizeof(got))) {
		if (!R.set_failing)
			log_warn("session store %s: storing a session failed: "
				 "%s", R.where, got);
		R.set_failing = true;
	} else if (R.set_failing) {
		log_notice("session store %s: storing sessions works again",
			   R.where);
		R.set_failing = false;
	}
}

/*
 * The engine stores a session while our last flight waits in its output:
 * the SET goes out now, ahead of that flight, so Redis has the entry
 * before the client can reconnect anywhere (a browser opening its next
 * connections on other machines the moment the first one is done).
 * Writing is all that happens here: no hiredis callback runs inside the
 * handshake. A write error stays in the context, and the write event
 * that redisAsyncCommand asked for reports it.
 */
static void flush_now(void)
{
	int done;

	(void)redisBufferWrite(&R.c.ac->c, &done);
}

static void put_l2(const char *profile, const uint8_t *id, size_t id_len,
		   const uint8_t *blob, size_t len)
{
	uint8_t sealed[FLEET_SEALED_MAX];
	char name[FLEET_NAME_LEN + 1];
	int n;

	if (R.state != ST_UP || R.outstanding >= OUTSTANDING_MAX ||
	    fleet_entry_name(&R.keys, profile, id, id_len, name))
		return;
	n = fleet_seal(&R.keys, name, blob, len, sealed);
	if (n > 0 && redisAsyncCommand(R.c.ac, on_set, NULL, "SET %s %b PX %llu",
				       name, sealed, (size_t)n,
				       (unsigned long long)R.lifetime_s *
				       1000) == REDIS_OK) {
		if (!R.outstanding++)
			R.last_progress = now_ms();
		flush_now();
	}
	OPENSSL_cleanse(sealed, sizeof(sealed));
}

static void free_blob(struct hs *h)
{
	if (!h->store_blob)
		return;
	OPENSSL_cleanse(h->store_blob, h->store_blob_len);
	free(h->store_blob);
	h->store_blob = NULL;
	h->store_blob_len = 0;
}

/* h stops waiting: its deadline and its place in the epoll set back. */
static void wait_end(struct daemon *d, struct hs *h)
{
	h->store_wait->h = NULL;
	h->store_wait = NULL;
	heap_remove(d, h);
	h->deadline_ms = h->store_saved_deadline;
	if (heap_push(d, h))	/* cannot fail: it just left */
		return;
	if (watch_add(d, &h->w, EPOLLIN)) {
		/* expires at once, as a timeout */
		heap_remove(d, h);
		h->deadline_ms = 1;
		heap_push(d, h);
	}
}

static void on_get(redisAsyncContext *ac, void *reply, void *priv)
{
	struct store_wait *w = priv;
	uint8_t blob[TLSK_SESSION_BLOB_MAX];
	size_t len = sizeof(blob);
	char why[128];
	int rc;

	if (ac == R.c.ac && reply) {
		if (R.outstanding)
			R.outstanding--;
		R.last_progress = now_ms();
	}
	rc = redis_reply_entry(reply, &R.keys, w->name, blob, &len, why,
			       sizeof(why));
	if (!rc && w->h && !w->h->store_blob &&
	    (w->h->store_blob = malloc(len)) != NULL) {
		memcpy(w->h->store_blob, blob, len);
		w->h->store_blob_len = len;
	} else if (!rc) {	/* too late for it: for the next one */
		sess_store_put_local(w->profile, w->id, w->id_len, blob, len);
	}
	else if (rc == -EBADMSG)
		log_debug("session store %s: an entry that does not open "
			  "(another fleet key, or altered): a miss", R.where);
	else if (rc == -EPROTO && reply)
		log_debug("session store %s: GET: %s", R.where, why);
	OPENSSL_cleanse(blob, sizeof(blob));
	if (w->h)
		wait_end(R.d, w->h);
	OPENSSL_cleanse(w, sizeof(*w));
	free(w);
}

/*
 * Waits for the hello, or for more of it than the `have` bytes seen: the
 * socket is readable again only once at least have + 1 bytes are there.
 * True: the handshake waits; false (cannot arrange it): decide now.
 */
static bool hello_wait(struct daemon *d, struct hs *h, size_t have)
{
	if ((have && hs_lowat_wait(h, (int)have + 1) != -EAGAIN) ||
	    (h->w.events != EPOLLIN && watch_mod(d, &h->w, EPOLLIN))) {
		h->store_checked = true;
		hs_lowat_restore(h);
		return false;
	}
	h->store_peeked = have;
	return true;
}

bool redis_prefetch(struct daemon *d, struct hs *h)
{
	uint8_t rec[PEEK_MAX], id[FLEET_ID_MAX];
	struct store_wait *w;
	size_t id_len;
	uint64_t until;
	ssize_t r;
	int offers13, rc;

	if (h->store_blob) {
		sess_store_put_local(h->prof->name, h->store_id,
				     h->store_id_len, h->store_blob,
				     h->store_blob_len);
		free_blob(h);
		return false;
	}
	if (h->store_checked || h->role != TLSK_ROLE_SERVER)
		return false;
	if (R.state != ST_UP || R.outstanding >= OUTSTANDING_MAX ||
	    h->prof->max_version < 0x0303 || h->prof->min_version > 0x0303) {
		h->store_checked = true;
		hs_lowat_restore(h);	/* the store went while it waited */
		return false;
	}
	/*
	 * The engine must not read before the hello is looked at: one that
	 * arrives between a peek that found nothing and the engine's read
	 * would never be looked up. So the handshake waits for it here, and
	 * for the rest of a record that comes in pieces (readable again only
	 * once more than what was seen is there); a wakeup with nothing more
	 * (the peer's FIN, an error) decides with what there is.
	 */
	stall_enter(&(const struct stall_ctx){ .kind = STALL_HS, .obj = h,
					      .fd = -1 });
	r = recv(h->w.fd, rec, sizeof(rec), MSG_PEEK | MSG_DONTWAIT);
	stall_leave();
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return hello_wait(d, h, 0);
	rc = r > 0 ? fleet_hello_session(rec, (size_t)r, id, &id_len,
					 &offers13) : -EINVAL;
	if (rc == -EAGAIN && (size_t)r < sizeof(rec) &&
	    (size_t)r > h->store_peeked)
		return hello_wait(d, h, (size_t)r);
	h->store_checked = true;
	hs_lowat_restore(h);
	if ((rc && rc != -EAGAIN) || !id_len ||
	    (offers13 && h->prof->max_version >= 0x0304) ||
	    sess_store_has(h->prof->name, id, id_len))
		return false;
	w = calloc(1, sizeof(*w));
	if (!w)
		return false;
	snprintf(w->profile, sizeof(w->profile), "%s", h->prof->name);
	memcpy(w->id, id, id_len);
	w->id_len = id_len;
	if (fleet_entry_name(&R.keys, w->profile, id, id_len, w->name) ||
	    redisAsyncCommand(R.c.ac, on_get, w, "GET %s", w->name) !=
	    REDIS_OK) {
		free(w);
		return false;
	}
	if (!R.outstanding++)
		R.last_progress = now_ms();
	w->h = h;
	h->store_wait = w;
	memcpy(h->store_id, id, id_len);
	h->store_id_len = id_len;
	h->store_saved_deadline = h->deadline_ms;
	until = now_ms() + R.timeout_ms;
	if (until < h->deadline_ms) {
		heap_remove(d, h);
		h->deadline_ms = until;
		heap_push(d, h);	/* cannot fail: it just left */
	}
	watch_del(d, &h->w);	/* the hello stays there till then */
	return true;
}

void redis_wait_over(struct daemon *d, struct hs *h)
{
	log_debug("handshake pid %d profile %s: no answer from the session "
		  "store within %u ms: a miss", (int)h->peer->pid,
		  h->prof->name, R.timeout_ms);
	wait_end(d, h);
}

void redis_wait_detach(struct hs *h)
{
	if (h->store_wait) {
		h->store_wait->h = NULL;
		h->store_wait = NULL;
	}
	free_blob(h);
}

/* ---- configuration, timers ---- */

static bool same_addr(const struct fleet_addr *a, const struct fleet_addr *b)
{
	return a->unix_socket == b->unix_socket && a->port == b->port &&
	       a->db == b->db && !strcmp(a->host, b->host) &&
	       !strcmp(a->user, b->user) && !strcmp(a->password, b->password);
}

void redis_configure(struct daemon *d)
{
	const struct conf *c = &d->gen->conf;

	R.d = d;
	R.timeout_ms = c->session_store_timeout_ms;
	R.lifetime_s = c->session_lifetime_s;
	if (!c->session_store) {
		if (R.state != ST_OFF)
			log_notice("session store %s: no longer used",
				   R.where);
		redis_stop(d);
		return;
	}
	if (R.state != ST_OFF && same_addr(&R.addr, &c->store_addr) &&
	    !CRYPTO_memcmp(&R.keys, &c->fleet, sizeof(R.keys)))
		return;
	redis_stop(d);
	R.d = d;
	R.timeout_ms = c->session_store_timeout_ms;
	R.lifetime_s = c->session_lifetime_s;
	R.addr = c->store_addr;
	R.keys = c->fleet;
	if (R.addr.unix_socket)
		snprintf(R.where, sizeof(R.where), "unix:%s", R.addr.host);
	else
		snprintf(R.where, sizeof(R.where), "redis://%s:%d/%u",
			 R.addr.host, R.addr.port, R.addr.db);
	R.backoff_ms = BACKOFF_MIN_MS;
	sess_store_set_l2(put_l2);
	start_connect();
}

void redis_stop(struct daemon *d)
{
	(void)d;
	sess_store_set_l2(NULL);
	drop(NULL);
	fleet_addr_scrub(&R.addr);
	fleet_keys_scrub(&R.keys);
	R.state = ST_OFF;
	R.warned = false;
	R.set_failing = false;
	R.outstanding = 0;
}

uint64_t redis_next_timer(void)
{
	switch (R.state) {
	case ST_CONNECTING:
		return R.connect_deadline;
	case ST_DOWN:
		return R.retry_at;
	case ST_UP:
		return R.outstanding ? R.last_progress + STALL_MS : UINT64_MAX;
	default:
		return UINT64_MAX;
	}
}

void redis_tick(struct daemon *d, uint64_t now)
{
	(void)d;
	if (R.state == ST_CONNECTING && now >= R.connect_deadline)
		drop("no answer to connect, AUTH and PING within 1 s");
	else if (R.state == ST_UP && R.outstanding &&
		 now >= R.last_progress + STALL_MS)
		drop("no reply for 2 s");
	else if (R.state == ST_DOWN && now >= R.retry_at) {
		drop(NULL);	/* one refused that still waits for replies */
		start_connect();
	}
}
