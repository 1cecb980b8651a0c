// SPDX-License-Identifier: GPL-2.0-only
/*
 * RX: records from TCP's receive queue become plaintext for recvmsg and
 * splice.
 *
 * The next record's header and explicit nonce are moved out of TCP's queue
 * into rx.head as they arrive (data_ready in softirq, or a worker when the
 * socket was owned, or the reader itself). The rest of the record stays
 * in TCP's queue until all of it is there, as in-tree kTLS leaves it; only
 * when TCP runs short of room (its window down to one segment, or its
 * receive memory nearly used up) does it move into the socket's record
 * buffer as it comes, as otherwise the window would close for good before
 * the record is whole. Nothing is moved past the record's end. The
 * buffer's pages come with the first bytes that move into it and go back
 * once the socket has been idle a while (tlsk_rx_reclaim()): a reader that
 * keeps up never needs them.
 * When the record is whole (in the buffer, or in TCP), readers are woken
 * and poll reports readable. A reader opens it into a freshly allocated
 * paged skb (moving what is still in TCP into the buffer first) and queues
 * the skb on rx.list, from which recvmsg copies and splice_read hands
 * pages to the pipe; then the next record's bytes move.
 *
 * Direct open: a recvmsg that does not peek, into a user buffer with room
 * for a whole data record's plaintext, opens the record straight into the
 * reader's pages (pinned for the time of the decryption), with no skb and
 * no second copy; a record still in TCP is opened from TCP's skbs, with no
 * copy at all, and leaves TCP's queue once it has opened. TLS 1.3 decrypts
 * the inner content type into a byte of the cipher state; if it is not
 * data (a handshake, an alert, or padding in the way), the record is
 * opened again the ordinary way, from the same ciphertext with the same
 * sequence number, and the reader's buffer holds only what that returns.
 * A record that fails authentication fails the same way on both paths
 * (the reader's buffer may then hold bytes of it beyond what recvmsg
 * returned, as with in-tree kTLS). tlsk never takes a byte of the record
 * after the one being assembled out of TCP, so that record's key may
 * still change (TLS 1.3 KeyUpdate).
 *
 * Opened records wait on rx.list only for a reader that wants them:
 * non-peeking reads consume them at once; MSG_PEEK may hold opened records
 * there until the memory they take (truesize, charged to sk_rmem_alloc like
 * TCP's own queue) reaches sk_rcvbuf. Empty data records are dropped as
 * they open: they carry nothing and would only hold memory.
 *
 * Errors follow tcp_recvmsg(): a read that has bytes for its caller returns
 * them and leaves the error for the next read (and for poll).
 *
 * Bad input stops the stream for good, and nothing after the bad record is
 * ever delivered; the errnos and their stickiness are kTLS's: a record that
 * fails authentication or has no TLS 1.3 content type answers EBADMSG on
 * every later read (rx.err); a header no record can have (EMSGSIZE, EINVAL,
 * EBADMSG) is reported once through sk_err, after which reads find nothing
 * (rx.halted). Either way sk_err is set, so poll reports EPOLLERR.
 *
 * TLS 1.3 KeyUpdate: without an RX secret, opening stops after the record
 * that carries it until TLS_RX brings the next key (EKEYEXPIRED meanwhile).
 * With one (TLSK_RX_SECRET) the reader that opens it derives and installs
 * the next key itself before the next record's bytes leave TCP, takes the
 * KeyUpdate out of what it delivers, and hands a request to update in turn
 * to TX (tx.c); data after it flows on in order.
 */
#include <net/sock.h>
#include <net/tcp.h>
#include <linux/sched/mm.h>
#include <linux/splice.h>

#include "alert.h"
#include "cipher.h"
#include "event.h"
#include "keyupdate.h"
#include "rx.h"
#include "stats.h"
#include "tlsk.h"
#include "tx.h"
#include "ulp.h"

/* What skb->cb says about an opened record on rx.list. */
struct tlsk_rx_msg {
	unsigned int off;	/* first unread plaintext byte */
	unsigned int len;	/* unread plaintext bytes */
	u8 type;
};

static_assert(sizeof(struct tlsk_rx_msg) <= sizeof_field(struct sk_buff, cb));

/* rx_abort() for a failure no counter is about. */
#define TLSK_STAT_NONE	__TLSK_STAT_MAX

static struct tlsk_rx_msg *rx_msg(struct sk_buff *skb)
{
	return (struct tlsk_rx_msg *)skb->cb;
}

/*
 * A record failed to open: like kTLS, every later read answers the same
 * errno.
 */
static void rx_abort(struct sock *sk, struct tlsk_rx *rx, int err,
		     enum tlsk_stat stat)
{
	rx->err = err;
	WRITE_ONCE(rx->ready, false);
	if (stat != TLSK_STAT_NONE)
		tlsk_stats_add(sock_net(sk), stat, 1);
	tlsk_abort(sk, err);
	tlsk_alert_rx_failed(sk, tlsk_get_ctx(sk),
			     rx->fail_alert ?: tlsk_alert_for_errno(err));
}

/*
 * A header no record can have: like kTLS, the error is reported once
 * (through sk_err), and the stream stops there for good; later reads find
 * nothing more (EAGAIN, or the end of the stream).
 */
static void rx_halt(struct sock *sk, struct tlsk_rx *rx, int err)
{
	struct tlsk_context *ctx = tlsk_get_ctx(sk);

	rx->halted = true;
	WRITE_ONCE(rx->ready, false);
	tlsk_stats_add(sock_net(sk), TLSK_STAT_RX_BAD_RECORD, 1);
	tlsk_abort(sk, err);
	tlsk_alert_rx_failed(sk, ctx,
			     tlsk_alert_for_header(ctx, rx->head, err));
}

/*
 * Moves bytes of the current record: its first cipher->prepend into
 * rx->head, the rest into rx->rec (which rx_body_get() readied).
 */
