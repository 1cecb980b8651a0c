// SPDX-License-Identifier: MIT
/*
 * tlskd.conf parser. Implementation notes:
 *
 * - One table (keys[]) says, for every key, where it may appear, how its
 *   value is parsed and where it is stored; parse, help text and the
 *   "unknown key" message all come from it.
 * - The parser is strict and reports every problem, not just the first,
 *   each as FILE:LINE. A repeated key is an error except `cert`, which
 *   adds one more certificate to the profile (the engine picks by SNI).
 * - Relative paths are relative to the config file's directory, so a test
 *   or a packaged config can be moved as a whole.
 * - Names in allow-uid / allow-gid / socket-group are resolved when the
 *   config is read: a user deleted later keeps no access by name reuse
 *   until the next reload, and a typo is caught by --check-config.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include <openssl/crypto.h>

#include "conf.h"

enum scope { GLOBAL = 1, PROFILE = 2 };

enum kind {
	K_STRING, K_PATH, K_MODE, K_UINT, K_MSEC, K_SEC, K_VERSIONS,
	K_CLIENT_AUTH, K_UIDS, K_GIDS, K_CERT, K_LOG_LEVEL, K_FALLBACK,
	K_ON_OFF,
	K_KERNEL_REKEY,
	K_ROLE, K_YES_NO, K_TICKET_SOURCE,
};

struct key {
	const char *name;
	enum scope scope;
	enum kind kind;
	size_t off;
	unsigned long min, max;	/* K_UINT, K_MSEC, K_SEC */
	const char *help;
};

#define G(n, k, f, lo, hi, h) { n, GLOBAL, k, offsetof(struct conf, f), lo, hi, h }
#define P(n, k, f, lo, hi, h) { n, PROFILE, k, offsetof(struct conf_profile, f), lo, hi, h }

