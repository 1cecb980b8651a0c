/* SPDX-License-Identifier: MIT */
/*
 * Kernel hand-off: after the handshake, the negotiated traffic keys go to a
 * record layer and the caller gets a struct tlsk_conn to read and write
 * application data, whichever record layer carries it:
 *
 *   1. TCP ULP "tlsk" (tlsk.ko), TLS_TX and TLS_RX via <linux/tls.h>;
 *   2. else the in-tree ULP "tls" with the same crypto_info;
 *   3. else libtlsk's userspace record layer (record.h) on the same fd.
 *
 * In cases 1 and 2 the fd is a kTLS socket: the caller may equally use
 * read()/write()/sendfile() on tlsk_conn_fd() directly. Every copy of key
 * material made here (struct tls12_crypto_info_*, record contexts) is
 * scrubbed with OPENSSL_cleanse on every path; the caller scrubs its own
 * struct tlsk_traffic_keys.
 */
#ifndef TLSK_HANDOFF_H
#define TLSK_HANDOFF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/tls.h>

#include "keys.h"

enum tlsk_ulp {
	TLSK_ULP_USER,		/* userspace record layer */
	TLSK_ULP_TLS,		/* in-tree kTLS */
	TLSK_ULP_TLSK,		/* tlsk.ko */
};

/* "user", "tls", "tlsk" */
const char *tlsk_ulp_name(enum tlsk_ulp ulp);

/* Any of the kernel's crypto_info layouts for the ciphers tlsk carries. */
union tlsk_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 aes_gcm_128;
	struct tls12_crypto_info_aes_gcm_256 aes_gcm_256;
	struct tls12_crypto_info_chacha20_poly1305 chacha20_poly1305;
	struct tls12_crypto_info_aes_ccm_128 aes_ccm_128;
};

/*
 * Fills *ci from keys for setsockopt(SOL_TLS, TLS_TX/TLS_RX) and returns
 * the option length, or -EINVAL for inconsistent keys. TLS 1.3 GCM/CCM:
 * salt = iv[0..4), iv = iv[4..12); TLS 1.2 GCM/CCM: salt = the 4-byte
 * implicit IV, iv = the first explicit nonce (= seq, big-endian);
 * ChaCha20-Poly1305: iv = the 12-byte IV. rec_seq = seq, big-endian.
 * The caller MUST OPENSSL_cleanse(ci) after use.
 */
int tlsk_crypto_info_build(const struct tlsk_traffic_keys *keys,
			   union tlsk_crypto_info *ci);

/* Hand-off policy flags. */
#define TLSK_HANDOFF_NO_TLSK	0x1	/* skip "tlsk" (cross tests) */
#define TLSK_HANDOFF_NO_TLS	0x2	/* skip the in-tree "tls" */
#define TLSK_HANDOFF_NO_USER	0x4	/* fail rather than use userspace */
#define TLSK_HANDOFF_USER_ONLY	(TLSK_HANDOFF_NO_TLSK | TLSK_HANDOFF_NO_TLS)
/*
 * On "tlsk" with TLS 1.3 keys, also hand over both traffic secrets
 * (TLSK_TX_SECRET, TLSK_RX_SECRET): tlsk.ko then follows the peer's
 * KeyUpdate, answers update_requested and rekeys TX before the record
 * limit by itself (docs/kernel.md, "Automatic rekey"). Ignored on "tls"
 * (no such option), on TLS 1.2 and on the userspace record layer. A
 * tlsk.ko that refuses the secrets (one older than the option) leaves the
 * socket in manual mode; the hand-off still succeeds.
 */
#define TLSK_HANDOFF_KERNEL_REKEY 0x8
/*
 * On "tlsk", lock the socket's keys (TLSK_LOCK_KEYS) right after attaching
 * the ULP, before any key goes in: from then on getsockopt(TLS_TX/TLS_RX)
 * shows whoever holds the fd version, cipher and rec_seq with key, salt
 * and IV zeroed, and the keys and secrets cannot be replaced (EPERM, so
 * tlsk_conn_rekey() fails on such a socket; tlsk.ko's own automatic rekey
 * goes on). For hand-offs that give the fd away: tlskd and
 * tlsk_handshake_local() set it. A tlsk.ko that refuses the lock (one
 * older than the option) is treated as no kernel record layer: the
 * socket is still plain TCP (-ENOPROTOOPT, or with TLSK_HANDOFF_NO_USER
 * the kernel's errno), never keyed with readable keys. In-tree "tls" has
 * no lock: there the fd holder can read the keys.
 */
