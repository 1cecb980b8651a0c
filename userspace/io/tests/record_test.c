// SPDX-License-Identifier: MIT
/*
 * Known-answer tests of the userspace record layer against OpenSSL's libssl
 * (an independent implementation): for every version x AEAD, records libssl
 * writes must open with our code, records we seal must be accepted by
 * libssl, and the sequence numbers must stay in step on both sides.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/tap.h"
#include "ssl_peer.h"
#include "testnet.h"
#include "tlsk/record.h"

static const struct variant *cur;
static const size_t msg_sizes[] = { 1, 1000, TLSK_RECORD_MAX_PLAINTEXT };

/* Opens every record in raw[0..len) with r, appending plaintext to out. */
static size_t open_all(struct tlsk_record *r, uint8_t *raw, size_t len,
		       uint8_t *out, uint8_t want_type)
{
	size_t off = 0, got = 0;

	while (off + TLSK_RECORD_HEADER_LEN <= len) {
		int body = tlsk_record_body_len(r, raw + off), n;
		uint8_t type, *pt;

		CHECK(body > 0);
		if (body <= 0)
			return got;
		n = tlsk_record_open(r, raw + off,
				     TLSK_RECORD_HEADER_LEN + (size_t)body,
				     &type, &pt);
		CHECK(n >= 0);
		CHECK(type == want_type);
		if (n < 0)
			return got;
		memcpy(out + got, pt, (size_t)n);
		got += (size_t)n;
		off += TLSK_RECORD_HEADER_LEN + (size_t)body;
	}
	CHECK(off == len);
	return got;
}

static uint8_t *read_bio(BIO *bio, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	uint8_t *copy = malloc(n > 0 ? (size_t)n : 1);

	memcpy(copy, data, n > 0 ? (size_t)n : 0);
	*len = n > 0 ? (size_t)n : 0;
	(void)BIO_reset(bio);
	return copy;
}

/* libssl client -> our record layer with the client's write keys. */
static void libssl_seals_we_open(void)
{
	struct ssl_peer p;
	struct tlsk_record *rx;
	uint8_t msg[TLSK_RECORD_MAX_PLAINTEXT], got[TLSK_RECORD_MAX_PLAINTEXT];
	size_t pad = cur->version == 0x0304 ? 64 : 0;

	CHECK(ssl_peer_connect(&p, cur->version, cur->aead, cur->suite,
			       pad) == 0);
	rx = tlsk_record_new(&p.client_write, 0);
	CHECK(rx != NULL);
	for (size_t i = 0; rx && i < 3; i++) {
		size_t raw_len, n;
		uint8_t *raw;

		fill_pattern(msg, msg_sizes[i], (unsigned int)i);
		CHECK(SSL_write(p.client, msg, (int)msg_sizes[i]) ==
		      (int)msg_sizes[i]);
		raw = read_bio(p.client_out, &raw_len);
		n = open_all(rx, raw, raw_len, got,
			     TLSK_CT_APPLICATION_DATA);
		CHECK(n == msg_sizes[i] && !memcmp(got, msg, n));
		free(raw);
	}
	CHECK(rx && tlsk_record_seq(rx) == p.client_write.seq + 3);
	tlsk_record_free(rx);
	ssl_peer_free(&p);
}

/* Our record layer with the server's write keys -> libssl client. */
static void we_seal_libssl_opens(void)
{
	static uint8_t rec[TLSK_RECORD_MAX_LEN];
	uint8_t msg[TLSK_RECORD_MAX_PLAINTEXT], got[TLSK_RECORD_MAX_PLAINTEXT];
	static const uint8_t close_notify[2] = { 1, 0 };
	struct tlsk_record *tx;
	struct ssl_peer p;
	int n;

	CHECK(ssl_peer_connect(&p, cur->version, cur->aead, cur->suite,
			       0) == 0);
	tx = tlsk_record_new(&p.server_write, 1);
	CHECK(tx != NULL);
	for (size_t i = 0; tx && i < 3; i++) {
		fill_pattern(msg, msg_sizes[i], (unsigned int)i + 7);
		n = tlsk_record_seal(tx, TLSK_CT_APPLICATION_DATA, msg,
				     msg_sizes[i], rec, sizeof(rec));
		CHECK(n == (int)tlsk_record_sealed_len(tx, msg_sizes[i]));
		BIO_write(p.client_in, rec, n);
		CHECK(SSL_read(p.client, got, sizeof(got)) ==
		      (int)msg_sizes[i]);
		CHECK(!memcmp(got, msg, msg_sizes[i]));
	}
	/* A close_notify we send must read as a clean EOF in libssl. */
	n = tx ? tlsk_record_seal(tx, TLSK_CT_ALERT, close_notify, 2, rec,
				  sizeof(rec)) : -1;
	CHECK(n > 0);
	BIO_write(p.client_in, rec, n > 0 ? n : 0);
	CHECK(SSL_read(p.client, got, sizeof(got)) == 0);
	CHECK(SSL_get_error(p.client, 0) == SSL_ERROR_ZERO_RETURN);
	tlsk_record_free(tx);
	ssl_peer_free(&p);
}