static int copy_actor(read_descriptor_t *desc, struct sk_buff *skb,
		      unsigned int off, size_t len)
{
	struct tlsk_rx *rx = desc->arg.data;
	unsigned int head = rx->cipher->prepend;
	size_t n = min_t(size_t, len, desc->count), k = 0;

	if (!n)
		return 0;
	if (rx->rec_done < head) {
		k = min_t(size_t, n, head - rx->rec_done);
		if (skb_copy_bits(skb, off, rx->head + rx->rec_done, k))
			return -EFAULT;
		rx->rec_done += k;
	}
	if (n > k) {
		if (tlsk_buf_copy_from_skb(&rx->rec, rx->rec_done, skb,
					   off + k, n - k))
			return -EFAULT;
		rx->rec_used = true;
		rx->rec_done += n - k;
	}
	desc->count -= n;
	return n;
}

/*
 * The record buffer, before the body of a record moves into it, allocated
 * if idleness took it away; false if it is not there (or nothing waits in
 * TCP). In softirq (GFP_ATOMIC) a failure leaves the bytes in TCP for the
 * worker, which may sleep for memory; if that fails too, nothing would
 * ever move them, so the stream fails with ENOMEM.
 */
static bool rx_rec_get(struct sock *sk, struct tlsk_rx *rx, gfp_t gfp)
{
	if (likely(tlsk_buf_held(&rx->rec)))
		return true;
	if (skb_queue_empty_lockless(&sk->sk_receive_queue))
		return false;
	if (!tlsk_buf_alloc(&rx->rec, sk, gfp)) {
		tlsk_reclaim_arm(sk, tlsk_get_ctx(sk));
		return true;
	}
	if (gfpflags_allow_blocking(gfp))
		rx_abort(sk, rx, -ENOMEM, TLSK_STAT_NONE);
	else
		schedule_work(&rx->pull_work);
	return false;
}

/*
 * rx_rec_get() before the first byte of the body moves into rx->rec,
 * which then gets the header and nonce from rx->head: the open paths
 * take the record from rx->rec as the wire had it.
 */
static bool rx_body_get(struct sock *sk, struct tlsk_rx *rx, gfp_t gfp)
{
	if (rx->rec_done > rx->cipher->prepend)
		return true;
	if (!rx_rec_get(sk, rx, gfp))
		return false;
	memcpy(tlsk_buf_head(&rx->rec), rx->head, rx->cipher->prepend);
	return true;
}

/*
 * A record is still short: is TCP urgent data at the next byte? Then
 * tcp_read_sock() stops in front of it for good (only tcp_recvmsg() steps
 * over it), and nothing would ever say so. TLS has no urgent data: the
 * stream was not sent as it is by a TLS peer (or was changed on the way),
 * and fails as for a record that fails authentication. True when it did.
 */
static bool rx_urgent_abort(struct sock *sk, struct tlsk_rx *rx)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (likely(!READ_ONCE(tp->urg_data)) ||
	    READ_ONCE(tp->urg_seq) != READ_ONCE(tp->copied_seq))
		return false;
	rx_abort(sk, rx, -EBADMSG, TLSK_STAT_RX_BAD_RECORD);
	return true;
}

/*
 * Whether the rest of the current record, after the rec_done bytes in
 * rx->rec, is all in TCP's queue. Never with urgent data about: that
 * takes the copying path, which fails the stream on it.
 */
static bool rx_rest_in_tcp(struct sock *sk, struct tlsk_rx *rx)
{
	return !READ_ONCE(tcp_sk(sk)->urg_data) &&
	       tcp_inq(sk) >= (int)(rx->rec_len - rx->rec_done);
}

/*
 * Moves bytes of the current record out of TCP's queue into rx->rec, never
 * past its end: the header and explicit nonce at once, the rest only when
 * TCP needs the room (see the top of the file). Returns true when the
 * reader has something to take: a whole record (in rx->rec, or with its
 * rest in TCP's queue), or an error. The socket is held (its owner, or
 * softirq with no owner, gfp then GFP_ATOMIC).
 *
 * Why the room matters: a partial record in TCP's queue counts against
 * the receive window, and on loopback (an MSS of 64 KiB) TCP may close the
 * window before a record is complete while nobody reads - for good, with
 * no byte moved.
 */
static bool rx_pull(struct sock *sk, struct tlsk_rx *rx, gfp_t gfp)
{
	read_descriptor_t desc = { .arg.data = rx };
	unsigned int head;
	int len;

	if (rx->err)
		return true;
	/* The next record is the next key's: it waits in TCP for it. */
	if (rx->halted || rx->key_expired)
		return false;
	/* A checked header promises a body at least as long as the nonce. */
	head = rx->cipher->prepend;
	if (rx->rec_done < TLSK_HEADER_SIZE) {
		/*
		 * The header and nonce in one go when they are there; the
		 * header is checked as soon as it is in, even if the rest of
		 * what a good one would promise never comes.
		 */
		desc.count = head - rx->rec_done;
		tcp_read_sock(sk, &desc, copy_actor);
		if (rx->rec_done < TLSK_HEADER_SIZE)
			return rx_urgent_abort(sk, rx);
		len = tlsk_cipher_check_header(rx->cipher, rx->head);
		/* Could never be queued whole: kTLS answers EMSGSIZE too. */
		if (len > 0 && len > READ_ONCE(sk->sk_rcvbuf))
			len = -EMSGSIZE;
		if (len < 0) {
			rx_halt(sk, rx, len);
			return false;
		}
		rx->rec_len = len;
	}
	if (rx->rec_done < head) {
		desc.count = head - rx->rec_done;
		tcp_read_sock(sk, &desc, copy_actor);
		if (rx->rec_done < head)
			return rx_urgent_abort(sk, rx);
	}
	if (rx->rec_done == head && rx->rec_done < rx->rec_len) {
		if (rx_rest_in_tcp(sk, rx))
			return true;
		if (!READ_ONCE(tcp_sk(sk)->urg_data) &&
		    !tcp_epollin_ready(sk, INT_MAX))
			return false;
	}
	if (rx->rec_done < rx->rec_len) {
		if (!rx_body_get(sk, rx, gfp))
			return rx->err != 0;
		desc.count = rx->rec_len - rx->rec_done;
		tcp_read_sock(sk, &desc, copy_actor);
	}
	return rx->rec_done == rx->rec_len || rx_urgent_abort(sk, rx);
}

/*
 * Moves the rest of a whole record out of TCP's queue into rx->rec, for
 * the paths that open it from there. False if it is not all there (TCP's
 * queue went away under a reset, say): the caller waits again.
 */
