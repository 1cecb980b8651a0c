/* SPDX-License-Identifier: MIT */
/*
 * libtlsk fuzz harnesses. Each harness file defines the libFuzzer entry
 * point and fuzz_seed(), which yields the i-th seed input (a real message
 * or flight, built at run time) or 0 when there are no more. The same
 * file links either with libFuzzer (make fuzz, clang) or with smoke.c
 * (make check: seeds plus deterministic mutations, under any compiler).
 */
#ifndef TLSK_FUZZ_H
#define TLSK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "tlsk/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap);

/* shared setup (common.c): configs with a throwaway certificate */
const struct tlsk_config *fuzz_server_config(void);
const struct tlsk_config *fuzz_client_config(void);
/* feed `data` to an engine the way a driver would: in the sizes it asks
 * for, draining its output, until it stops wanting or data runs out */
void fuzz_feed(struct tlsk_engine *e, const uint8_t *data, size_t size);
/* the client's first flight, and the server's answer to it */
size_t fuzz_client_flight(uint8_t *buf, size_t cap);
size_t fuzz_server_flight(uint8_t *buf, size_t cap);
/* every byte `role` sent in a TLS 1.2 handshake with client auth */
size_t fuzz_tls12_exchange(enum tlsk_role role, uint8_t *buf, size_t cap);

#endif /* TLSK_FUZZ_H */
