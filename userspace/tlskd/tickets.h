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
 */
#ifndef TLSKD_TICKETS_H
#define TLSKD_TICKETS_H

#include <stdint.h>

#include "conf.h"
#include "tlsk/engine.h"

#define TICKET_KEYS_MAX		8
#define TICKET_KEYS_KEPT	3

struct ticket_key {
	uint8_t name[16];
	uint8_t key[32];
	uint64_t created;	/* seconds, CLOCK_REALTIME */
};

struct ticket_store {
	struct ticket_key keys[TICKET_KEYS_MAX];	/* [0] seals */
	unsigned n;
	unsigned rotation_s;
	int from_file;
};

/* Generated keys (file == NULL) or the keys of file. 0 or negative errno
 * with the problem in *d (FILE:LINE). */
int tickets_load(struct ticket_store *ts, const char *file,
		 unsigned rotation_s, struct conf_diag *d);
/* Replaces *ts with *fresh, keeping generated keys across a reload so that
 * tickets already issued stay valid; scrubs what is dropped. */
void tickets_replace(struct ticket_store *ts, struct ticket_store *fresh);
void tickets_scrub(struct ticket_store *ts);
/* The engine's view of the store (arg = ts). */
struct tlsk_ticket_keys tickets_source(struct ticket_store *ts);
/* Seconds since the sealing key was made (generated keys). */
uint64_t tickets_age(const struct ticket_store *ts);

#endif /* TLSKD_TICKETS_H */