static bool rx_fill(struct sock *sk, struct tlsk_rx *rx)
{
	read_descriptor_t desc = { .arg.data = rx };

	if (rx->rec_done < rx->rec_len) {
		if (!rx_body_get(sk, rx, sk->sk_allocation))
			return false;
		desc.count = rx->rec_len - rx->rec_done;
		tcp_read_sock(sk, &desc, copy_actor);
	}
	return rx->rec_done == rx->rec_len;
}

static int skip_actor(read_descriptor_t *desc, struct sk_buff *skb,
		      unsigned int off, size_t len)
{
	size_t n = min_t(size_t, len, desc->count);

	desc->count -= n;
	return n;
}

/*
 * Points sg at the next n bytes of TCP's receive queue (from copied_seq),
 * one entry per skb head and fragment, using at most max entries. Returns
 * the entries set, end marked, or 0 when the bytes are not all there or
 * not in a shape taken here (too many pieces, a frag_list, a SYN). Walks
 * by sequence number as tcp_recv_skb() does, so bytes an skb repeats of
 * the one before are skipped. Socket locked, not released until sg is done
 * with: only its owner takes skbs off the queue.
 */
static int rx_tcp_sg(struct sock *sk, unsigned int n, struct scatterlist *sg,
		     int max)
{
	u32 seq = tcp_sk(sk)->copied_seq;
	struct sk_buff *skb;
	int k = 0, r;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 off = seq - TCP_SKB_CB(skb)->seq;
		unsigned int take;

		if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_SYN)
			return 0;
		if (off >= skb->len)
			continue;
		if (skb_has_frag_list(skb) ||
		    k + 1 + skb_shinfo(skb)->nr_frags > max)
			return 0;
		take = min_t(unsigned int, skb->len - off, n);
		tlsk_sg_clear(&sg[k], 1 + skb_shinfo(skb)->nr_frags);
		r = skb_to_sgvec_nomark(skb, &sg[k], off, take);
		if (r <= 0)
			return 0;
		k += r;
		seq += take;
		n -= take;
		if (!n) {
			sg_mark_end(&sg[k - 1]);
			return k;
		}
	}
	return 0;
}

/*
 * Takes the opened rest of the current record off TCP's queue. False if
 * it was not all there, which rx_tcp_sg() having found it rules out.
 */
static bool rx_skip(struct sock *sk, struct tlsk_rx *rx)
{
	read_descriptor_t desc = { .count = rx->rec_len - rx->rec_done };

	tcp_read_sock(sk, &desc, skip_actor);
	return !desc.count;
}

static void rx_update(struct sock *sk, struct tlsk_rx *rx, gfp_t gfp)
{
	bool ready = rx_pull(sk, rx, gfp);

	WRITE_ONCE(rx->ready, ready);
	if (ready)
		rx->saved_data_ready(sk);
}

static void tlsk_data_ready(struct sock *sk)
{
	struct tlsk_rx *rx = &tlsk_get_ctx(sk)->rx;

	/*
	 * Whoever owns the socket may be in the middle of using rx->rec;
	 * a worker takes over once it is done.
	 */
	if (sock_owned_by_user_nocheck(sk)) {
		schedule_work(&rx->pull_work);
		return;
	}
	rx_update(sk, rx, GFP_ATOMIC);
}

static void pull_work(struct work_struct *work)
{
	struct tlsk_rx *rx = container_of(work, struct tlsk_rx, pull_work);
	struct sock *sk = container_of(rx, struct tlsk_context, rx)->sk;

	lock_sock(sk);
	rx_update(sk, rx, GFP_KERNEL);
	release_sock(sk);
}

/* Strips TLS 1.3 padding: the content type is the last nonzero byte. */
static int strip_padding(struct sk_buff *skb, struct tlsk_rx_msg *m)
{
	u8 byte;

	while (m->len) {
		if (skb_copy_bits(skb, m->len - 1, &byte, 1))
			return -EBADMSG;
		m->len--;
		if (byte) {
			m->type = byte;
			return 0;
		}
	}
	/* All zeros: no content type at all (RFC 8446 5.4). */
	return -EBADMSG;
}

/*
 * An alert is delivered like any record (the reader decides what to do);
 * listeners on the events group hear of it too. A record too short to be
 * an alert is the reader's problem, not an event.
 */
static void report_alert(struct sock *sk, struct sk_buff *skb,
			 const struct tlsk_rx_msg *m)
{
	u8 alert[2];

	tlsk_stats_add(sock_net(sk), TLSK_STAT_RX_ALERT, 1);
	if (m->len >= sizeof(alert) &&
	    !skb_copy_bits(skb, m->off, alert, sizeof(alert)))
		tlsk_event_alert(sk, alert[0], alert[1]);
}

/* A handshake message header: type and a 24-bit length (RFC 8446 4). */
#define HS_HEADER_SIZE	4

/* Where a KeyUpdate lies in one record, as scan_handshake() finds it. */
struct ku_span {
	int from;	/* its first byte in this record, or -1: none */
	unsigned int to;	/* one past its last byte in this record */
	bool done;	/* its last byte is in this record */
	bool bad;	/* its header says a length other than 1 */
};

static void hs_reset(struct tlsk_rx *rx)
{
	rx->hs_msg_len = 0;
	rx->hs_left = 0;
}

/*
 * Walks the handshake messages of one TLS 1.3 record from where the
 * records before it left off, so that only a message's first byte is read
 * as its type: a NewSessionTicket whose second fragment happens to start
 * with 24 is no KeyUpdate. Stops after the first KeyUpdate that ends here,
 * whose bytes then sit in rx->hs_msg; a key change must end the record
 * (5.1), so nothing after it concerns the caller. -EBADMSG when the skb
 * cannot be read.
 */
