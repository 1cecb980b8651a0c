// SPDX-License-Identifier: MIT
/*
 * conf_load(): one engine configuration per profile. Every failure names
 * the line of the key that caused it, so --check-config can point at it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "sessstore.h"

struct loader {
	struct conf *c;
	struct conf_profile *p;
	struct tlsk_config *cfg;	/* being built */
	struct conf_diag *d;
	int errors;
};

/* Reports rc (a negative errno) against line (0: the profile's). */
static void check(struct loader *l, int rc, int line, const char *what,
		  const char *value)
{
	if (rc == 0)
		return;
	l->errors++;
	conf_diag_add(l->d, true, l->c->file, line ? line : l->p->line,
		      "profile %s: %s%s%s: %s", l->p->name, what,
		      value ? " " : "", value ? value : "", strerror(-rc));
}

/* As check(), for a file the engine read: its own words when it has some
 * (which file, of the wrong kind, cert and key swapped), not just an errno. */
static void check_file(struct loader *l, int rc, int line, const char *what,
		       const char *value)
{
	const char *why = tlsk_config_error(l->cfg);

	if (!rc || !why[0]) {
		check(l, rc, line, what, value);
		return;
	}
	l->errors++;
	conf_diag_add(l->d, true, l->c->file, line ? line : l->p->line,
		      "profile %s: %s: %s", l->p->name, what, why);
}

static void load_string(struct loader *l, const char *key, const char *value,
			int (*set)(struct tlsk_config *, const char *))
{
	if (value)
		check(l, set(l->cfg, value), conf_line(l->p, key), key, value);
}

/* RSA key transport first, so that the list may name its suites; a list
 * refused only for want of the opt-in says so */
static void load_tls12_suites(struct loader *l)
{
	struct conf_profile *p = l->p;
	struct tlsk_config *probe;
	int rc;

	if (p->tls12_rsa_kx)
		check(l, tlsk_config_enable_rsa_kx(l->cfg),
		      conf_line(p, "tls12-rsa-key-exchange"),
		      "tls12-rsa-key-exchange", NULL);
	if (!p->tls12_ciphers)
		return;
	rc = tlsk_config_set_tls12_ciphers(l->cfg, p->tls12_ciphers);
	probe = rc == -EINVAL && !p->tls12_rsa_kx ? tlsk_config_new() : NULL;
	if (probe && !tlsk_config_enable_rsa_kx(probe) &&
	    !tlsk_config_set_tls12_ciphers(probe, p->tls12_ciphers)) {
		l->errors++;
		conf_diag_add(l->d, true, l->c->file,
			      conf_line(p, "tls12-ciphers"),
			      "profile %s: tls12-ciphers names RSA key "
			      "transport, which has no forward secrecy: set "
			      "tls12-rsa-key-exchange = on to allow it",
			      p->name);
	} else {
		check(l, rc, conf_line(p, "tls12-ciphers"), "tls12-ciphers",
		      p->tls12_ciphers);
	}
	tlsk_config_free(probe);
}

/* A private key that others may read is refused, as ssh does. */
static int check_key_file(struct loader *l, const struct conf_cert *cert)
{
	char what[TLSK_PROFILE_MAX + 32];

	snprintf(what, sizeof(what), "profile %s: cert key", l->p->name);
	if (conf_check_secret_file(l->d, l->c->file, cert->line, what,
				   cert->key) != -EPERM)
		return 0;
	l->errors++;
	return -EPERM;
}

/*
 * The trust anchors, read here and never during a handshake: the
 * profile's ca, else (a client that verifies) the system bundle, read
 * once per configuration and shared.
 */
static void load_trust(struct loader *l)
{
	struct conf_profile *p = l->p;
	struct conf *c = l->c;

	if (p->ca_file) {
		check_file(l, tlsk_config_load_ca_file(l->cfg, p->ca_file),
		      conf_line(p, "ca"), "CA bundle", p->ca_file);
		return;
	}
	if (p->role == TLSK_ROLE_SERVER || p->client_auth == TLSK_VERIFY_NONE)
		return;		/* never verifies anything */
	if (!c->system_ca) {
		c->system_ca = tlsk_config_new();
		if (!c->system_ca ||
		    tlsk_config_load_system_ca(c->system_ca)) {
			tlsk_config_free(c->system_ca);
			c->system_ca = NULL;
		}
	}
	if (!c->system_ca) {
		l->errors++;
		conf_diag_add(l->d, true, c->file, p->line, "profile %s: no "
			      "ca, and the system CA bundle %s cannot be read: "
			      "set ca = FILE", p->name, tlsk_system_ca_file());
		return;
	}
	check(l, tlsk_config_share_ca(l->cfg, c->system_ca), 0,
	      "system CA bundle", NULL);
}

/* The engine configuration profile l->p describes, offering alpn. */
static struct tlsk_config *load_profile(struct loader *l, const char *alpn)
{
	struct conf_profile *p = l->p;
	struct tlsk_config *cfg = l->cfg = tlsk_config_new();