static const struct key keys[] = {
	G("socket", K_PATH, socket_path, 0, 0,
	  "path of the SOCK_SEQPACKET request socket [" TLSK_SERVICE_SOCKET "]"),
	G("socket-mode", K_MODE, socket_mode, 0, 0777,
	  "octal permissions of the socket [0660]"),
	G("socket-group", K_STRING, socket_group, 0, 0,
	  "group owning the socket (name or number) [tlskd's]"),
	G("log-level", K_LOG_LEVEL, log_level, 0, 0,
	  "error, warning, notice, info or debug [info]"),
	G("max-handshakes", K_UINT, max_handshakes, 1, 1000000,
	  "handshakes in flight before new requests are refused [4096]"),
	G("handshake-timeout", K_MSEC, handshake_timeout_ms, 1, 3600000,
	  "deadline of one handshake, e.g. 10s, 500ms; a request may ask "
	  "for less, never more [10s]"),
	G("max-handshakes-per-uid", K_UINT, max_handshakes_per_uid, 1, 1000000,
	  "handshakes in flight for one caller uid before its new requests "
	  "are refused [1024]"),
	G("max-relays-per-uid", K_UINT, max_relays_per_uid, 1, 1000000,
	  "connections tlskd relays (userspace-fallback = proxy) for one "
	  "caller uid at once; more handshakes fail [1024]"),
	G("max-connections-per-uid", K_UINT, max_connections_per_uid, 1,
	  1000000, "connections to tlskd from one caller uid; more are "
	  "refused [1024]"),
	G("caller-idle-timeout", K_SEC, caller_idle_timeout_s, 1, 86400,
	  "a caller connection with no handshake in flight is closed after "
	  "this long without a request [60s]"),
	G("ticket-key-rotation", K_SEC, ticket_rotation_s, 60, 604800,
	  "seconds between new ticket keys, e.g. 1h [1h]"),
	G("ticket-key-file", K_PATH, ticket_key_file, 0, 0,
	  "file of ticket keys shared by a fleet (docs/daemon.md) [none]"),
	G("ticket-key-source", K_TICKET_SOURCE, ticket_key_source, 0, 0,
	  "file: ticket-key-file, or keys made here; redis: the fleet's "
	  "rotating keys in the session-store's Redis, wrapped by "
	  "fleet-key-file [file]"),
	G("session-cache-size", K_UINT, session_cache_size, 0, 10000000,
	  "TLS 1.2 session-ID cache entries, 0 = off [20000]"),
	G("session-lifetime", K_SEC, session_lifetime_s, 1, 604800,
	  "lifetime of tickets and cached sessions [2h]"),
	G("session-store", K_STRING, session_store, 0, 0,
	  "TLS 1.2 sessions shared by a fleet: redis://[user:password@]"
	  "host:port[/db] or unix:[user:password@]/path; needs "
	  "fleet-key-file [none: this machine's cache only]"),
	G("session-store-timeout", K_MSEC, session_store_timeout_ms, 1, 10000,
	  "how long a handshake waits for the session store before going "
	  "on as a miss [5ms]"),
	G("fleet-key-file", K_PATH, fleet_key_file, 0, 0,
	  "the fleet's shared secret, one line of 64 hex digits (openssl "
	  "rand -hex 32), mode 0600 [none]"),
	G("userspace-fallback", K_FALLBACK, fallback, 0, 0,
	  "without kernel TLS: proxy (tlskd relays records) or refuse [proxy]"),
	G("user", K_STRING, user, 0, 0,
	  "started as root, become this user once the socket and keys are "
	  "open [none: stay]"),
	G("group", K_STRING, group, 0, 0,
	  "with user: the group to become [the user's primary group]"),
	G("drain-timeout", K_MSEC, drain_timeout_ms, 0, 3600000,
	  "on SIGTERM, let handshakes in flight finish this long, 0 = "
	  "stop at once [10s]"),
	P("cert", K_CERT, certs, 0, 0,
	  "CHAIN.pem KEY.pem; repeat for more names (picked by SNI)"),
	P("ca", K_PATH, ca_file, 0, 0,
	  "CA bundle (PEM) to verify peers with"),
	P("client-auth", K_CLIENT_AUTH, client_auth, 0, 0,
	  "server: none, optional or require (a session resumes only in "
	  "its profile, under the client-auth and ca that made it); "
	  "client: verify unless none"),
	P("versions", K_VERSIONS, min_version, 0, 0,
	  "1.2, 1.3 or 1.2-1.3 [1.2-1.3]"),
	P("tls13-suites", K_STRING, tls13_suites, 0, 0,
	  "TLS 1.3 suites, OpenSSL names, colon-separated"),
	P("tls12-ciphers", K_STRING, tls12_ciphers, 0, 0,
	  "TLS 1.2 ciphers, OpenSSL names, colon-separated"),
	P("tls12-rsa-key-exchange", K_ON_OFF, tls12_rsa_kx, 0, 0,
	  "on: allow TLS 1.2 RSA key transport (AES128-GCM-SHA256, "
	  "AES256-GCM-SHA384), which has no forward secrecy [off]"),
	P("tls12-require-ems", K_ON_OFF, tls12_require_ems, 0, 0,
	  "on: refuse TLS 1.2 peers without extended master secret "
	  "(RFC 7627); off: accept them, never resuming [off]"),
	P("groups", K_STRING, groups, 0, 0, "key-exchange groups, x25519:P-256"),
	P("alpn", K_STRING, alpn, 0, 0, "protocols, preference order: h2,http/1.1"),
	P("allow-uid", K_UIDS, uids, 0, 0,
	  "users (names or numbers) that may use the profile; root always may"),
	P("allow-gid", K_GIDS, gids, 0, 0,
	  "groups whose members may use the profile"),
	P("handshake-timeout", K_MSEC, handshake_timeout_ms, 1, 3600000,
	  "this profile's handshake deadline [global]"),
	P("ticket-wait", K_MSEC, ticket_wait_ms, 0, 10000,
	  "client: wait this long for the server's tickets, 0 = off [auto]"),
	P("kernel-rekey", K_KERNEL_REKEY, kernel_rekey, 0, 0,
	  "auto: tlsk.ko follows TLS 1.3 KeyUpdate itself; off [auto]"),
	P("kernel-alerts", K_ON_OFF, kernel_alerts, 0, 0,
	  "on: tlsk.ko sends the peer a fatal alert when a record of its "
	  "stops the stream (TLSK_SEND_ALERTS); off [on]"),
	P("role", K_ROLE, role, 0, 0,
	  "server or client: the only role requests may ask for [both]"),
	P("verify-name", K_YES_NO, verify_name, 0, 0,
	  "client: no = requests need no server name, and the server's "
	  "name is not checked (its chain still is) [yes]"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= CONF_MAX_KEYS, "struct conf lines[] too small");

struct parser {
	struct conf *c;
	struct conf_diag *d;
	const char *file;
	int line;
	struct conf_profile *prof;	/* current section, NULL: global */
	char dir[PATH_MAX];		/* of the file, for relative paths */
};

void conf_diag_add(struct conf_diag *d, bool error, const char *file,
		   int line, const char *fmt, ...)
{
	size_t room = sizeof(d->text) - d->len;
	va_list ap;
	int n;

	if (error)
		d->errors++;
	else
		d->warnings++;
	if (room < 2)
		return;
	n = line > 0 ? snprintf(d->text + d->len, room, "%s:%d: %s", file,
				line, error ? "" : "warning: ")
		     : snprintf(d->text + d->len, room, "%s: %s", file,
				error ? "" : "warning: ");
	if (n > 0 && (size_t)n < room) {
		d->len += (size_t)n;
		room -= (size_t)n;
		va_start(ap, fmt);
		n = vsnprintf(d->text + d->len, room, fmt, ap);
		va_end(ap);
		if (n > 0)
			d->len += (size_t)n < room ? (size_t)n : room - 1;
	}
	if (d->len + 1 < sizeof(d->text)) {
		d->text[d->len++] = '\n';
		d->text[d->len] = '\0';
	}
}

#define PERR(p, ...) conf_diag_add((p)->d, true, (p)->file, (p)->line, __VA_ARGS__)

/* The key called name in scope, else in any scope (for the message that
 * says where it belongs), else NULL. */
static const struct key *find_key(const char *name, enum scope scope)
{
	const struct key *other = NULL;

	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (keys[i].scope & scope)
			return &keys[i];
		other = &keys[i];
	}
	return other;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

/* "500ms", "10s", "5m", "2h", "1d" or a plain number in `unit_ms`. */
static int parse_duration(const char *s, unsigned long unit_ms,
			  unsigned long *ms)
{
	static const struct { const char *sfx; unsigned long ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 },
	};
	char num[32];
	size_t n = strspn(s, "0123456789");
	unsigned long v, mul = unit_ms;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (s[n]) {
		mul = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(s + n, units[i].sfx))
				mul = units[i].ms;
	}
	if (!mul || parse_ulong(num, &v) || v > ULONG_MAX / mul)
		return -EINVAL;
	*ms = v * mul;
	return 0;
}

