// SPDX-License-Identifier: MIT
/*
 * tlsk-httpd: a small static-file HTTPS/1.1 server, and the reference for
 * how a service uses tlsk.
 *
 *   accept() -> tlsk_handshake_start(fd)        (tlskd does TLS, the kernel
 *            -> ... epoll on the pending fd ...  carries the records)
 *            -> tlsk_handshake_finish()
 *            -> read() requests, write() headers, sendfile() bodies
 *
 * One thread, one epoll set, level-triggered. With -local CONFIG the
 * handshake runs in this process instead (blocking, per connection: local
 * mode is for tests and small set-ups) and, when the host has no kernel
 * TLS, the records go through libtlsk's userspace record layer: bodies are
 * then read() and written through struct tlsk_conn, since sendfile() can
 * only be used when the kernel frames the records.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "tlsk/service.h"

#define IDLE_SWEEP_MS	1000
#define DEFAULT_IDLE_MS	60000
#define MAX_IDLE_S	604800		/* -i: a week */
#define MAX_TIMEOUT_MS	3600000		/* -t: tlskd.conf's limit */
#define PROBE_TIMEOUT_MS 2000		/* the profile check at start */

struct server {
	int epfd, listen_fd, root_fd;
	struct tlsk_params params;
	struct tlsk_config *local;	/* -local: in-process engine */
	bool verbose;
	unsigned idle_ms;		/* close connections idle this long */
	struct client *clients;		/* all of them, for the idle sweep */
};

enum conn_state { C_HANDSHAKE, C_REQUEST, C_RESPONSE };

struct client {
	struct server *srv;
	enum conn_state state;
	int fd;				/* the TCP socket (or tlskd's relay) */
	struct tlsk_pending *pending;	/* C_HANDSHAKE */
	struct tlsk_conn *conn;		/* userspace record layer, or NULL */
	char in[HTTP_MAX_REQUEST];
	size_t in_len;
	char head[512];			/* response headers */
	size_t head_off, head_len;
	int body_fd;
	off_t body_off, body_len;
	bool keep_alive;
	uint64_t last_ms;		/* last event, CLOCK_MONOTONIC */
	struct client *prev, *next;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- I/O through the kernel's records or the userspace layer ---- */

static ssize_t conn_read(struct client *c, void *buf, size_t len)
{
	ssize_t n;

	if (c->conn)
		return tlsk_conn_read(c->conn, buf, len);
	n = read(c->fd, buf, len);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		n = -errno;
		(void)tlsk_read_failed(c->fd, (int)n);	/* the peer's alert */
		return n;
	}
	return n < 0 ? -errno : n;
}

static ssize_t conn_write(struct client *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->conn) {
		n = tlsk_conn_write(c->conn, buf, len);
		if (n > 0 && tlsk_conn_flush(c->conn) == -EAGAIN)
			return n;	/* sealed; the rest leaves on EPOLLOUT */
		return n;
	}
	n = send(c->fd, buf, len, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

/* The body: sendfile() when the kernel (or tlskd's relay) carries the
 * records, else a copy through the userspace record layer. */
static ssize_t send_body(struct client *c)
{
	char buf[16384];
	size_t want = (size_t)(c->body_len - c->body_off);
	ssize_t n;

	if (!c->conn) {
		n = sendfile(c->fd, c->body_fd, &c->body_off, want);
		return n < 0 ? -errno : n;
	}
	if (want > sizeof(buf))
		want = sizeof(buf);
	n = pread(c->body_fd, buf, want, c->body_off);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;	/* file shrank */
	n = conn_write(c, buf, (size_t)n);
	if (n > 0)
		c->body_off += n;
	return n;
}

/* ---- connections ---- */

static void client_free(struct client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->pending) {
		epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, tlsk_pending_fd(c->pending),
			  NULL);
		tlsk_pending_cancel(c->pending);
	}
	if (c->body_fd >= 0)
		close(c->body_fd);
	if (c->conn) {
		tlsk_conn_close(c->conn);	/* closes fd, close_notify */
	} else if (c->fd >= 0) {
		epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c);
}

static int watch(struct client *c, int fd, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	return epoll_ctl(c->srv->epfd, op, fd, &ev);
}

/* Opens path under the root, never leaving it (RESOLVE_BENEATH also stops
 * symlinks that point outside). */
