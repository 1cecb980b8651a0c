// SPDX-License-Identifier: MIT
/* See common.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define IO_CHUNK 16384	/* >= one record's plaintext: drains a record */

static int config_step(const struct tool_opts *o, const char *what, int err)
{
	if (err < 0)
		fprintf(stderr, "%s: %s: %s\n", o->prog, what, strerror(-err));
	return err < 0;
}

struct tlsk_config *tool_config(const struct tool_opts *o)
{
	struct tlsk_config *cfg = tlsk_config_new();
	const char *ca = o->cafile;
	int bad = !cfg;

	if (!ca && o->role == TOOL_CLIENT && o->verify != TLSK_VERIFY_NONE &&
	    access(SYSTEM_CA_BUNDLE, R_OK) == 0)
		ca = SYSTEM_CA_BUNDLE;
	if (!bad && o->cert)
		bad = config_step(o, o->cert, tlsk_config_add_cert(cfg,
					o->cert, o->key ? o->key : o->cert));
	if (!bad && o->cert2)
		bad = config_step(o, o->cert2, tlsk_config_add_cert(cfg,
					o->cert2, o->key2 ? o->key2 : o->cert2));
	if (!bad && ca)
		bad = config_step(o, ca, tlsk_config_load_ca_file(cfg, ca));
	if (!bad)
		bad = config_step(o, "-verify",
				  tlsk_config_set_verify(cfg, o->verify));
	if (!bad)
		bad = config_step(o, "versions", tlsk_config_set_versions(cfg,
					o->min_version, o->max_version));
	if (!bad && o->ciphersuites)
		bad = config_step(o, "-ciphersuites",
				  tlsk_config_set_tls13_suites(cfg,
							o->ciphersuites));
	if (!bad && o->require_ems)
		bad = config_step(o, "-require_ems",
				  tlsk_config_set_tls12_require_ems(cfg, 1));
	if (!bad && o->rsa_kx)	/* before the list that names the suites */
		bad = config_step(o, "-rsa_kx",
				  tlsk_config_enable_rsa_kx(cfg));
	if (!bad && o->cipher)
		bad = config_step(o, "-cipher", tlsk_config_set_tls12_ciphers(
						cfg, o->cipher));
	if (!bad && o->groups)
		bad = config_step(o, "-groups",
				  tlsk_config_set_groups(cfg, o->groups));
	if (!bad && o->alpn)
		bad = config_step(o, "-alpn",
				  tlsk_config_set_alpn(cfg, o->alpn));
	/* TLS 1.2 session-ID resumption, as s_server has it by default */
	if (!bad && o->role == TOOL_SERVER)
		bad = config_step(o, "session cache",
				  tlsk_config_set_session_cache(cfg, 256,
								7200));
	if (bad) {
		tlsk_config_free(cfg);
		return NULL;
	}
	return cfg;
}

static const char *version_name(uint16_t version)
{
	switch (version) {
	case 0x0304:
		return "TLSv1.3";
	case 0x0303:
		return "TLSv1.2";
	}
	return "unknown";
}

/* key=value, with the value quoted when it holds blanks or quotes. */
static void put_field(FILE *f, const char *key, const char *value, int last)
{
	if (!value || !*value)
		value = "-";
	if (strpbrk(value, " \t\"")) {
		fprintf(f, "%s=\"", key);
		for (const char *p = value; *p; p++)
			fprintf(f, "%s%c", *p == '"' || *p == '\\' ? "\\" : "",
				*p);
		fputc('"', f);
	} else {
		fprintf(f, "%s=%s", key, value);
	}
	fputc(last ? '\n' : ' ', f);
}

void tool_summary(FILE *f, const struct tlsk_engine *e,
		  const struct tlsk_conn *c)
{
	struct tlsk_session_info info;

	memset(&info, 0, sizeof(info));
	tlsk_engine_info(e, &info);
	put_field(f, "version", version_name(info.version), 0);
	put_field(f, "suite", info.suite_name, 0);
	put_field(f, "group", info.group, 0);
	put_field(f, "resumed", info.resumed ? "yes" : "no", 0);
	/* RFC 7627: named only when missing, which is rare and worth it */
	if (info.version == 0x0303 && !info.extended_master_secret)
		put_field(f, "ems", "no", 0);
	put_field(f, "peer", info.peer, 0);
	put_field(f, "alpn", info.alpn, 0);
	put_field(f, "ulp", c ? tlsk_ulp_name(tlsk_conn_ulp(c)) : NULL, 1);
	fflush(f);
}

