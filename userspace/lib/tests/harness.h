/* SPDX-License-Identifier: MIT */
/* In-memory drivers for engine tests: two engines (or an engine and an
 * OpenSSL peer) connected by byte pipes, honouring tlsk_engine_want(). */
#ifndef TLSK_HARNESS_H
#define TLSK_HARNESS_H

#include <stdbool.h>

#include "codec.h"
#include "tlsk/engine.h"

struct pipe_end {
	struct buf in;		/* bytes sent to this engine, not yet read */
};

/* Move one engine's output into the pipe toward the other. */
void drain_output(struct tlsk_engine *e, struct buf *to);
/* Feed an engine exactly what it wants from `from`, in chunks of at most
 * `chunk` bytes (0: as much as it wants). True if anything moved. */
bool feed_input(struct tlsk_engine *e, struct buf *from, size_t chunk);
/* Run both to completion; the pipes keep what was not read (tickets). */
void run_pair(struct tlsk_engine *c, struct tlsk_engine *s, struct buf *c2s,
	      struct buf *s2c, size_t chunk);
/* Read protected records left in `from` with the client's exported RX
 * keys, as a kernel would, passing handshake messages (tickets) to
 * tlsk_engine_post_handshake. Returns the number of messages, or -1. */
int read_post_handshake(struct tlsk_engine *c, struct buf *from);
/* Do both sides hold matching keys (c TX == s RX and c RX == s TX)?
 * client_rx_records: records the client read after the hand-off (with
 * read_post_handshake), which the server's TX seq already counts. */
bool keys_agree(struct tlsk_engine *c, struct tlsk_engine *s,
		uint64_t client_rx_records);

#endif /* TLSK_HARNESS_H */
