/* SPDX-License-Identifier: MIT */
/*
 * The engine's insides, shared by the I/O core (engine.c), the state
 * tables (tables.c) and the per-role message handlers (tls13_client.c,
 * tls13_server.c).
 *
 * Implementation notes:
 * - Input arrives record by record: exactly a 5-byte header, then exactly
 *   its body (engine.c). Handshake bytes from records accumulate in hs_in
 *   until a whole message is there; then the message is checked against
 *   the state table (is it the one expected next, from the peer?) and its
 *   handler runs. Handlers of our own messages run right after, until the
 *   table says it is the peer's turn again.
 * - Our handshake messages accumulate in hs_out and are cut into records
 *   (flush_handshake) whenever the write keys are about to change and at
 *   the end of each step, so a flight is coalesced into as few records as
 *   the 2^14 limit allows.
 * - All secrets live in this struct or in buffers that are scrubbed on
 *   free, on failure and when no longer needed.
 */
#ifndef TLSK_ENGINE_INT_H
#define TLSK_ENGINE_INT_H

#include <stdbool.h>

#include "alerts.h"
#include "codec.h"
#include "config.h"
#include "hsrecord.h"
#include "keysched.h"
#include "suites.h"
#include "tables.h"
#include "tls12_suites.h"
#include "tls12_tables.h"

#define MAX_HS_MSG_LEN		(1u << 17)	/* certificate chains */
#define MAX_PEER_SIGALGS	32
#define MAX_TICKETS		8
#define MAX_EARLY_DATA_SKIP	((size_t)64 * 1024)
/* What one handshake may read from the peer, headers included: the largest
 * legitimate one (a MAX_HS_MSG_LEN certificate chain, MAX_EARLY_DATA_SKIP of
 * declined 0-RTT, the rest of both flights) fits several times over; a peer
 * that streams records (engine.c, check_budget) is stopped here rather
 * than at its deadline. */
#define MAX_HS_INPUT_BYTES	((size_t)1024 * 1024)
#define MAX_HS_INPUT_RECORDS	8192u
#define TLSK_MAX_DHE_LEN	48		/* P-384 x coordinate */
/* ClientHello.legacy_version (RFC 8446 4.1.2), also TLS 1.2's
 * client_version, which begins an RSA premaster (RFC 5246 7.4.7.1) */
#define TLS12_CLIENT_VERSION	0x0303

struct exts;

enum hs_type {
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_NEW_SESSION_TICKET = 4,
	HS_END_OF_EARLY_DATA = 5,
	HS_ENCRYPTED_EXTENSIONS = 8,
	HS_CERTIFICATE = 11,
	HS_CERTIFICATE_REQUEST = 13,
	HS_CERTIFICATE_VERIFY = 15,
	HS_FINISHED = 20,
	HS_KEY_UPDATE = 24,
	HS_MESSAGE_HASH = 254,
};

/* a resumable session: what a ticket holds, and what a client stores.
 * TLS 1.3: psk is a ticket's PSK; TLS 1.2: the master secret. */
struct session {
	uint16_t version;		/* 0x0304 or 0x0303 */
	uint16_t suite;
	bool ems;			/* TLS 1.2: extended master secret */
	uint8_t id[32];			/* TLS 1.2 client: the session ID */
	size_t id_len;
	uint8_t psk[TLSK_MAX_HASH_LEN];
	size_t psk_len;
	uint32_t age_add;
	uint32_t lifetime;		/* seconds */
	uint64_t issued_ms;		/* client: when received */
	uint8_t alpn[256];		/* NUL-terminated */
	/* server: the client certificate's subject and SANs, or "" */
	char peer[256];
	char peer_sans[SESSCACHE_SANS_MAX];	/* tickets only */
	/* server, tickets only: the server name it was made under, or "" */
	char sni[256];
	uint8_t *ticket;		/* client: the opaque ticket */
	size_t ticket_len;
};

struct tlsk_engine {
	const struct tlsk_config *cfg;
	enum tlsk_role role;
	enum tlsk_state state;

	/* record input (in_rec itself is the last member) */
	size_t in_hdr_got;
	size_t in_body_len, in_body_got;
	struct buf hs_in;
	unsigned rx_epoch;
	size_t early_skipped;
	size_t bytes_in;		/* the handshake's input so far */
	unsigned records_in;
	unsigned ccs_received;		/* TLS 1.3: at most one, dropped */

	/* output */
	struct buf hs_out;
	struct buf out;
	size_t out_sent;
	bool output_taken;		/* client: CH can no longer change */

	struct hs_prot rx, tx;

	/* position in the state tables */
	const struct hs_tables *tables;
	unsigned shape;
	unsigned msg_index;

