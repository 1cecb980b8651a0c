/* SPDX-License-Identifier: MIT */
/*
 * Client sessions (TLS 1.3 tickets) that tlskd's client handshakes
 * received, for the next handshake of any service to the same server
 * through the same profile. A ticket is used once (RFC 8446 C.4): taking
 * it removes it, and the resumed connection brings its own.
 */
#ifndef TLSKD_CLIENTCACHE_H
#define TLSKD_CLIENTCACHE_H

#include <stddef.h>
#include <stdint.h>

#define CLIENT_CACHE_KEY_MAX	384
#define CLIENT_CACHE_ENTRIES	4096

struct client_session {
	char key[CLIENT_CACHE_KEY_MAX];	/* profile, server name, address */
	uint8_t *blob;			/* tlsk_engine_get_session() */
	size_t len;
	uint64_t used;			/* LRU stamp */
};

struct client_cache {
	struct client_session *slots;
	size_t cap, n;
	uint64_t clock;
	uint64_t stored, taken, evicted;
};

/* cap 0: off. Returns 0 or -ENOMEM. */
int client_cache_init(struct client_cache *c, size_t cap);
void client_cache_free(struct client_cache *c);
/* Copies blob in, replacing an older one for key; evicts the least
 * recently stored entry when full. */
int client_cache_put(struct client_cache *c, const char *key,
		     const uint8_t *blob, size_t len);
/* Moves the entry for key out: *blob (caller frees with
 * client_session_free_blob) or -ENOENT. */
int client_cache_take(struct client_cache *c, const char *key,
		      uint8_t **blob, size_t *len);
void client_session_free_blob(uint8_t *blob, size_t len);

#endif /* TLSKD_CLIENTCACHE_H */
