// SPDX-License-Identifier: MIT
/* libFuzzer harness for the tlskd.conf parser (conf_parse only: no files
 * are opened, no engine configuration is built). */
#include <string.h>

#include "../conf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diag d;
	struct conf c;

	memset(&d, 0, sizeof(d));
	conf_parse(&c, (const char *)data, size, "/fuzz/tlskd.conf", &d);
	for (size_t i = 0; i < c.nprofiles; i++)
		(void)conf_profile(&c, c.profiles[i].name);
	conf_free(&c);
	return 0;
}

size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap)
{
	static const char *const seeds[] = {
		"socket = /run/x.sock\nsocket-mode = 0660\nlog-level = debug\n"
		"handshake-timeout = 10s\nticket-key-rotation = 1h\n"
		"[profile web]\ncert = a.crt a.key\nca = ca.pem\n"
		"client-auth = require\nversions = 1.2-1.3\nalpn = h2\n"
		"allow-uid = 0 1\nallow-gid = 0\n",
		"[profile a]\n[profile b]\nversions = 1.3\n# c\n",
	};
	size_t n;

	if (i >= sizeof(seeds) / sizeof(seeds[0]))
		return 0;
	n = strlen(seeds[i]);
	if (n > cap)
		n = cap;
	memcpy(buf, seeds[i], n);
	return n;
}
