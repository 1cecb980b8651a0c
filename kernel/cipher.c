// SPDX-License-Identifier: GPL-2.0-only
/*
 * Record protection with the kernel crypto API.
 *
 * Every cipher tlsk carries is one row of ciphers[] below; the rest of the
 * module never switches on a cipher type. The rows say where the key, salt,
 * IV and sequence number sit in the uAPI struct, so installing keys, building
 * nonces and answering getsockopt are the same code for all of them.
 *
 * Nonces (RFC 5288 3, RFC 6655 3, RFC 7905 2, RFC 8446 5.3):
 *  - TLS 1.2 AES-GCM/CCM: salt || 8 explicit bytes that travel in the record.
 *    As kTLS does, the explicit part starts at the installed IV and counts
 *    up once per record.
 *  - TLS 1.2 ChaCha20 and all of TLS 1.3: the 12-byte static IV (salt || IV)
 *    XOR the 64-bit sequence number, right-aligned.
 *  - CCM only: the crypto API takes a 16-byte counter block whose first byte
 *    holds L' = 2 (a 3-byte length field), then the 12-byte nonce.
 *
 * Requests may complete asynchronously (-EINPROGRESS, or -EBUSY when
 * backlogged); crypto_wait_req() sleeps until the callback fires, so callers
 * see a plain synchronous result. Callers are in process context holding
 * the socket lock, which allows the sleep.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/internal/aead.h>
#include <crypto/sha2.h>
#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <net/sock.h>

#include "cipher.h"
#include "compat.h"

#define CCM_FLAGS_L3	2	/* B0 flags byte for a 3-byte length: L - 1 */
#define CCM_IV_SIZE	16

struct tlsk_cipher_desc {
	u16 type;
	const char *alg;
	u16 info_size;
	u8 key_size;
	u8 salt_size;
	u8 iv_size;
	u8 key_off;
	u8 salt_off;
	u8 iv_off;
	u8 seq_off;
	/* TLS 1.2 sends the per-record part of the nonce. */
	bool explicit_iv;
	/* Nonzero: CCM, whose IV is a counter block starting with this. */
	u8 ccm_flags;
	/* TLS 1.3 suite hash (RFC 8446 B.4), bytes; 0: none tlsk derives. */
	u8 hash_size;
};

