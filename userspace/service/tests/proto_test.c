// SPDX-License-Identifier: MIT
/*
 * The tlskd wire protocol: round trips, and the strict parser refusing
 * every kind of malformed message; fd passing never leaking a descriptor.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../fdpass.h"
#include "../../tests/msg_equal.h"
#include "../../tests/tap.h"
#include "fds.h"
#include "tlsk/service.h"

static const struct tlsk_request sample_req = {
	.type = TLSK_MSG_HANDSHAKE, .id = 0xdeadbeef,
	.role = TLSK_ROLE_CLIENT, .profile = "web",
	.server_name = "example.org", .alpn = "h2,http/1.1",
	.timeout_ms = 5000,
};

static int encode_sample(uint8_t *buf)
{
	return tlsk_msg_encode_request(&sample_req, buf, TLSK_MSG_MAX);
}

static void request_roundtrip(void)
{
	uint8_t buf[TLSK_MSG_MAX];
	struct tlsk_request out;
	int len = encode_sample(buf);

	CHECK(len > TLSK_MSG_HEADER_LEN);
	CHECK(tlsk_msg_decode_request(buf, (size_t)len, &out) == 0);
	CHECK(request_equal(&out, &sample_req));
	CHECK(tlsk_msg_peek_type(buf, (size_t)len) == TLSK_MSG_HANDSHAKE);
}

static void reply_roundtrip(void)
{
	struct tlsk_result in = {
		.status = 0, .version = 0x0304, .suite = 0x1301,
		.suite_name = "TLS_AES_128_GCM_SHA256", .group = "x25519",
		.alpn = "h2", .resumed = 1, .peer_subject = "CN=client",
		.peer_sans = "DNS:a.example,DNS:b.example",
		.alert = TLSK_ALERT_NONE, .ulp = TLSK_ULP_TLSK,
	}, out;
	uint8_t buf[TLSK_MSG_MAX];
	uint32_t id = 0;
	int len = tlsk_msg_encode_reply(7, &in, buf, sizeof(buf));

	CHECK(len > 0);
	CHECK(tlsk_msg_decode_reply(buf, (size_t)len, &id, &out) == 0);
	CHECK(id == 7);
	CHECK(result_equal(&in, &out));
}

static void status_roundtrip(void)
{
	struct tlsk_daemon_status in = {
		.hs_done = 1ull << 40, .hs_failed = 2, .hs_resumed = 3,
		.ticket_keys = 2, .uptime = 99, .profiles = 4,
	}, out;
	struct tlsk_request req = { .type = TLSK_MSG_STATUS, .id = 5 }, rout;
	uint8_t buf[TLSK_MSG_MAX];
	uint32_t id;
	int len = tlsk_msg_encode_status(9, &in, buf, sizeof(buf));

	CHECK(len > 0);
	CHECK(tlsk_msg_decode_status(buf, (size_t)len, &id, &out) == 0);
	CHECK(id == 9 && memcmp(&in, &out, sizeof(in)) == 0);
	/* session_store, added later: absent while 0 (what a decoder of
	 * the first version 1 accepts), else one attribute */
	in.session_store = 3;
	in.session_store_down = 12;
	CHECK(tlsk_msg_encode_status(9, &in, buf, sizeof(buf)) ==
	      len + 2 * (3 + 8));
	CHECK(tlsk_msg_decode_status(buf, (size_t)len + 22, &id, &out) == 0);
	CHECK(out.session_store == 3 && out.session_store_down == 12);
	len = tlsk_msg_encode_request(&req, buf, sizeof(buf));
	CHECK(len == TLSK_MSG_HEADER_LEN);
	CHECK(tlsk_msg_decode_request(buf, (size_t)len, &rout) == 0);
	CHECK(rout.type == TLSK_MSG_STATUS && rout.id == 5);
}

