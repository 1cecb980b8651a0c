/* SPDX-License-Identifier: MIT */
/*
 * A throwaway PKI made at test time in a temporary directory; nothing
 * secret is ever committed. Layout (PEM files):
 *
 *   root.crt                 trust anchor (P-256)
 *   <kind>.chain, <kind>.key leaf + intermediate, and the leaf's key, for
 *                            kind = ec256, ec384, rsa, rsa-sign (key
 *                            usage digitalSignature only), ed25519 (names
 *                            localhost, server.test), other (other.test),
 *                            expired, client (clientAuth), rogue (signed by
 *                            a root nobody trusts)
 */
#ifndef TLSK_TESTPKI_H
#define TLSK_TESTPKI_H

#include <stddef.h>

struct testpki {
	char dir[64];
};

int testpki_make(struct testpki *pki);
void testpki_remove(struct testpki *pki);
/* path of a file in the PKI directory (static buffer rotation) */
const char *testpki_path(const struct testpki *pki, const char *file);

#endif /* TLSK_TESTPKI_H */
