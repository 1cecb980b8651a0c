// SPDX-License-Identifier: MIT
/* Codec: round trips, and rejection of every kind of short input. */
#include "codec.h"

#include <string.h>

#include "../../tests/tap.h"

static void roundtrip_integers(void)
{
	struct buf b = { 0 };
	struct rd r;

	buf_u8(&b, 0x01);
	buf_u16(&b, 0x0203);
	buf_u24(&b, 0x040506);
	buf_u32(&b, 0x0708090a);
	CHECK(!b.bad && b.len == 10);
	rd_init(&r, b.p, b.len);
	CHECK(rd_u8(&r) == 0x01);
	CHECK(rd_u16(&r) == 0x0203);
	CHECK(rd_u24(&r) == 0x040506);
	CHECK(rd_u32(&r) == 0x0708090a);
	CHECK(rd_done(&r));
	buf_free(&b);
}

static void roundtrip_nested_vectors(void)
{
	struct buf b = { 0 };
	struct rd r, outer, inner;
	size_t o, i;

	o = buf_open_vec(&b, 2);
	i = buf_open_vec(&b, 1);
	buf_put(&b, "abc", 3);
	buf_close_vec(&b, i, 1);
	buf_close_vec(&b, o, 2);
	CHECK(!b.bad && b.len == 6);
	rd_init(&r, b.p, b.len);
	CHECK(rd_vec(&r, 2, 1, 100, &outer));
	CHECK(rd_vec(&outer, 1, 3, 3, &inner));
	CHECK(rd_left(&inner) == 3 && !memcmp(rd_ptr(&inner), "abc", 3));
	CHECK(rd_done(&outer) && rd_done(&r));
	buf_free(&b);
}

static void reject_short_reads(void)
{
	static const uint8_t two[] = { 0x00, 0x05 };
	struct rd r, sub;

	rd_init(&r, two, 1);
	CHECK(rd_u16(&r) == 0 && r.bad);
	CHECK(rd_u8(&r) == 0 && r.bad);		/* sticky */
	rd_init(&r, two, 2);
	CHECK(!rd_vec(&r, 2, 0, 100, &sub));	/* claims 5, has 0 */
	CHECK(r.bad && sub.bad && rd_left(&sub) == 0);
	rd_init(&r, two, 2);
	CHECK(rd_bytes(&r, 3) == NULL && r.bad);
}

static void reject_vector_bounds(void)
{
	static const uint8_t v[] = { 0x02, 'h', 'i' };
	struct rd r, sub;

	rd_init(&r, v, 3);
	CHECK(!rd_vec(&r, 1, 3, 10, &sub));	/* below minimum */
	rd_init(&r, v, 3);
	CHECK(!rd_vec(&r, 1, 0, 1, &sub));	/* above maximum */
	rd_init(&r, v, 3);
	CHECK(rd_vec(&r, 1, 2, 2, &sub) && rd_done(&r));
}

static void reject_oversized_vector(void)
{
	struct buf b = { 0 };
	uint8_t big[300] = { 0 };
	size_t pos;

	pos = buf_open_vec(&b, 1);
	buf_put(&b, big, sizeof(big));
	buf_close_vec(&b, pos, 1);
	CHECK(b.bad);
	buf_free(&b);
}

static void consume_keeps_rest(void)
{
	struct buf b = { 0 };

	buf_put(&b, "hello", 5);
	buf_consume(&b, 2);
	CHECK(b.len == 3 && !memcmp(b.p, "llo", 3));
	buf_consume(&b, 10);
	CHECK(b.len == 0);
	buf_free(&b);
}

int main(void)
{
	RUN(roundtrip_integers);
	RUN(roundtrip_nested_vectors);
	RUN(reject_short_reads);
	RUN(reject_vector_bounds);
	RUN(reject_oversized_vector);
	RUN(consume_keeps_rest);
	return tap_done();
}
