/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-socket state of tlsk.
 *
 * Locking, outermost first:
 *   tx.lock        a mutex serialising senders; TX state is changed only
 *                  with it held, because TCP drops the socket lock while it
 *                  waits for send buffer space and another sender must not
 *                  slip a record into the middle of a half-sent one.
 *   socket lock    lock_sock(): everything else, and TX state too.
 *   sk_callback_lock  only around swapping sk_prot and the sk callbacks.
 * Softirq callbacks (data_ready, write_space) run with the socket held by
 * bh_lock_sock or by its owner, so they may look at TCP's receive queue.
 */
#ifndef _TLSK_TLSK_H
#define _TLSK_TLSK_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>

#include "cipher.h"
#include "keyupdate.h"

struct tlsk_secret_state;

struct tlsk_tx {
	struct mutex lock;
	/* tx.lock + socket lock. NULL until TLS_TX; swapped on re-key. */
	struct tlsk_cipher *cipher;
	/*
	 * One record at a time, tx.lock: either open (plaintext being
	 * gathered, open_len bytes at cipher->prepend) or sealed and partly
	 * handed to TCP (pend_len bytes from pend_off, in pend_page or, when
	 * no page fragment could be had, in rec, which TCP then copies).
	 */
	struct tlsk_buf rec;
	/* tx.lock + socket lock: rec was used since the last idle check. */
	bool rec_used;
	/*
	 * tx.lock + socket lock: the most plaintext a record carries,
	 * TLSK_MAX_PLAINTEXT unless TLS_TX_MAX_PAYLOAD_LEN says less.
	 */
	u16 max_payload;
	unsigned int open_len;
	unsigned int pend_off;
	unsigned int pend_len;
	/*
	 * The page the pending record was sealed into (pend_off is then in
	 * it), with tlsk's reference; NULL: it is in rec. A record sealed
	 * across two page fragments goes on in next_page (next_len bytes
	 * from next_off, also referenced) once pend_len is done.
	 */
	struct page *pend_page;
	struct page *next_page;
	unsigned int next_off;
	unsigned int next_len;
	bool open;
	u8 open_type;
	/*
	 * tx.lock + socket lock: an open record gathered from a splice's
	 * pages (sendfile, splice) holds them by reference, in open_pages
	 * entries of cipher->sg_out from the second on, and is sealed from
	 * them; 0: its bytes are in rec.
	 */
	u8 open_pages;
	/*
	 * tx.lock + socket lock: the last bytes TCP took came with
	 * TLSK_MSG_NOTLAST, so it may still hold them unsent.
	 */
	bool unpushed;
	/*
	 * tx.lock + socket lock: shutdown(SHUT_WR) found sealed bytes TCP had
	 * no room for. The worker sends the FIN once TCP took them; sends
	 * fail meanwhile, as after the FIN.
	 */
	bool fin_owed;
	/* Set under tx.lock while a send call holds it (tlsk_shutdown()). */
	bool sending;
	/*
	 * The worker found tx.lock taken: whoever holds it brings the
	 * worker back when it lets go (tlsk_tx_unlock()).
	 */
	bool push_wanted;
	/* tx.lock + socket lock: records sealed, their plaintext bytes. */
	u64 records;
	u64 bytes;
	/* Socket lock: keys installed in this direction. */
	u32 keys;
	/*
	 * Automatic rekey (keyupdate.c). secret: tx.lock + socket lock, NULL
	 * unless TLSK_TX_SECRET. update_pending: socket lock (RX sets it
	 * when the peer asks for an update, TX when its key nears its
	 * limit); TX sends a KeyUpdate and switches keys at the next point
	 * where no record is half-sent, then clears it. err: tx.lock +
	 * socket lock, the sticky negative errno of a failed automatic
	 * rekey, which every later send answers.
	 */
	struct tlsk_secret_state *secret;
	bool update_pending;
	int err;
	/*
	 * TLSK_SEND_ALERTS (alert.c): enum tlsk_alert_state, and the fatal
	 * alert owed to the peer once RX failed. Set by RX with the socket
	 * held, then advanced by TX under tx.lock + socket lock.
	 */
	u8 alert_state;
	u8 alert_desc;
	/*
	 * Pushes a half-sent record when TCP frees send space, and sends a
	 * pending KeyUpdate. Never waits for tx.lock: it sets push_wanted,
	 * and the holder brings it back (tlsk_tx_unlock()).
	 */
	struct delayed_work push_work;
	/* Set and restored under sk_callback_lock with the socket locked. */
	void (*saved_write_space)(struct sock *sk);
};

