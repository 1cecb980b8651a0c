// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "service_int.h"

static void copy_name(char *dst, size_t size, const char *src)
{
	size_t j = 0;

	/* Only what the wire protocol can carry: drop control bytes. */
	for (size_t i = 0; src && src[i] && j + 1 < size; i++)
		if ((unsigned char)src[i] >= 0x20 && src[i] != 0x7f)
			dst[j++] = src[i];
	dst[j] = '\0';
}

void tlsk_result_fail(struct tlsk_result *res, int err, const char *reason)
{
	res->status = err < 0 ? -err : err;
	copy_name(res->reason, sizeof(res->reason), reason);
}

static void fill_session(struct tlsk_result *res, const struct tlsk_engine *e)
{
	struct tlsk_session_info info;

	memset(&info, 0, sizeof(info));
	if (tlsk_engine_info(e, &info))
		return;
	res->version = info.version;
	res->suite = info.suite;
	res->resumed = info.resumed ? 1 : 0;
	copy_name(res->suite_name, sizeof(res->suite_name), info.suite_name);
	copy_name(res->group, sizeof(res->group), info.group);
	copy_name(res->alpn, sizeof(res->alpn), info.alpn);
	copy_name(res->peer_subject, sizeof(res->peer_subject), info.peer);
	/* -ENOSPC still leaves the entries that fit: better than none. */
	tlsk_engine_peer_sans(e, res->peer_sans, sizeof(res->peer_sans));
}

static void fill_error(struct tlsk_result *res, const struct tlsk_engine *e,
		       int err)
{
	const char *reason = NULL;
	uint8_t alert = 0;
	int received = 0;

	if (tlsk_engine_state(e) == TLSK_STATE_FAILED) {
		int eerr = tlsk_engine_error(e, &alert, &received, &reason);

		res->alert = alert;
		res->alert_received = received ? 1 : 0;
		if (eerr < 0)
			err = eerr;
	}
	if (!reason)
		reason = strerror(err < 0 ? -err : err);
	tlsk_result_fail(res, err ? err : -EPROTO, reason);
}

void tlsk_result_from_engine(struct tlsk_result *res,
			     const struct tlsk_engine *e, int err)
{
	if (err || tlsk_engine_state(e) != TLSK_STATE_ESTABLISHED)
		fill_error(res, e, err);
	else
		fill_session(res, e);
}
