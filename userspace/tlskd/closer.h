/* SPDX-License-Identifier: MIT */
/* Closing passed sockets off the loop's thread (see closer.c). */
#ifndef TLSKD_CLOSER_H
#define TLSKD_CLOSER_H

#include <stdbool.h>

/* Starts the closer thread; call with the loop's signals already blocked.
 * 0 or negative errno. */
int closer_start(void);
/* Closes fd on the closer thread; never blocks. Every descriptor of a
 * socket a service passed MUST be closed through here (or handed back to
 * the service). Before closer_start() or after closer_stop(), closes
 * inline. */
void closer_close(int fd);
/* For a descriptor a caller passed that may not be a socket at all: a
 * socket goes to closer_close(), anything else to the quarantine thread,
 * whose close() may wait forever (a FUSE file) without holding up the
 * sockets'. Never blocks. True when fd went to the quarantine. */
bool closer_close_untrusted(int fd);
/* What closer_close_untrusted() asks of fd: is it a socket? */
bool closer_is_socket(int fd);
/* Is the quarantine inside a close() or has it any left to close? */
bool closer_quarantine_busy(void);
/* Wakes the closer for what closer_close() queued: the loop calls it
 * before it waits (epoll_wait), so no descriptor waits for the next
 * event. */
void closer_flush(void);
/* Around a call in the loop's thread that may put the last reference of
 * a socket a caller passed without taking it (a recvmsg() that leaves the
 * message's descriptors to the kernel, the close() of a caller's
 * connection with messages unread): a linger in it ends within
 * CLOSE_SLICE_MS, as in the closer. No-ops before closer_start(). */
void closer_guard_begin(void);
void closer_guard_end(void);
/* Another thread runs the loop from now on (stall.c). */
void closer_loop_moved(void);
/* Closes what is queued, then ends the thread. */
void closer_stop(void);

#endif /* TLSKD_CLOSER_H */
