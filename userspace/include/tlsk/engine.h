/* SPDX-License-Identifier: MIT */
/*
 * libtlsk handshake engine: sans-I/O TLS 1.3 and TLS 1.2.
 *
 * The engine never touches a socket. The caller moves bytes:
 *
 *	while (tlsk_engine_state(e) == TLSK_STATE_HANDSHAKING) {
 *		out = tlsk_engine_output(e, &n);    send n bytes of out,
 *		tlsk_engine_output_done(e, sent);   then report how many went;
 *		want = tlsk_engine_want(e);         read exactly `want` bytes,
 *		tlsk_engine_input(e, buf, got);     got <= want, and feed them.
 *	}
 *
 * tlsk_engine_want() MUST be honoured exactly: the engine asks for a 5-byte
 * record header, then for that record's body, and asks for nothing once the
 * peer's last handshake record has been read, so a driver reading a socket
 * never consumes application data that belongs to the kernel.
 *
 * The first error is sticky: the engine enters TLSK_STATE_FAILED, queues
 * the matching alert as output (send it, then close), and
 * tlsk_engine_error() says why.
 *
 * This header is the contract; the config API beside it is the engine's own.
 */
#ifndef TLSK_ENGINE_H
#define TLSK_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

struct tlsk_config;
struct tlsk_engine;

enum tlsk_role {
	TLSK_ROLE_CLIENT,
	TLSK_ROLE_SERVER,
};

enum tlsk_state {
	TLSK_STATE_HANDSHAKING,
	/* Handshake complete; output may still hold bytes to send first. */
	TLSK_STATE_ESTABLISHED,
	TLSK_STATE_FAILED,
};

/* ---- configuration (shared, read-only once engines use it) ---- */

enum tlsk_verify {
	TLSK_VERIFY_NONE,	/* server: no CertificateRequest; client: no checks */
	TLSK_VERIFY_OPTIONAL,	/* server: request a client certificate;
				 * client: as REQUIRE */
	TLSK_VERIFY_REQUIRE,	/* server: require one; client: verify chain+name */
};

struct tlsk_config *tlsk_config_new(void);
void tlsk_config_free(struct tlsk_config *cfg);
/* PEM chain (leaf first) and its private key; call again for more names
 * (the server picks by SNI, falling back to the first one). */
int tlsk_config_add_cert(struct tlsk_config *cfg, const char *chain_pem_path,
			 const char *key_pem_path);
/*
 * Why the last tlsk_config_add_cert() or tlsk_config_load_ca_file() failed,
 * in words naming the file (one that cannot be opened, is of the wrong
 * kind, the two swapped, a key that does not match its certificate), or
 * "" when it succeeded.
 */
const char *tlsk_config_error(const struct tlsk_config *cfg);
/*
 * Trust anchors: a client verifies the server's chain with them, a server
 * the client's. They are read here, once; an engine never reads a file,
 * so a configuration without any fails every verification it does (a
 * client that verifies, a server that asks for certificates).
 * tlsk_config_load_system_ca() reads the system bundle (OpenSSL's default
 * file, tlsk_system_ca_file()); tlsk_config_share_ca() gives dst (which
 * has none yet) src's anchors, shared rather than copied.
 */
int tlsk_config_load_ca_file(struct tlsk_config *cfg, const char *pem_path);
int tlsk_config_load_system_ca(struct tlsk_config *cfg);
const char *tlsk_system_ca_file(void);
int tlsk_config_share_ca(struct tlsk_config *dst,
			 const struct tlsk_config *src);
/* Until this is called, a client verifies (REQUIRE) and a server does not
 * ask for certificates (NONE). A client checks the host name given to
 * tlsk_engine_set_server_name() (DNS name or IP literal); without one only
 * the chain and its purpose are checked. */
int tlsk_config_set_verify(struct tlsk_config *cfg, enum tlsk_verify mode);
/* on = 0: a client checks the server's chain but not its name (the name
 * is still sent as SNI). Default: on. */
int tlsk_config_set_verify_name(struct tlsk_config *cfg, int on);
/* 0x0303 / 0x0304 (default: both). Nothing older is ever spoken
 * (RFC 8996): such peers get protocol_version. */
