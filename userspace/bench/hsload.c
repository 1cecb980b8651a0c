// SPDX-License-Identifier: MIT
/*
 * tlsk-hsload: a TLS handshake load client. It keeps N connections in
 * flight against one listening server, each doing one handshake (full or
 * resumed) and closing, for a fixed time (or --count connections), and
 * reports handshakes per second, handshakes per CPU-second of the server
 * processes it is told about, and the handshake latency it saw.
 *
 * Every connection leaves a TIME_WAIT socket on this side's ephemeral
 * port for a minute; a test that wants few of them (the smoke variant,
 * run next to tests that bind fixed ports) uses --count.
 *
 * The same client drives every server under test (tlskd behind
 * tlsk-httpd, tlsk-httpd's in-process engine, openssl s_server), so the
 * figures differ only by the server. The client is libssl, non-blocking,
 * on one epoll set; it does not verify the server (that is the client's
 * cost, not the server's).
 *
 * One connection:
 *   connect() -> SSL_do_handshake() until done -> (TLS 1.3) read until a
 *   NewSessionTicket has arrived, so the server's whole flight is taken
 *   and close() sends no RST -> close(). Latency is connect() to the
 *   handshake's end.
 * Resumption: each slot keeps the newest session its connections got
 * (OpenSSL's client uses a TLS 1.3 ticket once) and offers it; every
 * handshake after a slot's first must then resume, or it counts as
 * "not resumed" and the run fails.
 *
 * Server CPU: the run time the scheduler charged to every thread of
 * each --server-pid (the first field of /proc/PID/task/TID/schedstat,
 * nanoseconds, exact), or where the kernel has no schedstat, utime +
 * stime of /proc/PID/stat (sampled at each tick). The output says which
 * (cpu_clock=schedstat|ticks). In a guest clocked by instructions
 * (scripts/hsbench --icount), a schedstat nanosecond is one guest
 * instruction.
 *
 * Output: one line of key=value pairs; exit 1 when a handshake failed or
 * did not resume as asked.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define SLOTS_MAX	1024
#define PIDS_MAX	8
#define LAT_MAX		(1u << 20)
#define STEP_TIMEOUT_S	10	/* default of --step-timeout */

enum slot_state { S_IDLE, S_CONNECT, S_HANDSHAKE, S_TICKET };

struct slot {
	enum slot_state state;
	int fd;
	SSL *ssl;
	SSL_SESSION *sess;	/* newest session to resume with */
	double started, deadline;
	bool first_done;	/* a first (full) handshake happened */
	bool got_ticket;	/* a NewSessionTicket in this connection */
};

struct load {
	SSL_CTX *ctx;
	struct sockaddr_in addr;
	int epfd;
	uint16_t version;
	bool resumed, measuring;
	unsigned done, failed, not_resumed, resumed_count;
	unsigned max, started;	/* --count: measured connections to start */
	double *lat;		/* µs, measured handshakes */
	unsigned nlat;
	const char *first_error;
	double step_timeout;	/* s, connect to the handshake's end */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tlsk-hsload: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(2);
}

/*
 * Run time of every thread of a process, in seconds, from schedstat;
 * -1 when the kernel has none (or the process is gone).
 */
static double proc_sched_cpu(int pid)
{
	char path[64], buf[128];
	unsigned long long ns = 0;
	struct dirent *e;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		unsigned long long v = 0;
		char *end = NULL;
		FILE *f;
		bool ok;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/schedstat",
			 pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;	/* a thread that just exited */
		ok = fgets(buf, sizeof(buf), f) != NULL;
		fclose(f);
		if (ok) {
			errno = 0;
			v = strtoull(buf, &end, 10);
			ok = !errno && end != buf && *end == ' ';
		}
		if (ok) {
			ns += v;
			any = true;
		}
	}
	closedir(d);
	return any ? (double)ns / 1e9 : -1;
}

static bool use_schedstat;

