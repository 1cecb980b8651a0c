/* SPDX-License-Identifier: MIT */
/* Per-caller (uid) limits: connections and handshakes (see quota.c). */
#ifndef TLSKD_QUOTA_H
#define TLSKD_QUOTA_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon;

#define REFUSED_PER_UID	8

enum quota {
	QUOTA_CONNS,	/* max-connections-per-uid */
	QUOTA_HS,	/* max-handshakes-per-uid */
	QUOTA_RELAYS,	/* max-relays-per-uid */
	QUOTA_STALLED,	/* calls left waiting on its sockets (stall.c) */
	QUOTA_REFUSED,	/* connections over QUOTA_CONNS kept to be told so:
			 * at most REFUSED_PER_UID, the rest closed at once */
	QUOTA_KINDS
};

/* Counts one more q for uid; false, counting nothing, at its limit (or
 * out of memory). Each successful take MUST be matched by one put. */
bool uid_take(struct daemon *d, uid_t uid, enum quota q);
void uid_put(struct daemon *d, uid_t uid, enum quota q);
/* How many q uid holds now. */
unsigned uid_held(struct daemon *d, uid_t uid, enum quota q);
void uid_table_free(struct daemon *d);

#endif /* TLSKD_QUOTA_H */
