// SPDX-License-Identifier: MIT
/*
 * Driver tests against a scripted stand-in for the engine, so that they
 * pin the driver's own contract whatever the real engine does:
 *
 *   - it reads no more than tlsk_engine_want() (the fake fails the test on
 *     any over-long input), so application data sent in the same segment
 *     as the peer's last handshake record reaches the record layer intact;
 *   - it works a byte at a time, on non-blocking fds, within a deadline;
 *   - an engine failure puts the engine's alert on the wire.
 *
 * The fake "handshake": we send HELLO, read FAKE_PEER_RECORDS records from
 * the peer (a body starting 0xff makes us fail with an alert), then send FIN
 * and are established. The fake defines every engine symbol driver.o uses,
 * so the real engine objects are not linked in.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "../../tests/tap.h"
#include "testnet.h"
#include "tlsk/driver.h"
#include "tlsk/record.h"

#define FAKE_PEER_RECORDS 2

static const uint8_t hello[] = { 22, 3, 3, 0, 5, 'H', 'E', 'L', 'L', 'O' };
static const uint8_t fin[] = { 22, 3, 3, 0, 3, 'F', 'I', 'N' };
static const uint8_t fatal_alert[] = { 21, 3, 3, 0, 2, 2, 40 };

struct tlsk_engine {
	enum tlsk_state state;
	uint8_t out[64];
	size_t out_len;
	uint8_t rec[512];
	size_t have, want;
	int records;
	int overread;		/* input longer than want: a driver bug */
};

static void queue(struct tlsk_engine *e, const uint8_t *b, size_t len)
{
	memcpy(e->out + e->out_len, b, len);
	e->out_len += len;
}

static void fake_start(struct tlsk_engine *e)
{
	memset(e, 0, sizeof(*e));
	e->want = 5;
	queue(e, hello, sizeof(hello));
}

size_t tlsk_engine_want(const struct tlsk_engine *e)
{
	return e->state == TLSK_STATE_HANDSHAKING ? e->want - e->have : 0;
}

static void record_done(struct tlsk_engine *e)
{
	if (e->rec[5] == 0xff) {
		e->state = TLSK_STATE_FAILED;
		queue(e, fatal_alert, sizeof(fatal_alert));
		return;
	}
	e->have = 0;
	e->want = 5;
	if (++e->records == FAKE_PEER_RECORDS) {
		queue(e, fin, sizeof(fin));
		e->state = TLSK_STATE_ESTABLISHED;
	}
}

int tlsk_engine_input(struct tlsk_engine *e, const uint8_t *buf, size_t len)
{
	if (len > tlsk_engine_want(e) || len == 0) {
		e->overread = 1;
		return -EINVAL;
	}
	memcpy(e->rec + e->have, buf, len);
	e->have += len;
	if (e->have < e->want)
		return 0;
	if (e->want == 5) {
		e->want = 5 + ((size_t)e->rec[3] << 8 | e->rec[4]);
		if (e->want > 5)
			return 0;
	}
	record_done(e);
	return e->state == TLSK_STATE_FAILED ? -EBADMSG : 0;
}

const uint8_t *tlsk_engine_output(const struct tlsk_engine *e, size_t *len)
{
	*len = e->out_len;
	return e->out;
}

void tlsk_engine_output_done(struct tlsk_engine *e, size_t sent)
{
	memmove(e->out, e->out + sent, e->out_len - sent);
	e->out_len -= sent;
}

enum tlsk_state tlsk_engine_state(const struct tlsk_engine *e)
{
	return e->state;
}

int tlsk_engine_error(const struct tlsk_engine *e, uint8_t *alert,
		      int *received, const char **reason)
{
	(void)e;
	*alert = 40;
	*received = 0;
	*reason = "scripted failure";
	return -EBADMSG;
}

/* Client-to-server and server-to-client keys, TLS 1.3 AES-128-GCM. */
static struct tlsk_traffic_keys fake_keys(enum tlsk_direction dir)
{
	struct tlsk_traffic_keys k = { .version = 0x0304,
				       .aead = TLSK_AEAD_AES_128_GCM,
				       .key_len = 16, .iv_len = 12 };

	memset(k.key, dir == TLSK_DIR_TX ? 0x11 : 0x22, 16);
	memset(k.iv, dir == TLSK_DIR_TX ? 0x33 : 0x44, 12);
	return k;
}

int tlsk_engine_export_keys(const struct tlsk_engine *e,
			    enum tlsk_direction dir,
			    struct tlsk_traffic_keys *keys)
{
	if (e->state != TLSK_STATE_ESTABLISHED)
		return -EINVAL;
	*keys = fake_keys(dir);
	return 0;
}

void tlsk_keys_scrub(struct tlsk_traffic_keys *keys)
{
	OPENSSL_cleanse(keys, sizeof(*keys));
}

/* ---- the peer side ---- */

static const char app_data[] = "application data behind the last record";

