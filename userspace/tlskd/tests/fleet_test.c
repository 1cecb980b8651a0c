// SPDX-License-Identifier: MIT
/* fleet.c and redisreply.c: addresses, the fleet key, sealed entries,
 * the ClientHello's session ID, and replies from Redis. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "../../tests/tap.h"
#include "../fleet.h"
#include "../redisreply.h"

static void addresses(void)
{
	struct fleet_addr a;
	const char *why;

	CHECK(!fleet_parse_addr("redis://10.0.0.1:6379", &a, &why));
	CHECK(!strcmp(a.host, "10.0.0.1") && a.port == 6379 && a.db == 0 &&
	      !a.password[0] && !a.user[0] && !a.unix_socket);
	CHECK(!fleet_parse_addr("redis://:s3cr@t/x@h:1/7", &a, &why));
	CHECK(!strcmp(a.password, "s3cr@t/x") && !a.user[0] &&
	      !strcmp(a.host, "h") && a.port == 1 && a.db == 7);
	CHECK(!fleet_parse_addr("redis://tlsk:pw@[::1]:6380/2", &a, &why));
	CHECK(!strcmp(a.user, "tlsk") && !strcmp(a.password, "pw") &&
	      !strcmp(a.host, "::1") && a.port == 6380 && a.db == 2);
	CHECK(!fleet_parse_addr("unix:/run/redis/redis.sock", &a, &why));
	CHECK(a.unix_socket && !strcmp(a.host, "/run/redis/redis.sock"));
	CHECK(!fleet_parse_addr("unix:u:p@/r.sock", &a, &why));
	CHECK(a.unix_socket && !strcmp(a.user, "u") &&
	      !strcmp(a.password, "p") && !strcmp(a.host, "/r.sock"));
	CHECK(fleet_parse_addr("redis://h", &a, &why) == -EINVAL);
	CHECK(fleet_parse_addr("redis://h:0", &a, &why) == -EINVAL);
	CHECK(fleet_parse_addr("redis://h:70000", &a, &why) == -EINVAL);
	CHECK(fleet_parse_addr("redis://h:1/x", &a, &why) == -EINVAL);
	CHECK(fleet_parse_addr("redis://@h:1", &a, &why) == -EINVAL);
	CHECK(fleet_parse_addr("http://h:1", &a, &why) == -EINVAL);
	CHECK(fleet_parse_addr("unix:rel.sock", &a, &why) == -EINVAL);
	CHECK(why && *why);
}

static void key_file(void)
{
	char path[] = "/tmp/fleet-test-XXXXXX";
	struct fleet_keys k, k2;
	const char *why = NULL;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	uint8_t raw[32];

	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "%s\n", "000102030405060708090a0b0c0d0e0f"
		"101112131415161718191A1B1C1D1E1F");
	fclose(f);
	CHECK(!fleet_load_key(path, &k, &why) && k.set);
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)i;
	CHECK(!fleet_derive(raw, &k2));
	CHECK(!memcmp(&k, &k2, sizeof(k)));
	CHECK(memcmp(k.name_key, k.seal_key, 32) != 0);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "0011\n");
		fclose(f);
	}
	CHECK(fleet_load_key(path, &k, &why) == -EINVAL && !k.set);
	CHECK(why && strstr(why, "64 hex digits"));
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%064d\n%064d\n", 0, 0);	/* two lines */
		fclose(f);
	}
	CHECK(fleet_load_key(path, &k, &why) == -EINVAL);
	unlink(path);
	CHECK(fleet_load_key(path, &k, &why) == -ENOENT);
	fleet_keys_scrub(&k2);
}

