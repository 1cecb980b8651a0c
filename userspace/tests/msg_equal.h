/* SPDX-License-Identifier: MIT */
/*
 * Equality of decoded tlskd wire messages (tlsk/service.h), member by
 * member, for the protocol's round-trip test and fuzzer. memcmp() of the
 * whole struct would compare padding and the bytes after each string's
 * NUL, which a decoder need not set.
 */
#ifndef TLSK_TESTS_MSG_EQUAL_H
#define TLSK_TESTS_MSG_EQUAL_H

#include <stdbool.h>
#include <string.h>

#include "tlsk/service.h"

/* Strings in fixed arrays: equal up to the NUL, never read past the end. */
#define STR_EQ(a, b, m) (strncmp((a)->m, (b)->m, sizeof((a)->m)) == 0)

static inline bool request_equal(const struct tlsk_request *a,
				 const struct tlsk_request *b)
{
	return a->type == b->type && a->id == b->id && a->role == b->role &&
	       STR_EQ(a, b, profile) && STR_EQ(a, b, server_name) &&
	       STR_EQ(a, b, alpn) && a->timeout_ms == b->timeout_ms &&
	       a->rotate == b->rotate;
}

static inline bool result_equal(const struct tlsk_result *a,
				const struct tlsk_result *b)
{
	return a->status == b->status && a->version == b->version &&
	       a->suite == b->suite && STR_EQ(a, b, suite_name) &&
	       STR_EQ(a, b, group) && STR_EQ(a, b, alpn) &&
	       a->resumed == b->resumed && STR_EQ(a, b, peer_subject) &&
	       STR_EQ(a, b, peer_sans) && a->alert == b->alert &&
	       a->alert_received == b->alert_received &&
	       STR_EQ(a, b, reason) && a->ulp == b->ulp &&
	       a->proxied == b->proxied && a->conn == b->conn;
}

/* Ticket-key replies: the members, and each listed key's. */
static inline bool ticket_keys_equal(const struct tlsk_ticket_keys_info *a,
				     const struct tlsk_ticket_keys_info *b)
{
	if (a->status != b->status || !STR_EQ(a, b, reason) ||
	    a->source != b->source || a->redis != b->redis ||
	    a->rotation_s != b->rotation_s || a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n && i < TLSK_TICKET_KEYS_MAX; i++) {
		const struct tlsk_ticket_key_info *x = &a->keys[i];
		const struct tlsk_ticket_key_info *y = &b->keys[i];

		if (!STR_EQ(x, y, id) || x->state != y->state ||
		    x->age_s != y->age_s || x->active_s != y->active_s)
			return false;
	}
	return true;
}

#undef STR_EQ

#endif /* TLSK_TESTS_MSG_EQUAL_H */