struct tlsk_rx {
	/* Socket lock. NULL until TLS_RX. */
	struct tlsk_cipher *cipher;
	/*
	 * The next record: rec_done bytes of its rec_len (0 until the
	 * header is in) have moved out of TCP's queue. Its header and
	 * explicit nonce (cipher->prepend bytes) move into head at once;
	 * the rest waits in TCP until the record is whole there, unless
	 * TCP needs the room or a reader opens it the ordinary way (rx.c):
	 * then all of it moves into rec, head first. Socket held: by its
	 * owner, or in softirq without one.
	 */
	struct tlsk_buf rec;
	/* Socket held: rec was used since the last idle check. */
	bool rec_used;
	u8 head[TLSK_HEADER_SIZE + TLSK_EXPLICIT_IV_SIZE];
	unsigned int rec_done;
	unsigned int rec_len;
	/*
	 * Socket lock: opened records not yet read (partly read, or peeked),
	 * oldest first; skb->cb holds a struct tlsk_rx_msg. Each is charged
	 * (truesize) to sk_rmem_alloc while it waits here; queued_mem is
	 * their sum, which bounds what MSG_PEEK may hold.
	 */
	struct sk_buff_head list;
	unsigned int queued_mem;
	/*
	 * A whole record (or an error) waits in rec. Written with the socket
	 * held, read locklessly by poll and waiting readers.
	 */
	bool ready;
	/*
	 * Socket held. err: sticky negative errno once a record failed to
	 * open. halted: a malformed header stopped the stream (its errno
	 * went out once through sk_err).
	 */
	int err;
	bool halted;
	/*
	 * Socket lock: a TLS 1.3 KeyUpdate was opened, and nothing after it
	 * is, until TLS_RX brings the next key.
	 */
	bool key_expired;
	/*
	 * Socket lock, TLS 1.3: where the peer's handshake stream stands,
	 * since a message may span records (RFC 8446 5.1) and only a
	 * message's first byte is its type. hs_msg holds the first bytes of
	 * the current message (its header, and a KeyUpdate's one body
	 * byte), hs_msg_len how many came so far (0: the next handshake
	 * byte starts a message); hs_left counts its body bytes still to
	 * come once the header is whole.
	 */
	u8 hs_msg[TLSK_KEY_UPDATE_SIZE];
	u8 hs_msg_len;
	u32 hs_left;
	/* Socket lock: records opened, their plaintext bytes. */
	u64 records;
	u64 bytes;
	u32 keys;
	/*
	 * Socket lock: TLSK_RX_SECRET, NULL without. With it a KeyUpdate
	 * installs the next key at once instead of setting key_expired.
	 */
	struct tlsk_secret_state *secret;
	/* TLS_RX_EXPECT_NO_PAD; socket lock. */
	bool no_pad;
	/*
	 * TLSK_SEND_ALERTS, socket lock: warning alerts opened in a row
	 * without application data; and the alert a failure chose for itself
	 * (0: the one its errno implies, alert.c).
	 */
	u8 warn_alerts;
	u8 fail_alert;
	/*
	 * KeyUpdates the automatic mode took since the last application
	 * data: each costs a key derivation and a new transform for 27
	 * bytes of the peer's; more than TLSK_MAX_KEY_UPDATES in a row end
	 * RX (unexpected_message), as BoringSSL and libtlsk's relay do.
	 */
	u8 key_updates;
	/* Moves bytes that arrived while the socket was owned. */
	struct work_struct pull_work;
	void (*saved_data_ready)(struct sock *sk);
};

/*
 * One context per socket that carries the "tlsk" ULP. It is published in
 * icsk->icsk_ulp_data (RCU) under sk->sk_callback_lock, and torn down from
 * the socket's close() after TCP's own proto has been put back.
 */
struct tlsk_context {
	struct sock *sk;
	/* TCP's proto at attach time; restored on close. */
	struct proto *sk_proto;
	struct tlsk_tx tx;
	struct tlsk_rx rx;
	/* TLS_TX_ZEROCOPY_RO; socket lock. */
	bool zerocopy_ro;
	/*
	 * TLSK_LOCK_KEYS; socket lock. Set once, never cleared: getsockopt
	 * hides key material and installed keys and secrets stay.
	 */
	bool keys_locked;
	/*
	 * TLSK_SEND_ALERTS; set under the socket lock, read with the socket
	 * held (RX in softirq too).
	 */
	bool send_alerts;
	/*
	 * Version and cipher of the first key, which every later key of
	 * either direction shares. Set once under the socket lock, read
	 * locklessly (under RCU) by socket diagnostics.
	 */
	u16 version;
	u16 cipher_type;
	/* Socket held: the first fatal record error (negative), or 0. */
	int err;
	/*
	 * Gives back record buffers nobody used for a while (ulp.c), armed
	 * when one is allocated; closing (socket lock) stops that.
	 */
	struct delayed_work reclaim_work;
	bool closing;
	/* Key in the namespace's xarray of tlsk sockets (ulp.c); grows. */
	u64 id;
	/* This second's events of this socket (event.h); socket lock. */
	unsigned long events_window;
	unsigned int events_left;
	struct rcu_head rcu;
};

static inline struct tlsk_context *tlsk_get_ctx(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);

	/* Only used from paths that hold the socket or run under RCU. */
	return (__force struct tlsk_context *)icsk->icsk_ulp_data;
}

/* The TLS version both directions share, or 0 before any key. */
static inline u16 tlsk_version(const struct tlsk_context *ctx)
{
	const struct tlsk_cipher *c = ctx->tx.cipher ?: ctx->rx.cipher;

	return c ? c->info.info.version : 0;
}

/*
 * A fatal record error: report it the way TCP reports its own, so that
 * poll sees EPOLLERR and waiting readers and writers wake up.
 */
static inline void tlsk_abort(struct sock *sk, int err)
{
	struct tlsk_context *ctx = tlsk_get_ctx(sk);

	if (!ctx->err)
		ctx->err = err;
	WRITE_ONCE(sk->sk_err, -err);
	/* Pairs with the read barrier in tcp_poll(). */
	smp_wmb();
	sk_error_report(sk);
}

#endif /* _TLSK_TLSK_H */
