// SPDX-License-Identifier: MIT
/*
 * Implementation notes: both caches are one map from a byte-string key to
 * a byte-string value (the server's key is the session ID and its value a
 * struct sesscache_entry; the client's key is "name:port" and its value
 * the session blob). Slots are chained in hash buckets for lookup and in
 * one doubly linked list in insertion order for FIFO eviction and expiry.
 * Each slot is a single allocation holding key and value, cleared when
 * freed. The bucket hash is keyed with a random seed, so even keys chosen
 * by a peer cannot be aimed at one bucket.
 */
#include "sesscache.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

struct slot {
	struct slot *chain;		/* next in the bucket */
	struct slot *newer, *older;	/* insertion order */
	uint64_t expires_ms;
	size_t key_len, val_len;
	uint8_t data[];			/* key, then value */
};

struct bucket {
	struct slot *head;
};

struct map {
	struct bucket *buckets;
	size_t nbuckets;		/* a power of two */
	struct slot *newest, *oldest;
	size_t count, max;
	uint64_t lifetime_ms;
	struct sesscache_clock clock;
	uint64_t seed;
};

/* Each public type is a map first (map_new casts between them). */
struct sesscache {
	struct map map;
};

struct sesscache_client {
	struct map map;
};

static uint64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t map_now(const struct map *m)
{
	return m->clock.now_ms ? m->clock.now_ms(m->clock.arg) : realtime_ms();
}

/* FNV-1a over the seed and the key */
static size_t bucket_of(const struct map *m, const uint8_t *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ m->seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	return (size_t)(h ^ h >> 32) & (m->nbuckets - 1);
}

static int map_init(struct map *m, size_t max, uint32_t lifetime_s,
		    const struct sesscache_clock *clock)
{
	memset(m, 0, sizeof(*m));
	/* nbuckets < max(16, 2 * max): its array size cannot overflow */
	if (!max || max > SIZE_MAX / (2 * sizeof(struct bucket)))
		return -EINVAL;
	m->nbuckets = 16;
	while (m->nbuckets < max)
		m->nbuckets *= 2;
	m->buckets = OPENSSL_zalloc(m->nbuckets * sizeof(*m->buckets));
	if (!m->buckets ||
	    RAND_bytes((uint8_t *)&m->seed, sizeof(m->seed)) != 1) {
		OPENSSL_free(m->buckets);
		return -ENOMEM;
	}
	m->max = max;
	m->lifetime_ms = (uint64_t)lifetime_s * 1000;
	if (clock)
		m->clock = *clock;
	return 0;
}

static struct slot **find(struct map *m, const uint8_t *key, size_t len)
{
	struct slot **pp = &m->buckets[bucket_of(m, key, len)].head;

	for (; *pp; pp = &(*pp)->chain)
		if ((*pp)->key_len == len && !memcmp((*pp)->data, key, len))
			return pp;
	return pp;	/* *pp == NULL: where a new slot would go */
}

/* unlink *pp from its bucket and the order list, scrub and free it */
static void drop(struct map *m, struct slot **pp)
{
	struct slot *s = *pp;

	*pp = s->chain;
	if (s->newer)
		s->newer->older = s->older;
	else
		m->newest = s->older;
	if (s->older)
		s->older->newer = s->newer;
	else
		m->oldest = s->newer;
	m->count--;
	OPENSSL_clear_free(s, sizeof(*s) + s->key_len + s->val_len);
}

static void drop_oldest(struct map *m)
{
	struct slot *s = m->oldest;

	drop(m, find(m, s->data, s->key_len));
}

static void drop_expired(struct map *m, uint64_t now)
{
	while (m->oldest && m->oldest->expires_ms <= now)
		drop_oldest(m);
}

static int map_put(struct map *m, const uint8_t *key, size_t key_len,
		   const void *val, size_t val_len)
{
	uint64_t now = map_now(m);
	struct slot **pp, *s;

	drop_expired(m, now);
	pp = find(m, key, key_len);
	if (*pp)
		drop(m, pp);		/* replaced */
	else if (m->count == m->max)
		drop_oldest(m);
	pp = find(m, key, key_len);	/* the end of the chain, now */
	s = OPENSSL_malloc(sizeof(*s) + key_len + val_len);
	if (!s)
		return -ENOMEM;
	s->chain = NULL;
	s->newer = NULL;
	s->older = m->newest;
	s->expires_ms = now + m->lifetime_ms;
	s->key_len = key_len;
	s->val_len = val_len;
	memcpy(s->data, key, key_len);
	memcpy(s->data + key_len, val, val_len);
	if (m->newest)
		m->newest->newer = s;
	else
		m->oldest = s;
	m->newest = s;
	*pp = s;
	m->count++;
	return 0;
}

/* the live slot for key, or NULL; drops it when expired */
static struct slot *map_get(struct map *m, const uint8_t *key, size_t len)
{
	struct slot **pp = find(m, key, len);

	if (*pp && (*pp)->expires_ms <= map_now(m)) {
		drop(m, pp);
		return NULL;
	}
	return *pp;
}

static int map_remove(struct map *m, const uint8_t *key, size_t len)
{
	struct slot **pp = find(m, key, len);

	if (!*pp)
		return -ENOENT;
	drop(m, pp);
	return 0;
}

/* A cache struct of `size` bytes whose first member is its map: both
 * public cache types are made and freed here. */
static struct map *map_new(size_t size, size_t max, uint32_t lifetime_s,
			   const struct sesscache_clock *clock)
{
	struct map *m = OPENSSL_zalloc(size);

	if (m && map_init(m, max, lifetime_s, clock)) {
		OPENSSL_free(m);
		return NULL;
	}
	return m;
}

