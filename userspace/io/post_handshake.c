// SPDX-License-Identifier: MIT
/*
 * After the hand-off: post-handshake messages read by the record layer go
 * back to the engine (NewSessionTicket; TLS 1.2 renegotiation, which it
 * refuses with a no_renegotiation warning sent here), and KeyUpdate
 * (RFC 8446 4.6.3) is carried out on TLS 1.3 connections with the
 * engine's key schedule.
 */
#include <errno.h>

#include "tlsk/driver.h"

#define HS_KEY_UPDATE		24
#define ALERT_DECODE_ERROR	50
#define ALERT_ILLEGAL_PARAMETER	47

/* Moves one direction to the next traffic secret (RFC 8446 7.2). */
static int next_keys(struct tlsk_conn *c, enum tlsk_direction dir)
{
	struct tlsk_traffic_keys k = *tlsk_conn_keys(c, dir);
	int err = tlsk_keys_next(&k);

	if (!err)
		err = tlsk_conn_rekey(c, dir, &k);
	tlsk_keys_scrub(&k);
	return err;
}

/* RFC 8446 4.6.3: struct { KeyUpdateRequest request_update; }. */
static int key_update(struct tlsk_conn *c, const uint8_t *body, size_t len)
{
	static const uint8_t answer[] = { HS_KEY_UPDATE, 0, 0, 1, 0 };
	int err;

	if (len != 1 || body[0] > 1) {
		tlsk_conn_send_alert(c, len != 1 ? ALERT_DECODE_ERROR :
						   ALERT_ILLEGAL_PARAMETER);
		return -EBADMSG;
	}
	err = next_keys(c, TLSK_DIR_RX);
	if (err || body[0] == 0)
		return err;
	/* update_requested: answer under the old keys, then switch. */
	err = tlsk_conn_send_handshake(c, answer, sizeof(answer));
	return err ? err : next_keys(c, TLSK_DIR_TX);
}

static int post_handshake(void *arg, struct tlsk_conn *c, uint8_t type,
			  const uint8_t *body, size_t len)
{
	uint8_t alert = 0;
	int err;

	/* TLS 1.2 has no KeyUpdate: the engine refuses it */
	if (type == HS_KEY_UPDATE &&
	    tlsk_conn_keys(c, TLSK_DIR_RX)->version != 0x0303)
		return key_update(c, body, len);
	err = tlsk_engine_post_handshake(arg, type, body, len, &alert);
	/* TLS 1.2 renegotiation: refused with a warning, and we carry on */
	if (err == -ECANCELED)
		return tlsk_conn_send_warning(c, alert);
	if (err && alert)
		tlsk_conn_send_alert(c, alert);
	return err;
}

void tlsk_conn_attach_engine(struct tlsk_conn *c, struct tlsk_engine *e)
{
	tlsk_conn_on_handshake(c, post_handshake, e);
}