#define TLSK_HANDOFF_LOCK_KEYS	0x10
/*
 * On "tlsk", turn on TLSK_SEND_ALERTS: when a record from the peer stops
 * RX, tlsk.ko seals and sends the fatal alert the RFCs ask for itself
 * (bad_record_mac, record_overflow, unexpected_message...), and checks
 * record types and alert records as a TLS stack does. tlskd and
 * tlsk_handshake_local() set it. Best effort: a tlsk.ko older than the
 * option leaves it off, and the hand-off still succeeds. In-tree "tls"
 * has no such mode: the application sends the alert itself (a record of
 * type 21 through TLS_SET_RECORD_TYPE).
 */
#define TLSK_HANDOFF_SEND_ALERTS 0x20

struct tlsk_conn;

/*
 * The kernel half of the hand-off alone, for callers that give the fd
 * away afterwards (tlskd returns it to the service): attach "tlsk", else
 * "tls" (as flags allow), with TLSK_HANDOFF_LOCK_KEYS lock "tlsk"'s keys,
 * then TLS_TX and TLS_RX (and with TLSK_HANDOFF_KERNEL_REKEY the traffic
 * secrets). Returns the enum
 * tlsk_ulp used, -ENOPROTOOPT when no kernel record layer took the keys
 * (the socket is still plain TCP; with TLSK_HANDOFF_NO_USER a refused
 * TLS_TX returns the kernel's errno instead), or the error of TLS_RX once
 * TX is installed (the socket is unusable then).
 */
int tlsk_kernel_install(int fd, const struct tlsk_traffic_keys *tx,
			const struct tlsk_traffic_keys *rx, unsigned int flags);

/*
 * Installs tx and rx on the connected TCP socket fd and returns a
 * connection that owns fd. Returns 0, or a negative errno with fd still
 * the caller's: -EINVAL (keys), -ENOPROTOOPT (no record layer allowed by
 * flags was available), or the kernel's error for TLS_TX/TLS_RX once a
 * ULP is attached (the socket is unusable then).
 */
int tlsk_conn_handoff(int fd, const struct tlsk_traffic_keys *tx,
		      const struct tlsk_traffic_keys *rx, unsigned int flags,
		      struct tlsk_conn **connp);

/*
 * Reads application data: bytes read, 0 at the peer's close_notify, or a
 * negative errno: -EAGAIN (non-blocking fd), -EBADMSG (bad_record_mac,
 * or a malformed or empty alert), -EMSGSIZE (record_overflow), -EPROTO
 * (a record type not allowed after the handshake: unexpected_message),
 * -EPROTONOSUPPORT (wrong record version), -ECONNRESET (peer sent a fatal
 * alert or closed without close_notify; tlsk_conn_alert() tells which
 * alert). A failing record of the peer is answered with the fatal alert
 * of RFC 8446 6.2 before the error is returned (tlsk_conn_alert_sent()):
 * the userspace record layer seals it; on a kernel socket it is sent with
 * TLS_SET_RECORD_TYPE unless tlsk.ko sent it itself (TLSK_SEND_ALERTS).
 * Warning alerts: TLS 1.2 ones other than close_notify, and TLS 1.3
 * user_canceled, are skipped, but TLSK_CONN_MAX_WARNINGS of them in a row
 * without application data in between end the connection with
 * unexpected_message (a flood of warnings, the "SSL death alert").
 * On a non-blocking fd with the userspace record layer, -EAGAIN also comes
 * after TLSK_CONN_READ_RECORDS records without application data (say, a
 * stream of NewSessionTickets) even if more are queued: the socket stays
 * readable, so a level-triggered poll returns at once, after the caller's
 * other descriptors had their turn.
 */
#define TLSK_CONN_READ_RECORDS	16
#define TLSK_CONN_MAX_WARNINGS	4
ssize_t tlsk_conn_read(struct tlsk_conn *c, void *buf, size_t len);
/* Writes application data: bytes accepted or a negative errno. On the
 * userspace record layer a record that could not be sent whole stays
 * queued; tlsk_conn_flush() (or the next write) sends the rest. */
ssize_t tlsk_conn_write(struct tlsk_conn *c, const void *buf, size_t len);
int tlsk_conn_flush(struct tlsk_conn *c);
/*
 * Sends close_notify, half-closes, and waits up to timeout_ms for the
 * peer to finish (its close_notify or EOF), discarding what it sends. A
 * server that closes right after its last write should call this first:
 * closing with unread bytes makes TCP reset the connection, and the reset
 * destroys the last records the peer has not read yet.
 */