static int scan_handshake(struct tlsk_rx *rx, struct sk_buff *skb,
			  const struct tlsk_rx_msg *m, struct ku_span *ku)
{
	unsigned int pos = 0, n;
	bool is_ku;

	ku->from = -1;
	ku->done = false;
	ku->bad = false;
	while (pos < m->len) {
		if (rx->hs_msg_len < HS_HEADER_SIZE) {
			n = min_t(unsigned int, HS_HEADER_SIZE - rx->hs_msg_len,
				  m->len - pos);
			if (skb_copy_bits(skb, m->off + pos,
					  rx->hs_msg + rx->hs_msg_len, n))
				return -EBADMSG;
			if (!rx->hs_msg_len &&
			    rx->hs_msg[0] == TLSK_HANDSHAKE_KEY_UPDATE)
				ku->from = pos;
			rx->hs_msg_len += n;
			pos += n;
			if (rx->hs_msg_len < HS_HEADER_SIZE)
				break;
			rx->hs_left = rx->hs_msg[1] << 16 |
				      rx->hs_msg[2] << 8 | rx->hs_msg[3];
		} else {
			n = min_t(unsigned int, rx->hs_left, m->len - pos);
			/* A KeyUpdate's one body byte: is an update requested? */
			if (rx->hs_msg_len < sizeof(rx->hs_msg) &&
			    skb_copy_bits(skb, m->off + pos,
					  rx->hs_msg + rx->hs_msg_len, 1))
				return -EBADMSG;
			rx->hs_msg_len = sizeof(rx->hs_msg);
			rx->hs_left -= n;
			pos += n;
		}
		is_ku = rx->hs_msg[0] == TLSK_HANDSHAKE_KEY_UPDATE;
		if (is_ku && rx->hs_left != TLSK_KEY_UPDATE_SIZE -
					   HS_HEADER_SIZE &&
		    rx->hs_msg_len == HS_HEADER_SIZE) {
			/* Whatever its length says, it is no KeyUpdate. */
			if (ku->from < 0)
				ku->from = 0;
			ku->bad = true;
			ku->done = true;
			ku->to = pos;
			return 0;
		}
		if (rx->hs_left)
			continue;
		/* A message ends here. */
		if (is_ku) {
			if (ku->from < 0)
				ku->from = 0;
			ku->done = true;
			ku->to = pos;
			return 0;
		}
		hs_reset(rx);
	}
	/* A KeyUpdate goes on in the next record: all of this one is it. */
	if (rx->hs_msg_len && rx->hs_msg[0] == TLSK_HANDSHAKE_KEY_UPDATE) {
		if (ku->from < 0)
			ku->from = 0;
		ku->to = m->len;
	}
	return 0;
}

/* The next RX key replaces the one in use. Socket locked. Takes c. */
static void rx_switch_key(struct sock *sk, struct tlsk_rx *rx,
			  struct tlsk_cipher *c)
{
	struct tlsk_cipher *old = rx->cipher;

	tlsk_cipher_for_rx(c);
	/* Read locklessly by tlsk_get_info(). */
	WRITE_ONCE(rx->cipher, c);
	tlsk_cipher_free(old);
	rx->keys++;
	tlsk_stats_add(sock_net(sk), TLSK_STAT_RX_REKEY_OK, 1);
}

/*
 * Automatic mode. The KeyUpdate must end its record (5.1: no message may
 * span a key change, so nothing after it belongs to the old key) and be
 * well-formed (4.6.3), else -EBADMSG. Its bytes are taken out of what the
 * reader gets, in this record and, for one that spans records, in those
 * before it (which lost their tail already), so a reader that never heard
 * of KeyUpdate sees nothing of it. Once it is whole the peer's next key is
 * installed at once; -ENOKEY if it cannot be derived. A request to update
 * in turn goes to TX; without a TX secret the KeyUpdate stays in the
 * record for the reader to answer (all of it must then be in this one).
 */
static int auto_key_update(struct sock *sk, struct tlsk_context *ctx,
			   struct sk_buff *skb, struct tlsk_rx_msg *m,
			   const struct ku_span *ku)
{
	struct tlsk_rx *rx = &ctx->rx;
	u8 request = rx->hs_msg[TLSK_KEY_UPDATE_SIZE - 1];
	struct tlsk_cipher *next;
	bool keep;

	if (ku->bad) {
		rx->fail_alert = TLSK_ALERT_DECODE_ERROR;
		return -EBADMSG;
	}
	if (ku->done && ku->to != m->len) {
		rx->fail_alert = TLSK_ALERT_UNEXPECTED_MESSAGE;
		return -EBADMSG;
	}
	if (ku->done && request > TLSK_UPDATE_REQUESTED) {
		rx->fail_alert = TLSK_ALERT_ILLEGAL_PARAMETER;
		return -EBADMSG;
	}
	if (!ku->done) {
		m->len = ku->from;
		return !m->len;
	}
	if (++rx->key_updates > TLSK_MAX_KEY_UPDATES) {
		rx->fail_alert = TLSK_ALERT_UNEXPECTED_MESSAGE;
		return -EBADMSG;
	}
	hs_reset(rx);
	next = tlsk_secret_next(rx->secret, rx->cipher);
	if (IS_ERR(next))
		return -ENOKEY;
	rx_switch_key(sk, rx, next);
	keep = request == TLSK_UPDATE_REQUESTED &&
	       !tlsk_tx_request_update(sk, ctx);
	if (keep) {
		/* The reader answers: it needs the whole message here. */
		if (ku->to - ku->from != TLSK_KEY_UPDATE_SIZE) {
			rx->fail_alert = TLSK_ALERT_UNEXPECTED_MESSAGE;
			return -EBADMSG;
		}
		return 0;
	}
	m->len = ku->from;
	return !m->len;
}

/*
 * Handshake records of TLS 1.3 are followed message by message. After a
 * KeyUpdate the peer seals with its next key. Without an RX secret opening
 * stops after the record where the KeyUpdate ends (reads answer
 * EKEYEXPIRED, poll says not readable) until TLS_RX installs it, and the
 * records are delivered as usual; with one, see auto_key_update(). Returns
 * 1 when the record holds nothing left to deliver, or a negative errno.
 */
static int check_key_update(struct sock *sk, struct tlsk_context *ctx,
			    struct sk_buff *skb, struct tlsk_rx_msg *m)
{
	struct tlsk_rx *rx = &ctx->rx;
	struct ku_span ku;
	int err;

