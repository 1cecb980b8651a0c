/* SPDX-License-Identifier: MIT */
/*
 * Bounds-checked reader and growable writer for TLS wire encodings.
 *
 * Both carry a sticky "bad" flag: once a read runs past the end (or a
 * write fails to allocate, or a vector outgrows its length prefix) every
 * later call is a no-op returning zeros, so parsers check once at the end
 * instead of after every field.
 */
#ifndef TLSK_CODEC_H
#define TLSK_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

void rd_init(struct rd *r, const uint8_t *p, size_t len);
uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u24(struct rd *r);
uint32_t rd_u32(struct rd *r);
/* n bytes in place, or NULL (and bad) when fewer remain */
const uint8_t *rd_bytes(struct rd *r, size_t n);
/* A vector with a lenbytes-byte length prefix whose length lies in
 * [min, max]; *sub reads its contents. False (and bad) otherwise. */
bool rd_vec(struct rd *r, size_t lenbytes, size_t min, size_t max,
	    struct rd *sub);
size_t rd_left(const struct rd *r);
const uint8_t *rd_ptr(const struct rd *r);
/* true when every byte was consumed and nothing overran */
bool rd_done(const struct rd *r);

#define BUF_MAX_LEN (1u << 24)

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool bad;
};

void buf_put(struct buf *b, const void *data, size_t n);
/* n more zeroed bytes at the end, to be written in place; NULL if bad */
uint8_t *buf_append(struct buf *b, size_t n);
void buf_u8(struct buf *b, uint8_t v);
void buf_u16(struct buf *b, uint16_t v);
void buf_u24(struct buf *b, uint32_t v);
void buf_u32(struct buf *b, uint32_t v);
void buf_u64(struct buf *b, uint64_t v);
/* Reserve a lenbytes-byte length prefix; returns its position for
 * buf_close_vec(), which patches it (bad if the contents do not fit). */
size_t buf_open_vec(struct buf *b, size_t lenbytes);
void buf_close_vec(struct buf *b, size_t pos, size_t lenbytes);
/* drop the first n bytes */
void buf_consume(struct buf *b, size_t n);
/* scrub and empty, keeping nothing allocated */
void buf_free(struct buf *b);
void buf_reset(struct buf *b);

#endif /* TLSK_CODEC_H */