/* utime + stime of a process and all its threads, in seconds */
static double proc_tick_cpu(int pid)
{
	char path[64], buf[1024], *p, *tok, *save = NULL;
	unsigned long long ticks = 0;
	int field = 3;		/* the first after the name, proc(5) */
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the name may hold spaces */
	if (!p)
		return -1;
	for (tok = strtok_r(p + 1, " ", &save); tok && field <= 15;
	     tok = strtok_r(NULL, " ", &save), field++) {
		char *end;
		unsigned long long v;

		if (field < 14)
			continue;
		errno = 0;
		v = strtoull(tok, &end, 10);
		if (errno || *end)
			return -1;
		ticks += v;	/* 14 utime, 15 stime */
	}
	if (field <= 15)
		return -1;
	return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

static double proc_cpu(int pid)
{
	return use_schedstat ? proc_sched_cpu(pid) : proc_tick_cpu(pid);
}

static void slot_close(struct load *l, struct slot *s)
{
	if (s->ssl) {
		/* a session must survive a close without close_notify */
		SSL_set_shutdown(s->ssl, SSL_SENT_SHUTDOWN |
				 SSL_RECEIVED_SHUTDOWN);
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
	}
	s->state = S_IDLE;
}

static void slot_fail(struct load *l, struct slot *s, const char *why)
{
	if (l->measuring)
		l->failed++;
	if (!l->first_error)
		l->first_error = why;
	slot_close(l, s);
}

static int slot_start(struct load *l, struct slot *s)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };
	int one = 1;

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->started = now_s();
	s->deadline = s->started + l->step_timeout;
	if (connect(s->fd, (struct sockaddr *)&l->addr, sizeof(l->addr)) &&
	    errno != EINPROGRESS) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	s->ssl = SSL_new(l->ctx);
	if (!s->ssl || !SSL_set_fd(s->ssl, s->fd))
		die("out of memory");
	SSL_set_connect_state(s->ssl);
	SSL_set_tlsext_host_name(s->ssl, "localhost");
	SSL_set_app_data(s->ssl, s);
	s->got_ticket = false;
	if (l->resumed && s->sess)
		SSL_set_session(s->ssl, s->sess);
	s->state = S_CONNECT;
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, s->fd, &ev);
}

static void slot_wait(struct load *l, struct slot *s, int err)
{
	struct epoll_event ev = {
		.events = err == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN,
		.data.ptr = s,
	};

	epoll_ctl(l->epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

/* The handshake is over: account for it. */
static void slot_handshake_done(struct load *l, struct slot *s)
{
	bool reused = SSL_session_reused(s->ssl);

	if (l->measuring) {
		l->done++;
		if (l->nlat < LAT_MAX)
			l->lat[l->nlat++] = (now_s() - s->started) * 1e6;
		if (reused)
			l->resumed_count++;
		else if (l->resumed && s->first_done)
			l->not_resumed++;
	}
	s->first_done = true;
}

static void slot_step(struct load *l, struct slot *s)
{
	uint8_t buf[4096];
	int rc, err;

	if (s->state == S_CONNECT) {
		socklen_t len = sizeof(err);

		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) ||
		    err) {
			slot_fail(l, s, "connect failed");
			return;
		}
		s->state = S_HANDSHAKE;
	}
	if (s->state == S_HANDSHAKE) {
		rc = SSL_do_handshake(s->ssl);
		if (rc <= 0) {
			err = SSL_get_error(s->ssl, rc);
			if (err == SSL_ERROR_WANT_READ ||
			    err == SSL_ERROR_WANT_WRITE)
				slot_wait(l, s, err);
			else
				slot_fail(l, s, "handshake failed");
			return;
		}
		slot_handshake_done(l, s);
		if (SSL_version(s->ssl) != l->version) {
			slot_fail(l, s, "wrong version negotiated");
			return;
		}
		if (l->version == TLS1_2_VERSION) {
			slot_close(l, s);	/* new_session() kept it */
			return;
		}
		s->state = S_TICKET;
	}
	/* TLS 1.3: take the server's NewSessionTicket, then close */
	while (!s->got_ticket) {
		rc = SSL_read(s->ssl, buf, sizeof(buf));
		if (rc > 0)
			continue;	/* no data is expected; ignore it */
		err = SSL_get_error(s->ssl, rc);
		if (s->got_ticket)
			break;
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			slot_wait(l, s, err);
			return;
		}
		/* the server closed without a ticket: nothing to resume */
		break;
	}
	slot_close(l, s);
}

