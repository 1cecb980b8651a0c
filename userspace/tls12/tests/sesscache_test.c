// SPDX-License-Identifier: MIT
/*
 * Session caches: lookups, replacement, FIFO eviction, expiry on an
 * injected clock, the resumption rules, the ops interface, the client
 * cache's keys, and scrubbing: libcrypto's allocator is replaced so every
 * block freed by the caches can be searched for the secret first.
 */
#include "sesscache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../../tests/tap.h"

/* ---- an allocator that looks at what is freed ---- */

#define SECRET_BYTE 0xa7
static size_t freed_with_secret;

struct hdr {
	size_t size;
	max_align_t align;	/* keep the user block aligned */
};

static void *test_malloc(size_t n, const char *file, int line)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	(void)file;
	(void)line;
	if (!h)
		return NULL;
	h->size = n;
	return (char *)h + sizeof(*h);
}

static int holds_secret(const uint8_t *p, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		run = p[i] == SECRET_BYTE ? run + 1 : 0;
		if (run == 16)
			return 1;
	}
	return 0;
}

static void test_free(void *p, const char *file, int line)
{
	struct hdr *h;

	(void)file;
	(void)line;
	if (!p)
		return;
	h = (struct hdr *)((char *)p - sizeof(*h));
	if (holds_secret(p, h->size))
		freed_with_secret++;
	free(h);
}

static void *test_realloc(void *p, size_t n, const char *file, int line)
{
	void *q = n ? test_malloc(n, file, line) : NULL;

	if (p && q) {
		struct hdr *h = (struct hdr *)((char *)p - sizeof(*h));

		memcpy(q, p, h->size < n ? h->size : n);
	}
	test_free(p, file, line);
	return q;
}

/* ---- helpers ---- */

static uint64_t clock_ms;

static uint64_t fake_now(void *arg)
{
	(void)arg;
	return clock_ms;
}

static const struct sesscache_clock fake_clock = { fake_now, NULL };

static struct sesscache_entry entry(uint8_t tag)
{
	struct sesscache_entry e;

	memset(&e, 0, sizeof(e));
	memset(e.id, tag, sizeof(e.id));
	e.id_len = sizeof(e.id);
	memset(e.master, SECRET_BYTE, sizeof(e.master));
	e.version = 0x0303;
	e.suite = 0xc02b;
	e.ems = true;
	strcpy(e.server_name, "example.com");
	strcpy(e.peer, "CN=client");
	return e;
}

static int present(struct sesscache *c, uint8_t tag)
{
	struct sesscache_entry e = entry(tag), out;
	int found = !sesscache_lookup(c, e.id, e.id_len, &out);

	sesscache_entry_scrub(&out);
	return found;
}

/* ---- server cache ---- */

static void insert_lookup_remove(void)
{
	struct sesscache *c = sesscache_new(8, 3600, &fake_clock);
	struct sesscache_entry e = entry(1), out;

	clock_ms = 5000;
	CHECK(!sesscache_insert(c, &e));
	CHECK(sesscache_count(c) == 1);
	CHECK(!sesscache_lookup(c, e.id, e.id_len, &out));
	CHECK(!memcmp(out.master, e.master, 48) && out.suite == 0xc02b);
	CHECK(out.ems && !strcmp(out.peer, "CN=client"));
	CHECK(out.created_ms == 5000 && out.id_len == 32);
	/* a prefix of the ID is another ID */
	CHECK(sesscache_lookup(c, e.id, 31, &out) == -ENOENT);
	CHECK(sesscache_lookup(c, e.id, 0, &out) == -ENOENT);
	CHECK(!sesscache_remove(c, e.id, e.id_len));
	CHECK(sesscache_remove(c, e.id, e.id_len) == -ENOENT);
	CHECK(sesscache_lookup(c, e.id, e.id_len, &out) == -ENOENT);
	CHECK(sesscache_count(c) == 0);
	/* unterminated names come back terminated */
	memset(e.peer, 'p', sizeof(e.peer));
	CHECK(!sesscache_insert(c, &e));
	CHECK(!sesscache_lookup(c, e.id, e.id_len, &out));
	CHECK(strlen(out.peer) == sizeof(out.peer) - 1);
	CHECK(!sesscache_remove(c, e.id, e.id_len));
	e.id_len = 0;
	CHECK(sesscache_insert(c, &e) == -EINVAL);
	e.id_len = 33;
	CHECK(sesscache_insert(c, &e) == -EINVAL);
	sesscache_entry_scrub(&out);
	sesscache_free(c);
}

