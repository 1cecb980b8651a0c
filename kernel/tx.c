// SPDX-License-Identifier: GPL-2.0-only
/*
 * TX: plaintext from sendmsg, sendfile and splice becomes records on TCP.
 *
 * A record that a write() fills on its own (a whole 16 KiB record, or the
 * rest of a call without MSG_MORE, 2 KiB or more, from user memory) is
 * sealed straight from the writer's pages, pinned for the time of the
 * encryption (send_direct()). A record of sendfile's or splice's pages
 * holds them by reference and is sealed from them (gather_pages()).
 * Otherwise the socket's one record buffer gathers the plaintext: it is
 * copied into the open
 * record until it holds tx.max_payload bytes (TLSK_MAX_PLAINTEXT, or less
 * after TLS_TX_MAX_PAYLOAD_LEN) or the caller ends it (no
 * MSG_MORE, a different record type, splice running dry); the record is
 * then sealed out of place into the socket's page fragment (the pages TCP
 * itself copies sent data into; a record that does not fit in what is
 * left of it goes on in the next one) and those pages are handed to TCP by
 * reference (do_tcp_sendpages(), or MSG_SPLICE_PAGES where sendpage is
 * gone), which does TCP's send-buffer accounting, blocking and
 * SO_SNDTIMEO. Nothing writes to those bytes again: the fragment moves
 * past them, and TCP's references keep the pages until the bytes are
 * acknowledged. When no fragment with room for a whole record can be had,
 * the record is sealed in place in the buffer and tcp_sendmsg_locked()
 * copies it. Either way tlsk holds at most one record of its own per
 * socket on top of TCP's send queue. The buffer's pages come with the
 * first record that needs them and go back when the socket has been idle
 * a while (tlsk_tx_reclaim()).
 *
 * When TCP cannot take a whole record (non-blocking socket, full send
 * buffer, timeout) the rest stays pending: the caller is told its
 * plaintext was sent, and the bytes go out on the next send, or from a
 * worker once TCP frees space (sk_write_space), or at close.
 *
 * Automatic rekey (TLSK_TX_SECRET): when the peer's KeyUpdate asks for
 * one, or when the key reaches 7/8 of its record limit, tx.update_pending
 * is set. At the next point where no record is half-sent - in a sender,
 * after TCP took a record, or in the worker, which RX schedules - a record
 * left open is sealed with the old key, then KeyUpdate(update_not_requested)
 * is sealed with it too, and every later record uses the next key
 * (RFC 8446 4.6.3).
 */
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/uio.h>
#include <net/inet_common.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "alert.h"
#include "cipher.h"
#include "compat.h"
#include "event.h"
#include "keyupdate.h"
#include "stats.h"
#include "tlsk.h"
#include "tx.h"
#include "ulp.h"

#define SENDMSG_FLAGS	(MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR | \
			 MSG_CMSG_COMPAT | TLSK_MSG_SPLICE_PAGES)
/*
 * What TCP may see of the caller's flags. MSG_MORE only as hold_flags()
 * says: TCP corks on it, and where it can wait for send space without
 * pushing the corked tail first (tcp_sendmsg_locked() before its first
 * byte) nothing would be sent again on loopback, whose MSS exceeds a
 * small send buffer.
 */
#define TCP_FLAGS	(MSG_DONTWAIT | MSG_NOSIGNAL)
/* Flags under which TCP may keep bytes it took unpushed. */
#define TCP_HOLD	(TLSK_MSG_NOTLAST | TLSK_MSG_CORK)
/*
 * A record starts in what is left of the page fragment only when more
 * than this is left (its header and nonce must fit, and a sliver is not
 * worth a second page reference and a second TCP call).
 */
#define SPLIT_MIN	256

/* TCP takes len bytes of page at off by reference; bytes taken or errno. */
/*
 * The record buffer, for a record about to be opened in it: allocated if
 * idleness took it away. tx->lock and the socket lock held.
 */
static int tx_scratch(struct sock *sk, struct tlsk_tx *tx);

static int rec_get(struct sock *sk, struct tlsk_tx *tx)
{
	tx->rec_used = true;
	if (likely(tlsk_buf_held(&tx->rec)))
		return tx_scratch(sk, tx);
	if (tlsk_buf_alloc(&tx->rec, sk, GFP_KERNEL))
		return -ENOMEM;
	tlsk_reclaim_arm(sk, tlsk_get_ctx(sk));
	return tx_scratch(sk, tx);
}

/*
 * The TX key's scratch (scatterlists, AEAD request) for a record about to
 * use it. It goes back to the CPU when the call lets go of the socket
 * (tlsk_tx_park()), or with the record that keeps it open: the idle check
 * has nothing to give back, and is not armed for it. tx->lock and the
 * socket lock held.
 */
static int tx_scratch(struct sock *sk, struct tlsk_tx *tx)
{
	return tlsk_cipher_scratch(tx->cipher, sk, GFP_KERNEL);
}

/*
 * A holder of tx->lock is about to let go of the socket lock: the scratch
 * goes back to this CPU (tlsk_cipher_scratch_park()) unless a record is
 * open. An open record keeps it: it may hold a splice's pages, and the
 * record's seal must not fail for want of memory once its bytes were
 * taken (rec_get() has the scratch before it takes any); a MSG_MORE
 * stream of small sends then takes and parks nothing per call. tx->lock
 * and the socket lock held.
 */
void tlsk_tx_park(struct tlsk_tx *tx)
{
	if (tx->cipher && !tx->open)
		tlsk_cipher_scratch_park(tx->cipher);
}

static int send_page(struct sock *sk, struct page *page, unsigned int off,
		     unsigned int len, int flags)
{
#if TLSK_HAVE_DO_TCP_SENDPAGES
	return do_tcp_sendpages(sk, page, off, len, flags);
#else
	struct bio_vec bv = { .bv_page = page, .bv_offset = off, .bv_len = len };
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, len);
	return tcp_sendmsg_locked(sk, &msg, len);
#endif
}

/* The pending record is all TCP's: drop tlsk's references to its pages. */
static void pend_release(struct tlsk_tx *tx)
{
	if (tx->pend_page) {
		put_page(tx->pend_page);
		tx->pend_page = NULL;
	}
	if (tx->next_page) {
		put_page(tx->next_page);
		tx->next_page = NULL;
		tx->next_len = 0;
	}
}