static void ticket_keys_roundtrip(void)
{
	struct tlsk_ticket_keys_info in = {
		.status = 0, .source = TLSK_TICKETS_REDIS, .redis = 2,
		.rotation_s = 3600, .n = 2,
		.keys = {
			{ "0123456789abcdef0123456789abcdef",
			  TLSK_TICKET_KEY_CURRENT, 40, 35 },
			{ "fedcba9876543210fedcba9876543210",
			  TLSK_TICKET_KEY_NEXT, 40, -3565 },
		},
	}, out;
	struct tlsk_request req = { .type = TLSK_MSG_TICKET_KEYS, .id = 6,
				    .rotate = 1 }, rout;
	uint8_t buf[TLSK_MSG_MAX];
	uint32_t id;
	int len = tlsk_msg_encode_ticket_keys(11, &in, buf, sizeof(buf));

	CHECK(len > 0);
	CHECK(tlsk_msg_decode_ticket_keys(buf, (size_t)len, &id, &out) == 0);
	CHECK(id == 11 && ticket_keys_equal(&in, &out));
	/* a full set fits one message */
	in.n = TLSK_TICKET_KEYS_MAX;
	for (unsigned i = 2; i < in.n; i++)
		in.keys[i] = in.keys[0];
	in.keys[3].age_s = UINT64_MAX;
	in.keys[4].active_s = INT64_MIN;
	len = tlsk_msg_encode_ticket_keys(11, &in, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK(tlsk_msg_decode_ticket_keys(buf, (size_t)len, &id, &out) == 0 &&
	      ticket_keys_equal(&in, &out));
	in.keys[1].id[3] = 'X';		/* not an id */
	CHECK(tlsk_msg_encode_ticket_keys(11, &in, buf, sizeof(buf)) ==
	      -EINVAL);
	/* the request: rotate travels, a status decoder refuses it */
	len = tlsk_msg_encode_request(&req, buf, sizeof(buf));
	CHECK(len > 0 && tlsk_msg_decode_request(buf, (size_t)len, &rout) == 0);
	CHECK(rout.type == TLSK_MSG_TICKET_KEYS && rout.rotate == 1);
	CHECK(tlsk_msg_decode_status(buf, (size_t)len, &id,
				     &(struct tlsk_daemon_status){ 0 }) ==
	      -EBADMSG);
}

/* A reply whose key list is not "ID STATE AGE ACTIVE;...": refused. */
static void ticket_keys_list_rejected(void)
{
	static const char *const bad[] = {
		"0123456789abcdef0123456789abcdef 0 1",
		"0123456789abcdef0123456789abcdef 3 1 1",
		"0123456789ABCDEF0123456789abcdef 0 1 1",
		"0123456789abcdef0123456789abcdef 0 -1 1",
		"0123456789abcdef0123456789abcdef 0 1 x",
		"0123456789abcdef0123456789abcdef 0 1 99999999999999999999",
		"0123456789abcdef0123456789abcdef 0  1 1",
		";",
	};
	static const uint8_t head[TLSK_MSG_HEADER_LEN] = {
		'T', 'K', 1, TLSK_MSG_TICKET_KEYS_REPLY, 0, 0, 0, 1,
	};
	static const uint8_t status0[7] = { TLSK_A_STATUS, 0, 4, 0, 0, 0, 0 };
	struct tlsk_ticket_keys_info out;
	uint8_t buf[TLSK_MSG_MAX];
	uint32_t id;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t l = strlen(bad[i]), len = TLSK_MSG_HEADER_LEN;

		memcpy(buf, head, sizeof(head));
		memcpy(buf + len, status0, sizeof(status0));
		len += 7;
		buf[len] = TLSK_A_TICKET_KEY_LIST;
		buf[len + 1] = (uint8_t)(l >> 8);
		buf[len + 2] = (uint8_t)l;
		memcpy(buf + len + 3, bad[i], l);
		CHECK(tlsk_msg_decode_ticket_keys(buf, len + 3 + l, &id,
						  &out) == -EBADMSG);
	}
}

static int decode_mutated(size_t at, uint8_t value)
{
	uint8_t buf[TLSK_MSG_MAX];
	struct tlsk_request out;
	int len = encode_sample(buf);

	buf[at] = value;
	return tlsk_msg_decode_request(buf, (size_t)len, &out);
}

static void header_rejected(void)
{
	struct tlsk_request out;
	uint8_t buf[TLSK_MSG_MAX];

	CHECK(decode_mutated(0, 'X') == -EBADMSG);
	CHECK(decode_mutated(2, 2) == -EPROTONOSUPPORT);
	CHECK(decode_mutated(3, 0x42) == -EBADMSG);
	/* A reply is not a request. */
	CHECK(decode_mutated(3, TLSK_MSG_HANDSHAKE_REPLY) == -EBADMSG);
	CHECK(tlsk_msg_decode_request(buf, 0, &out) == -EBADMSG);
	CHECK(tlsk_msg_decode_request(buf, TLSK_MSG_MAX + 1, &out) == -EBADMSG);
}

/* Offset of attribute `attr` in the encoded sample. */
static size_t attr_offset(const uint8_t *buf, size_t len, uint8_t attr)
{
	size_t pos = TLSK_MSG_HEADER_LEN;

	while (pos + 3 <= len && buf[pos] != attr)
		pos += 3 + ((size_t)buf[pos + 1] << 8 | buf[pos + 2]);
	return pos;
}

