// SPDX-License-Identifier: GPL-2.0-only
/*
 * SOL_TLS socket options, with the validation order and errno values of
 * in-tree kTLS so that a kTLS program sees the same answers:
 *
 *   TLS_TX, TLS_RX         struct tls12_crypto_info_*, exact size
 *   TLS_TX_ZEROCOPY_RO     unsigned int 0/1
 *   TLS_RX_EXPECT_NO_PAD   u32 0/1, TLS 1.3 with RX keys only
 *   TLS_TX_MAX_PAYLOAD_LEN u16 64..16384, any time but with a TX record
 *                          open (EBUSY); kTLS has it from 6.19 on
 *
 * and tlsk's own (<linux/tlsk.h>), numbered far above kTLS's:
 *
 *   TLSK_TX_SECRET, TLSK_RX_SECRET   struct tlsk_secret, exact size,
 *                  after that direction's TLS 1.3 key; EINVAL for anything
 *                  else (keyupdate.c checks the secret against the key)
 *   TLSK_LOCK_KEYS int 0/1, one way: from 1 on getsockopt hides key, salt
 *                  and IV, and what is installed cannot be replaced (EPERM)
 *   TLSK_SEND_ALERTS int 0/1, any time: a fatal alert to the peer when RX
 *                  fails (alert.c)
 *
 * Every other level goes to TCP.
 */
#include <linux/uaccess.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <linux/tlsk.h>

#include "cipher.h"
#include "keyupdate.h"
#include "rx.h"
#include "sockopt.h"
#include "stats.h"
#include "tlsk.h"
#include "tx.h"
#include "ulp.h"

/*
 * A second key for a direction is a TLS 1.3 KeyUpdate (RFC 8446 4.6.3):
 * same version and cipher. Its record sequence is the caller's, as for a
 * first key and as in kTLS: after a KeyUpdate it is 0 (5.3).
 * TLS 1.2 has no rekeying: EBUSY, as kTLS.
 */
static int check_rekey(const struct tlsk_cipher *mine,
		       const union tlsk_crypto_info *info)
{
	if (mine->info.info.version != TLS_1_3_VERSION)
		return -EBUSY;
	if (info->info.version != mine->info.info.version ||
	    info->info.cipher_type != mine->info.info.cipher_type)
		return -EINVAL;
	return 0;
}

/* Installs c, the first key or the next one; takes c. */
static int install(struct sock *sk, struct tlsk_context *ctx,
		   struct tlsk_cipher *c, bool tx, bool rekey)
{
	int err;

	if (rekey)
		return tx ? tlsk_tx_rekey(sk, ctx, c) :
			    tlsk_rx_rekey(sk, ctx, c);
	err = tx ? tlsk_tx_start(sk, ctx, c) : tlsk_rx_start(sk, ctx, c);
	if (err) {
		tlsk_cipher_free(c);
		return err;
	}
	tlsk_update_proto(sk, ctx);
	/* Read locklessly by tlsk_get_info(). */
	WRITE_ONCE(ctx->version, c->info.info.version);
	WRITE_ONCE(ctx->cipher_type, c->info.info.cipher_type);
	return 0;
}

static void count_install(struct sock *sk, struct tlsk_context *ctx,
			  bool tx, bool rekey, int err)
{
	struct net *net = sock_net(sk);

	if (rekey) {
		if (err)
			tlsk_stats_add(net, tx ? TLSK_STAT_TX_REKEY_ERROR :
					     TLSK_STAT_RX_REKEY_ERROR, 1);
		else
			tlsk_stats_add(net, tx ? TLSK_STAT_TX_REKEY_OK :
					     TLSK_STAT_RX_REKEY_OK, 1);
	}
	if (err)
		return;
	if (tx)
		ctx->tx.keys++;
	else
		ctx->rx.keys++;
	if (rekey)
		return;
	tlsk_stats_add(net, tx ? TLSK_STAT_TX_SW : TLSK_STAT_RX_SW, 1);
	tlsk_stats_add(net, tx ? TLSK_STAT_CURR_TX_SW : TLSK_STAT_CURR_RX_SW, 1);
}

