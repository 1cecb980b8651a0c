// SPDX-License-Identifier: MIT
/*
 * A program as a user of the installed libtlsk writes it: built by
 * pkg/tests/install.sh with `pkg-config --cflags --libs libtlsk` from a
 * scratch DESTDIR and nothing of the source tree. It runs one TLS 1.3
 * handshake between a client and a server engine in memory (the sans-I/O
 * API), checks that both derive the same keys, encodes and decodes a
 * service request, and includes the netlink ABI header.
 *
 *   consumer CERT.pem KEY.pem CA.pem    exit 0 and "consumer: ok"
 */
#include <stdio.h>
#include <string.h>

#include <linux/tlsk.h>
#include <tlsk/engine.h>
#include <tlsk/service.h>

static int fail(const char *what)
{
	fprintf(stderr, "consumer: %s\n", what);
	return 1;
}

/* Moves what from has to send into to, no more than to wants. */
static int move(struct tlsk_engine *from, struct tlsk_engine *to,
		int *moved)
{
	size_t len, want;
	const uint8_t *out = tlsk_engine_output(from, &len);

	while (len && (want = tlsk_engine_want(to))) {
		size_t n = len < want ? len : want;

		if (tlsk_engine_input(to, out, n))
			return -1;
		tlsk_engine_output_done(from, n);
		out = tlsk_engine_output(from, &len);
		*moved = 1;
	}
	return 0;
}

static int handshake(struct tlsk_engine *c, struct tlsk_engine *s)
{
	for (int round = 0; round < 1000; round++) {
		int moved = 0;

		if (move(c, s, &moved) || move(s, c, &moved))
			return -1;
		if (tlsk_engine_state(c) == TLSK_STATE_ESTABLISHED &&
		    tlsk_engine_state(s) == TLSK_STATE_ESTABLISHED)
			return 0;
		if (!moved)
			return -1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct tlsk_config *scfg = tlsk_config_new(), *ccfg = tlsk_config_new();
	struct tlsk_engine *s = NULL, *c = NULL;
	struct tlsk_session_info si, ci;
	struct tlsk_request req = { .type = TLSK_MSG_HANDSHAKE, .id = 7 }, back;
	uint8_t wire[4096];
	int len, rc = 1;

	if (argc != 4)
		return fail("usage: consumer CERT KEY CA");
	if (!scfg || !ccfg || tlsk_config_add_cert(scfg, argv[1], argv[2]) ||
	    tlsk_config_load_ca_file(ccfg, argv[3]) ||
	    tlsk_config_set_versions(scfg, 0x0304, 0x0304))
		goto out;
	s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);
	if (!s || !c || tlsk_engine_set_server_name(c, "localhost"))
		goto out;
	if (handshake(c, s)) {
		const char *why = "no reason";

		tlsk_engine_error(tlsk_engine_state(c) == TLSK_STATE_FAILED ?
				  c : s, NULL, NULL, &why);
		fprintf(stderr, "consumer: handshake failed: %s\n", why);
		goto out;
	}
	if (tlsk_engine_info(c, &ci) || tlsk_engine_info(s, &si) ||
	    ci.version != 0x0304 || si.suite != ci.suite) {
		fputs("consumer: the two ends disagree\n", stderr);
		goto out;
	}
	strcpy(req.profile, "web");
	len = tlsk_msg_encode_request(&req, wire, sizeof(wire));
	if (len <= 0 || tlsk_msg_decode_request(wire, (size_t)len, &back) ||
	    strcmp(back.profile, "web") != 0 || back.id != 7) {
		fputs("consumer: request round trip\n", stderr);
		goto out;
	}
	printf("consumer: ok (%s, netlink family %s)\n", ci.suite_name,
	       TLSK_GENL_NAME);
	rc = 0;
out:
	if (rc)
		fputs("consumer: failed\n", stderr);
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	tlsk_config_free(ccfg);
	tlsk_config_free(scfg);
	return rc;
}
