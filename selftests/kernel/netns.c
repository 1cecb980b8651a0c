// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk in network namespaces: the record layer works in a fresh namespace,
 * and /proc/net/tlsk_stat counts per namespace.
 */
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"

static int lo_up(void)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = -1;

	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return err;
}

/* Runs in a child in a new namespace; returns a line number on failure. */
static int in_new_netns(void)
{
	char buf[8];
	int c, s;

	if (unshare(CLONE_NEWNET) || lo_up())
		return __LINE__;
	if (tlsk_stat("TlsTxSw") != 0 || tlsk_stat("TlsCurrRxSw") != 0)
		return __LINE__;
	if (tls_pair(AF_INET6, TLSK_ULP_NAME, TLSK_ULP_NAME, TLS_1_3_VERSION,
		     TLS_CIPHER_AES_GCM_256, &c, &s))
		return __LINE__;
	if (send(c, "ns", 2, 0) != 2 || recv(s, buf, sizeof(buf), 0) != 2)
		return __LINE__;
	if (tlsk_stat("TlsTxSw") != 2 || tlsk_stat("TlsRxSw") != 2 ||
	    tlsk_stat("TlsCurrTxSw") != 2 || tlsk_stat("TlsCurrRxSw") != 2 ||
	    tlsk_stat("TlskTxRecords") != 1 || tlsk_stat("TlskRxRecords") != 1)
		return __LINE__;
	close(c);
	close(s);
	if (tlsk_stat("TlsCurrTxSw") != 0 || tlsk_stat("TlsCurrRxSw") != 0)
		return __LINE__;
	return 0;
}

TEST(counters_per_namespace)
{
	long tx_before = tlsk_stat("TlsTxSw");
	long rec_before = tlsk_stat("TlskTxRecords");
	int status;
	pid_t pid;

	ASSERT_GE(tx_before, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(in_new_netns());
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0)
		TH_LOG("check at netns.c line %d failed", WEXITSTATUS(status));
	/* Nothing of the child's namespace shows here. */
	EXPECT_EQ(tlsk_stat("TlsTxSw"), tx_before);
	EXPECT_EQ(tlsk_stat("TlskTxRecords"), rec_before);
}

TEST(counters_in_this_namespace)
{
	long tx = tlsk_stat("TlsTxSw"), cur = tlsk_stat("TlsCurrTxSw");
	char buf[8];
	int c, s;

	ASSERT_GE(tx, 0);
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, TLSK_ULP_NAME,
			   TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128, &c, &s), 0);
	EXPECT_EQ(tlsk_stat("TlsTxSw"), tx + 2);
	EXPECT_EQ(tlsk_stat("TlsCurrTxSw"), cur + 2);
	ASSERT_EQ(send(c, "x", 1, 0), 1);
	ASSERT_EQ(recv(s, buf, sizeof(buf), 0), 1);
	close(c);
	close(s);
	EXPECT_EQ(tlsk_stat("TlsCurrTxSw"), cur);
}

TEST_HARNESS_MAIN