static void replace_same_id(void)
{
	struct sesscache *c = sesscache_new(8, 3600, &fake_clock);
	struct sesscache_entry e = entry(2), out;

	CHECK(!sesscache_insert(c, &e));
	e.suite = 0xc030;
	CHECK(!sesscache_insert(c, &e));
	CHECK(sesscache_count(c) == 1);
	CHECK(!sesscache_lookup(c, e.id, e.id_len, &out) &&
	      out.suite == 0xc030);
	sesscache_free(c);
}

static void fifo_eviction(void)
{
	struct sesscache *c = sesscache_new(3, 3600, &fake_clock);

	for (uint8_t tag = 1; tag <= 3; tag++) {
		struct sesscache_entry e = entry(tag);

		CHECK(!sesscache_insert(c, &e));
	}
	CHECK(present(c, 1));	/* a hit does not make it younger */
	{
		struct sesscache_entry e = entry(4);

		CHECK(!sesscache_insert(c, &e));
	}
	CHECK(sesscache_count(c) == 3);
	CHECK(!present(c, 1) && present(c, 2) && present(c, 3) &&
	      present(c, 4));
	sesscache_free(c);
}

static void many_entries(void)
{
	struct sesscache *c = sesscache_new(100, 3600, &fake_clock);
	size_t ok = 0;

	/* enough to share buckets, wrap the FIFO and evict in the middle
	 * of chains */
	for (unsigned i = 0; i < 1000; i++) {
		struct sesscache_entry e = entry(0);

		memcpy(e.id, &i, sizeof(i));
		ok += !sesscache_insert(c, &e);
	}
	CHECK(ok == 1000 && sesscache_count(c) == 100);
	ok = 0;
	for (unsigned i = 0; i < 1000; i++) {
		struct sesscache_entry e = entry(0), out;

		memcpy(e.id, &i, sizeof(i));
		if (!sesscache_lookup(c, e.id, e.id_len, &out))
			ok += i >= 900 ? 1 : 1000;
	}
	CHECK(ok == 100);
	sesscache_free(c);
}

static void expiry_on_injected_clock(void)
{
	struct sesscache *c = sesscache_new(8, 10, &fake_clock);
	struct sesscache_entry e1 = entry(1), e2 = entry(2);

	clock_ms = 1000000;
	CHECK(!sesscache_insert(c, &e1));
	clock_ms += 5000;
	CHECK(!sesscache_insert(c, &e2));
	clock_ms += 4999;
	CHECK(present(c, 1));
	clock_ms += 1;		/* e1 is exactly 10 s old */
	CHECK(!present(c, 1) && present(c, 2));
	CHECK(sesscache_count(c) == 1);
	clock_ms += 5000;	/* e2 expired too; an insert sweeps it */
	{
		struct sesscache_entry e3 = entry(3);

		CHECK(!sesscache_insert(c, &e3));
	}
	CHECK(sesscache_count(c) == 1 && present(c, 3));
	sesscache_free(c);
}

static void secrets_scrubbed(void)
{
	struct sesscache *c = sesscache_new(2, 10, &fake_clock);
	struct sesscache_entry e;

	uint8_t *control = OPENSSL_malloc(32);

	/* the detector sees a secret freed without scrubbing */
	freed_with_secret = 0;
	memset(control, SECRET_BYTE, 32);
	OPENSSL_free(control);
	CHECK(freed_with_secret == 1);

	freed_with_secret = 0;
	clock_ms = 0;
	for (uint8_t tag = 1; tag <= 4; tag++) {	/* evicts two */
		e = entry(tag);
		CHECK(!sesscache_insert(c, &e));
	}
	e = entry(4);
	CHECK(!sesscache_insert(c, &e));		/* replaces one */
	CHECK(!sesscache_remove(c, e.id, e.id_len));	/* removes one */
	clock_ms = 20000;
	CHECK(!present(c, 3));				/* expires one */
	e = entry(5);
	CHECK(!sesscache_insert(c, &e));
	sesscache_free(c);				/* frees the last */
	CHECK(freed_with_secret == 0);
	sesscache_entry_scrub(&e);
	CHECK(!holds_secret((uint8_t *)&e, sizeof(e)));
}

