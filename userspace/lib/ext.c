// SPDX-License-Identifier: MIT
#include "ext.h"

#include <errno.h>

#include "engine_int.h"

static bool listed(const uint16_t *allowed, uint16_t type)
{
	for (; *allowed != EXT_LIST_END; allowed++)
		if (*allowed == type)
			return true;
	return false;
}

int exts_read(struct tlsk_engine *e, struct rd *r, struct exts *x,
	      const uint16_t *allowed, bool ignore_unknown, const char *where)
{
	struct rd list;

	x->n = 0;
	if (!rd_left(r))	/* no extensions block at all */
		return 0;
	if (!rd_vec(r, 2, 0, 0xffff, &list))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed extensions in %s", where);
	while (rd_left(&list)) {
		uint16_t type = rd_u16(&list);
		struct rd data;

		if (!rd_vec(&list, 2, 0, 0xffff, &data))
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "malformed extension in %s", where);
		for (size_t i = 0; i < x->n; i++)
			if (x->type[i] == type)
				return fail(e, ALERT_ILLEGAL_PARAMETER, -EPROTO,
					    "duplicate extension %u in %s",
					    type, where);
		if (!listed(allowed, type) && !ignore_unknown)
			return fail(e, ALERT_UNSUPPORTED_EXTENSION, -EPROTO,
				    "unexpected extension %u in %s", type,
				    where);
		if (x->n == EXT_MAX)
			return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
				    "too many extensions in %s", where);
		/* unknown ones are recorded too, for duplicate checks and
		 * for "pre_shared_key comes last" */
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