static int open_beneath(int root, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root, path, &how, sizeof(how));

	/* Kernels before 5.6: no symlinks at all, ".." was refused already. */
	if (fd < 0 && errno == ENOSYS)
		fd = openat(root, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return (int)fd;
}

static void set_head(struct client *c, int status, const char *type,
		     off_t len)
{
	int n = snprintf(c->head, sizeof(c->head),
			 "HTTP/1.1 %d %s\r\nServer: tlsk-httpd\r\n"
			 "Content-Type: %s\r\nContent-Length: %lld\r\n"
			 "Connection: %s\r\n\r\n", status, http_reason(status),
			 type, (long long)len,
			 c->keep_alive ? "keep-alive" : "close");

	c->head_off = 0;
	c->head_len = n > 0 && (size_t)n < sizeof(c->head) ? (size_t)n : 0;
}

static void respond_error(struct client *c, int status)
{
	c->keep_alive = false;
	c->body_len = c->body_off = 0;
	set_head(c, status, "text/plain; charset=utf-8", 0);
}

static void respond_file(struct client *c, const struct http_request *req)
{
	struct stat st;
	int fd = open_beneath(c->srv->root_fd, req->path);

	if (fd < 0) {
		respond_error(c, errno == ENOENT || errno == ENOTDIR ? 404 : 403);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		respond_error(c, 404);
		return;
	}
	c->keep_alive = req->keep_alive;
	set_head(c, 200, http_mime_type(req->path), st.st_size);
	c->body_off = 0;
	c->body_len = req->method == HTTP_HEAD ? 0 : st.st_size;
	if (c->body_len)
		c->body_fd = fd;
	else
		close(fd);
}

static int start_response(struct client *c)
{
	struct http_request req;
	int rc = http_parse_request(c->in, c->in_len, &req);

	if (rc == -EAGAIN)
		return 0;
	if (rc)
		respond_error(c, rc);
	else
		respond_file(c, &req);
	if (c->srv->verbose)	/* the status line's code and text */
		fprintf(stderr, "tlsk-httpd: %s %s -> %.*s\n",
			rc ? "?" : req.method == HTTP_GET ? "GET" : "HEAD",
			rc ? "-" : req.path, (int)strcspn(c->head + 9, "\r\n"),
			c->head + 9);
	/* Pipelined bytes behind this request stay for the next one. */
	if (!rc) {
		memmove(c->in, c->in + req.length, c->in_len - req.length);
		c->in_len -= req.length;
	}
	c->state = C_RESPONSE;
	return 1;
}

/* Writes what it can; 1 when the response is complete. */
static int write_response(struct client *c)
{
	while (c->head_off < c->head_len) {
		ssize_t n = conn_write(c, c->head + c->head_off,
				       c->head_len - c->head_off);

		if (n < 0)
			return n == -EAGAIN ? 0 : (int)n;
		c->head_off += (size_t)n;
	}
	while (c->body_off < c->body_len) {
		ssize_t n = send_body(c);

		if (n < 0)
			return n == -EAGAIN ? 0 : (int)n;
	}
	if (c->conn && tlsk_conn_flush(c->conn) == -EAGAIN)
		return 0;
	if (c->body_fd >= 0)
		close(c->body_fd);
	c->body_fd = -1;
	return 1;
}

/* Runs the connection as far as it goes; <0: close it. */
static int client_step(struct client *c)
{
	for (;;) {
		if (c->state == C_REQUEST) {
			ssize_t n;

			if (start_response(c))
				continue;
			if (c->in_len == sizeof(c->in))
				return -EMSGSIZE;
			n = conn_read(c, c->in + c->in_len,
				      sizeof(c->in) - c->in_len);
			if (n == -EAGAIN)
				return watch(c, c->fd, EPOLLIN, EPOLL_CTL_MOD);
			if (n <= 0)
				return -ECONNRESET;
			c->in_len += (size_t)n;
		} else {
			int rc = write_response(c);

			if (rc < 0)
				return rc;
			if (rc == 0)
				return watch(c, c->fd, EPOLLOUT, EPOLL_CTL_MOD);
			if (!c->keep_alive)
				return -ECONNRESET;
			c->state = C_REQUEST;
		}
	}
}