/* Two peer records, then a protected application record, in one buffer. */
static size_t peer_flight(uint8_t *buf, size_t cap, int fail)
{
	static const uint8_t r1[] = { 22, 3, 3, 0, 4, 'S', 'H', 'L', 'O' };
	uint8_t r2[] = { 22, 3, 3, 0, 3, 'F', 'I', 'N' };
	struct tlsk_traffic_keys k = fake_keys(TLSK_DIR_RX);
	struct tlsk_record *seal = tlsk_record_new(&k, 1);
	size_t len = 0;
	int n;

	if (fail)
		r2[5] = 0xff;
	memcpy(buf, r1, sizeof(r1));
	len += sizeof(r1);
	memcpy(buf + len, r2, sizeof(r2));
	len += sizeof(r2);
	n = tlsk_record_seal(seal, TLSK_CT_APPLICATION_DATA,
			     (const uint8_t *)app_data, sizeof(app_data),
			     buf + len, cap - len);
	tlsk_record_free(seal);
	return n > 0 ? len + (size_t)n : 0;
}

static int recv_exact(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Drives the fake over fd; checks the application data arrives whole. */
static void drive_and_read(int fd, struct tlsk_engine *e)
{
	struct tlsk_conn *conn = NULL;
	char got[sizeof(app_data)];
	size_t have = 0;

	CHECK(tlsk_drive(e, fd, 5000, TLSK_HANDOFF_USER_ONLY, &conn) == 0);
	CHECK(!e->overread);
	while (conn && have < sizeof(got)) {
		ssize_t n = tlsk_conn_read(conn, got + have,
					   sizeof(got) - have);

		if (n == -EAGAIN) {
			usleep(1000);
			continue;
		}
		CHECK(n > 0);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	CHECK(have == sizeof(app_data) && !memcmp(got, app_data, have));
	if (conn)
		tlsk_conn_close(conn);
	else
		close(fd);
}

static void check_peer_got(int peer, const uint8_t *tail, size_t tail_len)
{
	uint8_t buf[64];

	CHECK(recv_exact(peer, buf, sizeof(hello)) == 0);
	CHECK(!memcmp(buf, hello, sizeof(hello)));
	CHECK(recv_exact(peer, buf, tail_len) == 0);
	CHECK(!memcmp(buf, tail, tail_len));
}

/* A fake engine and a socket whose peer has sent its whole flight. */
static void start_with_flight(struct tlsk_engine *e, int fds[2], int fail)
{
	uint8_t flight[256];
	size_t len = peer_flight(flight, sizeof(flight), fail);

	fake_start(e);
	CHECK(tcp_pair(fds) == 0);
	/* One send: the records and the data share a segment. */
	CHECK(send(fds[0], flight, len, 0) == (ssize_t)len);
}

static void data_behind_last_record_stays_in_socket(void)
{
	struct tlsk_engine e;
	int fds[2];

	start_with_flight(&e, fds, 0);
	drive_and_read(fds[1], &e);
	check_peer_got(fds[0], fin, sizeof(fin));
	close(fds[0]);
}

static void nonblocking_fd(void)
{
	struct tlsk_engine e;
	int fds[2];

	start_with_flight(&e, fds, 0);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	drive_and_read(fds[1], &e);
	close(fds[0]);
}

/* The peer dribbles its flight one byte per segment. */
static void byte_at_a_time(void)
{
	uint8_t flight[256];
	size_t len = peer_flight(flight, sizeof(flight), 0);
	struct tlsk_engine e;
	int fds[2], one = 1, status;
	pid_t child;

	fake_start(&e);
	CHECK(tcp_pair(fds) == 0);
	setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one,
		   sizeof(one));
	child = fork();
	if (child == 0) {
		for (size_t i = 0; i < len; i++) {
			if (send(fds[0], flight + i, 1, 0) != 1)
				_exit(1);
			usleep(200);
		}
		_exit(0);
	}
	drive_and_read(fds[1], &e);
	CHECK(waitpid(child, &status, 0) == child && status == 0);
	close(fds[0]);
}

static void timeout_is_honoured(void)
{
	struct tlsk_engine e;
	struct timespec a, b;
	int fds[2];
	long ms;

	fake_start(&e);
	CHECK(tcp_pair(fds) == 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(tlsk_drive_handshake(&e, fds[1], 200) == -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	CHECK(ms >= 190 && ms < 2000);
	close(fds[0]);
	close(fds[1]);
}

static void peer_close_is_reset(void)
{
	struct tlsk_engine e;
	int fds[2];

	fake_start(&e);
	CHECK(tcp_pair(fds) == 0);
	close(fds[0]);
	CHECK(tlsk_drive_handshake(&e, fds[1], 2000) == -ECONNRESET);
	close(fds[1]);
}

static void engine_failure_sends_alert(void)
{
	struct tlsk_engine e;
	struct tlsk_conn *conn;
	int fds[2];

	start_with_flight(&e, fds, 1);
	CHECK(tlsk_drive(&e, fds[1], 2000, 0, &conn) == -EBADMSG);
	CHECK(conn == NULL);
	check_peer_got(fds[0], fatal_alert, sizeof(fatal_alert));
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	RUN(data_behind_last_record_stays_in_socket);
	RUN(nonblocking_fd);
	RUN(byte_at_a_time);
	RUN(timeout_is_honoured);
	RUN(peer_close_is_reset);
	RUN(engine_failure_sends_alert);
	return tap_done();
}
