// SPDX-License-Identifier: MIT
/* TLS 1.2 suite table properties and the OpenSSL-style list parser. */
#include "tls12_suites.h"

#include <errno.h>
#include <string.h>

#include <openssl/ssl.h>

#include "../../tests/tap.h"

/* Every entry agrees with OpenSSL's libssl on number and name (RFC 5288,
 * RFC 7905 and the IANA registry are its sources too), and its sizes with
 * the AEAD it names. */
static void table_matches_libssl(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	SSL *ssl = SSL_new(ctx);
	const struct tls12_suite *s;

	for (size_t i = 0; (s = tls12_suite_at(i)); i++) {
		uint8_t id[2] = { (uint8_t)(s->id >> 8), (uint8_t)s->id };
		const SSL_CIPHER *c = SSL_CIPHER_find(ssl, id);

		CHECK(c != NULL);
		if (!c)
			continue;
		CHECK(!strcmp(SSL_CIPHER_get_name(c), s->name));
		CHECK(!strcmp(SSL_CIPHER_standard_name(c), s->iana_name));
		CHECK(SSL_CIPHER_is_aead(c));
		CHECK(EVP_MD_get_size(s->md()) == (int)s->hash_len);
		CHECK(SSL_CIPHER_get_handshake_digest(c) &&
		      EVP_MD_get_type(SSL_CIPHER_get_handshake_digest(c)) ==
			      EVP_MD_get_type(s->md()));
		CHECK((SSL_CIPHER_get_kx_nid(c) == NID_kx_rsa) ==
		      (s->kx == TLS12_KX_RSA));
		CHECK(s->needs_profile == (s->kx == TLS12_KX_RSA));
		CHECK((SSL_CIPHER_get_auth_nid(c) == NID_auth_ecdsa) ==
		      (s->auth == TLS12_AUTH_ECDSA));
		CHECK(s->fixed_iv_len + s->explicit_nonce_len == 12);
		CHECK(s->key_len == (s->aead == TLSK_AEAD_AES_128_GCM ? 16 : 32));
		CHECK(tls12_suite_by_id(s->id) == s);
		CHECK(tls12_suite_by_name(s->name) == s);
		CHECK(tls12_suite_by_name(s->iana_name) == s);
	}
	CHECK(tls12_suite_by_id(0x1301) == NULL);
	CHECK(tls12_suite_by_id(0xc027) == NULL);	/* CBC: not carried */
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

static void parse_list_in_order(void)
{
	uint16_t ids[TLS12_MAX_SUITES];
	char why[160];
	int n = tls12_parse_cipher_list(
		"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256,"
		"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 "
		"ECDHE-ECDSA-AES128-GCM-SHA256::",
		0, ids, TLS12_MAX_SUITES, why, sizeof(why));

	CHECK(n == 3);
	CHECK(ids[0] == 0xc030 && ids[1] == 0xc02b && ids[2] == 0xcca8);
	CHECK(why[0] == '\0');
}

static int parse_fails(const char *list, unsigned flags, const char *says)
{
	uint16_t ids[TLS12_MAX_SUITES];
	char why[160];
	int n = tls12_parse_cipher_list(list, flags, ids, TLS12_MAX_SUITES,
					why, sizeof(why));

	if (n >= 0 || !strstr(why, says)) {
		printf("# '%s' gave %d: %s\n", list, n, why);
		return 0;
	}
	return 1;
}

static void parse_rejections(void)
{
	CHECK(parse_fails("", 0, "empty"));
	CHECK(parse_fails(": ,", 0, "empty"));
	CHECK(parse_fails("ECDHE-RSA-AES128-SHA256", 0, "unsupported"));
	CHECK(parse_fails("ECDHE-ECDSA-AES128-GCM-SHA256:bogus", 0, "'bogus'"));
	CHECK(parse_fails("TLS_AES_128_GCM_SHA256", 0, "TLS 1.3"));
	CHECK(parse_fails("HIGH:!aNULL", 0, "HIGH"));
	CHECK(parse_fails("!aNULL", 0, "operators"));
	CHECK(parse_fails("AES128-GCM-SHA256", 0, "RSA key transport"));
	CHECK(parse_fails("ecdhe-ecdsa-aes128-gcm-sha256", 0, "unknown"));
	CHECK(parse_fails("ECDHE-ECDSA-AES128-GCM-SHA256-AND-A-VERY-LONG-NAME-"
			  "THAT-GOES-ON-AND-ON", 0, "too long"));
}

static void rsa_kx_needs_flag(void)
{
	uint16_t ids[2];
	char why[160];

	CHECK(tls12_parse_cipher_list("AES256-GCM-SHA384", TLS12_LIST_ALLOW_RSA_KX,
				      ids, 2, why, sizeof(why)) == 1);
	CHECK(ids[0] == 0x009d);
	CHECK(tls12_parse_cipher_list("AES256-GCM-SHA384:AES128-GCM-SHA256:"
				      "ECDHE-RSA-AES128-GCM-SHA256",
				      TLS12_LIST_ALLOW_RSA_KX, ids, 2, why,
				      sizeof(why)) == -E2BIG);
}

int main(void)
{
	RUN(table_matches_libssl);
	RUN(parse_list_in_order);
	RUN(parse_rejections);
	RUN(rsa_kx_needs_flag);
	return tap_done();
}
