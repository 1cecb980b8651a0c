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

#endif /* TLSKD_REDISREPLY_H */
