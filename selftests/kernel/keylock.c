// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLSK_LOCK_KEYS: once a socket's keys are locked, getsockopt TLS_TX /
 * TLS_RX answers version, cipher and rec_seq with key, salt and IV zeroed,
 * nothing installed can be replaced, and the lock cannot be undone; the
 * records keep flowing.
 *
 *   c (tlsk, locked before or after its keys) --TCP-- s (in-tree tls)
 *
 * for {1.2, 1.3} x {GCM-128, GCM-256, CCM-128, ChaCha20}. The automatic
 * rekey on a locked socket is in autorekey.c (it needs real secrets).
 */
#include <stddef.h>

#include "kselftest_harness.h"
#include "util.h"

#define V12 TLS_1_2_VERSION
#define V13 TLS_1_3_VERSION
#define GCM128 TLS_CIPHER_AES_GCM_128

/* Where a cipher's struct keeps what the lock hides, and rec_seq. */
struct layout {
	uint16_t cipher;
	size_t key_off, key_len, salt_off, salt_len, iv_off, iv_len, seq_off;
};

#define LAYOUT(_type, _st) {						\
	.cipher = _type,						\
	.key_off = offsetof(struct tls12_crypto_info_##_st, key),	\
	.key_len = _type##_KEY_SIZE,					\
	.salt_off = offsetof(struct tls12_crypto_info_##_st, salt),	\
	.salt_len = _type##_SALT_SIZE,					\
	.iv_off = offsetof(struct tls12_crypto_info_##_st, iv),	\
	.iv_len = _type##_IV_SIZE,					\
	.seq_off = offsetof(struct tls12_crypto_info_##_st, rec_seq),	\
}

static const struct layout layouts[] = {
	LAYOUT(TLS_CIPHER_AES_GCM_128, aes_gcm_128),
	LAYOUT(TLS_CIPHER_AES_GCM_256, aes_gcm_256),
	LAYOUT(TLS_CIPHER_AES_CCM_128, aes_ccm_128),
	LAYOUT(TLS_CIPHER_CHACHA20_POLY1305, chacha20_poly1305),
};

static const struct layout *layout_of(uint16_t cipher)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].cipher == cipher)
			return &layouts[i];
	return NULL;
}

/* ci as a locked socket shows it: key, salt and IV zero. */
static void hide(union crypto_info *ci)
{
	const struct layout *l = layout_of(ci->info.cipher_type);
	uint8_t *p = (uint8_t *)ci;

	memset(p + l->key_off, 0, l->key_len);
	memset(p + l->salt_off, 0, l->salt_len);
	memset(p + l->iv_off, 0, l->iv_len);
}

static uint64_t rec_seq(const union crypto_info *ci)
{
	const uint8_t *p = (const uint8_t *)ci +
			   layout_of(ci->info.cipher_type)->seq_off;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int setopt(int fd, int name, const void *val, socklen_t len)
{
	return setsockopt(fd, SOL_TLS, name, val, len) ? errno : 0;
}

static int lock_keys(int fd, int value)
{
	return setopt(fd, TLSK_LOCK_KEYS, &value, sizeof(value));
}

/* The lock state (0 or 1), or -errno. */
static int keys_locked(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_TLS, TLSK_LOCK_KEYS, &v, &len))
		return -errno;
	return v;
}

/* getsockopt of a whole crypto_info of size bytes: 0 or errno. */
static int get_info(int fd, int dir, union crypto_info *ci, size_t size)
{
	socklen_t len = size;

	memset(ci, 0xa5, sizeof(*ci));
	return getsockopt(fd, SOL_TLS, dir, ci, &len) ? errno : 0;
}

FIXTURE(lock)
{
	int c;
	int s;
	union crypto_info tx;	/* c's TX keys, s's RX keys */
	union crypto_info rx;
	size_t size;
};

FIXTURE_VARIANT(lock)
{
	uint16_t version;
	uint16_t cipher;
};

