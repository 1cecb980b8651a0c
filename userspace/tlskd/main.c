// SPDX-License-Identifier: MIT
/*
 * tlskd: TLS handshakes for services, keys straight into the kernel.
 * Options here; the daemon's process model is described in loop.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "privs.h"
#include "startcheck.h"

#define DEFAULT_CONF	"/etc/tlsk/tlskd.conf"

static void usage(FILE *f)
{
	fprintf(f,
"usage: tlskd [-c FILE] [--socket PATH] [--log-level LEVEL]\n"
"       tlskd --check-config [FILE]\n"
"       tlskd --help-config\n"
"\n"
"Performs TLS handshakes on TCP sockets that services pass to it over a\n"
"Unix socket (tlsk_handshake() in libtlsk), and installs the keys in the\n"
"kernel (TCP ULP \"tlsk\", else \"tls\"). Logs to stderr; SIGHUP reloads;\n"
"SIGTERM lets handshakes in flight finish (drain-timeout), a second one\n"
"stops at once. Started as root with `user` set, it becomes that user once\n"
"its socket and keys are open. Speaks sd_notify ($NOTIFY_SOCKET, with\n"
"$WATCHDOG_USEC) and takes its socket from systemd ($LISTEN_FDS=1).\n"
"\n"
"  -c, --config FILE      configuration [" DEFAULT_CONF "]\n"
"  -s, --socket PATH      listen here instead of the config's socket\n"
"  -l, --log-level LEVEL  error, warning, notice, info, debug (overrides\n"
"                         the config's log-level)\n"
"      --check-config     validate FILE (and the files it names), print\n"
"                         every problem as FILE:LINE, exit 1 if any\n"
"      --help-config      list the configuration keys\n"
"  -h, --help             this text\n"
"\n"
"See docs/daemon.md.\n");
}

static int parse_level(const char *s)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug",
	};

	for (int i = 0; i < 8; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* After errors in the file: what the start would refuse besides, so one
 * run reports everything (the file's own errors are already out). */
static void check_start_anyway(const char *path)
{
	struct conf_diag parse, diag;
	struct privs privs;
	struct conf c;

	memset(&parse, 0, sizeof(parse));
	memset(&diag, 0, sizeof(diag));
	memset(&c, 0, sizeof(c));
	if (conf_read(&c, path, &parse) != -ENOMEM && c.file) {
		privs_resolve(&c, &privs, &diag);
		startcheck_all(&c, c.socket_path, &privs, &diag);
		fputs(diag.text, stderr);
	}
	conf_free(&c);
}

static int check_config(const char *path)
{
	struct ticket_store tickets, fresh;
	struct conf_diag diag;
	struct privs privs;
	struct gen *g;

	memset(&tickets, 0, sizeof(tickets));
	log_set_level(LOG_WARNING);
	g = gen_load(path, &fresh, &tickets);
	tickets_scrub(&fresh);
	if (!g) {
		check_start_anyway(path);
		fprintf(stderr, "%s: configuration has errors\n", path);
		return 1;
	}
	memset(&diag, 0, sizeof(diag));
	/* Both, whatever the first finds. */
	if ((privs_resolve(&g->conf, &privs, &diag) != 0) +
	    startcheck_all(&g->conf, g->conf.socket_path, &privs, &diag)) {
		fputs(diag.text, stderr);
		fprintf(stderr, "%s: configuration has errors\n", path);
		gen_put(g);
		return 1;
	}
	printf("%s: OK, %zu profiles, socket %s\n", path, g->conf.nprofiles,
	       g->conf.socket_path);
	gen_put(g);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help-config", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* Not on this thread's stack: should a stalled call take the loop
	 * from this thread (stall.c), its pthread_exit() unwinds main() and
	 * the stack is reused while another thread runs the loop. */
	static struct daemon d;
	int level = -1, check = 0, opt, rc;

	memset(&d, 0, sizeof(d));
	d.conf_path = DEFAULT_CONF;
	while ((opt = getopt_long(argc, argv, "c:s:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': d.conf_path = optarg; break;
		case 's': d.socket_override = optarg; break;
		case 'l':
			level = parse_level(optarg);
			if (level < 0) {
				fprintf(stderr, "tlskd: bad log level %s\n", optarg);
				return 2;
			}
			break;
		case 'C': check = 1; break;
		case 'K': conf_print_keys(stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (check)
		return check_config(optind < argc ? argv[optind] : d.conf_path);
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	/* No core file, no ptrace, before the first key is read. */
	privs_harden();
	d.gen = gen_load(d.conf_path, &d.tickets, &d.tickets);
	if (!d.gen)
		return 1;
	d.gen->number = 1;
	log_set_level(level >= 0 ? level : d.gen->conf.log_level);
	rc = daemon_run(&d);
	return rc ? 1 : 0;
}
