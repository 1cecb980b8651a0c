// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk against record protection written here with OpenSSL's libcrypto
 * (EVP AEAD), for every version and cipher: records sealed in userspace
 * (TLS 1.3 ones padded, as tlsk never pads) open in tlsk, and records tlsk
 * writes open in userspace.
 *
 * libcrypto is loaded with dlopen() so the selftest Makefile needs no
 * extra library; without libcrypto the tests fail.
 */
#include <dlfcn.h>
#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "util.h"

#define MAXREC	(5 + 16384 + 256 + 64)

/* The few libcrypto functions used, resolved at run time. */
static struct {
	typeof(EVP_CIPHER_CTX_new) *ctx_new;
	typeof(EVP_CIPHER_CTX_free) *ctx_free;
	typeof(EVP_CIPHER_CTX_ctrl) *ctrl;
	typeof(EVP_CipherInit_ex) *init;
	typeof(EVP_CipherUpdate) *update;
	typeof(EVP_CipherFinal_ex) *final;
	typeof(EVP_aes_128_gcm) *aes_128_gcm;
	typeof(EVP_aes_256_gcm) *aes_256_gcm;
	typeof(EVP_aes_128_ccm) *aes_128_ccm;
	typeof(EVP_chacha20_poly1305) *chacha20_poly1305;
} ossl;

static int load_libcrypto(void)
{
	void *h = dlopen("libcrypto.so.3", RTLD_NOW);

	if (!h)
		return -1;
#define SYM(field, name) \
	do { if (!(ossl.field = dlsym(h, name))) return -1; } while (0)
	SYM(ctx_new, "EVP_CIPHER_CTX_new");
	SYM(ctx_free, "EVP_CIPHER_CTX_free");
	SYM(ctrl, "EVP_CIPHER_CTX_ctrl");
	SYM(init, "EVP_CipherInit_ex");
	SYM(update, "EVP_CipherUpdate");
	SYM(final, "EVP_CipherFinal_ex");
	SYM(aes_128_gcm, "EVP_aes_128_gcm");
	SYM(aes_256_gcm, "EVP_aes_256_gcm");
	SYM(aes_128_ccm, "EVP_aes_128_ccm");
	SYM(chacha20_poly1305, "EVP_chacha20_poly1305");
#undef SYM
	return 0;
}

/* One direction's keys, taken from the same crypto_info tlsk gets. */
struct keys {
	uint16_t version, cipher;
	const EVP_CIPHER *evp;
	uint8_t key[32], iv[12];	/* iv: salt || IV (12 bytes) */
	size_t key_len;
	uint64_t seq, explicit_iv;
	bool explicit;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void keys_init(struct keys *k, uint16_t version, uint16_t cipher,
		      uint8_t seed)
{
	union crypto_info ci;

	crypto_info_init(&ci, version, cipher, seed);
	memset(k, 0, sizeof(*k));
	k->version = version;
	k->cipher = cipher;
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
		k->evp = ossl.aes_128_gcm();
		memcpy(k->key, ci.gcm128.key, k->key_len = 16);
		memcpy(k->iv, ci.gcm128.salt, 4);
		memcpy(k->iv + 4, ci.gcm128.iv, 8);
		k->seq = be64(ci.gcm128.rec_seq);
		break;
	case TLS_CIPHER_AES_GCM_256:
		k->evp = ossl.aes_256_gcm();
		memcpy(k->key, ci.gcm256.key, k->key_len = 32);
		memcpy(k->iv, ci.gcm256.salt, 4);
		memcpy(k->iv + 4, ci.gcm256.iv, 8);
		k->seq = be64(ci.gcm256.rec_seq);
		break;
	case TLS_CIPHER_AES_CCM_128:
		k->evp = ossl.aes_128_ccm();
		memcpy(k->key, ci.ccm128.key, k->key_len = 16);
		memcpy(k->iv, ci.ccm128.salt, 4);
		memcpy(k->iv + 4, ci.ccm128.iv, 8);
		k->seq = be64(ci.ccm128.rec_seq);
		break;
	default:
		k->evp = ossl.chacha20_poly1305();
		memcpy(k->key, ci.chacha.key, k->key_len = 32);
		memcpy(k->iv, ci.chacha.iv, 12);
		k->seq = be64(ci.chacha.rec_seq);
	}
	k->explicit = version == TLS_1_2_VERSION &&
		      cipher != TLS_CIPHER_CHACHA20_POLY1305;
	k->explicit_iv = be64(k->iv + 4);
}

/*
 * One AEAD operation: in/out of len bytes, tag 16 bytes. Returns 0, or -1
 * when opening fails authentication.
 */