/*
 * Hands pending sealed bytes to TCP; 0 once TCP took all of them. flags
 * may carry TCP_HOLD ones (hold_flags()); the first part of a record in
 * two pages always carries TLSK_MSG_NOTLAST, the second following at once.
 */
static int push_pending(struct sock *sk, struct tlsk_tx *tx, int flags)
{
	for (;;) {
		int f = flags;
		int sent;

		if (!tx->pend_len) {
			if (!tx->next_page)
				break;
			/* The record's second part: its own page. */
			put_page(tx->pend_page);
			tx->pend_page = tx->next_page;
			tx->pend_off = tx->next_off;
			tx->pend_len = tx->next_len;
			tx->next_page = NULL;
			tx->next_len = 0;
		}
		if (tx->pend_page) {
			if (tx->next_page)
				f |= TLSK_MSG_NOTLAST;
			sent = send_page(sk, tx->pend_page, tx->pend_off,
					 tx->pend_len, f);
		} else {
			/*
			 * TCP copies these: the buffer is reused at once.
			 * Without TCP_HOLD: tcp_sendmsg_locked() pushes once
			 * it took a byte. (Bytes held back by an earlier record
			 * stay so if TCP must wait before this one's first
			 * byte: only when no page could be had for a record,
			 * and only as long as SO_SNDTIMEO or a signal allow.)
			 */
			struct bio_vec bv[TLSK_BUF_PAGES];
			struct msghdr msg = { };
			unsigned int n = tlsk_buf_bvec(&tx->rec, tx->pend_off,
						       tx->pend_len, bv);

			f &= ~TCP_HOLD;
			msg.msg_flags = f;
			iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n,
				      tx->pend_len);
			sent = tcp_sendmsg_locked(sk, &msg, tx->pend_len);
		}
		if (sent < 0)
			return sent;
		if (!sent)
			return -EAGAIN;
		tx->unpushed = f & TCP_HOLD;
		tx->pend_off += sent;
		tx->pend_len -= sent;
	}
	pend_release(tx);
	return 0;
}

/*
 * Page fragments TCP may be done with, up to eight per CPU. When one is
 * used up while TCP still holds it, skb_page_frag_refill() lets it go and
 * takes a fresh one, which Debian's kernels clear whole (init_on_alloc:
 * 32 KiB of stores, some 2 for every 1 sealed when it happens for every
 * other record). Instead the used-up one waits here, and takes a later
 * used-up one's place once TCP (on loopback, the reader) is done with it:
 * fragments take turns and a stream rarely has one zeroed. At most
 * TLSK_SPARE_FRAGS pages a CPU; freed at unload (tlsk_tx_exit()).
 */
#define TLSK_SPARE_FRAGS	8

struct spare_frags {
	struct page *page[TLSK_SPARE_FRAGS];
};

static DEFINE_PER_CPU(struct spare_frags, spare_frags);

static void frag_swap_spare(struct page_frag *pfrag, unsigned int need)
{
	struct spare_frags *sf;
	struct page *used;
	int i, empty = -1;

	/* refill keeps this one: TCP is done with it, or it has room */
	if (!pfrag->page || page_ref_count(pfrag->page) == 1 ||
	    pfrag->offset + need <= pfrag->size)
		return;
	used = pfrag->page;
	pfrag->page = NULL;		/* refill takes a fresh one, unless */
	local_bh_disable();
	sf = this_cpu_ptr(&spare_frags);
	for (i = 0; i < TLSK_SPARE_FRAGS; i++) {
		struct page *p = sf->page[i];

		if (p && page_size(p) < need) {
			put_page(p);	/* an order-0 fallback: too small */
			sf->page[i] = NULL;
			p = NULL;
		}
		if (!p) {
			if (empty < 0)
				empty = i;
			continue;
		}
		if (page_ref_count(p) == 1) {
			/* TCP is done with it: it serves, used waits */
			pfrag->page = p;
			pfrag->offset = 0;
			pfrag->size = page_size(p);
			sf->page[i] = used;
			used = NULL;
			break;
		}
	}
	if (used && empty >= 0) {
		sf->page[empty] = used;
		used = NULL;
	}
	local_bh_enable();
	if (used)
		put_page(used);		/* all slots busy: TCP keeps it alone */
}

void tlsk_tx_exit(void)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct spare_frags *sf = per_cpu_ptr(&spare_frags, cpu);

		for (i = 0; i < TLSK_SPARE_FRAGS; i++) {
			if (sf->page[i])
				put_page(sf->page[i]);
			sf->page[i] = NULL;
		}
	}
}

/*
 * Where a record's payload lands in the fragment. The AEAD walks source
 * and destination a page at a time, one call into the cipher per piece
 * that is contiguous in both: with the payload at the same offset in its
 * page as the plaintext it is sealed from, the two sets of page
 * boundaries coincide and a 16 KiB record is sealed in about half the
 * pieces (each piece costs a walk step, an FPU section and the cipher's
 * set-up for a partial run of blocks). The price is up to a page of the
 * fragment left unused per record, so only records of a page or more are
 * placed so. Returns the bytes to skip at off.
 */
static unsigned int align_skip(unsigned int off, unsigned int prepend,
			       unsigned int plain, unsigned int src)
{
	if (plain < PAGE_SIZE)
		return 0;
	return (src - prepend - off) & (PAGE_SIZE - 1);
}

/*
 * Room for a sealed record of plain bytes in the socket's page fragment,
 * referenced for tlsk (record_sealed() or record_unused() settles that),
 * or false: the record is then sealed in the buffer. A record that does
 * not fit in what is left of the fragment starts there and goes on in a
 * fresh one, as TCP fills its fragments, rather than leave the rest of
 * the old one unused: every fresh fragment costs zeroing its 32 KiB
 * (init_on_alloc, which Debian turns on), and a long write would
 * otherwise start one per record. src is the offset in its page of the
 * plaintext the record is sealed from (align_skip()).
 */