/* TX: tx.lock held too, so that a rekey can seal the open record. */
static int set_crypto(struct sock *sk, struct tlsk_context *ctx,
		      sockptr_t optval, unsigned int optlen, bool tx)
{
	struct tlsk_cipher *mine = tx ? ctx->tx.cipher : ctx->rx.cipher;
	struct tlsk_cipher *other = tx ? ctx->rx.cipher : ctx->tx.cipher;
	union tlsk_crypto_info info = {};
	bool rekey = mine;
	struct tlsk_cipher *c;
	int size, err;

	/* Locked: a direction keeps its key, whatever the request. */
	if (mine && ctx->keys_locked)
		return -EPERM;
	if (sockptr_is_null(optval) || optlen < sizeof(info.info))
		return -EINVAL;
	/* As kTLS 6.1 for TLS 1.2, before even looking at the request. */
	if (mine && mine->info.info.version != TLS_1_3_VERSION)
		return -EBUSY;
	if (copy_from_sockptr(&info.info, optval, sizeof(info.info)))
		return -EFAULT;

	err = -EINVAL;
	if (info.info.version != TLS_1_2_VERSION &&
	    info.info.version != TLS_1_3_VERSION)
		goto wipe_info;
	/* Both directions speak the same version with the same cipher. */
	if (other && (other->info.info.version != info.info.version ||
		      other->info.info.cipher_type != info.info.cipher_type))
		goto wipe_info;
	size = tlsk_cipher_info_size(info.info.cipher_type);
	if (size < 0 || optlen != size)
		goto wipe_info;
	/*
	 * The rest only: the header checked above is the one installed,
	 * whatever another thread writes to it meanwhile.
	 */
	err = -EFAULT;
	if (copy_from_sockptr_offset((u8 *)&info + sizeof(info.info), optval,
				     sizeof(info.info),
				     size - sizeof(info.info)))
		goto wipe_info;
	if (rekey) {
		err = check_rekey(mine, &info);
		if (err)
			goto count;
	}

	c = tlsk_cipher_new(&info);
	if (IS_ERR(c)) {
		err = PTR_ERR(c);
		goto count;
	}
	err = install(sk, ctx, c, tx, rekey);
count:
	count_install(sk, ctx, tx, rekey, err);
wipe_info:
	memzero_explicit(&info, sizeof(info));
	return err;
}

/*
 * TLS_TX_ZEROCOPY_RO, TLSK_LOCK_KEYS, TLSK_SEND_ALERTS: an unsigned int 0/1,
 * exact size.
 */
static int copy_flag(bool *flag, sockptr_t optval, unsigned int optlen)
{
	unsigned int value;

	if (sockptr_is_null(optval) || optlen != sizeof(value))
		return -EINVAL;
	if (copy_from_sockptr(&value, optval, sizeof(value)))
		return -EFAULT;
	if (value > 1)
		return -EINVAL;
	*flag = value;
	return 0;
}

static int set_tx_zerocopy(struct tlsk_context *ctx, sockptr_t optval,
			   unsigned int optlen)
{
	bool value;
	int err = copy_flag(&value, optval, optlen);

	if (!err)
		ctx->zerocopy_ro = value;
	return err;
}

static int set_rx_no_pad(struct tlsk_context *ctx, sockptr_t optval,
			 unsigned int optlen)
{
	u32 value;
	int err;

	if (tlsk_version(ctx) != TLS_1_3_VERSION ||
	    sockptr_is_null(optval) || optlen < sizeof(value))
		return -EINVAL;
	if (copy_from_sockptr(&value, optval, sizeof(value)))
		return -EFAULT;
	if (value > 1)
		return -EINVAL;
	/* A longer option is fine as long as the rest is zero. */
	err = check_zeroed_sockptr(optval, sizeof(value), optlen - sizeof(value));
	if (err < 1)
		return err == 0 ? -EINVAL : err;
	if (!ctx->rx.cipher)
		return -EINVAL;
	WRITE_ONCE(ctx->rx.no_pad, value);
	return 0;
}

