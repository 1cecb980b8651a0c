// SPDX-License-Identifier: MIT
/*
 * The fleet's ticket keys in Redis (tkredis.h).
 *
 * Every command is asynchronous; its reply runs a callback. At most one
 * poll (HGETALL) and one lock attempt are in flight. Holding the lock:
 * HGETALL again (a fresh view), then HSET/HDEL/PUBLISH, then the lock is
 * released if still ours (compare-and-delete script; else it expires).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon.h"
#include "fleet.h"
#include "log.h"
#include "redis.h"
#include "redisreply.h"
#include "tickets.h"
#include "tkredis.h"

#define TK_LOCK		FLEET_TK_HASH ":lock"
#define TK_CHANNEL	FLEET_TK_HASH ":new"
#define POLL_MS		2000	/* fallback when a message is lost */
#define SUB_RETRY_MS	5000
#define LOCK_MS		5000
#define LEAD_S		5	/* a new "next" seals this late at the soonest */
#define SET_MAX		((size_t)FLEET_TK_SET_MAX)

_Static_assert(FLEET_TK_SET_MAX == TICKET_KEYS_MAX * 2,
	       "one HGETALL fits what tickets_merge() takes");

enum { ST_OFF, ST_CONNECTING, ST_UP, ST_DOWN };	/* as redis_state() */

static const char unlock_script[] =
	"if redis.call('get', KEYS[1]) == ARGV[1] then "
	"return redis.call('del', KEYS[1]) else return 0 end";

static struct {
	struct daemon *d;
	bool on;
	struct fleet_keys keys;
	unsigned rotation_s;
	unsigned lifetime_s;
	char token[33];		/* this process's lock value */
	bool poll_busy, lock_busy, rotate_wanted;
	uint64_t next_poll;
	unsigned last_state;
	bool down_warned;
	bool bad_warned;	/* said some entry does not open */
	struct rconn sub;
	bool sub_ready;
	uint64_t sub_retry;
} T;

static int poll_locked;	/* its address marks the poll under the lock */

unsigned tkr_state(uint64_t *down_s)
{
	*down_s = 0;
	return T.on ? redis_state(down_s) : 0;
}

/* ---- the subscriber ---- */

static void sub_gone(void)
{
	T.sub.ac = NULL;
	T.sub_ready = false;
	T.sub_retry = now_ms() + SUB_RETRY_MS;
}

/* The gate's verdict (rconn): the subscriber ends, polling goes on. */
static void sub_bad(const char *why)
{
	log_warn("ticket keys: subscriber: %s from Redis; polling", why);
	rconn_free(&T.sub);
	sub_gone();
}

static void sub_on_connect(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK && ac == T.sub.ac) {
		log_debug("ticket keys: subscriber cannot connect: %s; polling",
			  ac->errstr);
		sub_gone();	/* hiredis frees it */
	}
}

static void sub_on_disconnect(const redisAsyncContext *ac, int status)
{
	(void)status;
	if (ac == T.sub.ac) {
		log_debug("ticket keys: subscriber disconnected; polling");
		sub_gone();
	}
}

static void sub_on_auth(redisAsyncContext *ac, void *reply, void *priv)
{
	char why[128];

	(void)priv;
	if (ac != T.sub.ac || !reply)
		return;
	if (redis_reply_status(reply, "OK", why, sizeof(why))) {
		log_debug("ticket keys: subscriber AUTH refused: %s", why);
		redisAsyncDisconnect(ac);
	}
}

/* ["subscribe", channel, n] once, then ["message", channel, payload]. */
static void sub_on_message(redisAsyncContext *ac, void *reply, void *priv)
{
	const redisReply *r = reply;

	(void)priv;
	if (ac != T.sub.ac || !r || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 3 || !r->element[0] ||
	    r->element[0]->type != REDIS_REPLY_STRING || !r->element[0]->str)
		return;
	if (!strcmp(r->element[0]->str, "subscribe")) {
		T.sub_ready = true;
		log_debug("ticket keys: subscribed to " TK_CHANNEL);
	} else if (!strcmp(r->element[0]->str, "message")) {
		T.next_poll = 0;	/* read the hash at once */
	}
}

static void sub_start(void)
{
	const struct fleet_addr *a = redis_addr();
	redisAsyncContext *ac = a->unix_socket ?
		redisAsyncConnectUnix(a->host) :
		redisAsyncConnect(a->host, a->port);

	if (!ac || ac->err) {
		if (ac)
			redisAsyncFree(ac);
		sub_gone();
		return;
	}
	rconn_attach(&T.sub, T.d, ac, sub_bad);
	redisAsyncSetConnectCallback(ac, sub_on_connect);
	redisAsyncSetDisconnectCallback(ac, sub_on_disconnect);
	if (a->password[0] && a->user[0])
		redisAsyncCommand(ac, sub_on_auth, NULL, "AUTH %s %s", a->user,
				  a->password);
	else if (a->password[0])
		redisAsyncCommand(ac, sub_on_auth, NULL, "AUTH %s",
				  a->password);
	redisAsyncCommand(ac, sub_on_message, NULL, "SUBSCRIBE %s",
			  TK_CHANNEL);
}

