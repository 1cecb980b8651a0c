// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlsk against the in-tree kTLS ("tls" ULP) with the same keys, for every
 * version and cipher: tlsk writes and kTLS reads, kTLS writes and tlsk
 * reads, and both write the very same bytes on the wire (kTLS's TLS 1.2
 * explicit nonce is the installed IV counted up per record, as is tlsk's).
 */
#include "kselftest_harness.h"
#include "util.h"

#define ALERT	21
#define MAXREC	(5 + 16384 + 256)

FIXTURE(cross)
{
	int tlsk;	/* "tlsk" end */
	int ktls;	/* "tls" end */
};

FIXTURE_VARIANT(cross)
{
	uint16_t version;
	uint16_t cipher;
};

#define VARIANT(_name, _version, _cipher)		\
	FIXTURE_VARIANT_ADD(cross, _name)		\
	{						\
		.version = _version,			\
		.cipher = _cipher,			\
	}

VARIANT(tls12_gcm128, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128);
VARIANT(tls12_gcm256, TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_256);
VARIANT(tls12_ccm128, TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128);
VARIANT(tls12_chacha, TLS_1_2_VERSION, TLS_CIPHER_CHACHA20_POLY1305);
VARIANT(tls13_gcm128, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_128);
VARIANT(tls13_gcm256, TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256);
VARIANT(tls13_ccm128, TLS_1_3_VERSION, TLS_CIPHER_AES_CCM_128);
VARIANT(tls13_chacha, TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305);
/* RFC 8998: kTLS carries SM4 too, so tlsk must meet it. */
VARIANT(tls13_sm4gcm, TLS_1_3_VERSION, TLS_CIPHER_SM4_GCM);
VARIANT(tls13_sm4ccm, TLS_1_3_VERSION, TLS_CIPHER_SM4_CCM);

/*
 * SM4 lives in its own crypto module, which the VM runner may not load (a
 * bare initramfs cannot autoload): without it neither ULP can carry SM4,
 * and the SM4 variants skip. Every other failure fails.
 */
static bool sm4_loaded(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/crypto", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "name", 4) && strstr(line, ": sm4\n");
	fclose(f);
	return found;
}

/* Ends a test whose setup skipped (the 6.1 harness runs it anyway). */
#define SETUP_SKIPPED() do { if (_metadata->skip) return; } while (0)

FIXTURE_SETUP(cross)
{
	self->tlsk = self->ktls = -1;
	if ((variant->cipher == TLS_CIPHER_SM4_GCM ||
	     variant->cipher == TLS_CIPHER_SM4_CCM) && !sm4_loaded())
		SKIP(return, "no sm4 in /proc/crypto: modprobe sm4_generic");
	ASSERT_EQ(tls_pair(AF_INET, TLSK_ULP_NAME, "tls", variant->version,
			   variant->cipher, &self->tlsk, &self->ktls), 0);
}

FIXTURE_TEARDOWN(cross)
{
	if (self->tlsk >= 0)
		close(self->tlsk);
	if (self->ktls >= 0)
		close(self->ktls);
}

static void round_trip(struct __test_metadata *_metadata, int from, int to,
		       size_t len, unsigned int seed)
{
	char *out = malloc(len), *in = malloc(len);

	ASSERT_TRUE(out && in);
	fill_pattern(out, len, seed);
	ASSERT_EQ(send(from, out, len, 0), len);
	ASSERT_EQ(recv(to, in, len, MSG_WAITALL), len);
	EXPECT_EQ(memcmp(in, out, len), 0);
	free(out);
	free(in);
}

TEST_F(cross, tlsk_to_ktls)
{
	SETUP_SKIPPED();
	round_trip(_metadata, self->tlsk, self->ktls, 1, 1);
	round_trip(_metadata, self->tlsk, self->ktls, 16384, 2);
	round_trip(_metadata, self->tlsk, self->ktls, 16385, 3);
	round_trip(_metadata, self->tlsk, self->ktls, 40000, 4);
}

TEST_F(cross, ktls_to_tlsk)
{
	SETUP_SKIPPED();
	round_trip(_metadata, self->ktls, self->tlsk, 1, 5);
	round_trip(_metadata, self->ktls, self->tlsk, 16384, 6);
	round_trip(_metadata, self->ktls, self->tlsk, 16385, 7);
	round_trip(_metadata, self->ktls, self->tlsk, 40000, 8);
}

TEST_F(cross, msg_more_both_ways)
{
	char buf[16];

	SETUP_SKIPPED();
	ASSERT_EQ(send(self->tlsk, "ab", 2, MSG_MORE), 2);
	ASSERT_EQ(send(self->tlsk, "cd", 2, 0), 2);
	ASSERT_EQ(recv(self->ktls, buf, 4, MSG_WAITALL), 4);
	EXPECT_EQ(memcmp(buf, "abcd", 4), 0);
	ASSERT_EQ(send(self->ktls, "ef", 2, MSG_MORE), 2);
	ASSERT_EQ(send(self->ktls, "gh", 2, 0), 2);
	ASSERT_EQ(recv(self->tlsk, buf, 4, MSG_WAITALL), 4);
	EXPECT_EQ(memcmp(buf, "efgh", 4), 0);
}

TEST_F(cross, control_records_both_ways)
{
	char buf[16];
	uint8_t type;

	SETUP_SKIPPED();
	ASSERT_EQ(send_record_type(self->tlsk, ALERT, "\x01\x00", 2), 2);
	ASSERT_EQ(recv_record_type(self->ktls, buf, sizeof(buf), &type, 0), 2);
	EXPECT_EQ(type, ALERT);
	ASSERT_EQ(send_record_type(self->ktls, ALERT, "\x02\x28", 2), 2);
	ASSERT_EQ(recv_record_type(self->tlsk, buf, sizeof(buf), &type, 0), 2);
	EXPECT_EQ(type, ALERT);
	EXPECT_EQ(memcmp(buf, "\x02\x28", 2), 0);
}

/* Same keys, same plaintext: kTLS and tlsk put identical bytes on the wire. */
TEST_F(cross, identical_wire_bytes)
{
	static uint8_t r1[MAXREC], r2[MAXREC];
	static const size_t sizes[] = { 1, 1000, 16384 };
	int a1, b1, a2, b2;
	char buf[16384];
	unsigned int i;
	ssize_t n1, n2;

	SETUP_SKIPPED();
	ASSERT_EQ(tcp_pair(AF_INET, &a1, &b1), 0);
	ASSERT_EQ(tcp_pair(AF_INET, &a2, &b2), 0);
	ASSERT_EQ(attach_ulp(a1, TLSK_ULP_NAME), 0);
	ASSERT_EQ(attach_ulp(a2, "tls"), 0);
	ASSERT_EQ(set_keys(a1, TLS_TX, variant->version, variant->cipher, 9),
		  0);
	ASSERT_EQ(set_keys(a2, TLS_TX, variant->version, variant->cipher, 9),
		  0);
	for (i = 0; i < 3; i++) {
		fill_pattern(buf, sizes[i], i);
		ASSERT_EQ(send(a1, buf, sizes[i], 0), sizes[i]);
		ASSERT_EQ(send(a2, buf, sizes[i], 0), sizes[i]);
		n1 = read_record(b1, r1, sizeof(r1));
		n2 = read_record(b2, r2, sizeof(r2));
		ASSERT_GT(n1, 0);
		ASSERT_EQ(n1, n2);
		EXPECT_EQ(memcmp(r1, r2, n1), 0);
	}
	ASSERT_EQ(send_record_type(a1, ALERT, "\x01\x00", 2), 2);
	ASSERT_EQ(send_record_type(a2, ALERT, "\x01\x00", 2), 2);
	n1 = read_record(b1, r1, sizeof(r1));
	n2 = read_record(b2, r2, sizeof(r2));
	ASSERT_EQ(n1, n2);
	EXPECT_EQ(memcmp(r1, r2, n1), 0);
	close(a1);
	close(b1);
	close(a2);
	close(b2);
}

TEST_HARNESS_MAIN