static bool record_space(struct sock *sk, struct tlsk_tx *tx,
			 unsigned int plain, unsigned int src,
			 struct tlsk_seal_out *out)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	unsigned int prepend = tx->cipher->prepend;
	unsigned int need = plain + tlsk_cipher_overhead(tx->cipher);
	unsigned int left = 0, skip;

	memset(out, 0, sizeof(*out));
	/* Not when refill would start the fragment over (TCP is done with it). */
	if (pfrag->page && page_ref_count(pfrag->page) > 1 &&
	    pfrag->offset < pfrag->size) {
		skip = align_skip(pfrag->offset, prepend, plain, src);
		if (skip < pfrag->size - pfrag->offset) {
			pfrag->offset += skip;
			left = pfrag->size - pfrag->offset;
		}
	}
	if (left >= need || left <= SPLIT_MIN) {
		frag_swap_spare(pfrag, need);
		if (!skb_page_frag_refill(need, pfrag, sk->sk_allocation) ||
		    pfrag->size - pfrag->offset < need)
			return false;
		skip = align_skip(pfrag->offset, prepend, plain, src);
		if (skip <= pfrag->size - pfrag->offset - need)
			pfrag->offset += skip;
		get_page(pfrag->page);
		out->page[0] = pfrag->page;
		out->off[0] = pfrag->offset;
		out->len[0] = need;
		pfrag->offset += need;
		return true;
	}
	/*
	 * The tail of this fragment, then the start of the next: taken
	 * whole, so that refill cannot find room for the rest in it.
	 */
	get_page(pfrag->page);
	out->page[0] = pfrag->page;
	out->off[0] = pfrag->offset;
	out->len[0] = left;
	pfrag->offset = pfrag->size;
	frag_swap_spare(pfrag, need - left);
	if (!skb_page_frag_refill(need - left, pfrag, sk->sk_allocation) ||
	    pfrag->size - pfrag->offset < need - left) {
		put_page(out->page[0]);
		return false;
	}
	get_page(pfrag->page);
	out->page[1] = pfrag->page;
	out->off[1] = pfrag->offset;
	out->len[1] = need - left;
	pfrag->offset += need - left;
	return true;
}

/* record_space() gave room that is not used after all. */
static void record_unused(struct tlsk_seal_out *out)
{
	put_page(out->page[0]);
	if (out->page[1])
		put_page(out->page[1]);
}

/*
 * A record of plain bytes, len on the wire, was sealed into out (NULL: in
 * place in tx->rec, or len < 0: it failed, and the stream with it); it
 * becomes pending, and out's page references are the pending record's.
 */
static int record_sealed(struct sock *sk, struct tlsk_tx *tx,
			 struct tlsk_seal_out *out, unsigned int plain,
			 int len)
{
	if (len < 0) {
		if (out)
			record_unused(out);
		/*
		 * The plaintext is lost, so the stream is: fail it, for good.
		 * sk_err alone is read once (SO_ERROR, a recv()), and a later
		 * send would then go on with the next sequence number: the
		 * peer would see a stream with a gap it cannot detect.
		 */
		tx->err = len;
		tlsk_abort(sk, len);
		return len;
	}
	tx->pend_off = 0;
	tx->pend_len = len;
	if (out) {
		/* tlsk's references until TCP took every byte. */
		tx->pend_page = out->page[0];
		tx->pend_off = out->off[0];
		tx->pend_len = out->len[0];
		tx->next_page = out->page[1];
		tx->next_off = out->off[1];
		tx->next_len = out->len[1];
	}
	tx->records++;
	tx->bytes += plain;
	tlsk_stats_add(sock_net(sk), TLSK_STAT_TX_RECORDS, 1);
	if (tlsk_cipher_near_limit(tx->cipher)) {
		tlsk_stats_add(sock_net(sk), TLSK_STAT_SEQ_NEAR_LIMIT, 1);
		tlsk_event_seq_near_limit(sk, true, tx->cipher->record_limit);
		/* 1/8 of the limit is left: plenty for the KeyUpdate. */
		if (tx->secret)
			tx->update_pending = true;
	}
	return 0;
}

/* Drops the open record's references to a splice's pages. */
static void open_pages_put(struct tlsk_tx *tx)
{
	while (tx->open_pages)
		put_page(sg_page(&tx->cipher->s->sg_out[tx->open_pages--]));
}

/*
 * The open record's bytes that are still in a splice's pages are copied
 * into the record buffer, which gathers the rest from then on: when the
 * record has no entry left for more pages, when a write() adds to it, or
 * when no page fragment can be had to seal it into.
 */
static int unpage_record(struct sock *sk, struct tlsk_tx *tx)
{
	struct scatterlist *sg = &tx->cipher->s->sg_out[1];
	unsigned int off = tx->cipher->prepend;
	int err = rec_get(sk, tx);
	unsigned int i;

	if (err)
		return err;
	for (i = 0; i < tx->open_pages; i++) {
		u8 *p = kmap_local_page(sg_page(&sg[i]));

		tlsk_buf_write(&tx->rec, off, p + sg[i].offset, sg[i].length);
		kunmap_local(p);
		off += sg[i].length;
	}
	open_pages_put(tx);
	return 0;
}

/* Seals the open record, out of place when placed; its length or errno. */
static int seal_open(struct sock *sk, struct tlsk_tx *tx, bool placed,
		     const struct tlsk_seal_out *out)
{
	struct tlsk_cipher *c = tx->cipher;
	int err = tx_scratch(sk, tx);

	if (err)
		return err;
	if (tx->open_pages && placed)
		return tlsk_cipher_seal_pages(c, tx->open_type, tx->open_pages,
					      tx->open_len, out);
	if (tx->open_pages) {
		/* No fragment: in place in the buffer, if one can be had. */
		err = unpage_record(sk, tx);
		if (err)
			return err;
	}
	if (placed)
		return tlsk_cipher_seal_to(c, &tx->rec, tx->open_type,
					   tx->open_len, out);
	return tlsk_cipher_seal(c, &tx->rec, tx->open_type, tx->open_len);
}

/* Seals the open record; it becomes pending. */
static int close_record(struct sock *sk, struct tlsk_tx *tx)
{
	unsigned int plain = tx->open_len;
	struct tlsk_seal_out out;
	unsigned int src = tx->open_pages ?
			   tx->cipher->s->sg_out[1].offset : tx->cipher->prepend;
	bool placed = record_space(sk, tx, plain, src, &out);
	int len = seal_open(sk, tx, placed, &out);

	open_pages_put(tx);
	tx->open = false;
	tx->open_len = 0;
	return record_sealed(sk, tx, placed ? &out : NULL, plain, len);
}

/*
 * Takes up to room bytes of a splice's pages (page cache for sendfile,
 * a pipe's for splice) into the open record by reference, as TCP takes
 * them without TLS: the record is sealed from them, and the bytes it
 * carries are what the pages hold then. A record that started as a copy
 * goes on as one; so does one whose cipher reads its plaintext twice
 * (CCM: the file could change between the two reads). Returns the bytes
 * taken, or 0 (nothing taken) when they must be copied.
 */
