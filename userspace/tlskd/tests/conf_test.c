// SPDX-License-Identifier: MIT
/* tlskd.conf parsing: a full config, and each kind of error at its line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "../../tests/tap.h"
#include "../conf.h"
#include "../privs.h"
#include "config.h"		/* libtlsk's struct tlsk_config */

static int parse(struct conf *c, struct conf_diag *d, const char *text)
{
	memset(d, 0, sizeof(*d));
	return conf_parse(c, text, strlen(text), "/etc/tlsk/t.conf", d);
}

static const char full[] =
	"# tlskd test\n"
	"socket = /tmp/x.sock\n"
	"socket-mode = 0600\n"
	"log-level = debug\n"
	"handshake-timeout = 2s\n"
	"ticket-key-rotation = 1h\n"
	"session-cache-size = 100\n"
	"session-lifetime = 600\n"
	"userspace-fallback = refuse\n"
	"\n"
	"[profile web]\n"
	"  cert = a.crt a.key\n"
	"cert = /abs/b.crt /abs/b.key\n"
	"ca = ca.pem\n"
	"client-auth = optional\n"
	"versions = 1.3\n"
	"alpn = h2,http/1.1\n"
	"allow-uid = 0 33, 1000\n"
	"allow-gid = 44\n"
	"handshake-timeout = 250ms\n"
	"kernel-rekey = off\n"
	"kernel-alerts = off\n"
	"[ profile up.stream ]\n"
	"versions = 1.2-1.3\n";

static void full_config(void)
{
	struct conf c;
	struct conf_diag d;
	const struct conf_profile *p;

	CHECK(parse(&c, &d, full) == 0);
	CHECK(d.errors == 0 && d.warnings == 0);
	CHECK(!strcmp(c.socket_path, "/tmp/x.sock"));
	CHECK(c.socket_mode == 0600 && c.log_level == LOG_DEBUG);
	CHECK(c.handshake_timeout_ms == 2000 && c.ticket_rotation_s == 3600);
	CHECK(c.session_cache_size == 100 && c.session_lifetime_s == 600);
	CHECK(c.fallback == CONF_FALLBACK_REFUSE && c.nprofiles == 2);
	p = conf_profile(&c, "web");
	CHECK(p && p->ncerts == 2 && p->line == 11);
	CHECK(p && !strcmp(p->certs[0].chain, "/etc/tlsk/a.crt"));
	CHECK(p && !strcmp(p->certs[1].key, "/abs/b.key"));
	CHECK(p && !strcmp(p->ca_file, "/etc/tlsk/ca.pem"));
	CHECK(p && p->client_auth == TLSK_VERIFY_OPTIONAL);
	CHECK(p && p->min_version == 0x0304 && p->max_version == 0x0304);
	CHECK(p && p->nuids == 3 && p->uids[2] == 1000 && p->ngids == 1);
	CHECK(p && p->handshake_timeout_ms == 250);
	CHECK(p && conf_line(p, "alpn") == 17);
	CHECK(p && p->kernel_rekey == CONF_KERNEL_REKEY_OFF);
	CHECK(p && p->kernel_alerts == 0);
	p = conf_profile(&c, "up.stream");
	CHECK(p && p->min_version == 0x0303 && p->client_auth == -1);
	/* The default: tlsk.ko follows KeyUpdate by itself. */
	CHECK(p && p->kernel_rekey == CONF_KERNEL_REKEY_AUTO);
	/* And tlsk.ko sends the fatal alerts. */
	CHECK(p && p->kernel_alerts == 1);
	CHECK(!conf_profile(&c, "nope"));
	conf_free(&c);
}

/* Each bad line is reported as FILE:LINE with the expected words. */
static void error_at(const char *text, const char *expect)
{
	struct conf c;
	struct conf_diag d;
	int rc = parse(&c, &d, text);

	if (rc == 0 || !strstr(d.text, expect))
		printf("# expected '%s', got: %s", expect, d.text);
	CHECK(rc != 0 && strstr(d.text, expect));
	conf_free(&c);
}

