// SPDX-License-Identifier: MIT
/*
 * What one caller (a uid, from SO_PEERCRED) may hold at once: its
 * connections to tlskd and its handshakes in flight, against
 * max-connections-per-uid and max-handshakes-per-uid. Without them one
 * local user could take every slot of max-handshakes, or every descriptor
 * tlskd has, and stop the others' handshakes.
 *
 * A small table of the uids that hold anything, searched linearly: a host
 * has a handful of service users, and an entry goes when its counts reach
 * zero.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "quota.h"
#include "stall.h"

struct uid_use {
	uid_t uid;
	unsigned n[QUOTA_KINDS];	/* held, by enum quota */
};

static unsigned limit(const struct daemon *d, enum quota q)
{
	switch (q) {
	case QUOTA_CONNS:
		return d->gen->conf.max_connections_per_uid;
	case QUOTA_HS:
		return d->gen->conf.max_handshakes_per_uid;
	case QUOTA_RELAYS:
		return d->gen->conf.max_relays_per_uid;
	case QUOTA_STALLED:
		return STALL_MAX;	/* counted; stall.c bounds them */
	case QUOTA_REFUSED:
	case QUOTA_KINDS:
		break;
	}
	return REFUSED_PER_UID;
}

static struct uid_use *find(struct daemon *d, uid_t uid, bool create)
{
	struct uid_use *u;

	for (size_t i = 0; i < d->nuids; i++)
		if (d->uids[i].uid == uid)
			return &d->uids[i];
	if (!create)
		return NULL;
	if (d->nuids == d->uids_cap) {
		size_t cap = d->uids_cap ? 2 * d->uids_cap : 16;
		struct uid_use *n = realloc(d->uids, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->uids = n;
		d->uids_cap = cap;
	}
	u = &d->uids[d->nuids++];
	memset(u, 0, sizeof(*u));
	u->uid = uid;
	return u;
}

/* An entry that holds nothing goes (the last one takes its place). */
static void release(struct daemon *d, struct uid_use *u)
{
	for (int q = 0; q < QUOTA_KINDS; q++)
		if (u->n[q])
			return;
	*u = d->uids[--d->nuids];
}

bool uid_take(struct daemon *d, uid_t uid, enum quota q)
{
	struct uid_use *u = find(d, uid, true);

	if (!u)
		return false;
	if (u->n[q] >= limit(d, q)) {
		release(d, u);
		return false;
	}
	u->n[q]++;
	return true;
}

void uid_put(struct daemon *d, uid_t uid, enum quota q)
{
	struct uid_use *u = find(d, uid, false);

	if (u && u->n[q]) {
		u->n[q]--;
		release(d, u);
	}
}

unsigned uid_held(struct daemon *d, uid_t uid, enum quota q)
{
	struct uid_use *u = find(d, uid, false);

	return u ? u->n[q] : 0;
}

void uid_table_free(struct daemon *d)
{
	free(d->uids);
	d->uids = NULL;
	d->nuids = d->uids_cap = 0;
}
