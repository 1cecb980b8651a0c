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
 *
 * With `sigs` set before testpki_make, also one leaf per signature key
 * (serverAuth and clientAuth, names localhost, server.test): sig-ec256,
 * sig-ec384, sig-ec521, sig-ed25519, sig-rsa, sig-rsa-pss (RSASSA-PSS,
 * any hash), sig-rsa-pss-sha256 (RSASSA-PSS restricted to SHA-256), and
 * sig-ec256-nosign (P-256, key usage keyAgreement only).
 */
#ifndef TLSK_TESTPKI_H
#define TLSK_TESTPKI_H

#include <stddef.h>

struct testpki {
	char dir[64];
	int sigs;		/* also make the sig-* leaves */
};

int testpki_make(struct testpki *pki);
void testpki_remove(struct testpki *pki);
/* path of a file in the PKI directory (static buffer rotation) */
const char *testpki_path(const struct testpki *pki, const char *file);

#endif /* TLSK_TESTPKI_H */
