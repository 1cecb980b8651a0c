// SPDX-License-Identifier: MIT
/*
 * The crypto ceiling: how fast the AEAD alone seals 16 KiB records.
 *
 * - AEAD_EVP: libtlsk's userspace record layer (libcrypto EVP underneath),
 *   i.e. the AEAD plus the record framing, in userspace.
 * - AEAD_AF_ALG: the kernel's crypto API through an AF_ALG "aead" socket,
 *   the same transform family kTLS and tlsk allocate ("gcm(aes)",
 *   "rfc7539(chacha20,poly1305)"). One sendmsg + read per record adds two
 *   syscalls and two copies, so it is a floor of the kernel's AEAD speed,
 *   not its exact cost; it matters under TCG, where both kTLS stacks run
 *   exactly this code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_alg.h>

#include "bench.h"
#include "tlsk/aead.h"
#include "tlsk/record.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define REC	TLSK_RECORD_MAX_PLAINTEXT
#define AAD_LEN	13		/* TLS 1.2's; 1.3's 5 costs the same */

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int evp_seal(uint16_t version, enum tlsk_aead aead, size_t bytes,
		    uint8_t *in, uint8_t *out, size_t cap, struct result *r)
{
	struct tlsk_traffic_keys keys;
	struct tlsk_record *rec;

	bench_keys(version, aead, &keys);
	rec = tlsk_record_new(&keys, 1);
	tlsk_keys_scrub(&keys);
	if (!rec) {
		snprintf_errno(r->note, sizeof(r->note), "tlsk_record_new", errno);
		return -1;
	}
	for (size_t done = 0; done < bytes; done += REC) {
		if (tlsk_record_seal(rec, TLSK_CT_APPLICATION_DATA, in, REC,
				     out, cap) < 0) {
			snprintf(r->note, sizeof(r->note), "seal failed");
			tlsk_record_free(rec);
			return -1;
		}
	}
	tlsk_record_free(rec);
	return 0;
}

static int alg_open(enum tlsk_aead aead, char *note, size_t notelen)
{
	const struct tlsk_aead_desc *d = tlsk_aead_lookup(aead);
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "aead" };
	uint8_t key[32];
	int tfm, op = -1;

	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s",
		 aead == TLSK_AEAD_CHACHA20_POLY1305 ?
		 "rfc7539(chacha20,poly1305)" :
		 d->is_ccm ? "ccm(aes)" : "gcm(aes)");
	memset(key, 0x42, sizeof(key));
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, (socklen_t)d->key_len) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL,
		       (socklen_t)d->tag_len) ||
	    (op = accept(tfm, NULL, NULL)) < 0)
		snprintf_errno(note, notelen, "AF_ALG aead", errno);
	if (tfm >= 0)
		close(tfm);
	return op;
}

/* One record through the kernel: AAD || plaintext in, AAD || ct || tag out. */
static int alg_seal(int op, uint8_t *in, uint8_t *out, size_t outlen)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t)) * 2 +
			 CMSG_SPACE(sizeof(struct af_alg_iv) + 12)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = in, .iov_len = AAD_LEN + REC };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	struct af_alg_iv *iv;

	memset(u.buf, 0, sizeof(u.buf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_OP;
	cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	*(uint32_t *)(void *)CMSG_DATA(cm) = ALG_OP_ENCRYPT;
	cm = CMSG_NXTHDR(&msg, cm);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	*(uint32_t *)(void *)CMSG_DATA(cm) = AAD_LEN;
	cm = CMSG_NXTHDR(&msg, cm);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_IV;
	cm->cmsg_len = CMSG_LEN(sizeof(struct af_alg_iv) + 12);
	iv = (struct af_alg_iv *)(void *)CMSG_DATA(cm);
	iv->ivlen = 12;
	memset(iv->iv, 0x24, 12);
	if (sendmsg(op, &msg, 0) != (ssize_t)iov.iov_len)
		return -1;
	return read(op, out, outlen) == (ssize_t)outlen ? 0 : -1;
}

static int kernel_seal(enum tlsk_aead aead, size_t bytes, uint8_t *in,
		       uint8_t *out, struct result *r)
{
	const struct tlsk_aead_desc *d = tlsk_aead_lookup(aead);
	int op;

	if (d->is_ccm) {	/* CCM wants a 16-byte IV here; not benched */
		snprintf(r->note, sizeof(r->note), "CCM not measured");
		r->status = RES_NA;
		return -1;
	}
	op = alg_open(aead, r->note, sizeof(r->note));
	if (op < 0) {
		r->status = RES_NA;
		return -1;
	}
	for (size_t done = 0; done < bytes; done += REC) {
		if (alg_seal(op, in, out, AAD_LEN + REC + d->tag_len) < 0) {
			snprintf_errno(r->note, sizeof(r->note), "AF_ALG seal",
				       errno);
			close(op);
			return -1;
		}
	}
	close(op);
	return 0;
}

void run_aead(enum aead_impl impl, uint16_t version, enum tlsk_aead aead,
	      size_t bytes, struct result *r)
{
	size_t cap = AAD_LEN + REC + 256;
	uint8_t *in = calloc(1, cap), *out = calloc(1, cap);
	double t0, c0;
	int ret;

	memset(r, 0, sizeof(*r));
	r->status = RES_FAIL;
	bytes = (bytes + REC - 1) / REC * REC;	/* whole records */
	if (!in || !out) {
		snprintf(r->note, sizeof(r->note), "out of memory");
		goto out;
	}
	/* Untimed first pass of one record: under the VM, the first AF_ALG
	 * bind loads algif_aead and instantiates (and self-tests) the
	 * transform, which would otherwise dominate a small measurement. */
	for (size_t pass = REC;; pass = bytes) {
		t0 = now_secs();
		c0 = cpu_now();
		if (impl == AEAD_EVP)
			ret = evp_seal(version, aead, pass, in, out, cap, r);
		else
			ret = kernel_seal(aead, pass, in, out, r);
		if (ret < 0 || pass == bytes)
			break;
	}
	r->secs = now_secs() - t0;
	r->cpu_secs = cpu_now() - c0;
	if (ret == 0) {
		r->status = RES_OK;
		r->payload = r->wire = bytes;
	}
out:
	free(in);
	free(out);
}