FIXTURE_VARIANT_ADD(lock, 12_gcm128) { V12, TLS_CIPHER_AES_GCM_128 };
FIXTURE_VARIANT_ADD(lock, 12_gcm256) { V12, TLS_CIPHER_AES_GCM_256 };
FIXTURE_VARIANT_ADD(lock, 12_ccm128) { V12, TLS_CIPHER_AES_CCM_128 };
FIXTURE_VARIANT_ADD(lock, 12_chacha) { V12, TLS_CIPHER_CHACHA20_POLY1305 };
FIXTURE_VARIANT_ADD(lock, 13_gcm128) { V13, TLS_CIPHER_AES_GCM_128 };
FIXTURE_VARIANT_ADD(lock, 13_gcm256) { V13, TLS_CIPHER_AES_GCM_256 };
FIXTURE_VARIANT_ADD(lock, 13_ccm128) { V13, TLS_CIPHER_AES_CCM_128 };
FIXTURE_VARIANT_ADD(lock, 13_chacha) { V13, TLS_CIPHER_CHACHA20_POLY1305 };

/* s is keyed; c has the ULP and no keys: each test picks its order. */
FIXTURE_SETUP(lock)
{
	ASSERT_EQ(tcp_pair(AF_INET, &self->c, &self->s), 0);
	ASSERT_EQ(attach_ulp(self->c, TLSK_ULP_NAME), 0);
	ASSERT_EQ(attach_ulp(self->s, "tls"), 0);
	self->size = crypto_info_init(&self->tx, variant->version,
				      variant->cipher, 1);
	crypto_info_init(&self->rx, variant->version, variant->cipher, 2);
	ASSERT_EQ(setopt(self->s, TLS_TX, &self->rx, self->size), 0);
	ASSERT_EQ(setopt(self->s, TLS_RX, &self->tx, self->size), 0);
}

FIXTURE_TEARDOWN(lock)
{
	close(self->c);
	close(self->s);
}

static void install(struct __test_metadata *_metadata,
		    FIXTURE_DATA(lock) *self)
{
	ASSERT_EQ(setopt(self->c, TLS_TX, &self->tx, self->size), 0);
	ASSERT_EQ(setopt(self->c, TLS_RX, &self->rx, self->size), 0);
}

/* len bytes (seed) from one end to the other, one record. */
static void pass(struct __test_metadata *_metadata, int from, int to,
		 size_t len, unsigned int seed)
{
	static char out[16384], in[16384];

	ASSERT_LE(len, sizeof(out));
	fill_pattern(out, len, seed);
	ASSERT_EQ(write_full(from, out, len), (ssize_t)len);
	memset(in, 0, len);
	ASSERT_EQ(read_full(to, in, len), (ssize_t)len);
	EXPECT_EQ(memcmp(in, out, len), 0);
}

/* What a locked c shows: want with key, salt and IV zero, at rec_seq. */
static void expect_hidden(struct __test_metadata *_metadata, int fd, int dir,
			  const union crypto_info *installed, size_t size,
			  uint64_t records)
{
	union crypto_info want = *installed, got;
	socklen_t len = sizeof(got.info);

	hide(&want);
	ASSERT_EQ(get_info(fd, dir, &got, size), 0);
	EXPECT_EQ(got.info.version, installed->info.version);
	EXPECT_EQ(got.info.cipher_type, installed->info.cipher_type);
	EXPECT_EQ(rec_seq(&got), rec_seq(installed) + records);
	/* Everything else as installed: nothing but the key material. */
	memcpy((uint8_t *)&want + layout_of(want.info.cipher_type)->seq_off,
	       (uint8_t *)&got + layout_of(want.info.cipher_type)->seq_off, 8);
	EXPECT_EQ(memcmp(&got, &want, size), 0);
	/* The header alone, as before. */
	memset(&got, 0, sizeof(got));
	ASSERT_EQ(getsockopt(fd, SOL_TLS, dir, &got, &len), 0);
	EXPECT_EQ(got.info.version, installed->info.version);
	EXPECT_EQ(got.info.cipher_type, installed->info.cipher_type);
}