/* libssl's client got a session (TLS 1.3: from a NewSessionTicket) */
static int new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct slot *s = SSL_get_app_data(ssl);

	if (!s || !SSL_SESSION_is_resumable(sess))
		return 0;
	SSL_SESSION_free(s->sess);
	s->sess = sess;		/* ours now */
	s->got_ticket = true;
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *v, unsigned n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i];
}

static void usage(FILE *f)
{
	fputs("usage: tlsk-hsload [--addr A] --port P [--conns N] "
	      "[--seconds S] [--count N] [--warmup S]\n"
	      "         [--tls 1.3|1.2] [--resumed] [--group G] "
	      "[--server-pid PID]... [--step-timeout S]\n"
	      "Handshakes against a listening server; see the comment at "
	      "the top of hsload.c.\n", f);
}

static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "tlsk-hsload: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/* Runs until `until`, or (--count) until max connections were measured. */
static void run(struct load *l, struct slot *slots, unsigned n, double until)
{
	struct epoll_event evs[64];

	while (now_s() < until) {
		bool busy = false, capped = l->measuring && l->max &&
					    l->started >= l->max;
		double t = now_s();
		int k;

		for (unsigned i = 0; i < n; i++) {
			if (slots[i].state == S_IDLE && !capped) {
				if (slot_start(l, &slots[i]))
					slot_fail(l, &slots[i],
						  "cannot connect");
				else if (l->measuring)
					l->started++;
			} else if (slots[i].state != S_IDLE &&
				   t > slots[i].deadline) {
				slot_fail(l, &slots[i], "handshake timed out");
			}
			busy |= slots[i].state != S_IDLE;
		}
		if (capped && !busy)
			return;
		k = epoll_wait(l->epfd, evs, 64, 100);
		for (int i = 0; i < k; i++)
			slot_step(l, evs[i].data.ptr);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "tls", required_argument, NULL, 't' },
		{ "resumed", no_argument, NULL, 'r' },
		{ "group", required_argument, NULL, 'g' },
		{ "server-pid", required_argument, NULL, 'P' },
		{ "step-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct load l = { .version = TLS1_3_VERSION,
			  .step_timeout = STEP_TIMEOUT_S };
	const char *addr = "127.0.0.1", *group = "x25519";
	long port = 0, conns = 8, seconds = 5, warmup = 1;
	int pids[PIDS_MAX], npids = 0, ch;
	double cpu0[PIDS_MAX], cpus[PIDS_MAX], cpu = 0, t0, t1;
	struct slot *slots;
	char groups[64];

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'p': port = parse_num(optarg, 1, 65535); break;
		case 'n': conns = parse_num(optarg, 1, SLOTS_MAX); break;
		case 's': seconds = parse_num(optarg, 1, 3600); break;
		case 'c': l.max = (unsigned)parse_num(optarg, 1, 1 << 30); break;
		case 'w': warmup = parse_num(optarg, 0, 600); break;
		case 't':
			if (!strcmp(optarg, "1.3"))
				l.version = TLS1_3_VERSION;
			else if (!strcmp(optarg, "1.2"))
				l.version = TLS1_2_VERSION;
			else
				goto bad;
			break;
		case 'r': l.resumed = true; break;
		case 'T': l.step_timeout = (double)parse_num(optarg, 1, 3600); break;
		case 'g': group = optarg; break;
		case 'P':
			if (npids == PIDS_MAX)
				goto bad;
			pids[npids++] = (int)parse_num(optarg, 1, 1 << 30);
			break;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (optind != argc || !port)
		goto bad;
	signal(SIGPIPE, SIG_IGN);
	l.addr.sin_family = AF_INET;
	l.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &l.addr.sin_addr) != 1)
		goto bad;

	/* a TLS 1.2 client must list its ECDSA peer's curve (RFC 8422 5.1) */
	snprintf(groups, sizeof(groups), "%s%s", group,
		 strcmp(group, "P-256") ? ":P-256" : "");
	l.ctx = SSL_CTX_new(TLS_client_method());
	if (!l.ctx ||
	    !SSL_CTX_set_min_proto_version(l.ctx, l.version) ||
	    !SSL_CTX_set_max_proto_version(l.ctx, l.version) ||
	    !SSL_CTX_set1_groups_list(l.ctx, groups) ||
	    !SSL_CTX_set_ciphersuites(l.ctx, "TLS_AES_128_GCM_SHA256") ||
	    !SSL_CTX_set_cipher_list(l.ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:"
				     "ECDHE-RSA-AES128-GCM-SHA256"))
		die("cannot configure libssl");
	SSL_CTX_set_verify(l.ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(l.ctx, SSL_SESS_CACHE_CLIENT |
				       SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(l.ctx, new_session);
	if (l.version == TLS1_2_VERSION)	/* resume by session ID */
		SSL_CTX_set_options(l.ctx, SSL_OP_NO_TICKET);

	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	slots = calloc((size_t)conns, sizeof(*slots));
	l.lat = malloc(LAT_MAX * sizeof(*l.lat));
	if (l.epfd < 0 || !slots || !l.lat)
		die("out of memory");
	for (long i = 0; i < conns; i++)
		slots[i].fd = -1;

	/* warm-up: every slot's first (full) handshake happens here */
	run(&l, slots, (unsigned)conns, now_s() + (double)warmup);
	use_schedstat = npids > 0;
	for (int i = 0; i < npids; i++)
		use_schedstat = use_schedstat && proc_sched_cpu(pids[i]) >= 0;
	for (int i = 0; i < npids; i++)
		cpu0[i] = proc_cpu(pids[i]);
	l.measuring = true;
	t0 = now_s();
	run(&l, slots, (unsigned)conns, t0 + (double)seconds);
	t1 = now_s();
	l.measuring = false;
	for (int i = 0; i < npids; i++) {
		double c = proc_cpu(pids[i]);

		if (c < 0 || cpu0[i] < 0) {
			fprintf(stderr, "tlsk-hsload: no process %d\n",
				pids[i]);
			return 2;
		}
		cpus[i] = c - cpu0[i];
		cpu += cpus[i];
	}
	for (long i = 0; i < conns; i++) {
		slot_close(&l, &slots[i]);
		SSL_SESSION_free(slots[i].sess);
	}

	qsort(l.lat, l.nlat, sizeof(*l.lat), cmp_double);
	printf("tls=%s mode=%s conns=%ld seconds=%.2f handshakes=%u "
	       "failed=%u resumed=%u not_resumed=%u hs_per_s=%.1f",
	       l.version == TLS1_3_VERSION ? "1.3" : "1.2",
	       l.resumed ? "resumed" : "full", conns, t1 - t0, l.done,
	       l.failed, l.resumed_count, l.not_resumed,
	       (double)l.done / (t1 - t0));
	if (npids) {
		printf(" cpu_clock=%s server_cpu_s=%.4f "
		       "hs_per_server_cpu_s=%.1f cpu_us_per_hs_by_pid=",
		       use_schedstat ? "schedstat" : "ticks", cpu,
		       cpu > 0 ? (double)l.done / cpu : 0.0);
		for (int i = 0; i < npids; i++)
			printf("%s%.1f", i ? "," : "",
			       l.done ? cpus[i] * 1e6 / l.done : 0.0);
	}
	printf(" p50_us=%.0f p99_us=%.0f\n", pct(l.lat, l.nlat, 50),
	       pct(l.lat, l.nlat, 99));
	if (l.first_error)
		fprintf(stderr, "tlsk-hsload: first error: %s\n",
			l.first_error);
	free(l.lat);
	free(slots);
	close(l.epfd);
	SSL_CTX_free(l.ctx);
	return l.failed || l.not_resumed || !l.done ? 1 : 0;
bad:
	usage(stderr);
	return 2;
}
