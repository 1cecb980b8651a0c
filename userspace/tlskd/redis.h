/* SPDX-License-Identifier: MIT */
/*
 * The fleet's session store in Redis (session-store), behind the local
 * cache (sessstore.c), on the loop's epoll set through hiredis' async API.
 *
 * Sessions the engines store go to Redis too, sealed (fleet.h), with a
 * TTL of session-lifetime. A server handshake whose ClientHello offers a
 * TLS 1.2 session ID the local cache lacks is held before the engine
 * reads the hello: tlskd asks Redis, puts what comes back in the local
 * cache, and lets the engine go on (its lookup is synchronous and finds
 * it there). The wait lasts at most session-store-timeout; no answer by
 * then is a miss, and the handshake goes on (full).
 *
 * Redis unreachable, refusing or answering nonsense: lookups are misses
 * without waiting, stores are dropped, one warning when that starts and
 * one notice when it ends; reconnection with backoff (100 ms to 10 s).
 */
#ifndef TLSKD_REDIS_H
#define TLSKD_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/async.h>

#include "daemon.h"
#include "fleet.h"

struct hs;

/*
 * A hiredis async connection as a watch in the loop's epoll set: hiredis
 * says which of read/write it wants, the loop calls it back.
 *
 * What the server sends goes through a gate before hiredis sees it:
 * hiredis 0.14 aborts the process (assert) on a reply no command asked
 * for, or on a subscription message of the wrong shape, and buffers a
 * reply without limit. The gate reads the socket itself, finds whole
 * replies with a reader of its own, and hands hiredis only those a
 * command waits for (or a well-formed message on a subscribed
 * connection); anything else, or a reply over RCONN_REPLY_MAX, ends the
 * connection through bad(why), outside hiredis' callbacks.
 */
#define RCONN_REPLY_MAX		((size_t)512 * 1024)

struct rconn {
	struct watch w;		/* first: the epoll data points here */
	struct daemon *d;
	redisAsyncContext *ac;	/* NULL: none */
	bool registered;
	uint32_t mask;
	void (*bad)(const char *why);	/* frees ac, says why */
	struct redisReader *shadow;	/* finds where replies end */
	char *held;		/* read, not yet handed to hiredis */
	size_t held_len, held_cap;
};

void rconn_attach(struct rconn *c, struct daemon *d, redisAsyncContext *ac,
		  void (*bad)(const char *why));
/* Frees c's context (not from inside one of its callbacks): pending
 * callbacks run with a NULL reply, and see c->ac NULL. */
void rconn_free(struct rconn *c);

/* Follows d->gen's session-store (start, and each reload). */
void redis_configure(struct daemon *d);
void redis_stop(struct daemon *d);
/* Next time redis_tick() has something to do (UINT64_MAX: nothing). */
uint64_t redis_next_timer(void);
void redis_tick(struct daemon *d, uint64_t now);

/* A server handshake before the engine reads its ClientHello: true when h
 * now waits for Redis (out of the epoll set, with an earlier deadline),
 * false to go on. Each handshake asks once. */
bool redis_prefetch(struct daemon *d, struct hs *h);
/* h's wait reached its deadline: it goes on (as a miss). */
void redis_wait_over(struct daemon *d, struct hs *h);
/* h ends while waiting: the reply will find nobody. */
void redis_wait_detach(struct hs *h);

/* For tlskctl daemon: 0 no store, 1 connecting, 2 up, 3 down, and since
 * when it has been unusable (seconds; 0 unless down). */
unsigned redis_state(uint64_t *down_s);

/* A command on the session store's connection (ticket keys, tkredis.c),
 * counted in its stall check; fn gets the reply, NULL when the
 * connection went away first. 0, or -ENOTCONN (not up), -EIO. */
typedef void redis_reply_fn(const redisReply *r, void *priv);
int redis_command(redis_reply_fn *fn, void *priv, const char *fmt, ...);
/* Where the store is (credentials for a second connection) and what the
 * log calls it. */
const struct fleet_addr *redis_addr(void);
const char *redis_where(void);

#endif /* TLSKD_REDIS_H */
