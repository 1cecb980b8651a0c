// SPDX-License-Identifier: MIT
/*
 * tlskctl: looks at tlsk from the command line.
 *
 *   tlskctl [--json] [--socket PATH] OBJECT [VERB]
 *
 * One table of subcommands; each handler is cmd_<object>_<verb>. Output is
 * a table of (name, value) rows printed either as aligned text or as one
 * JSON object, so every command has both forms from the same code.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/tlsk.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "tlsk/service.h"

#define STAT_FILE	"/proc/net/tlsk_stat"

struct ctx {
	bool json;
	const char *socket;
};

/* ---- output: rows of name and value, as text or JSON ---- */

struct out {
	const struct ctx *ctx;
	int rows;
};

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void out_begin(struct out *o, const struct ctx *ctx)
{
	o->ctx = ctx;
	o->rows = 0;
	if (ctx->json)
		putchar('{');
}

static void out_key(struct out *o, const char *name)
{
	if (o->ctx->json) {
		printf("%s", o->rows ? ", " : "");
		json_string(name);
		printf(": ");
	} else {
		printf("%-24s ", name);
	}
	o->rows++;
}

static void out_u64(struct out *o, const char *name, unsigned long long v)
{
	out_key(o, name);
	printf(o->ctx->json ? "%llu" : "%llu\n", v);
}

static void out_str(struct out *o, const char *name, const char *v)
{
	out_key(o, name);
	if (o->ctx->json)
		json_string(v);
	else
		printf("%s\n", v);
}

static void out_end(struct out *o)
{
	if (o->ctx->json)
		printf("}\n");
}

/* A failure, on stderr, or as {"error": ...} with --json. */
static int fail(const struct ctx *ctx, const char *msg)
{
	if (ctx->json) {
		printf("{\"error\": ");
		json_string(msg);
		printf("}\n");
	} else {
		fprintf(stderr, "tlskctl: %s\n", msg);
	}
	return 1;
}

/* ---- tlskctl daemon [status] ---- */

static int cmd_daemon_status(const struct ctx *ctx)
{
	struct tlsk_daemon_status st;
	const struct { const char *name; const uint64_t *v; } rows[] = {
		{ "handshakes_done", &st.hs_done },
		{ "handshakes_failed", &st.hs_failed },
		{ "handshakes_resumed", &st.hs_resumed },
		{ "handshakes_active", &st.hs_active },
		{ "relays_active", &st.proxies_active },
		{ "requests_refused", &st.req_refused },
		{ "requests_malformed", &st.req_malformed },
		{ "ticket_keys", &st.ticket_keys },
		{ "ticket_key_age_s", &st.ticket_key_age },
		{ "ticket_rotation_s", &st.ticket_rotation },
		{ "session_cache_entries", &st.session_cache },
		{ "profiles", &st.profiles },
		{ "config_generation", &st.config_gen },
		{ "uptime_s", &st.uptime },
	};
	static const char *const stores[] = {
		"none", "connecting", "up",
		"down: resuming from this machine's cache only",
	};
	static const char *const tk_redis[] = {
		"", "redis connecting", "redis up",
		"redis down: keeping this machine's keys",
	};
	const char *path = tlsk_service_socket(ctx->socket);
	char msg[512];
	struct out o;
	int rc = tlsk_daemon_status(path, &st);

	if (rc) {
		snprintf(msg, sizeof(msg), "cannot get tlskd's status from %s: %s",
			 path, strerror(-rc));
		return fail(ctx, msg);
	}
	out_begin(&o, ctx);
	out_str(&o, "socket", path);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		out_u64(&o, rows[i].name, *rows[i].v);
	out_str(&o, "ticket_keys_source",
		st.ticket_source == TLSK_TICKETS_REDIS ? "redis" :
		st.ticket_source == TLSK_TICKETS_FILE || !st.ticket_rotation ?
		"ticket-key-file" : "generated, rotating");
	if (st.ticket_redis && st.ticket_redis < 4)
		out_str(&o, "ticket_keys_redis", tk_redis[st.ticket_redis]);
	if (st.ticket_redis == 3)
		out_u64(&o, "ticket_keys_redis_down_s", st.ticket_redis_down);
	out_str(&o, "session_store", st.session_store < 4 ?
		stores[st.session_store] : "?");
	if (st.session_store == 3)
		out_u64(&o, "session_store_down_s", st.session_store_down);
	out_end(&o);
	return 0;
}

/* ---- tlskctl ticket-keys [list|rotate] ---- */

