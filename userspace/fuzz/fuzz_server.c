// SPDX-License-Identifier: MIT
/* A whole server engine fed arbitrary bytes as its peer's flights. */
#include "fuzz.h"

#include "../lib/tests/chello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsk_engine *s = tlsk_engine_new(fuzz_server_config(),
						TLSK_ROLE_SERVER);

	fuzz_feed(s, data, size);
	tlsk_engine_free(s);
	return 0;
}

size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap)
{
	if (i == 1)	/* TLS 1.2: ClientHello through Finished */
		return fuzz_tls12_exchange(TLSK_ROLE_CLIENT, buf, cap);
	if (i >= 2)	/* the hand-built ClientHellos of test_chello */
		return chello_seed(i - 2, buf, cap);
	return i == 0 ? fuzz_client_flight(buf, cap) : 0;
}
