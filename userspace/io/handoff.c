// SPDX-License-Identifier: MIT
/*
 * Kernel hand-off: struct tlsk_traffic_keys -> struct tls12_crypto_info_*,
 * ULP selection ("tlsk", then "tls", then the userspace record layer) and
 * the struct tlsk_conn front end that hides which one carries the data.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <linux/tlsk.h>

#include "conn.h"
#include "tlsk/aead.h"
#include "tlsk/handoff.h"

const char *tlsk_ulp_name(enum tlsk_ulp ulp)
{
	switch (ulp) {
	case TLSK_ULP_TLSK:
		return "tlsk";
	case TLSK_ULP_TLS:
		return "tls";
	case TLSK_ULP_USER:
		break;
	}
	return "user";
}

int tlsk_crypto_info_build(const struct tlsk_traffic_keys *keys,
			   union tlsk_crypto_info *ci)
{
	const struct tlsk_aead_desc *d = tlsk_aead_for_keys(keys);
	uint8_t nonce[TLSK_AEAD_NONCE_LEN], *base = (uint8_t *)ci;
	uint64_t seq = keys->seq;

	if (!d)
		return -EINVAL;
	memset(ci, 0, sizeof(*ci));
	ci->info.version = keys->version;
	ci->info.cipher_type = d->kernel_cipher;
	/* The kernel's nonce is salt || iv, whatever the version. */
	tlsk_aead_nonce_base(keys, nonce);
	memcpy(base + d->info_salt_off, nonce, d->info_salt_len);
	memcpy(base + d->info_iv_off, nonce + d->info_salt_len,
	       d->info_iv_len);
	memcpy(base + d->info_key_off, keys->key, d->key_len);
	for (size_t i = d->info_rec_seq_len; i-- > 0; seq >>= 8)
		base[d->info_rec_seq_off + i] = (uint8_t)seq;
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return (int)d->info_size;
}

/*
 * A ULP the kernel does not have (setsockopt(TCP_ULP) answered ENOENT) is
 * believed absent for ULP_ABSENT_NS, process-wide. Asking again costs a
 * failing system call per hand-off and, in a process with CAP_NET_ADMIN
 * (tlskd run as root), the kernel's request_module(): a modprobe run for
 * every connection. A module loaded meanwhile is used from the first
 * hand-off after that second.
 */
#define ULP_ABSENT_NS	1000000000LL

static _Atomic long long ulp_absent_until[2];	/* CLOCK_MONOTONIC, ns */

static long long now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Tries the kernel record layers the flags allow, best first. */
static int attach_ulp(int fd, unsigned int flags)
{
	static const struct {
		enum tlsk_ulp ulp;
		const char *name;
		unsigned int skip_flag;
	} order[] = {
		{ TLSK_ULP_TLSK, "tlsk", TLSK_HANDOFF_NO_TLSK },
		{ TLSK_ULP_TLS, "tls", TLSK_HANDOFF_NO_TLS },
	};
	long long now = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (flags & order[i].skip_flag)
			continue;
		if (atomic_load_explicit(&ulp_absent_until[i],
					 memory_order_relaxed)) {
			if (!now)
				now = now_ns();
			if (now < atomic_load_explicit(&ulp_absent_until[i],
						       memory_order_relaxed))
				continue;
		}
		/* A failed attach leaves the socket as it was. */
		if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, order[i].name,
			       (socklen_t)strlen(order[i].name)) == 0) {
			if (now)	/* it was absent, and is here now */
				atomic_store_explicit(&ulp_absent_until[i], 0,
						      memory_order_relaxed);
			return (int)order[i].ulp;
		}
		if (errno == ENOENT)
			atomic_store_explicit(&ulp_absent_until[i],
					      now_ns() + ULP_ABSENT_NS,
					      memory_order_relaxed);
	}
	return -ENOPROTOOPT;
}