static int parse_version(const char *s, uint16_t *v)
{
	if (!strcmp(s, "1.2"))
		*v = 0x0303;
	else if (!strcmp(s, "1.3"))
		*v = 0x0304;
	else
		return -EINVAL;
	return 0;
}

static int set_versions(struct parser *p, char *v, struct conf_profile *prof)
{
	char *dash = strchr(v, '-');
	uint16_t lo, hi;

	if (dash)
		*dash = '\0';
	if (parse_version(trim(v), &lo) ||
	    parse_version(dash ? trim(dash + 1) : v, &hi)) {
		PERR(p, "versions: expected 1.2, 1.3 or 1.2-1.3 (TLS 1.1 and "
		     "older are refused, RFC 8996)");
		return -EINVAL;
	}
	if (lo > hi) {
		PERR(p, "versions: lowest above highest");
		return -EINVAL;
	}
	prof->min_version = lo;
	prof->max_version = hi;
	return 0;
}

static int lookup_id(const char *name, bool group, unsigned long *id)
{
	if (isdigit((unsigned char)*name))
		return parse_ulong(name, id);
	if (group) {
		struct group *g = getgrnam(name);

		if (!g)
			return -ENOENT;
		*id = g->gr_gid;
	} else {
		struct passwd *pw = getpwnam(name);

		if (!pw)
			return -ENOENT;
		*id = pw->pw_uid;
	}
	return 0;
}

/* Space- or comma-separated users or groups, appended to the list. */
static int set_ids(struct parser *p, char *v, bool group,
		   struct conf_profile *prof)
{
	size_t *n = group ? &prof->ngids : &prof->nuids;
	char *save = NULL;
	int rc = 0;