/*
 * Whether records may be sealed straight from a sender's or a splice's
 * pages, which may change meanwhile: yes for the ciphers that read the
 * plaintext once (a change gives a record of mixed bytes, authenticated
 * as sealed); CCM reads it twice, and a change between the two reads
 * would give a record the peer rejects, so CCM copies unless the owner
 * promised with TLS_TX_ZEROCOPY_RO that the pages stay as they are while
 * records are sealed from them (kTLS's meaning of the option).
 */
static bool tx_pages_ok(struct sock *sk, struct tlsk_tx *tx)
{
	return tlsk_cipher_reads_plaintext_once(tx->cipher) ||
	       tlsk_get_ctx(sk)->zerocopy_ro;
}

static unsigned int gather_pages(struct sock *sk, struct tlsk_tx *tx,
				 struct msghdr *msg, unsigned int room)
{
	struct tlsk_cipher *c = tx->cipher;
	unsigned int len = min_t(size_t, room, msg_data_left(msg));
	struct page *pages[TLSK_DIRECT_PAGES];
	int n, np, i;

	if (!iov_iter_is_bvec(&msg->msg_iter) || (tx->open && !tx->open_pages) ||
	    !tx_pages_ok(sk, tx) || tx_scratch(sk, tx))
		return 0;
	n = tlsk_pin_iter(&msg->msg_iter, len, &c->s->sg_out[1 + tx->open_pages],
			  pages, TLSK_DIRECT_PAGES - tx->open_pages, &np);
	if (!n)
		return 0;
	for (i = 0; i < np; i++) {
		if (!sendpage_ok(pages[i])) {
			while (np--)
				put_page(pages[np]);
			iov_iter_revert(&msg->msg_iter, len);
			return 0;
		}
	}
	tx->open_pages += n;
	return len;
}

/* Shorter records are copied: pinning pages costs more than that. */
#define DIRECT_MIN	2048

/*
 * With no record open, seals the next record straight from the sender's
 * pages into the socket's page fragment, skipping the copy into tx->rec:
 * for a whole record (16 KiB), or the last DIRECT_MIN bytes or more of a
 * call without MSG_MORE, from user memory. The caller's buffer may change
 * meanwhile (another thread): the record then carries some mix of old and
 * new bytes, authenticated as sealed (CCM copies, see tx_pages_ok());
 * once sendmsg returns tlsk reads it no more.
 * Returns the plaintext bytes taken (> 0), 0 when the ordinary path must
 * copy them (nothing taken), or a negative errno when sealing failed (the
 * stream is failed, nothing counted).
 */
static int send_direct(struct sock *sk, struct tlsk_tx *tx,
		       struct msghdr *msg, u8 type, bool more)
{
	size_t left = msg_data_left(msg);
	unsigned int plain = min_t(size_t, left, tx->max_payload);
	struct page *pages[TLSK_DIRECT_PAGES];
	struct tlsk_seal_out out;
	int n, np = 0, len;

	if (!user_backed_iter(&msg->msg_iter) || plain < DIRECT_MIN ||
	    (plain < tx->max_payload && more) || !tx_pages_ok(sk, tx))
		return 0;
	if (tx_scratch(sk, tx))
		return 0;
	n = tlsk_pin_iter(&msg->msg_iter, plain, &tx->cipher->s->sg_out[1], pages,
			  TLSK_DIRECT_PAGES, &np);
	if (!n)
		return 0;
	if (!record_space(sk, tx, plain, tx->cipher->s->sg_out[1].offset,
			  &out)) {
		while (np--)
			put_page(pages[np]);
		iov_iter_revert(&msg->msg_iter, plain);
		return 0;
	}
	len = tlsk_cipher_seal_pages(tx->cipher, type, n, plain, &out);
	while (np--)
		put_page(pages[np]);
	len = record_sealed(sk, tx, &out, plain, len);
	return len ?: plain;
}

/* What tlsk sends: it never asks the peer to update in turn. */
static const u8 key_update_msg[TLSK_KEY_UPDATE_SIZE] = {
	TLSK_HANDSHAKE_KEY_UPDATE, 0, 0, 1, TLSK_UPDATE_NOT_REQUESTED,
};

/*
 * A failed automatic rekey: the old key may not go on (the peer asked for
 * a new one, or it is near its limit), so the stream stops for good.
 */
static int tx_fail(struct sock *sk, struct tlsk_tx *tx, int err)
{
	tx->err = err;
	tx->update_pending = false;
	tlsk_stats_add(sock_net(sk), TLSK_STAT_TX_REKEY_ERROR, 1);
	tlsk_abort(sk, err);
	return err;
}

/*
 * Sends the pending KeyUpdate once TCP has taken everything sealed so far,
 * and switches to the next key. 0 when done or when there is nothing to
 * do; -EAGAIN and the like when TCP is full (the update stays pending).
 */
static int send_key_update(struct sock *sk, struct tlsk_tx *tx, int flags)
{
	struct tlsk_cipher *old = tx->cipher, *next;
	int err;

	/* After a failure nothing more goes out (tx->err is sticky). */
	if (!tx->update_pending || !tx->secret || tx->err)
		return 0;
	if (tx->open) {
		err = close_record(sk, tx);
		if (err)
			return err;
	}
	err = push_pending(sk, tx, flags);
	if (err)
		return err;
	/* Out of memory: the update stays pending for the next send. */
	err = rec_get(sk, tx);
	if (err)
		return err;
	/* Derive first: no KeyUpdate goes out without a key to follow it. */
	next = tlsk_secret_next(tx->secret, old);
	if (IS_ERR(next))
		return tx_fail(sk, tx, -ENOKEY);

	tlsk_buf_write(&tx->rec, old->prepend, key_update_msg,
		       sizeof(key_update_msg));
	tx->open = true;
	tx->open_type = TLSK_RECORD_HANDSHAKE;
	tx->open_len = sizeof(key_update_msg);
	err = close_record(sk, tx);
	if (err) {
		tlsk_cipher_free(next);
		return tx_fail(sk, tx, err);
	}
	tx->update_pending = false;
	/* Read locklessly by tlsk_get_info(). */
	WRITE_ONCE(tx->cipher, next);
	tlsk_cipher_free(old);
	tx->keys++;
	tlsk_stats_add(sock_net(sk), TLSK_STAT_TX_REKEY_OK, 1);
	return push_pending(sk, tx, flags);
}

