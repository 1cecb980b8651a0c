// SPDX-License-Identifier: MIT
/*
 * Data paths of struct tlsk_conn.
 *
 * Userspace record layer: reads one record at a time, exactly its header
 * then exactly its body, so that it never holds more of the stream than one
 * record (the same discipline as the driver, and what lets a non-blocking
 * caller resume after EAGAIN with no lost bytes). Writes seal up to 2^14
 * bytes per record and queue what the socket did not take.
 *
 * Kernel (tlsk or tls ULP): the record type of each read comes as a
 * TLS_GET_RECORD_TYPE cmsg; non-data records are handled here so that the
 * caller of tlsk_conn_read() only ever sees application data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <linux/tlsk.h>

#include "conn.h"

#define HS_KEY_UPDATE	24	/* RFC 8446 4.6.3 */

/*
 * Tolerated warning alerts (RFC 5246 7.2: TLS 1.2 warnings other than
 * close_notify; RFC 8446 6.1: TLS 1.3 has only user_canceled, every other
 * alert is an error whatever its level).
 */
static bool warning_tolerated(const struct tlsk_conn *c, uint8_t desc)
{
	if (c->rx_keys.version == 0x0303)
		return true;
	return desc == TLSK_ALERT_USER_CANCELED;
}

int conn_fatal(struct tlsk_conn *c, uint8_t desc, int err)
{
	const uint8_t alert[2] = { TLSK_ALERT_LEVEL_FATAL, desc };

	if (c->err)
		return c->err;
	/* Best effort: the caller closes next whatever the send says. */
	if (!c->closed)
		(void)conn_send_control(c, TLSK_CT_ALERT, alert, sizeof(alert));
	c->alert_sent = desc;
	c->err = err;
	return err;
}

int conn_alert_received(struct tlsk_conn *c, const uint8_t *alert,
			size_t len)
{
	/* RFC 8446 5.1, RFC 5246 6.2.1: no zero-length alert records. */
	if (len == 0)
		return conn_fatal(c, TLSK_ALERT_UNEXPECTED_MESSAGE, -EBADMSG);
	if (len != 2)
		return conn_fatal(c, TLSK_ALERT_DECODE_ERROR, -EBADMSG);
	if (alert[0] != TLSK_ALERT_LEVEL_WARNING &&
	    alert[0] != TLSK_ALERT_LEVEL_FATAL)
		return conn_fatal(c, TLSK_ALERT_ILLEGAL_PARAMETER, -EBADMSG);
	if (alert[1] == TLSK_ALERT_CLOSE_NOTIFY) {
		c->alert = alert[1];
		c->eof = 1;
		return 0;
	}
	if (alert[0] == TLSK_ALERT_LEVEL_WARNING &&
	    warning_tolerated(c, alert[1])) {
		/* A peer that sends nothing but warnings is not a peer. */
		if (++c->warnings >= TLSK_CONN_MAX_WARNINGS)
			return conn_fatal(c, TLSK_ALERT_UNEXPECTED_MESSAGE,
					  -EPROTO);
		return 0;
	}
	/* RFC 8446 6.2: any other alert ends the connection. */
	c->alert = alert[1];
	c->err = -ECONNRESET;
	return c->err;
}

/*
 * Appends one handshake record's payload and passes every complete message
 * on. Messages may span records and records may hold several messages
 * (RFC 8446 5.1), so the bytes are collected until a whole one is there.
 */
static int deliver_handshake(struct tlsk_conn *c, const uint8_t *data,
			     size_t len)
{
	size_t off = 0;

	if (len > sizeof(c->hs_buf) - c->hs_len)
		return -EMSGSIZE;
	memcpy(c->hs_buf + c->hs_len, data, len);
	c->hs_len += len;
	while (c->hs_len - off >= 4) {
		const uint8_t *m = c->hs_buf + off;
		size_t body = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		int err = 0;

		if (body > TLSK_CONN_MAX_HANDSHAKE)
			return -EMSGSIZE;
		if (c->hs_len - off < 4 + body)
			break;
		/* RFC 8446 5.1: what follows a KeyUpdate in its record was
		 * sealed before the key change it announces. */
		if (m[0] == HS_KEY_UPDATE && c->rx_keys.version == 0x0304 &&
		    (c->hs_len - off != 4 + body ||
		     ++c->key_updates > TLSK_CONN_MAX_KEY_UPDATES))
			return conn_fatal(c, TLSK_ALERT_UNEXPECTED_MESSAGE,
					  -EPROTO);
		if (c->on_handshake)
			err = c->on_handshake(c->on_handshake_arg, c, m[0],
					      m + 4, body);
		if (err)
			return err;
		off += 4 + body;
	}
	memmove(c->hs_buf, c->hs_buf + off, c->hs_len - off);
	c->hs_len -= off;
	return 0;
}

