// SPDX-License-Identifier: MIT
/*
 * tlskd-test-stall PROFILE [relay]: passes tlskd a TCP socket whose lock a
 * thread of this process holds, and checks that tlskd's loop goes on
 * without it (tlskd/tests/limits.sh, tlskd/stall.c). TLSK_SOCKET names
 * tlskd's socket. Needs userfaultfd for kernel faults (root); exit 77
 * without.
 *
 * stalls N: N sockets whose lock this process holds, a handshake request
 * each, one after the other; prints "stall I RC reason" for each reply
 * (10 s at most), then "status during the stalls RC", then lets go of
 * them all and prints "status after RC" (limits.sh checks that one uid
 * gets no more than STALL_PER_UID calls left waiting).
 *
 * relays N: no stall; N handshakes, each relayed (libssl peers), all
 * relays kept open; prints "relay I RC reason" for each (limits.sh checks
 * max-relays-per-uid with it).
 *
 * relay: the handshake first completes (a libssl client on the peer's
 * end), tlskd relays it (no kernel TLS on the host: "relayed" is
 * printed, else "not relayed" and the test has nothing to do); the lock
 * is taken then, and the service writes to its stream, for the relay to
 * seal and send on the locked socket.
 *
 * A thread send()s from a page registered with userfaultfd and never
 * filled: the kernel's copy faults while it holds the socket's lock, and
 * waits. That is what a page of a file on the caller's own FUSE mount
 * whose server never answers does too. Then:
 *   1. a handshake request for PROFILE (server role) with that socket;
 *   2. "status during the stall RC": a status request from another
 *      connection, answered (RC 0) or not (negative errno) within 5 s;
 *   3. "stalled request RC reason": the handshake's reply, 10 s at most;
 *   4. the page is filled, the thread's send() returns ("released");
 *   5. "status after RC" once tlskd had a moment to take the socket back.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "tlsk/service.h"

static int sock = -1, stream = -1;
static char *page;
static long page_size;

struct holder {
	int fd;
	char *page;
};

/* A send() that faults on its page with the socket locked, until the
 * page is filled. */
static void *hold_lock(void *arg)
{
	struct holder *h = arg;

	(void)!send(h->fd, h->page, (size_t)page_size, MSG_NOSIGNAL);
	return NULL;
}

static void *sender(void *arg)
{
	ssize_t n;

	(void)arg;
	/* faults on the page with the socket locked, until it is filled */
	n = send(sock, page, (size_t)page_size, MSG_NOSIGNAL);
	printf("# the holder's send returned %zd\n", n);
	fflush(stdout);
	return NULL;
}

/* A connected pair on loopback: fd[0] ours to pass, fd[1] the silent peer. */
static int tcp_pair(int fd[2])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&sa, &len))
		return -1;
	fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd[0] < 0 || connect(fd[0], (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	fd[1] = accept(l, NULL, NULL);
	close(l);
	return fd[1] < 0 ? -1 : 0;
}

static int status_within(int ms)
{
	struct tlsk_daemon_status st;
	pid_t pid;
	int pfd[2], rc = -ETIMEDOUT;
	struct pollfd p;

	/* in a child: the library's own timeout is longer than ms */
	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid == 0) {
		int r = tlsk_daemon_status(NULL, &st);

		(void)!write(pfd[1], &r, sizeof(r));
		_exit(0);
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	if (poll(&p, 1, ms) == 1 && read(pfd[0], &rc, sizeof(rc)) != sizeof(rc))
		rc = -EIO;
	close(pfd[0]);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return rc;
}

/* The TLS client on the peer's end: handshake, then it waits for ctl's
 * EOF. */
static int peer_fd, peer_ctl[2];

static void *tls_peer(void *arg)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	char c;

	(void)arg;
	if (!ssl || !SSL_set_fd(ssl, peer_fd) || SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		SSL_CTX_free(ctx);
		printf("# the TLS peer's handshake failed\n");
		fflush(stdout);
		return NULL;
	}
	(void)!read(peer_ctl[0], &c, 1);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return NULL;
}