/* The per-caller limits: defaults, values, bounds. */
static void caller_limits(void)
{
	struct conf c;
	struct conf_diag d;

	CHECK(parse(&c, &d, "") == 0);
	CHECK(c.max_handshakes_per_uid == 1024 &&
	      c.max_connections_per_uid == 1024 &&
	      c.max_relays_per_uid == 1024 &&
	      c.caller_idle_timeout_s == 60);
	conf_free(&c);
	CHECK(parse(&c, &d, "max-handshakes-per-uid = 5\n"
		    "max-connections-per-uid = 7\n"
		    "max-relays-per-uid = 3\n"
		    "caller-idle-timeout = 2m\n") == 0);
	CHECK(c.max_handshakes_per_uid == 5 &&
	      c.max_connections_per_uid == 7 &&
	      c.max_relays_per_uid == 3 &&
	      c.caller_idle_timeout_s == 120);
	conf_free(&c);
	error_at("max-handshakes-per-uid = 0\n",
		 ":1: max-handshakes-per-uid: expected a number");
	error_at("max-connections-per-uid = x\n",
		 ":1: max-connections-per-uid: expected a number");
	error_at("max-relays-per-uid = 0\n",
		 ":1: max-relays-per-uid: expected a number");
	error_at("caller-idle-timeout = 500ms\n",
		 ":1: caller-idle-timeout: expected a duration");
	error_at("[profile a]\ncaller-idle-timeout = 5s\n",
		 ":2: 'caller-idle-timeout' belongs before");
}

/* ticket-key-source: file (the default) or redis; nothing else. */
static void ticket_key_source(void)
{
	struct conf c;
	struct conf_diag d;

	CHECK(parse(&c, &d, "") == 0);
	CHECK(c.ticket_key_source == CONF_TICKETS_FILE);
	conf_free(&c);
	CHECK(parse(&c, &d, "ticket-key-source = redis\n") == 0);
	CHECK(c.ticket_key_source == CONF_TICKETS_REDIS);
	conf_free(&c);
	error_at("ticket-key-source = memcache\n",
		 ":1: ticket-key-source: unknown value 'memcache'");
	error_at("[profile a]\nticket-key-source = redis\n",
		 ":2: 'ticket-key-source' belongs before");
}

static void errors_located(void)
{
	error_at("bogus = 1\n", "t.conf:1: unknown key 'bogus'");
	error_at("\n\nsocket\n", "t.conf:3: expected key = value");
	error_at("[profile a]\nsocket = /x\n", ":2: 'socket' belongs before");
	error_at("ca = x\n", ":1: 'ca' belongs in a [profile NAME]");
	error_at("[profile a]\n[profile a]\n", ":2: profile 'a' defined twice");
	error_at("[profile a b]\n", "profile name 'a b'");
	error_at("[server a]\n", "unknown section");
	error_at("[profile a\n", "expected [profile NAME]");
	error_at("[profile a]\nversions = 1.1\n", ":2: versions: expected");
	error_at("[profile a]\nversions = 1.3-1.2\n", "lowest above highest");
	error_at("[profile a]\ncert = only-one\n", "cert: expected two paths");
	error_at("[profile a]\nclient-auth = maybe\n", "unknown value 'maybe'");
	error_at("[profile a]\nkernel-rekey = on\n",
		 ":2: kernel-rekey: unknown value 'on'");
	error_at("[profile a]\nkernel-alerts = yes\n",
		 ":2: kernel-alerts: unknown value 'yes'");
	error_at("kernel-rekey = auto\n",
		 ":1: 'kernel-rekey' belongs in a [profile NAME]");
	error_at("[profile a]\nallow-uid = no-such-user-xyz\n",
		 "no such user: no-such-user-xyz");
	error_at("handshake-timeout = 0\n", "handshake-timeout: expected");
	error_at("handshake-timeout = 5 parsecs\n", "expected a duration");
	error_at("max-handshakes = -1\n", "max-handshakes: expected a number");
	error_at("socket-mode = 999\n", "expected octal");
	error_at("socket = a\nsocket = b\n", ":2: 'socket' set twice (first at line 1)");
	error_at("log-level = \n", "log-level: empty value");
	error_at("socket = a\x01\n", "control character");
}

static void all_errors_reported(void)
{
	struct conf c;
	struct conf_diag d;

	CHECK(parse(&c, &d, "a = 1\nb = 2\n[profile x]\nc = 3\n") != 0);
	CHECK(d.errors == 3);
	CHECK(strstr(d.text, ":1:") && strstr(d.text, ":2:") &&
	      strstr(d.text, ":4:"));
	conf_free(&c);
}

static void empty_warns(void)
{
	struct conf c;
	struct conf_diag d;

	CHECK(parse(&c, &d, "") == 0);
	CHECK(d.errors == 0 && d.warnings == 1);
	CHECK(c.socket_mode == 0660 && c.nprofiles == 0);
	CHECK(!strcmp(c.socket_path, TLSK_SERVICE_SOCKET));
	conf_free(&c);
}

/* user, group and drain-timeout (privs.c, loop.c): parsed, defaulted,
 * and a group without a user refused by the resolver. */