/* A handshake record after the hand-off, through either layer. */
static int handshake_record(struct tlsk_conn *c, const uint8_t *data,
			    size_t len)
{
	int err;

	/* RFC 8446 5.1, RFC 5246 6.2.1: no zero-length handshake records. */
	if (len == 0)
		return conn_fatal(c, TLSK_ALERT_UNEXPECTED_MESSAGE, -EPROTO);
	err = deliver_handshake(c, data, len);
	/* Longer than we reassemble (the callback sends its own alerts). */
	if (err == -EMSGSIZE && !c->err)
		return conn_fatal(c, TLSK_ALERT_ILLEGAL_PARAMETER, err);
	return err;
}

/* ---- userspace record layer ---- */

/* recv() until rx_buf holds `want` bytes of the current record. */
static int fill_rx(struct tlsk_conn *c, size_t want)
{
	while (c->rx_have < want) {
		ssize_t n = recv(c->fd, c->rx_buf + c->rx_have,
				 want - c->rx_have, c->io_flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)	/* truncation: EOF without close_notify */
			return -ECONNRESET;
		c->rx_have += (size_t)n;
	}
	return 0;
}

/* A record of the peer that cannot be accepted: the alert, then err. */
static int record_failed(struct tlsk_conn *c, int err)
{
	int desc = tlsk_record_error_alert(err);

	if (desc < 0) {
		c->err = err;
		return err;
	}
	return conn_fatal(c, (uint8_t)desc, err);
}

/* Reads and opens one record; on success rx_have is reset for the next. */
static int read_record(struct tlsk_conn *c, uint8_t *type, uint8_t **pt)
{
	int err = fill_rx(c, TLSK_RECORD_HEADER_LEN), body, n;

	if (err)
		return err;
	body = tlsk_record_body_len(c->rx, c->rx_buf);
	if (body < 0)
		return record_failed(c, body);
	err = fill_rx(c, TLSK_RECORD_HEADER_LEN + (size_t)body);
	if (err)
		return err;
	n = tlsk_record_open(c->rx, c->rx_buf, c->rx_have, type, pt);
	c->rx_have = 0;
	return n < 0 ? record_failed(c, n) : n;
}

/* Handles one record's plaintext; >0 when application data is ready. */
static int dispatch_record(struct tlsk_conn *c, uint8_t type, uint8_t *pt,
			   size_t len)
{
	switch (type) {
	case TLSK_CT_APPLICATION_DATA:
		c->pt_off = (size_t)(pt - c->rx_buf);
		c->pt_len = len;
		if (len)
			c->warnings = c->key_updates = 0;
		return len > 0;
	case TLSK_CT_ALERT:
		return conn_alert_received(c, pt, len);
	case TLSK_CT_HANDSHAKE:
		return handshake_record(c, pt, len);
	}
	/* RFC 8446 5: ChangeCipherSpec after Finished, heartbeat, type 0,
	 * unknown types (here: TLS 1.3 inner types). */
	return conn_fatal(c, TLSK_ALERT_UNEXPECTED_MESSAGE, -EPROTO);
}

/* True for a non-blocking socket: a read may then end with -EAGAIN. */
static bool nonblocking(const struct tlsk_conn *c)
{
	int fl;

	if (c->io_flags & MSG_DONTWAIT)
		return true;
	fl = fcntl(c->fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

ssize_t conn_user_read(struct tlsk_conn *c, void *buf, size_t len)
{
	unsigned records = 0;

	while (!c->pt_len) {
		uint8_t type, *pt;
		int n;

		/* A peer streaming records without data (tickets, empty
		 * records) must not keep a non-blocking caller's loop: it
		 * gets -EAGAIN and, polling level-triggered, comes back. */
		if (records++ == TLSK_CONN_READ_RECORDS && nonblocking(c))
			return -EAGAIN;
		n = read_record(c, &type, &pt);
		if (n == -EAGAIN || n == -EINTR)
			return n;
		if (n >= 0)
			n = dispatch_record(c, type, pt, (size_t)n);
		if (n < 0 && !c->err)
			c->err = n;
		if (n < 0)
			return n;
		if (c->eof)
			return 0;
	}
	if (len > c->pt_len)
		len = c->pt_len;
	memcpy(buf, c->rx_buf + c->pt_off, len);
	c->pt_off += len;
	c->pt_len -= len;
	return (ssize_t)len;
}

/* Sends queued record bytes; 0 when the queue is empty. */
static int flush_tx(struct tlsk_conn *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx_buf + c->tx_off,
				 c->tx_len - c->tx_off,
				 MSG_NOSIGNAL | c->io_flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->err = -errno;
			return -errno;
		}
		c->tx_off += (size_t)n;
	}
	c->tx_off = c->tx_len = 0;
	return 0;
}

/* Seals one record behind what is queued (usually nothing). */
static int queue_record(struct tlsk_conn *c, uint8_t type, const uint8_t *pt,
			size_t len)
{
	int n = tlsk_record_seal(c->tx, type, pt, len, c->tx_buf + c->tx_len,
				 sizeof(c->tx_buf) - c->tx_len);

	if (n < 0) {
		c->err = n;
		return n;
	}
	c->tx_len += (size_t)n;
	return 0;
}

