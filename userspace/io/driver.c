// SPDX-License-Identifier: MIT
/*
 * Socket driver for the sans-I/O engine (include/tlsk/driver.h).
 *
 * Every wait is a poll() bounded by the handshake deadline, and every
 * recv()/send() is MSG_DONTWAIT, so a blocking fd behaves like a
 * non-blocking one and the deadline holds either way.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tlsk/driver.h"
#include "tlsk/record.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on fd until the deadline (< 0: forever). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - now_ms();
		int n;

		if (deadline >= 0 && left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int flush_output(struct tlsk_engine *e, int fd, int64_t deadline)
{
	for (;;) {
		size_t len;
		const uint8_t *out = tlsk_engine_output(e, &len);
		ssize_t sent;
		int err;

		if (!len)
			return 0;
		err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			return err;
		sent = send(fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (sent < 0)
			return -errno;
		tlsk_engine_output_done(e, (size_t)sent);
	}
}

/* One recv() of at most what the engine wants: never read-ahead. */
static int feed_input(struct tlsk_engine *e, int fd, int64_t deadline)
{
	uint8_t buf[TLSK_RECORD_MAX_LEN];
	size_t want = tlsk_engine_want(e);
	ssize_t got;
	int err;

	if (!want)	/* handshaking with nothing to send or read: a bug */
		return -EPROTO;
	err = wait_fd(fd, POLLIN, deadline);
	if (err)
		return err;
	got = recv(fd, buf, want < sizeof(buf) ? want : sizeof(buf),
		   MSG_DONTWAIT);
	if (got < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (got == 0)
		return -ECONNRESET;
	err = tlsk_engine_input(e, buf, (size_t)got);
	OPENSSL_cleanse(buf, (size_t)got);
	return err;
}

static int engine_error(const struct tlsk_engine *e)
{
	uint8_t alert;
	int received;
	const char *reason;
	int err = tlsk_engine_error(e, &alert, &received, &reason);

	return err < 0 ? err : -EPROTO;
}

int tlsk_drive_handshake(struct tlsk_engine *e, int fd, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	for (;;) {
		/* Output first: it may hold the alert of a failure. */
		int err = flush_output(e, fd, deadline);

		if (tlsk_engine_state(e) == TLSK_STATE_FAILED)
			return engine_error(e);
		if (err)
			return err;
		if (tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED)
			return 0;
		err = feed_input(e, fd, deadline);
		if (err && tlsk_engine_state(e) != TLSK_STATE_FAILED)
			return err;
	}
}

int tlsk_engine_handoff(const struct tlsk_engine *e, int fd,
			unsigned int handoff_flags, struct tlsk_conn **connp)
{
	struct tlsk_traffic_keys tx, rx;
	int err;

	*connp = NULL;
	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	err = tlsk_engine_export_keys(e, TLSK_DIR_TX, &tx);
	if (!err)
		err = tlsk_engine_export_keys(e, TLSK_DIR_RX, &rx);
	if (!err)
		err = tlsk_conn_handoff(fd, &tx, &rx, handoff_flags, connp);
	tlsk_keys_scrub(&tx);
	tlsk_keys_scrub(&rx);
	return err;
}

int tlsk_drive(struct tlsk_engine *e, int fd, int timeout_ms,
	       unsigned int handoff_flags, struct tlsk_conn **connp)
{
	int err = tlsk_drive_handshake(e, fd, timeout_ms);

	*connp = NULL;
	return err ? err : tlsk_engine_handoff(e, fd, handoff_flags, connp);
}
