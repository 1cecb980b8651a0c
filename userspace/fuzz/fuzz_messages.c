// SPDX-License-Identifier: MIT
/*
 * Every message parser on its own: the first byte picks the parser, the
 * rest is the message body. Each runs on a fresh engine put in the state
 * where that message is read, so parsers behind encryption (which the
 * whole-engine harnesses cannot reach with random bytes) are covered.
 */
#include "fuzz.h"

#include <string.h>

#include "../lib/tests/chello.h"
#include "engine_int.h"
#include "tls13_handlers.h"

typedef int (*parser)(struct tlsk_engine *e, struct rd *body);

static int parse_session(struct tlsk_engine *e, struct rd *body)
{
	struct session s = { 0 };

	(void)e;
	if (!session_decode(rd_ptr(body), rd_left(body), &s))
		session_clear(&s);
	rd_bytes(body, rd_left(body));
	return 0;
}

static int parse_ticket(struct tlsk_engine *e, struct rd *body)
{
	struct session s = { 0 };

	if (!ticket_open(e->cfg, rd_ptr(body), rd_left(body), &s))
		session_clear(&s);
	rd_bytes(body, rd_left(body));
	return 0;
}

/* the server reads a ClientHello with the message in its transcript, as
 * the dispatcher leaves it (PSK binders hash a prefix of it) */
static int parse_client_hello(struct tlsk_engine *e, struct rd *body)
{
	uint8_t hdr[4] = { HS_CLIENT_HELLO, (uint8_t)(rd_left(body) >> 16),
			   (uint8_t)(rd_left(body) >> 8),
			   (uint8_t)rd_left(body) };

	tr_add(&e->tr, hdr, 4);
	buf_put(&e->tr.msgs, rd_ptr(body), rd_left(body));
	e->tr.last_len += rd_left(body);
	return server_read_client_hello(e, body);
}

static const struct {
	parser fn;
	enum tlsk_role role;
} parsers[] = {
	{ client_read_server_hello, TLSK_ROLE_CLIENT },
	{ client_read_encrypted_extensions, TLSK_ROLE_CLIENT },
	{ client_read_certificate_request, TLSK_ROLE_CLIENT },
	{ client_read_certificate, TLSK_ROLE_CLIENT },
	{ client_read_certificate_verify, TLSK_ROLE_CLIENT },
	{ client_read_finished, TLSK_ROLE_CLIENT },
	{ client_read_new_session_ticket, TLSK_ROLE_CLIENT },
	{ parse_client_hello, TLSK_ROLE_SERVER },
	{ parse_session, TLSK_ROLE_CLIENT },
	{ parse_ticket, TLSK_ROLE_SERVER },
};

#define NPARSERS (sizeof(parsers) / sizeof(parsers[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsk_engine *e;
	struct rd body;
	unsigned which;

	if (!size)
		return 0;
	which = data[0] % NPARSERS;
	e = tlsk_engine_new(parsers[which].role == TLSK_ROLE_CLIENT ?
			    fuzz_client_config() : fuzz_server_config(),
			    parsers[which].role);
	/* after ServerHello: a suite is known (and keys are zeros) */
	if (parsers[which].role == TLSK_ROLE_CLIENT && which != 0)
		e->suite = tlsk_suite_by_id(0x1301);
	rd_init(&body, data + 1, size - 1);
	parsers[which].fn(e, &body);
	tlsk_engine_free(e);
	return 0;
}

/* real ClientHello bodies for the ClientHello parser */
size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap)
{
	uint8_t flight[4096];
	size_t n;

	/* the client's own, then test_chello's hand-built ones (one
	 * record's worth: the message after its record header) */
	n = i ? chello_seed(i - 1, flight, sizeof(flight)) :
		fuzz_client_flight(flight, sizeof(flight));
	if (n < 9 || n - 9 + 1 > cap)
		return 0;
	buf[0] = 7;				/* parse_client_hello */
	memcpy(buf + 1, flight + 9, n - 9);	/* record + message headers */
	return n - 9 + 1;
}
