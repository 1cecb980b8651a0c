/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fatal alerts tlsk.ko sends on its own when RX fails (TLSK_SEND_ALERTS).
 */
#ifndef _TLSK_ALERT_H
#define _TLSK_ALERT_H

#include <linux/types.h>

struct sk_buff;
struct sock;
struct tlsk_context;

/* RFC 8446 6 (RFC 5246 7.2 has the same numbers). */
#define TLSK_ALERT_LEVEL_WARNING	1
#define TLSK_ALERT_LEVEL_FATAL		2
#define TLSK_ALERT_CLOSE_NOTIFY		0
#define TLSK_ALERT_UNEXPECTED_MESSAGE	10
#define TLSK_ALERT_BAD_RECORD_MAC	20
#define TLSK_ALERT_RECORD_OVERFLOW	22
#define TLSK_ALERT_ILLEGAL_PARAMETER	47
#define TLSK_ALERT_DECODE_ERROR		50
#define TLSK_ALERT_PROTOCOL_VERSION	70
#define TLSK_ALERT_INTERNAL_ERROR	80

/* Warning alerts in a row, without application data, that end RX. */
#define TLSK_MAX_WARNING_ALERTS		5
/* KeyUpdates taken in a row without application data (struct tlsk_rx). */
#define TLSK_MAX_KEY_UPDATES		32

/* tlsk_tx.alert_state */
enum tlsk_alert_state {
	TLSK_ALERT_NONE,	/* RX is fine, or the option is off */
	TLSK_ALERT_PENDING,	/* owed: alert_desc, not sealed yet */
	TLSK_ALERT_SEALED,	/* sealed, partly handed to TCP */
	TLSK_ALERT_DONE,	/* sent, or it cannot be */
};

u8 tlsk_alert_for_header(const struct tlsk_context *ctx, const u8 *hdr,
			 int err);
u8 tlsk_alert_for_errno(int err);
u8 tlsk_alert_check_record(struct tlsk_context *ctx, u8 outer, u8 type,
			   struct sk_buff *skb, unsigned int off,
			   unsigned int len);
void tlsk_alert_rx_failed(struct sock *sk, struct tlsk_context *ctx, u8 desc);

#endif /* _TLSK_ALERT_H */