	if (!rx->cipher->tail)
		return 0;
	if (m->type != TLSK_RECORD_HANDSHAKE) {
		/*
		 * 5.1: no other record may come between the fragments of a
		 * handshake message. The reader judges that for itself;
		 * where tlsk follows KeyUpdates, it is the stream's end.
		 */
		if (rx->hs_msg_len && rx->secret) {
			rx->fail_alert = TLSK_ALERT_UNEXPECTED_MESSAGE;
			return -EBADMSG;
		}
		hs_reset(rx);
		return 0;
	}
	err = scan_handshake(rx, skb, m, &ku);
	if (err || ku.from < 0)
		return err;
	if (ku.done)
		tlsk_stats_add(sock_net(sk), TLSK_STAT_RX_REKEY_RECEIVED, 1);
	if (rx->secret)
		return auto_key_update(sk, ctx, skb, m, &ku);
	if (ku.done) {
		hs_reset(rx);
		rx->key_expired = true;
		tlsk_event_key_update(sk);
	}
	return 0;
}

/*
 * Opens the whole record in rx->rec. NULL when there is nothing in it to
 * deliver.
 */
static struct sk_buff *open_record(struct sock *sk, struct tlsk_rx *rx)
{
	unsigned int len = rx->rec_len;
	unsigned int plain = len - rx->cipher->prepend - TLSK_TAG_SIZE;
	unsigned int unpadded;
	struct mem_cgroup *old;
	struct tlsk_rx_msg *m;
	struct sk_buff *skb;
	u8 outer;
	int err;

	/* Allocate first: on failure the record stays for another try. */
	err = tlsk_cipher_scratch(rx->cipher, sk, sk->sk_allocation);
	if (err)
		return ERR_PTR(err);
	if (!rx_fill(sk, rx))
		return NULL;
	/*
	 * Charged to the socket's memory cgroup, as TCP's queue that held
	 * the record is: a peeking reader may keep up to SO_RCVBUF of them.
	 */
	old = set_active_memcg(sk->sk_memcg);
	skb = alloc_skb_with_frags(0, plain, 0, &err,
				   sk->sk_allocation | __GFP_ACCOUNT);
	set_active_memcg(old);
	if (!skb)
		return ERR_PTR(err);
	/* The pages are attached, not yet accounted as data. */
	skb->data_len = plain;
	skb->len = plain;

	err = tlsk_cipher_open(rx->cipher, &rx->rec, len, skb);
	m = rx_msg(skb);
	m->off = 0;
	m->len = plain;
	m->type = rx->head[0];
	outer = m->type;
	rx->rec_done = 0;
	rx->rec_len = 0;
	if (err)
		goto free_skb;
	if (rx->cipher->tail) {
		err = strip_padding(skb, m);
		if (err) {
			rx->fail_alert = TLSK_ALERT_UNEXPECTED_MESSAGE;
			goto free_skb;
		}
		unpadded = m->len + 1;
		if (rx->no_pad && unpadded != plain)
			tlsk_stats_add(sock_net(sk),
				       TLSK_STAT_RX_NO_PAD_VIOLATION, 1);
	}
	/* Type 0 is no type (RFC 8446 5.1 "invalid"); kTLS refuses it too. */
	if (!m->type) {
		rx->fail_alert = TLSK_ALERT_UNEXPECTED_MESSAGE;
		err = -EBADMSG;
		goto free_skb;
	}
	/* TLSK_SEND_ALERTS: what kTLS leaves to the reader. */
	rx->fail_alert = tlsk_alert_check_record(tlsk_get_ctx(sk), outer,
						 m->type, skb, m->off, m->len);
	if (rx->fail_alert) {
		kfree_skb(skb);
		rx_abort(sk, rx, -EBADMSG, TLSK_STAT_RX_BAD_RECORD);
		return ERR_PTR(-EBADMSG);
	}
	rx->records++;
	tlsk_stats_add(sock_net(sk), TLSK_STAT_RX_RECORDS, 1);
	if (tlsk_cipher_near_limit(rx->cipher)) {
		tlsk_stats_add(sock_net(sk), TLSK_STAT_SEQ_NEAR_LIMIT, 1);
		tlsk_event_seq_near_limit(sk, false, rx->cipher->record_limit);
	}
	if (m->type == TLSK_RECORD_ALERT)
		report_alert(sk, skb, m);
	err = check_key_update(sk, tlsk_get_ctx(sk), skb, m);
	if (err < 0) {
		kfree_skb(skb);
		rx_abort(sk, rx, err, TLSK_STAT_RX_REKEY_ERROR);
		tlsk_event_decrypt_error(sk);
		return ERR_PTR(err);
	}
	/*
	 * Nothing to deliver: a KeyUpdate the automatic mode took, or an
	 * empty data record (allowed, RFC 8446 5.4 and RFC 5246 6.2.1),
	 * which would otherwise hold memory for no byte at all.
	 */
	if (err || (!m->len && m->type == TLSK_RECORD_DATA)) {
		consume_skb(skb);
		return NULL;
	}
	if (m->type == TLSK_RECORD_DATA)
		rx->key_updates = 0;	/* m->len > 0 */
	rx->bytes += m->len;
	return skb;

free_skb:
	kfree_skb(skb);
	rx_abort(sk, rx, err, TLSK_STAT_DECRYPT_ERROR);
	tlsk_event_decrypt_error(sk);
	return ERR_PTR(err);
}

/*
 * Waits until a whole record is in rx->rec (1), or, when queued_ok, until
 * another reader left opened records on rx.list (2); 0 at the end of the
 * stream; -EAGAIN, a signal or a socket error otherwise.
 *
 * A caller that already has bytes for its reader (copied) gets 0 instead
 * of an error, and the error stays for the next read, as in tcp_recvmsg():
 * sock_error() clears sk_err, and an error taken here but not returned
 * would be lost, leaving poll and the next reader waiting for good.
 */
static int wait_record(struct sock *sk, struct tlsk_rx *rx, bool queued_ok,
		       bool copied, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	for (;;) {
		bool ready = rx_pull(sk, rx, GFP_KERNEL);

		WRITE_ONCE(rx->ready, ready);
		if (ready && rx->err)
			return copied ? 0 : rx->err;
		if (ready)
			return 1;
		if (queued_ok && !skb_queue_empty(&rx->list))
			return 2;
		if (sk->sk_err)
			return copied ? 0 : sock_error(sk);
		/* kTLS's answer while the next key is missing. */
		if (rx->key_expired)
			return copied ? 0 : -EKEYEXPIRED;
		if (sk->sk_shutdown & RCV_SHUTDOWN || sock_flag(sk, SOCK_DONE))
			return 0;
		if (!*timeo)
			return -EAGAIN;
		if (signal_pending(current))
			return sock_intr_errno(*timeo);

		add_wait_queue(sk_sleep(sk), &wait);
		sk_set_bit(SOCKWQ_ASYNC_WAITDATA, sk);
		sk_wait_event(sk, timeo, READ_ONCE(rx->ready) ||
			      (queued_ok &&
			       !skb_queue_empty_lockless(&rx->list)) ||
			      READ_ONCE(sk->sk_err) ||
			      READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN, &wait);
		sk_clear_bit(SOCKWQ_ASYNC_WAITDATA, sk);
		remove_wait_queue(sk_sleep(sk), &wait);
	}
}