/* What is sealed goes to TCP, then a pending KeyUpdate (automatic rekey). */
static int push_all(struct sock *sk, struct tlsk_tx *tx, int flags)
{
	int err = push_pending(sk, tx, flags);

	return err ?: send_key_update(sk, tx, flags);
}

/*
 * RX opened the peer's KeyUpdate(update_requested): with a TX secret, the
 * answer goes out from the worker (or an earlier sender). Socket locked;
 * false without a TX secret, when the request is the reader's to answer.
 */
bool tlsk_tx_request_update(struct sock *sk, struct tlsk_context *ctx)
{
	struct tlsk_tx *tx = &ctx->tx;

	if (!tx->secret)
		return false;
	tx->update_pending = true;
	mod_delayed_work(system_wq, &tx->push_work, 0);
	return true;
}

/*
 * TLS_SET_RECORD_TYPE. As in kTLS, a control message other than ours is
 * an error, and so is a record type with MSG_MORE: a non-data record is
 * never left open.
 */
static int parse_cmsg(struct msghdr *msg, u8 *type)
{
	struct cmsghdr *cmsg;
	int err = -EINVAL;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_TLS)
			continue;
		if (cmsg->cmsg_type != TLS_SET_RECORD_TYPE ||
		    cmsg->cmsg_len < CMSG_LEN(sizeof(*type)) ||
		    msg->msg_flags & MSG_MORE)
			return -EINVAL;
		*type = *(u8 *)CMSG_DATA(cmsg);
		err = 0;
	}
	return err;
}

/*
 * Seals the open record for a sender. A record that fails to seal (the
 * AEAD could not allocate, say) is lost with the stream, and so are this
 * call's bytes in it: they are no longer counted as sent, so the caller
 * hears of the error instead of a count of bytes that never go out.
 */
static int seal_counted(struct sock *sk, struct tlsk_tx *tx, size_t *copied,
			size_t *in_open)
{
	int err = close_record(sk, tx);

	if (err)
		*copied -= *in_open;
	*in_open = 0;
	return err;
}

/*
 * How long a sealed record a splice left pending (hold_flags()) waits for
 * the splice's next call before the worker sends it: far longer than
 * between two calls of one splice, short enough for a reply in flight.
 * Whoever wants the worker at once (write_space, an owed alert, a
 * KeyUpdate request) uses mod_delayed_work(), which brings it forward.
 */
#define HELD_PUSH_DELAY		msecs_to_jiffies(10)

/*
 * TCP's flags for records handed over in a send, on top of the caller's:
 *  - a splice with more pages to come (batch): TLSK_MSG_NOTLAST, so that
 *    TCP waits for them before it pushes, as for its own sendfile, and
 *    records go out in full segments rather than one push each. Only
 *    while this call has bytes left: those stay with tlsk (an open
 *    record, or a sealed one the call leaves pending) until a later
 *    hand-off without the flag - the next page's call, splice_eof(),
 *    shutdown(), close, or for a sealed record the worker after
 *    HELD_PUSH_DELAY - which pushes them all. A record that ends the
 *    call is so left pending (an open one waits as MSG_MORE's does);
 *  - a write() with MSG_MORE: TLSK_MSG_CORK, TCP's own MSG_MORE, as
 *    in-tree kTLS passes it: full segments go out, a shorter tail waits
 *    for the next send without MSG_MORE (or an ACK).
 */
static int hold_flags(struct msghdr *msg, bool splice, bool more,
		      bool batch)
{
	if (batch)
		return msg_data_left(msg) ? TLSK_MSG_NOTLAST : 0;
	return !splice && more ? TLSK_MSG_CORK : 0;
}

/*
 * Called with tx->lock and the socket lock held. splice: msg carries a
 * splice's pages, which may be held by reference (gather_pages()).
 */
static int send_locked(struct sock *sk, struct tlsk_tx *tx,
		       struct msghdr *msg, bool splice, size_t *copied)
{
	bool more = msg->msg_flags & MSG_MORE;
	/* A splice with more pages to come: see hold_flags(). */
	bool batch = splice && more && TLSK_MSG_NOTLAST;
	int flags = msg->msg_flags & TCP_FLAGS;
	long timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	u8 type = TLSK_RECORD_DATA;
	/* This call's bytes in the open record: lost if it fails to seal. */
	size_t in_open = 0;
	bool typed = false;
	int err;

	if (tx->err)
		return tx->err;
	/*
	 * After shutdown(SHUT_WR), also while its FIN waits for the rest
	 * (tlsk_shutdown()): as TCP answers, before a byte is taken.
	 */
	if (tx->fin_owed || (sk->sk_shutdown & SEND_SHUTDOWN))
		return sk_stream_error(sk, msg->msg_flags, -EPIPE);
	/* After a fatal alert (TLSK_SEND_ALERTS) nothing more goes out. */
	if (tx->alert_state != TLSK_ALERT_NONE)
		return tlsk_get_ctx(sk)->err ?: -EPIPE;
	if (msg->msg_controllen) {
		err = parse_cmsg(msg, &type);
		if (err)
			return err;
		typed = true;
	}
	/* A record never mixes types: end the open one first. */
	if (tx->open && (typed || type != tx->open_type)) {
		err = close_record(sk, tx);
		if (err)
			return err;
	}
	err = push_all(sk, tx, flags | hold_flags(msg, splice, more, batch));
	if (err)
		return err;

