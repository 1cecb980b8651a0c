// SPDX-License-Identifier: GPL-2.0-only
/*
 * Automatic TLS 1.3 rekey: TLSK_TX_SECRET / TLSK_RX_SECRET.
 *
 *   c (OpenSSL libssl client) --TCP-- s (libssl server for the handshake,
 *                                        then tlsk with its keys and
 *                                        traffic secrets)
 *   p (plain; records sealed and opened here with libcrypto) --TCP-- t (tlsk)
 *
 * With libssl, c calls SSL_key_update() mid-stream: data before and after
 * reaches s's reader intact, with no EKEYEXPIRED, and when c asked for it
 * (update_requested) s's KeyUpdate reaches c, which then keeps decrypting
 * s's data. With libcrypto, p checks what libssl cannot show: TX rekeying
 * by itself near the record limit (rec_seq installed there), KeyUpdate
 * after another handshake message, malformed KeyUpdates, and the secrets
 * set before or after a manual-mode KeyUpdate. The key schedule here is
 * libcrypto's HKDF, independent of the kernel's. A socket locked
 * (TLSK_LOCK_KEYS) before its keys, as tlskd hands them over, still
 * follows and answers KeyUpdates.
 *
 * libssl and libcrypto are linked (see the Makefile); the VM runs host
 * binaries, so they are there.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <linux/sockios.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "kselftest_harness.h"
#include "util.h"

#define V13		TLS_1_3_VERSION
#define HANDSHAKE	22
#define DATA		23
#define MAXREC		(5 + 16384 + 256)

/* ---- the TLS 1.3 key schedule, RFC 8446 7.1 and 7.3, with libcrypto ---- */

static int expand_label(const EVP_MD *md, const uint8_t *secret, size_t slen,
			const char *label, uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t n = 0, ll = strlen(label);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY, rc = -1;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;

	info[n++] = len >> 8;
	info[n++] = len & 0xff;
	info[n++] = 6 + ll;
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;
	if (kctx) {
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
			OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
				(char *)EVP_MD_get0_name(md), 0),
			OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
				(void *)secret, slen),
			OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
				info, n),
			OSSL_PARAM_construct_end(),
		};

		rc = EVP_KDF_derive(kctx, out, len, params) == 1 ? 0 : -1;
	}
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* A suite as the kernel and libcrypto name it. */
struct suite {
	uint16_t cipher;	/* TLS_CIPHER_* */
	const char *name;	/* OpenSSL's TLS 1.3 ciphersuite name */
	size_t key_len;
	bool sha384;
	uint64_t limit;		/* records per key, as tlsk counts them */
};

static const struct suite suites[] = {
	{ TLS_CIPHER_AES_GCM_128, "TLS_AES_128_GCM_SHA256", 16, false,
	  23726566 },
	{ TLS_CIPHER_AES_GCM_256, "TLS_AES_256_GCM_SHA384", 32, true,
	  23726566 },
	{ TLS_CIPHER_CHACHA20_POLY1305, "TLS_CHACHA20_POLY1305_SHA256", 32,
	  false, UINT64_MAX },
	{ TLS_CIPHER_AES_CCM_128, "TLS_AES_128_CCM_SHA256", 16, false,
	  11863283 },
};

static const struct suite *suite_of(uint16_t cipher)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].cipher == cipher)
			return &suites[i];
	return NULL;
}

static const EVP_MD *md_of(const struct suite *s)
{
	return s->sha384 ? EVP_sha384() : EVP_sha256();
}

/* One direction: its traffic secret, the key and IV it derives, seq. */
struct dir {
	const struct suite *suite;
	uint8_t secret[48];
	size_t slen;
	uint8_t key[32], iv[12];
	uint64_t seq;
};

static int dir_init(struct dir *d, const struct suite *s,
		    const uint8_t *secret, uint64_t seq)
{
	memset(d, 0, sizeof(*d));
	d->suite = s;
	d->slen = s->sha384 ? 48 : 32;
	memcpy(d->secret, secret, d->slen);
	d->seq = seq;
	if (expand_label(md_of(s), d->secret, d->slen, "key", d->key,
			 s->key_len) ||
	    expand_label(md_of(s), d->secret, d->slen, "iv", d->iv, 12))
		return -1;
	return 0;
}

/* The next traffic secret (RFC 8446 7.2) and its key, at sequence 0. */
static int dir_next(struct dir *d)
{
	uint8_t next[48];

	if (expand_label(md_of(d->suite), d->secret, d->slen, "traffic upd",
			 next, d->slen))
		return -1;
	return dir_init(d, d->suite, next, 0);
}

/* The crypto_info tlsk gets for d. */
static size_t dir_info(const struct dir *d, union crypto_info *ci)
{
	size_t len = crypto_info_size(d->suite->cipher);
	uint8_t seq[8];
	int i;

	for (i = 0; i < 8; i++)
		seq[i] = (uint8_t)(d->seq >> (56 - 8 * i));
	memset(ci, 0, sizeof(*ci));
	ci->info.version = V13;
	ci->info.cipher_type = d->suite->cipher;
	switch (d->suite->cipher) {
	case TLS_CIPHER_AES_GCM_128:
		memcpy(ci->gcm128.key, d->key, 16);
		memcpy(ci->gcm128.salt, d->iv, 4);
		memcpy(ci->gcm128.iv, d->iv + 4, 8);
		memcpy(ci->gcm128.rec_seq, seq, 8);
		break;
	case TLS_CIPHER_AES_GCM_256:
		memcpy(ci->gcm256.key, d->key, 32);
		memcpy(ci->gcm256.salt, d->iv, 4);
		memcpy(ci->gcm256.iv, d->iv + 4, 8);
		memcpy(ci->gcm256.rec_seq, seq, 8);
		break;
	case TLS_CIPHER_AES_CCM_128:
		memcpy(ci->ccm128.key, d->key, 16);
		memcpy(ci->ccm128.salt, d->iv, 4);
		memcpy(ci->ccm128.iv, d->iv + 4, 8);
		memcpy(ci->ccm128.rec_seq, seq, 8);
		break;
	default:
		memcpy(ci->chacha.key, d->key, 32);
		memcpy(ci->chacha.iv, d->iv, 12);
		memcpy(ci->chacha.rec_seq, seq, 8);
	}
	return len;
}

static void secret_arg(const struct dir *d, struct tlsk_secret *s)
{
	memset(s, 0, sizeof(*s));
	s->version = TLSK_SECRET_VERSION_1;
	s->hash = d->suite->sha384 ? TLSK_HASH_SHA384 : TLSK_HASH_SHA256;
	s->secret_len = d->slen;
	memcpy(s->secret, d->secret, d->slen);
}

/* TLS_TX or TLS_RX from d, then (secret) its TLSK_*_SECRET. */
static int install_dir(int fd, int dir, const struct dir *d, bool secret)
{
	union crypto_info ci;
	struct tlsk_secret s;
	size_t len = dir_info(d, &ci);

	if (setsockopt(fd, SOL_TLS, dir, &ci, len))
		return -1;
	if (!secret)
		return 0;
	secret_arg(d, &s);
	return setsockopt(fd, SOL_TLS,
			  dir == TLS_TX ? TLSK_TX_SECRET : TLSK_RX_SECRET,
			  &s, sizeof(s));
}

/* ---- TLS 1.3 records with libcrypto: GCM and ChaCha20-Poly1305 ---- */

static const EVP_CIPHER *evp_of(const struct suite *s)
{
	switch (s->cipher) {
	case TLS_CIPHER_AES_GCM_128:
		return EVP_aes_128_gcm();
	case TLS_CIPHER_AES_GCM_256:
		return EVP_aes_256_gcm();
	default:
		return EVP_chacha20_poly1305();
	}
}

static void nonce_of(const struct dir *d, uint8_t nonce[12])
{
	int i;

	memcpy(nonce, d->iv, 12);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(d->seq >> (56 - 8 * i));
}

