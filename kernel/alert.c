// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLSK_SEND_ALERTS: the fatal alert owed to a peer whose record stopped RX.
 *
 * In-tree kTLS reports a bad record to the reader and leaves the alert of
 * RFC 8446 6 (RFC 5246 7.2) to the application, which most never send.
 * With the option on, tlsk.ko chooses the alert here when RX fails, and TX
 * (tx.c) seals it with the socket's own key after whatever it took before,
 * from its worker: RX fails with the socket held, in softirq or under a
 * reader that must not wait for tx.lock.
 *
 * The option also makes RX check what kTLS hands on to the reader
 * unchecked: record types, alert records and warning alerts, so that a
 * kTLS program that never looks at them still behaves as the RFCs ask.
 */
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include <linux/tls.h>

#include "alert.h"
#include "cipher.h"
#include "tlsk.h"

/*
 * A header RX refuses (tlsk_cipher_check_header()): too long, another
 * version, or too short to be sealed. Too short, the record is no record
 * of ours at all when its type says so: a TLS 1.3 record is always outer
 * application data, and in TLS 1.2 a bare ChangeCipherSpec after the
 * handshake is an unexpected type.
 */
u8 tlsk_alert_for_header(const struct tlsk_context *ctx, const u8 *hdr,
			 int err)
{
	u8 type = hdr[0];

	if (err == -EMSGSIZE)
		return TLSK_ALERT_RECORD_OVERFLOW;
	if (err == -EINVAL)
		return TLSK_ALERT_PROTOCOL_VERSION;
	if (tlsk_version(ctx) == TLS_1_3_VERSION ?
	    type != TLSK_RECORD_DATA :
	    type < TLSK_RECORD_ALERT || type > TLSK_RECORD_DATA)
		return TLSK_ALERT_UNEXPECTED_MESSAGE;
	return TLSK_ALERT_BAD_RECORD_MAC;
}

/*
 * A record that failed to open, unless the failure chose its own alert.
 * Failures of this host (no memory for the record or the cipher, the
 * reader's buffer, a key that cannot be derived) are internal_error (RFC
 * 8446 6.2): the peer's records were not found wrong.
 */
u8 tlsk_alert_for_errno(int err)
{
	switch (err) {
	case -EMSGSIZE:
		return TLSK_ALERT_RECORD_OVERFLOW;
	case -EINVAL:
		return TLSK_ALERT_PROTOCOL_VERSION;
	case -ENOKEY:
	case -ENOMEM:
	case -ENOBUFS:
	case -EFAULT:
		return TLSK_ALERT_INTERNAL_ERROR;
	default:
		return TLSK_ALERT_BAD_RECORD_MAC;
	}
}

/*
 * With the option on: an opened record of type with len plaintext bytes at
 * off in skb, outer the type its header gave. 0 when it may go to the
 * reader, else the alert that ends RX (RFC 8446 5, 5.1, 6; RFC 5246 6.2.1,
 * 7.2). Socket locked.
 */
u8 tlsk_alert_check_record(struct tlsk_context *ctx, u8 outer, u8 type,
			   struct sk_buff *skb, unsigned int off,
			   unsigned int len)
{
	struct tlsk_rx *rx = &ctx->rx;
	u8 alert[2];

	if (!READ_ONCE(ctx->send_alerts))
		return 0;
	if (tlsk_version(ctx) == TLS_1_3_VERSION && outer != TLSK_RECORD_DATA)
		return TLSK_ALERT_UNEXPECTED_MESSAGE;
	switch (type) {
	case TLSK_RECORD_DATA:
		if (len)
			rx->warn_alerts = 0;
		return 0;
	case TLSK_RECORD_HANDSHAKE:
		return len ? 0 : TLSK_ALERT_UNEXPECTED_MESSAGE;
	case TLSK_RECORD_ALERT:
		break;
	default:
		/* ChangeCipherSpec after the handshake, heartbeat, unknown. */
		return TLSK_ALERT_UNEXPECTED_MESSAGE;
	}
	if (!len)
		return TLSK_ALERT_UNEXPECTED_MESSAGE;
	/* One alert a record, two bytes (RFC 8446 6). */
	if (len != sizeof(alert) || skb_copy_bits(skb, off, alert, len))
		return TLSK_ALERT_DECODE_ERROR;
	if (alert[0] != TLSK_ALERT_LEVEL_WARNING &&
	    alert[0] != TLSK_ALERT_LEVEL_FATAL)
		return TLSK_ALERT_ILLEGAL_PARAMETER;
	if (alert[0] == TLSK_ALERT_LEVEL_WARNING &&
	    alert[1] != TLSK_ALERT_CLOSE_NOTIFY &&
	    ++rx->warn_alerts >= TLSK_MAX_WARNING_ALERTS)
		return TLSK_ALERT_UNEXPECTED_MESSAGE;
	return 0;
}

/*
 * RX has failed for good with the socket held (its owner, or softirq with
 * none): with the option on and a TX key in, the first failure's alert is
 * owed to the peer, and the TX worker sends it.
 */
void tlsk_alert_rx_failed(struct sock *sk, struct tlsk_context *ctx, u8 desc)
{
	struct tlsk_tx *tx = &ctx->tx;

	if (!READ_ONCE(ctx->send_alerts) || !READ_ONCE(tx->cipher) ||
	    READ_ONCE(tx->alert_state) != TLSK_ALERT_NONE)
		return;
	tx->alert_desc = desc;
	WRITE_ONCE(tx->alert_state, TLSK_ALERT_PENDING);
	mod_delayed_work(system_wq, &tx->push_work, 0);
}
