// SPDX-License-Identifier: MIT
/*
 * Key schedule and transcript against RFC 8448 ("Example Handshake Traces
 * for TLS 1.3"), byte for byte:
 *   section 3, "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256, x25519);
 *   section 4, "Resumed 0-RTT Handshake" (PSK early secret and binder).
 * Messages and secrets below are copied from the RFC's trace.
 */
#include "keysched.h"

#include "../../tests/tap.h"
#include "hex.h"

/* RFC 8448 3: {client} construct a ClientHello handshake message */
static const char rfc_ch[] =
	"010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283"
	"024dece7000006130113031302010000910000000b0009000006736572766572ff01"
	"000100000a00140012001d0017001800190100010101020103010400230000003300"
	"260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d541369"
	"1e529aaf2c002b0003020304000d0020001e04030503060302030804080508060401"
	"0501060102010402050206020202002d00020101001c00024001";
/* RFC 8448 3: {server} construct a ServerHello handshake message */
static const char rfc_sh[] =
	"020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772e"
	"d3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e1"
	"56d6cc253b833df1dd69b1b04e751f0f002b00020304";
/* EncryptedExtensions, Certificate, CertificateVerify */
static const char rfc_server_flight[] =
	"080000240022000a00140012001d00170018001901000101010201030104001c0002"
	"400100000000"
	"0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a8648"
	"86f70d01010b0500300e310c300a06035504031303727361301e170d313630373330"
	"3031323335395a170d3236303733303031323335395a300e310c300a060355040313"
	"0372736130819f300d06092a864886f70d010101050003818d0030818902818100b4"
	"bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a"
	"91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b"
	"018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6"
	"d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a3018"
	"30090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d"
	"01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d"
	"2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a030151567260"
	"96fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb"
	"2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4d"
	"e10000"
	"0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff"
	"52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4"
	"f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e81"
	"8e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3";
/* {server} calculate shared secret (x25519) */
static const char rfc_ecdhe[] =
	"8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";

struct rfc_state {
	struct transcript tr;
	const struct tlsk_suite *s;
	const EVP_MD *md;
	uint8_t early[48], hs[48], master[48], c_hs[48], s_hs[48];
};

static void add_hex(struct transcript *tr, const char *hex)
{
	uint8_t b[2048];

	tr_add(tr, b, unhex(hex, b, sizeof(b)));
}

static void rfc_handshake_secrets(struct rfc_state *st)
{
	uint8_t dhe[32], th[32];

	memset(st, 0, sizeof(*st));
	st->s = tlsk_suite_by_id(0x1301);
	st->md = st->s->md();
	unhex(rfc_ecdhe, dhe, sizeof(dhe));
	add_hex(&st->tr, rfc_ch);
	add_hex(&st->tr, rfc_sh);
	CHECK(!tlsk_early_secret(st->md, NULL, 0, st->early));
	CHECK(!tlsk_next_stage(st->md, st->early, dhe, 32, st->hs));
	CHECK(!tr_hash(&st->tr, st->md, th));
	CHECK(!tlsk_derive_secret(st->md, st->hs, "c hs traffic", th, st->c_hs));
	CHECK(!tlsk_derive_secret(st->md, st->hs, "s hs traffic", th, st->s_hs));
	CHECK(!tlsk_next_stage(st->md, st->hs, NULL, 0, st->master));
}

/* RFC 8448 3: {server} extract secret "early", "handshake"; derive secret
 * "tls13 c hs traffic", "tls13 s hs traffic"; extract secret "master" */
static void rfc8448_handshake_secrets(void)
{
	struct rfc_state st;
	uint8_t th[32];

	rfc_handshake_secrets(&st);
	CHECK(!tr_hash(&st.tr, st.md, th));
	CHECK(hex_eq(th, 32, "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f"
			     "02ed063cf0e1cad8"));
	CHECK(hex_eq(st.early, 32, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa"
				   "1f2660e1b22e10f170f92a"));
	CHECK(hex_eq(st.hs, 32, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691e"
				"d221a9f0ca043fbeac"));
	CHECK(hex_eq(st.c_hs, 32, "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f5"
				  "2e9600746a0e27a55a21"));
	CHECK(hex_eq(st.s_hs, 32, "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9"
				  "105d42befd59d391ad38"));
	CHECK(hex_eq(st.master, 32, "18df06843d13a08bf2a449844c5f8a478001bc4d4c"
				    "627984d5a41da8d0402919"));
	tr_free(&st.tr);
}

/* RFC 8448 3: {server} derive write traffic keys for handshake data,
 * {client} derive write traffic keys for handshake data */
static void rfc8448_handshake_keys(void)
{
	struct rfc_state st;
	uint8_t key[16], iv[12];

	rfc_handshake_secrets(&st);
	CHECK(!tlsk_traffic_key_iv(st.s, st.s_hs, key, iv));
	CHECK(hex_eq(key, 16, "3fce516009c21727d0f2e4e86ee403bc"));
	CHECK(hex_eq(iv, 12, "5d313eb2671276ee13000b30"));
	CHECK(!tlsk_traffic_key_iv(st.s, st.c_hs, key, iv));
	CHECK(hex_eq(key, 16, "dbfaa693d1762c5b666af5d950258d01"));
	CHECK(hex_eq(iv, 12, "5bd3c71b836e0b76bb73265f"));
	tr_free(&st.tr);
}