/*
 * RFC 8449's record size limit, as the peer announced it: no TX record
 * carries more plaintext than this. A record already open was begun under
 * the old limit: EBUSY until it is sealed. tx.lock held.
 */
static int set_tx_max_payload(struct tlsk_context *ctx, sockptr_t optval,
			      unsigned int optlen)
{
	u16 value;

	if (sockptr_is_null(optval) || optlen < sizeof(value))
		return -EINVAL;
	if (copy_from_sockptr(&value, optval, sizeof(value)))
		return -EFAULT;
	if (value < TLSK_MIN_PAYLOAD_LIMIT || value > TLSK_MAX_PLAINTEXT)
		return -EINVAL;
	if (ctx->tx.open)
		return -EBUSY;
	ctx->tx.max_payload = value;
	return 0;
}

/* TX: tx.lock held too, as the secret is TX state. */
static int set_secret(struct sock *sk, struct tlsk_context *ctx,
		      sockptr_t optval, unsigned int optlen, bool tx)
{
	struct tlsk_secret_state *s;

	if (ctx->keys_locked && (tx ? ctx->tx.secret : ctx->rx.secret))
		return -EPERM;
	s = tlsk_secret_new(tx ? ctx->tx.cipher : ctx->rx.cipher, optval,
			    optlen);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!tx)
		return tlsk_rx_set_secret(sk, ctx, s);
	tlsk_tx_set_secret(ctx, s);
	return 0;
}

/*
 * One way: the fd may go to a process that must not learn the keys
 * (tlskd locks before it installs them and hands the socket back), so
 * nothing undoes it.
 */
static int set_lock_keys(struct tlsk_context *ctx, sockptr_t optval,
			 unsigned int optlen)
{
	bool lock;
	int err = copy_flag(&lock, optval, optlen);

	if (err)
		return err;
	if (!lock)
		return ctx->keys_locked ? -EPERM : 0;
	ctx->keys_locked = true;
	return 0;
}

static int set_send_alerts(struct tlsk_context *ctx, sockptr_t optval,
			   unsigned int optlen)
{
	bool value;
	int err = copy_flag(&value, optval, optlen);

	if (!err)
		WRITE_ONCE(ctx->send_alerts, value);
	return err;
}

/* These take tx.lock before the socket lock, as sendmsg does. */
static bool takes_tx_lock(int optname)
{
	return optname == TLS_TX || optname == TLSK_TX_SECRET ||
	       optname == TLS_TX_MAX_PAYLOAD_LEN;
}

int tlsk_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen)
{
	struct tlsk_context *ctx = tlsk_get_ctx(sk);
	int err;

	if (level != SOL_TLS)
		return ctx->sk_proto->setsockopt(sk, level, optname, optval,
						 optlen);

	/* A sender may hold tx.lock for as long as the peer's window is 0. */
	if (takes_tx_lock(optname) && mutex_lock_interruptible(&ctx->tx.lock))
		return -ERESTARTSYS;
	lock_sock(sk);
	switch (optname) {
	case TLS_TX:
	case TLS_RX:
		err = set_crypto(sk, ctx, optval, optlen, optname == TLS_TX);
		break;
	case TLS_TX_ZEROCOPY_RO:
		err = set_tx_zerocopy(ctx, optval, optlen);
		break;
	case TLS_RX_EXPECT_NO_PAD:
		err = set_rx_no_pad(ctx, optval, optlen);
		break;
	case TLS_TX_MAX_PAYLOAD_LEN:
		err = set_tx_max_payload(ctx, optval, optlen);
		break;
	case TLSK_TX_SECRET:
	case TLSK_RX_SECRET:
		err = set_secret(sk, ctx, optval, optlen,
				 optname == TLSK_TX_SECRET);
		break;
	case TLSK_LOCK_KEYS:
		err = set_lock_keys(ctx, optval, optlen);
		break;
	case TLSK_SEND_ALERTS:
		err = set_send_alerts(ctx, optval, optlen);
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	if (takes_tx_lock(optname))
		tlsk_tx_park(&ctx->tx);
	release_sock(sk);
	if (takes_tx_lock(optname))
		tlsk_tx_unlock(&ctx->tx);
	return err;
}

/*
 * Key material is returned, as kTLS does, to whoever holds the socket,
 * unless its keys are locked.
 */
static int get_crypto(struct tlsk_context *ctx, char __user *optval,
		      int __user *optlen, bool tx)
{
	const struct tlsk_cipher *c = tx ? ctx->tx.cipher : ctx->rx.cipher;
	union tlsk_crypto_info info;
	int len, size, err = 0;

	if (get_user(len, optlen))
		return -EFAULT;
	if (!optval || len < sizeof(info.info))
		return -EINVAL;
	if (!c)
		return -EBUSY;
	/* The header alone tells version and cipher. */
	if (len == sizeof(info.info))
		return copy_to_user(optval, &c->info.info, sizeof(info.info)) ?
		       -EFAULT : 0;

	size = tlsk_cipher_info_size(c->info.info.cipher_type);
	if (len != size)
		return -EINVAL;
	tlsk_cipher_export(c, &info);
	if (ctx->keys_locked)
		tlsk_cipher_hide_keys(c, &info);
	if (copy_to_user(optval, &info, size))
		err = -EFAULT;
	memzero_explicit(&info, sizeof(info));
	return err;
}

/* As copy_flag(), the other way. */
static int get_flag(bool flag, char __user *optval, int __user *optlen)
{
	unsigned int value = flag;
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len != sizeof(value))
		return -EINVAL;
	return copy_to_user(optval, &value, sizeof(value)) ? -EFAULT : 0;
}