/* Seals one record of type into rec; returns its length, 0 on failure. */
static size_t dir_seal(struct dir *d, uint8_t type, const void *data,
		       size_t len, uint8_t *rec)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t plain[16385], nonce[12];
	size_t clen = len + 1;
	int n, ok;

	memcpy(plain, data, len);
	plain[len] = type;
	rec[0] = DATA;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (clen + 16) >> 8;
	rec[4] = (clen + 16) & 0xff;
	nonce_of(d, nonce);
	ok = ctx && EVP_EncryptInit_ex(ctx, evp_of(d->suite), NULL, d->key,
				       nonce) &&
	     EVP_EncryptUpdate(ctx, NULL, &n, rec, 5) &&
	     EVP_EncryptUpdate(ctx, rec + 5, &n, plain, clen) &&
	     EVP_EncryptFinal_ex(ctx, rec + 5 + n, &n) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
				 rec + 5 + clen);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return 0;
	d->seq++;
	return 5 + clen + 16;
}

/* Opens one record; returns the plaintext length, -1 on failure. */
static ssize_t dir_open(struct dir *d, uint8_t *rec, size_t rec_len,
			uint8_t *plain, uint8_t *type)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t clen = rec_len - 5 - 16;
	uint8_t nonce[12];
	int n, ok;

	nonce_of(d, nonce);
	ok = ctx && rec_len >= 5 + 16 &&
	     EVP_DecryptInit_ex(ctx, evp_of(d->suite), NULL, d->key, nonce) &&
	     EVP_DecryptUpdate(ctx, NULL, &n, rec, 5) &&
	     EVP_DecryptUpdate(ctx, plain, &n, rec + 5, clen) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
				 rec + 5 + clen) &&
	     EVP_DecryptFinal_ex(ctx, plain + n, &n);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return -1;
	d->seq++;
	while (clen && !plain[clen - 1])
		clen--;
	if (!clen)
		return -1;
	*type = plain[--clen];
	return clen;
}

/* ---- socket helpers ---- */

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* A counter after the TX worker had time to move it: it runs async. */
static long stat_settled(const char *name, long want)
{
	long v = tlsk_stat(name);
	int i;

	for (i = 0; i < 100 && v != want; i++) {
		usleep(50 * 1000);
		v = tlsk_stat(name);
	}
	return v;
}

/* ---- an OpenSSL client and a libssl-then-tlsk server ---- */

struct ssl_pair {
	int c, s;
	SSL_CTX *cctx, *sctx;
	SSL *cssl, *sssl;
	const struct suite *suite;
	uint8_t csecret[48], ssecret[48];
	bool have_c, have_s;
	/* KeyUpdates c received, and how many of them asked for one back. */
	int ku_seen, ku_requested_seen;
};

static int hex_to_bin(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;
	unsigned int b;

	if (n > max)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return n;
}

/* The server's key log hands over the application traffic secrets. */
static void keylog(const SSL *ssl, const char *line)
{
	struct ssl_pair *sp = SSL_get_app_data(ssl);
	char label[64], hex[256];

	if (sscanf(line, "%63s %*s %255s", label, hex) != 2)
		return;
	if (!strcmp(label, "CLIENT_TRAFFIC_SECRET_0"))
		sp->have_c = hex_to_bin(hex, sp->csecret, 48) > 0;
	else if (!strcmp(label, "SERVER_TRAFFIC_SECRET_0"))
		sp->have_s = hex_to_bin(hex, sp->ssecret, 48) > 0;
}

static void client_msg(int write_p, int version, int content_type,
		       const void *buf, size_t len, SSL *ssl, void *arg)
{
	struct ssl_pair *sp = arg;
	const uint8_t *b = buf;

	if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 5 ||
	    b[0] != SSL3_MT_KEY_UPDATE)
		return;
	sp->ku_seen++;
	if (b[4])
		sp->ku_requested_seen++;
}

static int self_signed(SSL_CTX *ctx)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	int ok;

	ok = pk && x && X509_set_version(x, 2) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -60) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 3600) &&
	     X509_set_pubkey(x, pk);
	name = x ? X509_get_subject_name(x) : NULL;
	ok = ok && name &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"tlsk", -1, -1,
					0) &&
	     X509_set_issuer_name(x, name) && X509_sign(x, pk, EVP_sha256()) &&
	     SSL_CTX_use_certificate(ctx, x) == 1 &&
	     SSL_CTX_use_PrivateKey(ctx, pk) == 1;
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok ? 0 : -1;
}

/* Drives both ends of the handshake over the non-blocking pair. */
static int handshake(struct ssl_pair *sp)
{
	bool cdone = false, sdone = false;
	int i, r;

	set_nonblock(sp->c, true);
	set_nonblock(sp->s, true);
	for (i = 0; i < 2000 && !(cdone && sdone); i++) {
		struct pollfd p[2] = {
			{ .fd = sp->c, .events = POLLIN },
			{ .fd = sp->s, .events = POLLIN },
		};

		if (!cdone) {
			r = SSL_do_handshake(sp->cssl);
			if (r == 1)
				cdone = true;
			else if (SSL_get_error(sp->cssl, r) != SSL_ERROR_WANT_READ)
				return -1;
		}
		if (!sdone) {
			r = SSL_do_handshake(sp->sssl);
			if (r == 1)
				sdone = true;
			else if (SSL_get_error(sp->sssl, r) != SSL_ERROR_WANT_READ)
				return -1;
		}
		if (!(cdone && sdone))
			poll(p, 2, 100);
	}
	set_nonblock(sp->c, false);
	set_nonblock(sp->s, false);
	return cdone && sdone ? 0 : -1;
}

/*
 * A handshake over loopback, then s handed to tlsk with both keys and
 * (secrets) both traffic secrets, (lock) its keys locked before them. The
 * server sends no tickets, so nothing but application data follows the
 * handshake, and libssl reads no byte past the client's Finished.
 */
