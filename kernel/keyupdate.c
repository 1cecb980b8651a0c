// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS 1.3 traffic secrets, for the automatic rekey (TLSK_TX_SECRET,
 * TLSK_RX_SECRET).
 *
 * A direction that holds its traffic secret can follow a KeyUpdate without
 * userspace (RFC 8446 7.2, 7.3):
 *
 *   secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
 *   key        = HKDF-Expand-Label(secret_N+1, "key", "", key_length)
 *   iv         = HKDF-Expand-Label(secret_N+1, "iv", "", 12)
 *
 * HKDF-Expand-Label(Secret, Label, Context, Length) is HKDF-Expand (RFC
 * 5869 2.3) of the HkdfLabel struct (7.1):
 *
 *   uint16 length; opaque label<7..255> = "tls13 " + Label;
 *   opaque context<0..255>;
 *
 * Every output here is at most Hash.length bytes, so HKDF-Expand is its
 * first block: T(1) = HMAC-Hash(Secret, HkdfLabel || 0x01), truncated.
 * The HMAC comes from the kernel crypto API ("hmac(sha256)",
 * "hmac(sha384)"), one transform per direction, allocated when the secret
 * is set so that a rekey allocates only the next AEAD.
 *
 * Secrets live in kmalloc'ed memory freed with kfree_sensitive(); every
 * intermediate on the stack is wiped with memzero_explicit() on all paths.
 * Callers hold the socket lock (TX: and tx.lock) and may sleep.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cipher.h"
#include "keyupdate.h"

#define IV_SIZE		12
#define LABEL_PREFIX	"tls13 "
#define MAX_LABEL	(sizeof(LABEL_PREFIX) - 1 + sizeof("traffic upd") - 1)
/* uint16 length, label<..>, context<..> (empty), HKDF's counter byte. */
#define MAX_INFO	(2 + 1 + MAX_LABEL + 1 + 1)

struct tlsk_secret_state {
	struct crypto_shash *hmac;
	u16 hash;			/* TLSK_HASH_* */
	u8 len;				/* Hash.length */
	u8 secret[TLSK_SECRET_MAX];	/* the secret of the key in use */
};

static const struct {
	const char *alg;
	u8 len;
} hashes[] = {
	[TLSK_HASH_SHA256] = { "hmac(sha256)", SHA256_DIGEST_SIZE },
	[TLSK_HASH_SHA384] = { "hmac(sha384)", SHA384_DIGEST_SIZE },
};

static_assert(SHA384_DIGEST_SIZE == TLSK_SECRET_MAX);
static_assert(MAX_INFO <= 32);

/*
 * out = HKDF-Expand-Label(s->hmac's key, label, "", len), len at most
 * Hash.length. The HMAC must be keyed with the secret already.
 */
static int expand_label(struct tlsk_secret_state *s, const char *label,
			u8 *out, unsigned int len)
{
	SHASH_DESC_ON_STACK(desc, s->hmac);
	unsigned int label_len = strlen(label);
	u8 info[MAX_INFO], t[TLSK_SECRET_MAX];
	unsigned int n = 0;
	int err;

	if (len > s->len || sizeof(LABEL_PREFIX) - 1 + label_len > MAX_LABEL)
		return -EINVAL;
	info[n++] = len >> 8;
	info[n++] = len & 0xff;
	info[n++] = sizeof(LABEL_PREFIX) - 1 + label_len;
	memcpy(info + n, LABEL_PREFIX, sizeof(LABEL_PREFIX) - 1);
	n += sizeof(LABEL_PREFIX) - 1;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = 0;		/* empty context */
	info[n++] = 1;		/* T(1) */

	desc->tfm = s->hmac;
	err = crypto_shash_digest(desc, info, n, t);
	shash_desc_zero(desc);
	if (!err)
		memcpy(out, t, len);
	memzero_explicit(t, sizeof(t));
	return err;
}

/* The key and IV that a traffic secret derives (RFC 8446 7.3). */
static int derive_key(struct tlsk_secret_state *s, const u8 *secret,
		      const struct tlsk_cipher *c, u8 *key, u8 iv[IV_SIZE])
{
	int err;

	err = crypto_shash_setkey(s->hmac, secret, s->len);
	if (!err)
		err = expand_label(s, "key", key, tlsk_cipher_key_size(c));
	if (!err)
		err = expand_label(s, "iv", iv, IV_SIZE);
	return err;
}