/*
 * An opened record waits on rx.list charged to the socket's receive
 * memory, as data in TCP's own queue is: it narrows the window TCP
 * offers, shows in SO_MEMINFO, and bounds what a peeking reader may hold.
 * Socket locked.
 */
static void queue_record(struct sock *sk, struct tlsk_rx *rx,
			 struct sk_buff *skb)
{
	rx->queued_mem += skb->truesize;
	atomic_add(skb->truesize, &sk->sk_rmem_alloc);
	__skb_queue_tail(&rx->list, skb);
}

static void unqueue_record(struct sock *sk, struct tlsk_rx *rx,
			   struct sk_buff *skb)
{
	__skb_unlink(skb, &rx->list);
	rx->queued_mem -= skb->truesize;
	atomic_sub(skb->truesize, &sk->sk_rmem_alloc);
	consume_skb(skb);
}

/*
 * Makes sure rx.list holds a record to read past what the caller saw
 * (for a peeking caller: a new one at the tail); see wait_record() for the
 * results. The socket lock may be dropped meanwhile, and other readers may
 * have run.
 */
static int fetch_record(struct sock *sk, struct tlsk_rx *rx, bool peek,
			bool copied, long *timeo)
{
	struct sk_buff *skb;
	int err;

	do {
		err = wait_record(sk, rx, !peek, copied, timeo);
		if (err <= 0)
			return err;
		if (err == 2)
			return 1;
		skb = open_record(sk, rx);
		if (IS_ERR(skb))
			return copied ? 0 : PTR_ERR(skb);
		/* NULL: nothing in it for the reader; wait on. */
	} while (!skb);
	queue_record(sk, rx, skb);
	/* The next record may be in TCP already, whole: say so to poll. */
	WRITE_ONCE(rx->ready, rx_pull(sk, rx, GFP_KERNEL));
	return 1;
}

/*
 * Opens the whole data record in rx->rec straight into the reader's buffer
 * (see the top of the file). Returns the bytes delivered (> 0), 0 when the
 * record must take the ordinary path (it is still in rx->rec, nothing
 * consumed, the iterator as it was), or a negative errno as open_record()
 * gives one (the record failed; the stream stops).
 */
static int open_direct(struct sock *sk, struct tlsk_rx *rx,
		       struct msghdr *msg, size_t room)
{
	struct tlsk_cipher *c = rx->cipher;
	unsigned int len = rx->rec_len;
	unsigned int plain = len - c->prepend - TLSK_TAG_SIZE;
	/* (a TLS 1.3 record without even its type is open_record()'s) */
	unsigned int data = plain > c->tail ? plain - c->tail : 0;
	struct page *pages[TLSK_DIRECT_PAGES];
	bool in_tcp = false;
	int n, np = 0, err;

	/*
	 * TLS 1.2 says the type in the header; a TLS 1.3 record says
	 * application data there too, or it is open_record()'s to refuse
	 * (TLSK_SEND_ALERTS). Empty records, and those that come while a
	 * TLS 1.3 handshake message is incomplete, are open_record()'s
	 * business.
	 */
	if (rx->head[0] != TLSK_RECORD_DATA)
		return 0;
	/* Records another reader left on rx.list come first. */
	if (!skb_queue_empty(&rx->list))
		return 0;
	if (!data || data > room || rx->hs_msg_len ||
	    iov_iter_count(&msg->msg_iter) < data ||
	    tlsk_cipher_scratch(c, sk, sk->sk_allocation))
		return 0;

	n = tlsk_pin_iter(&msg->msg_iter, data, &c->s->sg_out[1], pages,
			  TLSK_DIRECT_PAGES, &np);
	if (!n)
		return 0;
	if (c->tail) {
		c->open_tail = 0;
		tlsk_sg_clear(&c->s->sg_out[++n], 1);
		sg_set_buf(&c->s->sg_out[n], &c->open_tail, 1);
	}
	sg_mark_end(&c->s->sg_out[n]);
	/*
	 * The rest of the record still in TCP is opened from there; if its
	 * skbs come in too many pieces, it moves into rx->rec first.
	 */
	if (rx->rec_done < len) {
		in_tcp = rx_tcp_sg(sk, len - rx->rec_done, &c->s->sg_in[1],
				   c->in_sg - 1) > 0;
		if (!in_tcp && !rx_fill(sk, rx)) {
			while (np--)
				put_page(pages[np]);
			iov_iter_revert(&msg->msg_iter, data);
			return 0;
		}
	}
	if (in_tcp)
		err = tlsk_cipher_open_in(c, rx->head, len);
	else
		err = tlsk_cipher_open_sg(c, &rx->rec, len);
	while (np--)
		put_page(pages[np]);
	if (!err && c->tail && c->open_tail != TLSK_RECORD_DATA) {
		/*
		 * Not data, or padded: opened again into an skb, from the
		 * same bytes (those in TCP are still there).
		 */
		iov_iter_revert(&msg->msg_iter, data);
		return 0;
	}
	if (!err && in_tcp && !rx_skip(sk, rx))
		err = -EBADMSG;
	rx->rec_done = 0;
	rx->rec_len = 0;
	if (err) {
		iov_iter_revert(&msg->msg_iter, data);
		rx_abort(sk, rx, err, TLSK_STAT_DECRYPT_ERROR);
		tlsk_event_decrypt_error(sk);
		return err;
	}
	tlsk_cipher_advance(c);
	if (c->tail)
		hs_reset(rx);
	rx->records++;
	tlsk_stats_add(sock_net(sk), TLSK_STAT_RX_RECORDS, 1);
	if (tlsk_cipher_near_limit(c)) {
		tlsk_stats_add(sock_net(sk), TLSK_STAT_SEQ_NEAR_LIMIT, 1);
		tlsk_event_seq_near_limit(sk, false, c->record_limit);
	}
	rx->bytes += data;
	/* Application data: alerts and KeyUpdates in a row start again. */
	rx->warn_alerts = 0;
	rx->key_updates = 0;
	/* The next record may be in TCP already, whole: say so to poll. */
	WRITE_ONCE(rx->ready, rx_pull(sk, rx, GFP_KERNEL));
	return data;
}

