// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "fleet.h"
#include "tickets.h"

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

uint64_t tickets_now(void)
{
	return now_s();
}

static int new_key(struct ticket_key *k)
{
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 ||
	    RAND_bytes(k->key, sizeof(k->key)) != 1)
		return -EIO;
	k->created = now_s();
	k->active_from = k->created;
	k->fleet = false;
	return 0;
}

/* Generated keys: a new sealing key (kept: TICKET_KEYS_KEPT). */
static int push_new_key(struct ticket_store *ts)
{
	struct ticket_key fresh;

	if (new_key(&fresh))
		return -EIO;	/* keep sealing with the old key */
	if (ts->n == TICKET_KEYS_KEPT)
		OPENSSL_cleanse(&ts->keys[--ts->n], sizeof(ts->keys[0]));
	memmove(&ts->keys[1], &ts->keys[0], ts->n * sizeof(ts->keys[0]));
	ts->keys[0] = fresh;
	ts->n++;
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	return 0;
}

/* Generated keys: a new sealing key when the current one is due. */
static void rotate_if_due(struct ticket_store *ts)
{
	if (ts->from_file || ts->from_redis ||
	    (ts->n && now_s() - ts->keys[0].created < ts->rotation_s))
		return;
	push_new_key(ts);
}

int tickets_rotate_now(struct ticket_store *ts)
{
	if (ts->from_file || ts->from_redis)
		return -EOPNOTSUPP;
	return push_new_key(ts);
}

int tickets_current(const struct ticket_store *ts, uint64_t now)
{
	for (unsigned i = 0; i < ts->n; i++)
		if (!ts->from_redis || ts->keys[i].active_from <= now)
			return (int)i;
	return -1;
}

static int current_key(void *arg, uint8_t name[16], uint8_t key[32])
{
	struct ticket_store *ts = arg;
	int i;

	rotate_if_due(ts);
	i = tickets_current(ts, now_s());
	if (i < 0)
		return -ENOENT;
	memcpy(name, ts->keys[i].name, 16);
	memcpy(key, ts->keys[i].key, 32);
	return 0;
}

static void drop_key(struct ticket_store *ts, unsigned i)
{
	OPENSSL_cleanse(&ts->keys[i], sizeof(ts->keys[i]));
	memmove(&ts->keys[i], &ts->keys[i + 1],
		(ts->n - i - 1) * sizeof(ts->keys[0]));
	ts->n--;
	OPENSSL_cleanse(&ts->keys[ts->n], sizeof(ts->keys[0]));
}

