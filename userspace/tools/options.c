// SPDX-License-Identifier: MIT
/*
 * The option table of tlsk-client and tlsk-server. Options the tools share
 * with openssl s_client/s_server keep OpenSSL's spelling and meaning, so
 * that habits and scripts carry over; ours are marked "(tlsk)" in -help.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define BOTH (TOOL_CLIENT | TOOL_SERVER)

struct tool_option {
	const char *name;
	const char *arg;	/* placeholder for -help; NULL: a flag */
	unsigned int roles;
	const char *help;
	size_t off;		/* string or flag options: where it goes */
	int (*apply)(struct tool_opts *o, const char *arg);
};

static int set_tls12(struct tool_opts *o, const char *arg)
{
	(void)arg;
	o->min_version = o->max_version = 0x0303;
	return 0;
}

static int set_tls13(struct tool_opts *o, const char *arg)
{
	(void)arg;
	o->min_version = o->max_version = 0x0304;
	return 0;
}

/* s_server -verify: ask for a certificate; s_client -verify: check the
 * server's (which tlsk-client does anyway). N, the depth, is accepted for
 * compatibility; the chain length is libcrypto's default. */
static int set_verify(struct tool_opts *o, const char *arg)
{
	(void)arg;
	o->verify = o->role == TOOL_SERVER ? TLSK_VERIFY_OPTIONAL :
					     TLSK_VERIFY_REQUIRE;
	return 0;
}

static int set_verify_required(struct tool_opts *o, const char *arg)
{
	(void)arg;
	o->verify = TLSK_VERIFY_REQUIRE;
	return 0;
}

static int set_noverify(struct tool_opts *o, const char *arg)
{
	(void)arg;
	o->verify = TLSK_VERIFY_NONE;
	return 0;
}

static int parse_count(const char *arg, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < 0 || v > 1000000000)
		return -1;
	*out = (int)v;
	return 0;
}

static int set_naccept(struct tool_opts *o, const char *arg)
{
	return parse_count(arg, &o->naccept);
}

static int set_timeout(struct tool_opts *o, const char *arg)
{
	int secs;

	if (parse_count(arg, &secs) || secs > 86400)
		return -1;
	o->timeout_ms = secs * 1000;
	return 0;
}

static int set_wait(struct tool_opts *o, const char *arg)
{
	return parse_count(arg, &o->wait_ms);
}

static int set_ulp(struct tool_opts *o, const char *arg)
{
	static const struct {
		const char *name;
		unsigned int flags;
	} choice[] = {
		{ "auto", 0 },
		{ "tlsk", TLSK_HANDOFF_NO_TLS | TLSK_HANDOFF_NO_USER },
		{ "tls", TLSK_HANDOFF_NO_TLSK | TLSK_HANDOFF_NO_USER },
		{ "user", TLSK_HANDOFF_USER_ONLY },
	};

	for (size_t i = 0; i < sizeof(choice) / sizeof(choice[0]); i++) {
		if (!strcmp(arg, choice[i].name)) {
			o->handoff_flags = choice[i].flags;
			return 0;
		}
	}
	return -1;
}

/* Options that only store their string, or set a flag to 1. */
#define STR(field) offsetof(struct tool_opts, field), NULL
#define FLAG(field) offsetof(struct tool_opts, field), NULL

static const struct tool_option options[] = {
	{ "connect", "host:port", TOOL_CLIENT,
	  "server to connect to (default localhost:4433)", STR(connect) },
	{ "accept", "[host:]port", TOOL_SERVER,
	  "address to listen on (default 4433)", STR(accept) },
	{ "cert", "file", BOTH,
	  "certificate chain, PEM, leaf first (server: required)",
	  STR(cert) },
	{ "key", "file", BOTH, "private key of -cert, PEM (default: -cert)",
	  STR(key) },
	{ "cert2", "file", TOOL_SERVER,
	  "a second certificate chain, chosen when SNI names it",
	  STR(cert2) },
	{ "key2", "file", TOOL_SERVER, "private key of -cert2 (default: "
	  "-cert2)", STR(key2) },
	{ "CAfile", "file", BOTH,
	  "trusted CAs, PEM (client default: the system bundle)",
	  STR(cafile) },
	{ "verify", "N", BOTH,
	  "server: request a client certificate; client: verify the server "
	  "(the default)", 0, set_verify },
	{ "Verify", "N", TOOL_SERVER,
	  "require a client certificate", 0, set_verify_required },
	{ "noverify", NULL, TOOL_CLIENT,
	  "(tlsk) do not verify the server's chain and name", 0,
	  set_noverify },
	{ "servername", "name", BOTH,
	  "client: SNI and the name to verify (default: -connect host)",
	  STR(servername) },
	{ "alpn", "list", BOTH,
	  "ALPN protocols, comma-separated in preference order",
	  STR(alpn) },
	{ "tls1_2", NULL, BOTH, "TLS 1.2 only", 0, set_tls12 },
	{ "tls1_3", NULL, BOTH, "TLS 1.3 only", 0, set_tls13 },
	{ "cipher", "list", BOTH,
	  "TLS 1.2 cipher suites, OpenSSL names, colon-separated",
	  STR(cipher) },
	{ "rsa_kx", NULL, BOTH,
	  "(tlsk) allow the RSA key transport suites AES128-GCM-SHA256 and "
	  "AES256-GCM-SHA384 in -cipher (no forward secrecy)",
	  FLAG(rsa_kx) },
	{ "require_ems", NULL, BOTH,
	  "(tlsk) refuse TLS 1.2 peers without extended master secret "
	  "(RFC 7627; default: accept them, never resuming)",
	  FLAG(require_ems) },
	{ "ciphersuites", "list", BOTH,
	  "TLS 1.3 cipher suites, colon-separated", STR(ciphersuites) },
	{ "groups", "list", BOTH,
	  "key exchange groups: x25519:P-256:P-384", STR(groups) },
	{ "sess_out", "file", TOOL_CLIENT,
	  "write the session (tickets) to file: it is a secret",
	  STR(sess_out) },
	{ "sess_in", "file", TOOL_CLIENT,
	  "resume the session stored in file", STR(sess_in) },
	{ "reconnect", NULL, TOOL_CLIENT,
	  "after the first handshake, reconnect five times resuming it",
	  FLAG(reconnect) },
	{ "www", NULL, TOOL_SERVER,
	  "answer an HTTP GET with a page describing the session",
	  FLAG(www) },
	{ "echo", NULL, TOOL_SERVER,
	  "(tlsk) send back whatever the client sends", FLAG(echo) },
	{ "naccept", "N", TOOL_SERVER,
	  "exit after N connections (default: serve forever)", 0,
	  set_naccept },
	{ "timeout", "secs", BOTH,
	  "(tlsk) handshake deadline (default 10)", 0, set_timeout },
	{ "wait", "ms", TOOL_CLIENT,
	  "(tlsk) after stdin ends, wait this long for replies "
	  "(default 1000)", 0, set_wait },
	{ "ulp", "name", BOTH,
	  "(tlsk) record layer: auto (tlsk, else tls, else user), tlsk, "
	  "tls or user", 0, set_ulp },
};

