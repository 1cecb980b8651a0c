// SPDX-License-Identifier: MIT
#include "harness.h"

#include <string.h>

#include "hsrecord.h"

void drain_output(struct tlsk_engine *e, struct buf *to)
{
	size_t n;
	const uint8_t *p = tlsk_engine_output(e, &n);

	if (n) {
		buf_put(to, p, n);
		tlsk_engine_output_done(e, n);
	}
}

bool feed_input(struct tlsk_engine *e, struct buf *from, size_t chunk)
{
	bool moved = false;
	size_t want;

	while ((want = tlsk_engine_want(e)) && from->len) {
		size_t n = want < from->len ? want : from->len;

		if (chunk && n > chunk)
			n = chunk;
		if (tlsk_engine_input(e, from->p, n) < 0) {
			buf_consume(from, n);
			return true;
		}
		buf_consume(from, n);
		moved = true;
	}
	return moved;
}

void run_pair(struct tlsk_engine *c, struct tlsk_engine *s, struct buf *c2s,
	      struct buf *s2c, size_t chunk)
{
	for (int i = 0; i < 10000; i++) {
		bool moved;

		drain_output(c, c2s);
		drain_output(s, s2c);
		moved = feed_input(s, c2s, chunk);
		moved |= feed_input(c, s2c, chunk);
		drain_output(c, c2s);
		drain_output(s, s2c);
		if (!moved && !tlsk_engine_want(c) && !tlsk_engine_want(s))
			break;
		if (!moved && (!c2s->len || !tlsk_engine_want(s)) &&
		    (!s2c->len || !tlsk_engine_want(c)))
			break;
	}
}

int read_post_handshake(struct tlsk_engine *c, struct buf *from)
{
	struct tlsk_traffic_keys k;
	struct tlsk_record *rx;
	int count = 0;

	/* what a driver does after the hand-off: a record layer from the
	 * exported keys */
	if (tlsk_engine_export_keys(c, TLSK_DIR_RX, &k))
		return -1;
	rx = tlsk_record_new(&k, 0);
	tlsk_keys_scrub(&k);
	while (rx && from->len >= REC_HDR_LEN) {
		size_t len = REC_HDR_LEN +
			     ((size_t)from->p[3] << 8 | from->p[4]);
		uint8_t type, *pt, alert;
		int n;
		struct rd r;

		if (from->len < len)
			break;
		n = tlsk_record_open(rx, from->p, len, &type, &pt);
		if (n < 0 || type != CT_HANDSHAKE) {
			count = -1;
			break;
		}
		rd_init(&r, pt, (size_t)n);
		while (rd_left(&r)) {
			uint8_t t = rd_u8(&r);
			struct rd msg;

			if (!rd_vec(&r, 3, 0, 0xffffff, &msg) ||
			    tlsk_engine_post_handshake(c, t, rd_ptr(&msg),
						       rd_left(&msg), &alert))
				count = -1000;
			count++;
		}
		buf_consume(from, len);
	}
	tlsk_record_free(rx);
	return rx ? count : -1;
}

static bool same_keys(const struct tlsk_traffic_keys *a,
		      const struct tlsk_traffic_keys *b)
{
	return a->aead == b->aead && a->key_len == b->key_len &&
	       !memcmp(a->key, b->key, a->key_len) && a->iv_len == b->iv_len &&
	       !memcmp(a->iv, b->iv, a->iv_len) &&
	       a->secret_len == b->secret_len &&
	       !memcmp(a->secret, b->secret, a->secret_len);
}

bool keys_agree(struct tlsk_engine *c, struct tlsk_engine *s,
		uint64_t client_rx_records)
{
	struct tlsk_traffic_keys ct, cr, st, sr;
	bool ok = !tlsk_engine_export_keys(c, TLSK_DIR_TX, &ct) &&
		  !tlsk_engine_export_keys(c, TLSK_DIR_RX, &cr) &&
		  !tlsk_engine_export_keys(s, TLSK_DIR_TX, &st) &&
		  !tlsk_engine_export_keys(s, TLSK_DIR_RX, &sr) &&
		  same_keys(&ct, &sr) && same_keys(&cr, &st) &&
		  ct.seq == sr.seq && cr.seq + client_rx_records == st.seq &&
		  !same_keys(&ct, &cr);

	tlsk_keys_scrub(&ct);
	tlsk_keys_scrub(&cr);
	tlsk_keys_scrub(&st);
	tlsk_keys_scrub(&sr);
	return ok;
}
