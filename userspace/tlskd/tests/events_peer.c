// SPDX-License-Identifier: MIT
/*
 * tlskd-test-events: makes tlsk.ko send the netlink events that tlskd
 * logs, for tlskd/tests/events.sh, and forges messages that tlskd must
 * drop without harm.
 *
 *   tlskd-test-events decrypt   a loopback pair with the "tlsk" ULP whose
 *                               RX key is not the peer's TX key: one record
 *                               fails to open (DECRYPT_ERROR_NTF)
 *   tlskd-test-events alerts    a pair with matching keys; the client sends
 *                               a close_notify and a fatal
 *                               handshake_failure alert record, the server
 *                               reads them (two ALERT_RECEIVED_NTF)
 *   tlskd-test-events forge     garbage, a truncated and a well-formed but
 *                               fake event, sent to the events group from
 *                               userspace (root may): tlskd must take none
 *                               of them for the kernel's
 *
 * Prints "inode N" for the server socket the events are about (decrypt,
 * alerts) and "forged inode N" for the fake one. Exits 77 when tlsk.ko is
 * not loaded (the ULP or the family is missing), 1 on any other failure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include <linux/tlsk.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define SKIP 77

static int fail(const char *what)
{
	fprintf(stderr, "tlskd-test-events: %s: %s\n", what, strerror(errno));
	return 1;
}

/* A connected loopback TCP pair: 0 or -1. */
static int tcp_pair(int *c, int *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), rc = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*c = *s = -1;
	if (l < 0)
		return -1;
	if (!bind(l, (struct sockaddr *)&a, len) && !listen(l, 1) &&
	    !getsockname(l, (struct sockaddr *)&a, &len)) {
		*c = socket(AF_INET, SOCK_STREAM, 0);
		if (*c >= 0 && !connect(*c, (struct sockaddr *)&a, len))
			*s = accept(l, NULL, NULL);
		rc = *s >= 0 ? 0 : -1;
	}
	close(l);
	return rc;
}

/* TLS 1.3 AES-GCM-128 keys for one direction; seed picks the key. */
static int set_key(int fd, int dir, uint8_t seed)
{
	struct tls12_crypto_info_aes_gcm_128 ci;
	int rc;

	memset(&ci, 0, sizeof(ci));
	ci.info.version = TLS_1_3_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci.key, seed, sizeof(ci.key));
	memset(ci.iv, seed + 1, sizeof(ci.iv));
	memset(ci.salt, seed + 2, sizeof(ci.salt));
	rc = setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci));
	memset(&ci, 0, sizeof(ci));	/* test keys, but the habit holds */
	return rc;
}

/* The pair with the tlsk ULP: 0, SKIP without tlsk.ko, 1. */
static int tlsk_pair(int *c, int *s, uint8_t tx_seed, uint8_t rx_seed)
{
	if (tcp_pair(c, s))
		return fail("loopback pair");
	if (setsockopt(*c, IPPROTO_TCP, TCP_ULP, "tlsk", 5) ||
	    setsockopt(*s, IPPROTO_TCP, TCP_ULP, "tlsk", 5)) {
		if (errno == ENOENT)
			return SKIP;
		return fail("TCP_ULP tlsk");
	}
	if (set_key(*c, TLS_TX, tx_seed) || set_key(*s, TLS_RX, rx_seed))
		return fail("TLS_TX/TLS_RX");
	return 0;
}

static void print_inode(const char *what, int fd)
{
	struct stat st;

	if (!fstat(fd, &st))
		printf("%sinode %llu\n", what, (unsigned long long)st.st_ino);
	fflush(stdout);
}

static int decrypt_error(void)
{
	char buf[16];
	int c, s, rc = tlsk_pair(&c, &s, 1, 9);

	if (rc)
		return rc;
	print_inode("", s);
	if (send(c, "x", 1, 0) != 1)
		return fail("send");
	if (recv(s, buf, sizeof(buf), 0) != -1 || errno != EBADMSG) {
		fprintf(stderr, "tlskd-test-events: the record opened\n");
		return 1;
	}
	close(c);
	close(s);
	return 0;
}

static int send_alert(int fd, uint8_t level, uint8_t desc)
{
	char cbuf[CMSG_SPACE(1)] = { 0 };
	uint8_t alert[2] = { level, desc };
	struct iovec iov = { alert, sizeof(alert) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(cm) = 21;	/* alert */
	return sendmsg(fd, &m, 0) == 2 ? 0 : -1;
}

static int read_record(int fd)
{
	char cbuf[CMSG_SPACE(1)], data[16];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};

	return recvmsg(fd, &m, 0) == 2 ? 0 : -1;
}

