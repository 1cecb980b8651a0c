// SPDX-License-Identifier: MIT
/*
 * The service side of the protocol against a scripted fake tlskd: every
 * reply the client must accept or refuse, and no descriptor leaked on any
 * path. Single-threaded: the request is sent before the fake accepts it
 * (the listen backlog holds the connection). A fake that is stalled (its
 * backlog full, or never answering) or that dies must not block the
 * caller: those calls run in a child with a generous time bound, which
 * asserts that they return, not how fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../tests/tap.h"
#include "fds.h"
#include "../fdpass.h"
#include "../service_int.h"

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

/* A pending handshake for a fresh socketpair "TCP" fd (*svc_fd); its
 * connection may be kept (tlsk_pending_keep()) unless start_unkept. */
static bool start_unkept;

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
	if (p && !start_unkept)
		tlsk_pending_keep(p);
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
	CHECK(open_fds() == before + 1);	/* the kept connection */
	tlsk_service_drop_kept();
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
	/* tlskd's refusal leaves the connection in step: kept. */
	CHECK(open_fds() == before + 1);
	tlsk_service_drop_kept();
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
	CHECK(tlsk_handshake_finish(p, &res) == -TLSK_ERR_DAEMON_LOST);
	CHECK(strstr(res.reason, "closed the connection") != NULL);
	close(svc);
	close(peer);
	CHECK(open_fds() == before);
}

/*
 * A daemon process that takes the request and exits: the service gets
 * TLSK_ERR_DAEMON_LOST, not ECONNRESET, which is what tlskd reports when
 * the TCP peer resets the connection.
 */
static void daemon_exits_mid_handshake(void)
{
	struct tlsk_result res, peer_reset = ok_answer;
	int svc, peer, st = -1;
	struct tlsk_pending *p = start(&svc, &peer);
	uint32_t id;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		take_request(&id);
		_exit(0);	/* the kernel closes its end */
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0);
	CHECK(tlsk_handshake_finish(p, &res) == -TLSK_ERR_DAEMON_LOST);
	CHECK(res.status == TLSK_ERR_DAEMON_LOST);
	close(svc);
	close(peer);
	/* tlskd's own ECONNRESET stays ECONNRESET */
	peer_reset.status = ECONNRESET;
	strcpy(peer_reset.reason, "peer reset");
	CHECK(exchange(&res, 0, &peer_reset, -1, &svc, &peer) == -ECONNRESET);
	close(svc);
	close(peer);
}

/* Runs fn in a child; true when it passed and returned within bound_s. */
static bool returns_in_time(void (*fn)(void), int bound_s)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		tap_case_failed = 0;
		fn();
		fflush(stdout);
		_exit(tap_case_failed);
	}
	if (pid < 0)
		return false;
	for (int i = 0; i < bound_s * 20; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("# the call was still blocked after %d s\n", bound_s);
	return false;
}

/* A fake tlskd that never accepts, its backlog (0) filled up. */
static char full_path[108];

static int full_daemon(int *held, size_t max, size_t *nheld)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(full_path, sizeof(full_path), "/tmp/tlsk-client-full.%d",
		 (int)getpid());
	strcpy(sa.sun_path, full_path);
	unlink(full_path);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 0)) {
		perror("full fake tlskd");
		exit(1);
	}
	for (*nheld = 0; *nheld < max; (*nheld)++) {
		int c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);

		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(c);
			break;		/* EAGAIN: the backlog is full */
		}
		held[*nheld] = c;
	}
	return l;
}

