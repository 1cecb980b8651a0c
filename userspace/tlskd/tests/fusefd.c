// SPDX-License-Identifier: MIT
/*
 * tlskd-test-fusefd MOUNTDIR DONEFILE UID: passes tlskd descriptors of a file
 * on a FUSE mount whose server never answers FUSE_FLUSH, so that a close()
 * of them never returns (tlskd/tests/limits.sh, closer.c). Run as root in
 * a mount namespace of its own (unshare -m); TLSK_SOCKET names tlskd's
 * socket, which UID must be able to connect to.
 *
 *   1. Over a connection made as UID (on no profile): a status
 *      request carrying the file. Prints "unauthorized reply RC" once
 *      tlskd answered, then waits 1 s.
 *   2. As root (on every profile): a handshake request for profile "web"
 *      carrying the file. Prints "authorized reply RC".
 *   3. Prints "ready" and waits for DONEFILE; then ends its FUSE server,
 *      which aborts the mount and ends any close() still waiting.
 *
 * The FUSE server prints "flush tgid=N" for each FUSE_FLUSH it leaves
 * unanswered, N the process that closed the file. It never answers a
 * FUSE_GETATTR from tlskd either ("getattr tgid=N"): tlskd's loop must
 * not stat a caller's file. Replies wait 10 s at most ("reply -11").
 * Exit 77: no FUSE here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "tlsk/service.h"
#include "../../service/fdpass.h"

static int dev = -1;
static long tlskd_tgid = -1;

static void fuse_reply(uint64_t unique, int error, const void *p, size_t n)
{
	char buf[512];
	struct fuse_out_header o = {
		.len = (uint32_t)(sizeof(o) + n), .error = error,
		.unique = unique,
	};

	memcpy(buf, &o, sizeof(o));
	if (n)
		memcpy(buf + sizeof(o), p, n);
	if (write(dev, buf, o.len) < 0 && errno != ENOENT)
		perror("fuse reply");
}

static void fill_attr(uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	a->nlink = 1;
}

/* The tgid of thread tid, from /proc: FUSE names the closing thread. */
static long tgid_of(unsigned int tid)
{
	char path[64], line[128];
	long tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid;
}

static void fuse_serve(void)
{
	static char buf[1 << 17];

	for (;;) {
		ssize_t n = read(dev, buf, sizeof(buf));
		struct fuse_in_header in;

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < (ssize_t)sizeof(in))
			_exit(0);	/* unmounted */
		memcpy(&in, buf, sizeof(in));
		switch (in.opcode) {
		case FUSE_INIT: {
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION,
				.minor = FUSE_KERNEL_MINOR_VERSION,
				.max_write = 4096,
			};

			fuse_reply(in.unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { .nodeid = 2 };

			fill_attr(2, &o.attr);
			fuse_reply(in.unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { .attr_valid = 0 };

			if (tlskd_tgid > 0 && tgid_of(in.pid) == tlskd_tgid) {
				printf("getattr tgid=%ld\n", tlskd_tgid);
				fflush(stdout);
				break;	/* never answered */
			}
			fill_attr(in.nodeid, &o.attr);
			fuse_reply(in.unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };

			fuse_reply(in.unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_FLUSH:
			printf("flush tgid=%ld\n", tgid_of(in.pid));
			fflush(stdout);
			break;		/* never answered */
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:
			fuse_reply(in.unique, in.opcode == FUSE_RELEASE ? 0 :
				   -ENOSYS, NULL, 0);
		}
	}
}

/* A connection to tlskd. */
static int connect_tlskd(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	struct timeval tv = { .tv_sec = 10 };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv("TLSK_SOCKET"));
	if (s >= 0 && (connect(s, (struct sockaddr *)&sa, sizeof(sa)) ||
		       setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv,
				  sizeof(tv)))) {
		close(s);
		return -1;
	}
	return s;
}

/* Sends a request with fd over connection s; returns the reply's status,
 * or a negative errno. */