static int ssl_pair_open(struct ssl_pair *sp, uint16_t cipher, bool secrets,
			 bool lock)
{
	int one = 1;
	struct dir tx, rx;

	memset(sp, 0, sizeof(*sp));
	sp->suite = suite_of(cipher);
	if (tcp_pair(AF_INET, &sp->c, &sp->s))
		return -1;
	sp->cctx = SSL_CTX_new(TLS_client_method());
	sp->sctx = SSL_CTX_new(TLS_server_method());
	if (!sp->cctx || !sp->sctx ||
	    !SSL_CTX_set_min_proto_version(sp->cctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_min_proto_version(sp->sctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(sp->cctx, sp->suite->name) ||
	    !SSL_CTX_set_ciphersuites(sp->sctx, sp->suite->name) ||
	    !SSL_CTX_set_num_tickets(sp->sctx, 0) || self_signed(sp->sctx))
		return -1;
	SSL_CTX_set_keylog_callback(sp->sctx, keylog);
	sp->cssl = SSL_new(sp->cctx);
	sp->sssl = SSL_new(sp->sctx);
	if (!sp->cssl || !sp->sssl)
		return -1;
	SSL_set_msg_callback(sp->cssl, client_msg);
	SSL_set_msg_callback_arg(sp->cssl, sp);
	SSL_set_app_data(sp->sssl, sp);
	SSL_set_fd(sp->cssl, sp->c);
	SSL_set_fd(sp->sssl, sp->s);
	SSL_set_connect_state(sp->cssl);
	SSL_set_accept_state(sp->sssl);
	if (handshake(sp) || !sp->have_c || !sp->have_s ||
	    SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(sp->sssl)) !=
	    (uint16_t)(0x1301 + (sp->suite - suites)))
		return -1;
	if (dir_init(&tx, sp->suite, sp->ssecret, 0) ||
	    dir_init(&rx, sp->suite, sp->csecret, 0) ||
	    attach_ulp(sp->s, TLSK_ULP_NAME) ||
	    (lock && setsockopt(sp->s, SOL_TLS, TLSK_LOCK_KEYS, &one,
				sizeof(one))) ||
	    install_dir(sp->s, TLS_TX, &tx, secrets) ||
	    install_dir(sp->s, TLS_RX, &rx, secrets))
		return -1;
	return 0;
}

static void ssl_pair_close(struct ssl_pair *sp)
{
	SSL_free(sp->cssl);
	SSL_free(sp->sssl);
	SSL_CTX_free(sp->cctx);
	SSL_CTX_free(sp->sctx);
	if (sp->c > 0)
		close(sp->c);
	if (sp->s > 0)
		close(sp->s);
}

FIXTURE(ssl)
{
	struct ssl_pair sp;
};

FIXTURE_VARIANT(ssl)
{
	uint16_t cipher;
};

FIXTURE_VARIANT_ADD(ssl, gcm128) { .cipher = TLS_CIPHER_AES_GCM_128 };
FIXTURE_VARIANT_ADD(ssl, gcm256) { .cipher = TLS_CIPHER_AES_GCM_256 };
FIXTURE_VARIANT_ADD(ssl, chacha) { .cipher = TLS_CIPHER_CHACHA20_POLY1305 };
FIXTURE_VARIANT_ADD(ssl, ccm128) { .cipher = TLS_CIPHER_AES_CCM_128 };

FIXTURE_SETUP(ssl)
{
	ASSERT_EQ(ssl_pair_open(&self->sp, variant->cipher, true, false), 0);
}

FIXTURE_TEARDOWN(ssl)
{
	ssl_pair_close(&self->sp);
}

/* c writes len pattern bytes (seed), s reads and checks them. */
static void c_to_s(struct __test_metadata *_metadata, struct ssl_pair *sp,
		   size_t len, unsigned int seed)
{
	static uint8_t out[65536], in[65536];
	size_t done = 0;

	ASSERT_LE(len, sizeof(out));
	fill_pattern(out, len, seed);
	while (done < len) {
		int n = SSL_write(sp->cssl, out + done, len - done);

		ASSERT_GT(n, 0);
		done += n;
	}
	memset(in, 0, len);
	ASSERT_EQ(read_full(sp->s, in, len), (ssize_t)len);
	EXPECT_EQ(memcmp(in, out, len), 0);
}

/* s writes len pattern bytes (seed), c reads and checks them. */
static void s_to_c(struct __test_metadata *_metadata, struct ssl_pair *sp,
		   size_t len, unsigned int seed)
{
	static uint8_t out[65536], in[65536];
	size_t done = 0;

	ASSERT_LE(len, sizeof(out));
	fill_pattern(out, len, seed);
	ASSERT_EQ(write_full(sp->s, out, len), (ssize_t)len);
	memset(in, 0, len);
	while (done < len) {
		int n = SSL_read(sp->cssl, in + done, len - done);

		ASSERT_GT(n, 0);
		done += n;
	}
	EXPECT_EQ(memcmp(in, out, len), 0);
}

/* The hand-off itself: data both ways, no rekey yet. */
TEST_F(ssl, data_both_ways)
{
	c_to_s(_metadata, &self->sp, 3000, 1);
	s_to_c(_metadata, &self->sp, 3000, 2);
	EXPECT_EQ(self->sp.ku_seen, 0);
}

/* update_not_requested: RX follows, TX stays. */
TEST_F(ssl, key_update_not_requested)
{
	long rx_ok = tlsk_stat("TlsRxRekeyOk");
	long tx_ok = tlsk_stat("TlsTxRekeyOk");
	long received = tlsk_stat("TlsRxRekeyReceived");

	c_to_s(_metadata, &self->sp, 20000, 1);
	ASSERT_EQ(SSL_key_update(self->sp.cssl, SSL_KEY_UPDATE_NOT_REQUESTED),
		  1);
	c_to_s(_metadata, &self->sp, 20000, 2);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), rx_ok + 1);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyReceived"), received + 1);
	s_to_c(_metadata, &self->sp, 1000, 3);
	EXPECT_EQ(self->sp.ku_seen, 0);
	EXPECT_EQ(tlsk_stat("TlsTxRekeyOk"), tx_ok);
}

/*
 * update_requested: tlsk answers with KeyUpdate(update_not_requested)
 * under its old key, and c decrypts what follows with the next one.
 */
TEST_F(ssl, key_update_requested)
{
	long rx_ok = tlsk_stat("TlsRxRekeyOk");
	long tx_ok = tlsk_stat("TlsTxRekeyOk");
	union crypto_info before, after;
	socklen_t len = crypto_info_size(variant->cipher);

	ASSERT_EQ(getsockopt(self->sp.s, SOL_TLS, TLS_TX, &before, &len), 0);
	c_to_s(_metadata, &self->sp, 1000, 1);
	s_to_c(_metadata, &self->sp, 1000, 2);
	ASSERT_EQ(SSL_key_update(self->sp.cssl, SSL_KEY_UPDATE_REQUESTED), 1);
	c_to_s(_metadata, &self->sp, 5000, 3);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), rx_ok + 1);
	s_to_c(_metadata, &self->sp, 5000, 4);
	EXPECT_EQ(self->sp.ku_seen, 1);
	EXPECT_EQ(self->sp.ku_requested_seen, 0);
	EXPECT_EQ(stat_settled("TlsTxRekeyOk", tx_ok + 1), tx_ok + 1);
	/* A new TX key, with the 5000 bytes behind it. */
	ASSERT_EQ(getsockopt(self->sp.s, SOL_TLS, TLS_TX, &after, &len), 0);
	EXPECT_NE(memcmp(&before, &after, len), 0);
	c_to_s(_metadata, &self->sp, 100, 5);
	s_to_c(_metadata, &self->sp, 100, 6);
}

/*
 * A record holding only the KeyUpdate is tlsk's: a reader sees nothing
 * (no EIO for a handshake record, no EKEYEXPIRED), and the answer goes
 * out even though s never writes before c reads.
 */
TEST_F(ssl, key_update_alone_is_not_delivered)
{
	long tx_ok = tlsk_stat("TlsTxRekeyOk");
	char buf[16];
	int i;

	ASSERT_EQ(SSL_key_update(self->sp.cssl, SSL_KEY_UPDATE_REQUESTED), 1);
	ASSERT_EQ(SSL_do_handshake(self->sp.cssl), 1);
	/* Readable once the record is whole; reading it finds nothing. */
	EXPECT_TRUE(poll_readable(self->sp.s, 10000));
	EXPECT_EQ(recv(self->sp.s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EAGAIN);
	EXPECT_EQ(stat_settled("TlsTxRekeyOk", tx_ok + 1), tx_ok + 1);
	/* c reads tlsk's KeyUpdate before the data (SSL_read). */
	for (i = 0; i < 3; i++) {
		c_to_s(_metadata, &self->sp, 10, 10 + i);
		s_to_c(_metadata, &self->sp, 10, 20 + i);
	}
	EXPECT_EQ(self->sp.ku_seen, 1);
}

/* Many KeyUpdates: one per message, some back to back, both kinds. */
TEST_F(ssl, many_key_updates)
{
	long rx_ok = tlsk_stat("TlsRxRekeyOk");
	long tx_ok = tlsk_stat("TlsTxRekeyOk");
	int i, j, sent = 0, requested = 0;

	for (i = 0; i < 24; i++) {
		bool req = i % 2;

		ASSERT_EQ(SSL_key_update(self->sp.cssl,
					 req ? SSL_KEY_UPDATE_REQUESTED :
					       SSL_KEY_UPDATE_NOT_REQUESTED), 1);
		sent++;
		requested += req;
		/* Every fourth: three more right behind, no data between. */
		for (j = 0; i % 4 == 0 && j < 3; j++) {
			ASSERT_EQ(SSL_do_handshake(self->sp.cssl), 1);
			ASSERT_EQ(SSL_key_update(self->sp.cssl,
						 SSL_KEY_UPDATE_NOT_REQUESTED),
				  1);
			sent++;
		}
		c_to_s(_metadata, &self->sp, 100 + i * 97, i);
		s_to_c(_metadata, &self->sp, 100 + i * 89, i + 100);
	}
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), rx_ok + sent);
	EXPECT_EQ(self->sp.ku_seen, requested);
	EXPECT_EQ(self->sp.ku_requested_seen, 0);
	EXPECT_EQ(stat_settled("TlsTxRekeyOk", tx_ok + requested),
		  tx_ok + requested);
}