static void blocking_call_times_out(void)
{
	struct tlsk_params prm = { .role = TLSK_ROLE_SERVER, .profile = "web",
				   .timeout_ms = 100, .socket_path = full_path };
	struct tlsk_result res;
	int sp[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CHECK(tlsk_handshake(sp[0], &prm, &res) == -ETIMEDOUT);
	CHECK(res.status == ETIMEDOUT && strstr(res.reason, "backlog"));
}

static void start_does_not_wait(void)
{
	struct tlsk_params prm = { .role = TLSK_ROLE_SERVER, .profile = "web",
				   .socket_path = full_path };
	struct tlsk_pending *p = NULL;
	int sp[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CHECK(tlsk_handshake_start(sp[0], &prm, &p) == -EBUSY && !p);
}

static void backlog_full_never_blocks(void)
{
	int held[64];
	size_t nheld;
	int l = full_daemon(held, 64, &nheld);

	CHECK(nheld < 64);	/* the backlog did fill up */
	CHECK(returns_in_time(blocking_call_times_out, 20));
	CHECK(returns_in_time(start_does_not_wait, 20));
	for (size_t i = 0; i < nheld; i++)
		close(held[i]);
	close(l);
	unlink(full_path);
}

/* A daemon that takes the connection and never answers: the pending
 * handshake has a deadline, and finish() reports it. */
static void silent_daemon_deadline(void)
{
	struct tlsk_params prm = { .role = TLSK_ROLE_SERVER, .profile = "web",
				   .timeout_ms = 1, .socket_path = sock_path };
	struct tlsk_result res;
	struct tlsk_pending *p = NULL;
	int sp[2], conn, left, rc = -EAGAIN;
	uint32_t id;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CHECK(tlsk_handshake_start(sp[0], &prm, &p) == 0);
	conn = take_request(&id);
	left = p ? tlsk_pending_timeout_ms(p) : 0;
	CHECK(left > 0 && left <= 1 + 2000);	/* timeout + tlskd's margin */
	for (int i = 0; p && rc == -EAGAIN && i < 100; i++) {
		struct pollfd pfd = { .fd = tlsk_pending_fd(p), .events = POLLIN };

		poll(&pfd, 1, tlsk_pending_timeout_ms(p));
		rc = tlsk_handshake_finish(p, &res);
	}
	CHECK(rc == -ETIMEDOUT && res.status == ETIMEDOUT);
	close(conn);
	close(sp[0]);
	close(sp[1]);
}

/* $TLSK_SOCKET is honoured, except in a set-id program. */
static int print_socket(void)
{
	printf("secure=%lu socket=%s\n", getauxval(AT_SECURE),
	       tlsk_service_socket(NULL));
	return 0;
}

static void socket_env_honoured(void)
{
	setenv("TLSK_SOCKET", "/tmp/elsewhere.sock", 1);
	CHECK(!strcmp(tlsk_service_socket(NULL), "/tmp/elsewhere.sock"));
	CHECK(!strcmp(tlsk_service_socket("/x.sock"), "/x.sock"));
	unsetenv("TLSK_SOCKET");
	CHECK(!strcmp(tlsk_service_socket(NULL), TLSK_SERVICE_SOCKET));
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -1;
	close(in);
	if (out < 0 || close(out) || rc || chown(to, 0, 65534) ||
	    chmod(to, mode))
		return -1;
	return 0;
}

/*
 * What a set-gid copy of this program (made by root, so that running it
 * changes the effective group: AT_SECURE) prints with TLSK_SOCKET set.
 * false when that cannot be arranged here.
 */
static char setid_out[512];

static bool run_setgid_copy(void)
{
	char dir[] = "/tmp/tlsk-client-setid.XXXXXX", copy[PATH_MAX];
	int pipefd[2], st;
	ssize_t n = -1;
	pid_t pid;

	if (geteuid() != 0 || !mkdtemp(dir))
		return false;
	snprintf(copy, sizeof(copy), "%s/client-test", dir);
	if (chmod(dir, 0755) == 0 &&
	    copy_file("/proc/self/exe", copy, 02755) == 0 &&
	    pipe(pipefd) == 0) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			dup2(pipefd[1], 1);
			setenv("TLSK_SOCKET", "/tmp/elsewhere.sock", 1);
			execl(copy, copy, "print-socket", (char *)NULL);
			_exit(127);
		}
		close(pipefd[1]);
		n = read(pipefd[0], setid_out, sizeof(setid_out) - 1);
		close(pipefd[0]);
		waitpid(pid, &st, 0);
	}
	unlink(copy);
	rmdir(dir);
	setid_out[n > 0 ? n : 0] = '\0';
	return strstr(setid_out, "secure=1") != NULL;
}

static void socket_env_ignored_when_setid(void)
{
	printf("# set-gid copy printed: %s", setid_out);
	CHECK(!strcmp(setid_out, "secure=1 socket=" TLSK_SERVICE_SOCKET "\n"));
}

/* ---- kept connections ---- */

