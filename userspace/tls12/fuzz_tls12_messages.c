// SPDX-License-Identifier: MIT
/*
 * The TLS 1.2 message parsers (tls12_msgs.h) and the cipher-list parser.
 * The first byte picks the parser, the rest is the input. Beyond "no
 * crash, no leak": whatever a parser accepts must re-encode, with our
 * writers, to exactly the bytes it was given, so parser and writer agree
 * on every layout.
 */
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "tls12_msgs.h"
#include "tls12_suites.h"

/* the writer's output must be the parsed input */
static void same_bytes(const struct buf *b, const uint8_t *p, size_t len)
{
	if (b->bad || b->len != len || (len && memcmp(b->p, p, len) != 0))
		abort();
}

static void ske(const uint8_t *p, size_t len)
{
	struct tls12_ske m;
	struct buf b = { 0 };

	if (tls12_ske_parse(p, len, &m))
		return;
	tls12_ske_put_params(&b, m.group, m.point, m.point_len);
	tls12_signed_put(&b, m.sig.sigalg, m.sig.sig, m.sig.sig_len);
	same_bytes(&b, p, len);
	buf_free(&b);
}

static void cert_request(const uint8_t *p, size_t len)
{
	struct tls12_cert_request m;
	const uint8_t *der;
	size_t der_len, n = 0;
	struct rd it;

	if (tls12_cert_request_parse(p, len, &m))
		return;
	rd_init(&it, m.cas, m.cas_len);
	while (tls12_ca_next(&it, &der, &der_len))
		n++;
	if (n != m.ncas || !rd_done(&it) ||
	    tls12_cert_request_sigalg(&m, m.nsigalgs) != 0)
		abort();
}

static void cert_verify(const uint8_t *p, size_t len)
{
	struct tls12_signed m;
	struct buf b = { 0 };

	if (tls12_cert_verify_parse(p, len, &m))
		return;
	tls12_signed_put(&b, m.sigalg, m.sig, m.sig_len);
	same_bytes(&b, p, len);
	buf_free(&b);
}

static void cke_ecdhe(const uint8_t *p, size_t len)
{
	static const uint16_t groups[] = { 0x001d, 0x0017, 0x0018 };
	const uint8_t *point;
	size_t point_len;
	struct buf b = { 0 };

	if (!len || tls12_cke_ecdhe_parse(p + 1, len - 1, groups[p[0] % 3],
					  &point, &point_len))
		return;
	tls12_cke_ecdhe_put(&b, point, point_len);
	same_bytes(&b, p + 1, len - 1);
	buf_free(&b);
}

static void cke_rsa(const uint8_t *p, size_t len)
{
	const uint8_t *enc;
	size_t enc_len;
	struct buf b = { 0 };

	if (tls12_cke_rsa_parse(p, len, &enc, &enc_len))
		return;
	tls12_cke_rsa_put(&b, enc, enc_len);
	same_bytes(&b, p, len);
	buf_free(&b);
}

static void nst(const uint8_t *p, size_t len)
{
	const uint8_t *ticket;
	size_t ticket_len;
	uint32_t hint;
	struct buf b = { 0 };

	if (tls12_nst_parse(p, len, &hint, &ticket, &ticket_len))
		return;
	tls12_nst_put(&b, hint, ticket, ticket_len);
	same_bytes(&b, p, len);
	buf_free(&b);
}

static void hello_extras(const uint8_t *p, size_t len)
{
	struct buf b = { 0 };

	if (!tls12_reneg_info_check_initial(p, len)) {
		tls12_reneg_info_put_initial(&b);
		same_bytes(&b, p, len);
		buf_free(&b);
	}
	tls12_empty_parse(p, len);
	tls12_offers_reneg_scsv(p, len & ~(size_t)1);
	if (len >= 36)
		tls12_downgrade_detected(p, (uint16_t)(p[32] << 8 | p[33]),
					 (uint16_t)(p[34] << 8 | p[35]));
}

static void cipher_list(const uint8_t *p, size_t len)
{
	char *list = malloc(len + 1), why[160];
	uint16_t ids[TLS12_MAX_SUITES];

	if (!list)
		return;
	memcpy(list, p, len);
	list[len] = '\0';
	if (tls12_parse_cipher_list(list, len & 1 ? TLS12_LIST_ALLOW_RSA_KX : 0,
				    ids, TLS12_MAX_SUITES, why,
				    sizeof(why)) > TLS12_MAX_SUITES)
		abort();
	free(list);
}

static void (*const parsers[])(const uint8_t *p, size_t len) = {
	ske, cert_request, cert_verify, cke_ecdhe, cke_rsa, nst,
	hello_extras, cipher_list,
};

#define NPARSERS (sizeof(parsers) / sizeof(parsers[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size)
		parsers[data[0] % NPARSERS](data + 1, size - 1);
	return 0;
}

/* one well-formed message per parser, built with the writers */
static size_t seed_message(unsigned i, struct buf *b)
{
	static const uint8_t point[65] = { 0x04, 1, 2, 3 };
	static const uint8_t sig[8] = { 0x30, 6 }, types[] = { 1, 64 };
	static const uint16_t algs[] = { 0x0403, 0x0804 };
	static const char list[] = "ECDHE-ECDSA-AES128-GCM-SHA256:"
				   "AES128-GCM-SHA256";

	switch (i) {
	case 0:
		tls12_ske_put_params(b, 0x0017, point, sizeof(point));
		tls12_signed_put(b, 0x0403, sig, sizeof(sig));
		break;
	case 1:
		/* no names from the writer, then a list of one 3-byte
		 * name in their place */
		tls12_cert_request_put(b, types, 2, algs, 2, NULL);
		b->len -= 2;
		buf_put(b, "\x00\x05\x00\x03\x30\x01\x00", 7);
		break;
	case 2:
		tls12_signed_put(b, 0x0804, sig, sizeof(sig));
		break;
	case 3:
		buf_u8(b, 1);	/* secp256r1 */
		tls12_cke_ecdhe_put(b, point, sizeof(point));
		break;
	case 4:
		tls12_cke_rsa_put(b, point, 64);
		break;
	case 5:
		tls12_nst_put(b, 7200, point, 16);
		break;
	case 6:
		tls12_reneg_info_put_initial(b);
		break;
	case 7:
		buf_put(b, list, sizeof(list) - 1);
		break;
	default:
		return 0;
	}
	return b->bad ? 0 : b->len;
}

size_t fuzz_seed(unsigned i, uint8_t *buf, size_t cap)
{
	struct buf b = { 0 };
	size_t n;

	buf_u8(&b, (uint8_t)i);
	n = seed_message(i, &b);
	if (n > cap)
		n = 0;
	if (n)
		memcpy(buf, b.p, n);
	buf_free(&b);
	return n;
}