/* A KeyUpdate between two halves of a large transfer, both ways. */
TEST_F(ssl, key_update_mid_stream)
{
	static uint8_t out[65536], in[65536];
	size_t half = sizeof(out) / 2, done = 0;

	fill_pattern(out, sizeof(out), 7);
	ASSERT_EQ(SSL_write(self->sp.cssl, out, half), (int)half);
	ASSERT_EQ(SSL_key_update(self->sp.cssl, SSL_KEY_UPDATE_REQUESTED), 1);
	ASSERT_EQ(SSL_write(self->sp.cssl, out + half, half), (int)half);
	ASSERT_EQ(read_full(self->sp.s, in, sizeof(in)), (ssize_t)sizeof(in));
	EXPECT_EQ(memcmp(in, out, sizeof(in)), 0);

	ASSERT_EQ(write_full(self->sp.s, out, sizeof(out)),
		  (ssize_t)sizeof(out));
	memset(in, 0, sizeof(in));
	while (done < sizeof(in)) {
		int n = SSL_read(self->sp.cssl, in + done, sizeof(in) - done);

		ASSERT_GT(n, 0);
		done += n;
	}
	EXPECT_EQ(memcmp(in, out, sizeof(in)), 0);
	EXPECT_EQ(self->sp.ku_seen, 1);
}

/* Without secrets the manual mode is unchanged: EKEYEXPIRED. */
TEST(ssl_without_secrets_is_manual)
{
	struct ssl_pair sp;
	uint8_t buf[64], type;
	struct tlsk_secret s;
	socklen_t len = sizeof(s);

	ASSERT_EQ(ssl_pair_open(&sp, TLS_CIPHER_AES_GCM_128, false, false),
		  0);
	ASSERT_EQ(getsockopt(sp.s, SOL_TLS, TLSK_RX_SECRET, &s, &len), 0);
	EXPECT_EQ(s.hash, 0);
	ASSERT_EQ(SSL_key_update(sp.cssl, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
	ASSERT_EQ(SSL_write(sp.cssl, "x", 1), 1);
	EXPECT_EQ(recv_record_type(sp.s, buf, sizeof(buf), &type, 0), 5);
	EXPECT_EQ(type, HANDSHAKE);
	EXPECT_EQ(buf[0], 24);
	EXPECT_EQ(recv(sp.s, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EKEYEXPIRED);
	ssl_pair_close(&sp);
}

/* ---- keys locked before they went in, as tlskd does ---- */

FIXTURE(locked)
{
	struct ssl_pair sp;
};

FIXTURE_VARIANT(locked)
{
	uint16_t cipher;
};

FIXTURE_VARIANT_ADD(locked, gcm128) { .cipher = TLS_CIPHER_AES_GCM_128 };
FIXTURE_VARIANT_ADD(locked, gcm256) { .cipher = TLS_CIPHER_AES_GCM_256 };
FIXTURE_VARIANT_ADD(locked, chacha) { .cipher = TLS_CIPHER_CHACHA20_POLY1305 };
FIXTURE_VARIANT_ADD(locked, ccm128) { .cipher = TLS_CIPHER_AES_CCM_128 };

FIXTURE_SETUP(locked)
{
	ASSERT_EQ(ssl_pair_open(&self->sp, variant->cipher, true, true), 0);
}

FIXTURE_TEARDOWN(locked)
{
	ssl_pair_close(&self->sp);
}

static void clear_rec_seq(union crypto_info *ci)
{
	switch (ci->info.cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
		memset(ci->gcm128.rec_seq, 0, 8);
		break;
	case TLS_CIPHER_AES_GCM_256:
		memset(ci->gcm256.rec_seq, 0, 8);
		break;
	case TLS_CIPHER_AES_CCM_128:
		memset(ci->ccm128.rec_seq, 0, 8);
		break;
	default:
		memset(ci->chacha.rec_seq, 0, 8);
	}
}

/* TLS_TX and TLS_RX show version and cipher, no key, salt or IV. */
static void expect_no_keys(struct __test_metadata *_metadata, int fd,
			   const struct suite *suite)
{
	union crypto_info want, got;
	struct dir zero = { .suite = suite };
	socklen_t len = crypto_info_size(suite->cipher);
	int i, dirs[] = { TLS_TX, TLS_RX };

	dir_info(&zero, &want);
	for (i = 0; i < 2; i++) {
		memset(&got, 0xa5, sizeof(got));
		ASSERT_EQ(getsockopt(fd, SOL_TLS, dirs[i], &got, &len), 0);
		clear_rec_seq(&got);
		EXPECT_EQ(memcmp(&got, &want, len), 0);
	}
}

/*
 * tlsk's own rekey is not the fd holder's: KeyUpdates are followed and
 * answered, and the new keys are as hidden as the first.
 */
TEST_F(locked, key_updates_followed)
{
	long rx_ok = tlsk_stat("TlsRxRekeyOk");
	long tx_ok = tlsk_stat("TlsTxRekeyOk");

	expect_no_keys(_metadata, self->sp.s, self->sp.suite);
	c_to_s(_metadata, &self->sp, 1000, 1);
	ASSERT_EQ(SSL_key_update(self->sp.cssl, SSL_KEY_UPDATE_REQUESTED), 1);
	c_to_s(_metadata, &self->sp, 5000, 2);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), rx_ok + 1);
	s_to_c(_metadata, &self->sp, 5000, 3);
	EXPECT_EQ(self->sp.ku_seen, 1);
	EXPECT_EQ(stat_settled("TlsTxRekeyOk", tx_ok + 1), tx_ok + 1);
	ASSERT_EQ(SSL_key_update(self->sp.cssl, SSL_KEY_UPDATE_NOT_REQUESTED),
		  1);
	c_to_s(_metadata, &self->sp, 100, 4);
	s_to_c(_metadata, &self->sp, 100, 5);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), rx_ok + 2);
	expect_no_keys(_metadata, self->sp.s, self->sp.suite);
}

/*
 * Nothing installed can be replaced: not the keys (the right next ones
 * included), not the secrets (the very same ones included).
 */
TEST_F(locked, replacing_eperm)
{
	struct dir tx, rx;
	struct tlsk_secret sec;
	union crypto_info ci;
	size_t len;
	int zero = 0;

	ASSERT_EQ(dir_init(&tx, self->sp.suite, self->sp.ssecret, 0), 0);
	ASSERT_EQ(dir_init(&rx, self->sp.suite, self->sp.csecret, 0), 0);
	secret_arg(&tx, &sec);
	EXPECT_EQ(setsockopt(self->sp.s, SOL_TLS, TLSK_TX_SECRET, &sec,
			     sizeof(sec)), -1);
	EXPECT_EQ(errno, EPERM);
	secret_arg(&rx, &sec);
	EXPECT_EQ(setsockopt(self->sp.s, SOL_TLS, TLSK_RX_SECRET, &sec,
			     sizeof(sec)), -1);
	EXPECT_EQ(errno, EPERM);
	ASSERT_EQ(dir_next(&tx), 0);
	len = dir_info(&tx, &ci);
	EXPECT_EQ(setsockopt(self->sp.s, SOL_TLS, TLS_TX, &ci, len), -1);
	EXPECT_EQ(errno, EPERM);
	ASSERT_EQ(dir_next(&rx), 0);
	len = dir_info(&rx, &ci);
	EXPECT_EQ(setsockopt(self->sp.s, SOL_TLS, TLS_RX, &ci, len), -1);
	EXPECT_EQ(errno, EPERM);
	EXPECT_EQ(setsockopt(self->sp.s, SOL_TLS, TLSK_LOCK_KEYS, &zero,
			     sizeof(zero)), -1);
	EXPECT_EQ(errno, EPERM);
	/* Still in the automatic mode with the first keys. */
	c_to_s(_metadata, &self->sp, 100, 1);
	ASSERT_EQ(SSL_key_update(self->sp.cssl, SSL_KEY_UPDATE_REQUESTED), 1);
	c_to_s(_metadata, &self->sp, 100, 2);
	s_to_c(_metadata, &self->sp, 100, 3);
	EXPECT_EQ(self->sp.ku_seen, 1);
}

