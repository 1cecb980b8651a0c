// SPDX-License-Identifier: MIT
/*
 * The one table of record AEADs, shared by the userspace record layer and
 * the kernel hand-off. Each row is generated from the kernel's own struct so
 * offsets and sizes come from <linux/tls.h>, and the static_asserts below pin
 * them to the sizes the rest of libtlsk assumes.
 */
#include <assert.h>
#include <string.h>
#include <linux/tls.h>
#include <openssl/evp.h>

#include "algs.h"
#include "tlsk/aead.h"

#define member_size(type, m) sizeof(((type *)0)->m)

#define AEAD_ROW(id, label, kcipher, info_type, explicit_len, ccm, evp)	\
	[(id)] = {							\
		.aead = (id),						\
		.name = (label),					\
		.kernel_cipher = (kcipher),				\
		.key_len = member_size(info_type, key),			\
		.tag_len = kcipher##_TAG_SIZE,				\
		.tls12_explicit_len = (explicit_len),			\
		.is_ccm = (ccm),					\
		.evp_cipher = (evp),					\
		.info_size = sizeof(info_type),				\
		.info_salt_off = offsetof(info_type, salt),		\
		.info_salt_len = member_size(info_type, salt),		\
		.info_iv_off = offsetof(info_type, iv),			\
		.info_iv_len = member_size(info_type, iv),		\
		.info_key_off = offsetof(info_type, key),		\
		.info_rec_seq_off = offsetof(info_type, rec_seq),	\
		.info_rec_seq_len = member_size(info_type, rec_seq),	\
	}

static const struct tlsk_aead_desc aead_table[] = {
	AEAD_ROW(TLSK_AEAD_AES_128_GCM, "AES-128-GCM", TLS_CIPHER_AES_GCM_128,
		 struct tls12_crypto_info_aes_gcm_128, 8, 0, tlsk_aes_128_gcm),
	AEAD_ROW(TLSK_AEAD_AES_256_GCM, "AES-256-GCM", TLS_CIPHER_AES_GCM_256,
		 struct tls12_crypto_info_aes_gcm_256, 8, 0, tlsk_aes_256_gcm),
	AEAD_ROW(TLSK_AEAD_CHACHA20_POLY1305, "CHACHA20-POLY1305",
		 TLS_CIPHER_CHACHA20_POLY1305,
		 struct tls12_crypto_info_chacha20_poly1305, 0, 0,
		 tlsk_chacha20_poly1305),
	AEAD_ROW(TLSK_AEAD_AES_128_CCM, "AES-128-CCM", TLS_CIPHER_AES_CCM_128,
		 struct tls12_crypto_info_aes_ccm_128, 8, 1, tlsk_aes_128_ccm),
};

/* The kernel's nonce is salt || iv: 12 bytes for every row. */
#define NONCE_PARTS(info_type)						\
	(member_size(info_type, salt) + member_size(info_type, iv))
static_assert(NONCE_PARTS(struct tls12_crypto_info_aes_gcm_128) ==
	      TLSK_AEAD_NONCE_LEN, "AES-128-GCM nonce");
static_assert(NONCE_PARTS(struct tls12_crypto_info_aes_gcm_256) ==
	      TLSK_AEAD_NONCE_LEN, "AES-256-GCM nonce");
static_assert(NONCE_PARTS(struct tls12_crypto_info_chacha20_poly1305) ==
	      TLSK_AEAD_NONCE_LEN, "ChaCha20-Poly1305 nonce");
static_assert(NONCE_PARTS(struct tls12_crypto_info_aes_ccm_128) ==
	      TLSK_AEAD_NONCE_LEN, "AES-128-CCM nonce");
static_assert(TLS_CIPHER_AES_GCM_128_KEY_SIZE == 16, "AES-128 key");
static_assert(TLS_CIPHER_AES_GCM_256_KEY_SIZE == 32, "AES-256 key");
static_assert(TLS_CIPHER_AES_GCM_256_KEY_SIZE <= TLSK_MAX_KEY_LEN, "key fits");
static_assert(TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE <= TLSK_MAX_KEY_LEN,
	      "key fits");
static_assert(TLS_CIPHER_AES_GCM_128_TAG_SIZE == 16 &&
	      TLS_CIPHER_AES_GCM_256_TAG_SIZE == 16 &&
	      TLS_CIPHER_CHACHA20_POLY1305_TAG_SIZE == 16 &&
	      TLS_CIPHER_AES_CCM_128_TAG_SIZE == 16,
	      "16-byte tags everywhere");
static_assert(TLSK_MAX_IV_LEN == TLSK_AEAD_NONCE_LEN, "keys.h iv");

const struct tlsk_aead_desc *tlsk_aead_lookup(enum tlsk_aead aead)
{
	size_t i = (size_t)aead;

	if (i >= sizeof(aead_table) / sizeof(aead_table[0]) ||
	    !aead_table[i].name)
		return NULL;
	return &aead_table[i];
}

const struct tlsk_aead_desc *
tlsk_aead_for_keys(const struct tlsk_traffic_keys *keys)
{
	const struct tlsk_aead_desc *desc = tlsk_aead_lookup(keys->aead);
	size_t want_iv = TLSK_AEAD_NONCE_LEN;

	if (!desc || (keys->version != 0x0303 && keys->version != 0x0304))
		return NULL;
	if (keys->version == 0x0303)
		want_iv -= desc->tls12_explicit_len;
	if (keys->key_len != desc->key_len || keys->iv_len != want_iv)
		return NULL;
	return desc;
}

void tlsk_aead_nonce_base(const struct tlsk_traffic_keys *keys,
			  uint8_t nonce[TLSK_AEAD_NONCE_LEN])
{
	uint64_t seq = keys->seq;

	memcpy(nonce, keys->iv, keys->iv_len);
	if (keys->iv_len == TLSK_AEAD_NONCE_LEN)
		return;
	for (size_t i = TLSK_AEAD_NONCE_LEN; i-- > keys->iv_len; seq >>= 8)
		nonce[i] = (uint8_t)seq;
}
