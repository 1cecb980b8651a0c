// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the tlskd wire protocol (tlsk/service.h): every
 * decoder over arbitrary bytes, and for what decodes, the round-trip
 * property decode(encode(m)) == m.
 */
#include <stdlib.h>
#include <string.h>

#include "../../tests/msg_equal.h"
#include "fuzz.h"
#include "tlsk/service.h"

static void check_request(const uint8_t *data, size_t size)
{
	struct tlsk_request a, b;
	uint8_t buf[TLSK_MSG_MAX];
	int len;

	if (tlsk_msg_decode_request(data, size, &a))
		return;
	len = tlsk_msg_encode_request(&a, buf, sizeof(buf));
	if (len < 0 || tlsk_msg_decode_request(buf, (size_t)len, &b) ||
	    !request_equal(&a, &b))
		abort();
}

static void check_reply(const uint8_t *data, size_t size)
{
	struct tlsk_result a, b;
	uint8_t buf[TLSK_MSG_MAX];
	uint32_t ida, idb;
	int len;

	if (tlsk_msg_decode_reply(data, size, &ida, &a))
		return;
	len = tlsk_msg_encode_reply(ida, &a, buf, sizeof(buf));
	if (len < 0 || tlsk_msg_decode_reply(buf, (size_t)len, &idb, &b) ||
	    ida != idb || !result_equal(&a, &b))
		abort();
}

static void check_status(const uint8_t *data, size_t size)
{
	struct tlsk_daemon_status a, b;
	uint8_t buf[TLSK_MSG_MAX];
	uint32_t ida, idb;
	int len;

	if (tlsk_msg_decode_status(data, size, &ida, &a))
		return;
	len = tlsk_msg_encode_status(ida, &a, buf, sizeof(buf));
	if (len < 0 || tlsk_msg_decode_status(buf, (size_t)len, &idb, &b) ||
	    ida != idb || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
}

static void check_ticket_keys(const uint8_t *data, size_t size)
{
	struct tlsk_ticket_keys_info a, b;
	uint8_t buf[TLSK_MSG_MAX];
	uint32_t ida, idb;
	int len;

	if (tlsk_msg_decode_ticket_keys(data, size, &ida, &a))
		return;
	len = tlsk_msg_encode_ticket_keys(ida, &a, buf, sizeof(buf));
	if (len < 0 || tlsk_msg_decode_ticket_keys(buf, (size_t)len, &idb, &b) ||
	    ida != idb || !ticket_keys_equal(&a, &b))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_reply(data, size);
	check_status(data, size);
	check_ticket_keys(data, size);
	return 0;
}

size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap)
{
	struct tlsk_request req = {
		.type = TLSK_MSG_HANDSHAKE, .id = 1, .role = TLSK_ROLE_SERVER,
		.profile = "web", .server_name = "a.example", .alpn = "h2",
		.timeout_ms = 100,
	};
	struct tlsk_result res = {
		.status = 71, .alert = 40, .reason = "handshake_failure",
		.suite_name = "TLS_AES_128_GCM_SHA256",
	};
	struct tlsk_daemon_status st = { .hs_done = 5, .uptime = 3 };
	struct tlsk_ticket_keys_info tk = {
		.source = TLSK_TICKETS_REDIS, .redis = 3, .rotation_s = 60,
		.n = 2, .keys = {
			{ "00112233445566778899aabbccddeeff", 0, 61, 1 },
			{ "ffeeddccbbaa99887766554433221100", 2, 1, -59 },
		},
	};
	struct tlsk_request tkreq = { .type = TLSK_MSG_TICKET_KEYS, .id = 4,
				      .rotate = 1 };
	int len;

	switch (i) {
	case 0:
		len = tlsk_msg_encode_request(&req, buf, cap);
		break;
	case 1:
		len = tlsk_msg_encode_reply(2, &res, buf, cap);
		break;
	case 2:
		len = tlsk_msg_encode_status(3, &st, buf, cap);
		break;
	case 3:
		len = tlsk_msg_encode_ticket_keys(5, &tk, buf, cap);
		break;
	case 4:
		len = tlsk_msg_encode_request(&tkreq, buf, cap);
		break;
	default:
		return 0;
	}
	return len > 0 ? (size_t)len : 0;
}
