// SPDX-License-Identifier: MIT
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "../lib/tests/testpki.h"

static struct testpki pki;
static struct tlsk_config *server_cfg, *client_cfg;
static struct tlsk_config *server12_cfg, *client12_cfg;

static void remove_pki(void)
{
	testpki_remove(&pki);
	tlsk_config_free(server_cfg);
	tlsk_config_free(client_cfg);
	tlsk_config_free(client12_cfg);
	tlsk_config_free(server12_cfg);
}

static void setup(void)
{
	if (server_cfg)
		return;
	if (testpki_make(&pki))
		abort();
	server_cfg = tlsk_config_new();
	client_cfg = tlsk_config_new();
	/* a TLS 1.2-only pair, for the TLS 1.2 seeds (no downgrade
	 * sentinel, which would stop the fuzz client at ServerHello) */
	server12_cfg = tlsk_config_new();
	tlsk_config_set_versions(server12_cfg, 0x0303, 0x0303);
	tlsk_config_set_verify(server12_cfg, TLSK_VERIFY_OPTIONAL);
	if (tlsk_config_add_cert(server12_cfg,
				 testpki_path(&pki, "ec256.chain"),
				 testpki_path(&pki, "ec256.key")) ||
	    tlsk_config_load_ca_file(server12_cfg,
				     testpki_path(&pki, "root.crt")))
		abort();
	client12_cfg = tlsk_config_new();
	tlsk_config_set_versions(client12_cfg, 0x0303, 0x0303);
	tlsk_config_set_verify(client12_cfg, TLSK_VERIFY_NONE);
	if (tlsk_config_add_cert(client12_cfg,
				 testpki_path(&pki, "client.chain"),
				 testpki_path(&pki, "client.key")))
		abort();
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

/* A whole TLS 1.2 handshake (client certificate included) between a
 * TLS 1.2-only client and server; what `role` sent, all of it.
 * Fed to a fresh peer it gets past the hellos into ServerKeyExchange or
 * ClientKeyExchange, ChangeCipherSpec and a Finished that fails to open
 * (the randoms differ): the TLS 1.2 messages' seeds. */
size_t fuzz_tls12_exchange(enum tlsk_role role, uint8_t *buf, size_t cap)
{
	struct tlsk_engine *c, *s;
	uint8_t tmp[16384];
	size_t got = 0;

	setup();
	c = tlsk_engine_new(client12_cfg, TLSK_ROLE_CLIENT);
	s = tlsk_engine_new(server12_cfg, TLSK_ROLE_SERVER);
	tlsk_engine_set_server_name(c, "localhost");
	for (int round = 0; round < 20; round++) {
		enum tlsk_role sender = round % 2 ? TLSK_ROLE_SERVER :
						    TLSK_ROLE_CLIENT;
		struct tlsk_engine *from = round % 2 ? s : c;
		struct tlsk_engine *to = round % 2 ? c : s;
		size_t n = take_output(from, tmp, sizeof(tmp)), off = 0, want;

		if (sender == role && n <= cap - got) {
			memcpy(buf + got, tmp, n);
			got += n;
		}
		while (off < n && (want = tlsk_engine_want(to))) {
			size_t k = want < n - off ? want : n - off;

			tlsk_engine_input(to, tmp + off, k);
			off += k;
		}
	}
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	return got;
}
