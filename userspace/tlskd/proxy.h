/* SPDX-License-Identifier: MIT */
#ifndef TLSKD_PROXY_H
#define TLSKD_PROXY_H

#include "daemon.h"

/* Frees the relays that ended during the last epoll batch. */
void proxy_reap(struct daemon *d);
/* Ends every relay (close_notify to each peer): tlskd is stopping. */
void proxy_stop_all(struct daemon *d);

#endif /* TLSKD_PROXY_H */
