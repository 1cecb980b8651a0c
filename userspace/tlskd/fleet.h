/* SPDX-License-Identifier: MIT */
/*
 * What a fleet of tlskd shares through Redis, minus the connection
 * (redis.c): the fleet key and what derives from it, the session-store
 * address, and the sealed form of a TLS 1.2 session in Redis.
 *
 * The fleet key (fleet-key-file: one line of 64 hex digits, mode 0600)
 * never goes to Redis. HKDF-SHA256 derives from it
 *   - a naming key: an entry's Redis key is "tlsk:s:" and the hex
 *     HMAC-SHA256 of (profile name, NUL, session ID) under it, so Redis
 *     sees no session ID and cannot tell profiles apart;
 *   - a sealing key: the value is AES-256-GCM of the engine's session
 *     blob under it, with the Redis key name as associated data, so an
 *     entry moved to another name, altered, or sealed under another
 *     fleet key does not open (a miss);
 *   - a ticket-key wrapping key (ticket-key-source = redis): each ticket
 *     key in Redis is AES-256-GCM of (name, key, created, active_from)
 *     under it, with its hash field name as associated data, so Redis
 *     never holds a usable ticket key and cannot move, alter or forge
 *     one (struct fleet_tk, fleet_tk_wrap/unwrap).
 */
#ifndef TLSKD_FLEET_H
#define TLSKD_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "tlsk/engine.h"

#define FLEET_KEY_LEN		32
#define FLEET_NAME_PREFIX	"tlsk:s:"
#define FLEET_NAME_LEN		(sizeof(FLEET_NAME_PREFIX) - 1 + 64)
#define FLEET_SEAL_OVERHEAD	(1 + 12 + 16)	/* version, nonce, tag */
#define FLEET_SEALED_MAX	(TLSK_SESSION_BLOB_MAX + FLEET_SEAL_OVERHEAD)
#define FLEET_ID_MAX		32
#define FLEET_HOST_MAX		256
#define FLEET_CRED_MAX		128

struct fleet_keys {
	uint8_t name_key[32];
	uint8_t seal_key[32];
	uint8_t tk_key[32];	/* wraps ticket keys */
	int set;
};

/* A ticket key as the fleet shares it in Redis: hash FLEET_TK_HASH, field
 * the name in hex (FLEET_TK_FIELD_LEN), value the wrapped form. */
#define FLEET_TK_HASH		"tlsk:tk"
#define FLEET_TK_FIELD_LEN	32
#define FLEET_TK_WRAPPED_LEN	(1 + 12 + 16 + 32 + 8 + 8 + 16)

struct fleet_tk {
	uint8_t name[16];
	uint8_t key[32];
	uint64_t created;	/* seconds, CLOCK_REALTIME */
	uint64_t active_from;	/* seals new tickets from then on */
};

/* session-store = redis://[user:password@]host:port[/db] | unix:[user:password@]/path */
struct fleet_addr {
	int unix_socket;
	char host[FLEET_HOST_MAX];	/* or the socket's path */
	int port;
	unsigned db;
	char user[FLEET_CRED_MAX];	/* "" : none (AUTH password only) */
	char password[FLEET_CRED_MAX];	/* "" : no AUTH */
};

/* Parses an address; 0 or -EINVAL with why (a static string). */
int fleet_parse_addr(const char *s, struct fleet_addr *a, const char **why);
void fleet_addr_scrub(struct fleet_addr *a);

/* Reads the fleet key file (mode checked by the caller) and derives the
 * keys. 0 or negative errno with why (a static string). */
int fleet_load_key(const char *path, struct fleet_keys *k, const char **why);
/* The same from the 32 key bytes themselves. */
int fleet_derive(const uint8_t fleet_key[FLEET_KEY_LEN], struct fleet_keys *k);
void fleet_keys_scrub(struct fleet_keys *k);

/* The Redis key of (profile, id): FLEET_NAME_LEN characters, NUL-ended
 * (out must hold FLEET_NAME_LEN + 1). 0 or -EINVAL. */
