/* SPDX-License-Identifier: MIT */
/*
 * Session ticket keys shared by every profile and caller of the daemon.
 *
 * Generated keys rotate every `rotation` seconds; the previous
 * TICKET_KEYS_KEPT - 1 keys still open tickets, so a ticket stays usable
 * for at least (TICKET_KEYS_KEPT - 1) * rotation seconds.
 *
 * A fleet shares keys through a file instead (ticket-key-file): one key a
 * line, "NAME KEY" as 32 and 64 hex digits, the first line the key that
 * seals new tickets, the others only accepted. tlskd never rotates file
 * keys itself; whoever distributes the file does, and SIGHUP re-reads it
 * (docs/daemon.md describes the three-step rotation).
 *
 * Or the fleet shares keys through Redis (ticket-key-source = redis,
 * tkredis.c): every key has the time it starts sealing (active_from);
 * the key sealing is the newest whose time has come, later ones are only
 * accepted until then (known ahead on every machine), and an older key
 * is dropped once its successor has sealed for session-lifetime. Until
 * the first key arrives from Redis a local key seals (active_from 0).
 */
#ifndef TLSKD_TICKETS_H
#define TLSKD_TICKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "tlsk/engine.h"

#define TICKET_KEYS_MAX		16
#define TICKET_FILE_KEYS_MAX	8
#define TICKET_KEYS_KEPT	3

struct fleet_tk;

struct ticket_key {
	uint8_t name[16];
	uint8_t key[32];
	uint64_t created;	/* seconds, CLOCK_REALTIME */
	uint64_t active_from;	/* seals from then on (Redis keys) */
	bool fleet;		/* from Redis */
};

/* keys[] newest first (by active_from); [0] seals, except with Redis,
 * where the first whose active_from has come seals. */
struct ticket_store {
	struct ticket_key keys[TICKET_KEYS_MAX];
	unsigned n;
	unsigned rotation_s;
	unsigned lifetime_s;
	int from_file;
	int from_redis;
};

/* Generated keys (file == NULL) or the keys of file. 0 or negative errno
 * with the problem in *d (FILE:LINE). */
int tickets_load(struct ticket_store *ts, const char *file, int from_redis,
		 unsigned rotation_s, unsigned lifetime_s, struct conf_diag *d);
/* Replaces *ts with *fresh, keeping generated keys across a reload so that
 * tickets already issued stay valid; scrubs what is dropped. */
void tickets_replace(struct ticket_store *ts, struct ticket_store *fresh);
void tickets_scrub(struct ticket_store *ts);
/* The engine's view of the store (arg = ts). */
struct tlsk_ticket_keys tickets_source(struct ticket_store *ts);
/* Seconds since the sealing key was made (generated keys). */
uint64_t tickets_age(const struct ticket_store *ts);
/* The index of the key that seals now, or -1 (none). */
int tickets_current(const struct ticket_store *ts, uint64_t now);
/* Generated keys: a new sealing key at once. 0 or negative errno. */
int tickets_rotate_now(struct ticket_store *ts);
/* Redis: takes in the fleet's keys (new ones added, known ones updated,
 * keys still to come that Redis no longer has dropped; past ones stay),
 * then drops what is past its time (tickets_prune()). Returns how many
 * new keys stayed. */
unsigned tickets_merge(struct ticket_store *ts, const struct fleet_tk *set,
		       size_t n, uint64_t now);
/* Redis: drops keys whose successor has sealed for session-lifetime;
 * returns how many. Scrubs them. */
unsigned tickets_prune(struct ticket_store *ts, uint64_t now);
uint64_t tickets_now(void);

#endif /* TLSKD_TICKETS_H */