/* A connection is waiting in the fake's backlog. */
static bool connection_waiting(void)
{
	struct pollfd pfd = { .fd = listener, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

/* The next request on an accepted connection (no accept). */
static void take_on(int conn, uint32_t *id)
{
	uint8_t buf[TLSK_MSG_MAX];
	struct tlsk_request req;
	struct pollfd pfd = { .fd = conn, .events = POLLIN };
	ssize_t n = -1;
	int fd = -1;

	*id = 0;
	CHECK(poll(&pfd, 1, 5000) == 1);
	if (pfd.revents & POLLIN)
		n = tlsk_recv_msg_fd(conn, buf, sizeof(buf), &fd, MSG_DONTWAIT);
	CHECK(n > 0 && fd >= 0);
	if (n > 0)
		CHECK(tlsk_msg_decode_request(buf, (size_t)n, &req) == 0);
	if (fd >= 0)
		close(fd);
	if (n > 0)
		*id = req.id;
}

/* conn's other end was closed (read EOF within a moment). */
static bool conn_closed(int conn)
{
	struct pollfd pfd = { .fd = conn, .events = POLLIN };
	char c;

	return poll(&pfd, 1, 5000) == 1 && recv(conn, &c, 1, MSG_DONTWAIT) == 0;
}

/* One handshake answered on an accepted connection the fake keeps open:
 * returns that connection. */
static int first_on_kept(void)
{
	struct tlsk_result res;
	struct tlsk_pending *p;
	int svc, peer, conn;
	uint32_t id;

	tlsk_service_drop_kept();
	p = start(&svc, &peer);
	conn = take_request(&id);
	reply(conn, id, &ok_answer, -1);
	CHECK(tlsk_handshake_finish(p, &res) == 0);
	close(svc);
	close(peer);
	return conn;
}

/* The second request of the process goes on the first one's connection:
 * no new connection for tlskd to accept. */
static void connection_kept(void)
{
	struct tlsk_result res;
	struct tlsk_pending *p;
	int conn = first_on_kept(), svc, peer, before = open_fds();
	uint32_t id;

	p = start(&svc, &peer);
	CHECK(!connection_waiting());
	take_on(conn, &id);
	CHECK(tlsk_handshake_finish(p, &res) == -EAGAIN);
	reply(conn, id, &ok_answer, -1);
	CHECK(tlsk_handshake_finish(p, &res) == 0);
	close(svc);
	close(peer);
	CHECK(open_fds() == before);
	tlsk_service_drop_kept();
	CHECK(conn_closed(conn));
	close(conn);
}

/* Without tlsk_pending_keep() a pending handshake's connection, which
 * the caller may have in an epoll set, is closed when it ends, as before
 * kept connections existed; and it is not taken into the pool. */
static void pending_not_kept_by_default(void)
{
	struct tlsk_result res;
	int svc, peer, conn, before;
	struct tlsk_pending *p;
	uint32_t id;

	tlsk_service_drop_kept();
	before = open_fds();
	start_unkept = true;
	p = start(&svc, &peer);
	start_unkept = false;
	conn = take_request(&id);
	reply(conn, id, &ok_answer, -1);
	CHECK(tlsk_handshake_finish(p, &res) == 0);
	CHECK(conn_closed(conn));
	close(conn);
	close(svc);
	close(peer);
	CHECK(open_fds() == before);
}

/* tlskd closed the kept connection (restarted): the request is sent on a
 * new one, and succeeds. */
static void closed_kept_connection_replaced(void)
{
	struct tlsk_result res;
	int svc, peer;

	close(first_on_kept());
	CHECK(exchange(&res, 0, &ok_answer, -1, &svc, &peer) == 0);
	close(svc);
	close(peer);
	tlsk_service_drop_kept();
}

/* A connection is kept only while it is in step: a cancelled request's
 * is closed (so tlskd learns that the service gave up), and so is one
 * whose reply had the wrong id. */
static void out_of_step_not_kept(void)
{
	struct tlsk_result res;
	struct tlsk_pending *p;
	int conn = first_on_kept(), svc, peer, conn2;
	uint32_t id;

	p = start(&svc, &peer);
	take_on(conn, &id);
	tlsk_pending_cancel(p);
	CHECK(conn_closed(conn));
	close(conn);
	close(svc);
	close(peer);
	p = start(&svc, &peer);
	CHECK(connection_waiting());
	conn2 = take_request(&id);
	reply(conn2, id + 1, &ok_answer, -1);
	CHECK(tlsk_handshake_finish(p, &res) == -EBADMSG);
	CHECK(conn_closed(conn2));
	close(conn2);
	close(svc);
	close(peer);
}

/* A kept connection is not reused after KEEP_MS (500 ms): tlskd may be
 * closing it as idle. */
static void old_connection_not_reused(void)
{
	struct tlsk_result res;
	int conn = first_on_kept(), svc, peer;

	usleep(600 * 1000);
	CHECK(exchange(&res, 0, &ok_answer, -1, &svc, &peer) == 0);
	CHECK(conn_closed(conn));
	close(conn);
	close(svc);
	close(peer);
	tlsk_service_drop_kept();
}

/* A fork child gets no kept connection of its parent's: its request
 * comes on a new connection, and the parent's stays the parent's. */
static void fork_child_connects_anew(void)
{
	struct tlsk_result res;
	struct tlsk_pending *p;
	int conn = first_on_kept(), svc, peer, st = -1;
	uint32_t id;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct tlsk_pending *cp = NULL;
		int sp[2];
		struct tlsk_params prm = { .role = TLSK_ROLE_SERVER,
					   .profile = "web",
					   .socket_path = sock_path };

		socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
		_exit(tlsk_handshake_start(sp[0], &prm, &cp) == 0 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0);
	CHECK(connection_waiting());
	if (connection_waiting())
		close(take_request(&id));
	/* Nothing of the child's came on the parent's connection... */
	{
		struct pollfd pfd = { .fd = conn, .events = POLLIN };

		CHECK(poll(&pfd, 1, 0) == 0);
	}
	/* ...which still serves the parent. */
	p = start(&svc, &peer);
	CHECK(!connection_waiting());
	take_on(conn, &id);
	reply(conn, id, &ok_answer, -1);
	CHECK(tlsk_handshake_finish(p, &res) == 0);
	close(svc);
	close(peer);
	tlsk_service_drop_kept();
	close(conn);
}

/*
 * tlskd authorises by the credentials a connection was made with: after
 * the process changes its effective gid, a connection made before is not
 * used (it is closed) and the request comes on a new one, which tlskd
 * sees with the new gid. Root only (setegid).
 */
static void identity_change_connects_anew(void)
{
	struct tlsk_result res;
	int conn = first_on_kept(), svc, peer, conn2;
	struct tlsk_pending *p;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	uint32_t id;

	CHECK(setegid(65534) == 0);
	p = start(&svc, &peer);
	CHECK(setegid(0) == 0);
	CHECK(connection_waiting());
	if (!connection_waiting()) {	/* it went on conn: nothing to take */
		tlsk_pending_cancel(p);
		close(conn);
		close(svc);
		close(peer);
		tlsk_service_drop_kept();
		return;
	}
	conn2 = take_request(&id);
	CHECK(getsockopt(conn2, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0);
	CHECK(cr.gid == 65534);
	CHECK(conn_closed(conn));
	reply(conn2, id, &ok_answer, -1);
	CHECK(tlsk_handshake_finish(p, &res) == 0);
	/* Back as gid 0: conn2 (made as 65534) is not used either. */
	p = start(&svc, &peer);
	CHECK(conn_closed(conn2));
	close(take_request(&id));
	tlsk_pending_cancel(p);
	close(conn);
	close(conn2);
	close(svc);
	close(peer);
	tlsk_service_drop_kept();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "print-socket"))
		return print_socket();
	fake_daemon_listen();
	RUN(success);
	RUN(wrong_id_refused);
	RUN(daemon_failure_reported);
	RUN(proxied_stream_replaces_fd);
	RUN(proxied_without_stream_refused);
	RUN(daemon_gone);
	RUN(daemon_exits_mid_handshake);
	RUN(backlog_full_never_blocks);
	RUN(silent_daemon_deadline);
	RUN(socket_env_honoured);
	RUN(connection_kept);
	RUN(pending_not_kept_by_default);
	RUN(closed_kept_connection_replaced);
	RUN(out_of_step_not_kept);
	RUN(old_connection_not_reused);
	RUN(fork_child_connects_anew);
	if (geteuid() == 0)
		RUN(identity_change_connects_anew);
	else
		tap_skip("identity_change_connects_anew", "needs root (setegid)");
	if (run_setgid_copy())
		RUN(socket_env_ignored_when_setid);
	else
		tap_skip("socket_env_ignored_when_setid",
			 "needs root and a file system that honours set-gid");
	close(listener);
	unlink(sock_path);
	return tap_done();
}
