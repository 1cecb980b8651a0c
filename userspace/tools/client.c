// SPDX-License-Identifier: MIT
/*
 * tlsk-client: the libtlsk counterpart of `openssl s_client`.
 *
 * One connection: connect, handshake (the driver), hand the socket to the
 * best record layer, print the summary line, then copy stdin to the server
 * and the server to stdout. With -reconnect, five more connections follow,
 * each resuming the session the previous one received.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common.h"

#define RECONNECTS	5
#define MAX_SESSION	16384

struct client {
	const struct tool_opts *o;
	struct tlsk_config *cfg;
	uint8_t session[MAX_SESSION];	/* a secret: scrubbed at exit */
	size_t session_len;
};

static int load_session(struct client *cl, const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", cl->o->prog, path,
			strerror(errno));
		return -1;
	}
	cl->session_len = fread(cl->session, 1, sizeof(cl->session), f);
	fclose(f);
	return 0;
}

static int save_session(struct client *cl, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n = fd < 0 ? -1 : write(fd, cl->session, cl->session_len);

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)cl->session_len) {
		fprintf(stderr, "%s: cannot write %s: %s\n", cl->o->prog, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* What the server may hand us now; TLS 1.3 tickets arrive later. */
static int fetch_session(struct client *cl, const struct tlsk_engine *e)
{
	size_t len = sizeof(cl->session);

	if (tlsk_engine_get_session(e, cl->session, &len))
		return -1;
	cl->session_len = len;
	return 0;
}

/*
 * Reads (and shows) what the server sends until it has given us a session
 * to resume or wait_ms pass: TLS 1.3 servers send NewSessionTicket after
 * the handshake, as post-handshake messages the record layer passes to
 * the engine.
 */
static void await_session(struct client *cl, struct tlsk_conn *c,
			  const struct tlsk_engine *e)
{
	int fd = tlsk_conn_fd(c);
	uint8_t buf[16384];

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (fetch_session(cl, e)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, cl->o->wait_ms) <= 0)
			return;
		while ((n = tlsk_conn_read(c, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		if (n != -EAGAIN)
			return;
	}
}

/* SNI and the name to verify: -servername, else a -connect host name. */
static const char *server_name(const struct tool_opts *o, char *buf,
			       size_t len)
{
	unsigned char addr[16];
	char *colon;

	if (o->servername)
		return o->servername;
	snprintf(buf, len, "%s", o->connect[0] == '[' ? "" : o->connect);
	colon = strrchr(buf, ':');
	if (colon)
		*colon = '\0';
	/* RFC 6066 3: literal IP addresses are not sent as SNI. */
	if (!buf[0] || inet_pton(AF_INET, buf, addr) == 1 ||
	    inet_pton(AF_INET6, buf, addr) == 1)
		return NULL;
	return buf;
}

static int one_connection(struct client *cl, int interactive)
{
	const struct tool_opts *o = cl->o;
	char name_buf[256];
	const char *name = server_name(o, name_buf, sizeof(name_buf));
	struct tlsk_engine *e = tlsk_engine_new(cl->cfg, TLSK_ROLE_CLIENT);
	struct tlsk_conn *c = NULL;
	int fd = tool_connect(o->connect), err = -EINVAL;

	if (fd < 0 || !e)
		goto out;
	if (name && (err = tlsk_engine_set_server_name(e, name))) {
		fprintf(stderr, "%s: server name: %s\n", o->prog,
			strerror(-err));
		goto out;
	}
	if (cl->session_len &&
	    tlsk_engine_set_session(e, cl->session, cl->session_len))
		fprintf(stderr, "%s: stored session refused; full handshake\n",
			o->prog);
	err = tlsk_drive(e, fd, o->timeout_ms,
			 o->handoff_flags | TLSK_HANDOFF_SEND_ALERTS, &c);
	if (err) {
		tool_report_failure(o, e, err);
		goto out;
	}
	fd = -1;	/* the connection owns it */
	tool_summary(stderr, e, c);
	tlsk_conn_attach_engine(c, e);
	if (interactive)
		err = tool_relay(c, STDIN_FILENO, STDOUT_FILENO, o->wait_ms);
	if (o->sess_out || o->reconnect)
		await_session(cl, c, e);
	fflush(stdout);
	if (err)
		tool_report_conn_error(o, c, err);
out:
	tlsk_conn_close(c);
	if (fd >= 0)
		close(fd);
	tlsk_engine_free(e);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct client cl;
	struct tool_opts o;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	tool_parse(&o, TOOL_CLIENT, argc, argv);
	cl.o = &o;
	cl.cfg = tool_config(&o);
	if (!cl.cfg)
		return 2;
	if (o.sess_in && load_session(&cl, o.sess_in))
		return 2;
	rc = one_connection(&cl, !o.reconnect);
	for (int i = 0; !rc && o.reconnect && i < RECONNECTS; i++)
		rc = one_connection(&cl, 0);
	if (!rc && o.sess_out)
		rc = save_session(&cl, o.sess_out) ? 1 : 0;
	tlsk_config_free(cl.cfg);
	OPENSSL_cleanse(&cl, sizeof(cl));
	return rc;
}