static int aead(const struct keys *k, bool enc, const uint8_t *nonce,
		const uint8_t *aad, size_t aad_len, const uint8_t *in,
		size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = ossl.ctx_new();
	bool ccm = k->cipher == TLS_CIPHER_AES_CCM_128;
	int n, ok = 0;

	if (!ctx)
		return -1;
	if (!ossl.init(ctx, k->evp, NULL, NULL, NULL, enc) ||
	    !ossl.ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL))
		goto out;
	/* CCM wants the tag length up front, and the tag itself to open. */
	if (ccm && !ossl.ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
			      enc ? NULL : tag))
		goto out;
	if (!ossl.init(ctx, NULL, NULL, k->key, nonce, enc))
		goto out;
	if (ccm && !ossl.update(ctx, NULL, &n, NULL, len))
		goto out;
	if (!ossl.update(ctx, NULL, &n, aad, aad_len))
		goto out;
	if (len && !ossl.update(ctx, out, &n, in, len))
		goto out;
	if (!enc && !ccm && !ossl.ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag))
		goto out;
	if (!ccm && !ossl.final(ctx, out + len, &n))
		goto out;
	if (enc && !ossl.ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag))
		goto out;
	ok = 1;
out:
	ossl.ctx_free(ctx);
	return ok ? 0 : -1;
}

static void nonce_for(struct keys *k, const uint8_t *explicit_iv,
		      uint8_t *nonce)
{
	int i;

	memcpy(nonce, k->iv, 12);
	if (explicit_iv) {
		memcpy(nonce + 4, explicit_iv, 8);
		return;
	}
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(k->seq >> (56 - 8 * i));
}

/* Seals one record into rec; returns its length. */
static size_t seal(struct keys *k, uint8_t type, const uint8_t *data,
		   size_t len, size_t pad, uint8_t *rec)
{
	uint8_t plain[16384 + 1 + 256], nonce[12], aad[13];
	size_t pre = k->explicit ? 13 : 5, clen = len, aad_len;

	memcpy(plain, data, len);
	if (k->version == TLS_1_3_VERSION) {
		plain[clen++] = type;
		memset(plain + clen, 0, pad);
		clen += pad;
	}
	rec[0] = k->version == TLS_1_3_VERSION ? 23 : type;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (pre - 5 + clen + 16) >> 8;
	rec[4] = (pre - 5 + clen + 16) & 0xff;
	if (k->explicit)
		put_be64(rec + 5, k->explicit_iv);
	nonce_for(k, k->explicit ? rec + 5 : NULL, nonce);
	if (k->version == TLS_1_3_VERSION) {
		memcpy(aad, rec, 5);
		aad_len = 5;
	} else {
		put_be64(aad, k->seq);
		aad[8] = type;
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = len >> 8;
		aad[12] = len & 0xff;
		aad_len = 13;
	}
	if (aead(k, true, nonce, aad, aad_len, plain, clen, rec + pre,
		 rec + pre + clen))
		return 0;
	k->seq++;
	k->explicit_iv++;
	return pre + clen + 16;
}

/* Opens one record; returns the plaintext length, -1 on failure. */
static ssize_t open_rec(struct keys *k, uint8_t *rec, size_t rec_len,
			uint8_t *plain, uint8_t *type)
{
	size_t pre = k->explicit ? 13 : 5, clen = rec_len - pre - 16;
	uint8_t nonce[12], aad[13];
	size_t aad_len;

	nonce_for(k, k->explicit ? rec + 5 : NULL, nonce);
	if (k->version == TLS_1_3_VERSION) {
		memcpy(aad, rec, 5);
		aad_len = 5;
	} else {
		put_be64(aad, k->seq);
		aad[8] = rec[0];
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = clen >> 8;
		aad[12] = clen & 0xff;
		aad_len = 13;
	}
	if (aead(k, false, nonce, aad, aad_len, rec + pre, clen, plain,
		 rec + pre + clen))
		return -1;
	k->seq++;
	*type = rec[0];
	if (k->version == TLS_1_3_VERSION) {
		while (clen && !plain[clen - 1])
			clen--;
		if (!clen)
			return -1;
		*type = plain[--clen];
	}
	return clen;
}

FIXTURE(ossl)
{
	int a, b;	/* a: tlsk, TX and RX keys; b: plain TCP */
};

FIXTURE_VARIANT(ossl)
{
	uint16_t version;
	uint16_t cipher;
};

#define VARIANT(_name, _version, _cipher)		\
	FIXTURE_VARIANT_ADD(ossl, _name)		\
	{						\
		.version = _version,			\
		.cipher = _cipher,			\
	}

VARIANT(tls12_gcm128, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128);
VARIANT(tls12_gcm256, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256);
VARIANT(tls12_ccm128, TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128);
VARIANT(tls12_chacha, TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305);
VARIANT(tls13_gcm128, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128);
VARIANT(tls13_gcm256, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256);
VARIANT(tls13_ccm128, TLS_1_3_VERSION, TLS_CIPHER_AES_CCM_128);
VARIANT(tls13_chacha, TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305);