int tlsk_config_set_versions(struct tlsk_config *cfg, uint16_t min,
			     uint16_t max);
/* OpenSSL spellings: "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256" */
int tlsk_config_set_tls13_suites(struct tlsk_config *cfg, const char *list);
/* OpenSSL spellings: "ECDHE-ECDSA-AES128-GCM-SHA256:..." (AEAD suites
 * only); the RSA key transport suites (AES128-GCM-SHA256,
 * AES256-GCM-SHA384) only after tlsk_config_enable_rsa_kx(). -EINVAL for
 * an unknown or refused name, -E2BIG for more than 8. */
int tlsk_config_set_tls12_ciphers(struct tlsk_config *cfg, const char *list);
/* Allow the RSA key transport suites (TLS_RSA_WITH_AES_128_GCM_SHA256,
 * TLS_RSA_WITH_AES_256_GCM_SHA384) in TLS 1.2: no forward secrecy, so
 * only for peers that have nothing else. Call it before
 * tlsk_config_set_tls12_ciphers(), which may then name them; without a
 * list of its own the config offers and accepts them after every ECDHE
 * suite. A server selects them only with an RSA certificate whose key
 * usage (if any) has keyEncipherment; a client requires that of the
 * server's. Without this call they are never offered or selected. */
int tlsk_config_enable_rsa_kx(struct tlsk_config *cfg);
/*
 * TLS 1.2 extended master secret (RFC 7627). By default a peer (client or
 * server) without it completes a full handshake, but its session is never
 * cached, ticketed or resumed (RFC 7627 5.3, 5.4), and
 * tlsk_session_info.extended_master_secret says 0 so that the caller can
 * log it. With require != 0 such a peer is refused with
 * handshake_failure (RFC 7627 5.2 allows either).
 */
int tlsk_config_set_tls12_require_ems(struct tlsk_config *cfg, int require);
/* TLS 1.2 session-ID resumption (server, RFC 5246 7.4.1.2): an in-memory
 * cache of max_entries sessions living lifetime seconds (0 entries: off,
 * the default). The cache is the config's mutable part: engines of one
 * config MUST then run in one thread. Tickets (below) work without it. */
int tlsk_config_set_session_cache(struct tlsk_config *cfg,
				  size_t max_entries, uint32_t lifetime);
/*
 * TLS 1.2 session-ID resumption backed by the caller's store instead (a
 * daemon: one store for every profile, or shared between processes).
 * The engine hands each session over as an opaque blob of at most
 * TLSK_SESSION_BLOB_MAX bytes, which holds its master secret: keep it
 * secret and scrub it when dropped. store keeps (or replaces) the blob
 * under the session ID; fetch copies it into buf (*len: its size in,
 * the blob's length out) or returns -ENOENT; remove forgets it. The
 * engine itself ignores and removes blobs older than lifetime seconds.
 * Each returns 0 or a negative errno; a failing store only costs a later
 * full handshake. The struct is copied; the callbacks run in the
 * thread of the engine, and replace tlsk_config_set_session_cache's.
 */
#define TLSK_SESSION_BLOB_MAX 2048
struct tlsk_session_store {
	int (*store)(void *arg, const uint8_t *id, size_t id_len,
		     const uint8_t *blob, size_t len);
	int (*fetch)(void *arg, const uint8_t *id, size_t id_len,
		     uint8_t *buf, size_t *len);
	int (*remove)(void *arg, const uint8_t *id, size_t id_len);
	void *arg;
};
int tlsk_config_set_session_store(struct tlsk_config *cfg,
				  const struct tlsk_session_store *store,
				  uint32_t lifetime);
/* "x25519:P-256:P-384" (also secp256r1, secp384r1) */
int tlsk_config_set_groups(struct tlsk_config *cfg, const char *list);
/* Comma-separated protocol names in preference order: "h2,http/1.1". */
int tlsk_config_set_alpn(struct tlsk_config *cfg, const char *list);