	while (msg_data_left(msg)) {
		unsigned int room, n;
		bool last;

		if (sk->sk_err)
			return -sk->sk_err;
		if (!tx->open) {
			/*
			 * TCP takes sealed pages by reference without looking
			 * at the send buffer while they fit its last skb: a
			 * new record waits for room, as TCP waits before a new
			 * segment and kTLS before a record, so that SO_SNDBUF
			 * holds (and a non-blocking sender meets EAGAIN). Not
			 * when TCP may hold bytes unpushed: nothing could send
			 * them while tlsk waits, so TCP does the waiting, and
			 * pushes first.
			 */
			if (!sk_stream_memory_free(sk) && !tx->unpushed) {
				err = sk_stream_wait_memory(sk, &timeo);
				if (err)
					return err;
				continue;
			}
			err = send_direct(sk, tx, msg, type, more);
			if (err < 0)
				return err;
			if (err > 0) {
				*copied += err;
				err = push_all(sk, tx, flags |
					       hold_flags(msg, splice, more,
							  batch));
				if (err)
					return err;
				continue;
			}
		}
		room = tx->max_payload - tx->open_len;
		n = splice ? gather_pages(sk, tx, msg, room) : 0;
		if (!n) {
			err = tx->open_pages ? unpage_record(sk, tx) :
					       rec_get(sk, tx);
			if (err)
				return err;
			n = tlsk_buf_copy_from_iter(&tx->rec,
						    tx->cipher->prepend +
						    tx->open_len,
						    min_t(size_t, room,
							  msg_data_left(msg)),
						    &msg->msg_iter);
			if (!n)
				return -EFAULT;
		}
		if (!tx->open) {
			tx->open = true;
			tx->open_type = type;
		}
		tx->open_len += n;
		*copied += n;
		in_open += n;

		last = !msg_data_left(msg);
		if (tx->open_len < tx->max_payload && (!last || more))
			continue;
		err = seal_counted(sk, tx, copied, &in_open);
		if (err)
			return err;
		if (batch && last) {
			/*
			 * Pending until the next page's call; should none
			 * come (a splice cut short, without splice_eof()),
			 * the worker sends it, as kTLS a whole record.
			 */
			schedule_delayed_work(&tx->push_work, HELD_PUSH_DELAY);
			break;
		}
		err = push_all(sk, tx, flags |
			       hold_flags(msg, splice, more, batch));
		if (err)
			return err;
	}

	/* An empty send without MSG_MORE ends what MSG_MORE left open. */
	if (tx->open && !more) {
		err = seal_counted(sk, tx, copied, &in_open);
		if (!err)
			err = push_all(sk, tx, flags);
	}
	return err;
}

static int do_sendmsg(struct sock *sk, struct msghdr *msg, bool splice)
{
	struct tlsk_tx *tx = &tlsk_get_ctx(sk)->tx;
	size_t copied = 0;
	int err;

	if (msg->msg_flags & ~SENDMSG_FLAGS)
		return -EOPNOTSUPP;
	if ((msg->msg_flags & (MSG_MORE | MSG_EOR)) == (MSG_MORE | MSG_EOR))
		return -EINVAL;

	err = mutex_lock_interruptible(&tx->lock);
	if (err)
		return err;
	WRITE_ONCE(tx->sending, true);
	lock_sock(sk);
	err = send_locked(sk, tx, msg, splice, &copied);
	tlsk_tx_park(tx);
	release_sock(sk);
	WRITE_ONCE(tx->sending, false);
	tlsk_tx_unlock(tx);

	/*
	 * Plaintext taken is plaintext sent: a record TCP could not take in
	 * full is pushed later, so only an error before any byte counts.
	 */
	return copied ? copied : err;
}

int tlsk_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	return do_sendmsg(sk, msg, msg->msg_flags & TLSK_MSG_SPLICE_PAGES);
}

/*
 * In-kernel senders holding the socket lock cannot take tx->lock in the
 * right order; rather than bypass the record layer, refuse them.
 */
int tlsk_sendmsg_locked(struct sock *sk, struct msghdr *msg, size_t size)
{
	return -EOPNOTSUPP;
}

#if TLSK_HAVE_SENDPAGE
int tlsk_sendpage(struct sock *sk, struct page *page, int offset,
		  size_t size, int flags)
{
	struct bio_vec bvec = {
		.bv_page = page,
		.bv_offset = offset,
		.bv_len = size,
	};
	struct msghdr msg = {
		.msg_flags = flags & (MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL),
	};

	if (flags & ~(MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL |
		      MSG_SENDPAGE_NOTLAST | MSG_SENDPAGE_NOPOLICY))
		return -EOPNOTSUPP;
	/* sendfile and splice say "more pages follow" this way. */
	if (flags & MSG_SENDPAGE_NOTLAST)
		msg.msg_flags |= MSG_MORE;
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bvec, 1, size);
	return do_sendmsg(sk, &msg, true);
}

int tlsk_sendpage_locked(struct sock *sk, struct page *page, int offset,
			 size_t size, int flags)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * Pushes on behalf of nobody's send call: the worker, a splice's end, a
 * rekey. Such a push must not sleep on TCP, and must not take a socket
 * error either: TCP hands sk_err to its sender by clearing it, and no
 * caller would ever see it then, while a reader waiting for it would wait
 * for good. An error TCP took is put back. tx->lock and socket lock held.
 */
static int push_background(struct sock *sk, struct tlsk_tx *tx, bool all)
{
	int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
	int err;

	if (sk->sk_err)
		return -EPIPE;
	err = all ? push_all(sk, tx, flags) : push_pending(sk, tx, flags);
	/* Without sk_err TCP says EPIPE (shut down) or EAGAIN (full). */
	if (err && err != -EAGAIN && err != -EPIPE && !sk->sk_err) {
		WRITE_ONCE(sk->sk_err, -err);
		sk_error_report(sk);
	}
	return err;
}

/*
 * TLSK_SEND_ALERTS: RX failed and the peer is owed a fatal alert. What was
 * taken before goes out first (an open record is sealed), then the alert,
 * sealed with the key in use, and nothing after it. TCP sends nothing
 * while sk_err is set, and a send would take the error from the reader:
 * it is held back meanwhile and put back after, unless TCP set its own.
 * A full send buffer leaves the rest to the worker (write_space). tx->lock
 * and the socket lock held.
 */
static void push_alert(struct sock *sk, struct tlsk_tx *tx, int flags)
{
	int saved = sk->sk_err;
	u8 alert[2];
	int err = 0;

	if (tx->err || !tx->cipher) {
		tx->alert_state = TLSK_ALERT_DONE;
		return;
	}
	WRITE_ONCE(sk->sk_err, 0);
	if (tx->alert_state == TLSK_ALERT_PENDING) {
		if (tx->open)
			err = close_record(sk, tx);
		if (!err)
			err = push_pending(sk, tx, flags);
		if (!err)
			err = rec_get(sk, tx);
		if (!err) {
			alert[0] = TLSK_ALERT_LEVEL_FATAL;
			alert[1] = tx->alert_desc;
			tlsk_buf_write(&tx->rec, tx->cipher->prepend, alert,
				       sizeof(alert));
			tx->open = true;
			tx->open_type = TLSK_RECORD_ALERT;
			tx->open_len = 2;
			err = close_record(sk, tx);
		}
		if (!err)
			tx->alert_state = TLSK_ALERT_SEALED;
	}
	if (!err)
		err = push_pending(sk, tx, flags);
	if (err != -EAGAIN)
		tx->alert_state = TLSK_ALERT_DONE;
	if (!sk->sk_err)
		WRITE_ONCE(sk->sk_err, saved);
}