/* ---- a libcrypto peer: p plain, t tlsk ---- */

FIXTURE(peer)
{
	int p, t;
	struct dir ptx, prx;	/* p's directions: t's RX and TX */
	uint8_t rec[MAXREC];
};

FIXTURE_VARIANT(peer)
{
	uint16_t cipher;
};

FIXTURE_VARIANT_ADD(peer, gcm128) { .cipher = TLS_CIPHER_AES_GCM_128 };
FIXTURE_VARIANT_ADD(peer, gcm256) { .cipher = TLS_CIPHER_AES_GCM_256 };
FIXTURE_VARIANT_ADD(peer, chacha) { .cipher = TLS_CIPHER_CHACHA20_POLY1305 };

/* Fresh random secrets for p's two directions; tlsk on t, no keys yet. */
FIXTURE_SETUP(peer)
{
	const struct suite *s = suite_of(variant->cipher);
	uint8_t a[48], b[48];

	ASSERT_EQ(RAND_bytes(a, sizeof(a)), 1);
	ASSERT_EQ(RAND_bytes(b, sizeof(b)), 1);
	ASSERT_EQ(dir_init(&self->ptx, s, a, 0), 0);
	ASSERT_EQ(dir_init(&self->prx, s, b, 0), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &self->p, &self->t), 0);
	ASSERT_EQ(attach_ulp(self->t, TLSK_ULP_NAME), 0);
}

FIXTURE_TEARDOWN(peer)
{
	if (self->p >= 0)
		close(self->p);
	close(self->t);
}

/* p seals one record with ptx and sends it. */
static void p_send(struct __test_metadata *_metadata, FIXTURE_DATA(peer) *self,
		   uint8_t type, const void *buf, size_t len)
{
	size_t n = dir_seal(&self->ptx, type, buf, len, self->rec);

	ASSERT_GT(n, 0);
	ASSERT_EQ(write_full(self->p, self->rec, n), (ssize_t)n);
}

static void t_expect(struct __test_metadata *_metadata, int fd,
		     uint8_t want_type, const void *want, size_t len)
{
	uint8_t got[256], type;

	EXPECT_EQ(recv_record_type(fd, got, sizeof(got), &type, 0), (ssize_t)len);
	EXPECT_EQ(type, want_type);
	EXPECT_EQ(memcmp(got, want, len), 0);
}

static const uint8_t ku_not_requested[] = { 24, 0, 0, 1, 0 };
static const uint8_t ku_requested[] = { 24, 0, 0, 1, 1 };

/*
 * p reads and opens one record of t's; t's KeyUpdate(update_not_requested)
 * (*ku) moves prx to the next key. The plaintext's length (its type in
 * *type), or -1: no record, or one that does not open, or another
 * handshake message.
 */
static ssize_t p_recv(FIXTURE_DATA(peer) *self, uint8_t *plain,
		      uint8_t *type, bool *ku)
{
	ssize_t n = read_record(self->p, self->rec, sizeof(self->rec));

	*ku = false;
	if (n <= 5)
		return -1;
	n = dir_open(&self->prx, self->rec, n, plain, type);
	if (n < 0 || *type != HANDSHAKE)
		return n;
	if (n != 5 || memcmp(plain, ku_not_requested, 5) ||
	    dir_next(&self->prx))
		return -1;
	*ku = true;
	return n;
}

/*
 * TX near its record limit: t's key starts two records before 7/8 of it;
 * the second record reaches it, and t sends KeyUpdate(update_not_requested)
 * under the old key and the rest under the next one, from sequence 0.
 */
TEST_F(peer, tx_rekeys_near_limit)
{
	const struct suite *s = self->prx.suite;
	uint64_t start = s->limit - s->limit / 8 - 2;
	long tx_ok = tlsk_stat("TlsTxRekeyOk");
	long near = tlsk_stat("TlskSeqNearLimit");
	uint8_t plain[16385], want[300], type;
	union crypto_info ci, expect;
	socklen_t len = crypto_info_size(variant->cipher);
	int i, got = 0, kus = 0;
	bool ku;
	ssize_t n;

	self->prx.seq = start;
	ASSERT_EQ(install_dir(self->t, TLS_TX, &self->prx, true), 0);
	for (i = 0; i < 6; i++) {
		fill_pattern(want, sizeof(want), i);
		ASSERT_EQ(send(self->t, want, sizeof(want), 0),
			  (ssize_t)sizeof(want));
	}
	while (got < 6) {
		n = p_recv(self, plain, &type, &ku);
		ASSERT_GE(n, 0);
		if (ku) {
			/* Right after the record that reached 7/8. */
			EXPECT_EQ(got, 2);
			kus++;
			continue;
		}
		ASSERT_EQ(type, DATA);
		ASSERT_EQ(n, (ssize_t)sizeof(want));
		fill_pattern(want, sizeof(want), got);
		EXPECT_EQ(memcmp(plain, want, sizeof(want)), 0);
		got++;
	}
	EXPECT_EQ(kus, 1);
	EXPECT_EQ(self->prx.seq, 4);
	EXPECT_EQ(tlsk_stat("TlsTxRekeyOk"), tx_ok + 1);
	EXPECT_EQ(tlsk_stat("TlskSeqNearLimit"), near + 1);
	/* tlsk's key is the one derived here, at sequence 4. */
	memset(&ci, 0, sizeof(ci));
	ASSERT_EQ(getsockopt(self->t, SOL_TLS, TLS_TX, &ci, &len), 0);
	dir_info(&self->prx, &expect);
	EXPECT_EQ(memcmp(&ci, &expect, len), 0);
}

/* A secret set after the key passed 7/8: the next send rekeys. */
TEST_F(peer, tx_secret_after_limit)
{
	const struct suite *s = self->prx.suite;
	uint8_t plain[16385], type;
	struct tlsk_secret sec;
	ssize_t n;

	self->prx.seq = s->limit - s->limit / 8;
	ASSERT_EQ(install_dir(self->t, TLS_TX, &self->prx, false), 0);
	ASSERT_EQ(send(self->t, "a", 1, 0), 1);
	secret_arg(&self->prx, &sec);
	ASSERT_EQ(setsockopt(self->t, SOL_TLS, TLSK_TX_SECRET, &sec,
			     sizeof(sec)), 0);
	ASSERT_EQ(send(self->t, "b", 1, 0), 1);
	n = read_record(self->p, self->rec, sizeof(self->rec));
	ASSERT_EQ(dir_open(&self->prx, self->rec, n, plain, &type), 1);
	EXPECT_EQ(plain[0], 'a');
	n = read_record(self->p, self->rec, sizeof(self->rec));
	ASSERT_EQ(dir_open(&self->prx, self->rec, n, plain, &type), 5);
	EXPECT_EQ(type, HANDSHAKE);
	ASSERT_EQ(dir_next(&self->prx), 0);
	n = read_record(self->p, self->rec, sizeof(self->rec));
	ASSERT_EQ(dir_open(&self->prx, self->rec, n, plain, &type), 1);
	EXPECT_EQ(plain[0], 'b');
}

/*
 * The KeyUpdate after another handshake message in one record: the other
 * message is delivered as a handshake record, the KeyUpdate is not, and
 * data under the next key follows. Sent before anyone reads.
 */