FIXTURE_SETUP(ossl)
{
	ASSERT_EQ(load_libcrypto(), 0);
	/* tlsk on a: TX with seed 1, RX with seed 2; b is the userspace end. */
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, NULL, variant->version,
			   variant->cipher, &self->a, &self->b), 0);
}

FIXTURE_TEARDOWN(ossl)
{
	close(self->a);
	close(self->b);
}

TEST_F(ossl, userspace_to_tlsk)
{
	static const size_t sizes[] = { 1, 300, 16384 };
	static uint8_t rec[MAXREC], data[16384], in[16384];
	struct keys k;
	unsigned int i;
	size_t n;
	char cbuf[CMSG_SPACE(1)];
	struct iovec iov = { .iov_base = in, .iov_len = sizeof(in) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};

	keys_init(&k, variant->version, variant->cipher, 2);
	for (i = 0; i < 3; i++) {
		fill_pattern(data, sizes[i], i);
		/* TLS 1.3 records get padding tlsk must strip. */
		n = seal(&k, 23, data, sizes[i], i == 1 ? 100 : 0, rec);
		ASSERT_GT(n, 0);
		ASSERT_EQ(write_full(self->b, rec, n), n);
		ASSERT_EQ(recv(self->a, in, sizes[i], MSG_WAITALL), sizes[i]);
		EXPECT_EQ(memcmp(in, data, sizes[i]), 0);
	}
	n = seal(&k, 21, (const uint8_t *)"\x01\x00", 2, 7, rec);
	ASSERT_EQ(write_full(self->b, rec, n), n);
	ASSERT_EQ(recvmsg(self->a, &msg, 0), 2);
	EXPECT_EQ(*CMSG_DATA(CMSG_FIRSTHDR(&msg)), 21);
	/* A record sealed with the wrong sequence number fails. */
	k.seq += 5;
	k.explicit_iv += 5;
	n = seal(&k, 23, data, 10, 0, rec);
	ASSERT_EQ(write_full(self->b, rec, n), n);
	EXPECT_EQ(recv(self->a, in, sizeof(in), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/*
 * Records read with room for far more than they hold, as a reader opens
 * them straight into its buffer: a padded TLS 1.3 record (opened again the
 * ordinary way, and only its data read back), a handshake record between
 * data records, and a record that fails authentication, which fails all
 * the same.
 */
TEST_F(ossl, userspace_to_tlsk_large_buffer)
{
	static uint8_t rec[MAXREC], data[3000], in[16384];
	uint8_t type;
	struct keys k;
	size_t n;
	int i;

	keys_init(&k, variant->version, variant->cipher, 2);
	fill_pattern(data, sizeof(data), 9);
	for (i = 0; i < 3; i++) {
		n = seal(&k, i == 1 ? 22 : 23, data + i * 1000, 1000,
			 i == 2 ? 200 : 0, rec);
		ASSERT_GT(n, 0);
		ASSERT_EQ(write_full(self->b, rec, n), n);
	}
	for (i = 0; i < 3; i++) {
		memset(in, 0x5a, sizeof(in));
		ASSERT_EQ(recv_record_type(self->a, in, sizeof(in), &type, 0),
			  1000);
		EXPECT_EQ(type, i == 1 ? 22 : 23);
		EXPECT_EQ(memcmp(in, data + i * 1000, 1000), 0);
	}
	k.seq += 3;
	k.explicit_iv += 3;
	n = seal(&k, 23, data, 1000, 0, rec);
	ASSERT_EQ(write_full(self->b, rec, n), n);
	EXPECT_EQ(recv(self->a, in, sizeof(in), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

TEST_F(ossl, tlsk_to_userspace)
{
	static const size_t sizes[] = { 1, 300, 16384 };
	static uint8_t rec[MAXREC], data[16385], plain[16384 + 256];
	static uint8_t type;
	struct keys k;
	unsigned int i;
	ssize_t n;

	keys_init(&k, variant->version, variant->cipher, 1);
	for (i = 0; i < 3; i++) {
		fill_pattern(data, sizes[i], i + 10);
		ASSERT_EQ(send(self->a, data, sizes[i], 0), sizes[i]);
		n = read_record(self->b, rec, sizeof(rec));
		ASSERT_GT(n, 0);
		ASSERT_EQ(open_rec(&k, rec, n, plain, &type), sizes[i]);
		EXPECT_EQ(type, 23);
		EXPECT_EQ(memcmp(plain, data, sizes[i]), 0);
	}
}

TEST_HARNESS_MAIN
