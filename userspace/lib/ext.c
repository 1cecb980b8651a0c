// SPDX-License-Identifier: MIT
#include "ext.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "engine_int.h"

#define TYPE_WORDS (65536 / (sizeof(unsigned long) * CHAR_BIT))
#define WORD_BITS (sizeof(unsigned long) * CHAR_BIT)

static bool listed(const uint16_t *allowed, uint16_t type)
{
	for (; *allowed != EXT_LIST_END; allowed++)
		if (*allowed == type)
			return true;
	return false;
}

/* marks type as seen; false when it already was */
static bool first_sighting(unsigned long *seen, uint16_t type)
{
	unsigned long bit = 1UL << (type % WORD_BITS);

	if (seen[type / WORD_BITS] & bit)
		return false;
	seen[type / WORD_BITS] |= bit;
	return true;
}

/* RFC 8446 4.2's table, and RFC 8449's record_size_limit: the
 * extensions a TLS 1.3 endpoint recognises, used or not */
static const uint16_t known13[] = { EXT_SERVER_NAME, 1, 5,
	EXT_SUPPORTED_GROUPS, EXT_SIGNATURE_ALGORITHMS, 14, 15, EXT_ALPN, 18,
	19, 20, 21, EXT_RECORD_SIZE_LIMIT, EXT_PRE_SHARED_KEY, EXT_EARLY_DATA,
	EXT_SUPPORTED_VERSIONS, EXT_COOKIE, EXT_PSK_KEY_EXCHANGE_MODES, 47,
	48, 49, EXT_SIGNATURE_ALGORITHMS_CERT, EXT_KEY_SHARE, EXT_LIST_END };

/* the alert for an extension `allowed` does not list */
static uint8_t not_allowed_alert(uint16_t type, const uint16_t *specified)
{
	/* RFC 8446 4.2: recognised, but not specified for this message */
	if (specified && !listed(specified, type) && listed(known13, type))
		return ALERT_ILLEGAL_PARAMETER;
	/* a response to nothing we sent (RFC 8446 4.2, RFC 5246 7.4.1.4) */
	return ALERT_UNSUPPORTED_EXTENSION;
}

static int read_block(struct tlsk_engine *e, struct rd *r, struct exts *x,
		      const uint16_t *allowed, bool ignore_unknown,
		      const uint16_t *specified, const char *where)
{
	unsigned long seen[TYPE_WORDS];
	struct rd list;

	x->n = 0;
	x->last = EXT_LIST_END;
	if (!rd_left(r))	/* no extensions block at all */
		return 0;
	if (!rd_vec(r, 2, 0, 0xffff, &list))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed extensions in %s", where);
	memset(seen, 0, sizeof(seen));
	while (rd_left(&list)) {
		uint16_t type = rd_u16(&list);
		struct rd data;

		if (!rd_vec(&list, 2, 0, 0xffff, &data))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "extension runs past the extensions "
				    "in %s", where);
		if (!first_sighting(seen, type))
			return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
				    "duplicate extension %u in %s",
				    type, where);
		x->last = type;
		if (!listed(allowed, type)) {
			if (ignore_unknown)
				continue;
			return fail(e, not_allowed_alert(type, specified),
				    -EPROTO, "unexpected extension %u in %s",
				    type, where);
		}
		if (x->n == EXT_MAX)	/* an `allowed` list too long */
			return fail(e, ALERT_INTERNAL_ERROR, -E2BIG,
				    "too many extension types for %s", where);
		x->type[x->n] = type;
		x->data[x->n++] = data;
	}
	return 0;
}

int exts_read(struct tlsk_engine *e, struct rd *r, struct exts *x,
	      const uint16_t *allowed, bool ignore_unknown, const char *where)
{
	return read_block(e, r, x, allowed, ignore_unknown, NULL, where);
}

int exts_read13_response(struct tlsk_engine *e, struct rd *r, struct exts *x,
			 const uint16_t *allowed, const uint16_t *specified,
			 const char *where)
{
	return read_block(e, r, x, allowed, false, specified, where);
}

struct rd *exts_get(struct exts *x, uint16_t type)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->type[i] == type)
			return &x->data[i];
	return NULL;
}