int tlsk_conn_shutdown(struct tlsk_conn *c, int timeout_ms);
/* Sends close_notify and half-closes (SHUT_WR), nothing more: reading
 * goes on (RFC 8446 6.1; a TLS 1.2 peer answers with its own close_notify
 * and stops). */
int tlsk_conn_close_write(struct tlsk_conn *c);
/* Sends close_notify unless done (best effort), closes the fd, scrubs
 * and frees. */
int tlsk_conn_close(struct tlsk_conn *c);
/* The same, except that the fd is left open and returned: for a caller
 * that closes it elsewhere (tlskd closes the sockets services passed off
 * its loop's thread, since a close() can linger). */
int tlsk_conn_release(struct tlsk_conn *c);
/* Scrubs and frees without a system call on the fd (no close_notify, no
 * drain), which is left open and returned: for a socket another thread
 * keeps locked (tlskd, stall.c). */
int tlsk_conn_abandon(struct tlsk_conn *c);

int tlsk_conn_fd(const struct tlsk_conn *c);
/*
 * Every later read and write of c is non-blocking (-EAGAIN when the socket
 * has nothing to read or no room), whatever the descriptor's O_NONBLOCK
 * says: another holder of the same open file can clear that flag. For an
 * event loop that must never wait on c (tlskd's relay).
 */
void tlsk_conn_set_dontwait(struct tlsk_conn *c);
enum tlsk_ulp tlsk_conn_ulp(const struct tlsk_conn *c);
/*
 * After a read on a kernel TLS socket (tlsk or tls ULP, keys in the
 * kernel) failed with err (negative errno), tells the peer why as RFC
 * 8446 6.2 asks: -EBADMSG bad_record_mac, -EMSGSIZE record_overflow,
 * sealed by the kernel on request (TLS_SET_RECORD_TYPE 21). On a tlsk
 * socket whose TLSK_SEND_ALERTS option reads 1, tlsk.ko sent it already
 * and nothing more goes out. Returns the alert description, -ENOMSG for
 * an error that is not about a record of the peer, or the send's error.
 */
int tlsk_kernel_send_fatal(int fd, int err);

/* Description of the last alert received, or -1. */
int tlsk_conn_alert(const struct tlsk_conn *c);
/* Description of the fatal alert this end sent (or had tlsk.ko send), or
 * -1. */
int tlsk_conn_alert_sent(const struct tlsk_conn *c);

/*
 * Handshake messages that arrive after the hand-off (TLS 1.3
 * NewSessionTicket, KeyUpdate; RFC 8446 4.6) are reassembled from their
 * records and passed to cb whole: type and body, without the 4-byte
 * header. A negative return becomes the connection's sticky error. Without
 * a callback they are dropped. Messages larger than
 * TLSK_CONN_MAX_HANDSHAKE are refused with -EMSGSIZE.
 */
#define TLSK_CONN_MAX_HANDSHAKE	16384
/*
 * A TLS 1.3 KeyUpdate must end its record (RFC 8446 5.1), and a peer may
 * send at most this many without application data in between: either
 * rule broken is an unexpected_message.
 */
#define TLSK_CONN_MAX_KEY_UPDATES	32
typedef int tlsk_conn_handshake_fn(void *arg, struct tlsk_conn *c,
				   uint8_t type, const uint8_t *body,
				   size_t len);
void tlsk_conn_on_handshake(struct tlsk_conn *c, tlsk_conn_handshake_fn *cb,
			    void *arg);

/* Sends a fatal alert (RFC 8446 6.2) and makes the error sticky. */
int tlsk_conn_send_alert(struct tlsk_conn *c, uint8_t desc);
/* Sends a warning alert; the connection carries on. TLS 1.2 only
 * (RFC 8446 6 has no warnings but close_notify and user_canceled): the
 * engine's answer to a renegotiation request is no_renegotiation (100). */
int tlsk_conn_send_warning(struct tlsk_conn *c, uint8_t desc);

/* Sends one handshake message (header included) as its own record. */
int tlsk_conn_send_handshake(struct tlsk_conn *c, const uint8_t *msg,
			     size_t len);

/*
 * Replaces the keys of one direction (TLS 1.3 KeyUpdate): for the kernel a
 * new TLS_TX/TLS_RX on the socket, for userspace a new record context.
 * The connection keeps a copy (tlsk_conn_keys()) for the next update.
 */
int tlsk_conn_rekey(struct tlsk_conn *c, enum tlsk_direction dir,
		    const struct tlsk_traffic_keys *keys);
const struct tlsk_traffic_keys *tlsk_conn_keys(const struct tlsk_conn *c,
					       enum tlsk_direction dir);

#endif /* TLSK_HANDOFF_H */