static int get_u16(u16 value, char __user *optval, int __user *optlen)
{
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < (int)sizeof(value))
		return -EINVAL;
	if (put_user(sizeof(value), optlen))
		return -EFAULT;
	return copy_to_user(optval, &value, sizeof(value)) ? -EFAULT : 0;
}

static int get_rx_no_pad(struct tlsk_context *ctx, char __user *optval,
			 int __user *optlen)
{
	int value, len;

	if (tlsk_version(ctx) != TLS_1_3_VERSION)
		return -EINVAL;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < sizeof(value))
		return -EINVAL;
	if (!ctx->rx.cipher)
		return -EINVAL;
	value = ctx->rx.no_pad;
	if (put_user(sizeof(value), optlen))
		return -EFAULT;
	return copy_to_user(optval, &value, sizeof(value)) ? -EFAULT : 0;
}

/* Which secret is set, if any; never the secret itself. */
static int get_secret(const struct tlsk_secret_state *s, char __user *optval,
		      int __user *optlen)
{
	struct tlsk_secret out;
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len != sizeof(out))
		return -EINVAL;
	tlsk_secret_export(s, &out);
	return copy_to_user(optval, &out, sizeof(out)) ? -EFAULT : 0;
}

int tlsk_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	struct tlsk_context *ctx = tlsk_get_ctx(sk);
	int err;

	if (level != SOL_TLS)
		return ctx->sk_proto->getsockopt(sk, level, optname, optval,
						 optlen);

	lock_sock(sk);
	switch (optname) {
	case TLS_TX:
	case TLS_RX:
		err = get_crypto(ctx, optval, optlen, optname == TLS_TX);
		break;
	case TLS_TX_ZEROCOPY_RO:
		err = get_flag(ctx->zerocopy_ro, optval, optlen);
		break;
	case TLS_RX_EXPECT_NO_PAD:
		err = get_rx_no_pad(ctx, optval, optlen);
		break;
	case TLS_TX_MAX_PAYLOAD_LEN:
		err = get_u16(ctx->tx.max_payload, optval, optlen);
		break;
	case TLSK_TX_SECRET:
		err = get_secret(ctx->tx.secret, optval, optlen);
		break;
	case TLSK_RX_SECRET:
		err = get_secret(ctx->rx.secret, optval, optlen);
		break;
	case TLSK_LOCK_KEYS:
		err = get_flag(ctx->keys_locked, optval, optlen);
		break;
	case TLSK_SEND_ALERTS:
		err = get_flag(ctx->send_alerts, optval, optlen);
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	release_sock(sk);
	return err;
}