static bool alert_owed(const struct tlsk_tx *tx)
{
	return tx->alert_state == TLSK_ALERT_PENDING ||
	       tx->alert_state == TLSK_ALERT_SEALED;
}

/*
 * A push of nobody's send call: an owed alert, else what is sealed and a
 * pending KeyUpdate. -EAGAIN while TCP has no room for all of it (the
 * worker comes back on write_space). tx->lock and socket lock held.
 */
static int push_owed(struct sock *sk, struct tlsk_tx *tx)
{
	if (alert_owed(tx)) {
		push_alert(sk, tx, MSG_DONTWAIT | MSG_NOSIGNAL);
		return alert_owed(tx) ? -EAGAIN : 0;
	}
	return push_background(sk, tx, true);
}

/* What inet_shutdown() does for SHUT_WR, once tlsk has sent the rest. */
static void send_owed_fin(struct sock *sk, struct tlsk_tx *tx)
{
	tx->fin_owed = false;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
	sk->sk_prot->shutdown(sk, SEND_SHUTDOWN);
	sk->sk_state_change(sk);
}

/*
 * tx->lock for shutdown(): 0 when taken, -EBUSY when a send call holds
 * it, -ERESTARTSYS on a signal. A send call may sleep in TCP for as long
 * as the peer keeps its window shut, and shutdown() does not wait for the
 * peer; the worker, the idle check, splice_eof() and setsockopt() hold it
 * only for a moment, and the FIN must not pass what they hold: a signal
 * then restarts shutdown() (or ends it with EINTR) with nothing sent.
 */
static int fin_lock(struct tlsk_tx *tx)
{
	while (!mutex_trylock(&tx->lock)) {
		if (READ_ONCE(tx->sending))
			return -EBUSY;
		if (signal_pending(current))
			return -ERESTARTSYS;
		usleep_range(50, 100);
	}
	return 0;
}

/*
 * Sends what tlsk holds ahead of a FIN: an open record (sealed now) and
 * whatever is sealed; true when TCP has no room for all of it, and the
 * FIN is owed. tx->lock and socket lock held.
 */
static bool fin_must_wait(struct sock *sk, struct tlsk_tx *tx)
{
	int err = 0;

	if (tx->fin_owed)
		return true;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN) || tx->err)
		return false;
	if (tx->open && !alert_owed(tx))
		err = close_record(sk, tx);
	if (!err)
		err = push_owed(sk, tx);
	tx->fin_owed = err == -EAGAIN;
	return tx->fin_owed;
}

/*
 * shutdown(), for the sockets whose TX tlsk runs. The FIN must follow
 * every byte a send counted, and some may still be with tlsk: a record
 * MSG_MORE left open, or a splice that ended without saying so, or a
 * sealed record TCP had no room for. They go to TCP first, without
 * waiting, as TCP's shutdown() never waits. What TCP has no room for
 * leaves the FIN owed: the worker sends it once TCP took the rest, and
 * sends fail meanwhile as after it (close() sends the rest as ever). A
 * send under way in another thread is not waited for: the FIN goes at
 * once, as over TCP, and that send fails.
 */
int tlsk_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	struct tlsk_tx *tx = &tlsk_get_ctx(sk)->tx;
	bool owed = false;
	int err;

	if (how == SHUT_WR || how == SHUT_RDWR) {
		err = fin_lock(tx);
		if (err == -ERESTARTSYS)
			return err;
		if (!err) {
			lock_sock(sk);
			owed = fin_must_wait(sk, tx);
			tlsk_tx_park(tx);
			release_sock(sk);
			tlsk_tx_unlock(tx);
		}
	}
	if (!owed)
		return inet_shutdown(sock, how);
	return how == SHUT_RDWR ? inet_shutdown(sock, SHUT_RD) : 0;
}

#if TLSK_HAVE_SPLICE_EOF
/*
 * A splice ended without SPLICE_F_MORE: send the record it left open. It
 * waits for tx->lock only as long as the caller lets it (a sender may
 * hold it for as long as the peer keeps its window shut).
 */
void tlsk_splice_eof(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct tlsk_tx *tx = &tlsk_get_ctx(sk)->tx;

	if (!READ_ONCE(tx->open) && !READ_ONCE(tx->pend_len))
		return;
	if (mutex_lock_interruptible(&tx->lock))
		return;
	lock_sock(sk);
	if (!tx->open || !close_record(sk, tx))
		push_background(sk, tx, true);
	tlsk_tx_park(tx);
	release_sock(sk);
	tlsk_tx_unlock(tx);
}
#endif

/*
 * Lets go of tx->lock, for every holder but the worker and the release at
 * close: if the worker found it taken meanwhile, it comes back now for
 * whatever is left. The barrier pairs with push_work()'s: either the
 * worker's trylock finds the lock free, or this sees push_wanted.
 */
void tlsk_tx_unlock(struct tlsk_tx *tx)
{
	mutex_unlock(&tx->lock);
	smp_mb();	/* pairs with push_work()'s */
	if (READ_ONCE(tx->push_wanted))
		mod_delayed_work(system_wq, &tx->push_work, 0);
}

/*
 * A sender may hold tx->lock asleep in TCP for as long as the peer keeps
 * its window shut; a worker waiting for it would hang with it. The sender
 * pushes on its own, so the worker only tries; what is left (a KeyUpdate
 * requested meanwhile, an owed alert) brings it back once the holder lets
 * go, not a timer: a slow or stalled peer costs no wakeups.
 */
static void push_work(struct work_struct *work)
{
	struct tlsk_tx *tx = container_of(to_delayed_work(work),
					  struct tlsk_tx, push_work);
	struct sock *sk = container_of(tx, struct tlsk_context, tx)->sk;
	int err;

	WRITE_ONCE(tx->push_wanted, true);
	smp_mb();	/* pairs with tlsk_tx_unlock() */
	if (!mutex_trylock(&tx->lock))
		return;
	WRITE_ONCE(tx->push_wanted, false);
	lock_sock(sk);
	err = push_owed(sk, tx);
	if (tx->fin_owed && err != -EAGAIN)
		send_owed_fin(sk, tx);
	tlsk_tx_park(tx);
	release_sock(sk);
	mutex_unlock(&tx->lock);
}