/*
 * The secret for the key in use by c, from userspace: a struct tlsk_secret
 * of exactly its size, version 1, the hash of c's suite, and a secret that
 * derives exactly c's key and IV. Anything else is EINVAL.
 */
struct tlsk_secret_state *tlsk_secret_new(const struct tlsk_cipher *c,
					  sockptr_t optval,
					  unsigned int optlen)
{
	struct tlsk_secret_state *s;
	struct tlsk_secret in;
	u8 key[TLS_CIPHER_AES_GCM_256_KEY_SIZE], iv[IV_SIZE];
	int err = -EINVAL;

	static_assert(sizeof(key) >= TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE);

	if (!c || c->info.info.version != TLS_1_3_VERSION ||
	    sockptr_is_null(optval) || optlen != sizeof(in))
		return ERR_PTR(-EINVAL);
	if (copy_from_sockptr(&in, optval, sizeof(in))) {
		err = -EFAULT;
		goto wipe_in;
	}
	if (in.version != TLSK_SECRET_VERSION_1 || in.reserved ||
	    in.hash >= ARRAY_SIZE(hashes) || !hashes[in.hash].alg ||
	    hashes[in.hash].len != tlsk_cipher_hash_size(c) ||
	    in.secret_len != hashes[in.hash].len ||
	    memchr_inv(in.secret + in.secret_len, 0,
		       sizeof(in.secret) - in.secret_len))
		goto wipe_in;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s) {
		err = -ENOMEM;
		goto wipe_in;
	}
	s->hash = in.hash;
	s->len = in.secret_len;
	memcpy(s->secret, in.secret, s->len);
	s->hmac = crypto_alloc_shash(hashes[in.hash].alg, 0, 0);
	if (IS_ERR(s->hmac)) {
		err = PTR_ERR(s->hmac);
		goto free_state;
	}
	err = derive_key(s, s->secret, c, key, iv);
	/* A secret of another key (the other direction's, say) is refused. */
	if (!err && !tlsk_cipher_has_key(c, key, iv))
		err = -EINVAL;
	memzero_explicit(key, sizeof(key));
	memzero_explicit(iv, sizeof(iv));
	if (err)
		goto free_hmac;
	memzero_explicit(&in, sizeof(in));
	return s;

free_hmac:
	crypto_free_shash(s->hmac);
free_state:
	kfree_sensitive(s);
wipe_in:
	memzero_explicit(&in, sizeof(in));
	return ERR_PTR(err);
}

void tlsk_secret_free(struct tlsk_secret_state *s)
{
	if (!s)
		return;
	/* The transform's keyed state is freed with kfree_sensitive() too. */
	crypto_free_shash(s->hmac);
	kfree_sensitive(s);
}

/* What getsockopt tells: which hash, never the secret. */
void tlsk_secret_export(const struct tlsk_secret_state *s,
			struct tlsk_secret *out)
{
	memset(out, 0, sizeof(*out));
	out->version = TLSK_SECRET_VERSION_1;
	if (!s)
		return;
	out->hash = s->hash;
	out->secret_len = s->len;
}

/*
 * The cipher of the key after c's, at sequence 0; s moves on to its
 * secret. On failure s and c are unchanged.
 */
struct tlsk_cipher *tlsk_secret_next(struct tlsk_secret_state *s,
				     const struct tlsk_cipher *c)
{
	union tlsk_crypto_info info;
	u8 next[TLSK_SECRET_MAX];
	u8 key[TLS_CIPHER_AES_GCM_256_KEY_SIZE], iv[IV_SIZE];
	struct tlsk_cipher *n;
	int err;

	err = crypto_shash_setkey(s->hmac, s->secret, s->len);
	if (!err)
		err = expand_label(s, "traffic upd", next, s->len);
	if (!err)
		err = derive_key(s, next, c, key, iv);
	if (err) {
		n = ERR_PTR(err);
		goto wipe;
	}
	tlsk_cipher_next_info(c, key, iv, &info);
	n = tlsk_cipher_new(&info);
	memzero_explicit(&info, sizeof(info));
	if (!IS_ERR(n))
		memcpy(s->secret, next, s->len);
wipe:
	memzero_explicit(next, sizeof(next));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(iv, sizeof(iv));
	return n;
}