static void map_free(struct map *m)
{
	if (!m)
		return;
	while (m->oldest)
		drop_oldest(m);
	OPENSSL_free(m->buckets);
	OPENSSL_free(m);
}

/* ---- server ---- */

void sesscache_entry_scrub(struct sesscache_entry *e)
{
	OPENSSL_cleanse(e, sizeof(*e));
}

static bool names_equal(const char *a, const char *b)
{
	return !strcasecmp(a ? a : "", b ? b : "");
}

bool sesscache_may_resume(const struct sesscache_entry *e, bool client_ems,
			  const char *server_name, const uint16_t *suites,
			  size_t nsuites)
{
	if (!e->ems || !client_ems)
		return false;
	if (!names_equal(e->server_name, server_name))
		return false;
	for (size_t i = 0; i < nsuites; i++)
		if (suites[i] == e->suite)
			return true;
	return false;
}

struct sesscache *sesscache_new(size_t max_entries, uint32_t lifetime_s,
				const struct sesscache_clock *clock)
{
	return (struct sesscache *)map_new(sizeof(struct sesscache),
					   max_entries, lifetime_s, clock);
}

void sesscache_free(struct sesscache *c)
{
	map_free((struct map *)c);
}

static bool id_ok(size_t id_len)
{
	/* an empty ID means "no session" (RFC 5246 7.4.1.3) */
	return id_len >= 1 && id_len <= SESSCACHE_ID_MAX;
}

int sesscache_insert(struct sesscache *c, const struct sesscache_entry *e)
{
	struct sesscache_entry copy;
	int err;

	if (!id_ok(e->id_len))
		return -EINVAL;
	copy = *e;
	copy.created_ms = map_now(&c->map);
	/* whoever reads an entry may treat the names as strings */
	copy.peer[sizeof(copy.peer) - 1] = '\0';
	copy.peer_sans[sizeof(copy.peer_sans) - 1] = '\0';
	copy.server_name[sizeof(copy.server_name) - 1] = '\0';
	err = map_put(&c->map, e->id, e->id_len, &copy, sizeof(copy));
	sesscache_entry_scrub(&copy);
	return err;
}

int sesscache_lookup(struct sesscache *c, const uint8_t *id, size_t id_len,
		     struct sesscache_entry *out)
{
	struct slot *s = id_ok(id_len) ? map_get(&c->map, id, id_len) : NULL;

	if (!s)
		return -ENOENT;
	memcpy(out, s->data + s->key_len, sizeof(*out));
	return 0;
}

int sesscache_remove(struct sesscache *c, const uint8_t *id, size_t id_len)
{
	return map_remove(&c->map, id, id_len);
}

size_t sesscache_count(const struct sesscache *c)
{
	return c->map.count;
}

static int ops_store(void *arg, const struct sesscache_entry *e)
{
	return sesscache_insert(arg, e);
}

static int ops_fetch(void *arg, const uint8_t *id, size_t id_len,
		     struct sesscache_entry *out)
{
	return sesscache_lookup(arg, id, id_len, out);
}

static int ops_remove(void *arg, const uint8_t *id, size_t id_len)
{
	return sesscache_remove(arg, id, id_len);
}

void sesscache_get_ops(struct sesscache *c, struct sesscache_ops *ops)
{
	ops->store = ops_store;
	ops->fetch = ops_fetch;
	ops->remove = ops_remove;
	ops->arg = c;
}

/* ---- client ---- */

/* "name:port" with the name lower-cased (DNS names compare without
 * case); 0 or -EINVAL for an empty or overlong name */
static int client_key(const char *name, uint16_t port,
		      char key[SESSCACHE_NAME_MAX + 6], size_t *len)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n >= SESSCACHE_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)name[i]);
	*len = n + (size_t)snprintf(key + n, 7, ":%u", port);
	return 0;
}

struct sesscache_client *sesscache_client_new(size_t max_entries,
					      uint32_t lifetime_s,
					      const struct sesscache_clock *clock)
{
	return (struct sesscache_client *)map_new(
		sizeof(struct sesscache_client), max_entries, lifetime_s, clock);
}

void sesscache_client_free(struct sesscache_client *c)
{
	map_free((struct map *)c);
}

int sesscache_client_put(struct sesscache_client *c, const char *server_name,
			 uint16_t port, const uint8_t *blob, size_t len)
{
	char key[SESSCACHE_NAME_MAX + 6];
	size_t key_len;
	int err = client_key(server_name, port, key, &key_len);

	return err ? err : map_put(&c->map, (uint8_t *)key, key_len, blob, len);
}

int sesscache_client_get(struct sesscache_client *c, const char *server_name,
			 uint16_t port, uint8_t *buf, size_t *len)
{
	char key[SESSCACHE_NAME_MAX + 6];
	size_t key_len;
	struct slot *s;
	int err = client_key(server_name, port, key, &key_len);

	if (err)
		return err;
	s = map_get(&c->map, (uint8_t *)key, key_len);
	if (!s)
		return -ENOENT;
	if (s->val_len > *len) {
		*len = s->val_len;
		return -ENOBUFS;
	}
	memcpy(buf, s->data + s->key_len, s->val_len);
	*len = s->val_len;
	return 0;
}

int sesscache_client_remove(struct sesscache_client *c,
			    const char *server_name, uint16_t port)
{
	char key[SESSCACHE_NAME_MAX + 6];
	size_t key_len;
	int err = client_key(server_name, port, key, &key_len);

	return err ? err : map_remove(&c->map, (uint8_t *)key, key_len);
}