/* Readable as in kTLS until the lock, hidden from then on. */
TEST_F(lock, key_readable_until_locked)
{
	union crypto_info got;

	install(_metadata, self);
	EXPECT_EQ(keys_locked(self->c), 0);
	ASSERT_EQ(get_info(self->c, TLS_TX, &got, self->size), 0);
	EXPECT_EQ(memcmp(&got, &self->tx, self->size), 0);
	ASSERT_EQ(get_info(self->c, TLS_RX, &got, self->size), 0);
	EXPECT_EQ(memcmp(&got, &self->rx, self->size), 0);

	ASSERT_EQ(lock_keys(self->c, 1), 0);
	EXPECT_EQ(keys_locked(self->c), 1);
	expect_hidden(_metadata, self->c, TLS_TX, &self->tx, self->size, 0);
	expect_hidden(_metadata, self->c, TLS_RX, &self->rx, self->size, 0);
}

/*
 * tlskd's order: lock first, then the first key of each direction goes
 * in and is never readable.
 */
TEST_F(lock, lock_before_keys)
{
	union crypto_info got;

	ASSERT_EQ(lock_keys(self->c, 1), 0);
	EXPECT_EQ(get_info(self->c, TLS_TX, &got, self->size), EBUSY);
	install(_metadata, self);
	expect_hidden(_metadata, self->c, TLS_TX, &self->tx, self->size, 0);
	expect_hidden(_metadata, self->c, TLS_RX, &self->rx, self->size, 0);
	pass(_metadata, self->c, self->s, 1000, 1);
	pass(_metadata, self->s, self->c, 1000, 2);
}

/* Records flow both ways; rec_seq still follows them. */
TEST_F(lock, data_flows_after_lock)
{
	static const size_t sizes[] = { 1, 1000, 16384 };
	size_t i;

	install(_metadata, self);
	ASSERT_EQ(lock_keys(self->c, 1), 0);
	for (i = 0; i < 3; i++) {
		pass(_metadata, self->c, self->s, sizes[i], i);
		pass(_metadata, self->s, self->c, sizes[i], i + 10);
	}
	expect_hidden(_metadata, self->c, TLS_TX, &self->tx, self->size, 3);
	expect_hidden(_metadata, self->c, TLS_RX, &self->rx, self->size, 3);
}

/*
 * The fd holder cannot swap keys on a locked socket (kTLS would answer a
 * TLS 1.2 one EBUSY and take a TLS 1.3 one): EPERM, and the old keys
 * stay in use.
 */
TEST_F(lock, replacing_keys_eperm)
{
	union crypto_info other;
	size_t size = crypto_info_init(&other, variant->version,
				       variant->cipher, 7);

	install(_metadata, self);
	ASSERT_EQ(lock_keys(self->c, 1), 0);
	EXPECT_EQ(setopt(self->c, TLS_TX, &other, size), EPERM);
	EXPECT_EQ(setopt(self->c, TLS_RX, &other, size), EPERM);
	/* Whatever the request: the lock is checked first. */
	EXPECT_EQ(setopt(self->c, TLS_TX, NULL, 0), EPERM);
	pass(_metadata, self->c, self->s, 500, 3);
	pass(_metadata, self->s, self->c, 500, 4);
	expect_hidden(_metadata, self->c, TLS_TX, &self->tx, self->size, 1);
}

/* A direction without a key still takes its first one. */
TEST_F(lock, first_key_of_a_direction)
{
	union crypto_info other;
	size_t size = crypto_info_init(&other, variant->version,
				       variant->cipher, 7);

	ASSERT_EQ(setopt(self->c, TLS_TX, &self->tx, self->size), 0);
	ASSERT_EQ(lock_keys(self->c, 1), 0);
	EXPECT_EQ(setopt(self->c, TLS_TX, &other, size), EPERM);
	ASSERT_EQ(setopt(self->c, TLS_RX, &self->rx, self->size), 0);
	EXPECT_EQ(setopt(self->c, TLS_RX, &other, size), EPERM);
	expect_hidden(_metadata, self->c, TLS_RX, &self->rx, self->size, 0);
	pass(_metadata, self->s, self->c, 100, 5);
}