/* N sockets held locked, a request each (see the top). */
static int many_stalls(int uffd, const char *profile, int n)
{
	struct uffdio_register reg;
	struct uffdio_zeropage zero;
	struct tlsk_params params;
	struct holder h[16];
	pthread_t th[16];
	int fds[16][2];
	char *pages;

	pages = mmap(NULL, (size_t)page_size * 16, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n > 16 || pages == MAP_FAILED)
		return 2;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)pages;
	reg.range.len = (unsigned long)page_size * 16;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return 1;
	memset(&params, 0, sizeof(params));
	params.role = TLSK_ROLE_SERVER;
	params.profile = profile;
	params.timeout_ms = 60000;
	for (int i = 0; i < n; i++) {
		struct tlsk_pending *pend;
		struct tlsk_result res;
		struct uffd_msg msg;
		struct pollfd p = { .fd = uffd, .events = POLLIN };
		int rc;

		h[i].page = pages + (size_t)page_size * i;
		if (tcp_pair(fds[i]))
			return 1;
		h[i].fd = fds[i][0];
		if (pthread_create(&th[i], NULL, hold_lock, &h[i]) ||
		    poll(&p, 1, 10000) != 1 ||
		    read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			return 1;
		rc = tlsk_handshake_start(fds[i][0], &params, &pend);
		if (rc) {
			printf("stall %d %d start\n", i + 1, rc);
			continue;
		}
		p.fd = tlsk_pending_fd(pend);
		memset(&res, 0, sizeof(res));
		if (poll(&p, 1, 10000) == 1) {
			rc = tlsk_handshake_finish(pend, &res);
			printf("stall %d %d %s\n", i + 1, rc, res.reason);
		} else {
			tlsk_pending_cancel(pend);
			printf("stall %d no reply in 10 s\n", i + 1);
		}
		fflush(stdout);
	}
	printf("status during the stalls %d\n", status_within(5000));
	memset(&zero, 0, sizeof(zero));
	zero.range.start = (unsigned long)pages;
	zero.range.len = (unsigned long)page_size * 16;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		perror("UFFDIO_ZEROPAGE");
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		close(fds[i][0]);
		close(fds[i][1]);
	}
	usleep(500 * 1000);
	printf("status after %d\n", status_within(5000));
	return 0;
}

