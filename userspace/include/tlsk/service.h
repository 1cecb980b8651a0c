/* SPDX-License-Identifier: MIT */
/*
 * libtlsk service API: a service hands a connected TCP socket to a TLS
 * handshake and gets it back with TLS running underneath.
 *
 *	struct tlsk_params p = { .role = TLSK_ROLE_SERVER, .profile = "web" };
 *	struct tlsk_result r;
 *	if (tlsk_handshake(fd, &p, &r) == 0)
 *		write(fd, "hello", 5);          // TLS on the wire
 *
 * tlsk_handshake() asks tlskd (default socket TLSK_SERVICE_SOCKET) to do
 * the handshake: the fd travels with SCM_RIGHTS, the daemon runs the engine
 * on it and installs the keys in the kernel ("tlsk", else "tls"). When the
 * host has no kernel TLS the daemon instead carries the records itself and
 * returns a stream socket that tlsk_handshake() puts in place of fd with
 * dup2(): the service still uses plain read()/write()/sendfile() and never
 * holds a key (r.ulp == TLSK_ULP_USER, r.proxied == 1).
 *
 * tlsk_handshake_local() runs the engine in-process instead, for programs
 * that want no daemon; with no kernel TLS the records are then carried by
 * libtlsk's userspace record layer through r.conn (struct tlsk_conn).
 *
 * ---- The wire protocol (version 1) ----
 *
 * One request or reply is one SOCK_SEQPACKET message of at most
 * TLSK_MSG_MAX bytes: an 8-byte header then attributes.
 *
 *	header:    magic "TK" (0x54 0x4b) | version u8 (1) | type u8 |
 *	           id u32 (big-endian; the reply echoes the request's id)
 *	attribute: attr u8 | length u16 (big-endian) | value
 *
 * Integers are big-endian, of the attribute's fixed size; strings are
 * bytes 0x20..0x7e and 0x80..0xff (no NUL, no control characters), without
 * a terminator, shorter than the field they fill. The parser is strict: a
 * wrong magic or version, an unknown type or attribute, a wrong integer
 * length, an over-long or bad string, a repeated attribute, a missing
 * required one or trailing bytes reject the whole message (-EBADMSG;
 * -EPROTONOSUPPORT for another version). A handshake request carries the
 * socket as exactly one SCM_RIGHTS fd; every other message carries none.
 *
 * Nothing secret crosses the socket: the reply holds names and numbers
 * describing the session, never keys, secrets or session tickets.
 */
#ifndef TLSK_SERVICE_H
#define TLSK_SERVICE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "handoff.h"

#define TLSK_SERVICE_SOCKET	"/run/tlsk/tlskd.sock"
#define TLSK_MSG_MAGIC0		0x54	/* 'T' */
#define TLSK_MSG_MAGIC1		0x4b	/* 'K' */
#define TLSK_MSG_VERSION	1
#define TLSK_MSG_HEADER_LEN	8
#define TLSK_MSG_MAX		4096

enum tlsk_msg_type {
	TLSK_MSG_HANDSHAKE = 1,		/* request, with the fd */
	TLSK_MSG_STATUS = 2,		/* request: daemon counters */
	TLSK_MSG_TICKET_KEYS = 3,	/* request: the ticket keys (ids) */
	TLSK_MSG_HANDSHAKE_REPLY = 0x81,
	TLSK_MSG_STATUS_REPLY = 0x82,
	TLSK_MSG_TICKET_KEYS_REPLY = 0x83,
};