static int install_keys(int fd, int optname,
			const struct tlsk_traffic_keys *keys)
{
	union tlsk_crypto_info ci;
	int len = tlsk_crypto_info_build(keys, &ci), err = 0;

	if (len < 0)
		return len;
	if (setsockopt(fd, SOL_TLS, optname, &ci, (socklen_t)len))
		err = -errno;
	OPENSSL_cleanse(&ci, sizeof(ci));
	return err;
}

/* TLSK_TX_SECRET / TLSK_RX_SECRET: the keys' TLS 1.3 traffic secret. */
static int install_secret(int fd, int optname,
			  const struct tlsk_traffic_keys *keys)
{
	struct tlsk_secret s;
	int err = 0;

	if (keys->secret_len != 32 && keys->secret_len != 48)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	s.version = TLSK_SECRET_VERSION_1;
	s.hash = keys->secret_len == 48 ? TLSK_HASH_SHA384 : TLSK_HASH_SHA256;
	s.secret_len = (uint16_t)keys->secret_len;
	memcpy(s.secret, keys->secret, keys->secret_len);
	if (setsockopt(fd, SOL_TLS, optname, &s, sizeof(s)))
		err = -errno;
	OPENSSL_cleanse(&s, sizeof(s));
	return err;
}

/*
 * Best effort: without the secrets the socket works in manual mode (a
 * KeyUpdate stops RX until new keys come), as before the option existed.
 * A tlsk.ko without the option refuses the first one (ENOPROTOOPT) and
 * the second is not tried.
 */
static void install_secrets(int fd, const struct tlsk_traffic_keys *tx,
			    const struct tlsk_traffic_keys *rx)
{
	if (tx->version != 0x0304 || rx->version != 0x0304)
		return;
	if (install_secret(fd, TLSK_TX_SECRET, tx))
		return;
	install_secret(fd, TLSK_RX_SECRET, rx);
}

/* Best effort: an older tlsk.ko answers ENOPROTOOPT, and sends none. */
static void send_alerts(int fd)
{
	int one = 1;

	(void)setsockopt(fd, SOL_TLS, TLSK_SEND_ALERTS, &one, sizeof(one));
}

/*
 * Before the keys, so that there is no moment in which another holder of
 * the fd (the service, while tlskd installs) could read them.
 */
static int lock_keys(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_TLS, TLSK_LOCK_KEYS, &one, sizeof(one)) ?
	       -errno : 0;
}

/*
 * TX first: until TLS_TX succeeds a kTLS socket still passes bytes through
 * untouched, so a kernel that refuses the cipher (or, on "tlsk", the lock)
 * can fall back to the userspace record layer. Once TX is kernel-owned, RX
 * must be as well.
 */
int tlsk_kernel_install(int fd, const struct tlsk_traffic_keys *tx,
			const struct tlsk_traffic_keys *rx, unsigned int flags)
{
	int ulp = attach_ulp(fd, flags), err = 0;

	if (ulp < 0)
		return ulp;
	if (ulp == TLSK_ULP_TLSK && (flags & TLSK_HANDOFF_LOCK_KEYS))
		err = lock_keys(fd);
	if (!err)
		err = install_keys(fd, TLS_TX, tx);
	if (err)
		return (flags & TLSK_HANDOFF_NO_USER) ? err : -ENOPROTOOPT;
	err = install_keys(fd, TLS_RX, rx);
	if (err)	/* not -ENOPROTOOPT: TX is the kernel's now */
		return err == -ENOPROTOOPT ? -EPROTO : err;
	if (ulp == TLSK_ULP_TLSK && (flags & TLSK_HANDOFF_KERNEL_REKEY))
		install_secrets(fd, tx, rx);
	if (ulp == TLSK_ULP_TLSK && (flags & TLSK_HANDOFF_SEND_ALERTS))
		send_alerts(fd);
	return ulp;
}

