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

int exts_read(struct tlsk_engine *e, struct rd *r, struct exts *x,
	      const uint16_t *allowed, bool ignore_unknown, const char *where)
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
			return fail(e, ALERT_UNSUPPORTED_EXTENSION, -EPROTO,
				    "unexpected extension %u in %s", type,
				    where);
		}
		if (x->n == EXT_MAX)	/* an `allowed` list too long */
			return fail(e, ALERT_INTERNAL_ERROR, -E2BIG,
				    "too many extension types for %s", where);
		x->type[x->n] = type;
		x->data[x->n++] = data;
	}
	return 0;
}

struct rd *exts_get(struct exts *x, uint16_t type)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->type[i] == type)
			return &x->data[i];
	return NULL;
}
