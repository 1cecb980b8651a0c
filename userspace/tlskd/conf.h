/* SPDX-License-Identifier: MIT */
/*
 * tlskd.conf: a global section then [profile NAME] sections, one
 * `key = value` a line, `#` comments on lines of their own. The syntax and
 * every key are documented in docs/daemon.md; the key table in conf.c is
 * the single source of truth for both parsing and --check-config help.
 *
 * Parsing (conf_parse) only reads text, so it can be fuzzed; loading
 * (conf_load) builds an engine configuration per profile, which reads the
 * certificate, key and CA files it names. Both report every problem they
 * find as "FILE:LINE: message" into a struct conf_diag.
 */
#ifndef TLSKD_CONF_H
#define TLSKD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "fleet.h"
#include "tlsk/engine.h"
#include "tlsk/service.h"

#define CONF_MAX_PROFILES	64
#define CONF_MAX_CERTS		16	/* per profile, chosen by SNI */
#define CONF_MAX_IDS		32	/* allow-uid / allow-gid entries */
#define CONF_MAX_LINE		4096
#define CONF_MAX_SIZE		(1 << 20)
#define CONF_MAX_KEYS		48	/* in the key table: lines[] */

enum conf_ticket_source {
	CONF_TICKETS_FILE,	/* ticket-key-file, or generated here */
	CONF_TICKETS_REDIS,	/* the fleet's, in Redis (tkredis.c) */
};

enum conf_fallback {
	CONF_FALLBACK_PROXY,	/* no kernel TLS: tlskd relays the records */
	CONF_FALLBACK_REFUSE,	/* no kernel TLS: the request fails */
};

/*
 * kernel-rekey: whether tlsk.ko gets the TLS 1.3 traffic secrets and so
 * follows KeyUpdate by itself (TLSK_HANDOFF_KERNEL_REKEY).
 */
enum conf_kernel_rekey {
	CONF_KERNEL_REKEY_OFF,
	CONF_KERNEL_REKEY_AUTO,
};

struct conf_cert {
	char *chain, *key;
	int line;
};

struct conf_profile {
	char name[TLSK_PROFILE_MAX];
	int line;
	struct conf_cert certs[CONF_MAX_CERTS];
	size_t ncerts;
	char *ca_file;
	int client_auth;		/* enum tlsk_verify, -1: default */
	uint16_t min_version, max_version;
	char *tls13_suites, *tls12_ciphers, *groups, *alpn;
	int tls12_rsa_kx;		/* tls12-rsa-key-exchange = on */
	int tls12_require_ems;		/* tls12-require-ems = on */
	uid_t uids[CONF_MAX_IDS];
	size_t nuids;
	gid_t gids[CONF_MAX_IDS];
	size_t ngids;
	unsigned handshake_timeout_ms;	/* 0: the global one */
	unsigned ticket_wait_ms;	/* if set (conf_line): else auto */
	int kernel_rekey;		/* enum conf_kernel_rekey */
	int kernel_alerts;		/* 1 (default): TLSK_HANDOFF_SEND_ALERTS */
	int role;			/* enum tlsk_role, -1: both */
	int verify_name;		/* client: 1 (default) or 0 */
	int lines[CONF_MAX_KEYS];	/* line of each key set, by index */
	struct tlsk_config *cfg;	/* conf_load() */
};

struct conf {
	char *file;
	char *socket_path;
	unsigned socket_mode;
	char *socket_group;
	int log_level;			/* LOG_ERR .. LOG_DEBUG */
	unsigned max_handshakes;
	unsigned max_handshakes_per_uid;
	unsigned max_connections_per_uid;
	unsigned max_relays_per_uid;
	unsigned caller_idle_timeout_s;
	unsigned handshake_timeout_ms;
	unsigned ticket_rotation_s;
	char *ticket_key_file;
	int ticket_key_source;		/* enum conf_ticket_source */
	unsigned session_cache_size;
	unsigned session_lifetime_s;
	char *session_store;		/* redis://... or unix:... */
	unsigned session_store_timeout_ms;
	char *fleet_key_file;
	struct fleet_addr store_addr;	/* conf_load(): session_store */
	struct fleet_keys fleet;	/* conf_load(): from fleet_key_file */
	int fallback;			/* enum conf_fallback */
	char *user, *group;		/* privs.c: who to become */
	unsigned drain_timeout_ms;	/* SIGTERM: handshakes may finish */
	int lines[CONF_MAX_KEYS];
	struct tlsk_ticket_keys ticket_src;	/* conf_load()'s src */
	struct tlsk_config *system_ca;	/* conf_load(): the system bundle,
					 * read once, shared by profiles */
	struct conf_profile *profiles;
	size_t nprofiles;
};

struct conf_diag {
	char text[8192];
	size_t len;
	unsigned errors, warnings;
};

/* Defaults, then the text. 0 or -EINVAL (problems in *d); c is always
 * safe to conf_free(). */
int conf_parse(struct conf *c, const char *text, size_t len,
	       const char *file, struct conf_diag *d);
/* Reads and parses a file (at most CONF_MAX_SIZE bytes). */
int conf_read(struct conf *c, const char *path, struct conf_diag *d);
/* Builds each profile's engine configuration; ticket keys come from src
 * (may be NULL: the engine's own). 0 or -EINVAL with problems in *d. */
int conf_load(struct conf *c, const struct tlsk_ticket_keys *src,
	      struct conf_diag *d);
void conf_free(struct conf *c);

struct conf_profile *conf_profile(const struct conf *c, const char *name);
/*
 * Does profile p refuse a request in role (enum tlsk_role) for server_name
 * ("" : none)? 0, or a negative errno with why (naming the profile) filled:
 * the other role than its `role`, a server request without a cert, a client
 * request without a server name unless `verify-name = no`.
 */
int conf_profile_refuses(const struct conf_profile *p, int role,
			 const char *server_name, char *why, size_t size);
/* May a peer with these credentials use profile p? groups: its
 * supplementary groups (SO_PEERGROUPS). uid 0 always may. */
bool conf_profile_allows(const struct conf_profile *p, uid_t uid, gid_t gid,
			 const gid_t *groups, size_t ngroups);

void conf_diag_add(struct conf_diag *d, bool error, const char *file,
		   int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A private key or ticket key file (what, at line of file) that is open
 * to the group or others: an error naming it and its mode. 0 or -EPERM
 * (-errno when it cannot be examined). */
int conf_check_secret_file(struct conf_diag *d, const char *file, int line,
			   const char *what, const char *path);
/* Line where key was set in profile p, or 0. */
int conf_line(const struct conf_profile *p, const char *key);
/* Line where global key was set, or 0. */
int conf_global_line(const struct conf *c, const char *key);

/* Prints the key reference (--help-config). */
void conf_print_keys(FILE *f);

#endif /* TLSKD_CONF_H */
