/* SPDX-License-Identifier: MIT */
/*
 * What each tlskd libFuzzer harness provides besides the libFuzzer entry
 * point: seed inputs, so that replay.c can run the harness in `make check`
 * (seeds plus deterministic mutations of them) without clang.
 */
#ifndef TLSKD_FUZZ_H
#define TLSKD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes seed number i into buf and returns its length; 0: no more. */
size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap);

#endif /* TLSKD_FUZZ_H */