static int ticket_keys(const struct ctx *ctx, int rotate)
{
	static const char *const states[] = { "current", "previous", "next" };
	static const char *const sources[] = { "generated", "ticket-key-file",
					       "redis" };
	static const char *const redis[] = { "", "connecting", "up", "down" };
	const char *path = tlsk_service_socket(ctx->socket);
	struct tlsk_ticket_keys_info tk;
	char msg[512], line[160];
	struct out o;
	int rc = tlsk_daemon_ticket_keys(path, rotate, &tk);

	if (rc) {
		snprintf(msg, sizeof(msg), "%s: %s",
			 rotate ? "cannot rotate tlskd's ticket keys" :
			 "cannot get tlskd's ticket keys",
			 tk.reason[0] ? tk.reason : strerror(-rc));
		return fail(ctx, msg);
	}
	out_begin(&o, ctx);
	out_str(&o, "source", tk.source < 3 ? sources[tk.source] : "?");
	if (tk.redis && tk.redis < 4)
		out_str(&o, "redis", redis[tk.redis]);
	out_u64(&o, "rotation_s", tk.rotation_s);
	if (rotate)
		out_str(&o, "rotation", tk.source == TLSK_TICKETS_REDIS ?
			"requested: the fleet takes it within seconds" :
			"done");
	if (ctx->json) {
		out_key(&o, "keys");
		putchar('[');
	}
	for (unsigned i = 0; i < tk.n; i++) {
		const struct tlsk_ticket_key_info *k = &tk.keys[i];
		const char *st = k->state < 3 ? states[k->state] : "?";

		if (ctx->json) {
			printf("%s{\"id\": \"%s\", \"state\": \"%s\", "
			       "\"age_s\": %llu, \"active_s\": %lld}",
			       i ? ", " : "", k->id, st,
			       (unsigned long long)k->age_s,
			       (long long)k->active_s);
			continue;
		}
		if (k->active_s < 0)
			snprintf(line, sizeof(line), "%-8s made %llus ago, "
				 "seals in %llds", st,
				 (unsigned long long)k->age_s,
				 -(long long)k->active_s);
		else
			snprintf(line, sizeof(line), "%-8s made %llus ago, "
				 "sealing since %llds", st,
				 (unsigned long long)k->age_s,
				 (long long)k->active_s);
		out_str(&o, k->id, line);
	}
	if (ctx->json)
		putchar(']');
	out_end(&o);
	return 0;
}

static int cmd_ticket_keys_list(const struct ctx *ctx)
{
	return ticket_keys(ctx, 0);
}

static int cmd_ticket_keys_rotate(const struct ctx *ctx)
{
	return ticket_keys(ctx, 1);
}

/* ---- tlskctl stats [show] ---- */

/*
 * One line of STAT_FILE, "NAME VALUE\n" (any blanks between), into name
 * (of size n) and *v; false when the line is not that.
 */
static bool parse_stat_line(const char *line, char *name, size_t n,
			    unsigned long long *v)
{
	size_t len = strcspn(line, " \t\n");
	const char *s = line + len + strspn(line + len, " \t");
	char *end;

	if (len == 0 || len >= n || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno != 0 || (*end != '\0' && strcmp(end, "\n") != 0))
		return false;
	memcpy(name, line, len);
	name[len] = '\0';
	return true;
}

static int cmd_stats_show(const struct ctx *ctx)
{
	FILE *f = fopen(STAT_FILE, "r");
	char name[64], line[256], msg[96];
	unsigned long long v;
	struct out o;
	int lineno = 0;

	/* Until the netlink family's TLSK_CMD_STATS_GET exists, the counters
	 * come from the per-netns proc file tlsk.ko already provides. */
	if (!f)
		return fail(ctx, "no " STAT_FILE ": tlsk.ko is not loaded in "
			    "this network namespace");
	/* Every line is checked first, so that an error is all we print. */
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!parse_stat_line(line, name, sizeof(name), &v)) {
			fclose(f);
			snprintf(msg, sizeof(msg), STAT_FILE ":%d: expected "
				 "NAME VALUE", lineno);
			return fail(ctx, msg);
		}
	}
	rewind(f);
	out_begin(&o, ctx);
	while (fgets(line, sizeof(line), f))
		if (parse_stat_line(line, name, sizeof(name), &v))
			out_u64(&o, name, v);
	out_end(&o);
	fclose(f);
	return 0;
}

/* ---- tlskctl sockets [list] ---- */

struct dump {
	const struct ctx *ctx;
	int n;
};

static const char *version_name(unsigned v)
{
	return v == 0x0304 ? "1.3" : v == 0x0303 ? "1.2" : "-";
}

static const char *cipher_name(unsigned c)
{
	switch (c) {
	case 51: return "aes-gcm-128";
	case 52: return "aes-gcm-256";
	case 53: return "aes-ccm-128";
	case 54: return "chacha20-poly1305";
	case 55: return "sm4-gcm";
	case 56: return "sm4-ccm";
	default: return "-";
	}
}