	for (char *t = strtok_r(v, " \t,", &save); t;
	     t = strtok_r(NULL, " \t,", &save)) {
		unsigned long id;

		if (lookup_id(t, group, &id) || id >= UINT_MAX) {
			PERR(p, "no such %s: %s", group ? "group" : "user", t);
			rc = -EINVAL;
		} else if (*n == CONF_MAX_IDS) {
			PERR(p, "more than %d entries", CONF_MAX_IDS);
			return -EINVAL;
		} else if (group) {
			prof->gids[(*n)++] = (gid_t)id;
		} else {
			prof->uids[(*n)++] = (uid_t)id;
		}
	}
	return rc;
}

static char *make_path(struct parser *p, const char *v)
{
	char buf[PATH_MAX];

	if (v[0] == '/' || !p->dir[0])
		return strdup(v);
	if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", p->dir, v) >= sizeof(buf))
		return NULL;
	return strdup(buf);
}

static int set_cert(struct parser *p, char *v, struct conf_profile *prof)
{
	char *save = NULL;
	char *chain = strtok_r(v, " \t", &save);
	char *key = strtok_r(NULL, " \t", &save);
	struct conf_cert *cert;

	if (!chain || !key || strtok_r(NULL, " \t", &save)) {
		PERR(p, "cert: expected two paths, CHAIN.pem KEY.pem");
		return -EINVAL;
	}
	if (prof->ncerts == CONF_MAX_CERTS) {
		PERR(p, "cert: more than %d certificates", CONF_MAX_CERTS);
		return -EINVAL;
	}
	cert = &prof->certs[prof->ncerts++];
	cert->line = p->line;
	cert->chain = make_path(p, chain);
	cert->key = make_path(p, key);
	return cert->chain && cert->key ? 0 : -ENOMEM;
}

static int set_word(struct parser *p, const char *v, const char *what,
		    const char *const *words, int *out)
{
	for (int i = 0; words[i]; i++) {
		if (!strcmp(v, words[i])) {
			*out = i;
			return 0;
		}
	}
	PERR(p, "%s: unknown value '%s'", what, v);
	return -EINVAL;
}

