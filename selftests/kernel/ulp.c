// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching the "tlsk" ULP to TCP sockets, before any key is installed.
 *
 * A missing tlsk module fails these tests: setsockopt(TCP_ULP) then answers
 * ENOENT, which no assertion here accepts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "util.h"

static long module_refcnt(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/tlsk/refcnt", "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

FIXTURE(pair)
{
	int cfd;
	int sfd;
};

FIXTURE_VARIANT(pair)
{
	int family;
};

FIXTURE_VARIANT_ADD(pair, ipv4)
{
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(pair, ipv6)
{
	.family = AF_INET6,
};

FIXTURE_SETUP(pair)
{
	ASSERT_EQ(tcp_pair(variant->family, &self->cfd, &self->sfd), 0);
}

FIXTURE_TEARDOWN(pair)
{
	close(self->cfd);
	close(self->sfd);
}

TEST_F(pair, attach_established)
{
	char name[16] = "";
	socklen_t len = sizeof(name);

	ASSERT_EQ(attach_ulp(self->cfd, TLSK_ULP_NAME), 0);
	ASSERT_EQ(getsockopt(self->cfd, IPPROTO_TCP, TCP_ULP, name, &len), 0);
	EXPECT_STREQ(name, TLSK_ULP_NAME);
}

TEST_F(pair, attach_twice_eexist)
{
	ASSERT_EQ(attach_ulp(self->cfd, TLSK_ULP_NAME), 0);
	EXPECT_EQ(attach_ulp(self->cfd, TLSK_ULP_NAME), -1);
	EXPECT_EQ(errno, EEXIST);
}

TEST_F(pair, plain_data_both_ways_without_keys)
{
	const char a[] = "client to server", b[] = "server to client";
	char buf[64];

	ASSERT_EQ(attach_ulp(self->cfd, TLSK_ULP_NAME), 0);
	ASSERT_EQ(attach_ulp(self->sfd, TLSK_ULP_NAME), 0);

	ASSERT_EQ(send(self->cfd, a, sizeof(a), 0), sizeof(a));
	ASSERT_EQ(recv(self->sfd, buf, sizeof(a), MSG_WAITALL), sizeof(a));
	EXPECT_EQ(memcmp(buf, a, sizeof(a)), 0);

	ASSERT_EQ(send(self->sfd, b, sizeof(b), 0), sizeof(b));
	ASSERT_EQ(recv(self->cfd, buf, sizeof(b), MSG_WAITALL), sizeof(b));
	EXPECT_EQ(memcmp(buf, b, sizeof(b)), 0);
}

TEST_F(pair, module_pinned_while_in_use)
{
	long before, during;
	int i;

	before = module_refcnt();
	ASSERT_GE(before, 0);
	ASSERT_EQ(attach_ulp(self->cfd, TLSK_ULP_NAME), 0);
	during = module_refcnt();
	EXPECT_EQ(during, before + 1);

	/* Refused while a socket holds a reference. */
	EXPECT_EQ(syscall(SYS_delete_module, "tlsk", O_NONBLOCK), -1);
	EXPECT_EQ(errno, EWOULDBLOCK);

	close_now(self->cfd);
	self->cfd = socket(AF_INET, SOCK_STREAM, 0);
	/* The reference goes when the socket is destroyed; RST makes that
	 * immediate, but allow the kernel a moment.
	 */
	for (i = 0; i < 100 && module_refcnt() != before; i++)
		usleep(10000);
	EXPECT_EQ(module_refcnt(), before);
}

TEST(unconnected_enotconn)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(attach_ulp(fd, TLSK_ULP_NAME), -1);
	EXPECT_EQ(errno, ENOTCONN);
	close(fd);
}

TEST(listening_enotconn)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ASSERT_EQ(listen(fd, 1), 0);
	EXPECT_EQ(attach_ulp(fd, TLSK_ULP_NAME), -1);
	EXPECT_EQ(errno, ENOTCONN);
	close(fd);
}

/* The in-tree kTLS module and tlsk live side by side. */
TEST(coexists_with_tls)
{
	int c, s;

	ASSERT_EQ(tcp_pair(AF_INET, &c, &s), 0);
	EXPECT_EQ(attach_ulp(c, "tls"), 0);
	EXPECT_EQ(attach_ulp(s, TLSK_ULP_NAME), 0);
	close(c);
	close(s);
}

TEST_HARNESS_MAIN
