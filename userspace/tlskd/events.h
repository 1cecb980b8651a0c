/* SPDX-License-Identifier: MIT */
/*
 * tlsk.ko's netlink "events" group, logged by tlskd (see events.c). The
 * watch lives in struct daemon; these are the loop's verbs for it.
 */
#ifndef TLSKD_EVENTS_H
#define TLSKD_EVENTS_H

#include <stdint.h>

struct daemon;

/* Resolves the family and joins the group if it can; never fails. */
void events_start(struct daemon *d);
/* SIGHUP: resolves again (tlsk.ko loaded, reloaded or unloaded since). */
void events_refresh(struct daemon *d);
/* From the loop: retries a family that was absent, when it is time. */
void events_tick(struct daemon *d, uint64_t now);
/* The next retry (CLOCK_MONOTONIC ms), or UINT64_MAX for none. */
uint64_t events_next_retry(const struct daemon *d);
void events_stop(struct daemon *d);

struct nl_events;
struct nlmsghdr;
/*
 * One message of the family, already known to come from the kernel:
 * logged and counted, or counted as dropped. h->nlmsg_len bytes at h MUST
 * be readable; nothing else about them is trusted. (For tests.)
 */
void events_handle(struct nl_events *ev, struct nlmsghdr *h);

#endif /* TLSKD_EVENTS_H */
