/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record protection: one cipher state per direction, and the record buffer
 * the state seals into or opens from.
 *
 * A struct tlsk_cipher is everything one direction needs to protect records
 * (AEAD transform, static IV, sequence number, the crypto_info as installed)
 * and nothing else, so re-keying replaces one pointer.
 */
#ifndef _TLSK_CIPHER_H
#define _TLSK_CIPHER_H

#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/tls.h>
#include <linux/types.h>

#define TLSK_HEADER_SIZE	5
/* ContentType application_data (RFC 5246 6.2.1, RFC 8446 5.1). */
#define TLSK_RECORD_DATA	23
#define TLSK_RECORD_ALERT	21
#define TLSK_RECORD_HANDSHAKE	22
/* HandshakeType key_update (RFC 8446 4). */
#define TLSK_HANDSHAKE_KEY_UPDATE	24
/* Largest record plaintext (RFC 5246 6.2.1, RFC 8446 5.1). */
#define TLSK_MAX_PLAINTEXT	16384
/* RFC 8449's smallest record size limit. */
#define TLSK_MIN_PAYLOAD_LIMIT	64
#define TLSK_TAG_SIZE		16
#define TLSK_EXPLICIT_IV_SIZE	8
/* Header, TLS 1.2 explicit nonce or TLS 1.3 content type, tag. */
#define TLSK_MAX_RECORD		(TLSK_HEADER_SIZE + TLSK_EXPLICIT_IV_SIZE + \
				 TLSK_MAX_PLAINTEXT + 1 + TLSK_TAG_SIZE)
#define TLSK_BUF_PAGES		DIV_ROUND_UP(TLSK_MAX_RECORD, PAGE_SIZE)
/* Entries of tlsk_cipher.sg_out: the AAD, the output, a TLS 1.3 tail. */
#define TLSK_OPEN_SG		(TLSK_BUF_PAGES + 8)
/*
 * A user buffer's pages a record is opened into or sealed from directly,
 * at most (sg_out's entries less the AAD's and a TLS 1.3 tail's).
 */
#define TLSK_DIRECT_PAGES	(TLSK_OPEN_SG - 2)
/*
 * Entries of tlsk_scratch.sg_in: the AAD, then the record in the record
 * buffer's pages (TLSK_SEAL_IN_SG, enough for TX); for RX also the body of
 * a record in the TCP skbs it waits in, one entry per skb head and
 * fragment (TLSK_IN_SG; a record in more pieces is copied).
 */
#define TLSK_SEAL_IN_SG		(TLSK_BUF_PAGES + 2)
#define TLSK_IN_SG		20

/*
 * Readies n scatterlist entries for sg_set_page()/sg_set_buf() as
 * sg_init_table() readies a table, without its end mark. The tables here
 * are sized for the largest record and a record uses a few of their
 * entries: clearing only those saves clearing some 1 KiB per record.
 */
static inline void tlsk_sg_clear(struct scatterlist *sg, unsigned int n)
{
	sg_init_table(sg, n);
	sg_unmark_end(&sg[n - 1]);
}

/* The installed crypto_info, whichever cipher it is for. */
union tlsk_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 aes_gcm_128;
	struct tls12_crypto_info_aes_gcm_256 aes_gcm_256;
	struct tls12_crypto_info_aes_ccm_128 aes_ccm_128;
	struct tls12_crypto_info_chacha20_poly1305 chacha20_poly1305;
	struct tls12_crypto_info_sm4_gcm sm4_gcm;
	struct tls12_crypto_info_sm4_ccm sm4_ccm;
};

/*
 * One record in TLSK_BUF_PAGES lowmem pages, never mapped as one range
 * (no vmap per socket): the crypto API takes them as a scatterlist, copies
 * go page by page (tlsk_buf_*()), and the first page holds the header and
 * explicit nonce. Owned by one direction of one socket.
 */
