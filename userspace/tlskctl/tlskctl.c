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
	out_str(&o, "ticket_keys_source", st.ticket_rotation ?
		"generated, rotating" : "ticket-key-file");
	out_end(&o);
	return 0;
}

/* ---- tlskctl stats [show] ---- */

static int cmd_stats_show(const struct ctx *ctx)
{
	FILE *f = fopen(STAT_FILE, "r");
	char name[64], line[256];
	unsigned long long v;
	struct out o;

	/* Until the netlink family's TLSK_CMD_STATS_GET exists, the counters
	 * come from the per-netns proc file tlsk.ko already provides. */
	if (!f)
		return fail(ctx, "no " STAT_FILE ": tlsk.ko is not loaded in "
			    "this network namespace");
	out_begin(&o, ctx);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %llu", name, &v) == 2)
			out_u64(&o, name, v);
	out_end(&o);
	fclose(f);
	return 0;
}

/* ---- tlskctl sockets [list] ---- */

/* The family's id, or a negative error (not registered: no tlsk.ko, or a
 * tlsk.ko without the control plane). */
static int genl_family_id(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id;

	if (!sk)
		return -ENOMEM;
	id = genl_connect(sk);
	if (!id)
		id = genl_ctrl_resolve(sk, TLSK_GENL_NAME);
	nl_socket_free(sk);
	return id;
}

static int cmd_sockets_list(const struct ctx *ctx)
{
	char msg[512];
	int id = genl_family_id();

	snprintf(msg, sizeof(msg),
		 "listing sockets needs the TLSK_CMD_SOCK_GET dump of the "
		 "\"%s\" generic netlink family, which the control-plane issue "
		 "adds; %s", TLSK_GENL_NAME, id >= 0 ?
		 "the family is registered but this tlskctl does not know the "
		 "command yet" : "the family is not registered on this kernel");
	return fail(ctx, msg);
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
	{ "stats", "show", cmd_stats_show,
	  "tlsk.ko's counters in this netns (" STAT_FILE ")" },
	{ "sockets", "list", cmd_sockets_list,
	  "kTLS sockets (needs the netlink socket dump; not yet available)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tlskctl [--json] [--socket PATH] OBJECT [VERB]\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s [%s]%*s%s\n", commands[i].object,
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
