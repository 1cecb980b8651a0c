/* SPDX-License-Identifier: MIT */
/*
 * What tlskd makes of Redis' replies (hiredis parses the protocol): kept
 * apart from the connection so that a fuzzer can feed it any reply.
 */
#ifndef TLSKD_REDISREPLY_H
#define TLSKD_REDISREPLY_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "fleet.h"

/* A GET of the entry called name: 0 and the opened blob (*len: its size
 * in, the blob's length out), -ENOENT (no such entry), -EPROTO (an error
 * or a reply that is not a string: why says which), -EBADMSG (not sealed
 * for name under these keys). */
int redis_reply_entry(const redisReply *r, const struct fleet_keys *k,
		      const char *name, uint8_t *blob, size_t *len,
		      char *why, size_t cap);
/* A reply that should be the status expect ("OK", "PONG"): 0, or -EPROTO
 * with a printable description of what came instead in why. */
int redis_reply_status(const redisReply *r, const char *expect, char *why,
		       size_t cap);

/*
 * An HGETALL of the ticket-key hash (FLEET_TK_HASH): field, value, ...
 * Fills out (at most cap keys, ascending active_from not guaranteed) and
 * *n; fields whose value does not open under k (altered, another fleet
 * key, not a ticket key) are skipped and counted in *bad, their names
 * (the last of them) in bad_field. 0, or -EPROTO with why (an error, not
 * an array, an odd count or a non-string element). Scrubs out on error.
 */
int redis_reply_ticket_keys(const redisReply *r, const struct fleet_keys *k,
			    struct fleet_tk *out, size_t cap, size_t *n,
			    unsigned *bad, char *bad_field, char *why,
			    size_t whycap);

#endif /* TLSKD_REDISREPLY_H */
