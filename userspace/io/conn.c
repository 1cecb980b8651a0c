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

#include "conn.h"

#define TLS_ALERT_UNEXPECTED_MESSAGE	10

int conn_alert_received(struct tlsk_conn *c, const uint8_t *alert,
			size_t len)
{
	if (len != 2) {
		c->err = -EBADMSG;	/* decode_error */
		return c->err;
	}
	c->alert = alert[1];
	if (alert[1] == TLSK_ALERT_CLOSE_NOTIFY) {
		c->eof = 1;
		return 0;
	}
	/* RFC 8446 6.2: any other alert ends the connection. */
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

/* ---- userspace record layer ---- */

/* recv() until rx_buf holds `want` bytes of the current record. */
static int fill_rx(struct tlsk_conn *c, size_t want)
{
	while (c->rx_have < want) {
		ssize_t n = recv(c->fd, c->rx_buf + c->rx_have,
				 want - c->rx_have, 0);

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

/* Reads and opens one record; on success rx_have is reset for the next. */
static int read_record(struct tlsk_conn *c, uint8_t *type, uint8_t **pt)
{
	int err = fill_rx(c, TLSK_RECORD_HEADER_LEN), body, n;

	if (err)
		return err;
	body = tlsk_record_body_len(c->rx, c->rx_buf);
	if (body < 0)
		return body;
	err = fill_rx(c, TLSK_RECORD_HEADER_LEN + (size_t)body);
	if (err)
		return err;
	n = tlsk_record_open(c->rx, c->rx_buf, c->rx_have, type, pt);
	c->rx_have = 0;
	return n;
}

static void send_alert(struct tlsk_conn *c, uint8_t desc)
{
	const uint8_t alert[2] = { TLSK_ALERT_LEVEL_FATAL, desc };

	conn_send_control(c, TLSK_CT_ALERT, alert, sizeof(alert));
}

/* Handles one record's plaintext; >0 when application data is ready. */
static int dispatch_record(struct tlsk_conn *c, uint8_t type, uint8_t *pt,
			   size_t len)
{
	switch (type) {
	case TLSK_CT_APPLICATION_DATA:
		c->pt_off = (size_t)(pt - c->rx_buf);
		c->pt_len = len;
		return len > 0;
	case TLSK_CT_ALERT:
		return conn_alert_received(c, pt, len);
	case TLSK_CT_HANDSHAKE:
		return deliver_handshake(c, pt, len);
	}
	send_alert(c, TLS_ALERT_UNEXPECTED_MESSAGE);
	return -EBADMSG;
}

/* True for a non-blocking socket: a read may then end with -EAGAIN. */
static bool nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

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
		if (records++ == TLSK_CONN_READ_RECORDS && nonblocking(c->fd))
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
				 c->tx_len - c->tx_off, MSG_NOSIGNAL);

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

static int queue_record(struct tlsk_conn *c, uint8_t type, const uint8_t *pt,
			size_t len)
{
	int n = tlsk_record_seal(c->tx, type, pt, len, c->tx_buf,
				 sizeof(c->tx_buf));

	if (n < 0) {
		c->err = n;
		return n;
	}
	c->tx_off = 0;
	c->tx_len = (size_t)n;
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

static int user_send_control(struct tlsk_conn *c, uint8_t type,
			     const uint8_t *data, size_t len)
{
	int err = flush_tx(c);

	if (!err)
		err = queue_record(c, type, data, len);
	if (!err)
		err = flush_tx(c);
	return err;
}

/* ---- kernel record layer ---- */

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
		ssize_t n = recvmsg(c->fd, &msg, 0);

		if (n < 0)
			return -errno;
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg && cmsg->cmsg_level == SOL_TLS &&
		    cmsg->cmsg_type == TLS_GET_RECORD_TYPE)
			type = *CMSG_DATA(cmsg);
		if (type == TLSK_CT_APPLICATION_DATA)
			return n;
		if (type == TLSK_CT_ALERT)
			return conn_alert_received(c, buf, (size_t)n);
		if (type != TLSK_CT_HANDSHAKE)
			return c->err = -EBADMSG;
		c->err = deliver_handshake(c, buf, (size_t)n);
		if (c->err)
			return c->err;
	}
}

static int kernel_send_control(struct tlsk_conn *c, uint8_t type,
			       const uint8_t *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(cmsg) = type;
	return sendmsg(c->fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int conn_send_control(struct tlsk_conn *c, uint8_t type, const uint8_t *data,
		      size_t len)
{
	if (c->ulp == TLSK_ULP_USER)
		return user_send_control(c, type, data, len);
	return kernel_send_control(c, type, data, len);
}
