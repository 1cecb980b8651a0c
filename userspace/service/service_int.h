/* SPDX-License-Identifier: MIT */
/* Shared by the in-process service API and tlskd; not installed. */
#ifndef TLSK_SERVICE_INT_H
#define TLSK_SERVICE_INT_H

#include "tlsk/service.h"

/*
 * Fills what a reply reports from an engine: the session (version, suite,
 * ALPN, resumed, peer) after ESTABLISHED, or the alert and reason after
 * FAILED; err is the driver's error (0 on success). Copies names only:
 * nothing secret leaves the engine through here.
 */
void tlsk_result_from_engine(struct tlsk_result *res,
			     const struct tlsk_engine *e, int err);

/* Sets status (positive errno) and reason of a failure found outside the
 * engine (bad request, timeout, ...). */
void tlsk_result_fail(struct tlsk_result *res, int err, const char *reason);

/*
 * Installs both directions of e's keys on fd with tlsk_kernel_install():
 * "tlsk", else "tls" (as flags allow), without taking fd over, so that the
 * caller's descriptor stays a plain kTLS socket. Returns the ULP used
 * (>= 0) or a negative errno: -ENOPROTOOPT when no kernel record layer
 * took the keys (fd is still plain TCP). Every key copy is scrubbed.
 */
int tlsk_install_kernel_keys(const struct tlsk_engine *e, int fd,
			     unsigned int flags);

/*
 * Closes the connections to tlskd that tlsk_handshake() and
 * tlsk_handshake_start() keep for later requests (client.c); the next
 * request connects anew. For tests that count descriptors.
 */
void tlsk_service_drop_kept(void);

#endif /* TLSK_SERVICE_INT_H */