static int handoff_kernel(struct tlsk_conn *c, unsigned int flags)
{
	int ulp = tlsk_kernel_install(c->fd, &c->tx_keys, &c->rx_keys, flags);

	if (ulp < 0)
		return ulp;
	c->ulp = (enum tlsk_ulp)ulp;
	return 0;
}

static int handoff_user(struct tlsk_conn *c)
{
	c->tx = tlsk_record_new(&c->tx_keys, 1);
	c->rx = tlsk_record_new(&c->rx_keys, 0);
	if (!c->tx || !c->rx)
		return -ENOMEM;
	c->ulp = TLSK_ULP_USER;
	return 0;
}

static void conn_free(struct tlsk_conn *c)
{
	tlsk_record_free(c->tx);
	tlsk_record_free(c->rx);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

int tlsk_conn_handoff(int fd, const struct tlsk_traffic_keys *tx,
		      const struct tlsk_traffic_keys *rx, unsigned int flags,
		      struct tlsk_conn **connp)
{
	struct tlsk_conn *c;
	int err;

	*connp = NULL;
	if (!tlsk_aead_for_keys(tx) || !tlsk_aead_for_keys(rx))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->alert = -1;
	c->alert_sent = -1;
	c->tx_keys = *tx;
	c->rx_keys = *rx;
	err = handoff_kernel(c, flags);
	if (err == -ENOPROTOOPT && !(flags & TLSK_HANDOFF_NO_USER))
		err = handoff_user(c);
	if (err) {
		conn_free(c);
		return err;
	}
	*connp = c;
	return 0;
}

ssize_t tlsk_conn_read(struct tlsk_conn *c, void *buf, size_t len)
{
	if (c->err)
		return c->err;
	if (c->eof)
		return 0;
	if (c->ulp == TLSK_ULP_USER)
		return conn_user_read(c, buf, len);
	return conn_kernel_read(c, buf, len);
}

ssize_t tlsk_conn_write(struct tlsk_conn *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->err)
		return c->err;
	if (c->ulp == TLSK_ULP_USER)
		return conn_user_write(c, buf, len);
	n = send(c->fd, buf, len, MSG_NOSIGNAL | c->io_flags);
	return n < 0 ? -errno : n;
}

int tlsk_conn_flush(struct tlsk_conn *c)
{
	return c->ulp == TLSK_ULP_USER ? (int)conn_user_write(c, NULL, 0) : 0;
}

/* RFC 8446 6.1: close_notify before closing the write side. */
static int send_close_notify(struct tlsk_conn *c)
{
	static const uint8_t close_notify[2] = {
		TLSK_ALERT_LEVEL_WARNING, TLSK_ALERT_CLOSE_NOTIFY
	};
	int err = 0;

	if (!c->err && !c->closed)
		err = conn_send_control(c, TLSK_CT_ALERT, close_notify,
					sizeof(close_notify));
	else if (c->ulp == TLSK_ULP_USER)	/* the fatal alert, if queued */
		conn_user_flush_final(c);
	c->closed = 1;
	shutdown(c->fd, SHUT_WR);
	return err;
}

/*
 * Throws away what the peer sends until its EOF or the deadline, so that
 * the close that follows does not meet unread bytes (which TCP answers
 * with a reset that destroys what the peer has not read yet).
 */
static void drain_until_eof(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t scratch[4096];

	for (;;) {
		ssize_t n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
		if (n < 0 && poll(&p, 1, timeout_ms) <= 0)
			return;
	}
}

int tlsk_conn_close_write(struct tlsk_conn *c)
{
	return send_close_notify(c);
}

int tlsk_conn_shutdown(struct tlsk_conn *c, int timeout_ms)
{
	int err = send_close_notify(c);

	drain_until_eof(c->fd, timeout_ms);
	return err;
}

/* Before a close: close_notify, and what already arrived at least must not
 * turn into a reset. The error of the close_notify. */
static int wind_down(struct tlsk_conn *c)
{
	int err = send_close_notify(c);

	drain_until_eof(c->fd, 0);
	return err;
}