/* N relayed connections kept open at once. */
static int many_relays(const char *profile, int n)
{
	struct tlsk_params params;
	struct tlsk_result res;
	pthread_t th[16];
	int fds[16][2], ctl[2];

	if (n > 16 || pipe(ctl))
		return 2;
	memset(&params, 0, sizeof(params));
	params.role = TLSK_ROLE_SERVER;
	params.profile = profile;
	params.timeout_ms = 20000;
	for (int i = 0; i < n; i++) {
		int rc;

		if (tcp_pair(fds[i]))
			return 1;
		peer_fd = fds[i][1];
		peer_ctl[0] = ctl[0];
		if (pthread_create(&th[i], NULL, tls_peer, NULL))
			return 1;
		memset(&res, 0, sizeof(res));
		rc = tlsk_handshake(fds[i][0], &params, &res);
		printf("relay %d %d %s%s\n", i + 1, rc, rc ? res.reason : "",
		       !rc && !res.proxied ? "not relayed" : "");
		fflush(stdout);
		if (rc)	/* the peer's handshake ends with the socket */
			shutdown(fds[i][0], SHUT_RDWR);
		usleep(100 * 1000);	/* peer_fd is read by the thread */
	}
	close(ctl[1]);	/* the peers end */
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		close(fds[i][0]);
		close(fds[i][1]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_zeropage zero;
	struct tlsk_params params;
	struct tlsk_pending *pend;
	struct tlsk_result res;
	struct uffd_msg msg;
	struct pollfd p;
	pthread_t th, peer_th;
	int pair[2], uffd, rc, tcp_copy;
	bool relay = argc == 3 && !strcmp(argv[2], "relay");
	bool stalls = argc == 4 && !strcmp(argv[2], "stalls");

	if (argc == 4 && !strcmp(argv[2], "relays"))
		return many_relays(argv[1], (int)strtol(argv[3], NULL, 10));
	if (argc != 2 && !relay && !stalls) {
		fprintf(stderr, "usage: tlskd-test-stall PROFILE [relay]\n");
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		printf("# no userfaultfd for kernel faults here: %s\n",
		       strerror(errno));
		return 77;
	}
	if (stalls)
		return many_stalls(uffd, argv[1],
				   (int)strtol(argv[3], NULL, 10));
	page = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)page;
	reg.range.len = (unsigned long)page_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    tcp_pair(pair)) {
		perror("setup");
		return 1;
	}
	sock = pair[0];
	memset(&params, 0, sizeof(params));
	params.role = TLSK_ROLE_SERVER;
	params.profile = argv[1];
	params.timeout_ms = 60000;
	if (relay) {
		peer_fd = pair[1];
		if (pipe(peer_ctl) ||
		    pthread_create(&peer_th, NULL, tls_peer, NULL))
			return 1;
		/* a copy of the TCP socket: the library puts the stream to
		 * the relay in the place of the one it passes */
		tcp_copy = dup(sock);
		rc = tlsk_handshake(sock, &params, &res);
		if (rc) {
			printf("# handshake: %d %s\n", rc, res.reason);
			return 1;
		}
		if (!res.proxied) {
			printf("not relayed: kernel TLS here\n");
			return 77;
		}
		printf("relayed\n");
		/* sock is a stream to the relay now; the TCP socket is the
		 * relay's and, through this copy, ours */
		stream = sock;
		sock = tcp_copy;
	}
	if (pthread_create(&th, NULL, sender, NULL))
		return 1;
	/* the fault is there: the thread waits in the kernel, lock held */
	p.fd = uffd;
	p.events = POLLIN;
	if (poll(&p, 1, 10000) != 1 || read(uffd, &msg, sizeof(msg)) !=
	    sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT) {
		printf("# the send did not fault\n");
		return 1;
	}
	printf("holding the socket's lock\n");
	fflush(stdout);
	if (relay) {
		char c;

		/* bytes for the peer: the relay's send() waits for the lock
		 * (a record from the peer would wait in the socket's
		 * backlog, not readable while the lock is held) */
		(void)!write(stream, "hello", 5);
		printf("status during the stall %d\n", status_within(5000));
		fflush(stdout);
		p.fd = stream;
		p.events = POLLIN;
		/* tlskd gave up on the relay: the stream ends */
		printf("relay stream %s\n", poll(&p, 1, 10000) == 1 &&
		       read(stream, &c, 1) == 0 ? "ended" : "still open");
		goto release;
	}
	rc = tlsk_handshake_start(sock, &params, &pend);
	if (rc) {
		printf("# tlsk_handshake_start: %d\n", rc);
		return 1;
	}
	printf("status during the stall %d\n", status_within(5000));
	fflush(stdout);
	p.fd = tlsk_pending_fd(pend);
	p.events = POLLIN;
	memset(&res, 0, sizeof(res));
	if (poll(&p, 1, 10000) == 1) {
		rc = tlsk_handshake_finish(pend, &res);
		printf("stalled request %d %s\n", rc, res.reason);
	} else {
		tlsk_pending_cancel(pend);
		printf("stalled request no reply in 10 s\n");
	}
	fflush(stdout);
release:
	memset(&zero, 0, sizeof(zero));
	zero.range.start = (unsigned long)page;
	zero.range.len = (unsigned long)page_size;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		perror("UFFDIO_ZEROPAGE");
	pthread_join(th, NULL);
	printf("released\n");
	fflush(stdout);
	usleep(500 * 1000);
	printf("status after %d\n", status_within(5000));
	if (relay) {
		close(peer_ctl[1]);
		pthread_join(peer_th, NULL);
		close(stream);
	}
	close(pair[1]);
	close(sock);
	return 0;
}
