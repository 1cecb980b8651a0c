// SPDX-License-Identifier: MIT
/*
 * tlsk-server: the libtlsk counterpart of `openssl s_server`.
 *
 * Serves one connection at a time: handshake (the driver), hand-off to the
 * best record layer, the summary line on stderr, then interactive
 * (stdin/stdout, as s_server), -echo, or -www (an HTTP page describing the
 * session, as s_server -www). Prints "ACCEPT" once it listens, as s_server
 * does, so scripts know when to connect.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

/* Two full records (RFC 8446 5.1: 2^14 bytes each) and the terminator. */
#define MAX_REQUEST (2 * 16384 + 1)

/* Reads an HTTP request head (up to the blank line) within 10 seconds. */
static int read_request(struct tlsk_conn *c, char *buf, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		struct pollfd p = { .fd = tlsk_conn_fd(c), .events = POLLIN };
		ssize_t n = tlsk_conn_read(c, buf + len, cap - 1 - len);

		if (n == -EAGAIN) {
			if (poll(&p, 1, 10000) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return n ? (int)n : -ECONNRESET;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return 0;
	}
	return -EMSGSIZE;
}

static int serve_www(struct tlsk_conn *c, const struct tlsk_engine *e)
{
	static char req[MAX_REQUEST];
	char *page = NULL;
	struct tlsk_session_info info;
	size_t page_len = 0;
	FILE *f;
	int err = read_request(c, req, sizeof(req));

	/* a request too long for us still gets an answer */
	if (err && err != -EMSGSIZE)
		return err;
	f = open_memstream(&page, &page_len);
	if (!f)
		return -ENOMEM;
	if (err) {
		fputs("HTTP/1.0 431 Request Header Fields Too Large\r\n\r\n", f);
	} else if (strncmp(req, "GET ", 4) != 0) {
		fputs("HTTP/1.0 400 Bad Request\r\n\r\n", f);
	} else {
		memset(&info, 0, sizeof(info));
		tlsk_engine_info(e, &info);
		fputs("HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n"
		      "<HTML><BODY BGCOLOR=\"#ffffff\">\n<pre>\n", f);
		/* s_server -www says "New, ..." or "Reused, ..." too. */
		fprintf(f, "%s, %s, Cipher is %s\n",
			info.resumed ? "Reused" : "New",
			info.version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
			info.suite_name ? info.suite_name : "-");
		tool_summary(f, e, c);
		fputs("</pre></BODY></HTML>\r\n\r\n", f);
	}
	fclose(f);
	err = tool_write_all(c, page, page_len);
	free(page);
	return err;
}

static void serve(const struct tool_opts *o, struct tlsk_config *cfg, int fd)
{
	struct tlsk_engine *e = tlsk_engine_new(cfg, TLSK_ROLE_SERVER);
	struct tlsk_conn *c = NULL;
	int err = e ? tlsk_drive(e, fd, o->timeout_ms,
				 o->handoff_flags | TLSK_HANDOFF_SEND_ALERTS,
				 &c) :
		      -ENOMEM;

	if (err) {
		if (e)
			tool_report_failure(o, e, err);
		close(fd);
		tlsk_engine_free(e);
		return;
	}
	tool_summary(stderr, e, c);
	/* post-handshake messages (a TLS 1.2 renegotiation request, refused
	 * with a warning; KeyUpdate) go through the engine */
	tlsk_conn_attach_engine(c, e);
	if (o->www)
		err = serve_www(c, e);
	else if (o->echo)
		err = tool_relay(c, -1, -1, -1);
	else
		err = tool_relay(c, STDIN_FILENO, STDOUT_FILENO, -1);
	if (err < 0)
		tool_report_conn_error(o, c, err);
	else	/* let the client read everything before we close */
		tlsk_conn_shutdown(c, 2000);
	tlsk_conn_close(c);
	tlsk_engine_free(e);
}

int main(int argc, char **argv)
{
	struct tlsk_config *cfg;
	struct tool_opts o;
	int lfd;

	signal(SIGPIPE, SIG_IGN);
	tool_parse(&o, TOOL_SERVER, argc, argv);
	if (!o.cert) {
		fprintf(stderr, "%s: -cert is required (try -help)\n", o.prog);
		return 2;
	}
	cfg = tool_config(&o);
	if (!cfg)
		return 2;
	lfd = tool_listen(o.accept);
	if (lfd < 0) {
		tlsk_config_free(cfg);
		return 1;
	}
	printf("ACCEPT\n");
	fflush(stdout);
	for (int n = 0; !o.naccept || n < o.naccept; n++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0) {
			perror("accept");
			break;
		}
		serve(&o, cfg, fd);
	}
	close(lfd);
	tlsk_config_free(cfg);
	return 0;
}
