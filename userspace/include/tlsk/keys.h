/* SPDX-License-Identifier: MIT */
/*
 * Traffic keys: what the handshake engine hands to a record layer.
 *
 * This is the contract between the engine (lib/engine*, lib/tls13*, lib/tls12*)
 * and the record layers that carry application data after the handshake:
 * the kernel (tlsk or in-tree tls, through struct tls12_crypto_info_*) and
 * libtlsk's userspace record layer. One struct describes one direction.
 */
#ifndef TLSK_KEYS_H
#define TLSK_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define TLSK_MAX_KEY_LEN	32
#define TLSK_MAX_IV_LEN		12
#define TLSK_MAX_SECRET_LEN	48	/* SHA-384 */

/* Record protection algorithms the kernel can carry. */
enum tlsk_aead {
	TLSK_AEAD_AES_128_GCM = 1,
	TLSK_AEAD_AES_256_GCM,
	TLSK_AEAD_CHACHA20_POLY1305,
	TLSK_AEAD_AES_128_CCM,
};

enum tlsk_direction {
	TLSK_DIR_TX,	/* what we send */
	TLSK_DIR_RX,	/* what we receive */
};

/*
 * Keys for one direction of a connection, valid for the next record.
 *
 * TLS 1.3: iv is the full 12-byte write IV; the per-record nonce is
 * iv XOR seq (RFC 8446, 5.3). secret is the current application traffic
 * secret, kept so that a KeyUpdate can derive the next keys.
 *
 * TLS 1.2: for AES-GCM and AES-CCM, iv holds the 4-byte implicit salt
 * (client_write_IV/server_write_IV) and the 8-byte explicit nonce is sent
 * on the wire, seeded from seq; for ChaCha20-Poly1305 (RFC 7905) iv is the
 * full 12-byte IV and the nonce is iv XOR seq, as in TLS 1.3. secret_len
 * is 0.
 *
 * seq is the sequence number of the next record in this direction: after a
 * TLS 1.2 handshake it is 1 (Finished used 0); after a TLS 1.3 handshake it
 * is 0 unless records were already protected with these keys (e.g. tickets
 * sent before the hand-off).
 *
 * Holders MUST scrub the struct with tlsk_keys_scrub() when done.
 */
struct tlsk_traffic_keys {
	uint16_t version;		/* 0x0303 or 0x0304 */
	enum tlsk_aead aead;
	uint8_t key[TLSK_MAX_KEY_LEN];
	size_t key_len;
	uint8_t iv[TLSK_MAX_IV_LEN];
	size_t iv_len;			/* 4 (TLS 1.2 GCM/CCM salt) or 12 */
	uint64_t seq;
	uint8_t secret[TLSK_MAX_SECRET_LEN];
	size_t secret_len;		/* TLS 1.3 only; 32 or 48 */
};

void tlsk_keys_scrub(struct tlsk_traffic_keys *keys);

#endif /* TLSK_KEYS_H */