static void sub_stop(void)
{
	rconn_free(&T.sub);
	T.sub_ready = false;
	T.sub_retry = 0;
}

/* ---- the key set ---- */

/* What a command whose reply only matters as an error was (priv). */
static char cmd_hset[] = "HSET", cmd_hdel[] = "HDEL", cmd_pub[] = "PUBLISH",
	    cmd_unlock[] = "EVAL (unlock)", cmd_lock[] = "SET NX";

static void on_ignored(const redisReply *r, void *priv)
{
	char why[128];

	if (r && r->type == REDIS_REPLY_ERROR) {
		redis_reply_status(r, "", why, sizeof(why));
		log_warn("ticket keys: %s refused by Redis: %s",
			 (const char *)priv, why);
	}
}

static void hset(const struct fleet_tk *t)
{
	uint8_t wrapped[FLEET_TK_WRAPPED_LEN];
	char field[FLEET_TK_FIELD_LEN + 1];

	fleet_tk_field(t->name, field);
	if (!fleet_tk_wrap(&T.keys, t, wrapped))
		redis_command(on_ignored, cmd_hset, "HSET %s %s %b",
			      FLEET_TK_HASH, field, wrapped, sizeof(wrapped));
	OPENSSL_cleanse(wrapped, sizeof(wrapped));
}

/*
 * Holding the lock, with a fresh view of the hash (set, n): what is
 * missing is made, what is past its time deleted (fleet_tk_plan()), and
 * the lock given back. Returns how many keys were made or changed.
 */
static unsigned act(struct fleet_tk *set, size_t *n, uint64_t now)
{
	const struct fleet_tk_rules rules = {
		.rotate = T.rotate_wanted, .rotation_s = T.rotation_s,
		.lifetime_s = T.lifetime_s, .lead_s = LEAD_S,
	};
	char field[FLEET_TK_FIELD_LEN + 1];
	struct fleet_tk_plan plan;
	unsigned made;

	if (fleet_tk_plan(set, n, SET_MAX, now, &rules, &plan))
		log_warn("ticket keys: a key could not be made (no "
			 "randomness, or the hash is full)");
	T.rotate_wanted = false;
	for (unsigned i = 0; i < plan.nput; i++)
		hset(&plan.put[i]);
	for (unsigned i = 0; i < plan.ndrop; i++) {
		fleet_tk_field(plan.drop[i], field);
		redis_command(on_ignored, cmd_hdel, "HDEL %s %s", FLEET_TK_HASH,
			      field);
	}
	made = plan.nput;
	if (made)
		redis_command(on_ignored, cmd_pub, "PUBLISH %s %s",
			      TK_CHANNEL, "1");
	redis_command(on_ignored, cmd_unlock, "EVAL %s 1 %s %s", unlock_script,
		      TK_LOCK, T.token);
	OPENSSL_cleanse(&plan, sizeof(plan));
	return made;
}

static void on_lock(const redisReply *r, void *priv);

static void on_poll(const redisReply *r, void *priv)
{
	struct fleet_tk set[SET_MAX];
	char why[128], bad_field[FLEET_TK_FIELD_LEN + 1] = "";
	bool locked = priv == &poll_locked, asked = T.rotate_wanted;
	uint64_t now = tickets_now();
	unsigned bad, made = 0, added;
	size_t n;

	if (locked)
		T.lock_busy = false;
	else
		T.poll_busy = false;
	T.next_poll = now_ms() + POLL_MS;
	if (!r || !T.on)
		return;
	if (redis_reply_ticket_keys(r, &T.keys, set, SET_MAX, &n, &bad,
				    bad_field, why, sizeof(why))) {
		log_warn("ticket keys: HGETALL " FLEET_TK_HASH ": %s", why);
		return;
	}
	if (bad && !T.bad_warned)
		log_warn("ticket keys: %u entries in Redis do not open under "
			 "the fleet key (altered, or another fleet's; e.g. %s):"
			 " not used", bad, bad_field);
	else if (!bad && T.bad_warned)
		log_notice("ticket keys: every entry in Redis opens again");
	T.bad_warned = bad != 0;
	fleet_tk_sort(set, n);
	if (locked)
		made = act(set, &n, now);
	added = tickets_merge(&T.d->tickets, set, n, now);
	if (made)
		log_notice("ticket keys: made %u in Redis (%s)", made,
			   asked ? "on request" : "rotation");
	if (added)
		log_info("ticket keys: %u new from Redis, %u kept", added,
			 T.d->tickets.n);
	if (!locked && !T.lock_busy &&
	    (T.rotate_wanted || !n || set[0].active_from <= now)) {
		/* "next" is missing: whoever gets the lock makes it */
		if (!redis_command(on_lock, NULL, "SET %s %s NX PX %u",
				   TK_LOCK, T.token, LOCK_MS))
			T.lock_busy = true;
	}
	OPENSSL_cleanse(set, sizeof(set));
}

