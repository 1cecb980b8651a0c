/* SPDX-License-Identifier: MIT */
/* Per-caller (uid) limits: connections and handshakes (see quota.c). */
#ifndef TLSKD_QUOTA_H
#define TLSKD_QUOTA_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon;

/* Counts one more for uid; false, counting nothing, at its limit (or out
 * of memory). Each successful take MUST be matched by one put. */
bool uid_conn_take(struct daemon *d, uid_t uid);
void uid_conn_put(struct daemon *d, uid_t uid);
bool uid_hs_take(struct daemon *d, uid_t uid);
void uid_hs_put(struct daemon *d, uid_t uid);
void uid_table_free(struct daemon *d);

#endif /* TLSKD_QUOTA_H */