/*
 * Waits for the next record as fetch_record() does, and opens it straight
 * into the reader's buffer when it can. Returns the bytes delivered (> 0),
 * 1 with *direct 0 when the caller is to fetch_record() it (nothing
 * consumed), or fetch_record()'s results for the end, errors and waiting.
 */
static int fetch_direct(struct sock *sk, struct tlsk_rx *rx,
			struct msghdr *msg, size_t room, bool copied,
			long *timeo, bool *direct)
{
	int err;

	*direct = false;
	err = wait_record(sk, rx, true, copied, timeo);
	if (err != 1)
		return err;
	err = open_direct(sk, rx, msg, room);
	if (err < 0)
		return copied ? 0 : err;
	if (!err)
		return 1;
	*direct = true;
	return err;
}

/*
 * A reader leaves the socket (its lock is let go next). The scratch goes
 * back to this CPU: no record is half-opened in it. And when something is
 * left to read, other readers (or pollers) waiting for it must hear of it,
 * as no new data may come to wake them.
 */
static void rx_leave(struct sock *sk, struct tlsk_rx *rx)
{
	if (rx->cipher)
		tlsk_cipher_scratch_park(rx->cipher);
	if (READ_ONCE(rx->ready) || !skb_queue_empty(&rx->list))
		rx->saved_data_ready(sk);
}

static void consume(struct sock *sk, struct tlsk_rx *rx,
		    struct sk_buff *skb, unsigned int n)
{
	struct tlsk_rx_msg *m = rx_msg(skb);

	m->off += n;
	m->len -= n;
	if (!m->len)
		unqueue_record(sk, rx, skb);
}

/*
 * One call returns records of one type only. The first record's type goes
 * to the caller in a TLS_GET_RECORD_TYPE cmsg; for a non-data record that
 * cmsg is mandatory (EIO without room for it) and the call ends after it.
 */
int tlsk_recvmsg(TLSK_RECVMSG_ARGS)
{
	struct tlsk_context *ctx = tlsk_get_ctx(sk);
	struct tlsk_rx *rx = &ctx->rx;
	bool peek = flags & MSG_PEEK;
	struct sk_buff *skb, *next;
	size_t copied = 0;
	long timeo, none = 0;
	u8 control = 0;
	int target, err = 0;

	/* The error queue is TCP's business (timestamps, zerocopy). */
	if (unlikely(flags & MSG_ERRQUEUE))
#if TLSK_HAVE_RECVMSG_ADDR_LEN
		return ctx->sk_proto->recvmsg(sk, msg, len, flags, addr_len);
#else
		return ctx->sk_proto->recvmsg(sk, msg, len, flags);
#endif

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	skb = skb_peek(&rx->list);
	while (copied < len) {
		struct tlsk_rx_msg *m;
		unsigned int chunk;

		if (!skb) {
			long *wait = copied >= target ? &none : &timeo;
			bool direct;

			/* Past the target, take only records already here. */
			if (peek && rx->queued_mem >= READ_ONCE(sk->sk_rcvbuf))
				break;
			if (!peek && (!control || control == TLSK_RECORD_DATA) &&
			    user_backed_iter(&msg->msg_iter)) {
				err = fetch_direct(sk, rx, msg, len - copied,
						   copied, wait, &direct);
				if (err <= 0)
					break;
				if (direct) {
					copied += err;
					err = 0;
					msg->msg_flags |= MSG_EOR;
					if (!control) {
						control = TLSK_RECORD_DATA;
						put_cmsg(msg, SOL_TLS,
							 TLS_GET_RECORD_TYPE,
							 sizeof(control),
							 &control);
					}
					continue;
				}
			}
			err = fetch_record(sk, rx, peek, copied, wait);
			if (err <= 0)
				break;
			err = 0;
			/* Others may have queued records while we waited. */
			skb = peek ? skb_peek_tail(&rx->list) :
				     skb_peek(&rx->list);
		}
		m = rx_msg(skb);
		if (!control) {
			control = m->type;
			err = put_cmsg(msg, SOL_TLS, TLS_GET_RECORD_TYPE,
				       sizeof(control), &control);
			if (control != TLSK_RECORD_DATA &&
			    (err || msg->msg_flags & MSG_CTRUNC)) {
				err = -EIO;
				break;
			}
			err = 0;
		} else if (control != m->type) {
			break;
		}

		chunk = min_t(size_t, m->len, len - copied);
		err = skb_copy_datagram_msg(skb, m->off, msg, chunk);
		if (err)
			break;
		copied += chunk;
		next = skb_peek_next(skb, &rx->list);
		if (!peek) {
			if (chunk == m->len)
				msg->msg_flags |= MSG_EOR;
			consume(sk, rx, skb, chunk);
		}
		skb = next;
		if (control != TLSK_RECORD_DATA)
			break;
	}
	rx_leave(sk, rx);
	release_sock(sk);
	return copied ? copied : err;
}

/* Splices plaintext of at most one data record into the pipe. */
ssize_t tlsk_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags)
{
	struct sock *sk = sock->sk;
	struct tlsk_rx *rx = &tlsk_get_ctx(sk)->rx;
	struct tlsk_rx_msg *m;
	struct sk_buff *skb;
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & SPLICE_F_NONBLOCK);
	for (;;) {
		skb = skb_peek(&rx->list);
		if (!skb) {
			err = fetch_record(sk, rx, false, false, &timeo);
			if (err <= 0)
				goto unlock;
			continue;
		}
		m = rx_msg(skb);
		/* A pipe cannot carry the record type. */
		if (m->type != TLSK_RECORD_DATA) {
			err = -EINVAL;
			goto unlock;
		}
		/* An empty record is no end of stream: skip it. */
		if (m->len)
			break;
		consume(sk, rx, skb, 0);
	}
	err = skb_splice_bits(skb, sk, m->off, pipe,
			      min_t(size_t, len, m->len), flags);
	if (err > 0)
		consume(sk, rx, skb, err);