TEST_F(peer, rx_key_update_after_other_message)
{
	static const uint8_t ticket_then_update[] = {
		4, 0, 0, 4, 1, 2, 3, 4,
		24, 0, 0, 1, 0,
	};
	long rx_ok = tlsk_stat("TlsRxRekeyOk");

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, DATA, "one", 3);
	p_send(_metadata, self, HANDSHAKE, ticket_then_update,
	       sizeof(ticket_then_update));
	ASSERT_EQ(dir_next(&self->ptx), 0);
	p_send(_metadata, self, DATA, "two", 3);
	t_expect(_metadata, self->t, DATA, "one", 3);
	t_expect(_metadata, self->t, HANDSHAKE, ticket_then_update, 8);
	t_expect(_metadata, self->t, DATA, "two", 3);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), rx_ok + 1);
}

/* Data records on both sides of several KeyUpdates arrive in one read. */
TEST_F(peer, rx_data_flows_across_updates)
{
	char want[64] = {}, got[64] = {};
	int i;

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	for (i = 0; i < 8; i++) {
		want[i] = 'a' + i;
		p_send(_metadata, self, DATA, &want[i], 1);
		p_send(_metadata, self, HANDSHAKE, ku_not_requested, 5);
		ASSERT_EQ(dir_next(&self->ptx), 0);
	}
	ASSERT_EQ(read_full(self->t, got, 8), 8);
	EXPECT_EQ(memcmp(got, want, 8), 0);
}

/*
 * KeyUpdates in a row without application data: each costs tlsk a key
 * derivation and a new transform for 27 bytes of the peer's. 32 are
 * taken, data between runs starts the count again, and the 33rd in a row
 * ends RX with EBADMSG (unexpected_message), as BoringSSL and libtlsk's
 * relay (TLSK_CONN_MAX_KEY_UPDATES) do. Before 2026-12-07 there was no
 * limit.
 */