/* Attribute numbers; each message type accepts its own subset. */
enum tlsk_msg_attr {
	/* handshake request */
	TLSK_A_ROLE = 1,		/* u8: enum tlsk_role (required) */
	TLSK_A_PROFILE = 2,		/* string (required) */
	TLSK_A_SERVER_NAME = 3,		/* string: SNI to send / expect */
	TLSK_A_ALPN = 4,		/* string: "h2,http/1.1" */
	TLSK_A_TIMEOUT_MS = 5,		/* u32: 0 = the profile's */
	/* handshake reply */
	TLSK_A_STATUS = 16,		/* u32: 0 or a positive errno (required) */
	TLSK_A_VERSION = 17,		/* u16: 0x0303, 0x0304 */
	TLSK_A_SUITE = 18,		/* u16: IANA number */
	TLSK_A_SUITE_NAME = 19,		/* string */
	TLSK_A_GROUP = 20,		/* string */
	TLSK_A_NEG_ALPN = 21,		/* string */
	TLSK_A_RESUMED = 22,		/* u8 */
	TLSK_A_PEER_SUBJECT = 23,	/* string */
	TLSK_A_PEER_SANS = 24,		/* string: comma-separated */
	TLSK_A_ALERT = 25,		/* u16: alert description, 0xffff none */
	TLSK_A_ALERT_RECEIVED = 26,	/* u8: the peer sent it */
	TLSK_A_REASON = 27,		/* string */
	TLSK_A_ULP = 28,		/* u8: enum tlsk_ulp */
	TLSK_A_PROXIED = 29,		/* u8: a stream fd comes with the reply */
	/* status reply */
	TLSK_A_HS_DONE = 40,		/* u64 each */
	TLSK_A_HS_FAILED = 41,
	TLSK_A_HS_RESUMED = 42,
	TLSK_A_HS_ACTIVE = 43,
	TLSK_A_PROXIES_ACTIVE = 44,
	TLSK_A_REQ_REFUSED = 45,
	TLSK_A_REQ_MALFORMED = 46,
	TLSK_A_TICKET_KEYS = 47,
	TLSK_A_TICKET_KEY_AGE = 48,	/* seconds since the current key */
	TLSK_A_TICKET_ROTATION = 49,	/* seconds */
	TLSK_A_SESSION_CACHE = 50,	/* entries (0: engine has none) */
	TLSK_A_UPTIME = 51,		/* seconds */
	TLSK_A_CONFIG_GEN = 52,		/* reloads so far + 1 */
	TLSK_A_PROFILES = 53,
	TLSK_A_SESSION_STORE = 54,	/* 0 none, 1 connecting, 2 up, 3 down */
	TLSK_A_SESSION_STORE_DOWN = 55,	/* seconds it has been unusable */
	TLSK_A_TICKET_SOURCE = 56,	/* enum tlsk_ticket_source */
	TLSK_A_TICKET_REDIS = 57,	/* as TLSK_A_SESSION_STORE */
	TLSK_A_TICKET_REDIS_DOWN = 58,	/* seconds */
	/* ticket-keys request */
	TLSK_A_ROTATE = 64,		/* u8: 1 = rotate first */
	/* ticket-keys reply (and TLSK_A_STATUS, TLSK_A_REASON,
	 * TLSK_A_TICKET_SOURCE, TLSK_A_TICKET_REDIS, TLSK_A_TICKET_ROTATION) */
	TLSK_A_TICKET_KEY_LIST = 65,	/* string: "ID STATE AGE ACTIVE;..." */
};

#define TLSK_PROFILE_MAX	64	/* field sizes, NUL included */
#define TLSK_NAME_MAX		256
#define TLSK_ALPN_MAX		256
#define TLSK_SUBJECT_MAX	512
#define TLSK_SANS_MAX		1024
#define TLSK_REASON_MAX		256
#define TLSK_SUITE_NAME_MAX	64
#define TLSK_ALERT_NONE		0xffff

/* What the service asks for. Strings may be NULL (none). */
struct tlsk_params {
	enum tlsk_role role;
	const char *profile;		/* tlskd.conf [profile NAME] */
	const char *server_name;	/* client: SNI and name to verify */
	const char *alpn;		/* offer, "h2,http/1.1" */
	/* the whole handshake; <= 0, or above the profile's: the profile's */
	int timeout_ms;
	const char *socket_path;	/* NULL: $TLSK_SOCKET or the default */
};

/* What the service gets back. */
struct tlsk_result {
	int status;			/* 0 or a positive errno */
	uint16_t version;
	uint16_t suite;
	char suite_name[TLSK_SUITE_NAME_MAX];
	char group[TLSK_SUITE_NAME_MAX];
	char alpn[TLSK_ALPN_MAX];
	uint8_t resumed;
	char peer_subject[TLSK_SUBJECT_MAX];
	char peer_sans[TLSK_SANS_MAX];
	uint16_t alert;			/* TLSK_ALERT_NONE when none */
	uint8_t alert_received;
	char reason[TLSK_REASON_MAX];
	uint8_t ulp;			/* enum tlsk_ulp */
	uint8_t proxied;		/* fd now a stream to tlskd's relay */
	/* Local mode with the userspace record layer only, else NULL: read
	 * and write through it, tlsk_conn_close() it. */
	struct tlsk_conn *conn;
};

