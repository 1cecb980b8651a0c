// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tickets.h"

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

static int new_key(struct ticket_key *k)
{
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 ||
	    RAND_bytes(k->key, sizeof(k->key)) != 1)
		return -EIO;
	k->created = now_s();
	return 0;
}

/* Generated keys: a new sealing key when the current one is due. */
static void rotate_if_due(struct ticket_store *ts)
{
	struct ticket_key fresh;

	if (ts->from_file || (ts->n && now_s() - ts->keys[0].created <
				       ts->rotation_s))
		return;
	if (new_key(&fresh))
		return;		/* keep sealing with the old key */
	if (ts->n == TICKET_KEYS_KEPT)
		OPENSSL_cleanse(&ts->keys[--ts->n], sizeof(ts->keys[0]));
	memmove(&ts->keys[1], &ts->keys[0], ts->n * sizeof(ts->keys[0]));
	ts->keys[0] = fresh;
	ts->n++;
	OPENSSL_cleanse(&fresh, sizeof(fresh));
}

static int current_key(void *arg, uint8_t name[16], uint8_t key[32])
{
	struct ticket_store *ts = arg;

	rotate_if_due(ts);
	if (!ts->n)
		return -ENOENT;
	memcpy(name, ts->keys[0].name, 16);
	memcpy(key, ts->keys[0].key, 32);
	return 0;
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
	return ts->n && !ts->from_file ? now_s() - ts->keys[0].created : 0;
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
		if (ts->n == TICKET_KEYS_MAX) {
			conf_diag_add(d, true, file, lineno, "more than %d keys",
				      TICKET_KEYS_MAX);
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

int tickets_load(struct ticket_store *ts, const char *file,
		 unsigned rotation_s, struct conf_diag *d)
{
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->rotation_s = rotation_s;
	ts->from_file = file != NULL;
	rc = file ? load_file(ts, file, d) : 0;
	if (rc)
		tickets_scrub(ts);
	else if (!file)
		rotate_if_due(ts);
	return rc;
}

void tickets_replace(struct ticket_store *ts, struct ticket_store *fresh)
{
	/* Generated keys survive a reload; only their rotation may change. */
	if (!fresh->from_file && !ts->from_file && ts->n) {
		ts->rotation_s = fresh->rotation_s;
		tickets_scrub(fresh);
		return;
	}
	tickets_scrub(ts);
	*ts = *fresh;
	OPENSSL_cleanse(fresh, sizeof(*fresh));
}

void tickets_scrub(struct ticket_store *ts)
{
	OPENSSL_cleanse(ts, sizeof(*ts));
}