static int handshake_done(struct client *c, int rc,
			  const struct tlsk_result *res)
{
	if (rc) {
		fprintf(stderr, "tlsk-httpd: handshake failed: %s\n",
			res->reason);
		return rc;
	}
	if (c->srv->verbose)
		fprintf(stderr, "tlsk-httpd: %s %s%s ulp %s%s\n",
			res->version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
			res->suite_name, res->resumed ? " resumed" : "",
			tlsk_ulp_name(res->ulp),
			res->proxied ? " (relayed by tlskd)" : "");
	c->conn = res->conn;
	c->state = C_REQUEST;
	/* The fd may be a new one (tlskd's relay, dup3'ed in place). */
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	if (watch(c, c->fd, EPOLLIN, EPOLL_CTL_ADD))
		return -errno;
	return client_step(c);
}

static void client_event(struct client *c)
{
	struct tlsk_result res;
	int rc;

	c->last_ms = now_ms();
	if (c->state == C_HANDSHAKE) {
		int tfd = tlsk_pending_fd(c->pending);

		rc = tlsk_handshake_finish(c->pending, &res);
		if (rc == -EAGAIN)
			return;
		/* Kept by libtlsk for a later request (tlsk_pending_keep()):
		 * out of our set before we wait again. */
		epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, tfd, NULL);
		c->pending = NULL;
		rc = handshake_done(c, rc, &res);
	} else {
		rc = client_step(c);
	}
	if (rc < 0)
		client_free(c);
}

static void accept_one(struct server *srv)
{
	struct tlsk_result res;
	struct client *c;
	int rc, fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->body_fd = -1;
	c->last_ms = now_ms();
	c->next = srv->clients;
	if (srv->clients)
		srv->clients->prev = c;
	srv->clients = c;
	if (srv->local) {
		rc = tlsk_handshake_local(fd, srv->local, &srv->params,
					  &res);
		if (handshake_done(c, rc, &res) < 0)
			client_free(c);
		return;
	}
	/* Never waits: a stalled tlskd (backlog full) costs this connection,
	 * not the loop. */
	rc = tlsk_handshake_start(fd, &srv->params, &c->pending);
	if (!rc)
		tlsk_pending_keep(c->pending);
	if (rc || watch(c, tlsk_pending_fd(c->pending), EPOLLIN,
			EPOLL_CTL_ADD)) {
		fprintf(stderr, "tlsk-httpd: cannot reach tlskd at %s: %s\n",
			tlsk_service_socket(srv->params.socket_path),
			strerror(rc ? -rc : errno));
		client_free(c);
	}
}

/*
 * Closes connections that did nothing for idle_ms (a client that opens
 * connections and stays silent would otherwise hold them forever), and
 * handshakes whose reply from tlskd is overdue (a stalled daemon): tlskd
 * enforces the handshake deadline itself, so this only fires when it
 * does not answer at all.
 */
static void close_idle(struct server *srv)
{
	uint64_t now = now_ms();
	struct client *c = srv->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->state == C_HANDSHAKE) {
			/* finish() then says -ETIMEDOUT, unless the reply
			 * just came */
			if (c->pending && !tlsk_pending_timeout_ms(c->pending))
				client_event(c);
		} else if (now - c->last_ms >= srv->idle_ms) {
			client_free(c);
		}
	}
}

/* ---- set-up ---- */

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char mapped[64];

	if (strchr(addr, ':'))
		snprintf(mapped, sizeof(mapped), "%s", addr);
	else
		snprintf(mapped, sizeof(mapped), "::ffff:%s", addr);
	if (fd < 0 || inet_pton(AF_INET6, mapped, &sa.sin6_addr) != 1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, SOMAXCONN)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* -l: the profile of a tlskd.conf, through libtlsk's public loader (the
 * configuration lives as long as the process). */
