/* SPDX-License-Identifier: MIT */
/* Hello extensions (RFC 8446, 4.2): collecting a message's extensions. */
#ifndef TLSK_EXT_H
#define TLSK_EXT_H

#include <stdbool.h>

#include "codec.h"

struct tlsk_engine;

enum ext_type {
	EXT_SERVER_NAME = 0,
	EXT_SUPPORTED_GROUPS = 10,
	EXT_EC_POINT_FORMATS = 11,	/* RFC 8422 5.1.2, TLS 1.2 */
	EXT_SIGNATURE_ALGORITHMS = 13,
	EXT_ALPN = 16,
	EXT_RECORD_SIZE_LIMIT = 28,
	EXT_PRE_SHARED_KEY = 41,
	EXT_EARLY_DATA = 42,
	EXT_SUPPORTED_VERSIONS = 43,
	EXT_COOKIE = 44,
	EXT_PSK_KEY_EXCHANGE_MODES = 45,
	EXT_SIGNATURE_ALGORITHMS_CERT = 50,
	EXT_KEY_SHARE = 51,
	EXT_LIST_END = 0xffff,		/* terminates `allowed` lists */
};

/* room for every type an `allowed` list names (each at most once) */
#define EXT_MAX 24

/* the known (listed) extensions of a block; unknown ones are skipped */
struct exts {
	size_t n;
	uint16_t type[EXT_MAX];
	struct rd data[EXT_MAX];
	uint16_t last;		/* the type of its last one, known or not
				 * (EXT_LIST_END for none) */
};

/*
 * Read an extensions block (a u16 vector) into x. `allowed` lists the
 * types that may appear (ending with EXT_LIST_END, at most EXT_MAX).
 * Unknown types are skipped when ignore_unknown (a ClientHello, or a
 * CertificateRequest: RFC 8446 4.2), however many there are, otherwise
 * they fail with unsupported_extension. An extension that runs past the
 * block is a decode_error. A type seen twice, known or not, fails with
 * illegal_parameter (RFC 8446 4.2, RFC 5246 7.4.1.4: "There MUST NOT be
 * more than one extension of the same type"); OpenSSL 3.0 lets
 * duplicates of types it does not know pass, we do not. Linear in the
 * block's length: one bit per possible type marks those seen.
 * Returns 0 or the engine's error.
 */
int exts_read(struct tlsk_engine *e, struct rd *r, struct exts *x,
	      const uint16_t *allowed, bool ignore_unknown, const char *where);
/*
 * The same for a TLS 1.3 server message we answer to (ServerHello,
 * HelloRetryRequest, EncryptedExtensions): `allowed` is what may come
 * back to our requests, `specified` what RFC 8446 4.2 specifies for the
 * message. A type outside `allowed` fails with illegal_parameter when it
 * is a TLS 1.3 extension not specified for the message, otherwise with
 * unsupported_extension (we did not ask for it).
 */
int exts_read13_response(struct tlsk_engine *e, struct rd *r, struct exts *x,
			 const uint16_t *allowed, const uint16_t *specified,
			 const char *where);
/* the extension's data, or NULL when absent */
struct rd *exts_get(struct exts *x, uint16_t type);

#endif /* TLSK_EXT_H */