static void usage(const struct tool_opts *o, FILE *f)
{
	fprintf(f, "usage: %s [options]\n\n", o->prog);
	fprintf(f, o->role == TOOL_CLIENT ?
		"TLS client: handshake in userspace (libtlsk), records in the "
		"kernel\nwhen the tlsk or tls ULP is there. Copies stdin to "
		"the server and\nthe server to stdout. Verifies the server's "
		"chain and name by default\nand exits non-zero when the "
		"handshake or verification fails.\n" :
		"TLS server: handshake in userspace (libtlsk), records in the "
		"kernel\nwhen the tlsk or tls ULP is there. Serves one "
		"connection at a time:\ninteractive (stdin/stdout), -echo or "
		"-www.\n");
	fprintf(f, "\nOne line per connection on stderr:\n"
		"  version=TLSv1.3 suite=... group=... resumed=yes|no "
		"[ems=no] peer=... alpn=... ulp=tlsk|tls|user\n"
		"  (ems=no: a TLS 1.2 peer without extended master secret)"
		"\n\noptions:\n");
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct tool_option *opt = &options[i];
		char left[40];

		if (!(opt->roles & o->role))
			continue;
		snprintf(left, sizeof(left), "-%s%s%s", opt->name,
			 opt->arg ? " " : "", opt->arg ? opt->arg : "");
		fprintf(f, "  %-22s %s\n", left, opt->help);
	}
	fprintf(f, "  %-22s %s\n", "-help", "this text");
}

static const struct tool_option *find_option(const struct tool_opts *o,
					     const char *name)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if ((options[i].roles & o->role) &&
		    !strcmp(options[i].name, name))
			return &options[i];
	}
	return NULL;
}

static void defaults(struct tool_opts *o, enum tool_role role,
		     const char *prog)
{
	const char *slash = strrchr(prog, '/');

	memset(o, 0, sizeof(*o));
	o->role = role;
	o->prog = slash ? slash + 1 : prog;
	o->connect = "localhost:4433";
	o->accept = "4433";
	o->verify = role == TOOL_CLIENT ? TLSK_VERIFY_REQUIRE :
					  TLSK_VERIFY_NONE;
	o->min_version = 0x0303;
	o->max_version = 0x0304;
	o->timeout_ms = 10000;
	o->wait_ms = 1000;
}

static int apply_option(struct tool_opts *o, const struct tool_option *opt,
			const char *arg)
{
	if (opt->apply)
		return opt->apply(o, arg);
	if (opt->arg)
		*(const char **)((char *)o + opt->off) = arg;
	else
		*(int *)((char *)o + opt->off) = 1;
	return 0;
}

void tool_parse(struct tool_opts *o, enum tool_role role, int argc,
		char **argv)
{
	defaults(o, role, argv[0]);
	for (int i = 1; i < argc; i++) {
		const char *name = argv[i];
		const struct tool_option *opt;
		const char *arg = NULL;

		if (name[0] == '-' && name[1] == '-')	/* --help too */
			name++;
		if (!strcmp(name, "-help") || !strcmp(name, "-h")) {
			usage(o, stdout);
			exit(0);
		}
		opt = name[0] == '-' ? find_option(o, name + 1) : NULL;
		if (!opt) {
			fprintf(stderr, "%s: unknown option '%s' (try -help)\n",
				o->prog, argv[i]);
			exit(2);
		}
		if (opt->arg && ++i >= argc) {
			fprintf(stderr, "%s: -%s needs %s\n", o->prog,
				opt->name, opt->arg);
			exit(2);
		}
		arg = opt->arg ? argv[i] : NULL;
		if (apply_option(o, opt, arg)) {
			fprintf(stderr, "%s: bad value for -%s: '%s'\n",
				o->prog, opt->name, arg ? arg : "");
			exit(2);
		}
	}
}
