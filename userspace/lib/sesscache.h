/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.2 session caches.
 *
 * Server: session-ID resumption (RFC 5246 7.3, 7.4.1.2). A full handshake
 * stores what the abbreviated handshake needs (master secret, suite, EMS,
 * peer identity, SNI) under the session ID the server chose; a later
 * ClientHello offering that ID finds it, and sesscache_may_resume() says
 * whether the rules allow resuming it.
 *
 * The engine only ever talks to a struct sesscache_ops: three calls and an
 * argument. The in-memory cache below provides one (sesscache_get_ops);
 * tlskd can provide its own to share sessions between processes or
 * machines. Ops MUST be safe to call from every engine that uses them; the
 * in-memory cache is not thread-safe by itself (tlskd's one epoll thread
 * owns it).
 *
 * Client: serialised sessions (tlsk_engine_get_session blobs) keyed by
 * "servername:port", the server name lower-cased.
 *
 * Both caches are bounded: inserting into a full cache evicts the oldest
 * entry (FIFO). Every entry lives for the same lifetime from insertion,
 * so the oldest is also the one closest to expiry, and FIFO loses less
 * than LRU would gain; it also lets expired entries be dropped from one
 * end. Entries hold secrets: they are scrubbed when evicted, expired,
 * removed, replaced and when the cache is freed; copies handed out are
 * the caller's to scrub (sesscache_entry_scrub).
 */
#ifndef TLSK_SESSCACHE_H
#define TLSK_SESSCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSCACHE_ID_MAX	32	/* SessionID <0..32> */
#define SESSCACHE_MASTER_LEN	48
#define SESSCACHE_NAME_MAX	256	/* with the NUL */
#define SESSCACHE_SANS_MAX	1024	/* with the NUL */
#define SESSCACHE_BINDING_LEN	32

struct sesscache_entry {
	uint8_t id[SESSCACHE_ID_MAX];
	size_t id_len;			/* 1..32 */
	uint8_t master[SESSCACHE_MASTER_LEN];
	uint16_t version;		/* 0x0303 */
	uint16_t suite;			/* IANA */
	bool ems;			/* RFC 7627 */
	char peer[SESSCACHE_NAME_MAX];	/* client cert subject, or "" */
	char peer_sans[SESSCACHE_SANS_MAX];	/* its SANs, or "" */
	/* the issuing config's resumption binding (config.h) */
	uint8_t binding[SESSCACHE_BINDING_LEN];
	char server_name[SESSCACHE_NAME_MAX];	/* SNI, or "" */
	uint64_t created_ms;		/* set by the cache */
};

void sesscache_entry_scrub(struct sesscache_entry *e);

/* The backend interface. Each returns 0 or a negative errno; fetch
 * returns -ENOENT for an unknown or expired ID. */
struct sesscache_ops {
	int (*store)(void *arg, const struct sesscache_entry *e);
	int (*fetch)(void *arg, const uint8_t *id, size_t id_len,
		     struct sesscache_entry *out);
	int (*remove)(void *arg, const uint8_t *id, size_t id_len);
	void *arg;
};

/*
 * May a server resume e for a ClientHello that did (client_ems) or did
 * not offer extended_master_secret, named server_name (NULL: no SNI) and
 * offered the cipher suites `suites`? No unless all of: the session used
 * EMS and the client offers it again (RFC 7627 5.3: we never resume a
 * session without EMS), the SNI is the same (RFC 6066 3), and the
 * session's suite is among those offered (RFC 5246 7.4.1.2).
 */
bool sesscache_may_resume(const struct sesscache_entry *e, bool client_ems,
			  const char *server_name, const uint16_t *suites,
			  size_t nsuites);

/* Clock in milliseconds; NULL now_ms means CLOCK_REALTIME. */
struct sesscache_clock {
	uint64_t (*now_ms)(void *arg);
	void *arg;
};

/* ---- in-memory server cache ---- */

struct sesscache;

/* at most max_entries (>= 1) sessions, each valid lifetime_s seconds
 * (RFC 5246 F.1.4 suggests at most 24 hours); clock may be NULL */
struct sesscache *sesscache_new(size_t max_entries, uint32_t lifetime_s,
				const struct sesscache_clock *clock);
void sesscache_free(struct sesscache *c);
/* copies e (created_ms set now); replaces an entry with the same ID */
int sesscache_insert(struct sesscache *c, const struct sesscache_entry *e);
/* -ENOENT when absent or expired (an expired one is dropped) */
int sesscache_lookup(struct sesscache *c, const uint8_t *id, size_t id_len,
		     struct sesscache_entry *out);
int sesscache_remove(struct sesscache *c, const uint8_t *id, size_t id_len);
size_t sesscache_count(const struct sesscache *c);
/* ops bound to c, valid until sesscache_free(c) */
void sesscache_get_ops(struct sesscache *c, struct sesscache_ops *ops);

/* ---- client cache ---- */

struct sesscache_client;

struct sesscache_client *sesscache_client_new(size_t max_entries,
					      uint32_t lifetime_s,
					      const struct sesscache_clock *clock);
void sesscache_client_free(struct sesscache_client *c);
/* store a copy of the session blob for server_name:port (replacing) */
int sesscache_client_put(struct sesscache_client *c, const char *server_name,
			 uint16_t port, const uint8_t *blob, size_t len);
/* copy it into buf (*len: its size in, the blob's length out); -ENOENT,
 * or -ENOBUFS with *len set to the size needed */
int sesscache_client_get(struct sesscache_client *c, const char *server_name,
			 uint16_t port, uint8_t *buf, size_t *len);
int sesscache_client_remove(struct sesscache_client *c,
			    const char *server_name, uint16_t port);

#endif /* TLSK_SESSCACHE_H */