static void privilege_keys(void)
{
	struct conf c;
	struct conf_diag d;
	struct privs p;

	CHECK(parse(&c, &d, "[profile a]\n") == 0);
	CHECK(!c.user && !c.group && c.drain_timeout_ms == 10000);
	CHECK(privs_resolve(&c, &p, NULL) == 0 && !p.drop);
	conf_free(&c);
	CHECK(parse(&c, &d, "user = 0\ngroup = 0\ndrain-timeout = 2s\n"
		    "[profile a]\n") == 0);
	CHECK(c.user && !strcmp(c.user, "0") && c.drain_timeout_ms == 2000);
	CHECK(privs_resolve(&c, &p, NULL) == 0 && p.drop && p.uid == 0 &&
	      p.gid == 0);
	conf_free(&c);
	CHECK(parse(&c, &d, "group = 0\n[profile a]\n") == 0);
	memset(&d, 0, sizeof(d));
	CHECK(privs_resolve(&c, &p, &d) == -EINVAL);
	CHECK(strstr(d.text, "t.conf:1: group needs user") != NULL);
	conf_free(&c);
	CHECK(parse(&c, &d, "user = no-such-user-tlskd\n[profile a]\n") == 0);
	memset(&d, 0, sizeof(d));
	CHECK(privs_resolve(&c, &p, &d) == -ENOENT);
	CHECK(strstr(d.text, "t.conf:1: no user no-such-user-tlskd") != NULL);
	conf_free(&c);
	error_at("drain-timeout = 2h\n", "t.conf:1: drain-timeout: expected "
		 "a duration between 0 and 3600000 ms");
}

static void peer_allow_list(void)
{
	struct conf_profile p = { .nuids = 1, .uids = { 33 },
				  .ngids = 1, .gids = { 44 } };
	gid_t sup[] = { 10, 44 };

	CHECK(conf_profile_allows(&p, 0, 0, NULL, 0));
	CHECK(conf_profile_allows(&p, 33, 100, NULL, 0));
	CHECK(conf_profile_allows(&p, 1000, 44, NULL, 0));
	CHECK(conf_profile_allows(&p, 1000, 100, sup, 2));
	CHECK(!conf_profile_allows(&p, 1000, 100, sup, 1));
	CHECK(!conf_profile_allows(&p, 65534, 65534, NULL, 0));
}

static int load(struct conf *c, struct conf_diag *d)
{
	memset(d, 0, sizeof(*d));
	return conf_load(c, NULL, d);
}

/* RSA key transport only with tls12-rsa-key-exchange = on: then after
 * the ECDHE suites by default, or where tls12-ciphers names it; a list
 * naming it without the key is refused with a hint */
static void rsa_key_exchange(void)
{
	struct conf c;
	struct conf_diag d;
	const struct conf_profile *p;

	CHECK(parse(&c, &d, "[profile a]\n"
		    "tls12-rsa-key-exchange = on\n"
		    "[profile b]\n"
		    "tls12-rsa-key-exchange = on\n"
		    "tls12-ciphers = ECDHE-RSA-AES128-GCM-SHA256:"
		    "AES256-GCM-SHA384\n"
		    "[profile c]\n"
		    "tls12-rsa-key-exchange = off\n") == 0);
	CHECK(load(&c, &d) == 0 && d.errors == 0);
	p = conf_profile(&c, "a");
	CHECK(p && p->tls12_rsa_kx == 1 && p->cfg && p->cfg->rsa_kx_enabled);
	CHECK(p && p->cfg && p->cfg->ntls12_suites == 8 &&
	      p->cfg->tls12_suites[6] == 0x009c &&
	      p->cfg->tls12_suites[7] == 0x009d);
	p = conf_profile(&c, "b");
	CHECK(p && p->cfg && p->cfg->rsa_kx_enabled &&
	      p->cfg->ntls12_suites == 2 && p->cfg->tls12_suites[1] == 0x009d);
	p = conf_profile(&c, "c");
	CHECK(p && p->tls12_rsa_kx == 0 && p->cfg && !p->cfg->rsa_kx_enabled);
	CHECK(p && p->cfg && p->cfg->ntls12_suites == 6);
	conf_free(&c);

	CHECK(parse(&c, &d, "[profile a]\n"
		    "tls12-ciphers = AES128-GCM-SHA256\n") == 0);
	CHECK(load(&c, &d) != 0 && d.errors == 1);
	CHECK(strstr(d.text, "t.conf:2: profile a: tls12-ciphers names RSA "
		     "key transport") &&
	      strstr(d.text, "tls12-rsa-key-exchange = on"));
	conf_free(&c);
	CHECK(parse(&c, &d, "[profile a]\ntls12-ciphers = NOPE\n") == 0);
	CHECK(load(&c, &d) != 0 && strstr(d.text, "tls12-ciphers NOPE: "));
	conf_free(&c);
	/* tls12-require-ems: off by default, on refuses peers without EMS */
	CHECK(parse(&c, &d, "[profile a]\ntls12-require-ems = on\n"
		    "[profile b]\n") == 0);
	CHECK(load(&c, &d) == 0 && d.errors == 0);
	p = conf_profile(&c, "a");
	CHECK(p && p->cfg && p->cfg->tls12_require_ems);
	p = conf_profile(&c, "b");
	CHECK(p && p->cfg && !p->cfg->tls12_require_ems);
	conf_free(&c);
	error_at("[profile a]\ntls12-rsa-key-exchange = yes\n",
		 ":2: tls12-rsa-key-exchange: unknown value 'yes'");
}