static void entries(void)
{
	uint8_t raw[32] = { 1 }, other[32] = { 2 }, id[32], id2[32];
	uint8_t blob[300], sealed[FLEET_SEALED_MAX], out[TLSK_SESSION_BLOB_MAX];
	char name[FLEET_NAME_LEN + 1], name2[FLEET_NAME_LEN + 1];
	struct fleet_keys k, ko;
	size_t len;
	int n;

	memset(id, 0xab, sizeof(id));
	memcpy(id2, id, sizeof(id));
	id2[31] ^= 1;
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7);
	CHECK(!fleet_derive(raw, &k) && !fleet_derive(other, &ko));
	CHECK(!fleet_entry_name(&k, "web", id, 32, name));
	CHECK(strlen(name) == FLEET_NAME_LEN &&
	      !strncmp(name, FLEET_NAME_PREFIX, 7));
	/* profile and ID both count, and so does the key */
	CHECK(!fleet_entry_name(&k, "api", id, 32, name2) &&
	      strcmp(name, name2) != 0);
	CHECK(!fleet_entry_name(&k, "web", id2, 32, name2) &&
	      strcmp(name, name2) != 0);
	CHECK(!fleet_entry_name(&ko, "web", id, 32, name2) &&
	      strcmp(name, name2) != 0);
	CHECK(fleet_entry_name(&k, "web", id, 0, name2) == -EINVAL);
	CHECK(fleet_entry_name(&k, "web", id, 33, name2) == -EINVAL);

	n = fleet_seal(&k, name, blob, sizeof(blob), sealed);
	CHECK(n == (int)(sizeof(blob) + FLEET_SEAL_OVERHEAD));
	len = sizeof(out);
	CHECK(!fleet_open(&k, name, sealed, (size_t)n, out, &len));
	CHECK(len == sizeof(blob) && !memcmp(out, blob, len));
	/* another name (profile / ID), another key, altered, cut: misses */
	len = sizeof(out);
	CHECK(fleet_open(&k, name2, sealed, (size_t)n, out, &len) ==
	      -EBADMSG);
	CHECK(fleet_open(&ko, name, sealed, (size_t)n, out, &len) ==
	      -EBADMSG);
	for (int i = 0; i < n; i += 37) {
		sealed[i] ^= 0x10;
		len = sizeof(out);
		CHECK(fleet_open(&k, name, sealed, (size_t)n, out, &len) ==
		      -EBADMSG);
		sealed[i] ^= 0x10;
	}
	len = sizeof(out);
	CHECK(fleet_open(&k, name, sealed, (size_t)n - 1, out, &len) ==
	      -EBADMSG);
	CHECK(fleet_open(&k, name, sealed, 5, out, &len) == -EBADMSG);
	len = 10;	/* too small a buffer: a miss, no overflow */
	CHECK(fleet_open(&k, name, sealed, (size_t)n, out, &len) == -EBADMSG);
	/* two seals of one blob differ (fresh nonce) */
	{
		uint8_t again[FLEET_SEALED_MAX];

		CHECK(fleet_seal(&k, name, blob, sizeof(blob), again) == n &&
		      memcmp(again, sealed, (size_t)n) != 0);
	}
	fleet_keys_scrub(&k);
	fleet_keys_scrub(&ko);
}

/* A ClientHello record: session ID of id_len bytes, versions ext or not. */
static size_t hello(uint8_t *b, size_t id_len, int tls13)
{
	size_t o = 0, hs, ext;

	b[o++] = 22, b[o++] = 3, b[o++] = 1, o += 2;
	hs = o;
	b[o++] = 1, o += 3;
	b[o++] = 3, b[o++] = 3;
	memset(b + o, 0x11, 32), o += 32;
	b[o++] = (uint8_t)id_len;
	memset(b + o, 0x5a, id_len), o += id_len;
	b[o++] = 0, b[o++] = 2, b[o++] = 0xc0, b[o++] = 0x2b;
	b[o++] = 1, b[o++] = 0;
	ext = o;
	o += 2;
	b[o++] = 0, b[o++] = 10, b[o++] = 0, b[o++] = 2, b[o++] = 0, b[o++] = 29;
	if (tls13) {
		b[o++] = 0, b[o++] = 43, b[o++] = 0, b[o++] = 5, b[o++] = 4;
		b[o++] = 3, b[o++] = 4, b[o++] = 3, b[o++] = 3;
	}
	b[ext] = (uint8_t)((o - ext - 2) >> 8);
	b[ext + 1] = (uint8_t)(o - ext - 2);
	b[hs + 1] = 0;
	b[hs + 2] = (uint8_t)((o - hs - 4) >> 8);
	b[hs + 3] = (uint8_t)(o - hs - 4);
	b[3] = (uint8_t)((o - 5) >> 8);
	b[4] = (uint8_t)(o - 5);
	return o;
}