/* ---- the decoded wire messages ---- */

struct tlsk_request {
	uint8_t type;			/* TLSK_MSG_HANDSHAKE or _STATUS */
	uint32_t id;
	uint8_t role;
	char profile[TLSK_PROFILE_MAX];
	char server_name[TLSK_NAME_MAX];
	char alpn[TLSK_ALPN_MAX];
	uint32_t timeout_ms;
	uint8_t rotate;			/* TLSK_MSG_TICKET_KEYS */
};

struct tlsk_daemon_status {
	uint64_t hs_done, hs_failed, hs_resumed, hs_active;
	uint64_t proxies_active, req_refused, req_malformed;
	uint64_t ticket_keys, ticket_key_age, ticket_rotation;
	uint64_t session_cache, uptime, config_gen, profiles;
	uint64_t session_store, session_store_down;	/* session-store */
	uint64_t ticket_source;		/* TLSK_TICKETS_REDIS, else 0 (then
					 * ticket_rotation 0: file) */
	uint64_t ticket_redis, ticket_redis_down;	/* ticket keys' Redis */
};

/* Where tlskd's ticket keys come from. */
enum tlsk_ticket_source {
	TLSK_TICKETS_GENERATED = 0,	/* made and rotated by this tlskd */
	TLSK_TICKETS_FILE = 1,		/* ticket-key-file */
	TLSK_TICKETS_REDIS = 2,		/* ticket-key-source = redis */
};

enum tlsk_ticket_key_state {
	TLSK_TICKET_KEY_CURRENT = 0,	/* seals new tickets */
	TLSK_TICKET_KEY_PREVIOUS = 1,	/* opens tickets only */
	TLSK_TICKET_KEY_NEXT = 2,	/* opens tickets; seals from active_s */
};

#define TLSK_TICKET_KEYS_MAX	16
#define TLSK_TICKET_KEY_LIST_MAX	1024

/* One ticket key as tlskd describes it: never its bytes. */
struct tlsk_ticket_key_info {
	char id[33];		/* its name, in hex, as tickets carry it */
	uint8_t state;		/* enum tlsk_ticket_key_state */
	uint64_t age_s;		/* since it was made */
	int64_t active_s;	/* since it began sealing (< 0: it will in) */
};

struct tlsk_ticket_keys_info {
	int status;			/* 0 or a positive errno */
	char reason[TLSK_REASON_MAX];
	uint8_t source;			/* enum tlsk_ticket_source */
	uint8_t redis;			/* as tlsk_daemon_status.session_store */
	uint64_t rotation_s;		/* 0: keys not rotated by tlskd */
	unsigned n;
	struct tlsk_ticket_key_info keys[TLSK_TICKET_KEYS_MAX];
};

/*
 * Encoders return the message length or -EMSGSIZE (buf too small) or
 * -EINVAL (a string that cannot be encoded). Decoders return 0, -EBADMSG
 * or -EPROTONOSUPPORT and fill their struct (zeroed first); *id (may be
 * NULL) gets the header's id.
 */
int tlsk_msg_encode_request(const struct tlsk_request *req, uint8_t *buf,
			    size_t cap);
int tlsk_msg_decode_request(const uint8_t *buf, size_t len,
			    struct tlsk_request *req);
int tlsk_msg_encode_reply(uint32_t id, const struct tlsk_result *res,
			  uint8_t *buf, size_t cap);
int tlsk_msg_decode_reply(const uint8_t *buf, size_t len, uint32_t *id,
			  struct tlsk_result *res);
int tlsk_msg_encode_status(uint32_t id, const struct tlsk_daemon_status *st,
			   uint8_t *buf, size_t cap);
int tlsk_msg_decode_status(const uint8_t *buf, size_t len, uint32_t *id,
			   struct tlsk_daemon_status *st);
/* The ticket-keys reply; the key list travels as one string
 * (TLSK_A_TICKET_KEY_LIST). */
int tlsk_msg_encode_ticket_keys(uint32_t id,
				const struct tlsk_ticket_keys_info *tk,
				uint8_t *buf, size_t cap);
int tlsk_msg_decode_ticket_keys(const uint8_t *buf, size_t len, uint32_t *id,
				struct tlsk_ticket_keys_info *tk);
/* The type byte of a message whose header is sane, or -EBADMSG /
 * -EPROTONOSUPPORT. */