/* client-auth = optional/require on a profile that may serve needs ca:
 * without one, client certificates were checked against the public CAs */
static void client_auth_needs_ca(void)
{
	struct conf c;
	struct conf_diag d;

	error_at("[profile m]\ncert = a.crt a.key\nclient-auth = require\n",
		 "t.conf:3: profile m: client-auth = require needs ca = FILE");
	error_at("[profile m]\ncert = a.crt a.key\nclient-auth = optional\n",
		 "t.conf:3: profile m: client-auth = optional needs ca = FILE");
	/* a client (no cert, or role = client) verifies with the system's */
	CHECK(parse(&c, &d, "[profile up]\nclient-auth = require\n"
		    "[profile id]\ncert = a.crt a.key\nrole = client\n"
		    "client-auth = require\n"
		    "[profile m]\ncert = a.crt a.key\nca = ca.pem\n"
		    "client-auth = require\n"
		    "[profile w]\ncert = a.crt a.key\nclient-auth = none\n")
	      == 0 && d.errors == 0);
	conf_free(&c);
}

/* role = server|client: the other role is refused, naming the profile */
static void role_limits_profile(void)
{
	struct conf c;
	struct conf_diag d;
	const struct conf_profile *p;
	char why[256];

	CHECK(parse(&c, &d, "[profile web]\ncert = a.crt a.key\n"
		    "role = server\n"
		    "[profile id]\ncert = a.crt a.key\nrole = client\n"
		    "[profile both]\ncert = a.crt a.key\n") == 0);
	p = conf_profile(&c, "web");
	CHECK(p && p->role == TLSK_ROLE_SERVER);
	CHECK(p && conf_profile_refuses(p, TLSK_ROLE_SERVER, "", why,
					sizeof(why)) == 0);
	/* its certificate is no client identity towards other servers */
	CHECK(p && conf_profile_refuses(p, TLSK_ROLE_CLIENT, "x.example", why,
					sizeof(why)) == -EACCES);
	CHECK(!strcmp(why, "profile web is for server handshakes only "
		      "(role = server)"));
	p = conf_profile(&c, "id");
	CHECK(p && conf_profile_refuses(p, TLSK_ROLE_SERVER, "", why,
					sizeof(why)) == -EACCES &&
	      strstr(why, "profile id is for client handshakes only"));
	/* unset: both, as before */
	p = conf_profile(&c, "both");
	CHECK(p && p->role == -1);
	CHECK(p && !conf_profile_refuses(p, TLSK_ROLE_SERVER, "", why,
					 sizeof(why)) &&
	      !conf_profile_refuses(p, TLSK_ROLE_CLIENT, "x.example", why,
				    sizeof(why)));
	conf_free(&c);
	error_at("[profile a]\nrole = peer\n", ":2: role: unknown value");
	error_at("[profile a]\nrole = server\n",
		 ":2: profile a: role = server needs a cert");
}

/* A client request without a server name would verify only the chain:
 * refused unless the profile says verify-name = no. */