/* libssl's close_notify opens as an alert record {warning, close_notify}. */
static void libssl_close_notify_opens(void)
{
	struct ssl_peer p;
	struct tlsk_record *rx;
	uint8_t got[16], *raw;
	size_t raw_len;

	CHECK(ssl_peer_connect(&p, cur->version, cur->aead, cur->suite,
			       0) == 0);
	rx = tlsk_record_new(&p.client_write, 0);
	SSL_shutdown(p.client);
	raw = read_bio(p.client_out, &raw_len);
	CHECK(rx && open_all(rx, raw, raw_len, got, TLSK_CT_ALERT) == 2);
	CHECK(got[0] == TLSK_ALERT_LEVEL_WARNING &&
	      got[1] == TLSK_ALERT_CLOSE_NOTIFY);
	free(raw);
	tlsk_record_free(rx);
	ssl_peer_free(&p);
}

/* A flipped bit anywhere in the record, or a skipped sequence number, is
 * bad_record_mac. */
static void tamper_and_reorder_fail(void)
{
	static uint8_t rec[TLSK_RECORD_MAX_LEN], copy[TLSK_RECORD_MAX_LEN];
	struct ssl_peer p;
	struct tlsk_record *tx, *rx;
	uint8_t type, *pt;
	int n;

	CHECK(ssl_peer_connect(&p, cur->version, cur->aead, cur->suite,
			       0) == 0);
	tx = tlsk_record_new(&p.client_write, 1);
	rx = tlsk_record_new(&p.client_write, 0);
	n = tlsk_record_seal(tx, TLSK_CT_APPLICATION_DATA,
			     (const uint8_t *)"hello", 5, rec, sizeof(rec));
	CHECK(n > 0);
	for (int pos = TLSK_RECORD_HEADER_LEN; n > 0 && pos < n; pos += 3) {
		memcpy(copy, rec, (size_t)n);
		copy[pos] ^= 0x01;
		CHECK(tlsk_record_open(rx, copy, (size_t)n, &type, &pt) ==
		      -EBADMSG);
	}
	CHECK(tlsk_record_seq(rx) == p.client_write.seq);
	/* Sealed with seq+1 but opened at seq: the AAD/nonce differ. */
	n = tlsk_record_seal(tx, TLSK_CT_APPLICATION_DATA,
			     (const uint8_t *)"world", 5, rec, sizeof(rec));
	CHECK(n > 0 && tlsk_record_open(rx, rec, (size_t)n, &type, &pt) ==
			       -EBADMSG);
	tlsk_record_free(tx);
	tlsk_record_free(rx);
	ssl_peer_free(&p);
}

static struct tlsk_traffic_keys test_keys(uint16_t version)
{
	struct tlsk_traffic_keys k = {
		.version = version, .aead = TLSK_AEAD_AES_128_GCM,
		.key_len = 16, .iv_len = version == 0x0304 ? 12 : 4,
	};

	fill_pattern(k.key, sizeof(k.key), 3);
	fill_pattern(k.iv, sizeof(k.iv), 5);
	return k;
}

static void size_limits(void)
{
	static uint8_t buf[TLSK_RECORD_MAX_LEN + 16], big[16385];
	struct tlsk_traffic_keys k = test_keys(0x0304);
	struct tlsk_record *tx = tlsk_record_new(&k, 1);
	struct tlsk_record *rx = tlsk_record_new(&k, 0);
	uint8_t hdr[5] = { 23, 3, 3, 0, 0 };

	CHECK(tlsk_record_seal(tx, 23, big, sizeof(big), buf, sizeof(buf)) ==
	      -EMSGSIZE);
	CHECK(tlsk_record_seal(tx, 23, big, 100, buf, 100) == -ENOBUFS);
	CHECK(tlsk_record_seq(tx) == 0);
	/* RFC 8446 5.2: at most 2^14 + 256 bytes of ciphertext. */
	hdr[3] = (16384 + 256) >> 8, hdr[4] = (16384 + 256) & 0xff;
	CHECK(tlsk_record_body_len(rx, hdr) == 16384 + 256);
	hdr[4]++;
	CHECK(tlsk_record_body_len(rx, hdr) == -EMSGSIZE);
	hdr[3] = 0, hdr[4] = 16;	/* no room for the inner type byte */
	CHECK(tlsk_record_body_len(rx, hdr) == -EBADMSG);
	hdr[4] = 17;
	CHECK(tlsk_record_body_len(rx, hdr) == 17);
	hdr[0] = TLSK_CT_HANDSHAKE;	/* TLS 1.3 outer type is always 23 */
	CHECK(tlsk_record_body_len(rx, hdr) == -EPROTO);
	hdr[0] = 23, hdr[2] = 1;	/* legacy_record_version 0x0301 */
	CHECK(tlsk_record_body_len(rx, hdr) == -EPROTONOSUPPORT);
	tlsk_record_free(tx);
	tlsk_record_free(rx);
}

