// SPDX-License-Identifier: MIT
/*
 * A small array searched linearly: client connections through one tlskd
 * go to few distinct servers, and a lookup costs far less than the
 * handshake it saves. The blobs hold resumption secrets: they are
 * cleansed before they are freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clientcache.h"

int client_cache_init(struct client_cache *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	if (!cap)
		return 0;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	c->cap = cap;
	return 0;
}

void client_session_free_blob(uint8_t *blob, size_t len)
{
	if (blob)
		OPENSSL_cleanse(blob, len);
	free(blob);
}

static void drop(struct client_cache *c, size_t i)
{
	client_session_free_blob(c->slots[i].blob, c->slots[i].len);
	c->slots[i] = c->slots[--c->n];
	memset(&c->slots[c->n], 0, sizeof(c->slots[c->n]));
}

void client_cache_free(struct client_cache *c)
{
	while (c->n)
		drop(c, c->n - 1);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

static struct client_session *find(struct client_cache *c, const char *key,
				   size_t *index)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->slots[i].key, key)) {
			*index = i;
			return &c->slots[i];
		}
	return NULL;
}

int client_cache_put(struct client_cache *c, const char *key,
		     const uint8_t *blob, size_t len)
{
	struct client_session *s;
	uint8_t *copy;
	size_t i;

	if (!c->cap || strlen(key) >= CLIENT_CACHE_KEY_MAX || !len)
		return -EINVAL;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, blob, len);
	s = find(c, key, &i);
	if (s) {
		client_session_free_blob(s->blob, s->len);
	} else {
		if (c->n == c->cap) {
			size_t oldest = 0;

			for (i = 1; i < c->n; i++)
				if (c->slots[i].used < c->slots[oldest].used)
					oldest = i;
			drop(c, oldest);
			c->evicted++;
		}
		s = &c->slots[c->n++];
		memcpy(s->key, key, strlen(key) + 1);	/* checked above */
	}
	s->blob = copy;
	s->len = len;
	s->used = ++c->clock;
	c->stored++;
	return 0;
}

int client_cache_take(struct client_cache *c, const char *key,
		      uint8_t **blob, size_t *len)
{
	size_t i;
	struct client_session *s = find(c, key, &i);

	if (!s)
		return -ENOENT;
	*blob = s->blob;
	*len = s->len;
	s->blob = NULL;
	c->slots[i] = c->slots[--c->n];
	memset(&c->slots[c->n], 0, sizeof(c->slots[c->n]));
	c->taken++;
	return 0;
}