static int set_uint(struct parser *p, const struct key *k, const char *v,
		    unsigned *out)
{
	unsigned long n;
	int rc = k->kind == K_UINT ? parse_ulong(v, &n) :
		 parse_duration(v, k->kind == K_SEC ? 1000 : 1, &n);

	if (!rc && k->kind == K_SEC)
		n /= 1000;
	if (rc || n < k->min || n > k->max) {
		PERR(p, "%s: expected %s between %lu and %lu%s", k->name,
		     k->kind == K_UINT ? "a number" : "a duration",
		     k->min, k->max, k->kind == K_MSEC ? " ms" :
		     k->kind == K_SEC ? " s" : "");
		return -EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}

static int set_mode(struct parser *p, const char *v, unsigned *out)
{
	char *end;
	unsigned long m;

	errno = 0;
	m = strtoul(v, &end, 8);
	if (!*v || errno || *end || m > 0777) {
		PERR(p, "socket-mode: expected octal permissions like 0660");
		return -EINVAL;
	}
	*out = (unsigned)m;
	return 0;
}

static int set_string(char **field, char *v)
{
	free(*field);
	*field = v;
	return v ? 0 : -ENOMEM;
}

static int apply(struct parser *p, const struct key *k, char *v, void *base)
{
	static const char *const levels[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug", NULL
	};
	static const char *const auth[] = { "none", "optional", "require", NULL };
	static const char *const fallback[] = { "proxy", "refuse", NULL };
	static const char *const on_off[] = { "off", "on", NULL };
	static const char *const rekey[] = { "off", "auto", NULL };
	/* indexed by enum tlsk_role */
	static const char *const roles[] = { "client", "server", NULL };
	static const char *const yes_no[] = { "no", "yes", NULL };
	/* indexed by enum conf_ticket_source */
	static const char *const tk_sources[] = { "file", "redis", NULL };
	void *field = (char *)base + k->off;

	switch (k->kind) {
	case K_STRING:
		return set_string(field, strdup(v));
	case K_PATH:
		return set_string(field, make_path(p, v));
	case K_MODE:
		return set_mode(p, v, field);
	case K_UINT:
	case K_MSEC:
	case K_SEC:
		return set_uint(p, k, v, field);
	case K_VERSIONS:
		return set_versions(p, v, base);
	case K_CLIENT_AUTH:
		return set_word(p, v, k->name, auth, field);
	case K_UIDS:
		return set_ids(p, v, false, base);
	case K_GIDS:
		return set_ids(p, v, true, base);
	case K_CERT:
		return set_cert(p, v, base);
	case K_LOG_LEVEL:
		return set_word(p, v, k->name, levels, field);
	case K_FALLBACK:
		return set_word(p, v, k->name, fallback, field);
	case K_ON_OFF:
		return set_word(p, v, k->name, on_off, field);
	case K_KERNEL_REKEY:
		return set_word(p, v, k->name, rekey, field);
	case K_ROLE:
		return set_word(p, v, k->name, roles, field);
	case K_YES_NO:
		return set_word(p, v, k->name, yes_no, field);
	case K_TICKET_SOURCE:
		return set_word(p, v, k->name, tk_sources, field);
	}
	return -EINVAL;
}

static void profile_defaults(struct conf_profile *prof)
{
	memset(prof, 0, sizeof(*prof));
	prof->client_auth = -1;
	prof->min_version = 0x0303;
	prof->max_version = 0x0304;
	prof->kernel_rekey = CONF_KERNEL_REKEY_AUTO;
	prof->kernel_alerts = 1;
	prof->role = -1;
	prof->verify_name = 1;
}

static bool name_ok(const char *s)
{
	if (!*s || strlen(s) >= TLSK_PROFILE_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static int open_section(struct parser *p, char *s)
{
	char *end = strchr(s, ']');
	char *name;

	if (!end || trim(end + 1)[0]) {
		PERR(p, "expected [profile NAME]");
		return -EINVAL;
	}
	*end = '\0';
	s = trim(s + 1);
	if (strncmp(s, "profile", 7) != 0 || !isspace((unsigned char)s[7])) {
		PERR(p, "unknown section [%s]; sections are [profile NAME]", s);
		return -EINVAL;
	}
	name = trim(s + 7);
	if (!name_ok(name)) {
		PERR(p, "profile name '%s': 1-%d letters, digits, '-', '_', '.'",
		     name, TLSK_PROFILE_MAX - 1);
		return -EINVAL;
	}
	if (conf_profile(p->c, name)) {
		PERR(p, "profile '%s' defined twice (first at line %d)", name,
		     conf_profile(p->c, name)->line);
		return -EINVAL;
	}
	if (p->c->nprofiles == CONF_MAX_PROFILES) {
		PERR(p, "more than %d profiles", CONF_MAX_PROFILES);
		return -EINVAL;
	}
	p->prof = &p->c->profiles[p->c->nprofiles++];
	profile_defaults(p->prof);
	strcpy(p->prof->name, name);
	p->prof->line = p->line;
	return 0;
}

static int set_key(struct parser *p, char *s)
{
	char *eq = strchr(s, '=');
	const struct key *k;
	int *lines;
	char *name, *v;

	if (!eq) {
		PERR(p, "expected key = value");
		return -EINVAL;
	}
	*eq = '\0';
	name = trim(s);
	v = trim(eq + 1);
	k = find_key(name, p->prof ? PROFILE : GLOBAL);
	if (!k) {
		PERR(p, "unknown key '%s' (tlskd --help-config lists them)", name);
		return -EINVAL;
	}
	if (!(k->scope & (p->prof ? PROFILE : GLOBAL))) {
		PERR(p, "'%s' belongs %s", name, p->prof ?
		     "before the first [profile] section" :
		     "in a [profile NAME] section");
		return -EINVAL;
	}
	if (!*v) {
		PERR(p, "%s: empty value", name);
		return -EINVAL;
	}
	lines = p->prof ? p->prof->lines : p->c->lines;
	if (lines[k - keys] && k->kind != K_CERT) {
		PERR(p, "'%s' set twice (first at line %d)", name,
		     lines[k - keys]);
		return -EINVAL;
	}
	lines[k - keys] = p->line;
	return apply(p, k, v, p->prof ? (void *)p->prof : (void *)p->c);
}

static int parse_line(struct parser *p, char *s)
{
	for (char *q = s; *q; q++) {
		if ((unsigned char)*q < 0x20 && *q != '\t') {
			PERR(p, "control character in line");
			return -EINVAL;
		}
	}
	s = trim(s);
	if (!*s || *s == '#')
		return 0;
	if (*s == '[')
		return open_section(p, s);
	return set_key(p, s);
}

static void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->socket_path = strdup(TLSK_SERVICE_SOCKET);
	c->socket_mode = 0660;
	c->log_level = LOG_INFO;
	c->max_handshakes = 4096;
	c->max_handshakes_per_uid = 1024;
	c->max_connections_per_uid = 1024;
	c->max_relays_per_uid = 1024;
	c->caller_idle_timeout_s = 60;
	c->handshake_timeout_ms = 10000;
	c->drain_timeout_ms = 10000;
	c->ticket_rotation_s = 3600;
	c->session_cache_size = 20000;
	c->session_lifetime_s = 7200;
	c->session_store_timeout_ms = 5;
	c->fallback = CONF_FALLBACK_PROXY;
	c->profiles = calloc(CONF_MAX_PROFILES, sizeof(*c->profiles));
}

static void set_dir(struct parser *p, const char *file)
{
	const char *slash = strrchr(file, '/');
	size_t n = slash ? (size_t)(slash - file) : 0;

	if (!slash) {
		strcpy(p->dir, ".");
	} else if (n < sizeof(p->dir)) {
		memcpy(p->dir, file, n);
		p->dir[n] = '\0';
		if (n == 0)
			strcpy(p->dir, "/");
	}
}

static const char *role_word(int role)
{
	return role == TLSK_ROLE_SERVER ? "server" : "client";
}

/* What keys mean together, once the whole profile is read. */
static void check_profile(struct parser *p, const struct conf_profile *prof)
{
	static const char *const auth[] = { "none", "optional", "require" };
	bool serves = prof->ncerts && prof->role != TLSK_ROLE_CLIENT;

	/* Without a CA, client certificates would be checked against
	 * nothing the admin chose (it used to be the public web's CAs). */
	if (serves && prof->client_auth > TLSK_VERIFY_NONE && !prof->ca_file)
		conf_diag_add(p->d, true, p->file, conf_line(prof, "client-auth"),
			      "profile %s: client-auth = %s needs ca = FILE, "
			      "the CAs that issue your clients' certificates "
			      "(or role = client if the profile only makes "
			      "client handshakes)", prof->name,
			      auth[prof->client_auth]);
	if (prof->role == TLSK_ROLE_SERVER && !prof->ncerts)
		conf_diag_add(p->d, true, p->file, conf_line(prof, "role"),
			      "profile %s: role = server needs a cert",
			      prof->name);
}

int conf_profile_refuses(const struct conf_profile *p, int role,
			 const char *server_name, char *why, size_t size)
{
	if (p->role >= 0 && role != p->role) {
		snprintf(why, size, "profile %s is for %s handshakes only "
			 "(role = %s)", p->name, role_word(p->role),
			 role_word(p->role));
		return -EACCES;
	}
	if (role == TLSK_ROLE_SERVER && !p->ncerts) {
		snprintf(why, size, "profile %s has no certificate: client "
			 "handshakes only", p->name);
		return -EINVAL;
	}
	if (role == TLSK_ROLE_CLIENT && !(server_name && *server_name) &&
	    p->verify_name) {
		snprintf(why, size, "profile %s: a client handshake needs the "
			 "server's name, to verify its certificate (or "
			 "verify-name = no in the profile)", p->name);
		return -EINVAL;
	}
	return 0;
}

int conf_check_secret_file(struct conf_diag *d, const char *file, int line,
			   const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;	/* loading it reports that */
	if (!(st.st_mode & 077))
		return 0;
	conf_diag_add(d, true, file, line, "%s: permissions %04o for '%s' "
		      "are too open: a secret must be readable by tlskd's "
		      "user only (chmod 600)", what,
		      (unsigned)(st.st_mode & 07777), path);
	return -EPERM;
}

int conf_parse(struct conf *c, const char *text, size_t len,
	       const char *file, struct conf_diag *d)
{
	struct parser p = { .c = c, .d = d, .file = file };
	unsigned errors = d->errors;
	char line[CONF_MAX_LINE + 1];
	size_t pos = 0;

	conf_defaults(c);
	c->file = strdup(file);
	if (!c->socket_path || !c->profiles || !c->file) {
		conf_diag_add(d, true, file, 0, "out of memory");
		return -ENOMEM;
	}
	set_dir(&p, file);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;

		p.line++;
		if (n > CONF_MAX_LINE) {
			PERR(&p, "line longer than %d bytes", CONF_MAX_LINE);
		} else if (memchr(text + pos, '\0', n)) {
			PERR(&p, "NUL byte in line");
		} else {
			memcpy(line, text + pos, n);
			line[n] = '\0';
			if (parse_line(&p, line) == -ENOMEM)
				PERR(&p, "out of memory");
		}
		pos += n + 1;
	}
	for (size_t i = 0; i < c->nprofiles; i++)
		check_profile(&p, &c->profiles[i]);
	if (c->nprofiles == 0)
		conf_diag_add(d, false, file, 0, "no [profile NAME] section: "
			      "every request will be refused");
	return d->errors == errors ? 0 : -EINVAL;
}

int conf_read(struct conf *c, const char *path, struct conf_diag *d)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int rc;

	if (!f) {
		conf_defaults(c);
		conf_diag_add(d, true, path, 0, "%s", strerror(errno));
		return -errno;
	}
	text = malloc(CONF_MAX_SIZE + 1);
	n = text ? fread(text, 1, CONF_MAX_SIZE + 1, f) : 0;
	fclose(f);
	if (n > CONF_MAX_SIZE) {
		conf_defaults(c);
		conf_diag_add(d, true, path, 0, "larger than %d bytes",
			      CONF_MAX_SIZE);
		free(text);
		return -EFBIG;
	}
	rc = text ? conf_parse(c, text, n, path, d) : -ENOMEM;
	free(text);
	return rc;
}