static int load_local(struct server *srv, const char *path)
{
	char diag[4096];
	int rc = tlsk_config_load_profile(path, srv->params.profile,
					  &srv->local, diag, sizeof(diag));

	fputs(diag, stderr);	/* errors and warnings, FILE:LINE: ... */
	if (rc) {
		fprintf(stderr, "tlsk-httpd: cannot load profile %s from %s: "
			"%s\n", srv->params.profile, path, strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Asks tlskd once, at start, whether the profile exists and may be used
 * by us: a request on a TCP socket that is not connected is refused for
 * the profile first (no such profile, not allowed, wrong role) and only
 * then for the socket. An unreachable tlskd is only a warning: it may
 * start after us.
 */
static int probe_profile(const struct server *srv)
{
	struct tlsk_params p = srv->params;
	struct tlsk_result res;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return 0;
	p.timeout_ms = PROBE_TIMEOUT_MS;
	rc = tlsk_handshake(fd, &p, &res);
	close(fd);
	if (rc == -ENOENT && strstr(res.reason, "no such profile")) {
		fprintf(stderr, "tlsk-httpd: tlskd: %s (tlskd.conf has no "
			"[profile %s]; choose one with -P)\n", res.reason,
			p.profile);
		return -1;
	}
	if (rc == -EACCES) {
		fprintf(stderr, "tlsk-httpd: tlskd: %s\n", res.reason);
		return -1;
	}
	if (rc != -ENOTCONN)
		fprintf(stderr, "tlsk-httpd: warning: could not check profile "
			"%s with tlskd: %s\n", p.profile, res.reason);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: tlsk-httpd [-a ADDR] [-p PORT] [-r ROOT] [-P PROFILE]\n"
"                  [-s SOCKET | -l CONFIG] [-v]\n"
"\n"
"Serves the files under ROOT over HTTPS/1.1 (GET, HEAD, keep-alive).\n"
"Each connection's TLS handshake is done by tlskd, whose keys go to the\n"
"kernel; bodies then go out with sendfile().\n"
"\n"
"  -a, --addr ADDR        listen address [127.0.0.1]\n"
"  -p, --port PORT        listen port [8443]\n"
"  -r, --root DIR         document root [.]\n"
"  -P, --profile NAME     tlskd profile [web]\n"
"  -s, --socket PATH      tlskd socket [$TLSK_SOCKET or " TLSK_SERVICE_SOCKET "]\n"
"  -l, --local CONFIG     no daemon: handshake in-process with the profile\n"
"                         of this tlskd.conf (keys then live here)\n"
"  -t, --timeout MS       handshake deadline [the profile's]\n"
"  -i, --idle SECONDS     close connections idle this long [60]\n"
"  -v, --verbose          log handshakes and requests to stderr\n");
}

/*
 * The number in option -opt's argument s, which must be a decimal in
 * [min, max]; anything else is a usage error.
 */
static long num_arg(int opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "tlsk-httpd: -%c: '%s' is not a number in "
			"%ld..%ld\n", opt, s, min, max);
		usage(stderr);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'r' },
		{ "profile", required_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 's' },
		{ "local", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "idle", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server srv = { .params = { .role = TLSK_ROLE_SERVER,
					  .profile = "web",
					  .alpn = "http/1.1" },
			      .idle_ms = DEFAULT_IDLE_MS };
	const char *addr = "127.0.0.1", *root = ".", *local = NULL;
	struct epoll_event ev = { .events = EPOLLIN };
	int port = 8443, opt;

	while ((opt = getopt_long(argc, argv, "a:p:r:P:s:l:t:i:vh", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = (int)num_arg(opt, optarg, 1, 65535); break;
		case 'r': root = optarg; break;
		case 'P': srv.params.profile = optarg; break;
		case 's': srv.params.socket_path = optarg; break;
		case 'l': local = optarg; break;
		case 't':
			srv.params.timeout_ms = (int)num_arg(opt, optarg, 1,
							     MAX_TIMEOUT_MS);
			break;
		case 'v': srv.verbose = true; break;
		case 'i':
			srv.idle_ms = (unsigned)num_arg(opt, optarg, 1,
							MAX_IDLE_S) * 1000u;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (local && load_local(&srv, local))
		return 1;
	if (!local && probe_profile(&srv))
		return 1;
	srv.root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	srv.listen_fd = listen_on(addr, port);
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv.root_fd < 0 || srv.listen_fd < 0 || srv.epfd < 0) {
		perror("tlsk-httpd");
		return 1;
	}
	ev.data.ptr = NULL;	/* NULL: the listener */
	epoll_ctl(srv.epfd, EPOLL_CTL_ADD, srv.listen_fd, &ev);
	fprintf(stderr, "tlsk-httpd: https://%s:%d/ from %s (%s)\n", addr,
		port, root, local ? "local handshakes" : "via tlskd");
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(srv.epfd, evs, 64, IDLE_SWEEP_MS);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr)
				client_event(evs[i].data.ptr);
			else
				accept_one(&srv);
		}
		close_idle(&srv);
	}
}
