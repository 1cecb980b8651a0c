/* SPDX-License-Identifier: MIT */
/*
 * The socket driver: runs a struct tlsk_engine over a connected TCP socket
 * (blocking or non-blocking) and hands the connection to a record layer.
 *
 * The driver reads exactly what tlsk_engine_want() asks for, never more, so
 * when the handshake ends every byte behind the peer's last handshake record
 * (its application data, possibly in the same TCP segment as its Finished)
 * is still in the socket for the kernel or the userspace record layer.
 *
 * On an engine failure the alert the engine queued is sent before the
 * driver returns. Timeouts are for the whole handshake; < 0 means none.
 */
#ifndef TLSK_DRIVER_H
#define TLSK_DRIVER_H

#include "engine.h"
#include "handoff.h"

/*
 * Runs the handshake to ESTABLISHED (0; the engine's output is flushed) or
 * to an error: the engine's (see tlsk_engine_error()), -ETIMEDOUT,
 * -ECONNRESET (peer closed), or a socket errno.
 */
int tlsk_drive_handshake(struct tlsk_engine *e, int fd, int timeout_ms);

/*
 * After ESTABLISHED: export both directions' keys from e and
 * tlsk_conn_handoff(fd, ..., handoff_flags); the key copies are scrubbed.
 */
int tlsk_engine_handoff(const struct tlsk_engine *e, int fd,
			unsigned int handoff_flags, struct tlsk_conn **connp);

/*
 * tlsk_drive_handshake(), then export both directions' keys and
 * tlsk_conn_handoff(fd, ..., handoff_flags). On success the connection
 * owns fd; every key copy has been scrubbed.
 */
int tlsk_drive(struct tlsk_engine *e, int fd, int timeout_ms,
	       unsigned int handoff_flags, struct tlsk_conn **connp);

/*
 * Routes post-handshake messages read from c to e: NewSessionTicket to the
 * engine (so tlsk_engine_get_session() sees later tickets), KeyUpdate
 * handled here (new RX keys, and an answering KeyUpdate with new TX keys
 * when the peer requests one). e MUST outlive c's reads.
 */
void tlsk_conn_attach_engine(struct tlsk_conn *c, struct tlsk_engine *e);

#endif /* TLSK_DRIVER_H */