struct conf_profile *conf_profile(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i].name, name))
			return &c->profiles[i];
	return NULL;
}

bool conf_profile_allows(const struct conf_profile *p, uid_t uid, gid_t gid,
			 const gid_t *groups, size_t ngroups)
{
	if (uid == 0)
		return true;
	for (size_t i = 0; i < p->nuids; i++)
		if (p->uids[i] == uid)
			return true;
	for (size_t i = 0; i < p->ngids; i++) {
		if (p->gids[i] == gid)
			return true;
		for (size_t j = 0; j < ngroups; j++)
			if (p->gids[i] == groups[j])
				return true;
	}
	return false;
}

static void free_strings(void *base, enum scope scope)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].scope != scope ||
		    (keys[i].kind != K_STRING && keys[i].kind != K_PATH))
			continue;
		free(*(char **)((char *)base + keys[i].off));
	}
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; c->profiles && i < c->nprofiles; i++) {
		struct conf_profile *prof = &c->profiles[i];

		for (size_t j = 0; j < prof->ncerts; j++) {
			free(prof->certs[j].chain);
			free(prof->certs[j].key);
		}
		free_strings(prof, PROFILE);
		tlsk_config_free(prof->cfg);
	}
	if (c->session_store)	/* may hold a password */
		OPENSSL_cleanse(c->session_store, strlen(c->session_store));
	free_strings(c, GLOBAL);
	fleet_keys_scrub(&c->fleet);
	fleet_addr_scrub(&c->store_addr);
	tlsk_config_free(c->system_ca);
	free(c->profiles);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

int conf_line(const struct conf_profile *p, const char *key)
{
	const struct key *k = find_key(key, PROFILE);

	return k && k->scope == PROFILE ? p->lines[k - keys] : 0;
}

int conf_global_line(const struct conf *c, const char *key)
{
	const struct key *k = find_key(key, GLOBAL);

	return k && k->scope == GLOBAL ? c->lines[k - keys] : 0;
}

void conf_print_keys(FILE *f)
{
	fprintf(f, "Global keys (before the first [profile NAME]):\n");
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].scope == GLOBAL)
			fprintf(f, "  %-20s %s\n", keys[i].name, keys[i].help);
	fprintf(f, "\n[profile NAME] keys:\n");
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].scope == PROFILE)
			fprintf(f, "  %-20s %s\n", keys[i].name, keys[i].help);
}