int tlsk_conn_release(struct tlsk_conn *c)
{
	int fd = c->fd;

	(void)wind_down(c);
	conn_free(c);
	return fd;
}

int tlsk_conn_abandon(struct tlsk_conn *c)
{
	int fd = c->fd;

	conn_free(c);
	return fd;
}

int tlsk_conn_close(struct tlsk_conn *c)
{
	int err;

	if (!c)
		return 0;
	err = wind_down(c);
	if (close(c->fd) && !err)
		err = -errno;
	conn_free(c);
	return err;
}

void tlsk_conn_set_dontwait(struct tlsk_conn *c)
{
	c->io_flags = MSG_DONTWAIT;
}

int tlsk_conn_fd(const struct tlsk_conn *c)
{
	return c->fd;
}

enum tlsk_ulp tlsk_conn_ulp(const struct tlsk_conn *c)
{
	return c->ulp;
}

int tlsk_conn_alert(const struct tlsk_conn *c)
{
	return c->alert;
}

int tlsk_conn_alert_sent(const struct tlsk_conn *c)
{
	return c->alert_sent;
}

void tlsk_conn_on_handshake(struct tlsk_conn *c, tlsk_conn_handshake_fn *cb,
			    void *arg)
{
	c->on_handshake = cb;
	c->on_handshake_arg = arg;
}

int tlsk_conn_send_alert(struct tlsk_conn *c, uint8_t desc)
{
	const uint8_t alert[2] = { TLSK_ALERT_LEVEL_FATAL, desc };
	int err = c->err ? 0 : conn_send_control(c, TLSK_CT_ALERT, alert,
						 sizeof(alert));

	if (!c->err) {
		c->alert_sent = desc;
		c->err = -ECONNABORTED;
	}
	return err;
}

int tlsk_conn_send_warning(struct tlsk_conn *c, uint8_t desc)
{
	const uint8_t alert[2] = { TLSK_ALERT_LEVEL_WARNING, desc };

	if (c->err)
		return c->err;
	return conn_send_control(c, TLSK_CT_ALERT, alert, sizeof(alert));
}

int tlsk_conn_send_handshake(struct tlsk_conn *c, const uint8_t *msg,
			     size_t len)
{
	if (c->err)
		return c->err;
	if (len > TLSK_RECORD_MAX_PLAINTEXT)
		return -EMSGSIZE;
	return conn_send_control(c, TLSK_CT_HANDSHAKE, msg, len);
}

static struct tlsk_traffic_keys *keys_of(struct tlsk_conn *c,
					 enum tlsk_direction dir)
{
	return dir == TLSK_DIR_TX ? &c->tx_keys : &c->rx_keys;
}

static int rekey_user(struct tlsk_conn *c, enum tlsk_direction dir,
		      const struct tlsk_traffic_keys *keys)
{
	struct tlsk_record **slot = dir == TLSK_DIR_TX ? &c->tx : &c->rx;
	struct tlsk_record *next = tlsk_record_new(keys, dir == TLSK_DIR_TX);

	if (!next)
		return -errno;
	tlsk_record_free(*slot);
	*slot = next;
	return 0;
}

int tlsk_conn_rekey(struct tlsk_conn *c, enum tlsk_direction dir,
		    const struct tlsk_traffic_keys *keys)
{
	int err;

	if (!tlsk_aead_for_keys(keys))
		return -EINVAL;
	if (c->ulp == TLSK_ULP_USER)
		err = rekey_user(c, dir, keys);
	else
		err = install_keys(c->fd, dir == TLSK_DIR_TX ? TLS_TX : TLS_RX,
				   keys);
	if (!err)
		*keys_of(c, dir) = *keys;
	return err;
}

const struct tlsk_traffic_keys *tlsk_conn_keys(const struct tlsk_conn *c,
					       enum tlsk_direction dir)
{
	return dir == TLSK_DIR_TX ? &c->tx_keys : &c->rx_keys;
}