/* RFC 8448 3: {server} calculate finished "tls13 finished", derive secret
 * "tls13 c ap traffic"/"tls13 s ap traffic", application keys, client
 * Finished and "tls13 res master" */
static void rfc8448_finished_and_application_keys(void)
{
	struct rfc_state st;
	uint8_t th[32], fin[32], c_ap[32], s_ap[32], res[32], key[16], iv[12];
	uint8_t msg[36] = { 20, 0, 0, 32 };

	rfc_handshake_secrets(&st);
	add_hex(&st.tr, rfc_server_flight);
	CHECK(!tr_hash(&st.tr, st.md, th));
	CHECK(!tlsk_finished_mac(st.md, st.s_hs, th, fin));
	CHECK(hex_eq(fin, 32, "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7f"
			      "ffee5454b78f0718"));
	memcpy(msg + 4, fin, 32);
	tr_add(&st.tr, msg, sizeof(msg));
	CHECK(!tr_hash(&st.tr, st.md, th));
	CHECK(hex_eq(th, 32, "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae477"
			     "7a7686c9ff83df13"));
	CHECK(!tlsk_derive_secret(st.md, st.master, "c ap traffic", th, c_ap));
	CHECK(!tlsk_derive_secret(st.md, st.master, "s ap traffic", th, s_ap));
	CHECK(hex_eq(c_ap, 32, "9e40646ce79a7f9dc05af8889bce6552875afa0b06df00"
			       "87f792ebb7c17504a5"));
	CHECK(hex_eq(s_ap, 32, "a11af9f05531f856ad47116b45a950328204b4f44bfb6b"
			       "3a4b4f1f3fcb631643"));
	CHECK(!tlsk_traffic_key_iv(st.s, s_ap, key, iv));
	CHECK(hex_eq(key, 16, "9f02283b6c9c07efc26bb9f2ac92e356"));
	CHECK(hex_eq(iv, 12, "cf782b88dd83549aadf1e984"));
	CHECK(!tlsk_traffic_key_iv(st.s, c_ap, key, iv));
	CHECK(hex_eq(key, 16, "17422dda596ed5d9acd890e3c63f5051"));
	CHECK(hex_eq(iv, 12, "5b78923dee08579033e523d9"));

	CHECK(!tlsk_finished_mac(st.md, st.c_hs, th, fin));
	CHECK(hex_eq(fin, 32, "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e985"
			      "27b642f2edd5ce61"));
	memcpy(msg + 4, fin, 32);
	tr_add(&st.tr, msg, sizeof(msg));
	CHECK(!tr_hash(&st.tr, st.md, th));
	CHECK(!tlsk_derive_secret(st.md, st.master, "res master", th, res));
	CHECK(hex_eq(res, 32, "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d"
			      "5aba46c434ec196c"));
	tr_free(&st.tr);
}

/* RFC 8448 4: resumption PSK from ticket nonce 0000, its early secret, and
 * the binder over the truncated ClientHello (hash given in the trace) */
static void rfc8448_resumption_binder(void)
{
	const EVP_MD *md = EVP_sha256();
	uint8_t res[32], psk[32], early[32], bkey[32], empty[32], th[32];
	uint8_t binder[32];
	static const uint8_t nonce[2] = { 0, 0 };

	unhex("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c",
	      res, sizeof(res));
	CHECK(!tlsk_hkdf_expand_label(md, res, "resumption", nonce, 2, psk, 32));
	CHECK(hex_eq(psk, 32, "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9"
			      "e62d2c9492e1c4f3"));
	CHECK(!tlsk_early_secret(md, psk, 32, early));
	CHECK(hex_eq(early, 32, "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa"
				"839cbb797cb7d8332c"));
	CHECK(EVP_Digest("", 0, empty, NULL, md, NULL));
	CHECK(!tlsk_derive_secret(md, early, "res binder", empty, bkey));
	unhex("63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14",
	      th, sizeof(th));
	CHECK(!tlsk_finished_mac(md, bkey, th, binder));
	CHECK(hex_eq(binder, 32, "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c592"
				 "4d57bb6fa31b9e5f9d"));
}

static void collapse_prefix_makes_message_hash(void)
{
	struct transcript tr = { 0 };
	const EVP_MD *md = EVP_sha256();
	uint8_t h[32];

	tr_add(&tr, (const uint8_t *)"\x01\x00\x00\x01x", 5);
	tr_add(&tr, (const uint8_t *)"\x02\x00\x00\x01y", 5);
	CHECK(!tr_collapse_prefix(&tr, md, 5));
	CHECK(tr.msgs.len == 4 + 32 + 5 && tr.msgs.p[0] == 254);
	CHECK(tr.msgs.p[3] == 32);
	EVP_Digest("\x01\x00\x00\x01x", 5, h, NULL, md, NULL);
	CHECK(!memcmp(tr.msgs.p + 4, h, 32));
	tr_free(&tr);
}

int main(void)
{
	RUN(rfc8448_handshake_secrets);
	RUN(rfc8448_handshake_keys);
	RUN(rfc8448_finished_and_application_keys);
	RUN(rfc8448_resumption_binder);
	RUN(collapse_prefix_makes_message_hash);
	return tap_done();
}