static void addr_port(char *buf, size_t size, int family,
		      const struct nlattr *addr, const struct nlattr *port)
{
	char a[INET6_ADDRSTRLEN] = "?";
	int len = addr ? nla_len(addr) : 0;

	if ((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16))
		inet_ntop(family, nla_data(addr), a, sizeof(a));
	snprintf(buf, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 port ? nla_get_u16(port) : 0);
}

/*
 * One direction's counters: "records bytes seq keys mem", or JSON members;
 * mem (bytes held for records in flight) only from a module that says it.
 */
static void put_dir(const struct dump *d, const char *name,
		    struct nlattr *nest)
{
	struct nlattr *t[TLSK_A_DIR_MAX + 1];
	static const struct { int attr; const char *name; } f[] = {
		{ TLSK_A_DIR_RECORDS, "records" }, { TLSK_A_DIR_BYTES, "bytes" },
		{ TLSK_A_DIR_SEQ, "seq" }, { TLSK_A_DIR_KEYS, "keys" },
		{ TLSK_A_DIR_MEM, "mem" },
	};

	if (!nest || nla_parse_nested(t, TLSK_A_DIR_MAX, nest, NULL)) {
		printf(d->ctx->json ? ", \"%s\": null" : "  %s -", name);
		return;
	}
	printf(d->ctx->json ? ", \"%s\": {" : "  %s", name);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		bool u32 = f[i].attr == TLSK_A_DIR_KEYS ||
			   f[i].attr == TLSK_A_DIR_MEM;
		unsigned long long v = !t[f[i].attr] ? 0 :
			u32 ? nla_get_u32(t[f[i].attr]) :
			nla_get_u64(t[f[i].attr]);

		if (!t[f[i].attr] && f[i].attr == TLSK_A_DIR_MEM)
			continue;

		if (d->ctx->json)
			printf("%s\"%s\": %llu", i ? ", " : "", f[i].name, v);
		else
			printf(" %s=%llu", f[i].name, v);
	}
	if (d->ctx->json)
		putchar('}');
}

static int sock_cb(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	struct nlattr *top[TLSK_A_MAX + 1], *t[TLSK_A_SOCK_MAX + 1];
	char src[64], dst[64];
	int family;
	unsigned version, cipher;
	unsigned long long inode, cookie;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, TLSK_A_MAX, NULL) ||
	    !top[TLSK_A_SOCK] ||
	    nla_parse_nested(t, TLSK_A_SOCK_MAX, top[TLSK_A_SOCK], NULL))
		return NL_SKIP;
	family = t[TLSK_A_SOCK_FAMILY] ? nla_get_u16(t[TLSK_A_SOCK_FAMILY]) : 0;
	addr_port(src, sizeof(src), family, t[TLSK_A_SOCK_SADDR],
		  t[TLSK_A_SOCK_SPORT]);
	addr_port(dst, sizeof(dst), family, t[TLSK_A_SOCK_DADDR],
		  t[TLSK_A_SOCK_DPORT]);
	version = t[TLSK_A_SOCK_VERSION] ? nla_get_u16(t[TLSK_A_SOCK_VERSION]) : 0;
	cipher = t[TLSK_A_SOCK_CIPHER] ? nla_get_u16(t[TLSK_A_SOCK_CIPHER]) : 0;
	inode = t[TLSK_A_SOCK_INODE] ? nla_get_u64(t[TLSK_A_SOCK_INODE]) : 0;
	cookie = t[TLSK_A_SOCK_COOKIE] ? nla_get_u64(t[TLSK_A_SOCK_COOKIE]) : 0;
	if (d->ctx->json) {
		printf("%s{\"local\": ", d->n ? ", " : "");
		json_string(src);
		printf(", \"peer\": ");
		json_string(dst);
		printf(", \"inode\": %llu, \"cookie\": %llu, \"uid\": %u, "
		       "\"version\": \"%s\", \"cipher\": \"%s\"", inode, cookie,
		       t[TLSK_A_SOCK_UID] ? nla_get_u32(t[TLSK_A_SOCK_UID]) : 0,
		       version_name(version), cipher_name(cipher));
	} else {
		printf("%s -> %s  inode=%llu uid=%u  TLS %s %s", src, dst, inode,
		       t[TLSK_A_SOCK_UID] ? nla_get_u32(t[TLSK_A_SOCK_UID]) : 0,
		       version_name(version), cipher_name(cipher));
	}
	if (t[TLSK_A_SOCK_BUSY]) {	/* its owner held its lock */
		printf(d->ctx->json ? ", \"busy\": true}" : "  busy\n");
		d->n++;
		return NL_OK;
	}
	put_dir(d, "tx", t[TLSK_A_SOCK_TX]);
	put_dir(d, "rx", t[TLSK_A_SOCK_RX]);
	if (d->ctx->json)
		printf(", \"error\": %u}", t[TLSK_A_SOCK_ERROR] ?
		       nla_get_u32(t[TLSK_A_SOCK_ERROR]) : 0);
	else if (t[TLSK_A_SOCK_ERROR])
		printf("  error=%s\n", strerror((int)nla_get_u32(t[TLSK_A_SOCK_ERROR])));
	else
		putchar('\n');
	d->n++;
	return NL_OK;
}