TEST_F(peer, rx_key_updates_in_a_row_are_bounded)
{
	char buf[16];
	int i;

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	for (i = 0; i < 32; i++) {
		p_send(_metadata, self, HANDSHAKE, ku_not_requested, 5);
		ASSERT_EQ(dir_next(&self->ptx), 0);
	}
	p_send(_metadata, self, DATA, "a", 1);
	for (i = 0; i < 33; i++) {
		p_send(_metadata, self, HANDSHAKE, ku_not_requested, 5);
		ASSERT_EQ(dir_next(&self->ptx), 0);
	}
	p_send(_metadata, self, DATA, "b", 1);
	t_expect(_metadata, self->t, DATA, "a", 1);
	EXPECT_EQ(recv(self->t, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/* update_requested without a TX secret: left for the reader to answer. */
TEST_F(peer, rx_requested_without_tx_secret)
{
	ASSERT_EQ(install_dir(self->t, TLS_TX, &self->prx, false), 0);
	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, HANDSHAKE, ku_requested, 5);
	ASSERT_EQ(dir_next(&self->ptx), 0);
	p_send(_metadata, self, DATA, "after", 5);
	t_expect(_metadata, self->t, HANDSHAKE, ku_requested, 5);
	t_expect(_metadata, self->t, DATA, "after", 5);
}

/* The same after a ticket in its record: the whole record is delivered. */
TEST_F(peer, rx_requested_after_ticket_without_tx_secret)
{
	static const uint8_t ticket_then_update[] = {
		4, 0, 0, 2, 7, 7,
		24, 0, 0, 1, 1,
	};

	ASSERT_EQ(install_dir(self->t, TLS_TX, &self->prx, false), 0);
	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, HANDSHAKE, ticket_then_update,
	       sizeof(ticket_then_update));
	ASSERT_EQ(dir_next(&self->ptx), 0);
	p_send(_metadata, self, DATA, "after", 5);
	t_expect(_metadata, self->t, HANDSHAKE, ticket_then_update,
		 sizeof(ticket_then_update));
	t_expect(_metadata, self->t, DATA, "after", 5);
}

/* ---- the TX worker and a sender stuck on a zero window ---- */

static void *stuck_sender(void *arg)
{
	static char big[1 << 20];

	send(*(int *)arg, big, sizeof(big), MSG_NOSIGNAL);
	return NULL;
}

static void *one_byte_reader(void *arg)
{
	char c;

	recv(*(int *)arg, &c, 1, 0);
	return NULL;
}

static int write_str(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * Small buffers both ends, t's keys with secrets, and a sender thread on t
 * that TCP puts to sleep holding the TX lock (its send queue stopped
 * growing: p reads nothing). 0, or -1 with errno.
 */
static int stick_sender(FIXTURE_DATA(peer) *self, pthread_t *sender)
{
	int small = 4096, i, q, last = -1;

	if (setsockopt(self->p, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    setsockopt(self->t, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) ||
	    install_dir(self->t, TLS_TX, &self->prx, true) ||
	    install_dir(self->t, TLS_RX, &self->ptx, true))
		return -1;
	errno = pthread_create(sender, NULL, stuck_sender, &self->t);
	if (errno)
		return -1;
	for (i = 0; i < 100; i++) {
		usleep(100000);
		if (ioctl(self->t, SIOCOUTQ, &q))
			return -1;
		if (q > 0 && q == last)
			return 0;
		last = q;
	}
	return 0;
}

/*
 * The peer asks for a KeyUpdate while t's sender sleeps in TCP holding the
 * TX lock (the peer reads nothing). The worker that would answer must not
 * wait for that lock in D state for as long as the peer likes (a hung task;
 * upstream kTLS fixed the same with "net: tls: avoid hanging tasks on the
 * tx_lock"): with the hung-task detector at 2 s, nothing is reported.
 */
TEST_F(peer, tx_worker_never_hangs_on_stuck_sender)
{
	char old_timeout[16] = "120", msg[1024];
	int kmsg, i;
	pthread_t sender, reader;
	bool hung = false;
	ssize_t n;

	ASSERT_EQ(stick_sender(self, &sender), 0);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_GE(kmsg, 0);
	lseek(kmsg, 0, SEEK_END);
	i = open("/proc/sys/kernel/hung_task_timeout_secs", O_RDONLY);
	if (i >= 0) {
		n = read(i, old_timeout, sizeof(old_timeout) - 1);
		old_timeout[n > 0 ? n : 0] = 0;
		close(i);
	}
	ASSERT_EQ(write_str("/proc/sys/kernel/hung_task_timeout_secs", "2"),
		  0);

	/* The request: the reader opens it, TX must answer. */
	ASSERT_EQ(pthread_create(&reader, NULL, one_byte_reader, &self->t), 0);
	p_send(_metadata, self, HANDSHAKE, ku_requested, 5);
	ASSERT_EQ(dir_next(&self->ptx), 0);
	sleep(8);
	while ((n = read(kmsg, msg, sizeof(msg) - 1)) > 0 || errno == EPIPE) {
		if (n <= 0)
			continue;
		msg[n] = 0;
		if (strstr(msg, "blocked for more than")) {
			hung = true;
			TH_LOG("%s", msg);
		}
	}
	write_str("/proc/sys/kernel/hung_task_timeout_secs", old_timeout);
	close(kmsg);
	EXPECT_FALSE(hung);

	/* Unstick: the peer reads, the reader gets a byte under the next key. */
	p_send(_metadata, self, DATA, "x", 1);
	close_now(self->p);
	self->p = -1;
	pthread_join(sender, NULL);
	pthread_join(reader, NULL);
}

#define TRACING "/sys/kernel/tracing/"

/*
 * How many times the TX worker ran in secs seconds, from the workqueue
 * tracepoint; -1 without tracefs.
 */
static int push_work_runs(int secs)
{
	static char buf[4 << 20];
	size_t len = 0;
	const char *p;
	int fd, runs = 0;
	ssize_t n;

	if (mount("nodev", TRACING, "tracefs", 0, NULL) && errno != EBUSY)
		return -1;
	fd = open(TRACING "trace", O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	close(fd);
	if (write_str(TRACING "set_event",
		      "workqueue:workqueue_execute_start"))
		return -1;
	sleep(secs);
	fd = open(TRACING "set_event", O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
	fd = open(TRACING "trace", O_RDONLY);
	if (fd < 0)
		return -1;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	/* One line a run: "... function push_work [tlsk]". */
	for (p = buf; (p = strstr(p, "push_work")); p++)
		runs++;
	return runs;
}

/*
 * The same stuck sender, and a KeyUpdate to answer: the worker that found
 * the TX lock taken must not poll for it (before: every 10 ms for as long
 * as the peer keeps its window shut, which a slow or hostile peer makes
 * forever, on every such connection). The sender, when it lets go, brings
 * it back: once the peer reads, t's KeyUpdate arrives among or after the
 * megabyte, and t's next record is sealed with the next key.
 */
TEST_F(peer, tx_worker_does_not_poll_a_stuck_sender)
{
	long got_ku = tlsk_stat("TlsRxRekeyReceived");
	static uint8_t plain[16385];
	int runs;
	struct timeval tv = { .tv_sec = 20 };
	size_t data = 0;
	pthread_t sender, reader;
	int kus = 0;
	bool ku;
	uint8_t type;
	ssize_t n;

	ASSERT_EQ(setsockopt(self->p, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)), 0);
	ASSERT_EQ(stick_sender(self, &sender), 0);
	ASSERT_EQ(pthread_create(&reader, NULL, one_byte_reader, &self->t), 0);
	p_send(_metadata, self, HANDSHAKE, ku_requested, 5);
	ASSERT_EQ(dir_next(&self->ptx), 0);
	ASSERT_EQ(stat_settled("TlsRxRekeyReceived", got_ku + 1), got_ku + 1);
	usleep(200000);

	runs = push_work_runs(2);
	if (runs < 0) {
		close_now(self->p);
		self->p = -1;
		pthread_join(sender, NULL);
		pthread_join(reader, NULL);
		SKIP(return, "no tracefs");
	}
	TH_LOG("TX worker runs in 2 s with the sender stuck: %d", runs);
	EXPECT_LE(runs, 2);

	/* The peer reads: data, and t's KeyUpdate somewhere in it or after. */
	p_send(_metadata, self, DATA, "x", 1);
	pthread_join(reader, NULL);
	while (data < (1 << 20) || !kus) {
		n = p_recv(self, plain, &type, &ku);
		ASSERT_GE(n, 0);
		if (ku) {
			kus++;
			continue;
		}
		ASSERT_EQ(type, DATA);
		data += n;
	}
	pthread_join(sender, NULL);
	EXPECT_EQ(data, 1 << 20);
	EXPECT_EQ(kus, 1);
	ASSERT_EQ(send(self->t, "y", 1, 0), 1);
	n = read_record(self->p, self->rec, sizeof(self->rec));
	ASSERT_GT(n, 5);
	EXPECT_EQ(dir_open(&self->prx, self->rec, n, plain, &type), 1);
	EXPECT_EQ(plain[0], 'y');
}

/* A KeyUpdate that does not end its record, or is malformed: EBADMSG. */
TEST_F(peer, rx_bad_key_update)
{
	static const uint8_t not_last[] = { 24, 0, 0, 1, 0, 4, 0, 0, 0 };
	long errs = tlsk_stat("TlsRxRekeyError");
	char buf[16];

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, HANDSHAKE, not_last, sizeof(not_last));
	EXPECT_EQ(recv(self->t, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	/* Sticky. */
	EXPECT_EQ(recv(self->t, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyError"), errs + 1);
}

TEST_F(peer, rx_bad_request_byte)
{
	static const uint8_t bad[] = { 24, 0, 0, 1, 2 };
	char buf[16];

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, HANDSHAKE, bad, sizeof(bad));
	EXPECT_EQ(recv(self->t, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/*
 * RFC 8446 5.1: handshake messages may span records, and only a message's
 * first byte is its type. A NewSessionTicket whose second fragment starts
 * with 24 is delivered as it came, and is no KeyUpdate.
 */
TEST_F(peer, rx_fragment_starting_with_24_is_no_key_update)
{
	static const uint8_t part1[] = { 4, 0, 0, 8, 1, 2, 3, 4 };
	static const uint8_t part2[] = { 24, 0, 0, 1 };
	long received = tlsk_stat("TlsRxRekeyReceived");

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, HANDSHAKE, part1, sizeof(part1));
	p_send(_metadata, self, HANDSHAKE, part2, sizeof(part2));
	p_send(_metadata, self, DATA, "two", 3);
	t_expect(_metadata, self->t, HANDSHAKE, part1, sizeof(part1));
	t_expect(_metadata, self->t, HANDSHAKE, part2, sizeof(part2));
	t_expect(_metadata, self->t, DATA, "two", 3);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyReceived"), received);
}

/*
 * A KeyUpdate may itself span records (after a ticket in the first one):
 * followed all the same, and none of its bytes reach the reader.
 */
TEST_F(peer, rx_key_update_spans_records)
{
	static const uint8_t part1[] = { 4, 0, 0, 2, 9, 9, 24, 0 };
	static const uint8_t part2[] = { 0, 1 };
	static const uint8_t part3[] = { 0 };
	long rx_ok = tlsk_stat("TlsRxRekeyOk");

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, HANDSHAKE, part1, sizeof(part1));
	p_send(_metadata, self, HANDSHAKE, part2, sizeof(part2));
	p_send(_metadata, self, HANDSHAKE, part3, sizeof(part3));
	ASSERT_EQ(dir_next(&self->ptx), 0);
	p_send(_metadata, self, DATA, "two", 3);
	t_expect(_metadata, self->t, HANDSHAKE, part1, 6);
	t_expect(_metadata, self->t, DATA, "two", 3);
	EXPECT_EQ(tlsk_stat("TlsRxRekeyOk"), rx_ok + 1);
}

/* Without a secret: the fragments are delivered, then RX waits for TLS_RX. */
TEST_F(peer, rx_key_update_spans_records_manual)
{
	static const uint8_t part1[] = { 24, 0, 0 };
	static const uint8_t part2[] = { 1, 0 };
	struct dir next;
	char buf[16];

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, false), 0);
	p_send(_metadata, self, HANDSHAKE, part1, sizeof(part1));
	p_send(_metadata, self, HANDSHAKE, part2, sizeof(part2));
	ASSERT_EQ(dir_next(&self->ptx), 0);
	next = self->ptx;
	p_send(_metadata, self, DATA, "later", 5);
	t_expect(_metadata, self->t, HANDSHAKE, part1, sizeof(part1));
	t_expect(_metadata, self->t, HANDSHAKE, part2, sizeof(part2));
	EXPECT_EQ(recv(self->t, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EKEYEXPIRED);
	ASSERT_EQ(install_dir(self->t, TLS_RX, &next, false), 0);
	t_expect(_metadata, self->t, DATA, "later", 5);
}

/* 5.1: no other record between the fragments of a message it follows. */
TEST_F(peer, rx_interleaved_fragment_ebadmsg)
{
	static const uint8_t part1[] = { 4, 0, 0, 8, 1, 2 };
	char buf[16];

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	p_send(_metadata, self, HANDSHAKE, part1, sizeof(part1));
	p_send(_metadata, self, DATA, "data", 4);
	t_expect(_metadata, self->t, HANDSHAKE, part1, sizeof(part1));
	EXPECT_EQ(recv(self->t, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EBADMSG);
}

/*
 * Empty data records (RFC 8446 5.4 allows them) carry nothing: many of
 * them, then an alert, and the reader gets the alert, not a false end of
 * stream; a peek among them holds no memory for them.
 */
TEST_F(peer, rx_empty_data_records)
{
	static const uint8_t alert[] = { 1, 0 };
	uint8_t got[16], type;
	int i;

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, false), 0);
	for (i = 0; i < 300; i++)
		p_send(_metadata, self, DATA, "", 0);
	p_send(_metadata, self, 21, alert, sizeof(alert));
	for (i = 0; i < 300; i++)
		p_send(_metadata, self, DATA, "", 0);
	p_send(_metadata, self, DATA, "x", 1);
	t_expect(_metadata, self->t, 21, alert, sizeof(alert));
	EXPECT_EQ(recv_record_type(self->t, got, sizeof(got), &type, MSG_PEEK),
		  1);
	EXPECT_EQ(type, DATA);
	t_expect(_metadata, self->t, DATA, "x", 1);
}

/* The secret arriving while manual mode waits for a key: RX resumes. */
TEST_F(peer, rx_secret_after_key_update)
{
	struct tlsk_secret sec;
	char buf[16];

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, false), 0);
	secret_arg(&self->ptx, &sec);
	p_send(_metadata, self, HANDSHAKE, ku_not_requested, 5);
	ASSERT_EQ(dir_next(&self->ptx), 0);
	p_send(_metadata, self, DATA, "later", 5);
	t_expect(_metadata, self->t, HANDSHAKE, ku_not_requested, 5);
	EXPECT_EQ(recv(self->t, buf, sizeof(buf), MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EKEYEXPIRED);
	ASSERT_EQ(setsockopt(self->t, SOL_TLS, TLSK_RX_SECRET, &sec,
			     sizeof(sec)), 0);
	t_expect(_metadata, self->t, DATA, "later", 5);
}

/* A manual TLS_TX rekey ends the automatic mode of TX. */
TEST_F(peer, manual_tx_rekey_drops_secret)
{
	struct tlsk_secret sec;
	socklen_t len = sizeof(sec);
	struct dir next = self->prx;

	ASSERT_EQ(install_dir(self->t, TLS_TX, &self->prx, true), 0);
	ASSERT_EQ(getsockopt(self->t, SOL_TLS, TLSK_TX_SECRET, &sec, &len), 0);
	EXPECT_NE(sec.hash, 0);
	ASSERT_EQ(dir_next(&next), 0);
	ASSERT_EQ(install_dir(self->t, TLS_TX, &next, false), 0);
	ASSERT_EQ(getsockopt(self->t, SOL_TLS, TLSK_TX_SECRET, &sec, &len), 0);
	EXPECT_EQ(sec.hash, 0);
	/* The next key's secret turns it on again. */
	secret_arg(&next, &sec);
	EXPECT_EQ(setsockopt(self->t, SOL_TLS, TLSK_TX_SECRET, &sec,
			     sizeof(sec)), 0);
}

/* So does a manual TLS_RX (upstream kTLS semantics: no KeyUpdate needed). */
TEST_F(peer, manual_rx_rekey_drops_secret)
{
	struct tlsk_secret sec;
	socklen_t len = sizeof(sec);
	struct dir next = self->ptx;

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	ASSERT_EQ(dir_next(&next), 0);
	ASSERT_EQ(install_dir(self->t, TLS_RX, &next, false), 0);
	ASSERT_EQ(getsockopt(self->t, SOL_TLS, TLSK_RX_SECRET, &sec, &len), 0);
	EXPECT_EQ(sec.hash, 0);
	/* Manual again: a KeyUpdate under the new key stops RX. */
	self->ptx = next;
	p_send(_metadata, self, HANDSHAKE, ku_not_requested, 5);
	t_expect(_metadata, self->t, HANDSHAKE, ku_not_requested, 5);
	errno = 0;
	EXPECT_EQ(recv(self->t, &sec, 1, MSG_DONTWAIT), -1);
	EXPECT_EQ(errno, EKEYEXPIRED);
}

/* getsockopt says which hash, never the secret. */
TEST_F(peer, getsockopt_hides_secret)
{
	struct tlsk_secret sec, zero = {};
	socklen_t len = sizeof(sec);

	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, true), 0);
	memset(&sec, 0xa5, sizeof(sec));
	ASSERT_EQ(getsockopt(self->t, SOL_TLS, TLSK_RX_SECRET, &sec, &len), 0);
	EXPECT_EQ(len, sizeof(sec));
	EXPECT_EQ(sec.version, TLSK_SECRET_VERSION_1);
	EXPECT_EQ(sec.hash, self->ptx.suite->sha384 ? TLSK_HASH_SHA384 :
						       TLSK_HASH_SHA256);
	EXPECT_EQ(sec.secret_len, self->ptx.slen);
	EXPECT_EQ(memcmp(sec.secret, zero.secret, sizeof(sec.secret)), 0);
	len = sizeof(sec) - 1;
	EXPECT_EQ(getsockopt(self->t, SOL_TLS, TLSK_RX_SECRET, &sec, &len), -1);
	EXPECT_EQ(errno, EINVAL);
}

static int set_secret(int fd, int opt, const struct tlsk_secret *s,
		      socklen_t len)
{
	return setsockopt(fd, SOL_TLS, opt, s, len);
}

#define EXPECT_EINVAL(_call)			\
	do {					\
		errno = 0;			\
		EXPECT_EQ((_call), -1);		\
		EXPECT_EQ(errno, EINVAL);	\
	} while (0)

TEST_F(peer, bad_secrets_einval)
{
	struct tlsk_secret good, s;
	size_t hlen = self->ptx.slen;

	secret_arg(&self->ptx, &good);
	/* No RX key yet. */
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &good, sizeof(good)));
	ASSERT_EQ(install_dir(self->t, TLS_RX, &self->ptx, false), 0);
	/* No TX key. */
	EXPECT_EINVAL(set_secret(self->t, TLSK_TX_SECRET, &good, sizeof(good)));
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &good,
				 sizeof(good) - 1));
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &good,
				 sizeof(good) + 1));
	EXPECT_EINVAL(setsockopt(self->t, SOL_TLS, TLSK_RX_SECRET, NULL,
				 sizeof(good)));
	s = good;
	s.version = 0;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s.version = 2;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s = good;
	s.hash = self->ptx.suite->sha384 ? TLSK_HASH_SHA256 : TLSK_HASH_SHA384;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s.hash = 0;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s.hash = 3;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s.hash = 0xffff;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s = good;
	s.secret_len = hlen == 32 ? 48 : 32;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s.secret_len = hlen - 1;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s = good;
	s.reserved = 1;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	if (hlen < sizeof(s.secret)) {
		s = good;
		s.secret[hlen] = 1;
		EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s,
					 sizeof(s)));
	}
	/* Not the installed key's secret: the other direction's, a bit off. */
	secret_arg(&self->prx, &s);
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	s = good;
	s.secret[0] ^= 1;
	EXPECT_EINVAL(set_secret(self->t, TLSK_RX_SECRET, &s, sizeof(s)));
	errno = 0;
	EXPECT_EQ(setsockopt(self->t, SOL_TLS, TLSK_RX_SECRET, (void *)8,
			     sizeof(good)), -1);
	EXPECT_EQ(errno, EFAULT);
	/* And the right one, twice (the second replaces the first). */
	EXPECT_EQ(set_secret(self->t, TLSK_RX_SECRET, &good, sizeof(good)), 0);
	EXPECT_EQ(set_secret(self->t, TLSK_RX_SECRET, &good, sizeof(good)), 0);
}

/* TLS 1.2 has no KeyUpdate; in-tree "tls" has no such option. */
TEST(secret_tls12_einval_tls_enoprotoopt)
{
	struct tlsk_secret s = {
		.version = TLSK_SECRET_VERSION_1,
		.hash = TLSK_HASH_SHA256,
		.secret_len = 32,
	};
	int a, b;

	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, NULL, TLS_1_2_VERSION,
			   TLS_CIPHER_AES_GCM_128, &a, &b), 0);
	EXPECT_EINVAL(set_secret(a, TLSK_TX_SECRET, &s, sizeof(s)));
	EXPECT_EINVAL(set_secret(a, TLSK_RX_SECRET, &s, sizeof(s)));
	close(a);
	close(b);
	ASSERT_EQ(tls_pair(AF_INET, "tls", NULL, TLS_1_3_VERSION,
			   TLS_CIPHER_AES_GCM_128, &a, &b), 0);
	EXPECT_EQ(set_secret(a, TLSK_TX_SECRET, &s, sizeof(s)), -1);
	EXPECT_EQ(errno, ENOPROTOOPT);
	close(a);
	close(b);
}

TEST_HARNESS_MAIN