static void attributes_rejected(void)
{
	uint8_t buf[TLSK_MSG_MAX];
	struct tlsk_request out;
	int len = encode_sample(buf);
	size_t role = attr_offset(buf, (size_t)len, TLSK_A_ROLE);
	size_t prof = attr_offset(buf, (size_t)len, TLSK_A_PROFILE);

	CHECK(decode_mutated(role, 99) == -EBADMSG);		/* unknown */
	CHECK(decode_mutated(role, TLSK_A_PROFILE) == -EBADMSG);	/* twice */
	CHECK(decode_mutated(role + 2, 2) == -EBADMSG);		/* int size */
	CHECK(decode_mutated(role + 3, 7) == -EBADMSG);		/* bad role */
	CHECK(decode_mutated(prof + 3, 0) == -EBADMSG);		/* NUL */
	CHECK(decode_mutated(prof + 3, '\n') == -EBADMSG);	/* control */
	CHECK(decode_mutated(prof + 1, 0x10) == -EBADMSG);	/* past end */
	/* Trailing bytes that are not a whole attribute. */
	CHECK(tlsk_msg_decode_request(buf, (size_t)len + 2, &out) == -EBADMSG);
	/* Missing required attribute: cut off everything after the role. */
	CHECK(role == TLSK_MSG_HEADER_LEN);
	CHECK(tlsk_msg_decode_request(buf, role + 4, &out) == -EBADMSG);
}

static void string_too_long_rejected(void)
{
	uint8_t buf[TLSK_MSG_MAX] = { TLSK_MSG_MAGIC0, TLSK_MSG_MAGIC1,
				      TLSK_MSG_VERSION, TLSK_MSG_HANDSHAKE };
	struct tlsk_request out;
	size_t pos = TLSK_MSG_HEADER_LEN;

	memcpy(buf + pos, "\x01\x00\x01\x01", 4);	/* role server */
	pos += 4;
	buf[pos++] = TLSK_A_PROFILE;
	buf[pos++] = 0;
	buf[pos++] = TLSK_PROFILE_MAX;		/* no room for the NUL */
	memset(buf + pos, 'a', TLSK_PROFILE_MAX);
	pos += TLSK_PROFILE_MAX;
	CHECK(tlsk_msg_decode_request(buf, pos, &out) == -EBADMSG);
	buf[pos - TLSK_PROFILE_MAX - 1] = TLSK_PROFILE_MAX - 1;
	CHECK(tlsk_msg_decode_request(buf, pos - 1, &out) == 0);
	CHECK(strlen(out.profile) == TLSK_PROFILE_MAX - 1);
}

static void encoder_refuses(void)
{
	struct tlsk_request req = sample_req;
	uint8_t buf[TLSK_MSG_MAX];

	CHECK(tlsk_msg_encode_request(&req, buf, 10) == -EMSGSIZE);
	req.profile[3] = '\t';
	CHECK(tlsk_msg_encode_request(&req, buf, sizeof(buf)) == -EINVAL);
	req = sample_req;
	memset(req.alpn, 'x', sizeof(req.alpn));	/* unterminated */
	CHECK(tlsk_msg_encode_request(&req, buf, sizeof(buf)) == -EINVAL);
	req = sample_req;
	req.type = TLSK_MSG_HANDSHAKE_REPLY;
	CHECK(tlsk_msg_encode_request(&req, buf, sizeof(buf)) == -EINVAL);
}

static void fd_passing(void)
{
	int sp[2], pipefd[2], fd, before;
	uint8_t buf[16];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
	CHECK(pipe(pipefd) == 0);
	before = open_fds();
	CHECK(tlsk_send_msg_fd(sp[0], "abc", 3, pipefd[1]) == 0);
	CHECK(tlsk_recv_msg_fd(sp[1], buf, sizeof(buf), &fd, 0) == 3);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	/* Truncated message: its fd is closed, not leaked. */
	CHECK(tlsk_send_msg_fd(sp[0], "abcdef", 6, pipefd[1]) == 0);
	CHECK(tlsk_recv_msg_fd(sp[1], buf, 2, &fd, 0) == -EMSGSIZE);
	CHECK(fd == -1);
	CHECK(open_fds() == before);
	/* No fd at all. */
	CHECK(tlsk_send_msg_fd(sp[0], "a", 1, -1) == 0);
	CHECK(tlsk_recv_msg_fd(sp[1], buf, sizeof(buf), &fd, 0) == 1);
	CHECK(fd == -1);
	close(sp[0]);
	CHECK(tlsk_recv_msg_fd(sp[1], buf, sizeof(buf), &fd, 0) == 0);
	close(sp[1]);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void two_fds_refused(void)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = "ab", .iov_len = 2 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	int sp[2], fds[2], fd, before;
	uint8_t buf[16];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
	CHECK(pipe(fds) == 0);
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	before = open_fds();
	CHECK(sendmsg(sp[0], &mh, 0) == 2);
	CHECK(tlsk_recv_msg_fd(sp[1], buf, sizeof(buf), &fd, 0) == -EMSGSIZE);
	CHECK(fd == -1 && open_fds() == before);
	close(sp[0]);
	close(sp[1]);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	RUN(request_roundtrip);
	RUN(reply_roundtrip);
	RUN(status_roundtrip);
	RUN(ticket_keys_roundtrip);
	RUN(ticket_keys_list_rejected);
	RUN(header_rejected);
	RUN(attributes_rejected);
	RUN(string_too_long_rejected);
	RUN(encoder_refuses);
	RUN(fd_passing);
	RUN(two_fds_refused);
	return tap_done();
}