static void tlsk_write_space(struct sock *sk)
{
	struct tlsk_tx *tx = &tlsk_get_ctx(sk)->tx;

	/* TCP freed send space: a half-sent record may fit now. */
	if (READ_ONCE(tx->pend_len))
		mod_delayed_work(system_wq, &tx->push_work, 0);
	tx->saved_write_space(sk);
}

void tlsk_tx_init(struct tlsk_context *ctx)
{
	mutex_init(&ctx->tx.lock);
	ctx->tx.max_payload = TLSK_MAX_PLAINTEXT;
	INIT_DELAYED_WORK(&ctx->tx.push_work, push_work);
}

/* Socket locked. Takes c. */
int tlsk_tx_start(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c)
{
	struct tlsk_tx *tx = &ctx->tx;

	/* Read locklessly by tlsk_get_info(). */
	WRITE_ONCE(tx->cipher, c);
	write_lock_bh(&sk->sk_callback_lock);
	tx->saved_write_space = sk->sk_write_space;
	sk->sk_write_space = tlsk_write_space;
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
}

/*
 * TLS 1.3 KeyUpdate: c replaces the TX key. Plaintext already taken
 * belongs to the old key: an open record is sealed with it first (it goes
 * out before anything sealed with c). Bytes of a half-sent record are
 * sealed already and just follow. A TX secret belonged to the old key:
 * the automatic mode ends until the next TLSK_TX_SECRET. tx->lock and the
 * socket lock held. Takes c, also on failure.
 */
int tlsk_tx_rekey(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c)
{
	struct tlsk_tx *tx = &ctx->tx;
	struct tlsk_cipher *old = tx->cipher;
	int err;

	if (tx->open) {
		err = close_record(sk, tx);
		if (err) {
			tlsk_cipher_free(c);
			return err;
		}
		push_background(sk, tx, false);
	}
	WRITE_ONCE(tx->cipher, c);
	tlsk_cipher_free(old);
	tlsk_secret_free(tx->secret);
	tx->secret = NULL;
	tx->update_pending = false;
	return 0;
}

/*
 * TLSK_TX_SECRET, for the key in use; tx->lock and the socket lock held.
 * Takes s. A key already past 7/8 of its limit is replaced at the next
 * send.
 */
void tlsk_tx_set_secret(struct tlsk_context *ctx, struct tlsk_secret_state *s)
{
	struct tlsk_tx *tx = &ctx->tx;

	tlsk_secret_free(tx->secret);
	tx->secret = s;
	if (tx->cipher->near_limit_told)
		tx->update_pending = true;
}

/*
 * The idle check (ulp.c): frees the record buffer when no record used it
 * since the last check and none is open or half-sent in it. A sender at
 * work (tx->lock taken) is not waited for: the buffer is in use. Returns
 * whether the buffer is still held.
 */
bool tlsk_tx_reclaim(struct sock *sk, struct tlsk_context *ctx)
{
	struct tlsk_tx *tx = &ctx->tx;
	bool held;

	if (!mutex_trylock(&tx->lock))
		return true;
	lock_sock(sk);
	held = tlsk_buf_held(&tx->rec);
	if (held && !tx->rec_used && !tx->open &&
	    (tx->pend_page || !tx->pend_len)) {
		tlsk_buf_free(&tx->rec);
		held = false;
	}
	tx->rec_used = false;
	/* An open record of spliced pages keeps them in the scratch. */
	if (tx->cipher && tx->open)
		held |= !!tx->cipher->s;
	else if (tx->cipher)
		held |= tlsk_cipher_scratch_reclaim(tx->cipher);
	release_sock(sk);
	tlsk_tx_unlock(tx);
	return held;
}

/* On close: no write_space callback, no worker after this returns. */
void tlsk_tx_stop(struct sock *sk, struct tlsk_context *ctx)
{
	struct tlsk_tx *tx = &ctx->tx;

	if (!tx->cipher)
		return;
	lock_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_write_space = tx->saved_write_space;
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);
	cancel_delayed_work_sync(&tx->push_work);
}

/*
 * What tlsk may still hold at close, beyond what TCP queued: an open or a
 * half-sent record (in two parts at most) and an alert's record.
 */
#define TLSK_CLOSE_ROOM		(4 * TLSK_MAX_RECORD)

/*
 * On close: hands TCP what the application left (an open record, sealed
 * now, a half-sent one, an owed alert) without waiting for the peer, as
 * TCP's own close never waits for it: TCP queues it behind its unsent
 * bytes whatever room the peer left, and sends it, or not, as it does
 * those (SO_LINGER included). SO_SNDBUF and TCP_NOTSENT_LOWAT, which would
 * make it wait, no longer concern a sender. Then frees TX state and keys.
 */
void tlsk_tx_release(struct sock *sk, struct tlsk_context *ctx)
{
	const int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
	struct tlsk_tx *tx = &ctx->tx;

	if (!tx->cipher)
		return;
	mutex_lock(&tx->lock);
	lock_sock(sk);
	if (alert_owed(tx) || tx->open || tx->pend_len || tx->next_len) {
		WRITE_ONCE(sk->sk_sndbuf,
			   max_t(int, sk->sk_sndbuf,
				 sk->sk_wmem_queued + TLSK_CLOSE_ROOM));
		WRITE_ONCE(tcp_sk(sk)->notsent_lowat, UINT_MAX);
	}
	if (alert_owed(tx))
		push_alert(sk, tx, flags);
	else if (!tx->open || !close_record(sk, tx))
		push_pending(sk, tx, flags);
	/* What TCP did not take is dropped with the socket. */
	open_pages_put(tx);
	pend_release(tx);
	tx->pend_len = 0;
	tlsk_cipher_free(tx->cipher);
	WRITE_ONCE(tx->cipher, NULL);
	tlsk_secret_free(tx->secret);
	tx->secret = NULL;
	tlsk_buf_free(&tx->rec);
	tlsk_stats_add(sock_net(sk), TLSK_STAT_CURR_TX_SW, -1);
	release_sock(sk);
	mutex_unlock(&tx->lock);
	mutex_destroy(&tx->lock);
}
