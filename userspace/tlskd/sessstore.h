/* SPDX-License-Identifier: MIT */
/*
 * TLS 1.2 session-ID resumption for every profile of the daemon: one
 * store outliving configuration reloads, so a SIGHUP keeps the sessions.
 * Each profile sees only its own (the key is the profile's name and the
 * session ID): a session made under one profile's policy never resumes
 * under another's.
 */
#ifndef TLSKD_SESSSTORE_H
#define TLSKD_SESSSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsk/engine.h"

/* The daemon's store, sized to cap entries (0: off; a new size drops
 * every session). Returns 0 or -ENOMEM. */
int sess_store_configure(size_t cap);
void sess_store_free(void);
size_t sess_store_count(void);
/* Callbacks for tlsk_config_set_session_store(); arg: the profile name
 * (a string living as long as the configuration). */
struct tlsk_session_store sess_store_for(const char *profile);

/* A second level behind the store (redis.c): put sees every session the
 * engines store (NULL: none). Entries fetched from it go in with
 * sess_store_put_local(), which does not hand them back to put. */
typedef void sess_l2_put_fn(const char *profile, const uint8_t *id,
			    size_t id_len, const uint8_t *blob, size_t len);
void sess_store_set_l2(sess_l2_put_fn *put);
int sess_store_put_local(const char *profile, const uint8_t *id,
			 size_t id_len, const uint8_t *blob, size_t len);
bool sess_store_has(const char *profile, const uint8_t *id, size_t id_len);

#endif /* TLSKD_SESSSTORE_H */
