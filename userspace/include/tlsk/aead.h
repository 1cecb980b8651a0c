/* SPDX-License-Identifier: MIT */
/*
 * Record protection algorithms: one descriptor per enum tlsk_aead.
 *
 * The table mirrors the kernel's <linux/tls.h> (struct tls12_crypto_info_*
 * sizes and layout) and names the libcrypto EVP_CIPHER that implements the
 * same AEAD, so that the userspace record layer (record.c) and the kernel
 * hand-off (handoff.c) cannot disagree about a size. Sizes are checked with
 * static_assert against the kernel header where the table is defined.
 */
#ifndef TLSK_AEAD_H
#define TLSK_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "keys.h"

#define TLSK_AEAD_NONCE_LEN	12	/* every supported AEAD uses 96 bits */

struct tlsk_aead_desc {
	enum tlsk_aead aead;
	const char *name;		/* "AES-128-GCM", for humans */
	uint16_t kernel_cipher;		/* TLS_CIPHER_* */
	size_t key_len;
	size_t tag_len;
	/*
	 * TLS 1.2 nonce shape: GCM and CCM send an 8-byte explicit nonce on
	 * the wire after a 4-byte implicit salt (RFC 5288, RFC 6655);
	 * ChaCha20-Poly1305 sends none and XORs seq into a 12-byte IV
	 * (RFC 7905), as TLS 1.3 does for every AEAD.
	 */
	size_t tls12_explicit_len;
	int is_ccm;			/* CCM needs lengths before AAD */
	const EVP_CIPHER *(*evp_cipher)(void);

	/* Layout of the matching struct tls12_crypto_info_*. */
	size_t info_size;
	size_t info_salt_off, info_salt_len;
	size_t info_iv_off, info_iv_len;
	size_t info_key_off;
	size_t info_rec_seq_off, info_rec_seq_len;
};

/* NULL for an unknown value. */
const struct tlsk_aead_desc *tlsk_aead_lookup(enum tlsk_aead aead);

/*
 * The descriptor for keys whose version and sizes are consistent (keys.h:
 * key_len of the AEAD; iv_len 4 for TLS 1.2 GCM/CCM, else 12), or NULL.
 */
const struct tlsk_aead_desc *
tlsk_aead_for_keys(const struct tlsk_traffic_keys *keys);

/*
 * The 12-byte nonce base the kernel splits into salt || iv: the keys' iv
 * for TLS 1.3 and ChaCha20-Poly1305, and for TLS 1.2 GCM/CCM the salt
 * followed by the first explicit nonce, which is the sequence number.
 */
void tlsk_aead_nonce_base(const struct tlsk_traffic_keys *keys,
			  uint8_t nonce[TLSK_AEAD_NONCE_LEN]);

#endif /* TLSK_AEAD_H */
