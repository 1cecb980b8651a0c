// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for what tlskd reads from Redis and from the socket
 * before a handshake (redis.c): the input is what a Redis server (or
 * anyone on its address) sends; hiredis parses it into replies, and
 * each reply goes through tlskd's reading of it as an entry and as a
 * status. The same bytes are also a ClientHello record to take the
 * session ID from, a sealed entry and a wrapped ticket key to open, and
 * a session-store address. Replies are also read as HGETALL of the
 * ticket-key hash (field, wrapped key, ...).
 */
#include <string.h>

#include <hiredis/hiredis.h>

#include "../fleet.h"
#include "../redisreply.h"
#include "fuzz.h"

static struct fleet_keys keys;
static char name[FLEET_NAME_LEN + 1];

static void setup(void)
{
	static const uint8_t raw[FLEET_KEY_LEN] = { 0x42 };
	static const uint8_t id[32] = { 7 };

	if (keys.set)
		return;
	fleet_derive(raw, &keys);
	fleet_entry_name(&keys, "web", id, sizeof(id), name);
}

static void reply_walk(const redisReply *r, unsigned depth)
{
	uint8_t blob[TLSK_SESSION_BLOB_MAX];
	size_t len = sizeof(blob);
	char why[128];

	struct fleet_tk set[4];
	char bad_field[FLEET_TK_FIELD_LEN + 1];
	unsigned bad;
	size_t n;

	redis_reply_entry(r, &keys, name, blob, &len, why, sizeof(why));
	redis_reply_ticket_keys(r, &keys, set, 4, &n, &bad, bad_field, why,
				sizeof(why));
	redis_reply_status(r, "OK", why, sizeof(why));
	redis_reply_status(r, "PONG", why, sizeof(why));
	if (r->type == REDIS_REPLY_ARRAY && depth < 4)
		for (size_t i = 0; i < r->elements; i++)
			if (r->element[i])
				reply_walk(r->element[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *rd = redisReaderCreate();
	uint8_t id[FLEET_ID_MAX], blob[TLSK_SESSION_BLOB_MAX];
	char addr[512];
	size_t id_len, len = sizeof(blob);
	struct fleet_addr a;
	struct fleet_tk tk;
	const char *why;
	void *reply = NULL;
	int v13;

	setup();
	if (rd && redisReaderFeed(rd, (const char *)data, size) == REDIS_OK) {
		for (unsigned n = 0; n < 64; n++) {
			if (redisReaderGetReply(rd, &reply) != REDIS_OK ||
			    !reply)
				break;
			reply_walk(reply, 0);
			freeReplyObject(reply);
			reply = NULL;
		}
	}
	if (rd)
		redisReaderFree(rd);
	fleet_hello_session(data, size, id, &id_len, &v13);
	fleet_open(&keys, name, data, size, blob, &len);
	fleet_tk_unwrap(&keys, "00112233445566778899aabbccddeeff", data, size,
			&tk);
	len = size < sizeof(addr) - 1 ? size : sizeof(addr) - 1;
	memcpy(addr, data, len);
	addr[len] = '\0';
	fleet_parse_addr(addr, &a, &why);
	return 0;
}

/* a ClientHello record, session ID "abcd" (not NUL-ended: its length
 * is sizeof - 1) */
static const char hello_seed[] =
	"\x16\x03\x01\x00\x31\x01\x00\x00\x2d\x03\x03"
	"0123456789abcdef0123456789abcdef\x04"
	"abcd\x00\x02\xc0\x2b\x01\x00";

size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap)
{
	static const char *const seeds[] = {
		"+OK\r\n+PONG\r\n$-1\r\n",
		"-WRONGPASS invalid username-password pair\r\n",
		"*3\r\n$3\r\nabc\r\n:42\r\n*1\r\n+OK\r\n",
		"$5\r\nhello\r\n",
		hello_seed,
		"redis://user:pw@127.0.0.1:6379/3",
		"unix:/run/redis.sock",
	};
	uint8_t blob[64] = { 1, 2, 3 }, sealed[FLEET_SEALED_MAX];
	size_t n;
	int s;

	setup();
	if (i == sizeof(seeds) / sizeof(seeds[0])) {
		/* a bulk string holding a real sealed entry */
		s = fleet_seal(&keys, name, blob, sizeof(blob), sealed);
		if (s <= 0 || (size_t)s + 16 > cap)
			return 0;
		n = (size_t)snprintf((char *)buf, cap, "$%d\r\n", s);
		memcpy(buf + n, sealed, (size_t)s);
		buf[n + (size_t)s] = '\r';
		buf[n + (size_t)s + 1] = '\n';
		return n + (size_t)s + 2;
	}
	if (i == sizeof(seeds) / sizeof(seeds[0]) + 1) {
		/* HGETALL of the ticket-key hash: one real wrapped key */
		struct fleet_tk t = { .created = 1, .active_from = 2 };
		uint8_t w[FLEET_TK_WRAPPED_LEN];
		char field[FLEET_TK_FIELD_LEN + 1];

		memset(t.name, 0x5c, sizeof(t.name));
		fleet_tk_field(t.name, field);
		if (fleet_tk_wrap(&keys, &t, w) || cap < 64 + sizeof(w))
			return 0;
		n = (size_t)snprintf((char *)buf, cap, "*2\r\n$32\r\n%s\r\n"
				     "$%zu\r\n", field, sizeof(w));
		memcpy(buf + n, w, sizeof(w));
		buf[n + sizeof(w)] = '\r';
		buf[n + sizeof(w) + 1] = '\n';
		return n + sizeof(w) + 2;
	}
	if (i > sizeof(seeds) / sizeof(seeds[0]))
		return 0;
	n = i == 4 ? sizeof(hello_seed) - 1 : strlen(seeds[i]);
	if (n > cap)
		n = cap;
	memcpy(buf, seeds[i], n);
	return n;
}
