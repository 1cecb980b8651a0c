/* SPDX-License-Identifier: MIT */
/* Certificates: loading our chains, choosing one by name, checking the
 * peer's (RFC 8446, 4.4.2.4) with X509_verify_cert. */
#ifndef TLSK_CERT_H
#define TLSK_CERT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* the configured certificate for an SNI name (first one as fallback) */
const struct cfg_cert *cert_for_name(const struct tlsk_config *cfg,
				     const char *name);

/* RFC 5280 4.2.1.3: may the leaf's key encipher keys (TLS 1.2 RSA key
 * transport, RFC 5246 7.4.2)? True when it has no key usage extension.
 * X509_PURPOSE_SSL_SERVER accepts a leaf with any one of the TLS bits. */
bool cert_allows_key_encipherment(X509 *leaf);

/* RFC 5280 4.2.1.3: may the leaf's key sign (TLS 1.2 ServerKeyExchange
 * with an ECDSA suite, as OpenSSL checks)? True without the extension. */
bool cert_allows_digital_signature(X509 *leaf);

struct cert_failure {
	uint8_t alert;
	char why[160];
};

/* Verify leaf + chain against the config's CA store; host (may be NULL)
 * is checked for a server certificate. 0, or -EKEYREJECTED with the
 * alert and reason filled in. */
int cert_verify_peer(const struct tlsk_config *cfg, X509 *leaf,
		     STACK_OF(X509) *chain, const char *host, int peer_is_server,
		     struct cert_failure *fail);

#endif /* TLSK_CERT_H */
