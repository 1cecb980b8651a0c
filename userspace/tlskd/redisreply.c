// SPDX-License-Identifier: MIT
/* Redis replies, as tlskd reads them (redisreply.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "redisreply.h"

/* At most cap - 1 bytes of s (n long), control bytes as '?'. */
static void printable(char *out, size_t cap, const char *prefix,
		      const char *s, size_t n)
{
	size_t o = (size_t)snprintf(out, cap, "%s", prefix);

	if (o >= cap)
		return;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			out[o++] = s[i];
		else
			out[o++] = '?';
	}
	out[o] = '\0';
}

static void describe(const redisReply *r, char *why, size_t cap)
{
	static const char *const types[] = {
		[REDIS_REPLY_STRING] = "a string", [REDIS_REPLY_ARRAY] = "an array",
		[REDIS_REPLY_INTEGER] = "an integer", [REDIS_REPLY_NIL] = "nil",
		[REDIS_REPLY_STATUS] = "status ", [REDIS_REPLY_ERROR] = "",
	};

	if (!cap)
		return;
	if (!r) {
		printable(why, cap, "no reply (connection lost)", "", 0);
	} else if (r->type == REDIS_REPLY_ERROR ||
		   r->type == REDIS_REPLY_STATUS) {
		printable(why, cap, types[r->type], r->str ? r->str : "",
			  r->str ? r->len : 0);
	} else if (r->type >= REDIS_REPLY_STRING &&
		   r->type <= REDIS_REPLY_ERROR) {
		printable(why, cap, "unexpected reply: ", types[r->type],
			  strlen(types[r->type]));
	} else {
		printable(why, cap, "unexpected reply type", "", 0);
	}
}

int redis_reply_status(const redisReply *r, const char *expect, char *why,
		       size_t cap)
{
	if (r && r->type == REDIS_REPLY_STATUS && r->str &&
	    r->len == strlen(expect) && !memcmp(r->str, expect, r->len))
		return 0;
	describe(r, why, cap);
	return -EPROTO;
}

int redis_reply_entry(const redisReply *r, const struct fleet_keys *k,
		      const char *name, uint8_t *blob, size_t *len,
		      char *why, size_t cap)
{
	if (r && r->type == REDIS_REPLY_NIL)
		return -ENOENT;
	if (!r || r->type != REDIS_REPLY_STRING || !r->str) {
		describe(r, why, cap);
		return -EPROTO;
	}
	return fleet_open(k, name, (const uint8_t *)r->str, r->len, blob, len);
}

static bool is_string(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_STRING && r->str;
}

int redis_reply_ticket_keys(const redisReply *r, const struct fleet_keys *k,
			    struct fleet_tk *out, size_t cap, size_t *n,
			    unsigned *bad, char *bad_field, char *why,
			    size_t whycap)
{
	char field[FLEET_TK_FIELD_LEN + 1];

	*n = 0;
	*bad = 0;
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements % 2) {
		if (r && r->type == REDIS_REPLY_ARRAY)
			printable(why, whycap, "an odd number of elements", "",
				  0);
		else
			describe(r, why, whycap);
		return -EPROTO;
	}
	for (size_t i = 0; i < r->elements; i += 2) {
		const redisReply *f = r->element[i], *v = r->element[i + 1];

		if (!is_string(f) || !is_string(v)) {
			printable(why, whycap, "an element that is not a string",
				  "", 0);
			OPENSSL_cleanse(out, cap * sizeof(*out));
			*n = 0;
			return -EPROTO;
		}
		if (f->len == FLEET_TK_FIELD_LEN && *n < cap) {
			memcpy(field, f->str, f->len);
			field[f->len] = '\0';
			if (!fleet_tk_unwrap(k, field, (const uint8_t *)v->str,
					     v->len, &out[*n])) {
				(*n)++;
				continue;
			}
		}
		(*bad)++;
		printable(bad_field, FLEET_TK_FIELD_LEN + 1, "", f->str,
			  f->len < FLEET_TK_FIELD_LEN ? f->len :
			  FLEET_TK_FIELD_LEN);
	}
	return 0;
}
