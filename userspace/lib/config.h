/* SPDX-License-Identifier: MIT */
/* struct tlsk_config: what engines read, never write. */
#ifndef TLSK_CONFIG_H
#define TLSK_CONFIG_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "sesscache.h"
#include "tls12_suites.h"
#include "tlsk/engine.h"

#define CFG_MAX_CERTS	16
#define CFG_MAX_ALGS	8
#define CFG_MAX_ALPN	512
#define CFG_MAX_SESSION_CTX	255
#define CFG_BINDING_LEN	SESSCACHE_BINDING_LEN	/* SHA-256 */

struct cfg_cert {
	X509 *leaf;
	STACK_OF(X509) *chain;		/* intermediates, leaf excluded */
	EVP_PKEY *key;
};

#define CFG_ERROR_MAX 256

struct tlsk_config {
	struct cfg_cert certs[CFG_MAX_CERTS];
	size_t ncerts;
	/* Trust anchors, loaded with the configuration (never during a
	 * handshake); NULL: none, so nothing verifies. May be shared. */
	X509_STORE *store;
	enum tlsk_verify verify;
	bool verify_set;
	bool no_verify_name;		/* tlsk_config_set_verify_name(0) */
	uint16_t version_min, version_max;
	uint16_t suites[CFG_MAX_ALGS];
	size_t nsuites;
	/* TLS 1.2 suites (tls12_suites.h), preference order */
	uint16_t tls12_suites[TLS12_MAX_SUITES];
	size_t ntls12_suites;
	bool rsa_kx_enabled;		/* RSA key transport may be used */
	bool tls12_list_set;		/* tlsk_config_set_tls12_ciphers */
	/* refuse TLS 1.2 peers without extended_master_secret (RFC 7627) */
	bool tls12_require_ems;
	/* TLS 1.2 session-ID cache (server); has_sesscache when set */
	struct sesscache_ops sesscache;
	bool has_sesscache;
	struct sesscache *own_sesscache;	/* the built-in one, if used */
	/* or the caller's (tlsk_config_set_session_store), adapted */
	struct tlsk_session_store sess_store;
	uint32_t store_lifetime;
	uint16_t groups[CFG_MAX_ALGS];
	size_t ngroups;
	/* why the last add_cert/load_ca_file failed; "" after a success */
	char error[CFG_ERROR_MAX];
	/* ProtocolNameList contents (RFC 7301, 3.1), preference order */
	uint8_t alpn[CFG_MAX_ALPN];
	size_t alpn_len;
	struct tlsk_ticket_keys ticket_keys;
	uint8_t own_ticket_name[16];	/* the default source's key */
	uint8_t own_ticket_key[32];
	unsigned ticket_count;
	uint32_t ticket_lifetime;
	/* what a server's tickets and cached sessions are bound to:
	 * tlsk_config_set_session_context(), and the digest over it and
	 * the client-authentication policy (cfg_update_binding) */
	char session_ctx[CFG_MAX_SESSION_CTX + 1];
	uint8_t binding[CFG_BINDING_LEN];
	uint64_t (*now_ms)(void *arg);
	void *now_arg;
	void (*keylog)(void *arg, const char *line);
	void *keylog_arg;
};

/* client verify mode when none was set: verify; server: no request */
/* "h2,http/1.1" into RFC 7301's wire form (out unchanged on -EINVAL). */
int alpn_to_wire(const char *list, uint8_t out[CFG_MAX_ALPN], size_t *out_len);
enum tlsk_verify cfg_verify_mode(const struct tlsk_config *cfg,
				 enum tlsk_role role);
uint64_t cfg_now_ms(const struct tlsk_config *cfg);
/*
 * Recompute cfg->binding: SHA-256 over the session context, the server's
 * verify mode and the trust anchors (every certificate and CRL of the CA
 * store, by digest, in sorted order; or "the system's default paths").
 * Called by each setter that changes one of them. On failure the binding
 * is random, so that nothing resumes (fail closed), and -ENOMEM returned.
 */
int cfg_update_binding(struct tlsk_config *cfg);

#endif /* TLSK_CONFIG_H */