static int cmd_sockets_list(const struct ctx *ctx)
{
	struct dump d = { .ctx = ctx };
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	char why[256];
	int id, rc;

	if (!sk)
		return fail(ctx, "out of memory");
	rc = genl_connect(sk);
	id = rc ? rc : genl_ctrl_resolve(sk, TLSK_GENL_NAME);
	if (id < 0) {
		nl_socket_free(sk);
		snprintf(why, sizeof(why), "the \"%s\" generic netlink family "
			 "is not registered: tlsk.ko is not loaded (%s)",
			 TLSK_GENL_NAME, nl_geterror(id));
		return fail(ctx, why);
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, sock_cb, &d);
	msg = nlmsg_alloc();
	rc = -NLE_NOMEM;
	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, id, 0,
			       NLM_F_DUMP, TLSK_CMD_SOCK_GET, TLSK_GENL_VERSION)) {
		if (ctx->json)
			printf("{\"sockets\": [");
		rc = nl_send_auto(sk, msg);
		if (rc >= 0)
			rc = nl_recvmsgs_default(sk);
		if (ctx->json)
			printf("]%s", rc < 0 ? ", \"error\": " : "}\n");
		if (ctx->json && rc < 0) {
			json_string(nl_geterror(rc));
			printf("}\n");
		}
	}
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (rc < 0) {
		if (!ctx->json)
			fprintf(stderr, "tlskctl: socket dump failed: %s\n",
				nl_geterror(rc));
		return 1;
	}
	if (!ctx->json && !d.n)
		printf("no tlsk sockets visible to this user in this network "
		       "namespace\n");
	return 0;
}

/* ---- the table ---- */

struct command {
	const char *object, *verb;
	int (*fn)(const struct ctx *ctx);
	const char *help;
};

static const struct command commands[] = {
	{ "daemon", "status", cmd_daemon_status,
	  "tlskd's counters: handshakes done/failed/resumed, ticket keys" },
	{ "ticket-keys", "list", cmd_ticket_keys_list,
	  "tlskd's ticket keys: ids, ages, which seals (never the keys)" },
	{ "ticket-keys", "rotate", cmd_ticket_keys_rotate,
	  "a new sealing key now (root or tlskd's user; with Redis, the "
	  "fleet's)" },
	{ "stats", "show", cmd_stats_show,
	  "tlsk.ko's counters in this netns (" STAT_FILE ")" },
	{ "sockets", "list", cmd_sockets_list,
	  "tlsk sockets: addresses, version, cipher, records (netlink)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tlskctl [--json] [--socket PATH] OBJECT [VERB]\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s [%s]%*s%s\n", commands[i].object,
			commands[i].verb, (int)(8 - strlen(commands[i].verb)),
			"", commands[i].help);
	fprintf(f,
"\n"
"  --json           one JSON object on stdout (errors: {\"error\": ...})\n"
"  --socket PATH    tlskd's socket [$TLSK_SOCKET or " TLSK_SERVICE_SOCKET "]\n"
"  -h, --help       this text\n"
"\n"
"The verb may be omitted. Exit status: 0, 1 on failure, 2 on bad usage.\n");
}

static const struct command *find_command(const char *object, const char *verb)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].object, object) &&
		    (!verb || !strcmp(commands[i].verb, verb)))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx ctx = { 0 };
	const struct command *cmd;
	int opt;

	while ((opt = getopt_long(argc, argv, "+js:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': ctx.json = true; break;
		case 's': ctx.socket = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return 0;
	}
	cmd = find_command(argv[optind], optind + 1 < argc ? argv[optind + 1]
							 : NULL);
	if (!cmd) {
		fprintf(stderr, "tlskctl: unknown command '%s%s%s'\n",
			argv[optind], optind + 1 < argc ? " " : "",
			optind + 1 < argc ? argv[optind + 1] : "");
		usage(stderr);
		return 2;
	}
	return cmd->fn(&ctx);
}
