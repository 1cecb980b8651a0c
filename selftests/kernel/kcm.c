// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-kernel readers of TCP's queue never get a tlsk socket's ciphertext.
 *
 *   a (tls, TX keys K) --TCP--> b (plain)       a record sealed by the reference
 *   d (plain) --TCP--> e (tlsk, RX keys K) <-- KCM mux (strparser, read_sock)
 *
 * KCM attaches to a TCP socket and reads it through proto_ops->read_sock
 * from its strparser. tlsk refuses that reader (EOPNOTSUPP), so the mux
 * gets nothing; before, it received the record as it was on the wire.
 */
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/kcm.h>

#include "kselftest_harness.h"
#include "util.h"

#ifndef AF_KCM
#define AF_KCM 41
#endif

/* A socket filter program: every message is all the bytes there are. */
static int load_parser(void)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_0,
		  .src_reg = BPF_REG_1, .off = offsetof(struct __sk_buff, len) },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	attr.license = (uintptr_t)"GPL";
	return syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

TEST(kcm_gets_no_ciphertext)
{
	struct timeval tv = { .tv_sec = 2 };
	struct kcm_attach att;
	uint8_t rec[256], got[256];
	int a, b, d, e, kcm, prog;
	ssize_t n, r;

	ASSERT_EQ(tcp_pair(AF_INET, &a, &b), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &d, &e), 0);
	ASSERT_EQ(attach_ulp(a, "tls"), 0);
	ASSERT_EQ(set_keys(a, TLS_TX, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
			   1), 0);
	ASSERT_EQ(attach_ulp(e, TLSK_ULP_NAME), 0);
	ASSERT_EQ(set_keys(e, TLS_RX, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128,
			   1), 0);
	ASSERT_EQ(send(a, "secret", 6, 0), 6);
	n = read_record(b, rec, sizeof(rec));
	ASSERT_GT(n, 0);

	kcm = socket(AF_KCM, SOCK_DGRAM, KCMPROTO_CONNECTED);
	ASSERT_GE(kcm, 0);
	ASSERT_EQ(setsockopt(kcm, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		  0);
	prog = load_parser();
	ASSERT_GE(prog, 0);
	att.fd = e;
	att.bpf_fd = prog;
	if (ioctl(kcm, SIOCKCMATTACH, &att)) {
		/* Refusing to attach leaks nothing either. */
		TH_LOG("SIOCKCMATTACH: %s", strerror(errno));
	} else {
		ASSERT_EQ(write_full(d, rec, n), n);
		r = recv(kcm, got, sizeof(got), 0);
		EXPECT_EQ(r, -1);
		if (r > 0)
			TH_LOG("KCM got %zd bytes%s", r,
			       r == n && !memcmp(got, rec, n) ?
			       ": the record as on the wire" : "");
		ioctl(kcm, SIOCKCMUNATTACH, &(struct kcm_unattach){ .fd = e });
	}
	close(kcm);
	close(prog);
	close(a);
	close(b);
	close(d);
	close(e);
}

TEST_HARNESS_MAIN
