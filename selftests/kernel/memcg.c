// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk's per-socket memory is charged to the memory cgroup of the process
 * that installs the keys: a process in a fresh cgroup opens sockets with
 * keys in both directions, and the cgroup's memory.current grows by at
 * least the record buffers (5 pages a direction).
 *
 * The guest has no cgroup2 mounted: the test mounts one on a directory
 * of its own under /tmp and removes it afterwards.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "util.h"

#define ROOT	"/tmp/tlsk-memcg"
#define GROUP	ROOT "/tlsk-test"
#define PAIRS	40

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

FIXTURE(memcg)
{
	bool mounted;
};

FIXTURE_SETUP(memcg)
{
	char pid[32];

	/* Debian's kernel has both cgroup2 and its memory controller. */
	mkdir(ROOT, 0700);
	self->mounted = !mount("none", ROOT, "cgroup2", 0, NULL);
	ASSERT_TRUE(self->mounted || errno == EBUSY);
	ASSERT_EQ(write_file(ROOT "/cgroup.subtree_control", "+memory"), 0);
	ASSERT_EQ(mkdir(GROUP, 0700) == 0 || errno == EEXIST, true);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(write_file(GROUP "/cgroup.procs", pid), 0);
}

FIXTURE_TEARDOWN(memcg)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file(ROOT "/cgroup.procs", pid);
	rmdir(GROUP);
	if (self->mounted)
		umount(ROOT);
	rmdir(ROOT);
}

TEST_F(memcg, record_buffers_are_charged)
{
	int c[PAIRS], s[PAIRS], i;
	long before, after;
	const long bufs = 2 * 5 * 4096;

	before = read_long(GROUP "/memory.current");
	ASSERT_GE(before, 0);
	for (i = 0; i < PAIRS; i++)
		ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, NULL,
				   TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
				   &c[i], &s[i]), 0);
	after = read_long(GROUP "/memory.current");
	TH_LOG("memory.current %ld -> %ld for %d sockets with keys both ways",
	       before, after, PAIRS);
	/* Each tlsk socket: TX and RX record buffers at least. */
	EXPECT_GE(after - before, PAIRS * bufs);
	for (i = 0; i < PAIRS; i++) {
		close(c[i]);
		close(s[i]);
	}
}

TEST_HARNESS_MAIN
