/* SPDX-License-Identifier: MIT */
/* Handshake signatures: TLS 1.3 CertificateVerify (RFC 8446, 4.4.3)
 * and, over raw content, TLS 1.2's ServerKeyExchange and
 * CertificateVerify (RFC 5246 7.4.3, 7.4.8). */
#ifndef TLSK_SIG_H
#define TLSK_SIG_H

#include "codec.h"
#include "suites.h"

enum sig_context { SIG_SERVER, SIG_CLIENT };

/* Sign the CertificateVerify content for transcript hash th. */
int sig_sign(EVP_PKEY *key, const struct tlsk_sigscheme *s,
	     enum sig_context who, const uint8_t *th, size_t th_len,
	     struct buf *out);
/* 0 when sig is valid, -EBADMSG otherwise (decrypt_error) */
int sig_verify(EVP_PKEY *key, const struct tlsk_sigscheme *s,
	       enum sig_context who, const uint8_t *th, size_t th_len,
	       const uint8_t *sig, size_t sig_len);

/* sign / verify exactly `content` (TLS 1.2) */
int sig_sign_content(EVP_PKEY *key, const struct tlsk_sigscheme *s,
		     const uint8_t *content, size_t n, struct buf *out);
int sig_verify_content(EVP_PKEY *key, const struct tlsk_sigscheme *s,
		       const uint8_t *content, size_t n, const uint8_t *sig,
		       size_t sig_len);

#endif /* TLSK_SIG_H */