static int alerts(void)
{
	int c, s, rc = tlsk_pair(&c, &s, 1, 1);

	if (rc)
		return rc;
	print_inode("", s);
	if (send_alert(c, 1, 0) || read_record(s))
		return fail("close_notify");
	if (send_alert(c, 2, 40) || read_record(s))
		return fail("handshake_failure");
	close(c);
	close(s);
	return 0;
}

/* ---- forged messages ---- */

static size_t put_attr(uint8_t *buf, size_t off, uint16_t type,
		       const void *data, uint16_t len)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	memcpy(buf + off, &a, sizeof(a));
	memcpy(buf + off + NLA_HDRLEN, data, len);
	return off + NLA_ALIGN(a.nla_len);
}

/* A DECRYPT_ERROR_NTF as the kernel would send it, about inode ino. */
static size_t fake_event(uint8_t *buf, int family, uint64_t ino,
			 uint16_t nest_len_delta)
{
	struct nlmsghdr h = { .nlmsg_type = family };
	struct genlmsghdr g = { .cmd = TLSK_CMD_DECRYPT_ERROR_NTF,
				.version = TLSK_GENL_VERSION };
	uint16_t fam = AF_INET, port = 443;
	uint32_t addr = htonl(INADDR_LOOPBACK), err = EBADMSG;
	uint64_t cookie = 1;
	size_t nest = NLMSG_HDRLEN + GENL_HDRLEN, off = nest + NLA_HDRLEN;
	struct nlattr n = { .nla_type = TLSK_A_SOCK | NLA_F_NESTED };

	memset(buf, 0, 512);
	off = put_attr(buf, off, TLSK_A_SOCK_FAMILY, &fam, 2);
	off = put_attr(buf, off, TLSK_A_SOCK_SADDR, &addr, 4);
	off = put_attr(buf, off, TLSK_A_SOCK_DADDR, &addr, 4);
	off = put_attr(buf, off, TLSK_A_SOCK_SPORT, &port, 2);
	off = put_attr(buf, off, TLSK_A_SOCK_DPORT, &port, 2);
	off = put_attr(buf, off, TLSK_A_SOCK_INODE, &ino, 8);
	off = put_attr(buf, off, TLSK_A_SOCK_COOKIE, &cookie, 8);
	off = put_attr(buf, off, TLSK_A_SOCK_ERROR, &err, 4);
	n.nla_len = off - nest + nest_len_delta;
	memcpy(buf + nest, &n, sizeof(n));
	h.nlmsg_len = off;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + NLMSG_HDRLEN, &g, sizeof(g));
	return off;
}

static int forge(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	uint8_t buf[512];
	int family, group, fd;
	size_t len;

	if (!sk || genl_connect(sk))
		return fail("netlink socket");
	family = genl_ctrl_resolve(sk, TLSK_GENL_NAME);
	group = family < 0 ? family :
		genl_ctrl_resolve_grp(sk, TLSK_GENL_NAME, TLSK_MCGRP_EVENTS);
	if (family < 0 || group < 0)
		return SKIP;
	if (group > 32) {
		fprintf(stderr, "tlskd-test-events: group %d beyond the "
			"nl_groups mask\n", group);
		return SKIP;
	}
	fd = nl_socket_get_fd(sk);
	to.nl_groups = 1u << (group - 1);
	/* Garbage: a header that claims more than it has, then noise. */
	memset(buf, 0xa5, sizeof(buf));
	if (sendto(fd, buf, 40, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return fail("sendto group");
	/* The family's type, an unknown command, no attributes. */
	fake_event(buf, family, 1, 0);
	buf[NLMSG_HDRLEN] = 200;
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	memcpy(buf, &(uint32_t){ len }, sizeof(uint32_t));
	sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
	/* A nest longer than the message. */
	len = fake_event(buf, family, 424242, 64);
	sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
	/* Well-formed, but not from the kernel. */
	len = fake_event(buf, family, 424243, 0);
	printf("forged inode 424243\n");
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return fail("sendto group");
	nl_socket_free(sk);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "decrypt"))
		return decrypt_error();
	if (argc == 2 && !strcmp(argv[1], "alerts"))
		return alerts();
	if (argc == 2 && !strcmp(argv[1], "forge"))
		return forge();
	fprintf(stderr, "usage: tlskd-test-events decrypt|alerts|forge\n");
	return 2;
}
