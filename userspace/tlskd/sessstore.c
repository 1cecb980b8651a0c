// SPDX-License-Identifier: MIT
/*
 * A chained hash table of sessions with a least-recently-used list for
 * eviction. The blobs hold master secrets: cleansed before freeing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sessstore.h"

#define KEY_MAX	(64 + 1 + 32)	/* profile name, NUL, session ID */

struct entry {
	struct entry *chain;
	struct entry *newer, *older;	/* LRU list */
	uint8_t key[KEY_MAX];
	size_t key_len;
	uint8_t *blob;
	size_t len;
};

static struct {
	struct entry **buckets;
	size_t nbuckets, cap, n;
	struct entry *newest, *oldest;
} st;

static int make_key(const char *profile, const uint8_t *id, size_t id_len,
		    uint8_t *key, size_t *len)
{
	size_t plen = strlen(profile);

	if (plen + 1 + id_len > KEY_MAX || !id_len)
		return -EINVAL;
	memcpy(key, profile, plen + 1);
	memcpy(key + plen + 1, id, id_len);
	*len = plen + 1 + id_len;
	return 0;
}

static size_t hash(const uint8_t *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return (size_t)(h & (st.nbuckets - 1));
}

static struct entry **slot(const uint8_t *key, size_t len)
{
	struct entry **pp = &st.buckets[hash(key, len)];

	while (*pp && ((*pp)->key_len != len ||
		       memcmp((*pp)->key, key, len) != 0))
		pp = &(*pp)->chain;
	return pp;
}

static void lru_unlink(struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		st.newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		st.oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(struct entry *e)
{
	e->older = st.newest;
	e->newer = NULL;
	if (st.newest)
		st.newest->newer = e;
	st.newest = e;
	if (!st.oldest)
		st.oldest = e;
}

/* Unlinks *pp from its chain and the list, and frees it. */
static void drop(struct entry **pp)
{
	struct entry *e = *pp;

	*pp = e->chain;
	lru_unlink(e);
	OPENSSL_cleanse(e->blob, e->len);
	free(e->blob);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
	st.n--;
}

void sess_store_free(void)
{
	while (st.oldest)
		drop(slot(st.oldest->key, st.oldest->key_len));
	free(st.buckets);
	memset(&st, 0, sizeof(st));
}

int sess_store_configure(size_t cap)
{
	size_t nb = 16;

	if (cap == st.cap)
		return 0;
	sess_store_free();
	if (!cap)
		return 0;
	while (nb < cap && nb < ((size_t)1 << 30))
		nb <<= 1;
	st.buckets = calloc(nb, sizeof(struct entry *));
	if (!st.buckets)
		return -ENOMEM;
	st.nbuckets = nb;
	st.cap = cap;
	return 0;
}

size_t sess_store_count(void)
{
	return st.n;
}

static sess_l2_put_fn *l2_put;

void sess_store_set_l2(sess_l2_put_fn *put)
{
	l2_put = put;
}

static int store(void *arg, const uint8_t *id, size_t id_len,
		 const uint8_t *blob, size_t len)
{
	int rc = sess_store_put_local(arg, id, id_len, blob, len);

	if (l2_put)
		l2_put(arg, id, id_len, blob, len);
	return rc;
}

bool sess_store_has(const char *profile, const uint8_t *id, size_t id_len)
{
	uint8_t key[KEY_MAX];
	size_t klen;

	return st.cap && !make_key(profile, id, id_len, key, &klen) &&
	       *slot(key, klen);
}

int sess_store_put_local(const char *profile, const uint8_t *id,
			 size_t id_len, const uint8_t *blob, size_t len)
{
	uint8_t key[KEY_MAX];
	struct entry **pp, *e;
	size_t klen;

	if (!st.cap || make_key(profile, id, id_len, key, &klen))
		return -EINVAL;
	pp = slot(key, klen);
	if (*pp)
		drop(pp);
	if (st.n == st.cap)
		drop(slot(st.oldest->key, st.oldest->key_len));
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->blob = malloc(len);
	if (!e->blob) {
		free(e);
		return -ENOMEM;
	}
	memcpy(e->blob, blob, len);
	e->len = len;
	memcpy(e->key, key, klen);
	e->key_len = klen;
	pp = slot(key, klen);	/* the drops above may have moved it */
	*pp = e;
	lru_push(e);
	st.n++;
	return 0;
}

static int fetch(void *arg, const uint8_t *id, size_t id_len, uint8_t *buf,
		 size_t *len)
{
	uint8_t key[KEY_MAX];
	struct entry *e;
	size_t klen;

	if (!st.cap || make_key(arg, id, id_len, key, &klen))
		return -ENOENT;
	e = *slot(key, klen);
	if (!e)
		return -ENOENT;
	if (e->len > *len)
		return -ENOSPC;
	memcpy(buf, e->blob, e->len);
	*len = e->len;
	lru_unlink(e);
	lru_push(e);
	return 0;
}

static int forget(void *arg, const uint8_t *id, size_t id_len)
{
	uint8_t key[KEY_MAX];
	struct entry **pp;
	size_t klen;

	if (!st.cap || make_key(arg, id, id_len, key, &klen))
		return -ENOENT;
	pp = slot(key, klen);
	if (!*pp)
		return -ENOENT;
	drop(pp);
	return 0;
}

struct tlsk_session_store sess_store_for(const char *profile)
{
	struct tlsk_session_store s = {
		.store = store, .fetch = fetch, .remove = forget,
		.arg = (void *)(uintptr_t)profile,
	};

	return s;
}