unsigned tickets_prune(struct ticket_store *ts, uint64_t now)
{
	unsigned dropped = 0;
	int c = tickets_current(ts, now);

	if (!ts->from_redis || c < 0)
		return 0;
	/* keys[c + 1] stopped sealing at keys[c].active_from, and so on */
	for (unsigned i = (unsigned)c + 1; i < ts->n;) {
		if (ts->keys[i - 1].active_from + ts->lifetime_s <= now) {
			drop_key(ts, i);
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}

/* Newest first; among equals, fleet keys before local ones, then as
 * fleet_tk_sort() orders them, so that every machine picks the same. */
static bool before(const struct ticket_key *a, const struct ticket_key *b)
{
	if (a->active_from != b->active_from)
		return a->active_from > b->active_from;
	if (a->fleet != b->fleet)
		return a->fleet;
	if (a->created != b->created)
		return a->created > b->created;
	return memcmp(a->name, b->name, sizeof(a->name)) > 0;
}

/* Puts k in its place by active_from (k: a copy, scrubbed by the
 * caller); with the store full, the oldest key goes. */
static void insert_key(struct ticket_store *ts, const struct ticket_key *k)
{
	unsigned i = 0;

	while (i < ts->n && !before(k, &ts->keys[i]))
		i++;
	if (i == TICKET_KEYS_MAX)
		return;		/* older than everything kept */
	if (ts->n == TICKET_KEYS_MAX)
		drop_key(ts, ts->n - 1);
	memmove(&ts->keys[i + 1], &ts->keys[i],
		(ts->n - i) * sizeof(ts->keys[0]));
	ts->keys[i] = *k;
	ts->n++;
}

/* Keys taken from one HGETALL at most. */
#define TICKET_MERGE_MAX	((size_t)TICKET_KEYS_MAX * 2)

static bool in_set(const uint8_t name[16], const struct fleet_tk *set,
		   size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (!CRYPTO_memcmp(name, set[j].name, 16))
			return true;
	return false;
}

static bool have_key(const struct ticket_store *ts, const uint8_t name[16])
{
	for (unsigned i = 0; i < ts->n; i++)
		if (!CRYPTO_memcmp(ts->keys[i].name, name, 16))
			return true;
	return false;
}

unsigned tickets_merge(struct ticket_store *ts, const struct fleet_tk *set,
		       size_t n, uint64_t now)
{
	bool known[TICKET_MERGE_MAX] = { false };
	struct ticket_key k;
	unsigned added = 0;

	/* A key still to come that Redis no longer has (it lost its
	 * content, or the key was replaced) will not seal anywhere. */
	for (unsigned i = 0; i < ts->n;) {
		if (ts->keys[i].fleet && ts->keys[i].active_from > now &&
		    !in_set(ts->keys[i].name, set, n))
			drop_key(ts, i);
		else
			i++;
	}
	for (size_t j = 0; j < n && j < TICKET_MERGE_MAX; j++) {
		unsigned i;

		for (i = 0; i < ts->n; i++)
			if (!CRYPTO_memcmp(ts->keys[i].name, set[j].name, 16))
				break;
		known[j] = i < ts->n;
		if (known[j]) {
			if (ts->keys[i].active_from == set[j].active_from &&
			    !CRYPTO_memcmp(ts->keys[i].key, set[j].key, 32))
				continue;
			drop_key(ts, i);	/* changed: e.g. promoted */
		}
		memcpy(k.name, set[j].name, 16);
		memcpy(k.key, set[j].key, 32);
		k.created = set[j].created;
		k.active_from = set[j].active_from;
		k.fleet = true;
		insert_key(ts, &k);
		OPENSSL_cleanse(&k, sizeof(k));
	}
	tickets_prune(ts, now);
	/* new ones that stay: one already past its time is not news */
	for (size_t j = 0; j < n && j < TICKET_MERGE_MAX; j++)
		if (!known[j] && have_key(ts, set[j].name))
			added++;
	return added;
}

static int lookup_key(void *arg, const uint8_t name[16], uint8_t key[32])
{
	struct ticket_store *ts = arg;

	for (unsigned i = 0; i < ts->n; i++) {
		if (CRYPTO_memcmp(ts->keys[i].name, name, 16) == 0) {
			memcpy(key, ts->keys[i].key, 32);
			return 0;
		}
	}
	return -ENOENT;
}

struct tlsk_ticket_keys tickets_source(struct ticket_store *ts)
{
	struct tlsk_ticket_keys src = {
		.current = current_key, .lookup = lookup_key, .arg = ts,
	};

	return src;
}

uint64_t tickets_age(const struct ticket_store *ts)
{
	uint64_t now = now_s();
	int i = tickets_current(ts, now);

	if (i < 0 || ts->from_file)
		return 0;
	return now - (ts->from_redis && ts->keys[i].fleet ?
		      ts->keys[i].active_from : ts->keys[i].created);
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);

		/* Two hex digits, nothing else: no sign, no blank. */
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[2 * n] == '\0' ? 0 : -EINVAL;
}

static int parse_key_line(char *line, struct ticket_key *k)
{
	char name[40], key[72], extra[2];

	if (sscanf(line, "%39s %71s %1s", name, key, extra) != 2 ||
	    strlen(name) != 32 || strlen(key) != 64)
		return -EINVAL;
	if (unhex(name, k->name, 16) || unhex(key, k->key, 32))
		return -EINVAL;
	k->created = now_s();
	k->active_from = 0;
	k->fleet = false;
	return 0;
}

static int load_file(struct ticket_store *ts, const char *file,
		     struct conf_diag *d)
{
	char line[256];
	int lineno = 0, rc = 0;
	FILE *f = fopen(file, "r");

	if (!f) {
		conf_diag_add(d, true, file, 0, "%s", strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");

		lineno++;
		if (*s == '#' || *s == '\n' || !*s)
			continue;
		if (ts->n == TICKET_FILE_KEYS_MAX) {
			conf_diag_add(d, true, file, lineno, "more than %d keys",
				      TICKET_FILE_KEYS_MAX);
			rc = -EINVAL;
			break;
		}
		if (parse_key_line(s, &ts->keys[ts->n])) {
			conf_diag_add(d, true, file, lineno, "expected NAME KEY "
				      "(32 and 64 hex digits)");
			rc = -EINVAL;
			continue;
		}
		ts->n++;
	}
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	if (!rc && !ts->n) {
		conf_diag_add(d, true, file, 0, "no ticket key");
		rc = -EINVAL;
	}
	return rc;
}

int tickets_load(struct ticket_store *ts, const char *file, int from_redis,
		 unsigned rotation_s, unsigned lifetime_s, struct conf_diag *d)
{
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->rotation_s = rotation_s;
	ts->lifetime_s = lifetime_s;
	ts->from_file = file != NULL;
	ts->from_redis = from_redis;
	rc = file ? load_file(ts, file, d) : 0;
	if (rc) {
		tickets_scrub(ts);
	} else if (from_redis) {
		/* seals until the fleet's first key is here */
		rc = push_new_key(ts);
		ts->keys[0].active_from = 0;
	} else if (!file) {
		rotate_if_due(ts);
	}
	return rc;
}

void tickets_replace(struct ticket_store *ts, struct ticket_store *fresh)
{
	/* Generated and Redis keys survive a reload (generated ones stay
	 * accepted when the fleet's come in, until they are pruned); only
	 * the times may change. */
	if (!fresh->from_file && !ts->from_file && ts->n &&
	    (fresh->from_redis || !ts->from_redis)) {
		if (fresh->from_redis && !ts->from_redis)
			for (unsigned i = 0; i < ts->n; i++)
				ts->keys[i].active_from = 0;
		ts->rotation_s = fresh->rotation_s;
		ts->lifetime_s = fresh->lifetime_s;
		ts->from_redis = fresh->from_redis;
		tickets_scrub(fresh);
		return;
	}
	/* From a ticket-key-file to Redis: the file's keys stay, local,
	 * the file's first still sealing until the fleet's first key does,
	 * so that a rolling change costs no more full handshakes than it
	 * must (docs/daemon.md, migrating). */
	if (ts->from_file && fresh->from_redis) {
		for (unsigned i = 0; i < fresh->n && ts->n < TICKET_KEYS_MAX;
		     i++)
			ts->keys[ts->n++] = fresh->keys[i];
		for (unsigned i = 0; i < ts->n; i++) {
			ts->keys[i].active_from = 0;
			ts->keys[i].fleet = false;
		}
		memcpy(fresh->keys, ts->keys, sizeof(ts->keys));
		fresh->n = ts->n;
	}
	tickets_scrub(ts);
	*ts = *fresh;
	OPENSSL_cleanse(fresh, sizeof(*fresh));
}

void tickets_scrub(struct ticket_store *ts)
{
	OPENSSL_cleanse(ts, sizeof(*ts));
}
