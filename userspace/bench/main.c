// SPDX-License-Identifier: MIT
/*
 * tlsk-bench: record-layer throughput of plain TCP, tlsk, in-tree kTLS and
 * userspace OpenSSL, side by side in one run.
 *
 * Why this shape: timings on a shared machine, and under QEMU/TCG, mean
 * little on their own, but stacks measured in the same run, interleaved
 * (every repetition runs every stack before the next repetition starts),
 * on the same CPU and with the same cipher and record size, give honest
 * ratios. So the output is one row per (cell, repetition), and
 * userspace/bench/report turns rows into medians, spreads and ratios.
 *
 * stdout is TAP, one line per cell and repetition ("ok N bench: CELL
 * produced a sane number"), so the VM runner and `make check` can run it;
 * --csv FILE gets the machine-readable rows. No timing is ever a verdict:
 * a cell fails only when it errs or its bytes do not add up; the exit
 * status is 1 when one did.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "bench.h"

#define MAX_ITEMS 16

static const char *const stack_names[ST__COUNT] = {
	[ST_PLAIN] = "plain", [ST_TLSK] = "tlsk", [ST_TLS] = "tls",
	[ST_OPENSSL] = "openssl",
};

static const char *const workload_names[WL__COUNT] = {
	[WL_WRITE] = "write", [WL_MORE] = "more", [WL_SENDFILE] = "sendfile",
	[WL_READ] = "read",
};

static const struct {
	const char *name;
	enum tlsk_aead aead;
} aeads[] = {
	{ "aes128gcm", TLSK_AEAD_AES_128_GCM },
	{ "aes256gcm", TLSK_AEAD_AES_256_GCM },
	{ "chacha20", TLSK_AEAD_CHACHA20_POLY1305 },
	{ "aes128ccm", TLSK_AEAD_AES_128_CCM },
};

const char *stack_name(enum stack s)
{
	return stack_names[s];
}

const char *workload_name(enum workload w)
{
	return workload_names[w];
}

const char *aead_short_name(enum tlsk_aead a)
{
	for (size_t i = 0; i < sizeof(aeads) / sizeof(aeads[0]); i++)
		if (aeads[i].aead == a)
			return aeads[i].name;
	return "?";
}

struct workload_spec {
	enum workload wl;
	size_t size;
};

struct options {
	int stacks[MAX_ITEMS], n_stacks;
	struct workload_spec wls[MAX_ITEMS];
	int n_wls;
	uint16_t versions[MAX_ITEMS];
	int n_versions;
	enum tlsk_aead aeads[MAX_ITEMS];
	int n_aeads;
	int conns[MAX_ITEMS], n_conns;
	size_t bytes;
	int reps;
	int aead_mode;
	int zerocopy_ro;
	struct net net;
	FILE *csv;
};

static void usage(FILE *f, int status)
{
	fprintf(f,
"usage: tlsk-bench [options]\n"
"  --stacks LIST     plain,tlsk,tls,openssl (default: all)\n"
"  --workloads LIST  write:SIZE, more:SIZE (send MSG_MORE), sendfile, read\n"
"                    (default: write:16k,write:256k,sendfile,read,\n"
"                    write:1k,more:1k)\n"
"  --versions LIST   1.2,1.3 (default: 1.3)\n"
"  --ciphers LIST    aes128gcm,aes256gcm,chacha20,aes128ccm (default: aes128gcm)\n"
"  --conns LIST      connections per cell, e.g. 1,4 (default: 1)\n"
"  --bytes SIZE      payload per connection per cell (default: 8m)\n"
"  --reps N          repetitions, interleaved across stacks (default: 3)\n"
"  --addr IPV4       listener address (default: 127.0.0.1)\n"
"  --peer-netns NS   create the listener in /run/netns/NS (veth runs)\n"
"  --net LABEL       network label for the output (default: loopback)\n"
"  --aead            raw AEAD speed instead: libcrypto (evp) and the\n"
"                    kernel through AF_ALG (af_alg), 16 KiB records\n"
"  --csv FILE        write one CSV row per cell and repetition\n"
"  --zerocopy-ro     set TLS_TX_ZEROCOPY_RO on the tlsk and tls senders (the\n"
"                    promise that sent pages do not change: tlsk then seals\n"
"                    CCM records from them too; in-tree kTLS does anyway)\n"
"SIZE takes k, m, g (binary). stdout is TAP; timings are never verdicts.\n");
	exit(status);
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || v == 0) {
		fprintf(stderr, "tlsk-bench: bad size '%s'\n", s);
		exit(2);
	}
	return (size_t)v;
}

/* Calls item() on each comma-separated item of list (a copy). */
static void each_item(const char *list, struct options *o,
		      void (*item)(struct options *, const char *))
{
	char *copy = strdup(list), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		item(o, t);
	free(copy);
}