struct tlsk_buf {
	struct page *pages[TLSK_BUF_PAGES];
};

/* Whether b has its pages: they come with a record and go when idle. */
static inline bool tlsk_buf_held(const struct tlsk_buf *b)
{
	return b->pages[0];
}

/* The record's first bytes: at least TLSK_HEADER_SIZE + the nonce. */
static inline u8 *tlsk_buf_head(const struct tlsk_buf *b)
{
	return page_address(b->pages[0]);
}

struct tlsk_cipher_desc;
struct crypto_aead;
struct sock;

/*
 * What a cipher needs while it seals or opens a record, and only then:
 * the scatterlists and the AEAD request (with the algorithm's own request
 * context after it). A send or receive call takes one when its first
 * record needs it and parks it when it returns (tlsk_cipher_scratch_park()):
 * each CPU keeps one parked scratch for the next call of any socket, so a
 * socket between calls holds none and a busy CPU allocates nothing per
 * record. Only an open TX record keeps its scratch between calls (a
 * splice's pages are in sg_out, and its seal must not fail for want of
 * memory); the idle check of ulp.c frees what was left unparked.
 */
struct tlsk_scratch {
	/* The cipher's in_sg entries, after the request's context. */
	struct scatterlist *sg_in;
	/* Bytes allocated: a parked scratch serves any cipher it fits. */
	unsigned int size;
	/*
	 * The AAD, then the opened bytes: a paged skb, or a reader's pages
	 * (a few more, as a reader's buffer may come in pieces). For TX, the
	 * plaintext in a sender's pages (tlsk_cipher_seal_pages()), or a
	 * splice's pages an open record holds.
	 */
	struct scatterlist sg_out[TLSK_OPEN_SG];
	/* Last: the algorithm's request context follows it. */
	struct aead_request req;
};

/*
 * Used under the owning socket's lock (TX: also its sender mutex); never
 * shared between sockets or directions.
 */
struct tlsk_cipher {
	const struct tlsk_cipher_desc *desc;
	struct crypto_aead *aead;
	/* NULL while idle (tlsk_cipher_scratch()). */
	struct tlsk_scratch *s;
	/* Whether s was asked for since the last idle check. */
	bool s_used;
	/* As installed; getsockopt returns it. Zeroised on free. */
	union tlsk_crypto_info info;
	u64 seq;		/* sequence number of the next record */
	u64 explicit_iv;	/* TLS 1.2 GCM/CCM: next nonce on the wire */
	bool exhausted;		/* at 2^64 - 1: no record may use it */
	/*
	 * Records this key may protect (RFC 8446 5.5), and whether the
	 * owner has been told that seq is near it.
	 */
	u64 record_limit;
	bool near_limit_told;
	u8 prepend;		/* header + explicit nonce */
	u8 in_sg;		/* entries of s->sg_in (tlsk_cipher_for_rx()) */
	u8 tail;		/* TLS 1.3 inner content type */
	u8 iv[12];		/* salt || IV: the nonce before XOR or suffix */
	/*
	 * Per-request inputs live here rather than on the stack: an
	 * asynchronous AEAD may read them from another context.
	 */
	u8 nonce[16];
	u8 aad[13];
	/* TLS 1.3 direct open: the inner content type lands here. */
	u8 open_tail;
	/* TLS 1.3 seal from a sender's pages: the inner content type. */
	u8 seal_tail;
};

int tlsk_cipher_info_size(u16 cipher_type);
struct tlsk_cipher *tlsk_cipher_new(const union tlsk_crypto_info *info);

/* c opens records, some from TCP's skbs: before its first record. */
static inline void tlsk_cipher_for_rx(struct tlsk_cipher *c)
{
	c->in_sg = TLSK_IN_SG;
}
void tlsk_cipher_free(struct tlsk_cipher *c);
int tlsk_cipher_scratch(struct tlsk_cipher *c, struct sock *sk, gfp_t gfp);
void tlsk_cipher_scratch_park(struct tlsk_cipher *c);
bool tlsk_cipher_scratch_reclaim(struct tlsk_cipher *c);
void tlsk_cipher_exit(void);