	/* negotiation */
	struct transcript tr;
	const struct tlsk_suite *suite;		/* TLS 1.3 */
	const struct tls12_suite *suite12;	/* TLS 1.2 */
	const struct tlsk_group *group;
	EVP_PKEY *kex_key;
	uint8_t client_random[32];
	uint8_t server_random[32];		/* TLS 1.2 */
	uint16_t client_version;		/* ClientHello.legacy_version */
	uint8_t session_id[32];
	size_t session_id_len;
	char server_name[256];
	/* tlsk_engine_set_alpn(): this handshake's list instead of cfg's */
	bool alpn_own_set;
	size_t alpn_own_len;
	uint8_t alpn_own[CFG_MAX_ALPN];
	char alpn[256];
	const struct cfg_cert *cert;	/* ours */
	const struct tlsk_sigscheme *sig;
	uint16_t peer_sigalgs[MAX_PEER_SIGALGS];
	size_t npeer_sigalgs;
	X509 *peer_leaf;
	STACK_OF(X509) *peer_chain;
	char peer_subject[256];
	/* resumed: the SANs of the session's client certificate */
	char peer_sans[SESSCACHE_SANS_MAX];
	bool ccs_sent;
	bool skip_early_data;
	bool resumed;
	/* TLS 1.2 server resumed from a ticket: when its session began, so a
	 * renewed ticket ends when the first would have (RFC 5077 3.3) */
	uint64_t ticket_issued_ms;
	/* the (EC)DHE shared secret; TLS 1.2: the premaster (ECDHE or RSA
	 * key transport) until the master secret is derived */
	uint8_t dhe[TLSK_MAX_DHE_LEN];
	size_t dhe_len;
	/* TLS 1.2 (the master secret lives in `secret`) */
	bool peer_reneg;		/* the client sent RFC 5746 signalling */
	bool peer_point_formats;	/* ... ec_point_formats */
	bool ticket_ext;		/* ... the SessionTicket extension */
	/* the peer did not do extended_master_secret (RFC 7627): the
	 * RFC 5246 8.1 master secret, a session never kept or resumed */
	bool no_ems;
	struct buf ticket12;		/* client: NewSessionTicket received */
	uint32_t ticket12_hint;
	/* the key block's two halves, installed at each CCS */
	struct tlsk_traffic_keys tls12_cw, tls12_sw;

	/* secrets (RFC 8446 7.1) */
	uint8_t secret[TLSK_MAX_HASH_LEN];	/* early/handshake/master */
	uint8_t c_hs[TLSK_MAX_HASH_LEN], s_hs[TLSK_MAX_HASH_LEN];
	uint8_t c_ap[TLSK_MAX_HASH_LEN], s_ap[TLSK_MAX_HASH_LEN];
	uint8_t res_master[TLSK_MAX_HASH_LEN];
	uint8_t exporter[TLSK_MAX_HASH_LEN];	/* exporter_master_secret */

	/* client: HelloRetryRequest state */
	struct buf cookie;
	size_t ch1_len;
	/* client: offered PSK; server: accepted PSK */
	struct session psk;
	bool psk_offered;
	uint16_t psk_index;		/* server: identity chosen */
	/*
	 * client: tickets received, MAX_TICKETS slots allocated with the
	 * first (client_new_ticket_slot()). A server never has any: inline,
	 * these 15 KiB were 70% of what tlsk_engine_new() zeroed and
	 * tlsk_engine_free() scrubbed, 16.6% of a resumed TLS 1.2 server
	 * handshake's instructions.
	 */
	struct session *tickets;
	size_t ntickets;
	uint32_t ticket_nonce;

	/* sticky error */
	uint8_t alert;
	int alert_received;
	int err;
	char reason[200];

	/*
	 * Last, and neither zeroed at tlsk_engine_new() nor scrubbed whole:
	 * only what the current record wrote is scrubbed, after each record
	 * and at the end (in_rec_used()). 18 KiB cleared three times per handshake
	 * was 30% of a resumed TLS 1.2 server handshake's instructions.
	 */
	uint8_t in_rec[REC_HDR_LEN + REC_MAX_CIPHERTEXT12];	/* hdr, body */
};

/* The ALPN list this handshake offers (client) or accepts (server). */
static inline const uint8_t *engine_alpn(const struct tlsk_engine *e,
					 size_t *len)
{
	if (e->alpn_own_set) {
		*len = e->alpn_own_len;
		return e->alpn_own;
	}
	*len = e->cfg->alpn_len;
	return e->cfg->alpn;
}