/*
 * Session tickets (server, RFC 8446 4.6.1). Tickets are stateless: the
 * resumption secret travels inside the ticket, sealed with AES-256-GCM
 * under a 32-byte key named by 16 bytes. By default each config makes one
 * random key of its own; a daemon that shares keys across processes or
 * machines, or rotates them, plugs in a source instead:
 *
 *	current(): the key (and its name) to seal new tickets with;
 *	lookup():  the key called `name`, or -ENOENT once it has been retired
 *	           (the ticket is then ignored and a full handshake follows).
 *
 * Both return 0 or a negative errno and MUST be safe to call from every
 * engine using the config. The source struct is copied.
 */
struct tlsk_ticket_keys {
	int (*current)(void *arg, uint8_t name[16], uint8_t key[32]);
	int (*lookup)(void *arg, const uint8_t name[16], uint8_t key[32]);
	void *arg;
};
int tlsk_config_set_ticket_keys(struct tlsk_config *cfg,
				const struct tlsk_ticket_keys *src);
/*
 * What a server's resumable sessions are bound to (RFC 8446 4.6.1 leaves
 * it to the server; compare OpenSSL's session ID context). Every ticket
 * (TLS 1.3 and TLS 1.2) and every cached TLS 1.2 session carries a digest
 * of `context` (a daemon passes its profile name; NULL or "" is the
 * default, at most 255 bytes) and of the config's client-authentication
 * policy as it was when the session was made: the verify mode and the
 * trust anchors (each certificate and CRL of the CA file(s), or the
 * system's default paths). A session offered to a config whose digest
 * differs, or made without a client certificate and offered to a config
 * that now requires one, is not resumed: the handshake goes full, with
 * no alert. A session with a client certificate carries its subject and
 * subjectAltName list, so a resumed handshake reports the same identity
 * (tlsk_engine_info, tlsk_engine_peer_sans) as the full one did.
 */
int tlsk_config_set_session_context(struct tlsk_config *cfg,
				    const char *context);
/* Tickets sent after each full or resumed handshake (default 1; 0 turns
 * resumption off) and their lifetime in seconds (default 7200, at most
 * 604800 per RFC 8446 4.6.1). */
int tlsk_config_set_tickets(struct tlsk_config *cfg, unsigned count,
			    uint32_t lifetime);
/* Clock for ticket ages and lifetimes and the in-memory session cache
 * (tlsk_config_set_session_cache), in milliseconds (default
 * CLOCK_REALTIME); lets tests and daemons control time. */
int tlsk_config_set_clock(struct tlsk_config *cfg,
			  uint64_t (*now_ms)(void *arg), void *arg);
/*
 * Debugging only: called with each traffic secret as one line of the NSS
 * key log format ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <client random> <secret>",
 * in hex, no newline), as SSLKEYLOGFILE does for OpenSSL, so Wireshark
 * can decrypt a capture. The lines are secrets: never enable this in
 * production. NULL turns it off.
 */
int tlsk_config_set_keylog(struct tlsk_config *cfg,
			   void (*log)(void *arg, const char *line), void *arg);

/* ---- one handshake ---- */

struct tlsk_engine *tlsk_engine_new(const struct tlsk_config *cfg,
				    enum tlsk_role role);
void tlsk_engine_free(struct tlsk_engine *e);	/* scrubs all secrets */
int tlsk_engine_set_server_name(struct tlsk_engine *e, const char *name);
/*
 * This handshake's ALPN list ("h2,http/1.1"; "" for none) instead of the
 * config's: one config serves requests with different lists. Before any
 * input (server) or output taken (client): -EBUSY after; -EINVAL for a
 * list tlsk_config_set_alpn() would refuse.
 */
int tlsk_engine_set_alpn(struct tlsk_engine *e, const char *list);

/* Bytes the engine needs next from the peer; 0 when it needs none. */
size_t tlsk_engine_want(const struct tlsk_engine *e);
/* Feed received bytes, len <= tlsk_engine_want(). 0 or negative errno. */
int tlsk_engine_input(struct tlsk_engine *e, const uint8_t *buf, size_t len);
/* Bytes to send (may be called in any state; *len == 0 when none). */
const uint8_t *tlsk_engine_output(const struct tlsk_engine *e, size_t *len);
void tlsk_engine_output_done(struct tlsk_engine *e, size_t sent);

