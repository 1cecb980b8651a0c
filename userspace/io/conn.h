/* SPDX-License-Identifier: MIT */
/*
 * Inside struct tlsk_conn, shared by handoff.c (which builds it) and conn.c
 * (which moves data through it). Not installed.
 */
#ifndef TLSK_IO_CONN_H
#define TLSK_IO_CONN_H

#include "tlsk/handoff.h"
#include "tlsk/record.h"

struct tlsk_conn {
	int fd;
	enum tlsk_ulp ulp;
	int alert;			/* last alert received, or -1 */
	int alert_sent;			/* fatal alert sent, or -1 */
	unsigned warnings;		/* warning alerts since data */
	unsigned key_updates;		/* KeyUpdates since data */
	int eof;			/* close_notify received */
	int err;			/* sticky negative errno */
	int closed;			/* close_notify sent */
	int io_flags;			/* MSG_DONTWAIT after set_dontwait */
	tlsk_conn_handshake_fn *on_handshake;
	void *on_handshake_arg;
	/* Kept for a later KeyUpdate (TLS 1.3) and scrubbed at close. */
	struct tlsk_traffic_keys tx_keys, rx_keys;

	/* Userspace record layer only. */
	struct tlsk_record *tx, *rx;
	size_t rx_have;			/* bytes of the current record read */
	size_t pt_off, pt_len;		/* undelivered plaintext in rx_buf */
	size_t tx_off, tx_len;		/* unsent record bytes in tx_buf */
	size_t hs_len;			/* partial handshake message bytes */
	uint8_t hs_buf[4 + TLSK_CONN_MAX_HANDSHAKE];
	uint8_t rx_buf[TLSK_RECORD_MAX_LEN];
	uint8_t tx_buf[TLSK_RECORD_MAX_LEN];
};

/* conn.c: the userspace record layer's half of the read/write paths. */
ssize_t conn_user_read(struct tlsk_conn *c, void *buf, size_t len);
ssize_t conn_user_write(struct tlsk_conn *c, const void *buf, size_t len);
/* Before the close: what is queued (a fatal alert, say), without waiting. */
void conn_user_flush_final(struct tlsk_conn *c);

/* conn.c: the kernel's (tlsk or tls ULP). */
ssize_t conn_kernel_read(struct tlsk_conn *c, void *buf, size_t len);

/* A non-data record (alert, handshake) through whichever layer. */
int conn_send_control(struct tlsk_conn *c, uint8_t type, const uint8_t *data,
		      size_t len);

/* Records an alert received: 0 for close_notify and a tolerated warning
 * (c->eof tells them apart), else the sticky error (-ECONNRESET, or the
 * fatal alert this end sent about a malformed alert or a flood). */
int conn_alert_received(struct tlsk_conn *c, const uint8_t *alert,
			size_t len);

/* A fatal error of the peer's making: tells the peer (alert desc) unless
 * an error came first, then makes err sticky. Returns the sticky error. */
int conn_fatal(struct tlsk_conn *c, uint8_t desc, int err);

#endif /* TLSK_IO_CONN_H */