unlock:
	rx_leave(sk, rx);
	release_sock(sk);
	return err;
}

/*
 * In-kernel readers (strparser for KCM, NVMe/TCP, ...) that would take
 * bytes straight from TCP's queue get ciphertext there. Serving them
 * plaintext would mean opening records from their context, softirq
 * included, where tlsk's allocations and crypto may not sleep; refuse them
 * instead, as tlsk refuses in-kernel locked senders.
 */
int tlsk_read_sock(struct sock *sk, read_descriptor_t *desc,
		   sk_read_actor_t recv_actor)
{
	return -EOPNOTSUPP;
}

/* Readable: a whole record is there, or something to report. */
bool tlsk_sock_is_readable(struct sock *sk)
{
	struct tlsk_rx *rx = &tlsk_get_ctx(sk)->rx;

	return READ_ONCE(rx->ready) || !skb_queue_empty_lockless(&rx->list) ||
	       READ_ONCE(rx->err);
}

__poll_t tlsk_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = tcp_poll(file, sock, wait);

	/* TCP says readable for any byte; a partial record is not. */
	if ((mask & EPOLLIN) && !tlsk_sock_is_readable(sk) &&
	    !READ_ONCE(sk->sk_err) &&
	    !(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		mask &= ~(EPOLLIN | EPOLLRDNORM);
	return mask;
}

void tlsk_rx_init(struct tlsk_context *ctx)
{
	skb_queue_head_init(&ctx->rx.list);
	INIT_WORK(&ctx->rx.pull_work, pull_work);
}

/* Socket locked. Takes c. */
int tlsk_rx_start(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c)
{
	struct tlsk_rx *rx = &ctx->rx;

	tlsk_cipher_for_rx(c);
	/* Read locklessly by tlsk_get_info(). */
	WRITE_ONCE(rx->cipher, c);
	write_lock_bh(&sk->sk_callback_lock);
	rx->saved_data_ready = sk->sk_data_ready;
	sk->sk_data_ready = tlsk_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);

	/* Records may have come in right behind the handshake. */
	rx_update(sk, rx, GFP_KERNEL);
	return 0;
}

/*
 * The next RX key: every record not opened yet - those waiting in TCP
 * after a KeyUpdate, and the one being assembled - opens with it, and
 * readers (and poll) hear of them. Without a KeyUpdate pending the key
 * changes all the same, as in kTLS: the caller knows where the peer's
 * next key starts. An RX secret belonged to the old key: the automatic
 * mode ends until the next TLSK_RX_SECRET. Socket locked. Takes c.
 */
int tlsk_rx_rekey(struct sock *sk, struct tlsk_context *ctx,
		  struct tlsk_cipher *c)
{
	struct tlsk_rx *rx = &ctx->rx;
	struct tlsk_cipher *old = rx->cipher;

	tlsk_cipher_for_rx(c);
	WRITE_ONCE(rx->cipher, c);
	tlsk_cipher_free(old);
	tlsk_secret_free(rx->secret);
	rx->secret = NULL;
	rx->key_expired = false;
	/* A message may not span a key change (5.1): the next one starts. */
	hs_reset(rx);
	rx_update(sk, rx, GFP_KERNEL);
	return 0;
}

/*
 * TLSK_RX_SECRET, for the key in use. If a KeyUpdate already stopped RX,
 * its next key is derived and installed at once, as if the secret had come
 * first; on failure nothing changes. Socket locked. Takes s.
 */
int tlsk_rx_set_secret(struct sock *sk, struct tlsk_context *ctx,
		       struct tlsk_secret_state *s)
{
	struct tlsk_rx *rx = &ctx->rx;
	struct tlsk_cipher *next;

	if (rx->key_expired) {
		next = tlsk_secret_next(s, rx->cipher);
		if (IS_ERR(next)) {
			tlsk_secret_free(s);
			return PTR_ERR(next);
		}
		rx_switch_key(sk, rx, next);
		rx->key_expired = false;
		rx_update(sk, rx, GFP_KERNEL);
	}
	tlsk_secret_free(rx->secret);
	rx->secret = s;
	return 0;
}

/*
 * The idle check (ulp.c): frees the record buffer when no byte moved into
 * it since the last check and no record's body is partly or wholly in it
 * (a header may be: it is in rx->head). Returns
 * whether the buffer is still held.
 */
bool tlsk_rx_reclaim(struct sock *sk, struct tlsk_context *ctx)
{
	struct tlsk_rx *rx = &ctx->rx;
	bool held;

	lock_sock(sk);
	held = tlsk_buf_held(&rx->rec);
	if (held && !rx->rec_used &&
	    (!rx->rec_done || rx->rec_done <= rx->cipher->prepend)) {
		tlsk_buf_free(&rx->rec);
		held = false;
	}
	rx->rec_used = false;
	/* Records are opened from the buffer: its check arms this one. */
	if (rx->cipher)
		held |= tlsk_cipher_scratch_reclaim(rx->cipher);
	release_sock(sk);
	return held;
}

/* On close: no data_ready callback or worker after this returns. */
void tlsk_rx_stop(struct sock *sk, struct tlsk_context *ctx)
{
	struct tlsk_rx *rx = &ctx->rx;

	if (!rx->cipher)
		return;
	/* Held by us, the socket sees no softirq callback meanwhile. */
	lock_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = rx->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);
	cancel_work_sync(&rx->pull_work);
}

void tlsk_rx_release(struct sock *sk, struct tlsk_context *ctx)
{
	struct tlsk_rx *rx = &ctx->rx;
	struct sk_buff *skb;

	if (!rx->cipher)
		return;
	lock_sock(sk);
	while ((skb = skb_peek(&rx->list)))
		unqueue_record(sk, rx, skb);
	tlsk_cipher_free(rx->cipher);
	WRITE_ONCE(rx->cipher, NULL);
	tlsk_secret_free(rx->secret);
	rx->secret = NULL;
	tlsk_buf_free(&rx->rec);
	tlsk_stats_add(sock_net(sk), TLSK_STAT_CURR_RX_SW, -1);
	release_sock(sk);
}