/* Bytes of scratch c holds now (0 between calls but for an open TX record). */
static inline unsigned int tlsk_cipher_scratch_bytes(const struct tlsk_cipher *c)
{
	return c->s ? c->s->size : 0;
}
void tlsk_cipher_export(const struct tlsk_cipher *c,
			union tlsk_crypto_info *out);
void tlsk_cipher_hide_keys(const struct tlsk_cipher *c,
			   union tlsk_crypto_info *info);
/* Bytes a record adds to its plaintext on the wire. */
static inline unsigned int tlsk_cipher_overhead(const struct tlsk_cipher *c)
{
	return c->prepend + c->tail + TLSK_TAG_SIZE;
}

unsigned int tlsk_cipher_hash_size(const struct tlsk_cipher *c);
unsigned int tlsk_cipher_key_size(const struct tlsk_cipher *c);
bool tlsk_cipher_has_key(const struct tlsk_cipher *c, const u8 *key,
			 const u8 iv[12]);
void tlsk_cipher_next_info(const struct tlsk_cipher *c, const u8 *key,
			   const u8 iv[12], union tlsk_crypto_info *out);

/*
 * Where a sealed record goes, out of place: its first len[0] bytes (the
 * header and nonce among them, so more than c->prepend) at page[0] +
 * off[0], the rest at page[1] + off[1], or nowhere else when page[1] is
 * NULL. Offsets may run past the first page of a compound page.
 */
struct tlsk_seal_out {
	struct page *page[2];
	unsigned int off[2];
	unsigned int len[2];
};

bool tlsk_cipher_near_limit(struct tlsk_cipher *c);
int tlsk_cipher_seal(struct tlsk_cipher *c, struct tlsk_buf *b, u8 type,
		     unsigned int len);
int tlsk_cipher_seal_to(struct tlsk_cipher *c, struct tlsk_buf *b, u8 type,
			unsigned int len, const struct tlsk_seal_out *out);
int tlsk_cipher_seal_pages(struct tlsk_cipher *c, u8 type, unsigned int nents,
			   unsigned int len, const struct tlsk_seal_out *out);
int tlsk_cipher_check_header(const struct tlsk_cipher *c, const u8 *hdr);
int tlsk_cipher_open(struct tlsk_cipher *c, const struct tlsk_buf *b,
		     unsigned int rec_len, struct sk_buff *out);
int tlsk_cipher_open_in(struct tlsk_cipher *c, const u8 *head,
			unsigned int rec_len);
int tlsk_cipher_open_sg(struct tlsk_cipher *c, const struct tlsk_buf *b,
			unsigned int rec_len);
void tlsk_cipher_advance(struct tlsk_cipher *c);
bool tlsk_cipher_reads_plaintext_once(const struct tlsk_cipher *c);

int tlsk_pin_iter(struct iov_iter *it, size_t len, struct scatterlist *sg,
		  struct page **pages, int max, int *npages);
int tlsk_buf_alloc(struct tlsk_buf *b, struct sock *sk, gfp_t gfp);
void tlsk_buf_free(struct tlsk_buf *b);
void tlsk_buf_write(struct tlsk_buf *b, unsigned int off, const void *src,
		    unsigned int len);
size_t tlsk_buf_copy_from_iter(struct tlsk_buf *b, unsigned int off,
			       size_t len, struct iov_iter *from);
int tlsk_buf_copy_from_skb(struct tlsk_buf *b, unsigned int off,
			   const struct sk_buff *skb, unsigned int skb_off,
			   unsigned int len);
unsigned int tlsk_buf_bvec(const struct tlsk_buf *b, unsigned int off,
			   unsigned int len, struct bio_vec *bv);

#endif /* _TLSK_CIPHER_H */