/* engine.c */
int fail(struct tlsk_engine *e, uint8_t alert, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* append a handshake message (header added) to hs_out and transcript */
int send_handshake(struct tlsk_engine *e, uint8_t type, const struct buf *body);
/* the same for post-handshake messages, which the transcript omits */
int send_post_handshake(struct tlsk_engine *e, uint8_t type,
			const struct buf *body);
int flush_handshake(struct tlsk_engine *e);
int run_own_messages(struct tlsk_engine *e);
int send_ccs(struct tlsk_engine *e);
int set_rx_keys(struct tlsk_engine *e, const uint8_t *secret);
int set_tx_keys(struct tlsk_engine *e, const uint8_t *secret);
const EVP_MD *engine_md(const struct tlsk_engine *e);
/* has the engine moved to the TLS 1.2 tables? */
static inline bool is_tls12(const struct tlsk_engine *e)
{
	return e->tables == &tls12_tables;
}
size_t engine_hash_len(const struct tlsk_engine *e);

/* shared by both roles (tls13_common.c) */
extern const uint8_t hrr_random[32];
int derive_handshake_secrets(struct tlsk_engine *e, const uint8_t *dhe,
			     size_t dhe_len);
int derive_application_secrets(struct tlsk_engine *e);
int derive_resumption_master(struct tlsk_engine *e);
int write_certificate(struct tlsk_engine *e, const struct cfg_cert *c);
int read_certificate(struct tlsk_engine *e, struct rd *body);
int write_certificate_verify(struct tlsk_engine *e);
int read_certificate_verify(struct tlsk_engine *e, struct rd *body);
int write_finished(struct tlsk_engine *e);
int read_finished(struct tlsk_engine *e, struct rd *body);
int put_sigalgs(struct buf *b);
int parse_sigalgs(struct tlsk_engine *e, struct rd *ext);
const struct tlsk_sigscheme *pick_sigscheme(const struct tlsk_engine *e,
					    EVP_PKEY *key);
int verify_peer_chain(struct tlsk_engine *e);
/* One DER certificate as an opaque<1..2^24-1> (RFC 5246 7.4.2; a TLS 1.3
 * CertificateEntry adds its extensions). False, and b->bad, on failure. */
bool put_der_cert(struct buf *b, X509 *x);
void session_clear(struct session *s);
/* client: a zeroed slot for a new ticket (the oldest dropped when all
 * MAX_TICKETS are taken), or NULL when out of memory; the caller fills
 * it and then counts it in e->ntickets */
struct session *client_new_ticket_slot(struct tlsk_engine *e);

/* tls13_client.c / tls13_server.c helpers the TLS 1.2 handlers share */
int read_alpn_choice(struct tlsk_engine *e, struct rd *ext);
int read_server_name(struct tlsk_engine *e, struct rd *ext);
int choose_alpn(struct tlsk_engine *e, struct rd *ext);
bool sni_allowed(const char *name);
bool u16_in(struct rd list, uint16_t id);
/* TLS 1.2 offered / allowed by our config */
bool tls12_enabled(const struct tlsk_config *cfg);
bool tls13_enabled(const struct tlsk_config *cfg);
bool tls12_suite_configured(const struct tlsk_config *cfg, uint16_t id);
/* does a client offer TLS 1.2? (only once the client role is wired) */
bool tls12_client_offers(const struct tlsk_config *cfg);

/* tls13_client.c / tls13_server.c */
int client_start(struct tlsk_engine *e);
int client_read_new_session_ticket(struct tlsk_engine *e, struct rd *body);
int server_send_tickets(struct tlsk_engine *e);

/* tls12_client.c / tls12_server.c: entered from the TLS 1.3 hello
 * handlers once TLS 1.2 is negotiated; `body` is the whole message */
int tls12_client_take_server_hello(struct tlsk_engine *e, struct rd *body);
int tls12_server_take_client_hello(struct tlsk_engine *e, struct rd *suites,
				   struct exts *x);
/* the ClientHello extensions TLS 1.2 adds */
void tls12_put_client_hello_exts(struct tlsk_engine *e, struct buf *b);
int tls12_post_handshake(struct tlsk_engine *e, uint8_t type,
			 const uint8_t *body, size_t len, uint8_t *alert);
/* tls12_common.c */
int tls12_derive_master(struct tlsk_engine *e, const uint8_t *pms,
			size_t pms_len);
int tls12_derive_keys(struct tlsk_engine *e);
void tls12_scrub(struct tlsk_engine *e);
/* tls12_server.c: after our Finished (the session cache entry) */
int tls12_server_finished_sent(struct tlsk_engine *e);

/* peer.c: the client identity a server's new session carries (the
 * certificate's, or on a resumed handshake the one it resumed), and the
 * one a resumed handshake takes on from its session */
void session_peer_get(const struct tlsk_engine *e, char *subject,
		      size_t subject_size, char *sans, size_t sans_size);
void session_peer_set(struct tlsk_engine *e, const char *subject,
		      const char *sans);

/* ticket.c */
/* May a session bound to `binding`, with client identity `peer` ("" for
 * none), resume under cfg? The one rule for tickets of both versions and
 * for the TLS 1.2 session cache (tlsk_config_set_session_context). */
bool session_binding_ok(const struct tlsk_config *cfg, const uint8_t *binding,
			const char *peer);
/* seals s, bound to cfg->binding */
int ticket_seal(const struct tlsk_config *cfg, const struct session *s,
		struct buf *out);
/* 0, or -ENOENT when the ticket is not ours, unreadable, of an older
 * format or bound elsewhere (session_binding_ok) */
int ticket_open(const struct tlsk_config *cfg, const uint8_t *t, size_t len,
		struct session *s);
int session_encode(const struct session *s, struct buf *out);
int session_decode(const uint8_t *p, size_t len, struct session *s);

#endif /* TLSK_ENGINE_INT_H */