static void client_hello(void)
{
	uint8_t b[512], id[32];
	size_t n, id_len;
	int v13;

	n = hello(b, 32, 0);
	CHECK(!fleet_hello_session(b, n, id, &id_len, &v13));
	CHECK(id_len == 32 && id[0] == 0x5a && id[31] == 0x5a && !v13);
	n = hello(b, 32, 1);
	CHECK(!fleet_hello_session(b, n, id, &id_len, &v13));
	CHECK(id_len == 32 && v13);
	n = hello(b, 0, 0);
	CHECK(!fleet_hello_session(b, n, id, &id_len, &v13) && !id_len);
	/* A peek that ends inside the record: wait for more of it (the ID
	 * as far as it came), whether it stops in the header, the ID or the
	 * extensions; every length up to the whole says so. */
	n = hello(b, 32, 1);
	for (size_t cut = 0; cut < n; cut++) {
		int rc = fleet_hello_session(b, cut, id, &id_len, &v13);

		CHECK(rc == -EAGAIN);
		CHECK(id_len == (cut >= 5 + 4 + 2 + 32 + 1 + 32 ? 32 : 0));
		CHECK(!v13);
	}
	CHECK(!fleet_hello_session(b, n, id, &id_len, &v13) && v13);
	/* a whole record that ends inside the ID: refused; after it, before
	 * the extensions: the ID, no version */
	b[3] = 0;
	b[4] = 4 + 2 + 32 + 10;
	CHECK(fleet_hello_session(b, n, id, &id_len, &v13) == -EINVAL);
	b[4] = 4 + 2 + 32 + 33;
	CHECK(!fleet_hello_session(b, n, id, &id_len, &v13));
	CHECK(id_len == 32 && !v13);
	/* not a handshake record, not TLS 1.x: refused from the first bytes */
	b[0] = 23;
	CHECK(fleet_hello_session(b, 1, id, &id_len, &v13) == -EINVAL);
	b[0] = 22;
	b[1] = 2;
	CHECK(fleet_hello_session(b, 2, id, &id_len, &v13) == -EINVAL);
	n = hello(b, 32, 1);
	b[0] = 23;
	CHECK(fleet_hello_session(b, n, id, &id_len, &v13) == -EINVAL);
	n = hello(b, 32, 0);
	b[5] = 2;	/* ServerHello */
	CHECK(fleet_hello_session(b, n, id, &id_len, &v13) == -EINVAL);
	CHECK(fleet_hello_session(b, 6, id, &id_len, &v13) == -EINVAL);
	n = hello(b, 32, 0);
	b[5 + 4 + 2 + 32] = 33;	/* ID longer than 32 */
	CHECK(fleet_hello_session(b, n, id, &id_len, &v13) == -EINVAL);
}

static void replies(void)
{
	uint8_t raw[32] = { 3 }, blob[40] = { 9 }, sealed[FLEET_SEALED_MAX];
	uint8_t out[TLSK_SESSION_BLOB_MAX];
	char name[FLEET_NAME_LEN + 1], why[64];
	struct fleet_keys k;
	redisReply r;
	size_t len = sizeof(out);
	int n;

	CHECK(!fleet_derive(raw, &k));
	CHECK(!fleet_entry_name(&k, "p", raw, 16, name));
	n = fleet_seal(&k, name, blob, sizeof(blob), sealed);
	memset(&r, 0, sizeof(r));
	r.type = REDIS_REPLY_STRING;
	r.str = (char *)sealed;
	r.len = (size_t)n;
	CHECK(!redis_reply_entry(&r, &k, name, out, &len, why, sizeof(why)));
	CHECK(len == sizeof(blob) && !memcmp(out, blob, len));
	r.type = REDIS_REPLY_NIL;
	CHECK(redis_reply_entry(&r, &k, name, out, &len, why, sizeof(why)) ==
	      -ENOENT);
	r.type = REDIS_REPLY_ERROR;
	r.str = (char *)"NOAUTH Authentication required.\n\x01";
	r.len = strlen(r.str);
	CHECK(redis_reply_entry(&r, &k, name, out, &len, why, sizeof(why)) ==
	      -EPROTO);
	CHECK(!strncmp(why, "NOAUTH", 6) && !strchr(why, '\n') &&
	      !strchr(why, 1));
	r.type = REDIS_REPLY_INTEGER;
	CHECK(redis_reply_entry(&r, &k, name, out, &len, why, sizeof(why)) ==
	      -EPROTO && strstr(why, "integer"));
	CHECK(redis_reply_entry(NULL, &k, name, out, &len, why, sizeof(why)) ==
	      -EPROTO && strstr(why, "connection lost"));
	r.type = REDIS_REPLY_STATUS;
	r.str = (char *)"PONG";
	r.len = 4;
	CHECK(!redis_reply_status(&r, "PONG", why, sizeof(why)));
	CHECK(redis_reply_status(&r, "OK", why, sizeof(why)) == -EPROTO &&
	      !strcmp(why, "status PONG"));
	r.len = 3;	/* "PON" */
	CHECK(redis_reply_status(&r, "PONG", why, sizeof(why)) == -EPROTO);
	r.type = REDIS_REPLY_STRING;
	r.len = 4;
	CHECK(redis_reply_status(&r, "PONG", why, sizeof(why)) == -EPROTO);
	r.type = 99;
	CHECK(redis_reply_status(&r, "PONG", why, sizeof(why)) == -EPROTO &&
	      strstr(why, "unexpected"));
	fleet_keys_scrub(&k);
}