	if (!cfg) {
		check(l, -ENOMEM, 0, "engine configuration", NULL);
		return NULL;
	}
	/* The files first: a swapped pair is reported as such, not as a
	 * certificate (0644) too open to be a key. */
	for (size_t i = 0; i < p->ncerts; i++) {
		const struct conf_cert *ce = &p->certs[i];
		int rc = tlsk_config_add_cert(cfg, ce->chain, ce->key);

		bool swapped = rc == -EINVAL &&
			       strstr(tlsk_config_error(cfg), "swapped");

		if (swapped || !check_key_file(l, ce))
			check_file(l, rc, ce->line, "cert", NULL);
	}
	load_trust(l);
	if (p->client_auth >= 0)
		check(l, tlsk_config_set_verify(cfg, p->client_auth),
		      conf_line(p, "client-auth"), "client-auth", NULL);
	if (!p->verify_name)
		check(l, tlsk_config_set_verify_name(cfg, 0),
		      conf_line(p, "verify-name"), "verify-name", NULL);
	check(l, tlsk_config_set_versions(cfg, p->min_version, p->max_version),
	      conf_line(p, "versions"), "versions", NULL);
	load_string(l, "tls13-suites", p->tls13_suites,
		    tlsk_config_set_tls13_suites);
	load_tls12_suites(l);
	check(l, tlsk_config_set_tls12_require_ems(cfg, p->tls12_require_ems),
	      conf_line(p, "tls12-require-ems"), "tls12-require-ems", NULL);
	load_string(l, "groups", p->groups, tlsk_config_set_groups);
	load_string(l, "alpn", alpn, tlsk_config_set_alpn);
	/* tickets and cached sessions resume only in the profile (and under
	 * the client-auth policy) that made them, fleet keys or not */
	check(l, tlsk_config_set_session_context(cfg, p->name), 0,
	      "session context", p->name);
	if (l->c->ticket_src.current)
		check(l, tlsk_config_set_ticket_keys(cfg, &l->c->ticket_src), 0,
		      "ticket keys", NULL);
	check(l, tlsk_config_set_tickets(cfg, 1, l->c->session_lifetime_s), 0,
	      "session-lifetime", NULL);
	if (l->c->session_cache_size) {
		struct tlsk_session_store ss = sess_store_for(p->name);

		check(l, tlsk_config_set_session_store(cfg, &ss,
						       l->c->session_lifetime_s),
		      0, "session-cache-size", NULL);
	}
	return cfg;
}

/* fleet-key-file and session-store (fleet.h); the number of errors. */
static int load_fleet(struct conf *c, struct conf_diag *d)
{
	int kline = conf_global_line(c, "fleet-key-file");
	int sline = conf_global_line(c, "session-store");
	const char *why = NULL;
	unsigned char buf[sizeof(struct in6_addr)];
	struct stat st;
	int rc, errors = 0;

	if (c->fleet_key_file) {
		rc = conf_check_secret_file(d, c->file, kline,
					    "fleet-key-file", c->fleet_key_file);
		if (rc == -EPERM)
			return 1;
		rc = fleet_load_key(c->fleet_key_file, &c->fleet, &why);
		if (rc) {
			conf_diag_add(d, true, c->file, kline,
				      "fleet-key-file %s: %s%s%s",
				      c->fleet_key_file, why,
				      rc == -EINVAL ? "" : ": ",
				      rc == -EINVAL ? "" : strerror(-rc));
			errors++;
		}
	}
	if (c->ticket_key_source == CONF_TICKETS_REDIS) {
		int tline = conf_global_line(c, "ticket-key-source");

		if (!c->session_store || !c->fleet_key_file) {
			conf_diag_add(d, true, c->file, tline,
				      "ticket-key-source = redis needs "
				      "session-store (the Redis) and "
				      "fleet-key-file (what wraps the keys)");
			errors++;
		}
		if (c->ticket_key_file) {
			conf_diag_add(d, true, c->file, tline,
				      "ticket-key-source = redis and "
				      "ticket-key-file exclude each other "
				      "(docs/daemon.md: migrating)");
			errors++;
		}
	}
	if (!c->session_store)
		return errors;
	if (fleet_parse_addr(c->session_store, &c->store_addr, &why)) {
		conf_diag_add(d, true, c->file, sline, "session-store: %s", why);
		errors++;
	}
	if (!c->fleet_key_file) {
		conf_diag_add(d, true, c->file, sline, "session-store needs "
			      "fleet-key-file: the sessions in it are sealed "
			      "with a key derived from the fleet key");
		errors++;
	}
	if (!c->session_cache_size) {
		conf_diag_add(d, true, c->file, sline, "session-store needs "
			      "session-cache-size > 0: the local cache stays "
			      "in front of it");
		errors++;
	}
	if (!c->store_addr.unix_socket && c->store_addr.host[0] &&
	    inet_pton(AF_INET, c->store_addr.host, buf) != 1 &&
	    inet_pton(AF_INET6, c->store_addr.host, buf) != 1)
		conf_diag_add(d, false, c->file, sline, "session-store: '%s' "
			      "is a name, looked up at each (re)connection "
			      "while tlskd's loop waits: give an address",
			      c->store_addr.host);
	if (c->store_addr.password[0] && c->file && !stat(c->file, &st) &&
	    (st.st_mode & 077))
		conf_diag_add(d, false, c->file, sline,
			      "session-store holds a password and %s is "
			      "readable by others (chmod 600)", c->file);
	return errors;
}

int conf_load(struct conf *c, const struct tlsk_ticket_keys *src,
	      struct conf_diag *d)
{
	struct loader l = { .c = c, .d = d };

	if (src)
		c->ticket_src = *src;
	if (c->ticket_key_file &&
	    conf_check_secret_file(d, c->file,
				   conf_global_line(c, "ticket-key-file"),
				   "ticket-key-file", c->ticket_key_file) ==
	    -EPERM)
		l.errors++;
	l.errors += load_fleet(c, d);
	for (size_t i = 0; i < c->nprofiles; i++) {
		l.p = &c->profiles[i];
		l.p->cfg = load_profile(&l, l.p->alpn);
		if (l.p->ncerts == 0 && l.p->role != TLSK_ROLE_CLIENT)
			conf_diag_add(d, false, c->file, l.p->line,
				      "profile %s has no cert: client role only",
				      l.p->name);
	}
	return l.errors ? -EINVAL : 0;
}