static void tls12_header_rules(void)
{
	struct tlsk_traffic_keys k = test_keys(0x0303);
	struct tlsk_record *rx = tlsk_record_new(&k, 0);
	uint8_t hdr[5] = { TLSK_CT_HANDSHAKE, 3, 3, 0, 24 };

	CHECK(tlsk_record_body_len(rx, hdr) == 24);	/* explicit + tag */
	hdr[4] = 23;
	CHECK(tlsk_record_body_len(rx, hdr) == -EBADMSG);
	hdr[0] = TLSK_CT_CHANGE_CIPHER_SPEC, hdr[4] = 30;
	CHECK(tlsk_record_body_len(rx, hdr) == -EPROTO);
	hdr[0] = 24;			/* heartbeat (RFC 6520) */
	CHECK(tlsk_record_body_len(rx, hdr) == -EPROTO);
	hdr[0] = 0;
	CHECK(tlsk_record_body_len(rx, hdr) == -EPROTO);
	hdr[0] = TLSK_CT_ALERT, hdr[3] = (16384 + 2049) >> 8;
	hdr[4] = (16384 + 2049) & 0xff;
	CHECK(tlsk_record_body_len(rx, hdr) == -EMSGSIZE);
	tlsk_record_free(rx);
}

/* An inner plaintext of only zeros has no content type: unexpected_message.
 * Sealing content type 0 with no content produces exactly that. */
static void tls13_all_padding_rejected(void)
{
	struct tlsk_traffic_keys k = test_keys(0x0304);
	struct tlsk_record *tx = tlsk_record_new(&k, 1);
	struct tlsk_record *rx = tlsk_record_new(&k, 0);
	uint8_t rec[64], type, *pt;
	int n = tlsk_record_seal(tx, 0, NULL, 0, rec, sizeof(rec));

	CHECK(n == 5 + 1 + 16);
	CHECK(tlsk_record_open(rx, rec, (size_t)n, &type, &pt) == -EPROTO);
	/* Empty application data is legal; the failed open above did not
	 * use up sequence number 0, so a receiver at 1 opens record 1. */
	n = tlsk_record_seal(tx, TLSK_CT_APPLICATION_DATA, NULL, 0, rec,
			     sizeof(rec));
	k.seq = 1;
	tlsk_record_free(rx);
	rx = tlsk_record_new(&k, 0);
	CHECK(tlsk_record_open(rx, rec, (size_t)n, &type, &pt) == 0);
	CHECK(type == TLSK_CT_APPLICATION_DATA);
	tlsk_record_free(tx);
	tlsk_record_free(rx);
}

static void sequence_never_wraps(void)
{
	struct tlsk_traffic_keys k = test_keys(0x0303);
	struct tlsk_record *tx;
	uint8_t rec[64];

	k.seq = UINT64_MAX - 1;
	tx = tlsk_record_new(&k, 1);
	CHECK(tlsk_record_seal(tx, 23, (const uint8_t *)"x", 1, rec,
			       sizeof(rec)) > 0);
	CHECK(tlsk_record_seq(tx) == UINT64_MAX);
	CHECK(tlsk_record_seal(tx, 23, (const uint8_t *)"x", 1, rec,
			       sizeof(rec)) == -EOVERFLOW);
	tlsk_record_free(tx);
}

static void bad_keys_refused(void)
{
	struct tlsk_traffic_keys k = test_keys(0x0304);

	k.key_len = 32;		/* AES-128 with a 256-bit key */
	CHECK(tlsk_record_new(&k, 1) == NULL && errno == EINVAL);
	k = test_keys(0x0303);
	k.iv_len = 12;		/* TLS 1.2 GCM takes a 4-byte salt */
	CHECK(tlsk_record_new(&k, 1) == NULL);
	k = test_keys(0x0302);
	CHECK(tlsk_record_new(&k, 1) == NULL);
	k = test_keys(0x0304);
	k.aead = 99;
	CHECK(tlsk_record_new(&k, 1) == NULL);
}

static void run_variant(const char *what, void (*fn)(void))
{
	char name[96];

	for (size_t i = 0; i < test_variant_count; i++) {
		cur = &test_variants[i];
		snprintf(name, sizeof(name), "%s %s", what, cur->name);
		tap_run(name, fn);
	}
}

int main(void)
{
	run_variant("libssl_seals_we_open", libssl_seals_we_open);
	run_variant("we_seal_libssl_opens", we_seal_libssl_opens);
	run_variant("libssl_close_notify_opens", libssl_close_notify_opens);
	run_variant("tamper_and_reorder_fail", tamper_and_reorder_fail);
	RUN(size_limits);
	RUN(tls12_header_rules);
	RUN(tls13_all_padding_rejected);
	RUN(sequence_never_wraps);
	RUN(bad_keys_refused);
	return tap_done();
}