/* A ticket key wrapped for Redis: opens only under its fleet key, in
 * its own field, unaltered; no key byte shows in the wrapped form. */
static void ticket_keys(void)
{
	uint8_t raw[32] = { 4 }, other[32] = { 5 };
	uint8_t w[FLEET_TK_WRAPPED_LEN], w2[FLEET_TK_WRAPPED_LEN];
	struct fleet_tk t = { .created = 1000, .active_from = 1005 }, o;
	char field[FLEET_TK_FIELD_LEN + 1], field2[FLEET_TK_FIELD_LEN + 1];
	struct fleet_keys k, k2;
	size_t refused = 0;

	memset(t.name, 0xab, sizeof(t.name));
	memset(t.key, 0x77, sizeof(t.key));
	CHECK(!fleet_derive(raw, &k) && !fleet_derive(other, &k2));
	CHECK(memcmp(k.tk_key, k.seal_key, 32) != 0);
	fleet_tk_field(t.name, field);
	CHECK(!strcmp(field, "abababababababababababababababab"));
	CHECK(!fleet_tk_wrap(&k, &t, w));
	CHECK(!memmem(w, sizeof(w), t.key, 8));
	CHECK(!fleet_tk_unwrap(&k, field, w, sizeof(w), &o));
	CHECK(!memcmp(&o, &t, sizeof(t)));
	CHECK(!fleet_tk_wrap(&k, &t, w2) && memcmp(w, w2, sizeof(w)) != 0);
	CHECK(fleet_tk_unwrap(&k2, field, w, sizeof(w), &o) == -EBADMSG);
	CHECK(o.created == 0 && o.key[0] == 0);
	memcpy(field2, field, sizeof(field));
	field2[0] = '0';	/* moved to another field */
	CHECK(fleet_tk_unwrap(&k, field2, w, sizeof(w), &o) == -EBADMSG);
	CHECK(fleet_tk_unwrap(&k, field, w, sizeof(w) - 1, &o) == -EBADMSG);
	for (size_t i = 0; i < sizeof(w); i++) {
		memcpy(w2, w, sizeof(w));
		w2[i] ^= 0x10;
		refused += fleet_tk_unwrap(&k, field, w2, sizeof(w2), &o) ==
			   -EBADMSG;
	}
	CHECK(refused == sizeof(w));	/* every flipped byte */
	fleet_keys_scrub(&k);
	fleet_keys_scrub(&k2);
}

static redisReply *bulk(const char *s, size_t len)
{
	static redisReply r[8];
	static unsigned i;
	redisReply *p = &r[i++ % 8];

	memset(p, 0, sizeof(*p));
	p->type = REDIS_REPLY_STRING;
	p->str = (char *)s;
	p->len = len;
	return p;
}

