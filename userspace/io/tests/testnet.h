/* SPDX-License-Identifier: MIT */
/*
 * Shared by the io/ tests: loopback TCP pairs, ULP probing, the
 * version x cipher matrix and the record layers to try.
 */
#ifndef TLSK_IO_TESTS_TESTNET_H
#define TLSK_IO_TESTS_TESTNET_H

#include <stddef.h>
#include <stdint.h>

#include "tlsk/handoff.h"

/* One version x AEAD, with the suite's OpenSSL name. */
struct variant {
	const char *name;
	uint16_t version;
	enum tlsk_aead aead;
	const char *suite;
};

extern const struct variant test_variants[];
extern const size_t test_variant_count;

/* A record layer to hand off to, and the flags that force it. */
struct layer {
	const char *name;
	enum tlsk_ulp ulp;
	unsigned int flags;
};

extern const struct layer test_layers[];
extern const size_t test_layer_count;

/* fds[0] connected to fds[1] over 127.0.0.1, with 20 s send and receive
 * timeouts so that no test hangs; 0 or -1. */
int tcp_pair(int fds[2]);
/* Does this kernel attach ULP `name` to a TCP socket? */
int ulp_available(const char *name);
/* Does the kernel ULP accept new keys on a live socket (KeyUpdate)? */
int ulp_can_rekey(const char *name);
/* Is the layer usable here (userspace always is)? */
int layer_available(const struct layer *l);

void fill_pattern(uint8_t *buf, size_t len, unsigned int seed);

#endif