static int send_with_fd(int s, const struct tlsk_request *req, int fd)
{
	uint8_t msg[TLSK_MSG_MAX];
	struct tlsk_result res;
	uint32_t id;
	int len;
	ssize_t n;

	len = tlsk_msg_encode_request(req, msg, sizeof(msg));
	if (len < 0)
		return len;
	if (tlsk_send_msg_fd(s, msg, (size_t)len, fd) < 0)
		return -errno;
	n = recv(s, msg, sizeof(msg), 0);
	if (n <= 0)
		return n ? -errno : -ECONNRESET;
	memset(&res, 0, sizeof(res));
	if (tlsk_msg_decode_reply(msg, (size_t)n, &id, &res) < 0)
		return -EBADMSG;
	return res.status;
}

/*
 * A connection to tlskd made as uid (SO_PEERCRED is taken at connect()),
 * by a child that never holds the FUSE file: any close() of it, exit's
 * included, would wait on the FUSE server.
 */
static int connect_as(uid_t uid)
{
	int sp[2], s = -1;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return -1;
	child = fork();
	if (child == 0) {
		close(dev);
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(3);
		s = connect_tlskd();
		_exit(s < 0 || tlsk_send_msg_fd(sp[1], "s", 1, s) < 0);
	}
	close(sp[1]);
	waitpid(child, NULL, 0);
	{
		char b[8];
		int got = -1;

		if (tlsk_recv_msg_fd(sp[0], b, sizeof(b), &got, 0) == 1)
			s = got;
	}
	close(sp[0]);
	return s;
}

#define MORE	16

/* The pid at the other end of connection s (tlskd). */
static pid_t tlskd_pid(int s)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) ? -1 :
	       cred.pid;
}

/* How many descriptors pid has open; -1 if that cannot be read. */
static int open_fds(pid_t pid)
{
	char dir[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	struct tlsk_request st = { .type = TLSK_MSG_STATUS, .id = 1 };
	struct tlsk_request hs = { .type = TLSK_MSG_HANDSHAKE, .id = 2,
				   .role = TLSK_ROLE_SERVER };
	char opts[160], path[512];
	int fd, nobody, root, before;
	pid_t srv;

	if (argc != 4 || !getenv("TLSK_SOCKET")) {
		fprintf(stderr, "usage: TLSK_SOCKET=... %s MOUNTDIR DONEFILE "
			"UID\n",
			argv[0]);
		return 2;
	}
	snprintf(hs.profile, sizeof(hs.profile), "web");
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("no FUSE: /dev/fuse: %s\n", strerror(errno));
		return 77;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,"
		 "group_id=0,allow_other", dev);
	if (mount("tlskd-test", argv[1], "fuse", MS_NOSUID | MS_NODEV, opts)) {
		printf("no FUSE: mount: %s\n", strerror(errno));
		return 77;
	}
	root = connect_tlskd();
	tlskd_tgid = root < 0 ? -1 : tlskd_pid(root);
	srv = fork();
	if (srv == 0)
		fuse_serve();
	nobody = connect_as((uid_t)strtoul(argv[3], NULL, 10));
	/* Only the server holds /dev/fuse now: when it ends, the mount is
	 * aborted and every close() waiting on it returns. */
	close(dev);
	snprintf(path, sizeof(path), "%s/f", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (nobody < 0 || root < 0 || fd < 0) {
		printf("setup failed: %s\n", strerror(errno));
		kill(srv, SIGKILL);
		return 1;
	}
	printf("unauthorized reply %d\n", send_with_fd(nobody, &st, fd));
	sleep(1);
	/* Any flush before this line came from the first request: tlskd's
	 * close() of the next one may print before its reply does. */
	printf("authorized request\n");
	printf("authorized reply %d\n", send_with_fd(root, &hs, fd));
	/*
	 * The same file again and again: with the first one stuck in its
	 * close(), tlskd must not take in one more with every request.
	 */
	before = open_fds(tlskd_pid(root));
	for (int i = 0; i < MORE; i++)
		if (send_with_fd(root, &hs, fd) == -EAGAIN)
			break;	/* tlskd does not answer */
	printf("tlskd descriptors: before %d after %d more requests %d\n",
	       before, open_fds(tlskd_pid(root)), MORE);
	printf("ready\n");
	while (access(argv[2], F_OK))
		usleep(100000);
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	close(fd);
	close(nobody);
	close(root);
	umount2(argv[1], MNT_DETACH);
	return 0;
}