static void too_many(void)
{
	fprintf(stderr, "tlsk-bench: at most %d items in a list\n", MAX_ITEMS);
	exit(2);
}

static void bad_item(const char *what, const char *s)
{
	fprintf(stderr, "tlsk-bench: unknown %s '%s'\n", what, s);
	exit(2);
}

/* Parses a decimal number in [min, max] (min >= 0); -1 if s is not one. */
static long parse_count(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

static void add_stack(struct options *o, const char *s)
{
	for (int i = 0; i < ST__COUNT; i++) {
		if (!strcmp(s, stack_names[i])) {
			if (o->n_stacks == MAX_ITEMS)
				too_many();
			o->stacks[o->n_stacks++] = i;
			return;
		}
	}
	bad_item("stack", s);
}

static void add_workload(struct options *o, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	if (o->n_wls == MAX_ITEMS)
		too_many();
	for (int i = 0; i < WL__COUNT; i++) {
		if (strlen(workload_names[i]) != len ||
		    strncmp(s, workload_names[i], len) != 0)
			continue;
		/* Sizes only for write/more; read uses full records. */
		if ((i == WL_WRITE || i == WL_MORE) != !!colon)
			bad_item("workload (write:SIZE, more:SIZE, sendfile, read)", s);
		o->wls[o->n_wls].wl = i;
		o->wls[o->n_wls++].size = colon ? parse_size(colon + 1) : 16384;
		return;
	}
	bad_item("workload", s);
}

static void add_version(struct options *o, const char *s)
{
	if (o->n_versions == MAX_ITEMS)
		too_many();
	if (!strcmp(s, "1.2"))
		o->versions[o->n_versions++] = 0x0303;
	else if (!strcmp(s, "1.3"))
		o->versions[o->n_versions++] = 0x0304;
	else
		bad_item("version", s);
}

static void add_cipher(struct options *o, const char *s)
{
	for (size_t i = 0; i < sizeof(aeads) / sizeof(aeads[0]); i++) {
		if (!strcmp(s, aeads[i].name)) {
			if (o->n_aeads == MAX_ITEMS)
				too_many();
			o->aeads[o->n_aeads++] = aeads[i].aead;
			return;
		}
	}
	bad_item("cipher", s);
}

static void add_conns(struct options *o, const char *s)
{
	int n = (int)parse_count(s, 1, 64);

	if (n < 0)
		bad_item("connection count (1..64)", s);
	if (o->n_conns == MAX_ITEMS)
		too_many();
	o->conns[o->n_conns++] = n;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "stacks", required_argument, NULL, 's' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "versions", required_argument, NULL, 'v' },
		{ "ciphers", required_argument, NULL, 'c' },
		{ "conns", required_argument, NULL, 'n' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "reps", required_argument, NULL, 'r' },
		{ "addr", required_argument, NULL, 'a' },
		{ "peer-netns", required_argument, NULL, 'p' },
		{ "net", required_argument, NULL, 'l' },
		{ "aead", no_argument, NULL, 'A' },
		{ "csv", required_argument, NULL, 'o' },
		{ "zerocopy-ro", no_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->bytes = 8 << 20;
	o->reps = 3;
	o->net.label = "loopback";
	o->net.addr = "127.0.0.1";
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': each_item(optarg, o, add_stack); break;
		case 'w': each_item(optarg, o, add_workload); break;
		case 'v': each_item(optarg, o, add_version); break;
		case 'c': each_item(optarg, o, add_cipher); break;
		case 'n': each_item(optarg, o, add_conns); break;
		case 'b': o->bytes = parse_size(optarg); break;
		case 'r': o->reps = (int)parse_count(optarg, 1, 100); break;
		case 'a': o->net.addr = optarg; break;
		case 'p': o->net.peer_netns = optarg; break;
		case 'l': o->net.label = optarg; break;
		case 'A': o->aead_mode = 1; break;
		case 'Z': o->zerocopy_ro = 1; break;
		case 'o':
			o->csv = fopen(optarg, "w");
			if (!o->csv) {
				perror(optarg);
				exit(2);
			}
			break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	if (optind != argc || o->reps < 1 || o->reps > 100)
		usage(stderr, 2);
	if (!o->n_stacks)
		each_item("plain,tlsk,tls,openssl", o, add_stack);
	if (!o->n_wls)
		each_item("write:16k,write:256k,sendfile,read,write:1k,more:1k",
			  o, add_workload);
	if (!o->n_versions)
		add_version(o, "1.3");
	if (!o->n_aeads)
		add_cipher(o, "aes128gcm");
	if (!o->n_conns)
		add_conns(o, "1");
}

/* ---- output ---- */

static int tap_n, tap_failed;

static void emit(const struct options *o, const char *stack, const char *wl,
		 size_t size, uint16_t version, enum tlsk_aead aead, int conns,
		 int rep, const struct result *r)
{
	double mb_s = r->secs > 0 ? (double)r->payload / 1e6 / r->secs : 0;
	double gb = (double)r->payload / 1e9;
	const char *ver = version == 0x0303 ? "1.2" : version ? "1.3" : "-";
	const char *cipher = aead ? aead_short_name(aead) : "-";
	static const char *const status[] = { "ok", "n/a", "fail" };
	char cell[160];
	int sane;

	snprintf(cell, sizeof(cell), "%s %s %s:%zu tls%s %s conns=%d rep=%d",
		 o->net.label, stack, wl, size, ver, cipher, conns, rep);
	sane = r->status == RES_OK && isfinite(mb_s) && mb_s > 0 &&
	       r->cpu_secs >= 0;
	tap_n++;
	if (r->status == RES_NA)
		printf("ok %d bench: %s # SKIP n/a (%s)\n", tap_n, cell, r->note);
	else if (sane)
		printf("ok %d bench: %s produced a sane number (%.1f MB/s)\n",
		       tap_n, cell, mb_s);
	else {
		printf("not ok %d bench: %s: %s\n", tap_n, cell,
		       r->note[0] ? r->note : "no sane number");
		tap_failed++;
	}
	fflush(stdout);
	if (!o->csv)
		return;
	/* Notes never hold commas or quotes: strerrorname and fixed text. */
	fprintf(o->csv, "%s,%s,%s,%zu,%s,%s,%d,%zu,%d,%s,%.6f,%.3f,%.4f,%.4f,%.4f,%s\n",
		o->net.label, stack, wl, size, ver, cipher, conns, o->bytes,
		rep, status[r->status], r->secs, mb_s,
		gb > 0 ? r->cpu_secs / gb : 0, gb > 0 ? r->stat_secs / gb : 0,
		r->payload ? (double)r->wire / (double)r->payload : 0,
		r->note);
	fflush(o->csv);
}

/*
 * One small untimed cell per stack first: the first transfer of a run pays
 * for page faults, module autoloading (the VM loads algif/crypto modules
 * on first use) and cold caches, which would land on whichever stack the
 * first repetition happened to start with.
 */
static void warm_up(const struct options *o)
{
	for (int s = 0; s < o->n_stacks; s++) {
		struct cell c = {
			.stack = o->stacks[s], .wl = o->wls[0].wl,
			.size = o->wls[0].size, .version = o->versions[0],
			.aead = o->aeads[0], .conns = 1,
			.bytes = o->bytes < (256 << 10) ? o->bytes : 256 << 10,
			.zerocopy_ro = o->zerocopy_ro,
		};
		struct result r;

		run_cell(&o->net, &c, &r);
	}
}

static void run_matrix(const struct options *o)
{
	/* A cell that failed is not repeated: a stalled record layer would
	 * cost a socket timeout per repetition. Indexed like the loops. */
	static unsigned char failed[MAX_ITEMS][MAX_ITEMS][MAX_ITEMS][MAX_ITEMS]
				   [ST__COUNT];

	warm_up(o);
	for (int rep = 1; rep <= o->reps; rep++)
	for (int w = 0; w < o->n_wls; w++)
	for (int v = 0; v < o->n_versions; v++)
	for (int a = 0; a < o->n_aeads; a++)
	for (int n = 0; n < o->n_conns; n++)
	for (int s = 0; s < o->n_stacks; s++) {
		unsigned char *fail = &failed[w][v][a][n][o->stacks[s]];
		struct cell c = {
			.stack = o->stacks[s], .wl = o->wls[w].wl,
			.size = o->wls[w].size, .version = o->versions[v],
			.aead = o->aeads[a], .conns = o->conns[n],
			.bytes = o->bytes, .zerocopy_ro = o->zerocopy_ro,
		};
		struct result r;

		/* Plain TCP has no version or cipher: run it once. */
		if (c.stack == ST_PLAIN && (v > 0 || a > 0))
			continue;
		if (*fail) {
			memset(&r, 0, sizeof(r));
			r.status = RES_NA;
			snprintf(r.note, sizeof(r.note),
				 "failed in an earlier repetition");
		} else {
			run_cell(&o->net, &c, &r);
			*fail = r.status == RES_FAIL;
		}
		if (c.stack == ST_PLAIN)
			emit(o, stack_name(c.stack), workload_name(c.wl), c.size,
			     0, 0, c.conns, rep, &r);
		else
			emit(o, stack_name(c.stack), workload_name(c.wl), c.size,
			     c.version, c.aead, c.conns, rep, &r);
	}
}

static void run_aead_matrix(const struct options *o)
{
	static const char *const impl_names[] = { "evp", "af_alg" };

	for (int rep = 1; rep <= o->reps; rep++)
	for (int v = 0; v < o->n_versions; v++)
	for (int a = 0; a < o->n_aeads; a++)
	for (int impl = AEAD_EVP; impl <= AEAD_AF_ALG; impl++) {
		struct result r;

		run_aead(impl, o->versions[v], o->aeads[a], o->bytes, &r);
		emit(o, impl_names[impl], "aead", 16384, o->versions[v],
		     o->aeads[a], 1, rep, &r);
	}
}

int main(int argc, char **argv)
{
	struct options o;

	parse_options(argc, argv, &o);
	/* A receiver that dies must not kill the run with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (bench_init() < 0) {
		fprintf(stderr, "tlsk-bench: cannot make a test certificate\n");
		return 1;
	}
	if (o.csv)
		fprintf(o.csv, "net,stack,workload,size,version,cipher,conns,"
			"bytes,rep,status,secs,mb_s,cpu_s_per_gb,"
			"stat_cpu_s_per_gb,wire_ratio,note\n");
	if (o.aead_mode)
		run_aead_matrix(&o);
	else
		run_matrix(&o);
	printf("1..%d\n", tap_n);
	if (o.csv)
		fclose(o.csv);
	return tap_failed ? 1 : 0;
}