/* HGETALL replies: pairs opened, bad pairs counted, odd shapes refused. */
static void ticket_key_replies(void)
{
	uint8_t raw[32] = { 4 }, w[FLEET_TK_WRAPPED_LEN];
	struct fleet_tk t = { .created = 7, .active_from = 9 }, set[4];
	char field[FLEET_TK_FIELD_LEN + 1], bad_field[FLEET_TK_FIELD_LEN + 1];
	char why[96];
	redisReply arr, *el[4];
	struct fleet_keys k;
	unsigned bad;
	size_t n;

	memset(t.name, 0x11, sizeof(t.name));
	memset(t.key, 0x22, sizeof(t.key));
	CHECK(!fleet_derive(raw, &k) && !fleet_tk_wrap(&k, &t, w));
	fleet_tk_field(t.name, field);
	memset(&arr, 0, sizeof(arr));
	arr.type = REDIS_REPLY_ARRAY;
	arr.element = el;
	el[0] = bulk(field, FLEET_TK_FIELD_LEN);
	el[1] = bulk((const char *)w, sizeof(w));
	el[2] = bulk("00000000000000000000000000000000", 32);
	el[3] = bulk((const char *)w, sizeof(w));	/* moved: does not open */
	arr.elements = 4;
	CHECK(!redis_reply_ticket_keys(&arr, &k, set, 4, &n, &bad, bad_field,
				       why, sizeof(why)));
	CHECK(n == 1 && bad == 1 && !memcmp(&set[0], &t, sizeof(t)));
	CHECK(!strcmp(bad_field, "00000000000000000000000000000000"));
	CHECK(!redis_reply_ticket_keys(&arr, &k, set, 0, &n, &bad, bad_field,
				       why, sizeof(why)) && n == 0 && bad == 2);
	arr.elements = 3;
	CHECK(redis_reply_ticket_keys(&arr, &k, set, 4, &n, &bad, bad_field,
				      why, sizeof(why)) == -EPROTO);
	arr.elements = 2;
	el[1]->type = REDIS_REPLY_INTEGER;
	CHECK(redis_reply_ticket_keys(&arr, &k, set, 4, &n, &bad, bad_field,
				      why, sizeof(why)) == -EPROTO && !n);
	arr.elements = 0;
	CHECK(!redis_reply_ticket_keys(&arr, &k, set, 4, &n, &bad, bad_field,
				       why, sizeof(why)) && !n && !bad);
	arr.type = REDIS_REPLY_ERROR;
	arr.str = (char *)"WRONGTYPE Operation against a key";
	arr.len = strlen(arr.str);
	CHECK(redis_reply_ticket_keys(&arr, &k, set, 4, &n, &bad, bad_field,
				      why, sizeof(why)) == -EPROTO &&
	      !strncmp(why, "WRONGTYPE", 9));
	CHECK(redis_reply_ticket_keys(NULL, &k, set, 4, &n, &bad, bad_field,
				      why, sizeof(why)) == -EPROTO);
	fleet_keys_scrub(&k);
}

/* A key named by one byte, for plans. */
static struct fleet_tk tk(uint8_t id, uint64_t created, uint64_t active_from)
{
	struct fleet_tk t = { .created = created, .active_from = active_from };

	memset(t.name, id, sizeof(t.name));
	memset(t.key, id, sizeof(t.key));
	return t;
}

static bool is(const struct fleet_tk *t, uint8_t id)
{
	return t->name[0] == id && t->name[15] == id;
}

/* The key that seals at now: the first (newest) whose time has come. */
static const struct fleet_tk *sealing(const struct fleet_tk *set, size_t n,
				      uint64_t now)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].active_from <= now)
			return &set[i];
	return NULL;
}

/* No two keys seal from the same second, and set is newest first. */
static bool strictly_ordered(const struct fleet_tk *set, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (set[i - 1].active_from <= set[i].active_from)
			return false;
	return true;
}