static void resumption_rules(void)
{
	struct sesscache_entry e = entry(1);
	const uint16_t offered[] = { 0xc02f, 0xc02b }, other[] = { 0xc030 };

	CHECK(sesscache_may_resume(&e, true, "example.com", offered, 2));
	CHECK(sesscache_may_resume(&e, true, "EXAMPLE.com", offered, 2));
	CHECK(!sesscache_may_resume(&e, false, "example.com", offered, 2));
	CHECK(!sesscache_may_resume(&e, true, "example.org", offered, 2));
	CHECK(!sesscache_may_resume(&e, true, NULL, offered, 2));
	CHECK(!sesscache_may_resume(&e, true, "example.com", other, 1));
	e.ems = false;		/* RFC 7627 5.3 */
	CHECK(!sesscache_may_resume(&e, true, "example.com", offered, 2));
	e = entry(1);
	e.server_name[0] = '\0';
	CHECK(sesscache_may_resume(&e, true, NULL, offered, 2));
	sesscache_entry_scrub(&e);
}

static void through_ops(void)
{
	struct sesscache *c = sesscache_new(4, 60, &fake_clock);
	struct sesscache_entry e = entry(9), out;
	struct sesscache_ops ops;

	sesscache_get_ops(c, &ops);
	CHECK(!ops.store(ops.arg, &e));
	CHECK(!ops.fetch(ops.arg, e.id, e.id_len, &out));
	CHECK(!memcmp(out.id, e.id, 32) && out.id_len == 32);
	CHECK(!ops.remove(ops.arg, e.id, e.id_len));
	CHECK(ops.fetch(ops.arg, e.id, e.id_len, &out) == -ENOENT);
	sesscache_entry_scrub(&out);
	sesscache_free(c);
}

/* ---- client cache ---- */

static void client_cache(void)
{
	struct sesscache_client *c = sesscache_client_new(2, 60, &fake_clock);
	uint8_t blob[64], got[64];
	size_t len = sizeof(got);
	char long_name[300];

	clock_ms = 0;
	memset(blob, SECRET_BYTE, sizeof(blob));
	CHECK(!sesscache_client_put(c, "Example.COM", 443, blob, 64));
	CHECK(!sesscache_client_get(c, "example.com", 443, got, &len));
	CHECK(len == 64 && !memcmp(got, blob, 64));
	len = sizeof(got);
	CHECK(sesscache_client_get(c, "example.com", 8443, got, &len) ==
	      -ENOENT);
	len = 10;
	CHECK(sesscache_client_get(c, "example.com", 443, got, &len) ==
	      -ENOBUFS && len == 64);
	/* "a:1" + port 1 must not collide with "a" + port 11 */
	CHECK(!sesscache_client_put(c, "a", 11, blob, 1));
	len = sizeof(got);
	CHECK(sesscache_client_get(c, "a:1", 1, got, &len) == -ENOENT);
	/* the third name evicts the first */
	CHECK(!sesscache_client_put(c, "b", 1, blob, 2));
	len = sizeof(got);
	CHECK(sesscache_client_get(c, "example.com", 443, got, &len) ==
	      -ENOENT);
	clock_ms = 60000;
	len = sizeof(got);
	CHECK(sesscache_client_get(c, "b", 1, got, &len) == -ENOENT);
	CHECK(!sesscache_client_put(c, "b", 1, blob, 2));
	CHECK(!sesscache_client_remove(c, "B", 1));
	CHECK(sesscache_client_remove(c, "B", 1) == -ENOENT);
	CHECK(sesscache_client_put(c, "", 1, blob, 2) == -EINVAL);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(sesscache_client_put(c, long_name, 1, blob, 2) == -EINVAL);
	freed_with_secret = 0;
	sesscache_client_free(c);
	CHECK(freed_with_secret == 0);
}

static void bad_sizes(void)
{
	CHECK(sesscache_new(0, 60, NULL) == NULL);
	CHECK(sesscache_client_new(0, 60, NULL) == NULL);
}

int main(void)
{
	/* before libcrypto allocates anything */
	int hooked = CRYPTO_set_mem_functions(test_malloc, test_realloc,
					      test_free);

	RUN(insert_lookup_remove);
	RUN(replace_same_id);
	RUN(fifo_eviction);
	RUN(many_entries);
	RUN(expiry_on_injected_clock);
	if (hooked)
		RUN(secrets_scrubbed);
	else
		tap_skip("secrets_scrubbed", "libcrypto allocator in use");
	RUN(resumption_rules);
	RUN(through_ops);
	RUN(client_cache);
	RUN(bad_sizes);
	return tap_done();
}