ssize_t conn_user_write(struct tlsk_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;
	int err;

	while ((err = flush_tx(c)) == 0 && done < len) {
		size_t chunk = len - done;

		if (chunk > TLSK_RECORD_MAX_PLAINTEXT)
			chunk = TLSK_RECORD_MAX_PLAINTEXT;
		err = queue_record(c, TLSK_CT_APPLICATION_DATA, p + done,
				   chunk);
		if (err)
			break;
		done += chunk;
	}
	/* Bytes sealed into the queue count as written. */
	return done ? (ssize_t)done : err;
}

/*
 * A control record waits behind a record the socket did not take whole:
 * the queue has room for both (one record of data is at most 2^14 + 2048
 * + 5 bytes, the buffer one such record, and a control record is small),
 * so an alert is not lost to a full send buffer.
 */
static int user_send_control(struct tlsk_conn *c, uint8_t type,
			     const uint8_t *data, size_t len)
{
	int err = flush_tx(c);

	if (err && err != -EAGAIN && err != -EWOULDBLOCK)
		return err;
	err = queue_record(c, type, data, len);
	if (!err)
		err = flush_tx(c);
	return err;
}

void conn_user_flush_final(struct tlsk_conn *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx_buf + c->tx_off,
				 c->tx_len - c->tx_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		c->tx_off += (size_t)n;
	}
}

/* ---- kernel record layer ---- */

static int kernel_send_control(int fd, uint8_t type, const uint8_t *data,
			       size_t len, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;

	memset(cbuf, 0, sizeof(cbuf));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(cmsg) = type;
	return sendmsg(fd, &msg, MSG_NOSIGNAL | flags) < 0 ? -errno : 0;
}

/* Has tlsk.ko been asked to seal the fatal alert of an RX failure? */
static bool kernel_sends_alerts(int fd)
{
	char ulp[16] = "";
	socklen_t len = sizeof(ulp) - 1;
	int on = 0;

	if (getsockopt(fd, IPPROTO_TCP, TCP_ULP, ulp, &len) ||
	    strcmp(ulp, "tlsk") != 0)
		return false;
	len = sizeof(on);
	return !getsockopt(fd, SOL_TLS, TLSK_SEND_ALERTS, &on, &len) && on == 1;
}

/*
 * The record errors the kernel reports on a read (net/tls and tlsk.ko
 * alike): EBADMSG for a record that fails to open (bad_record_mac) and
 * EMSGSIZE for one too long (record_overflow).
 */
int tlsk_kernel_send_fatal(int fd, int err)
{
	uint8_t alert[2] = { TLSK_ALERT_LEVEL_FATAL, 0 };
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (err == -EBADMSG)
		alert[1] = TLSK_ALERT_BAD_RECORD_MAC;
	else if (err == -EMSGSIZE)
		alert[1] = TLSK_ALERT_RECORD_OVERFLOW;
	else
		return -ENOMSG;
	if (kernel_sends_alerts(fd))
		return alert[1];
	/* The record error stays pending on the socket (sk_err), where it
	 * fails the next send: take it, it was reported already. */
	(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	err = kernel_send_control(fd, TLSK_CT_ALERT, alert, sizeof(alert), 0);
	return err ? err : alert[1];
}

/* A read error of the kernel: its alert (if a record's), sticky error. */
static int kernel_read_failed(struct tlsk_conn *c, int err)
{
	int desc;

	if (err == -EAGAIN || err == -EINTR || c->err)
		return c->err ? c->err : err;
	desc = c->closed ? -ENOMSG : tlsk_kernel_send_fatal(c->fd, err);
	if (desc >= 0)
		c->alert_sent = desc;
	c->err = err;
	return err;
}

ssize_t conn_kernel_read(struct tlsk_conn *c, void *buf, size_t len)
{
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(uint8_t))];
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		uint8_t type = TLSK_CT_APPLICATION_DATA;
		struct cmsghdr *cmsg;
		ssize_t n = recvmsg(c->fd, &msg, c->io_flags);
		int rc;

		if (n < 0)
			return kernel_read_failed(c, -errno);
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg && cmsg->cmsg_level == SOL_TLS &&
		    cmsg->cmsg_type == TLS_GET_RECORD_TYPE)
			type = *CMSG_DATA(cmsg);
		if (type == TLSK_CT_APPLICATION_DATA) {
			if (n)
				c->warnings = c->key_updates = 0;
			return n;
		}
		if (type == TLSK_CT_ALERT)
			rc = conn_alert_received(c, buf, (size_t)n);
		else if (type == TLSK_CT_HANDSHAKE)
			rc = handshake_record(c, buf, (size_t)n);
		else	/* TLS 1.2 ChangeCipherSpec, heartbeat, unknown */
			rc = conn_fatal(c, TLSK_ALERT_UNEXPECTED_MESSAGE,
					-EPROTO);
		if (rc < 0 && !c->err)
			c->err = rc;
		if (rc < 0 || c->eof)
			return rc;
	}
}

int conn_send_control(struct tlsk_conn *c, uint8_t type, const uint8_t *data,
		      size_t len)
{
	if (c->ulp == TLSK_ULP_USER)
		return user_send_control(c, type, data, len);
	return kernel_send_control(c->fd, type, data, len, c->io_flags);
}