/* One lock round (fleet_tk_plan): made, promoted, dropped. */
static void ticket_key_plans(void)
{
	const uint64_t now = 100000;
	struct fleet_tk_rules r = {
		.rotation_s = 3600, .lifetime_s = 7200, .lead_s = 5,
	};
	struct fleet_tk set[FLEET_TK_SET_MAX];
	struct fleet_tk_plan p;
	size_t n;

	/* The fleet's first key seals lead_s from now. */
	n = 0;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p));
	CHECK(n == 1 && p.nput == 1 && !p.ndrop);
	CHECK(set[0].active_from == now + 5 && set[0].created == now &&
	      !memcmp(&p.put[0], &set[0], sizeof(set[0])));

	/* A current key and no next: the next seals rotation_s after it. */
	set[0] = tk(1, now - 200, now - 100);
	n = 1;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p));
	CHECK(n == 2 && p.nput == 1 && is(&set[1], 1));
	CHECK(set[0].active_from == now - 100 + 3600);

	/* Both there: nothing to do. */
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p) && n == 2 && !p.nput);
	/* Only keys to come (the first one's lead): nothing made either. */
	set[0] = tk(1, now, now + 5);
	n = 1;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p) && n == 1 && !p.nput);

	/* Rotation: the next key seals now, a new next after it. */
	set[0] = tk(2, now - 100, now + 3500);
	set[1] = tk(1, now - 200, now - 100);
	n = 2;
	r.rotate = 1;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p));
	CHECK(n == 3 && p.nput == 2 && is(&p.put[0], 2) &&
	      p.put[0].active_from == now);
	CHECK(is(sealing(set, n, now), 2) && strictly_ordered(set, n));
	CHECK(set[0].active_from == now + 3600 && is(&set[2], 1));

	/*
	 * Rotation in the second the current key began sealing: sealing
	 * from now too, the promoted key would tie with it, and machines
	 * could go on with the old one. It seals a second later.
	 */
	set[0] = tk(2, now, now + 3600);
	set[1] = tk(1, now - 5, now);
	n = 2;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p));
	CHECK(p.nput == 2 && is(&p.put[0], 2) &&
	      p.put[0].active_from == now + 1);
	CHECK(strictly_ordered(set, n) && is(sealing(set, n, now + 1), 2));
	CHECK(set[0].active_from == now + 1 + 3600);

	/*
	 * Three rotations in one second (machines asking one after another):
	 * each promoted key seals after the one before it, never with it.
	 */
	set[0] = tk(2, now - 100, now + 3500);
	set[1] = tk(1, now - 200, now - 100);
	n = 2;
	for (uint64_t want = now; want < now + 3; want++) {
		CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p));
		CHECK(p.nput == 2 && p.put[0].active_from == want);
		CHECK(strictly_ordered(set, n));
		CHECK(sealing(set, n, want) &&
		      !memcmp(sealing(set, n, want)->name, p.put[0].name, 16));
	}
	CHECK(n == 5);

	/* Rotation with no next key: a new one seals (here a second on). */
	set[0] = tk(1, now - 5, now);
	n = 1;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p));
	CHECK(n == 3 && p.nput == 2 && p.put[0].active_from == now + 1);
	CHECK(strictly_ordered(set, n) && !is(sealing(set, n, now + 1), 1));
	/* and with no key at all: at once */
	n = 0;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p));
	CHECK(n == 2 && set[1].active_from == now &&
	      set[0].active_from == now + 3600);
	/* no room for a key: said, and nothing half-done claimed */
	set[0] = tk(1, now - 5, now - 1);
	n = 1;
	CHECK(fleet_tk_plan(set, &n, 1, now, &r, &p) == -EIO && !p.nput &&
	      n == 1);

	/* Keys go once their successor has sealed for lifetime_s. */
	r.rotate = 0;
	set[0] = tk(4, now - 10, now + 10);
	set[1] = tk(3, now - 7400, now - 7300);
	set[2] = tk(2, now - 20100, now - 20000);
	set[3] = tk(1, now - 30100, now - 30000);
	n = 4;
	CHECK(!fleet_tk_plan(set, &n, 8, now, &r, &p) && !p.nput);
	CHECK(p.ndrop == 2 && p.drop[0][0] == 2 && p.drop[1][0] == 1);

	/* Ties (hand-made entries): the later made, then by name. */
	set[0] = tk(1, now - 9, now);
	set[1] = tk(2, now - 8, now);
	set[2] = tk(3, now - 8, now);
	fleet_tk_sort(set, 3);
	CHECK(is(&set[0], 3) && is(&set[1], 2) && is(&set[2], 1));
	OPENSSL_cleanse(set, sizeof(set));
	OPENSSL_cleanse(&p, sizeof(p));
}

int main(void)
{
	RUN(addresses);
	RUN(key_file);
	RUN(entries);
	RUN(client_hello);
	RUN(replies);
	RUN(ticket_keys);
	RUN(ticket_key_replies);
	RUN(ticket_key_plans);
	return tap_done();
}