int tlsk_msg_peek_type(const uint8_t *buf, size_t len);

/* ---- calling tlskd ---- */

/*
 * The connection to tlskd ended without a reply: tlskd crashed, was killed
 * or restarted during the handshake. tlskd never sends this status itself,
 * so it is told apart from a TCP peer that reset the connection
 * (-ECONNRESET, reported by tlskd) or a daemon that is shutting down
 * cleanly (-ESHUTDOWN, "tlskd is stopping").
 */
#define TLSK_ERR_DAEMON_LOST	ENOLINK

/*
 * Blocking: sends fd to tlskd, waits for the reply (params->timeout_ms
 * plus a margin for the daemon itself; default 30 s), fills *res. Returns
 * 0, or a negative errno: the daemon's status (res->reason says why), or
 * -ECONNREFUSED/-ENOENT (no daemon), -TLSK_ERR_DAEMON_LOST (the daemon
 * went away), -ETIMEDOUT (no reply in time, or tlskd did not even take
 * the connection: its listen backlog stayed full). The whole call,
 * connecting included, ends by that deadline: the connection to tlskd is
 * non-blocking. On failure fd is still the caller's, in an unknown TLS
 * state: close it.
 *
 * A relayed stream (res->proxied, no kernel TLS on the host) reads 0
 * (EOF) when tlskd's relay ends for any reason, tlskd's death included:
 * the kernel gives a Unix stream no other way. After such an EOF,
 * tlsk_relay_check() tells whether tlskd is gone (docs/daemon.md, the
 * relay).
 */
int tlsk_handshake(int fd, const struct tlsk_params *params,
		   struct tlsk_result *res);

/*
 * Non-blocking, for event-loop servers: tlsk_handshake_start() connects
 * to tlskd and sends the request without ever waiting: -EBUSY when tlskd
 * does not take the connection at once (listen backlog full: overloaded
 * or stalled). It returns a pending handshake whose tlsk_pending_fd()
 * becomes readable when the reply is there; then tlsk_handshake_finish()
 * returns 0 / negative errno as tlsk_handshake() does, or -EAGAIN (not
 * yet), and frees *p unless -EAGAIN. tlsk_pending_timeout_ms() is how
 * long the caller should still wait (the same deadline as
 * tlsk_handshake(); 0: passed): once it is 0, tlsk_handshake_finish()
 * returns -ETIMEDOUT if no reply came, so a daemon that never answers
 * cannot hold the caller's connection forever. tlsk_pending_cancel()
 * gives up (the daemon finishes or abandons the handshake; the caller
 * should close fd).
 */
struct tlsk_pending;
int tlsk_handshake_start(int fd, const struct tlsk_params *params,
			 struct tlsk_pending **p);
/*
 * tlsk_handshake() keeps its connection to tlskd for the process's next
 * request once the reply is read (docs/daemon.md, kept connections).
 * A pending handshake's connection is the caller's to poll, so it is
 * closed when the request ends, unless the caller, right after
 * tlsk_handshake_start(), calls tlsk_pending_keep(): it then promises to
 * take tlsk_pending_fd() out of its poll set (EPOLL_CTL_DEL) as soon as
 * tlsk_handshake_finish() returns anything but -EAGAIN, before it waits
 * for events again, and before tlsk_pending_cancel(). The descriptor
 * stays open for a later request, so an epoll registration of it would
 * outlive the request.
 */
void tlsk_pending_keep(struct tlsk_pending *p);
int tlsk_pending_fd(const struct tlsk_pending *p);
int tlsk_pending_timeout_ms(const struct tlsk_pending *p);
int tlsk_handshake_finish(struct tlsk_pending *p, struct tlsk_result *res);
void tlsk_pending_cancel(struct tlsk_pending *p);

/* Asks the daemon for its counters. 0 or negative errno. */
int tlsk_daemon_status(const char *socket_path,
		       struct tlsk_daemon_status *st);

/*
 * Asks the daemon for its ticket keys (ids, ages, which seals; never the
 * keys), after a rotation when rotate is not 0 (needs root or tlskd's
 * own uid: -EPERM otherwise). Returns 0, the daemon's refusal as a
 * negative errno (tk->reason says why), or -ECONNREFUSED/-ENOENT/
 * -ETIMEDOUT/-TLSK_ERR_DAEMON_LOST as tlsk_daemon_status().
 */