int fleet_entry_name(const struct fleet_keys *k, const char *profile,
		     const uint8_t *id, size_t id_len, char *out);
/* Seals blob for the entry called name into out (FLEET_SEALED_MAX bytes):
 * returns the sealed length or a negative errno. */
int fleet_seal(const struct fleet_keys *k, const char *name,
	       const uint8_t *blob, size_t len, uint8_t *out);
/* Opens what Redis returned for name into blob (*len: its size in, the
 * blob's length out). 0, or -EBADMSG for anything that is not an entry
 * sealed for that name under this fleet key (the caller: a miss). */
int fleet_open(const struct fleet_keys *k, const char *name,
	       const uint8_t *in, size_t in_len, uint8_t *blob, size_t *len);

/* The hash field of a ticket key: its name in hex, NUL-ended (out holds
 * FLEET_TK_FIELD_LEN + 1). */
void fleet_tk_field(const uint8_t name[16], char *out);
/* Wraps t into out (FLEET_TK_WRAPPED_LEN bytes): 0 or negative errno. */
int fleet_tk_wrap(const struct fleet_keys *k, const struct fleet_tk *t,
		  uint8_t *out);
/* Opens the value of hash field `field`: 0, or -EBADMSG for anything not
 * wrapped under these keys for that field (t is then zeroed). */
int fleet_tk_unwrap(const struct fleet_keys *k, const char *field,
		    const uint8_t *in, size_t in_len, struct fleet_tk *t);

/*
 * The fleet's ticket keys in Redis, newest first: the first whose
 * active_from has come seals (the current key), the ones before it are
 * to come (normally one, the next key), the ones after it only open.
 * Ties would leave machines free to pick either key, so no two keys
 * seal from the same second (fleet_tk_plan() keeps it so); keys that do
 * tie anyway (hand-written entries) sort by created, then name.
 */
void fleet_tk_sort(struct fleet_tk *set, size_t n);

/* What fleet_tk_plan() does at one lock round. */
struct fleet_tk_rules {
	int rotate;		/* asked: the next key seals now */
	unsigned rotation_s;	/* a next key seals this long after the current */
	unsigned lifetime_s;	/* a key goes this long after its successor sealed */
	unsigned lead_s;	/* a new key seals this late at the soonest */
};

#define FLEET_TK_PUT_MAX	2
#define FLEET_TK_SET_MAX	32	/* keys one look at the hash takes */

struct fleet_tk_plan {
	struct fleet_tk put[FLEET_TK_PUT_MAX];	/* to write (made or changed) */
	unsigned nput;
	uint8_t drop[FLEET_TK_SET_MAX][16];	/* names to delete */
	unsigned ndrop;
};

/*
 * Holding the lock, with a fresh view of the hash (set: *n keys, room for
 * cap, sorted): makes what is missing and plans what goes. set becomes
 * what the hash holds once p->put is written (still sorted; the keys
 * named in p->drop stay in it, the local stores prune them). Asked to
 * rotate, the next key (or a new one if there is none) seals at now, or
 * one second after the newest other key if that began sealing this second
 * (the current key, or one an earlier rotation this second promoted).
 * A new next key seals rotation_s after the current one, lead_s from now
 * at the soonest. 0, or -EIO if no key could be made (p holds what was
 * done). p is scrubbed by the caller (OPENSSL_cleanse).
 */
int fleet_tk_plan(struct fleet_tk *set, size_t *n, size_t cap, uint64_t now,
		  const struct fleet_tk_rules *r, struct fleet_tk_plan *p);

/*
 * The session ID offered by the ClientHello at the start of rec (a peek
 * at the socket: len bytes, maybe not the whole record). 0 with *id_len
 * (0: none) and *offers13 (its supported_versions has TLS 1.3, as far as
 * the record shows); -EAGAIN: the record is cut before its extensions
 * end, more of it is on the way (*id_len set if the ID was there);
 * -EINVAL: not a ClientHello, or a whole record that ends before the ID.
 */
int fleet_hello_session(const uint8_t *rec, size_t len, uint8_t *id,
			size_t *id_len, int *offers13);

#endif /* TLSKD_FLEET_H */