static void on_lock(const redisReply *r, void *priv)
{
	(void)priv;
	T.lock_busy = false;
	if (!r || !T.on)
		return;
	if (r->type == REDIS_REPLY_NIL)
		return;	/* another machine holds it: its keys come by message */
	if (r->type != REDIS_REPLY_STATUS || !r->str ||
	    strcmp(r->str, "OK") != 0) {
		on_ignored(r, cmd_lock);
		return;
	}
	if (!redis_command(on_poll, &poll_locked, "HGETALL %s", FLEET_TK_HASH))
		T.lock_busy = true;
}

static void start_poll(void)
{
	T.next_poll = now_ms() + POLL_MS;
	if (!redis_command(on_poll, NULL, "HGETALL %s", FLEET_TK_HASH))
		T.poll_busy = true;
}

/* ---- state, timers ---- */

static void say_state(unsigned st)
{
	const struct ticket_store *ts = &T.d->tickets;
	char id[FLEET_TK_FIELD_LEN + 1] = "none";
	int c = tickets_current(ts, tickets_now());

	if (st == T.last_state)
		return;
	if (c >= 0)
		fleet_tk_field(ts->keys[c].name, id);
	if (st == ST_DOWN && !T.down_warned) {
		log_warn("ticket keys: Redis %s unreachable; keeping the %u "
			 "ticket keys this machine has (sealing with %s) until "
			 "it is back", redis_where(), ts->n, id);
		T.down_warned = true;
	} else if (st == ST_UP && T.down_warned) {
		log_notice("ticket keys: Redis %s reachable again",
			   redis_where());
		T.down_warned = false;
	}
	T.last_state = st;
}

uint64_t tkr_next_timer(void)
{
	uint64_t down;
	uint64_t t;

	if (!T.on)
		return UINT64_MAX;
	t = now_ms() + POLL_MS;	/* state changes, pruning */
	if (redis_state(&down) == ST_UP) {
		if (!T.poll_busy && T.next_poll < t)
			t = T.next_poll;
		if (!T.sub.ac && T.sub_retry < t)
			t = T.sub_retry;
	}
	return t;
}

void tkr_tick(struct daemon *d, uint64_t now)
{
	uint64_t down;
	unsigned st, dropped;

	if (!T.on)
		return;
	st = redis_state(&down);
	say_state(st);
	dropped = tickets_prune(&d->tickets, tickets_now());
	if (dropped)
		log_info("ticket keys: dropped %u past session-lifetime",
			 dropped);
	if (st != ST_UP) {
		if (T.sub.ac)
			sub_stop();
		return;
	}
	if (!T.sub.ac && now >= T.sub_retry)
		sub_start();
	if (!T.poll_busy && now >= T.next_poll)
		start_poll();
}

int tkr_rotate(struct daemon *d)
{
	uint64_t down;

	(void)d;
	if (!T.on)
		return -EOPNOTSUPP;
	if (redis_state(&down) != ST_UP)
		return -ENOTCONN;
	T.rotate_wanted = true;
	T.next_poll = 0;
	return 0;
}

void tkr_configure(struct daemon *d)
{
	const struct conf *c = &d->gen->conf;
	uint8_t raw[16];

	T.d = d;
	T.rotation_s = c->ticket_rotation_s;
	T.lifetime_s = c->session_lifetime_s;
	if (c->ticket_key_source != CONF_TICKETS_REDIS || !c->session_store) {
		if (T.on)
			log_notice("ticket keys: no longer from Redis");
		tkr_stop(d);
		return;
	}
	if (T.on && !CRYPTO_memcmp(&T.keys, &c->fleet, sizeof(T.keys)))
		return;
	tkr_stop(d);
	T.d = d;
	T.rotation_s = c->ticket_rotation_s;
	T.lifetime_s = c->session_lifetime_s;
	T.keys = c->fleet;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		memset(raw, 0, sizeof(raw));
	fleet_tk_field(raw, T.token);
	T.on = true;
	T.last_state = ST_OFF;
	T.next_poll = 0;
	log_info("ticket keys: from Redis %s, rotating every %u s",
		 redis_where(), T.rotation_s);
}

void tkr_stop(struct daemon *d)
{
	(void)d;
	sub_stop();
	fleet_keys_scrub(&T.keys);
	T.on = false;
	T.poll_busy = T.lock_busy = T.rotate_wanted = false;
	T.down_warned = T.bad_warned = false;
}