#define CIPHER(_type, _st, _alg, _explicit, _ccm, _hash)		\
	{								\
		.type		= _type,				\
		.alg		= _alg,					\
		.info_size	= sizeof(struct tls12_crypto_info_##_st), \
		.key_size	= _type##_KEY_SIZE,			\
		.salt_size	= _type##_SALT_SIZE,			\
		.iv_size	= _type##_IV_SIZE,			\
		.key_off	= offsetof(struct tls12_crypto_info_##_st, key), \
		.salt_off	= offsetof(struct tls12_crypto_info_##_st, salt), \
		.iv_off		= offsetof(struct tls12_crypto_info_##_st, iv), \
		.seq_off	= offsetof(struct tls12_crypto_info_##_st, rec_seq), \
		.explicit_iv	= _explicit,				\
		.ccm_flags	= _ccm,					\
		.hash_size	= _hash,				\
	}

static const struct tlsk_cipher_desc ciphers[] = {
	CIPHER(TLS_CIPHER_AES_GCM_128, aes_gcm_128, "gcm(aes)", true, 0,
	       SHA256_DIGEST_SIZE),
	CIPHER(TLS_CIPHER_AES_GCM_256, aes_gcm_256, "gcm(aes)", true, 0,
	       SHA384_DIGEST_SIZE),
	CIPHER(TLS_CIPHER_AES_CCM_128, aes_ccm_128, "ccm(aes)", true,
	       CCM_FLAGS_L3, SHA256_DIGEST_SIZE),
	CIPHER(TLS_CIPHER_CHACHA20_POLY1305, chacha20_poly1305,
	       "rfc7539(chacha20,poly1305)", false, 0, SHA256_DIGEST_SIZE),
	/*
	 * RFC 8998; kTLS offers them, so a kTLS program may ask for them.
	 * Their hash is SM3, for which tlsk derives no keys.
	 */
	CIPHER(TLS_CIPHER_SM4_GCM, sm4_gcm, "gcm(sm4)", true, 0, 0),
	CIPHER(TLS_CIPHER_SM4_CCM, sm4_ccm, "ccm(sm4)", true, CCM_FLAGS_L3, 0),
};

/*
 * The table's sizes come from the uAPI constants; the uAPI structs must
 * agree with them, and every nonce must be the 12 bytes c->iv holds.
 */
#define FIELD_IS(_st, _f, _size) \
	static_assert(sizeof_field(struct tls12_crypto_info_##_st, _f) == (_size))
#define NONCE_IS_12(_type) \
	static_assert(_type##_SALT_SIZE + _type##_IV_SIZE == 12 && \
		      _type##_REC_SEQ_SIZE == 8 && \
		      _type##_TAG_SIZE == 16)

FIELD_IS(aes_gcm_128, key, TLS_CIPHER_AES_GCM_128_KEY_SIZE);
FIELD_IS(aes_gcm_128, salt, TLS_CIPHER_AES_GCM_128_SALT_SIZE);
FIELD_IS(aes_gcm_128, iv, TLS_CIPHER_AES_GCM_128_IV_SIZE);
FIELD_IS(aes_gcm_128, rec_seq, TLS_CIPHER_AES_GCM_128_REC_SEQ_SIZE);
FIELD_IS(aes_gcm_256, key, TLS_CIPHER_AES_GCM_256_KEY_SIZE);
FIELD_IS(aes_gcm_256, salt, TLS_CIPHER_AES_GCM_256_SALT_SIZE);
FIELD_IS(aes_gcm_256, iv, TLS_CIPHER_AES_GCM_256_IV_SIZE);
FIELD_IS(aes_gcm_256, rec_seq, TLS_CIPHER_AES_GCM_256_REC_SEQ_SIZE);
FIELD_IS(aes_ccm_128, key, TLS_CIPHER_AES_CCM_128_KEY_SIZE);
FIELD_IS(aes_ccm_128, salt, TLS_CIPHER_AES_CCM_128_SALT_SIZE);
FIELD_IS(aes_ccm_128, iv, TLS_CIPHER_AES_CCM_128_IV_SIZE);
FIELD_IS(aes_ccm_128, rec_seq, TLS_CIPHER_AES_CCM_128_REC_SEQ_SIZE);
FIELD_IS(chacha20_poly1305, key, TLS_CIPHER_CHACHA20_POLY1305_KEY_SIZE);
FIELD_IS(chacha20_poly1305, iv, TLS_CIPHER_CHACHA20_POLY1305_IV_SIZE);
FIELD_IS(chacha20_poly1305, rec_seq,
	 TLS_CIPHER_CHACHA20_POLY1305_REC_SEQ_SIZE);
FIELD_IS(sm4_gcm, key, TLS_CIPHER_SM4_GCM_KEY_SIZE);
FIELD_IS(sm4_gcm, salt, TLS_CIPHER_SM4_GCM_SALT_SIZE);
FIELD_IS(sm4_gcm, iv, TLS_CIPHER_SM4_GCM_IV_SIZE);
FIELD_IS(sm4_gcm, rec_seq, TLS_CIPHER_SM4_GCM_REC_SEQ_SIZE);
FIELD_IS(sm4_ccm, key, TLS_CIPHER_SM4_CCM_KEY_SIZE);
FIELD_IS(sm4_ccm, salt, TLS_CIPHER_SM4_CCM_SALT_SIZE);
FIELD_IS(sm4_ccm, iv, TLS_CIPHER_SM4_CCM_IV_SIZE);
FIELD_IS(sm4_ccm, rec_seq, TLS_CIPHER_SM4_CCM_REC_SEQ_SIZE);
NONCE_IS_12(TLS_CIPHER_AES_GCM_128);
NONCE_IS_12(TLS_CIPHER_AES_GCM_256);
NONCE_IS_12(TLS_CIPHER_AES_CCM_128);
NONCE_IS_12(TLS_CIPHER_CHACHA20_POLY1305);
NONCE_IS_12(TLS_CIPHER_SM4_GCM);
NONCE_IS_12(TLS_CIPHER_SM4_CCM);
static_assert(TLS_CIPHER_AES_GCM_128_IV_SIZE == TLSK_EXPLICIT_IV_SIZE);
static_assert(TLSK_TAG_SIZE == 16);
static_assert(sizeof(union tlsk_crypto_info) ==
	      sizeof(struct tls12_crypto_info_aes_gcm_256));
/* 1 + 12 + 3 bytes of block counter. */
static_assert(sizeof_field(struct tlsk_cipher, nonce) == CCM_IV_SIZE);

static const struct tlsk_cipher_desc *find_desc(u16 type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ciphers); i++)
		if (ciphers[i].type == type)
			return &ciphers[i];
	return NULL;
}

/* Size of the uAPI struct for cipher_type, or -EINVAL if tlsk lacks it. */
int tlsk_cipher_info_size(u16 cipher_type)
{
	const struct tlsk_cipher_desc *d = find_desc(cipher_type);

	return d ? d->info_size : -EINVAL;
}

static const u8 *info_field(const union tlsk_crypto_info *info, u8 off)
{
	return (const u8 *)info + off;
}

/*
 * How many records one key may protect. RFC 8446 5.5 limits a TLS 1.3
 * AES-GCM key to 2^24.5 full records; CCM's bound is 2^23.5 (RFC 9147
 * 4.5.3, which TLS 1.3 shares). ChaCha20-Poly1305's is beyond the
 * sequence space, and TLS 1.2 never had one: there the sequence space is
 * the limit.
 */
static u64 record_limit(u16 cipher_type, bool tls13)
{
	if (!tls13)
		return U64_MAX;
	switch (cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
	case TLS_CIPHER_AES_GCM_256:
	case TLS_CIPHER_SM4_GCM:
		return 23726566;	/* 2^24.5 */
	case TLS_CIPHER_AES_CCM_128:
	case TLS_CIPHER_SM4_CCM:
		return 11863283;	/* 2^23.5 */
	}
	return U64_MAX;
}

/*
 * True once per key, for the first record at or past 7/8 of its limit:
 * time for a KeyUpdate, while there is still room for the handshake.
 */
bool tlsk_cipher_near_limit(struct tlsk_cipher *c)
{
	if (c->near_limit_told || c->seq < c->record_limit - c->record_limit / 8)
		return false;
	c->near_limit_told = true;
	return true;
}

/* The caller has checked version, cipher_type and size of *info. */
struct tlsk_cipher *tlsk_cipher_new(const union tlsk_crypto_info *info)
{
	const struct tlsk_cipher_desc *d = find_desc(info->info.cipher_type);
	bool tls13 = info->info.version == TLS_1_3_VERSION;
	struct tlsk_cipher *c;
	int err;

	if (!d)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->desc = d;
	memcpy(&c->info, info, d->info_size);

	c->aead = crypto_alloc_aead(d->alg, 0, 0);
	if (IS_ERR(c->aead)) {
		err = PTR_ERR(c->aead);
		goto free_cipher;
	}
	err = crypto_aead_setauthsize(c->aead, TLSK_TAG_SIZE);
	if (err)
		goto free_aead;
	err = crypto_aead_setkey(c->aead, info_field(info, d->key_off),
				 d->key_size);
	if (err)
		goto free_aead;

	memcpy(c->iv, info_field(info, d->salt_off), d->salt_size);
	memcpy(c->iv + d->salt_size, info_field(info, d->iv_off), d->iv_size);
	c->seq = get_unaligned_be64(info_field(info, d->seq_off));
	c->exhausted = c->seq == U64_MAX;
	c->record_limit = record_limit(d->type, tls13);
	c->tail = tls13;
	c->prepend = TLSK_HEADER_SIZE;
	c->in_sg = TLSK_SEAL_IN_SG;
	if (d->explicit_iv && !tls13) {
		c->prepend += TLSK_EXPLICIT_IV_SIZE;
		c->explicit_iv = get_unaligned_be64(info_field(info, d->iv_off));
	}
	return c;

free_aead:
	crypto_free_aead(c->aead);
free_cipher:
	kfree_sensitive(c);
	return ERR_PTR(err);
}

void tlsk_cipher_free(struct tlsk_cipher *c)
{
	if (!c)
		return;
	/*
	 * All with kfree_sensitive(): the request's context (hash state),
	 * the key schedule and our copy.
	 */
	kfree_sensitive(c->s);
	crypto_free_aead(c->aead);
	kfree_sensitive(c);
}

/*
 * Each CPU's parked scratch (struct tlsk_scratch), for the next call of
 * any socket on that CPU: taken and parked with one this_cpu operation
 * each, which needs no lock and no disabled preemption (a call that
 * migrates parks on its new CPU). At most one per CPU, freed at unload.
 * It stays charged to the memory cgroup of the socket that allocated it.
 */
static DEFINE_PER_CPU(struct tlsk_scratch *, parked_scratch);

/*
 * Makes sure c has its scratch for a record about to be sealed or opened:
 * this CPU's parked one if it is large enough, else a new one charged to
 * the memory cgroup of sk as the record buffers are. 0 or -ENOMEM.
 */
int tlsk_cipher_scratch(struct tlsk_cipher *c, struct sock *sk, gfp_t gfp)
{
	size_t head = ALIGN(sizeof(struct tlsk_scratch) +
			    crypto_aead_reqsize(c->aead),
			    __alignof__(struct scatterlist));
	size_t size = head + c->in_sg * sizeof(struct scatterlist);
	struct mem_cgroup *old;
	struct tlsk_scratch *s;

	c->s_used = true;
	if (likely(c->s))
		return 0;
	s = this_cpu_xchg(parked_scratch, NULL);
	if (unlikely(s && s->size < size)) {
		kfree_sensitive(s);
		s = NULL;
	}
	if (unlikely(!s)) {
		/* What the slab gives anyway: a parked one fits more. */
		size = kmalloc_size_roundup(size);
		old = set_active_memcg(sk->sk_memcg);
		s = kmalloc(size, gfp | __GFP_ACCOUNT | __GFP_NOWARN);
		set_active_memcg(old);
		if (!s)
			return -ENOMEM;
		s->size = size;
	}
	s->sg_in = (struct scatterlist *)((u8 *)s + head);
	aead_request_set_tfm(&s->req, c->aead);
	c->s = s;
	return 0;
}

/*
 * The call that used c's scratch returns and holds nothing in it: park it
 * on this CPU for the next call, or free it when one is parked already.
 * The request's context (an algorithm's per-record state, for
 * ChaCha20-Poly1305 the record's one-time Poly1305 key) is wiped first.
 */
void tlsk_cipher_scratch_park(struct tlsk_cipher *c)
{
	struct tlsk_scratch *s = c->s;

	if (!s)
		return;
	c->s = NULL;
	memzero_explicit(aead_request_ctx(&s->req),
			 crypto_aead_reqsize(c->aead));
	if (this_cpu_cmpxchg(parked_scratch, NULL, s))
		kfree_sensitive(s);
}

/* Module unload: no socket is left to take a parked scratch. */
void tlsk_cipher_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree_sensitive(per_cpu(parked_scratch, cpu));
		per_cpu(parked_scratch, cpu) = NULL;
	}
}

/*
 * The idle check: frees c's scratch when no record asked for it since the
 * last check. The caller knows that none holds it (an open TX record of
 * spliced pages does). Returns whether c still has it.
 */
bool tlsk_cipher_scratch_reclaim(struct tlsk_cipher *c)
{
	if (c->s && !c->s_used) {
		kfree_sensitive(c->s);
		c->s = NULL;
	}
	c->s_used = false;
	return c->s;
}

/* The crypto_info as getsockopt reports it: current IV and sequence. */
void tlsk_cipher_export(const struct tlsk_cipher *c,
			union tlsk_crypto_info *out)
{
	const struct tlsk_cipher_desc *d = c->desc;

	memcpy(out, &c->info, d->info_size);
	put_unaligned_be64(c->seq, (u8 *)out + d->seq_off);
	if (c->prepend > TLSK_HEADER_SIZE)
		put_unaligned_be64(c->explicit_iv, (u8 *)out + d->iv_off);
}

/*
 * Zeroes key, salt and IV of an exported info (a socket with its keys
 * locked): version, cipher and rec_seq stay.
 */
void tlsk_cipher_hide_keys(const struct tlsk_cipher *c,
			   union tlsk_crypto_info *info)
{
	const struct tlsk_cipher_desc *d = c->desc;
	u8 *p = (u8 *)info;

	memset(p + d->key_off, 0, d->key_size);
	memset(p + d->salt_off, 0, d->salt_size);
	memset(p + d->iv_off, 0, d->iv_size);
}

unsigned int tlsk_cipher_hash_size(const struct tlsk_cipher *c)
{
	return c->desc->hash_size;
}

unsigned int tlsk_cipher_key_size(const struct tlsk_cipher *c)
{
	return c->desc->key_size;
}

/*
 * Whether c protects records with this key and 12-byte IV (RFC 8446 7.3's
 * write_key and write_iv), compared in constant time.
 */
bool tlsk_cipher_has_key(const struct tlsk_cipher *c, const u8 *key,
			 const u8 iv[12])
{
	const struct tlsk_cipher_desc *d = c->desc;

	return !crypto_memneq(info_field(&c->info, d->key_off), key,
			      d->key_size) &&
	       !crypto_memneq(c->iv, iv, sizeof(c->iv));
}

/*
 * The crypto_info of the key after c: same version and cipher, the given
 * key and IV, sequence 0 (RFC 8446 5.3).
 */
void tlsk_cipher_next_info(const struct tlsk_cipher *c, const u8 *key,
			   const u8 iv[12], union tlsk_crypto_info *out)
{
	const struct tlsk_cipher_desc *d = c->desc;
	u8 *p = (u8 *)out;

	memset(out, 0, sizeof(*out));
	out->info = c->info.info;
	memcpy(p + d->key_off, key, d->key_size);
	memcpy(p + d->salt_off, iv, d->salt_size);
	memcpy(p + d->iv_off, iv + d->salt_size, d->iv_size);
}

static bool uses_explicit_iv(const struct tlsk_cipher *c)
{
	return c->prepend > TLSK_HEADER_SIZE;
}

/* Fills c->nonce for the record whose explicit nonce (if any) is at rec. */
static void build_nonce(struct tlsk_cipher *c, const u8 *rec)
{
	u8 *n = c->nonce;
	int i;

	memset(c->nonce, 0, sizeof(c->nonce));
	if (c->desc->ccm_flags)
		*n++ = c->desc->ccm_flags;
	if (uses_explicit_iv(c)) {
		memcpy(n, c->iv, c->desc->salt_size);
		memcpy(n + c->desc->salt_size, rec + TLSK_HEADER_SIZE,
		       TLSK_EXPLICIT_IV_SIZE);
		return;
	}
	memcpy(n, c->iv, sizeof(c->iv));
	for (i = 0; i < 8; i++)
		n[4 + i] ^= (u8)(c->seq >> (56 - 8 * i));
}

/*
 * Additional data: TLS 1.2 authenticates seq || type || version || length
 * of the plaintext (RFC 5246 6.2.3.3); TLS 1.3 the record header itself
 * (RFC 8446 5.2). Returns its length.
 */
static unsigned int build_aad(struct tlsk_cipher *c, const u8 *rec,
			      unsigned int plain_len)
{
	if (c->tail) {
		memcpy(c->aad, rec, TLSK_HEADER_SIZE);
		return TLSK_HEADER_SIZE;
	}
	put_unaligned_be64(c->seq, c->aad);
	c->aad[8] = rec[0];
	c->aad[9] = rec[1];
	c->aad[10] = rec[2];
	put_unaligned_be16(plain_len, c->aad + 11);
	return 13;
}

/* Points sg at [off, off + len) of b; returns the number of entries. */
static int buf_sg(struct scatterlist *sg, const struct tlsk_buf *b,
		  unsigned int off, unsigned int len)
{
	int n = 0;

	while (len) {
		unsigned int po = offset_in_page(off);
		unsigned int chunk = min_t(unsigned int, len, PAGE_SIZE - po);

		tlsk_sg_clear(&sg[n], 1);
		sg_set_page(&sg[n++], b->pages[off >> PAGE_SHIFT], chunk, po);
		off += chunk;
		len -= chunk;
	}
	return n;
}

static int run(struct tlsk_cipher *c, bool encrypt)
{
	DECLARE_CRYPTO_WAIT(wait);

	aead_request_set_callback(&c->s->req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				  CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	return crypto_wait_req(encrypt ? crypto_aead_encrypt(&c->s->req) :
			       crypto_aead_decrypt(&c->s->req), &wait);
}

static void advance(struct tlsk_cipher *c)
{
	c->explicit_iv++;
	/*
	 * The number after 2^64 - 1 would wrap and reuse a nonce; as in-tree
	 * kTLS refuses a record with it (it cannot advance past it), so does
	 * tlsk: the stream ends before.
	 */
	if (++c->seq == U64_MAX)
		c->exhausted = true;
}

/*
 * Writes the header (and TLS 1.2's explicit nonce) of a record of len
 * plaintext bytes at rec, then the nonce and additional data for it.
 * Returns the additional data's length.
 */
static unsigned int seal_prepare(struct tlsk_cipher *c, u8 *rec, u8 type,
				 unsigned int len)
{
	unsigned int body = c->prepend - TLSK_HEADER_SIZE + len + c->tail +
			    TLSK_TAG_SIZE;

	/* TLS 1.3 hides the type inside and says application data outside. */
	rec[0] = c->tail ? TLSK_RECORD_DATA : type;
	rec[1] = TLS_1_2_VERSION_MAJOR;
	rec[2] = TLS_1_2_VERSION_MINOR;
	put_unaligned_be16(body, rec + 3);
	if (uses_explicit_iv(c))
		put_unaligned_be64(c->explicit_iv, rec + TLSK_HEADER_SIZE);
	build_nonce(c, rec);
	return build_aad(c, rec, len);
}

/* The AAD, then clen + tag bytes of out after the record's prepend. */
static struct scatterlist *seal_dst(struct tlsk_cipher *c,
				    struct scatterlist *dst,
				    unsigned int assoclen, unsigned int clen,
				    const struct tlsk_seal_out *out)
{
	unsigned int first = clen + TLSK_TAG_SIZE;

	sg_init_table(dst, out->page[1] ? 3 : 2);
	sg_set_buf(&dst[0], c->aad, assoclen);
	if (out->page[1])
		first = out->len[0] - c->prepend;
	sg_set_page(&dst[1], out->page[0], first, out->off[0] + c->prepend);
	if (out->page[1])
		sg_set_page(&dst[2], out->page[1], clen + TLSK_TAG_SIZE - first,
			    out->off[1]);
	return dst;
}

static int seal_run(struct tlsk_cipher *c, struct scatterlist *src,
		    struct scatterlist *dst, unsigned int assoclen,
		    unsigned int clen)
{
	int err;

	aead_request_set_crypt(&c->s->req, src, dst, clen, c->nonce);
	aead_request_set_ad(&c->s->req, assoclen);
	err = run(c, true);
	if (err)
		return err;
	advance(c);
	return c->prepend + clen + TLSK_TAG_SIZE;
}

/*
 * Seals the record whose len plaintext bytes sit in b at c->prepend: in
 * place when out is NULL, else into out, from header to tag, leaving b's
 * ciphertext part as it was. Returns the record's length on the wire.
 */
int tlsk_cipher_seal_to(struct tlsk_cipher *c, struct tlsk_buf *b, u8 type,
			unsigned int len, const struct tlsk_seal_out *out)
{
	unsigned int clen = len + c->tail;
	u8 *rec = tlsk_buf_head(b);
	struct scatterlist *dst = c->s->sg_in;
	unsigned int assoclen;
	int n;

	if (c->exhausted)
		return -EBADMSG;
	assoclen = seal_prepare(c, rec, type, len);
	if (c->tail)
		tlsk_buf_write(b, c->prepend + len, &type, 1);

	tlsk_sg_clear(c->s->sg_in, 1);
	sg_set_buf(&c->s->sg_in[0], c->aad, assoclen);
	if (out) {
		memcpy((u8 *)page_address(out->page[0]) + out->off[0], rec,
		       c->prepend);
		n = 1 + buf_sg(&c->s->sg_in[1], b, c->prepend, clen);
		dst = seal_dst(c, c->s->sg_out, assoclen, clen, out);
	} else {
		n = 1 + buf_sg(&c->s->sg_in[1], b, c->prepend,
			       clen + TLSK_TAG_SIZE);
	}
	sg_mark_end(&c->s->sg_in[n - 1]);
	return seal_run(c, c->s->sg_in, dst, assoclen, clen);
}

/*
 * Seals a record of len plaintext bytes that sit in somebody else's pages
 * (a sender's, pinned) into out, as tlsk_cipher_seal_to() does. The caller
 * has set the plaintext in c->s->sg_out from its second entry on, nents
 * entries, not end-marked; at most TLSK_DIRECT_PAGES of them. Returns the
 * record's length on the wire.
 */
int tlsk_cipher_seal_pages(struct tlsk_cipher *c, u8 type, unsigned int nents,
			   unsigned int len, const struct tlsk_seal_out *out)
{
	u8 *rec = (u8 *)page_address(out->page[0]) + out->off[0];
	struct scatterlist *src = c->s->sg_out;
	unsigned int clen = len + c->tail;
	unsigned int assoclen;
	unsigned int n = nents + 1;

	if (c->exhausted)
		return -EBADMSG;
	if (nents > TLSK_DIRECT_PAGES)
		return -EINVAL;
	assoclen = seal_prepare(c, rec, type, len);
	tlsk_sg_clear(&src[0], 1);
	sg_set_buf(&src[0], c->aad, assoclen);
	if (c->tail) {
		c->seal_tail = type;
		tlsk_sg_clear(&src[n], 1);
		sg_set_buf(&src[n++], &c->seal_tail, 1);
	}
	sg_mark_end(&src[n - 1]);
	return seal_run(c, src, seal_dst(c, c->s->sg_in, assoclen, clen, out),
			assoclen, clen);
}

int tlsk_cipher_seal(struct tlsk_cipher *c, struct tlsk_buf *b, u8 type,
		     unsigned int len)
{
	return tlsk_cipher_seal_to(c, b, type, len, NULL);
}

/*
 * Checks a record header; returns the record's length on the wire, or the
 * errno kTLS gives for the same header: EMSGSIZE when too long, EBADMSG when
 * too short to hold the tag, EINVAL for a version other than 3,3 (which both
 * TLS 1.2 and 1.3 records carry).
 */
int tlsk_cipher_check_header(const struct tlsk_cipher *c, const u8 *hdr)
{
	unsigned int len = get_unaligned_be16(hdr + 3);
	unsigned int overhead = c->prepend - TLSK_HEADER_SIZE + TLSK_TAG_SIZE;

	if (len > TLSK_MAX_PLAINTEXT + overhead + c->tail)
		return -EMSGSIZE;
	if (len < overhead)
		return -EBADMSG;
	if (hdr[1] != TLS_1_2_VERSION_MAJOR || hdr[2] != TLS_1_2_VERSION_MINOR)
		return -EINVAL;
	return TLSK_HEADER_SIZE + len;
}

/*
 * Opens a rec_len byte record (header checked) into c->s->sg_out, whose
 * entries from the second on the caller has set to exactly the decrypted
 * bytes' length (plaintext, and for TLS 1.3 the content type and padding),
 * end marked; the first is the AAD's. head holds the record's first
 * c->prepend bytes (header and explicit nonce), c->s->sg_in from its
 * second entry on the body after them (ciphertext and tag), end marked.
 * The sequence number stays: the caller advances it once it takes the
 * record (tlsk_cipher_advance()), so a record opened into a reader's
 * buffer may be opened again into an skb. -EBADMSG when authentication
 * fails.
 */
int tlsk_cipher_open_in(struct tlsk_cipher *c, const u8 *head,
			unsigned int rec_len)
{
	unsigned int body = rec_len - c->prepend;
	unsigned int assoclen;

	if (c->exhausted)
		return -EBADMSG;
	build_nonce(c, head);
	assoclen = build_aad(c, head, body - TLSK_TAG_SIZE);
	tlsk_sg_clear(&c->s->sg_in[0], 1);
	sg_set_buf(&c->s->sg_in[0], c->aad, assoclen);
	/* The output skips the additional data; point it at the same bytes. */
	tlsk_sg_clear(&c->s->sg_out[0], 1);
	sg_set_buf(&c->s->sg_out[0], c->aad, assoclen);

	aead_request_set_crypt(&c->s->req, c->s->sg_in, c->s->sg_out, body, c->nonce);
	aead_request_set_ad(&c->s->req, assoclen);
	return run(c, false);
}

/* tlsk_cipher_open_in() of the whole record in b. */
int tlsk_cipher_open_sg(struct tlsk_cipher *c, const struct tlsk_buf *b,
			unsigned int rec_len)
{
	int n;

	n = 1 + buf_sg(&c->s->sg_in[1], b, c->prepend, rec_len - c->prepend);
	sg_mark_end(&c->s->sg_in[n - 1]);
	return tlsk_cipher_open_in(c, tlsk_buf_head(b), rec_len);
}

/*
 * Whether sealing reads the plaintext once: CCM reads it twice (CBC-MAC,
 * then CTR), so plaintext that changes under it (a sender's pages)
 * would give a record whose tag does not match, and the peer would fail
 * the stream; such plaintext is copied first.
 */
bool tlsk_cipher_reads_plaintext_once(const struct tlsk_cipher *c)
{
	return !c->desc->ccm_flags;
}

void tlsk_cipher_advance(struct tlsk_cipher *c)
{
	advance(c);
}

/*
 * Opens the rec_len byte record in b (header checked) into out, which holds
 * exactly the decrypted bytes: plaintext, and for TLS 1.3 the content type
 * and padding. -EBADMSG when authentication fails.
 */
int tlsk_cipher_open(struct tlsk_cipher *c, const struct tlsk_buf *b,
		     unsigned int rec_len, struct sk_buff *out)
{
	unsigned int plain = rec_len - c->prepend - TLSK_TAG_SIZE;
	int n, err;

	sg_init_table(c->s->sg_out, ARRAY_SIZE(c->s->sg_out));
	n = plain ? skb_to_sgvec(out, &c->s->sg_out[1], 0, plain) : 0;
	if (n < 0)
		return n;
	sg_mark_end(&c->s->sg_out[n]);
	err = tlsk_cipher_open_sg(c, b, rec_len);
	if (err)
		return err;
	advance(c);
	return 0;
}

/*
 * Pins the next len bytes of a user buffer (a reader's, or a sender's)
 * and points sg at them, one entry per piece of a page, using at most max
 * pages (kept in pages for put_page()). Returns the entries set, or 0 -
 * nothing pinned, the iterator as it was - when they do not fit that way.
 */
int tlsk_pin_iter(struct iov_iter *it, size_t len, struct scatterlist *sg,
		  struct page **pages, int max, int *npages)
{
	size_t left = len, pinned = 0;
	int n = 0, np = 0;

	while (left) {
		size_t start, got;
		ssize_t r;

		if (np == max)
			goto undo;
		r = iov_iter_get_pages2(it, pages + np, left, max - np, &start);
		if (r <= 0)
			goto undo;
		got = r;
		pinned += got;
		left -= got;
		while (got) {
			size_t chunk = min_t(size_t, got, PAGE_SIZE - start);

			tlsk_sg_clear(&sg[n], 1);
			sg_set_page(&sg[n++], pages[np++], chunk, start);
			got -= chunk;
			start = 0;
		}
	}
	*npages = np;
	return n;

undo:
	while (np--)
		put_page(pages[np]);
	iov_iter_revert(it, pinned);
	return 0;
}

/*
 * The pages of b, charged to the memory cgroup of sk (its owner's when the
 * socket has none, and no one's in softirq then); never highmem, so
 * page_address() always maps them. gfp: GFP_ATOMIC in softirq.
 */
int tlsk_buf_alloc(struct tlsk_buf *b, struct sock *sk, gfp_t gfp)
{
	struct mem_cgroup *old = set_active_memcg(sk->sk_memcg);
	int i;

	for (i = 0; i < TLSK_BUF_PAGES; i++) {
		b->pages[i] = alloc_page(gfp | __GFP_ACCOUNT | __GFP_NOWARN);
		if (!b->pages[i])
			goto free_pages;
	}
	set_active_memcg(old);
	return 0;

free_pages:
	set_active_memcg(old);
	while (i--)
		__free_page(b->pages[i]);
	memset(b, 0, sizeof(*b));
	return -ENOMEM;
}

void tlsk_buf_free(struct tlsk_buf *b)
{
	int i;

	if (!b->pages[0])
		return;
	for (i = 0; i < TLSK_BUF_PAGES; i++) {
		/* Plaintext passed through these pages. */
		memzero_explicit(page_address(b->pages[i]), PAGE_SIZE);
		__free_page(b->pages[i]);
	}
	memset(b, 0, sizeof(*b));
}

/* The bytes of b from off on, up to the end of off's page. */
static u8 *buf_at(const struct tlsk_buf *b, unsigned int off,
		  unsigned int *chunk)
{
	unsigned int po = offset_in_page(off);

	*chunk = PAGE_SIZE - po;
	return (u8 *)page_address(b->pages[off >> PAGE_SHIFT]) + po;
}

void tlsk_buf_write(struct tlsk_buf *b, unsigned int off, const void *src,
		    unsigned int len)
{
	while (len) {
		unsigned int chunk;
		u8 *to = buf_at(b, off, &chunk);

		chunk = min(chunk, len);
		memcpy(to, src, chunk);
		src += chunk;
		off += chunk;
		len -= chunk;
	}
}

/* As copy_from_iter(): the bytes copied, short on a fault. */
size_t tlsk_buf_copy_from_iter(struct tlsk_buf *b, unsigned int off,
			       size_t len, struct iov_iter *from)
{
	size_t done = 0;

	while (done < len) {
		unsigned int chunk;
		u8 *to = buf_at(b, off, &chunk);
		size_t want = min_t(size_t, chunk, len - done);
		size_t n = copy_from_iter(to, want, from);

		done += n;
		off += n;
		if (n < want)
			break;
	}
	return done;
}

/* As skb_copy_bits(), into b at off. */
int tlsk_buf_copy_from_skb(struct tlsk_buf *b, unsigned int off,
			   const struct sk_buff *skb, unsigned int skb_off,
			   unsigned int len)
{
	while (len) {
		unsigned int chunk;
		u8 *to = buf_at(b, off, &chunk);
		int err;

		chunk = min(chunk, len);
		err = skb_copy_bits(skb, skb_off, to, chunk);
		if (err)
			return err;
		off += chunk;
		skb_off += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Fills bv (TLSK_BUF_PAGES entries at most) with len bytes of b from off;
 * returns the number of entries.
 */
unsigned int tlsk_buf_bvec(const struct tlsk_buf *b, unsigned int off,
			   unsigned int len, struct bio_vec *bv)
{
	unsigned int n = 0;

	while (len) {
		unsigned int po = offset_in_page(off);
		unsigned int chunk = min_t(unsigned int, len, PAGE_SIZE - po);

		bv[n].bv_page = b->pages[off >> PAGE_SHIFT];
		bv[n].bv_offset = po;
		bv[n].bv_len = chunk;
		n++;
		off += chunk;
		len -= chunk;
	}
	return n;
}