static void client_needs_server_name(void)
{
	struct conf c;
	struct conf_diag d;
	const struct conf_profile *p;
	char why[256];

	CHECK(parse(&c, &d, "[profile up]\nca = ca.pem\n"
		    "[profile lab]\nca = ca.pem\nverify-name = no\n"
		    "[profile web]\ncert = a.crt a.key\n") == 0);
	p = conf_profile(&c, "up");
	CHECK(p && p->verify_name == 1);
	CHECK(p && conf_profile_refuses(p, TLSK_ROLE_CLIENT, "", why,
					sizeof(why)) == -EINVAL &&
	      strstr(why, "profile up: a client handshake needs the server's "
		     "name") && strstr(why, "verify-name = no"));
	CHECK(p && conf_profile_refuses(p, TLSK_ROLE_CLIENT, NULL, why,
					sizeof(why)) == -EINVAL);
	CHECK(p && !conf_profile_refuses(p, TLSK_ROLE_CLIENT, "x.example",
					 why, sizeof(why)));
	p = conf_profile(&c, "lab");
	CHECK(p && p->verify_name == 0 &&
	      !conf_profile_refuses(p, TLSK_ROLE_CLIENT, "", why,
				    sizeof(why)));
	/* servers are not concerned; no cert: no server role */
	p = conf_profile(&c, "web");
	CHECK(p && !conf_profile_refuses(p, TLSK_ROLE_SERVER, "", why,
					 sizeof(why)));
	p = conf_profile(&c, "up");
	CHECK(p && conf_profile_refuses(p, TLSK_ROLE_SERVER, "", why,
					sizeof(why)) == -EINVAL &&
	      strstr(why, "profile up has no certificate"));
	conf_free(&c);
	error_at("[profile a]\nverify-name = off\n",
		 ":2: verify-name: unknown value 'off'");
}

/* The system bundle is read at load, once, and shared: never during a
 * verification (the engine reads no file). verify-name = no reaches
 * the engine. */
static void trust_loaded_once(void)
{
	struct conf c;
	struct conf_diag d;
	const struct conf_profile *a, *b, *w;

	CHECK(parse(&c, &d, "[profile a]\n[profile b]\nverify-name = no\n"
		    "alpn = h2\n[profile w]\nrole = client\n"
		    "client-auth = none\n") == 0);
	CHECK(load(&c, &d) == 0);
	a = conf_profile(&c, "a");
	b = conf_profile(&c, "b");
	w = conf_profile(&c, "w");
	CHECK(a && a->cfg && a->cfg->store);
	CHECK(a && b && b->cfg && b->cfg->store == a->cfg->store);
	CHECK(a && !a->cfg->no_verify_name && b && b->cfg->no_verify_name);
	/* verification off: no anchors needed */
	CHECK(w && w->cfg && !w->cfg->store);
	conf_free(&c);
}

static void write_file(const char *path, mode_t mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0 && write(fd, text, strlen(text)) ==
	      (ssize_t)strlen(text));
	close(fd);
	CHECK(chmod(path, mode) == 0);
}

/* Keys open to the group or others are refused at load, as ssh does. */
static void secret_file_permissions(void)
{
	char dir[] = "/tmp/tlskd-conf-test.XXXXXX", text[1024], path[256];
	struct conf c;
	struct conf_diag d;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/open.key", dir);
	write_file(path, 0644, "not a key\n");
	snprintf(path, sizeof(path), "%s/group.keys", dir);
	write_file(path, 0640, "# keys\n");
	snprintf(path, sizeof(path), "%s/closed.key", dir);
	write_file(path, 0600, "not a key\n");
	snprintf(path, sizeof(path), "%s/a.crt", dir);
	write_file(path, 0644, "not a cert\n");
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	snprintf(text, sizeof(text), "ticket-key-file = %s/group.keys\n"
		 "[profile web]\ncert = %s/a.crt %s/open.key\n"
		 "[profile ok]\ncert = %s/a.crt %s/closed.key\n",
		 dir, dir, dir, dir, dir);
	memset(&d, 0, sizeof(d));
	CHECK(conf_parse(&c, text, strlen(text), path, &d) == 0);
	CHECK(load(&c, &d) != 0);
	CHECK(strstr(d.text, "t.conf:3: profile web: cert key: permissions "
		     "0644 for '") && strstr(d.text, "open.key' are too open"));
	CHECK(strstr(d.text, "t.conf:1: ticket-key-file: permissions 0640 "
		     "for '") && strstr(d.text, "group.keys' are too open"));
	CHECK(!strstr(d.text, "closed.key' are too open"));
	conf_free(&c);
	for (const char *f = "open.key\0group.keys\0closed.key\0a.crt\0";
	     *f; f += strlen(f) + 1) {
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	RUN(full_config);
	RUN(errors_located);
	RUN(all_errors_reported);
	RUN(empty_warns);
	RUN(privilege_keys);
	RUN(peer_allow_list);
	RUN(rsa_key_exchange);
	RUN(caller_limits);
	RUN(ticket_key_source);
	RUN(client_auth_needs_ca);
	RUN(role_limits_profile);
	RUN(client_needs_server_name);
	if (access(tlsk_system_ca_file(), R_OK) == 0)
		RUN(trust_loaded_once);
	else
		tap_skip("trust_loaded_once", "no system CA bundle");
	RUN(secret_file_permissions);
	return tap_done();
}