int tlsk_daemon_ticket_keys(const char *socket_path, int rotate,
			    struct tlsk_ticket_keys_info *tk);

/*
 * In-process: runs the engine on fd with cfg (blocking, with the timeout),
 * then hands the keys to the kernel or, failing that, to the userspace
 * record layer (res->conn). The result is filled as for tlsk_handshake().
 */
int tlsk_handshake_local(int fd, const struct tlsk_config *cfg,
			 const struct tlsk_params *params,
			 struct tlsk_result *res);

/*
 * The configuration for tlsk_handshake_local() from tlskd's file: profile
 * `profile` of the tlskd.conf at path, built as tlskd builds it
 * (tlskd.conf(5): cert, ca, client-auth, verify-name, versions, suites,
 * groups, alpn, session context, tickets, session-lifetime; a key file
 * that the group or others may read is refused). Only that profile's
 * files are read. Of the global keys only session-cache-size and
 * session-lifetime apply: TLS 1.2 session IDs are cached in the returned
 * configuration itself, so its engines MUST then run in one thread
 * (tlsk_config_set_session_cache()); the daemon's keys (socket, limits,
 * user, ...) are checked, and ignored.
 *
 * Returns 0 and *cfg, which the caller frees with tlsk_config_free(), or
 * a negative errno and *cfg = NULL: -ESRCH (no such profile), -EINVAL
 * (errors in the file or in the profile's files, a key file open to
 * others included), -ENOMEM, or the error reading path (-ENOENT,
 * -EACCES, ...).
 * diag (may be NULL) gets every problem found, errors and warnings, as
 * "FILE:LINE: message" lines, truncated to diag_size bytes.
 */
int tlsk_config_load_profile(const char *path, const char *profile,
			     struct tlsk_config **cfg, char *diag,
			     size_t diag_size);

/*
 * Ends the TLS session on a socket tlsk_handshake() returned: sends a
 * close_notify alert through the kernel record layer (TLS_SET_RECORD_TYPE)
 * or, on a stream relayed by tlskd, half-closes it so that the relay sends
 * one. The caller then close()s fd as usual. Servers that cache TLS 1.2
 * sessions by ID (OpenSSL's among them) drop a session whose connection
 * ended without close_notify, so a client that wants to resume calls this.
 * Returns 0 or a negative errno.
 */
int tlsk_close_notify(int fd);

/*
 * After a read of fd returned 0 (EOF): -TLSK_ERR_DAEMON_LOST when fd is a
 * stream relayed by tlskd (res->proxied) and the tlskd process that
 * relayed it is gone (crashed, killed, stopped), so the stream was cut
 * wherever it was; 0 when that tlskd still runs, so the relay ended on
 * its own terms (the peer's close_notify, or a TLS error tlskd logged),
 * and for a socket with kernel TLS, whose end tlskd has no part in.
 * Another negative errno when fd is not a socket. It returns at once
 * when tlskd still holds its end open (it ended the stream on the peer's
 * close_notify); when tlskd closed it, the check waits up to 200 ms for a
 * dying tlskd to exit. Ask right after the EOF: a tlskd that ends a relay
 * and dies a moment later reads as lost.
 */
int tlsk_relay_check(int fd);

/*
 * When a read() on a socket tlsk_handshake() returned fails with err (a
 * negative errno), tells the peer why before the service closes, as RFC
 * 8446 6.2 asks: EBADMSG (a record failed authentication) gets a fatal
 * bad_record_mac, EMSGSIZE (a record too long) record_overflow, sealed by
 * the kernel through a TLS_SET_RECORD_TYPE cmsg. Nothing is sent where
 * that is done already: by tlsk.ko on a socket whose TLSK_SEND_ALERTS
 * option is on (tlskd sets it), by tlskd's relay on a relayed stream.
 * Returns the alert's description (sent now or by tlsk.ko), -ENOMSG when
 * there is nothing to send (another error, a relayed stream), or the
 * error of the send. A read error of the userspace record layer
 * (res->conn, tlsk_conn_read()) has had its alert sent already.
 */
int tlsk_read_failed(int fd, int err);

/* The socket path a client uses: path, else $TLSK_SOCKET (ignored in a
 * set-id program, secure_getenv()), else the default. */
const char *tlsk_service_socket(const char *path);

#endif /* TLSK_SERVICE_H */
