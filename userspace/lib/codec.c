// SPDX-License-Identifier: MIT
#include "codec.h"

#include <openssl/crypto.h>
#include <string.h>

void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
	r->bad = false;
}

size_t rd_left(const struct rd *r)
{
	return r->bad ? 0 : r->len - r->off;
}

const uint8_t *rd_ptr(const struct rd *r)
{
	return r->p + r->off;
}

bool rd_done(const struct rd *r)
{
	return !r->bad && r->off == r->len;
}

const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint32_t rd_be(struct rd *r, size_t n)
{
	const uint8_t *p = rd_bytes(r, n);
	uint32_t v = 0;

	for (size_t i = 0; p && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

uint8_t rd_u8(struct rd *r)
{
	return (uint8_t)rd_be(r, 1);
}

uint16_t rd_u16(struct rd *r)
{
	return (uint16_t)rd_be(r, 2);
}

uint32_t rd_u24(struct rd *r)
{
	return rd_be(r, 3);
}

uint32_t rd_u32(struct rd *r)
{
	return rd_be(r, 4);
}

bool rd_vec(struct rd *r, size_t lenbytes, size_t min, size_t max,
	    struct rd *sub)
{
	size_t n = rd_be(r, lenbytes);
	const uint8_t *p;

	if (r->bad || n < min || n > max) {
		r->bad = true;
		rd_init(sub, NULL, 0);
		sub->bad = true;
		return false;
	}
	p = rd_bytes(r, n);
	rd_init(sub, p, n);
	sub->bad = r->bad;
	return !r->bad;
}

static bool buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->bad || n > BUF_MAX_LEN - b->len) {
		b->bad = true;
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	/* Buffers may hold secrets: never leave a copy behind in freed
	 * memory, so grow by copy-and-scrub instead of realloc(). */
	p = OPENSSL_malloc(cap);
	if (!p) {
		b->bad = true;
		return false;
	}
	if (b->p) {
		memcpy(p, b->p, b->len);
		OPENSSL_clear_free(b->p, b->cap);
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void buf_put(struct buf *b, const void *data, size_t n)
{
	if (!n || !buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

uint8_t *buf_append(struct buf *b, size_t n)
{
	if (!buf_reserve(b, n))
		return NULL;
	memset(b->p + b->len, 0, n);
	b->len += n;
	return b->p + b->len - n;
}

static void buf_be(struct buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];

	for (size_t i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	buf_put(b, tmp, n);
}

void buf_u8(struct buf *b, uint8_t v)
{
	buf_be(b, v, 1);
}

void buf_u16(struct buf *b, uint16_t v)
{
	buf_be(b, v, 2);
}

void buf_u24(struct buf *b, uint32_t v)
{
	buf_be(b, v, 3);
}

void buf_u32(struct buf *b, uint32_t v)
{
	buf_be(b, v, 4);
}

void buf_u64(struct buf *b, uint64_t v)
{
	buf_be(b, v, 8);
}

size_t buf_open_vec(struct buf *b, size_t lenbytes)
{
	size_t pos = b->len;

	buf_be(b, 0, lenbytes);
	return pos;
}

void buf_close_vec(struct buf *b, size_t pos, size_t lenbytes)
{
	size_t n;

	if (b->bad)
		return;
	n = b->len - pos - lenbytes;
	if (lenbytes < sizeof(size_t) && n >> (8 * lenbytes)) {
		b->bad = true;
		return;
	}
	for (size_t i = 0; i < lenbytes; i++)
		b->p[pos + i] = (uint8_t)(n >> (8 * (lenbytes - 1 - i)));
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	OPENSSL_cleanse(b->p + b->len, n);
}

void buf_reset(struct buf *b)
{
	if (b->p)
		OPENSSL_cleanse(b->p, b->len);
	b->len = 0;
	b->bad = false;
}

void buf_free(struct buf *b)
{
	if (b->p)
		OPENSSL_clear_free(b->p, b->cap);
	memset(b, 0, sizeof(*b));
}
