// SPDX-License-Identifier: MIT
/*
 * The service side of the protocol against a scripted fake tlskd: every
 * reply the client must accept or refuse, and no descriptor leaked on any
 * path. Single-threaded: the request is sent before the fake accepts it
 * (the listen backlog holds the connection).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../tests/tap.h"
#include "fds.h"
#include "../fdpass.h"
#include "tlsk/service.h"

static char sock_path[108];
static int listener = -1;

static void fake_daemon_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sock_path, sizeof(sock_path), "/tmp/tlsk-client-test.%d",
		 (int)getpid());
	strcpy(sa.sun_path, sock_path);
	unlink(sock_path);
	listener = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (bind(listener, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listener, 8)) {
		perror("fake tlskd");
		exit(1);
	}
}

/* A pending handshake for a fresh socketpair "TCP" fd (*svc_fd). */
static struct tlsk_pending *start(int *svc_fd, int *peer_fd)
{
	struct tlsk_params prm = { .role = TLSK_ROLE_SERVER, .profile = "web",
				   .socket_path = sock_path };
	struct tlsk_pending *p = NULL;
	int sp[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	*svc_fd = sp[0];
	*peer_fd = sp[1];
	CHECK(tlsk_handshake_start(sp[0], &prm, &p) == 0);
	return p;
}

/* Accepts the request; returns the connection, *id its id; the passed
 * socket is closed (a real tlskd would run the handshake on it). */
static int take_request(uint32_t *id)
{
	uint8_t buf[TLSK_MSG_MAX];
	struct tlsk_request req;
	int conn = accept(listener, NULL, NULL), fd;
	ssize_t n = tlsk_recv_msg_fd(conn, buf, sizeof(buf), &fd, 0);

	CHECK(n > 0 && fd >= 0);
	CHECK(tlsk_msg_decode_request(buf, (size_t)n, &req) == 0);
	CHECK(!strcmp(req.profile, "web") && req.role == TLSK_ROLE_SERVER);
	if (fd >= 0)
		close(fd);
	*id = req.id;
	return conn;
}

static void reply(int conn, uint32_t id, const struct tlsk_result *res,
		  int fd)
{
	uint8_t buf[TLSK_MSG_MAX];
	int len = tlsk_msg_encode_reply(id, res, buf, sizeof(buf));

	CHECK(len > 0 && tlsk_send_msg_fd(conn, buf, (size_t)len, fd) == 0);
}

/* Runs one exchange: the fake's reply built by `make`, and the client's
 * return code. */
static int exchange(struct tlsk_result *res, uint32_t id_delta,
		    const struct tlsk_result *answer, int pass_fd,
		    int *svc_fd, int *peer_fd)
{
	struct tlsk_pending *p = start(svc_fd, peer_fd);
	uint32_t id;
	int conn = take_request(&id), rc;

	CHECK(tlsk_handshake_finish(p, res) == -EAGAIN);
	reply(conn, id + id_delta, answer, pass_fd);
	rc = tlsk_handshake_finish(p, res);
	close(conn);
	return rc;
}

static const struct tlsk_result ok_answer = {
	.version = 0x0304, .suite = 0x1301,
	.suite_name = "TLS_AES_128_GCM_SHA256", .alert = TLSK_ALERT_NONE,
	.ulp = TLSK_ULP_TLSK,
};

static void success(void)
{
	struct tlsk_result res;
	int svc, peer, before = open_fds();

	CHECK(exchange(&res, 0, &ok_answer, -1, &svc, &peer) == 0);
	CHECK(res.status == 0 && res.version == 0x0304 && !res.proxied);
	CHECK(!strcmp(res.suite_name, "TLS_AES_128_GCM_SHA256"));
	close(svc);
	close(peer);
	CHECK(open_fds() == before);
}

static void wrong_id_refused(void)
{
	struct tlsk_result res;
	int svc, peer;

	CHECK(exchange(&res, 1, &ok_answer, -1, &svc, &peer) == -EBADMSG);
	CHECK(res.status == EBADMSG && res.reason[0]);
	close(svc);
	close(peer);
}

static void daemon_failure_reported(void)
{
	struct tlsk_result res, answer = ok_answer;
	int svc, peer, extra[2], before;

	answer.status = EACCES;
	strcpy(answer.reason, "uid/gid not allowed");
	CHECK(pipe(extra) == 0);
	before = open_fds();
	/* A failure reply carrying an fd: refused, and the fd closed. */
	CHECK(exchange(&res, 0, &answer, extra[0], &svc, &peer) == -EACCES);
	CHECK(!strcmp(res.reason, "uid/gid not allowed"));
	close(svc);
	close(peer);
	CHECK(open_fds() == before);
	close(extra[0]);
	close(extra[1]);
}

static void proxied_stream_replaces_fd(void)
{
	struct tlsk_result res, answer = ok_answer;
	int svc, peer, relay[2];
	char c = 0;

	answer.proxied = 1;
	answer.ulp = TLSK_ULP_USER;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, relay) == 0);
	CHECK(exchange(&res, 0, &answer, relay[1], &svc, &peer) == 0);
	close(relay[1]);
	/* The service's descriptor number now reaches the relay. */
	CHECK(write(svc, "r", 1) == 1);
	CHECK(read(relay[0], &c, 1) == 1 && c == 'r');
	close(svc);
	close(peer);
	close(relay[0]);
}

static void proxied_without_stream_refused(void)
{
	struct tlsk_result res, answer = ok_answer;
	int svc, peer;

	answer.proxied = 1;
	CHECK(exchange(&res, 0, &answer, -1, &svc, &peer) == -EBADMSG);
	close(svc);
	close(peer);
}

static void daemon_gone(void)
{
	struct tlsk_params prm = { .role = TLSK_ROLE_SERVER, .profile = "web",
				   .socket_path = "/nonexistent/tlskd.sock" };
	struct tlsk_result res;
	struct tlsk_pending *p;
	int svc, peer, before = open_fds();
	uint32_t id;

	CHECK(tlsk_handshake(0, &prm, &res) == -ENOENT);
	CHECK(strstr(res.reason, "not running") != NULL);
	p = start(&svc, &peer);
	close(take_request(&id));	/* the daemon dies before replying */
	CHECK(tlsk_handshake_finish(p, &res) == -ECONNRESET);
	CHECK(strstr(res.reason, "closed the connection") != NULL);
	close(svc);
	close(peer);
	CHECK(open_fds() == before);
}

int main(void)
{
	fake_daemon_listen();
	RUN(success);
	RUN(wrong_id_refused);
	RUN(daemon_failure_reported);
	RUN(proxied_stream_replaces_fd);
	RUN(proxied_without_stream_refused);
	RUN(daemon_gone);
	close(listener);
	unlink(sock_path);
	return tap_done();
}
