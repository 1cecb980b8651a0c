/* SPDX-License-Identifier: MIT */
/*
 * The fleet's ticket keys in Redis (ticket-key-source = redis), on the
 * session store's connection (redis.h) plus a second one SUBSCRIBEd to a
 * channel.
 *
 * Redis holds one hash, FLEET_TK_HASH: field = a key's name in hex,
 * value = the key wrapped under the fleet key (fleet.h), with the time
 * it starts sealing (active_from). There is always one key ahead, "next":
 * every machine has it before it seals anything, so a ticket sealed
 * anywhere opens everywhere. When "next" becomes current, the first
 * machine to notice takes a lock (SET lock token NX PX), reads the hash
 * again, makes the new "next" (active_from = the current's + rotation),
 * deletes keys whose successor has sealed for session-lifetime, and
 * PUBLISHes on the channel; the others read the hash when told, and
 * every few seconds anyway (HGETALL), so a lost message costs seconds.
 * `tlskctl ticket-keys rotate` does the same at once: "next" seals from
 * now, and a new "next" is made.
 *
 * Redis unreachable: the keys this machine has stay, seal and open as
 * their times say (a "next" already known still takes over on time);
 * one warning when that starts, one notice when it ends.
 */
#ifndef TLSKD_TKREDIS_H
#define TLSKD_TKREDIS_H

#include <stdint.h>

struct daemon;

/* Follows d->gen's ticket-key-source (after redis_configure()). */
void tkr_configure(struct daemon *d);
void tkr_stop(struct daemon *d);
uint64_t tkr_next_timer(void);
void tkr_tick(struct daemon *d, uint64_t now);
/* tlskctl ticket-keys rotate: 0 (it happens within seconds), -EOPNOTSUPP
 * (keys not from Redis), -ENOTCONN (Redis unreachable). */
int tkr_rotate(struct daemon *d);
/* 0: keys not from Redis; else as redis_state(). */
unsigned tkr_state(uint64_t *down_s);

#endif /* TLSKD_TKREDIS_H */