void tool_report_failure(const struct tool_opts *o,
			 const struct tlsk_engine *e, int err)
{
	const char *reason = NULL;
	uint8_t alert = 0;
	int received = 0;

	if (tlsk_engine_state(e) == TLSK_STATE_ESTABLISHED) {
		fprintf(stderr, "%s: hand-off to the record layer failed: %s\n",
			o->prog, strerror(-err));
		return;
	}
	if (tlsk_engine_state(e) != TLSK_STATE_FAILED) {
		fprintf(stderr, "%s: handshake failed: %s\n", o->prog,
			strerror(-err));
		return;
	}
	tlsk_engine_error(e, &alert, &received, &reason);
	fprintf(stderr, "%s: handshake failed: %s (alert %u %s %s)\n",
		o->prog, reason ? reason : strerror(-err), alert,
		tlsk_alert_name(alert), received ? "received" : "sent");
}

void tool_report_conn_error(const struct tool_opts *o,
			    const struct tlsk_conn *c, int err)
{
	int alert = tlsk_conn_alert(c), sent = tlsk_conn_alert_sent(c);

	if (sent >= 0)
		fprintf(stderr, "%s: connection: %s (alert %d %s sent)\n",
			o->prog, strerror(-err), sent,
			tlsk_alert_name((uint8_t)sent));
	else if (alert > 0)
		fprintf(stderr, "%s: connection: peer sent alert %d %s\n",
			o->prog, alert, tlsk_alert_name((uint8_t)alert));
	else
		fprintf(stderr, "%s: connection: %s\n", o->prog,
			strerror(-err));
}

static int wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, 30000) > 0 ? 0 : -ETIMEDOUT;
}

int tool_write_all(struct tlsk_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int err;

	while (len) {
		ssize_t n = tlsk_conn_write(c, p, len);

		if (n == -EAGAIN && !wait_writable(tlsk_conn_fd(c)))
			continue;
		if (n < 0)
			return (int)n;
		p += n;
		len -= (size_t)n;
	}
	while ((err = tlsk_conn_flush(c)) == -EAGAIN)
		if (wait_writable(tlsk_conn_fd(c)))
			return -ETIMEDOUT;
	return err;
}

static int write_fd_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads what the connection has: 1 (more later), 0 (peer closed), < 0. */
static int drain(struct tlsk_conn *c, int out_fd)
{
	static uint8_t buf[IO_CHUNK];

	for (;;) {
		ssize_t n = tlsk_conn_read(c, buf, sizeof(buf));
		int err;

		if (n == -EAGAIN)
			return 1;
		if (n <= 0)
			return (int)n;
		err = out_fd < 0 ? tool_write_all(c, buf, (size_t)n) :
				   write_fd_all(out_fd, buf, (size_t)n);
		if (err)
			return err;
	}
}

int tool_relay(struct tlsk_conn *c, int in_fd, int out_fd, int wait_ms)
{
	int fd = tlsk_conn_fd(c), in_open = in_fd >= 0;
	static uint8_t buf[IO_CHUNK];

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = in_fd, .events = POLLIN } };
		int timeout = in_fd >= 0 && !in_open ? wait_ms : -1;
		int n = poll(p, in_open ? 2 : 1, timeout), rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -errno;	/* lingered enough */
		if (p[0].revents) {
			rc = drain(c, in_fd < 0 ? -1 : out_fd);
			if (rc <= 0)
				return rc;
		}
		if (in_open && p[1].revents) {
			ssize_t got = read(in_fd, buf, sizeof(buf));

			if (got <= 0)
				in_open = 0;
			else if ((rc = tool_write_all(c, buf, (size_t)got)))
				return rc;
		}
	}
}

/* Splits "host:port", "[v6]:port" or "port" (host NULL) in place. */
static int split_hostport(char *s, char **host, char **port)
{
	char *colon = strrchr(s, ':');

	if (!colon) {
		*host = NULL;
		*port = s;
		return 0;
	}
	*colon = '\0';
	*port = colon + 1;
	*host = s;
	if (s[0] == '[' && colon > s && colon[-1] == ']') {
		colon[-1] = '\0';
		*host = s + 1;
	}
	return **port ? 0 : -1;
}

static int resolve(const char *hostport, int passive, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	char *copy = strdup(hostport), *host, *port;
	int rc = copy ? split_hostport(copy, &host, &port) : -1;

	if (!rc)
		rc = getaddrinfo(host, port, &hints, res);
	if (rc)
		fprintf(stderr, "cannot resolve '%s': %s\n", hostport,
			rc > 0 ? gai_strerror(rc) : "bad address");
	free(copy);
	return rc ? -1 : 0;
}

int tool_connect(const char *hostport)
{
	struct addrinfo *res, *ai;
	int fd = -1;

	if (resolve(hostport, 0, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "cannot connect to %s: %s\n", hostport,
			strerror(errno));
	freeaddrinfo(res);
	return fd;
}

int tool_listen(const char *hostport)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1;

	if (resolve(hostport, 1, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 16) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "cannot listen on %s: %s\n", hostport,
			strerror(errno));
	freeaddrinfo(res);
	return fd;
}