enum tlsk_state tlsk_engine_state(const struct tlsk_engine *e);
/* After FAILED: the alert description sent (or received, *received = 1)
 * and a readable reason. Returns a negative errno-style code. */
int tlsk_engine_error(const struct tlsk_engine *e, uint8_t *alert,
		      int *received, const char **reason);
/* An AlertDescription's name (RFC 8446 6, RFC 5246 7.2): "close_notify",
 * ...; "unknown" for a code no RFC of ours names. */
const char *tlsk_alert_name(uint8_t description);

/* After ESTABLISHED: traffic keys for one direction (caller scrubs). */
int tlsk_engine_export_keys(const struct tlsk_engine *e,
			    enum tlsk_direction dir,
			    struct tlsk_traffic_keys *keys);

struct tlsk_session_info {
	uint16_t version;
	uint16_t suite;		/* IANA cipher suite number */
	const char *suite_name;	/* IANA name, static */
	const char *group;	/* "x25519", "secp256r1", ... or NULL */
	const char *alpn;	/* negotiated protocol or NULL */
	int resumed;
	const char *peer;	/* peer certificate subject, or NULL */
	/* TLS 1.2: the master secret is the extended one (RFC 7627);
	 * TLS 1.3 (whose key schedule always covers the transcript): 1 */
	int extended_master_secret;
};
int tlsk_engine_info(const struct tlsk_engine *e,
		     struct tlsk_session_info *info);

/*
 * Resumption (client): serialise what the server gave us (tickets, or a
 * TLS 1.2 session ID and master secret) to bytes the caller stores, and
 * offer them on a later engine before its first output. The blob holds a
 * secret: treat it like a key.
 */
int tlsk_engine_get_session(const struct tlsk_engine *e, uint8_t *buf,
			    size_t *len);
int tlsk_engine_set_session(struct tlsk_engine *e, const uint8_t *buf,
			    size_t len);

/*
 * Post-handshake handshake messages (TLS 1.3, RFC 8446 4.6). Once the
 * engine is ESTABLISHED, whoever owns the receive side (the kernel, or a
 * userspace record layer) may read handshake records; hand each message
 * here as its type and body (without the 4-byte header). A client keeps
 * NewSessionTicket messages for tlsk_engine_get_session(); KeyUpdate is
 * the record layer's business (see tlsk_keys_next()) and is refused here.
 * Returns 0, or a negative errno with *alert set to the alert to send.
 */
int tlsk_engine_post_handshake(struct tlsk_engine *e, uint8_t type,
			       const uint8_t *body, size_t len,
			       uint8_t *alert);

/*
 * Keying material exporter (RFC 8446 7.5; RFC 5705 labels, e.g.
 * "EXPORTER-Channel-Binding" for RFC 9266): out_len bytes bound to this
 * connection, after ESTABLISHED. An empty and an absent context are the
 * same in TLS 1.3. Returns 0, -EINVAL (not established, label too long).
 */
int tlsk_engine_export_keying_material(const struct tlsk_engine *e,
				       const char *label,
				       const uint8_t *context,
				       size_t context_len, uint8_t *out,
				       size_t out_len);

/*
 * TLS 1.3 KeyUpdate (RFC 8446 7.2): replace keys->secret with the next
 * application traffic secret and derive its key and IV; seq restarts at 0.
 * Returns 0 or -EINVAL (not TLS 1.3 keys).
 */
int tlsk_keys_next(struct tlsk_traffic_keys *keys);

/*
 * The peer certificate's subjectAltName entries, after ESTABLISHED, as
 * "DNS:a.example,IP:192.0.2.1,email:x@example,URI:https://..." in
 * certificate order (IPv6 in RFC 5952 form). Only whole entries are
 * written; an entry with a comma or a control byte (which this list
 * cannot carry unambiguously) and other name types are left out.
 * Returns the number of entries written (0: no peer certificate or no
 * SANs; buf is then ""), -EINVAL (not established, size 0), -ENOSPC when
 * some entry did not fit (buf holds those before it).
 */
int tlsk_engine_peer_sans(const struct tlsk_engine *e, char *buf,
			  size_t size);

#endif /* TLSK_ENGINE_H */