/* Options that are not key material behave as without the lock. */
TEST_F(lock, other_options_unchanged)
{
	unsigned int zc = 1;
	uint32_t no_pad = 1;
	struct tlsk_secret sec;
	socklen_t len = sizeof(sec);

	install(_metadata, self);
	ASSERT_EQ(lock_keys(self->c, 1), 0);
	EXPECT_EQ(setopt(self->c, TLS_TX_ZEROCOPY_RO, &zc, sizeof(zc)), 0);
	EXPECT_EQ(setopt(self->c, TLS_RX_EXPECT_NO_PAD, &no_pad,
			 sizeof(no_pad)),
		  variant->version == V13 ? 0 : EINVAL);
	/* No secret set: the answer says none, as without the lock. */
	memset(&sec, 0xa5, sizeof(sec));
	ASSERT_EQ(getsockopt(self->c, SOL_TLS, TLSK_TX_SECRET, &sec, &len), 0);
	EXPECT_EQ(sec.hash, 0);
	EXPECT_EQ(sec.secret[0], 0);
	pass(_metadata, self->c, self->s, 100, 6);
}

/* One way: 0 cannot undo it; 1 again is fine; bad arguments EINVAL. */
TEST(unlock_eperm)
{
	unsigned int big = 2;
	uint64_t wide = 1;
	socklen_t len = sizeof(wide);
	int c, s;

	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	ASSERT_EQ(attach_ulp(c, TLSK_ULP_NAME), 0);
	/* Nothing to undo yet. */
	EXPECT_EQ(lock_keys(c, 0), 0);
	EXPECT_EQ(keys_locked(c), 0);
	EXPECT_EQ(setopt(c, TLSK_LOCK_KEYS, &big, sizeof(big)), EINVAL);
	EXPECT_EQ(setopt(c, TLSK_LOCK_KEYS, &wide, sizeof(wide)), EINVAL);
	EXPECT_EQ(setopt(c, TLSK_LOCK_KEYS, NULL, sizeof(int)), EINVAL);
	EXPECT_EQ(setopt(c, TLSK_LOCK_KEYS, (void *)8, sizeof(int)), EFAULT);
	EXPECT_EQ(keys_locked(c), 0);

	ASSERT_EQ(lock_keys(c, 1), 0);
	EXPECT_EQ(lock_keys(c, 0), EPERM);
	EXPECT_EQ(keys_locked(c), 1);
	EXPECT_EQ(lock_keys(c, 1), 0);
	EXPECT_EQ(setopt(c, TLSK_LOCK_KEYS, &big, sizeof(big)), EINVAL);
	EXPECT_EQ(keys_locked(c), 1);
	EXPECT_EQ(getsockopt(c, SOL_TLS, TLSK_LOCK_KEYS, &wide, &len), -1);
	EXPECT_EQ(errno, EINVAL);
	close(c);
	close(s);
}

/*
 * A secret set after the lock is still checked against the key (a made-up
 * one is EINVAL, not taken); replacing one that is set is autorekey.c's.
 */
TEST(secret_after_lock_still_checked)
{
	struct tlsk_secret sec = {
		.version = TLSK_SECRET_VERSION_1,
		.hash = TLSK_HASH_SHA256,
		.secret_len = 32,
	};
	int c, s;

	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, "tls", V13, GCM128, &c, &s),
		  0);
	ASSERT_EQ(lock_keys(c, 1), 0);
	memset(sec.secret, 7, 32);
	EXPECT_EQ(setopt(c, TLSK_TX_SECRET, &sec, sizeof(sec)), EINVAL);
	EXPECT_EQ(setopt(c, TLSK_RX_SECRET, &sec, sizeof(sec)), EINVAL);
	close(c);
	close(s);
}

/*
 * In-tree "tls" has no lock: the option is unknown there and its fd
 * holder reads the keys (docs/kernel.md). Without any ULP SOL_TLS is
 * TCP's.
 */
TEST(tls_and_tcp_have_no_lock)
{
	union crypto_info want, got;
	size_t size = crypto_info_init(&want, V13, GCM128, 1);
	int c, s;

	ASSERT_EQ(tls_pair(AF_INET, "tls", TLSK_ULP_NAME, V13, GCM128, &c, &s),
		  0);
	EXPECT_EQ(lock_keys(c, 1), ENOPROTOOPT);
	ASSERT_EQ(get_info(c, TLS_TX, &got, size), 0);
	EXPECT_EQ(memcmp(&got, &want, size), 0);
	close(c);
	close(s);

	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	EXPECT_EQ(lock_keys(c, 1), ENOPROTOOPT);
	close(c);
	close(s);
}

TEST_HARNESS_MAIN
