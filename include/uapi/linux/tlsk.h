/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tlsk: kernel TLS record layer, userspace handshake.
 *
 * The socket API of tlsk is the kernel kTLS API of <linux/tls.h>: SOL_TLS,
 * TLS_TX/TLS_RX with struct tls12_crypto_info_*, and the record type cmsgs.
 * A program written for kTLS switches to tlsk by attaching the TCP upper
 * layer protocol TLSK_ULP_NAME instead of "tls":
 *
 *	setsockopt(fd, IPPROTO_TCP, TCP_ULP, TLSK_ULP_NAME, sizeof(TLSK_ULP_NAME));
 *
 * This header holds what tlsk adds on top of that API, and is the whole ABI
 * shared by tlsk.ko, libtlsk, tlskd and tlskctl.
 *
 * Generic netlink family TLSK_GENL_NAME ("tlsk"), per network namespace.
 * docs/netlink/tlsk.yaml is the same ABI as a YNL spec. Integers are in
 * host byte order, ports included; addresses are in network byte order.
 *
 *   TLSK_CMD_STATS_GET (do, anyone; the request carries no attributes)
 *     TLSK_A_STATS                    nest: the counters of /proc/net/tlsk_stat
 *       TLSK_A_STATS_CURR_TX_SW       u64  ... one u64 per counter, below
 *
 *   TLSK_CMD_SOCK_GET (dump; CAP_NET_ADMIN sees every tlsk socket of the
 *   namespace, others only the sockets of their own uid)
 *     request, optional:
 *     TLSK_A_SOCK                     nest: filter
 *       TLSK_A_SOCK_FAMILY            u16  AF_INET or AF_INET6 only
 *       TLSK_A_SOCK_COOKIE            u64  this socket only
 *     reply, one message per socket:
 *     TLSK_A_SOCK                     nest
 *       TLSK_A_SOCK_FAMILY            u16  AF_INET, AF_INET6
 *       TLSK_A_SOCK_SADDR             binary, 4 or 16 bytes
 *       TLSK_A_SOCK_DADDR             binary, 4 or 16 bytes
 *       TLSK_A_SOCK_SPORT             u16
 *       TLSK_A_SOCK_DPORT             u16
 *       TLSK_A_SOCK_INODE             u64  as in /proc/net/tcp and ss -e
 *       TLSK_A_SOCK_COOKIE            u64  SO_COOKIE, ss -e's sk:
 *       TLSK_A_SOCK_UID               u32  in the namespace's user namespace
 *       TLSK_A_SOCK_VERSION           u16  TLS_1_2_VERSION, TLS_1_3_VERSION;
 *                                          absent before the first key
 *       TLSK_A_SOCK_CIPHER            u16  TLS_CIPHER_*; with VERSION
 *       TLSK_A_SOCK_TX                nest, present once TX keys are in
 *         TLSK_A_DIR_RECORDS          u64  records sealed
 *         TLSK_A_DIR_BYTES            u64  plaintext bytes in them
 *         TLSK_A_DIR_SEQ              u64  sequence number of the next record
 *         TLSK_A_DIR_KEYS             u32  keys installed (2 after a rekey)
 *         TLSK_A_DIR_MEM              u32  bytes held now for records in
 *                                          flight (record buffer, scratch);
 *                                          0 on an idle socket
 *       TLSK_A_SOCK_RX                nest, present once RX keys are in;
 *                                          as TX, for records opened
 *       TLSK_A_SOCK_ERROR             u32  the errno that stopped the record
 *                                          stream (EBADMSG, EMSGSIZE, ...);
 *                                          absent while healthy
 *       TLSK_A_SOCK_BUSY              flag the socket's owner held its lock
 *                                          through the dump's short wait:
 *                                          only the attributes up to UID
 *
 *   Multicast group TLSK_MCGRP_EVENTS ("events"; joining needs
 *   CAP_NET_ADMIN in the namespace's user namespace). Every event carries
 *   the socket as TLSK_A_SOCK (as in the dump):
 *     TLSK_CMD_DECRYPT_ERROR_NTF      a record failed to open; the stream
 *                                     is dead (TLSK_A_SOCK_ERROR says why)
 *     TLSK_CMD_ALERT_RECEIVED_NTF     the peer sent an alert record
 *       TLSK_A_PEER_ALERT             nest
 *         TLSK_A_ALERT_LEVEL          u8   1 warning, 2 fatal
 *         TLSK_A_ALERT_DESCRIPTION    u8   RFC 8446 6 AlertDescription
 *     TLSK_CMD_KEY_UPDATE_RECEIVED_NTF
 *                                     a TLS 1.3 KeyUpdate was read; reads
 *                                     answer EKEYEXPIRED until new RX keys
 *     TLSK_CMD_SEQ_NEAR_LIMIT_NTF     a key has protected 7/8 of the records
 *                                     it may (RFC 8446 5.5); once per key
 *       TLSK_A_DIRECTION              u8   TLSK_DIRECTION_TX or _RX
 *       TLSK_A_RECORD_LIMIT           u64  records the key may protect
 *
 * The *_PAD attributes only align the u64 ones that follow them, on
 * architectures that need it; skip them. A request with an attribute its
 * command does not take, of the wrong size, or out of range is refused
 * with EINVAL and an extended ack naming the attribute (for SOCK_GET's
 * filter values, in the dump's NLMSG_DONE).
 */
#ifndef _UAPI_LINUX_TLSK_H
#define _UAPI_LINUX_TLSK_H

#include <linux/types.h>

/* Name of the TCP upper layer protocol registered by tlsk.ko. */
#define TLSK_ULP_NAME		"tlsk"

#define TLSK_GENL_NAME		"tlsk"
#define TLSK_GENL_VERSION	1
#define TLSK_MCGRP_EVENTS	"events"

enum tlsk_cmd {
	TLSK_CMD_UNSPEC,
	TLSK_CMD_STATS_GET,
	TLSK_CMD_SOCK_GET,
	TLSK_CMD_DECRYPT_ERROR_NTF,
	TLSK_CMD_ALERT_RECEIVED_NTF,
	TLSK_CMD_KEY_UPDATE_RECEIVED_NTF,
	TLSK_CMD_SEQ_NEAR_LIMIT_NTF,

	__TLSK_CMD_LAST,
	TLSK_CMD_MAX = __TLSK_CMD_LAST - 1
};

enum tlsk_attr {
	TLSK_A_UNSPEC,
	TLSK_A_STATS,
	TLSK_A_SOCK,
	TLSK_A_PEER_ALERT,
	TLSK_A_DIRECTION,
	TLSK_A_RECORD_LIMIT,
	TLSK_A_PAD,

	__TLSK_A_LAST,
	TLSK_A_MAX = __TLSK_A_LAST - 1
};

/* In the order of /proc/net/tlsk_stat. */
enum tlsk_stats_attr {
	TLSK_A_STATS_UNSPEC,
	TLSK_A_STATS_CURR_TX_SW,	/* TlsCurrTxSw */
	TLSK_A_STATS_CURR_RX_SW,	/* TlsCurrRxSw */
	TLSK_A_STATS_TX_SW,		/* TlsTxSw */
	TLSK_A_STATS_RX_SW,		/* TlsRxSw */
	TLSK_A_STATS_DECRYPT_ERROR,	/* TlsDecryptError */
	TLSK_A_STATS_RX_NO_PAD_VIOLATION, /* TlsRxNoPadViolation */
	TLSK_A_STATS_TX_RECORDS,	/* TlskTxRecords */
	TLSK_A_STATS_RX_RECORDS,	/* TlskRxRecords */
	TLSK_A_STATS_RX_BAD_RECORD,	/* TlskRxBadRecord */
	TLSK_A_STATS_TX_REKEY_OK,	/* TlsTxRekeyOk */
	TLSK_A_STATS_RX_REKEY_OK,	/* TlsRxRekeyOk */
	TLSK_A_STATS_TX_REKEY_ERROR,	/* TlsTxRekeyError */
	TLSK_A_STATS_RX_REKEY_ERROR,	/* TlsRxRekeyError */
	TLSK_A_STATS_RX_REKEY_RECEIVED,	/* TlsRxRekeyReceived */
	TLSK_A_STATS_RX_ALERT,		/* TlskRxAlert */
	TLSK_A_STATS_SEQ_NEAR_LIMIT,	/* TlskSeqNearLimit */
	TLSK_A_STATS_PAD,
	TLSK_A_STATS_EVENTS_SUPPRESSED,	/* TlskEventsSuppressed */

	__TLSK_A_STATS_LAST,
	TLSK_A_STATS_MAX = __TLSK_A_STATS_LAST - 1
};

enum tlsk_sock_attr {
	TLSK_A_SOCK_UNSPEC,
	TLSK_A_SOCK_FAMILY,
	TLSK_A_SOCK_SADDR,
	TLSK_A_SOCK_DADDR,
	TLSK_A_SOCK_SPORT,
	TLSK_A_SOCK_DPORT,
	TLSK_A_SOCK_INODE,
	TLSK_A_SOCK_COOKIE,
	TLSK_A_SOCK_UID,
	TLSK_A_SOCK_VERSION,
	TLSK_A_SOCK_CIPHER,
	TLSK_A_SOCK_TX,
	TLSK_A_SOCK_RX,
	TLSK_A_SOCK_ERROR,
	TLSK_A_SOCK_PAD,
	TLSK_A_SOCK_BUSY,

	__TLSK_A_SOCK_LAST,
	TLSK_A_SOCK_MAX = __TLSK_A_SOCK_LAST - 1
};

enum tlsk_dir_attr {
	TLSK_A_DIR_UNSPEC,
	TLSK_A_DIR_RECORDS,
	TLSK_A_DIR_BYTES,
	TLSK_A_DIR_SEQ,
	TLSK_A_DIR_KEYS,
	TLSK_A_DIR_PAD,
	TLSK_A_DIR_MEM,

	__TLSK_A_DIR_LAST,
	TLSK_A_DIR_MAX = __TLSK_A_DIR_LAST - 1
};

/* TLSK_A_DIRECTION */
enum tlsk_event_direction {
	TLSK_DIRECTION_TX = 1,
	TLSK_DIRECTION_RX = 2,
};

enum tlsk_alert_attr {
	TLSK_A_ALERT_UNSPEC,
	TLSK_A_ALERT_LEVEL,
	TLSK_A_ALERT_DESCRIPTION,

	__TLSK_A_ALERT_LAST,
	TLSK_A_ALERT_MAX = __TLSK_A_ALERT_LAST - 1
};

/*
 * The record size limit of kTLS from 6.19 on (RFC 8449), which tlsk has on
 * every kernel: setsockopt(fd, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, &u16, 2),
 * 64 to 16384 plaintext bytes per TX record (TLS 1.3's inner content
 * type not counted). Older <linux/tls.h> lack the number.
 */
#ifndef TLS_TX_MAX_PAYLOAD_LEN
#define TLS_TX_MAX_PAYLOAD_LEN	5
#endif

/*
 * Automatic TLS 1.3 rekey: SOL_TLS options of tlsk's own.
 *
 * <linux/tls.h> numbers its options from 1 upwards (TLS_TX 1, TLS_RX 2,
 * TLS_TX_ZEROCOPY_RO 3, TLS_RX_EXPECT_NO_PAD 4, and later kernels add the
 * next small numbers); tlsk's start at TLSK_SOCKOPT_BASE ("tl\0\0"), far
 * above anything the kernel will reach. On in-tree "tls" they answer
 * ENOPROTOOPT.
 *
 *   setsockopt(fd, SOL_TLS, TLSK_TX_SECRET, &s, sizeof(s))
 *
 * hands tlsk the TLS 1.3 traffic secret of the key in use for that
 * direction (RFC 8446 7.1: client/server_application_traffic_secret_N),
 * after that direction's TLS_TX / TLS_RX. tlsk checks that the secret
 * derives exactly the installed key and IV (7.3) and from then on derives
 * every next key itself (7.2, "traffic upd"): RX installs the peer's next
 * key when it opens a KeyUpdate, TX sends KeyUpdate and switches when the
 * peer asks for it (update_requested) or when its key nears its record
 * limit. getsockopt answers the same struct with the secret zeroed
 * (hash 0 while none is set): it never returns a secret.
 */
#define TLSK_SOCKOPT_BASE	0x746c0000
#define TLSK_TX_SECRET		(TLSK_SOCKOPT_BASE + 1)
#define TLSK_RX_SECRET		(TLSK_SOCKOPT_BASE + 2)

/*
 * Key lock: an int, 1 locks, for good.
 *
 *   int one = 1;
 *   setsockopt(fd, SOL_TLS, TLSK_LOCK_KEYS, &one, sizeof(one))
 *
 * is what tlskd does right after attaching the ULP, before any key, and
 * then hands the socket back: whoever holds the fd afterwards cannot read
 * the keys nor replace them. On a locked socket
 *  - getsockopt TLS_TX / TLS_RX answers version, cipher and rec_seq as
 *    before, with key, salt and IV all zero;
 *  - TLS_TX / TLS_RX that would replace a direction's key, and
 *    TLSK_TX_SECRET / TLSK_RX_SECRET that would replace its secret,
 *    answer EPERM (the first key and the first secret of a direction go
 *    in, so the lock can come before them); tlsk's own automatic rekey
 *    goes on;
 *  - setting 0 answers EPERM (on an unlocked socket it is a no-op).
 * getsockopt answers 0 or 1. Another number after TLSK_RX_SECRET, in
 * tlsk's range (see above); in-tree "tls" answers ENOPROTOOPT.
 */
#define TLSK_LOCK_KEYS		(TLSK_SOCKOPT_BASE + 3)

/*
 * Fatal alerts from the kernel: an int, 1 on, 0 off (the default, which
 * is in-tree kTLS's behaviour).
 *
 *   int one = 1;
 *   setsockopt(fd, SOL_TLS, TLSK_SEND_ALERTS, &one, sizeof(one))
 *
 * With it, when a record from the peer stops RX, tlsk.ko seals and sends
 * the fatal alert RFC 8446 6 (and RFC 5246 7.2) asks for, with the TX key,
 * after whatever was sealed or taken for sending before:
 *   bad_record_mac      a record that fails authentication
 *   record_overflow     a record longer than 2^14 bytes of plaintext
 *                       (its ciphertext over what the cipher allows)
 *   protocol_version    a record header with another version than 3,3
 *   unexpected_message  a record of a type other than alert, handshake or
 *                       application data (ChangeCipherSpec after the
 *                       handshake, heartbeat, 0, unknown), in TLS 1.3 an
 *                       outer type other than application data or no
 *                       content type at all, an empty alert or handshake
 *                       record, a fifth warning alert in a row with no
 *                       application data between, a key change inside a
 *                       record or handshake message
 *   decode_error        an alert record that is not two bytes, a KeyUpdate
 *                       whose length is not 1
 *   illegal_parameter   an alert level other than 1 or 2, a KeyUpdate
 *                       request other than 0 or 1
 *   internal_error      the peer's next key could not be derived
 * The reader gets the errno it gets without the option (EBADMSG, EMSGSIZE,
 * EINVAL, ENOKEY; see docs/kernel.md), and the checks in the list that
 * kTLS leaves to the reader (record types, alert records, the warning
 * count) apply only with the option on. From the failure on, sends answer
 * that errno: after a fatal alert nothing more goes out. Nothing is sent
 * without a TX key, nor after a failed TX rekey. getsockopt answers 0 or
 * 1. In-tree "tls" answers ENOPROTOOPT: there the application sends the
 * alert itself (a record of type 21 through TLS_SET_RECORD_TYPE).
 */
#define TLSK_SEND_ALERTS	(TLSK_SOCKOPT_BASE + 4)

#define TLSK_SECRET_VERSION_1	1
/* struct tlsk_secret.hash: the cipher suite's hash (RFC 8446 B.4). */
#define TLSK_HASH_SHA256	1	/* AES-128-GCM, AES-128-CCM, ChaCha20 */
#define TLSK_HASH_SHA384	2	/* AES-256-GCM */
#define TLSK_SECRET_MAX		48

struct tlsk_secret {
	__u16 version;		/* TLSK_SECRET_VERSION_1 */
	__u16 hash;		/* TLSK_HASH_* of the installed cipher */
	__u16 secret_len;	/* 32 for SHA-256, 48 for SHA-384 */
	__u16 reserved;		/* 0 */
	__u8 secret[TLSK_SECRET_MAX];	/* secret_len bytes, then zeros */
};

#endif /* _UAPI_LINUX_TLSK_H */
