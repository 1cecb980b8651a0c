// SPDX-License-Identifier: MIT
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "../lib/tests/testpki.h"

static struct testpki pki;
static struct tlsk_config *server_cfg, *client_cfg;

static void remove_pki(void)
{
	testpki_remove(&pki);
	tlsk_config_free(server_cfg);
	tlsk_config_free(client_cfg);
}

static void setup(void)
{
	if (server_cfg)
		return;
	if (testpki_make(&pki))
		abort();
	server_cfg = tlsk_config_new();
	client_cfg = tlsk_config_new();
	if (tlsk_config_add_cert(server_cfg, testpki_path(&pki, "ec256.chain"),
				 testpki_path(&pki, "ec256.key")))
		abort();
	/* make every step reachable: client auth requested, no checks */
	tlsk_config_set_verify(server_cfg, TLSK_VERIFY_OPTIONAL);
	tlsk_config_set_verify(client_cfg, TLSK_VERIFY_NONE);
	tlsk_config_set_alpn(server_cfg, "h2,http/1.1");
	tlsk_config_set_alpn(client_cfg, "h2");
	atexit(remove_pki);
}

const struct tlsk_config *fuzz_server_config(void)
{
	setup();
	return server_cfg;
}

const struct tlsk_config *fuzz_client_config(void)
{
	setup();
	return client_cfg;
}

static void drain(struct tlsk_engine *e)
{
	size_t n;

	tlsk_engine_output(e, &n);
	tlsk_engine_output_done(e, n);
}

void fuzz_feed(struct tlsk_engine *e, const uint8_t *data, size_t size)
{
	size_t want;

	drain(e);
	while (size && (want = tlsk_engine_want(e))) {
		size_t n = want < size ? want : size;

		tlsk_engine_input(e, data, n);
		data += n;
		size -= n;
		drain(e);
	}
}

static size_t take_output(struct tlsk_engine *e, uint8_t *buf, size_t cap)
{
	size_t n;
	const uint8_t *p = tlsk_engine_output(e, &n);

	if (n > cap)
		n = cap;
	if (n)
		memcpy(buf, p, n);
	tlsk_engine_output_done(e, n);
	return n;
}

size_t fuzz_client_flight(uint8_t *buf, size_t cap)
{
	struct tlsk_engine *c = tlsk_engine_new(fuzz_client_config(),
						TLSK_ROLE_CLIENT);
	size_t n;

	tlsk_engine_set_server_name(c, "localhost");
	n = take_output(c, buf, cap);
	tlsk_engine_free(c);
	return n;
}

size_t fuzz_server_flight(uint8_t *buf, size_t cap)
{
	struct tlsk_engine *s = tlsk_engine_new(fuzz_server_config(),
						TLSK_ROLE_SERVER);
	uint8_t ch[4096];
	size_t n = fuzz_client_flight(ch, sizeof(ch));

	size_t want, off = 0;

	/* like fuzz_feed(), but keeping what the server says */
	while (off < n && (want = tlsk_engine_want(s))) {
		size_t k = want < n - off ? want : n - off;

		tlsk_engine_input(s, ch + off, k);
		off += k;
	}
	n = take_output(s, buf, cap);
	tlsk_engine_free(s);
	return n;
}
