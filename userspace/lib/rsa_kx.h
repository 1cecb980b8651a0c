/* SPDX-License-Identifier: MIT */
/*
 * RSA key transport for TLS 1.2 (RFC 5246 7.4.7.1), for the suites a
 * profile must enable (tls12_suites.h).
 *
 * Implementation notes: the server side is the classic Bleichenbacher
 * target. An attacker who can tell a bad PKCS#1 v1.5 padding from a good
 * one, by an alert, a timing or a different code path, can decrypt or
 * sign with the server's key ("ROBOT"). So the server never fails here:
 *
 *   1. it draws a random 48-byte premaster R = client_version || 46
 *      random bytes before looking at the ciphertext;
 *   2. it decrypts with RSA_NO_PADDING (raw RSA, blinded by libcrypto),
 *      the same on OpenSSL 3.0 and 3.2+, whose implicit rejection would
 *      otherwise change what a bad padding yields;
 *   3. it checks the PKCS#1 v1.5 type-2 padding, that the message is
 *      exactly 48 bytes and that its first two bytes are the version the
 *      client offered in ClientHello, all without branches on the
 *      decrypted bytes, folding the result into one mask;
 *   4. it selects the decrypted premaster or R byte by byte under that
 *      mask.
 *
 * A bad ciphertext therefore yields a premaster the client does not know,
 * and the handshake fails later, at Finished, exactly as for any other
 * wrong key (decrypt_error / bad_record_mac). RFC 5246 keeps the decrypted
 * bytes and overwrites the version on a version mismatch; we take R
 * instead, as OpenSSL does, which is just as opaque to the attacker and
 * rejects the rollback the version check exists for.
 */
#ifndef TLSK_RSA_KX_H
#define TLSK_RSA_KX_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "codec.h"

#define RSA_KX_PREMASTER_LEN 48

/*
 * Server: the premaster from EncryptedPreMasterSecret `enc` (the vector's
 * contents). client_version is ClientHello.client_version (0x0303).
 * Returns 0 and fills pms for every ciphertext, good or bad; a negative
 * errno only when the key is not an RSA private key or libcrypto cannot
 * run at all (internal_error), which does not depend on enc.
 */
int rsa_kx_server_premaster(EVP_PKEY *key, uint16_t client_version,
			    const uint8_t *enc, size_t enc_len,
			    uint8_t pms[RSA_KX_PREMASTER_LEN]);

/*
 * Client: a fresh premaster (client_version || 46 random bytes) in pms,
 * and its PKCS#1 v1.5 encryption to the server's certificate key appended
 * to out (the EncryptedPreMasterSecret contents, without the length).
 * 0 or a negative errno (-EINVAL: not an RSA key).
 */
int rsa_kx_client_premaster(EVP_PKEY *server_key, uint16_t client_version,
			    uint8_t pms[RSA_KX_PREMASTER_LEN],
			    struct buf *out);

#endif /* TLSK_RSA_KX_H */
