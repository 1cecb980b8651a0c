// SPDX-License-Identifier: MIT
/* A whole client engine fed arbitrary bytes as the server's flight. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsk_engine *c = tlsk_engine_new(fuzz_client_config(),
						TLSK_ROLE_CLIENT);

	tlsk_engine_set_server_name(c, "localhost");
	fuzz_feed(c, data, size);
	tlsk_engine_free(c);
	return 0;
}

size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap)
{
	if (i == 1)	/* TLS 1.2: ServerHello through Finished */
		return fuzz_tls12_exchange(TLSK_ROLE_SERVER, buf, cap);
	return i == 0 ? fuzz_server_flight(buf, cap) : 0;
}
