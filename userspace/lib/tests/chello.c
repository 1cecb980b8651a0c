// SPDX-License-Identifier: MIT
#include "chello.h"

#include <string.h>

#include "alerts.h"

#define REC_MAX 16384

/* RFC 7748 6.1: Alice's X25519 public key, a valid share */
static const uint8_t x25519_share[32] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d,
	0xdc, 0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38,
	0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};

/* what the standard extensions leave out, or change */
enum {
	TLS13 = 1,		/* supported_versions 1.3, 1.2; key_share */
	NO_EMS = 2,
	NO_SIGALGS = 4,		/* the case brings its own */
	ONLY_12 = 8,		/* supported_versions: 1.2 alone */
	SCSV = 16,		/* TLS_FALLBACK_SCSV among the suites */
	STD_DONE = 64,		/* the case put the standard ones itself */
};

struct ch {
	uint16_t record_version, legacy_version;
	struct buf exts;
	unsigned flags;
	const uint8_t *comp;	/* compression methods (default: null) */
	size_t ncomp;
};

static void ext(struct ch *c, uint16_t type, const struct buf *data)
{
	buf_u16(&c->exts, type);
	buf_u16(&c->exts, (uint16_t)data->len);
	buf_put(&c->exts, data->p, data->len);
}

static void ext_u16_list(struct ch *c, uint16_t type, size_t lenbytes,
			 const uint16_t *v, size_t n)
{
	struct buf d = { 0 };
	size_t pos = buf_open_vec(&d, lenbytes);

	for (size_t i = 0; i < n; i++)
		buf_u16(&d, v[i]);
	buf_close_vec(&d, pos, lenbytes);
	ext(c, type, &d);
	buf_free(&d);
}

static void ext_empty(struct ch *c, uint16_t type)
{
	buf_u16(&c->exts, type);
	buf_u16(&c->exts, 0);
}

/* n empty extensions of unknown (unassigned) types */
static void unknown_exts(struct ch *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ext_empty(c, (uint16_t)(0x4000 + i));
}

static void ch_init(struct ch *c, unsigned flags)
{
	memset(c, 0, sizeof(*c));
	c->record_version = 0x0301;
	c->legacy_version = 0x0303;
	c->flags = flags;
}

/* the usual extensions, after the case's own */
static void std_exts(struct ch *c)
{
	static const uint16_t v13[] = { 0x0304, 0x0303 }, v12[] = { 0x0303 };
	static const uint16_t groups[] = { 0x001d, 0x0017 };
	static const uint16_t sigalgs[] = { 0x0403, 0x0804 };
	static const uint8_t points[] = { 1, 0 }, reneg[] = { 0 };
	struct buf d = { 0 };

	if (c->flags & (TLS13 | ONLY_12)) {
		if (c->flags & ONLY_12)
			ext_u16_list(c, 43, 1, v12, 1);
		else
			ext_u16_list(c, 43, 1, v13, 2);
	}
	ext_u16_list(c, 10, 2, groups, 2);
	if (!(c->flags & NO_SIGALGS))
		ext_u16_list(c, 13, 2, sigalgs, 2);
	if (c->flags & TLS13) {
		size_t list = buf_open_vec(&d, 2), key;

		buf_u16(&d, 0x001d);
		key = buf_open_vec(&d, 2);
		buf_put(&d, x25519_share, sizeof(x25519_share));
		buf_close_vec(&d, key, 2);
		buf_close_vec(&d, list, 2);
		ext(c, 51, &d);
	}
	buf_reset(&d);
	buf_put(&d, points, sizeof(points));
	ext(c, 11, &d);
	if (!(c->flags & NO_EMS))
		ext_empty(c, 23);
	buf_reset(&d);
	buf_put(&d, reneg, sizeof(reneg));
	ext(c, 0xff01, &d);
	buf_free(&d);
}

/* the message, cut into records; `exts_len_delta` skews the extensions
 * block's length (malformations) */
static void emit_skewed(struct ch *c, struct buf *out, int exts_len_delta)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0xc02b, 0xc02f };
	struct buf m = { 0 };
	size_t pos;

	if (!(c->flags & STD_DONE))
		std_exts(c);
	buf_u8(&m, 1);
	pos = buf_open_vec(&m, 3);
	buf_u16(&m, c->legacy_version);
	for (int i = 0; i < 32; i++)
		buf_u8(&m, (uint8_t)(i * 7));
	buf_u8(&m, 0);				/* session ID */
	buf_u16(&m, (uint16_t)(2 * (4 + !!(c->flags & SCSV))));
	for (size_t i = 0; i < 4; i++)
		buf_u16(&m, suites[i]);
	if (c->flags & SCSV)
		buf_u16(&m, 0x5600);
	if (c->comp) {
		buf_u8(&m, (uint8_t)c->ncomp);
		buf_put(&m, c->comp, c->ncomp);
	} else {
		buf_u8(&m, 1);
		buf_u8(&m, 0);			/* null compression */
	}
	buf_u16(&m, (uint16_t)((int)c->exts.len + exts_len_delta));
	buf_put(&m, c->exts.p, c->exts.len);
	buf_close_vec(&m, pos, 3);
	for (size_t off = 0; off < m.len; off += REC_MAX) {
		size_t n = m.len - off < REC_MAX ? m.len - off : REC_MAX;

		buf_u8(out, 22);
		buf_u16(out, c->record_version);
		buf_u16(out, (uint16_t)n);
		buf_put(out, m.p + off, n);
	}
	buf_free(&m);
	buf_free(&c->exts);
}

static void emit(struct ch *c, struct buf *out)
{
	emit_skewed(c, out, 0);
}

/* ---- the cases ---- */

static void tls13(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	emit(&c, out);
}

static void tls12(struct buf *out)
{
	struct ch c;

	ch_init(&c, 0);
	emit(&c, out);
}

static void unknown_63(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	unknown_exts(&c, 63);
	emit(&c, out);
}

static void unknown_1024(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	unknown_exts(&c, 1024);
	emit(&c, out);
}

/* as many as fit in the 2^16-1 bytes of the extensions block */
static void unknown_16000(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	unknown_exts(&c, 16000);
	emit(&c, out);
}

static void unknown_1024_tls12(struct buf *out)
{
	struct ch c;

	ch_init(&c, 0);
	unknown_exts(&c, 1024);
	emit(&c, out);
}

static void duplicate_unknown(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	unknown_exts(&c, 100);
	ext_empty(&c, 0x4010);
	emit(&c, out);
}

static void duplicate_known(struct buf *out)
{
	static const uint16_t groups[] = { 0x001d };
	struct ch c;

	ch_init(&c, TLS13);
	ext_u16_list(&c, 10, 2, groups, 1);
	unknown_exts(&c, 1000);
	emit(&c, out);		/* std_exts adds supported_groups again */
}

/* the last extension claims 10 bytes; the block holds 2 */
static void extension_past_block(struct buf *out)
{
	static const uint8_t two[] = { 0, 0 };
	struct ch c;

	ch_init(&c, TLS13 | STD_DONE);
	std_exts(&c);
	buf_u16(&c.exts, 0x4444);
	buf_u16(&c.exts, 10);
	buf_put(&c.exts, two, sizeof(two));
	emit(&c, out);
}

/* signature_algorithms whose list claims 2 bytes more than it holds */
static void sigalgs_past_extension(struct buf *out)
{
	static const uint8_t bad[] = { 0, 4, 4, 3 };
	struct ch c;
	struct buf d = { 0 };

	ch_init(&c, TLS13 | NO_SIGALGS);
	buf_put(&d, bad, sizeof(bad));
	ext(&c, 13, &d);
	buf_free(&d);
	emit(&c, out);
}

/* the extensions block claims 4 bytes more than the message holds */
static void extensions_past_message(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	emit_skewed(&c, out, 4);
}

static void sigalgs_list(struct ch *c, uint16_t type, size_t junk,
			 uint16_t last)
{
	struct buf d = { 0 };
	size_t pos = buf_open_vec(&d, 2);

	for (size_t i = 0; i < junk; i++) {
		/* unknown values, and usable-elsewhere ones repeated */
		static const uint16_t mix[] = { 0x0401, 0x0804, 0xfe00,
						0x0101, 0x0203, 0x0805 };

		buf_u16(&d, i % 3 ? mix[i % 6] : (uint16_t)(0x7000 + i));
	}
	if (last)
		buf_u16(&d, last);
	buf_close_vec(&d, pos, 2);
	ext(c, type, &d);
	buf_free(&d);
}

static void sigalgs_2000_then_ecdsa(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13 | NO_SIGALGS);
	sigalgs_list(&c, 13, 2000, 0x0403);
	emit(&c, out);
}

static void sigalgs_2000_then_ecdsa_tls12(struct buf *out)
{
	struct ch c;

	ch_init(&c, NO_SIGALGS);
	sigalgs_list(&c, 13, 2000, 0x0403);
	emit(&c, out);
}

static void sigalgs_none_usable(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13 | NO_SIGALGS);
	sigalgs_list(&c, 13, 3000, 0);
	emit(&c, out);
}

static void sigalgs_none_usable_tls12(struct buf *out)
{
	struct ch c;

	ch_init(&c, NO_SIGALGS);
	sigalgs_list(&c, 13, 3000, 0);
	emit(&c, out);
}

/* 32,000 entries: about as many as the extensions block can hold */
static void sigalgs_longest(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13 | NO_SIGALGS);
	sigalgs_list(&c, 13, 31999, 0x0403);
	emit(&c, out);
}

static void sigalgs_cert_5000(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	sigalgs_list(&c, 50, 5000, 0x0403);
	emit(&c, out);
}

/* signature_algorithms of exactly these schemes */
static void sigalgs_only(struct buf *out, unsigned flags, const uint16_t *v,
			 size_t n)
{
	struct ch c;

	ch_init(&c, flags | NO_SIGALGS);
	ext_u16_list(&c, 13, 2, v, n);
	emit(&c, out);
}

/* RFC 8446 4.2.3, RFC 9155: SHA-1 and MD5, never usable */
static const uint16_t sha1_md5[] = { 0x0203, 0x0201, 0x0103, 0x0101,
				     0x0202, 0x0102 };

static void sigalgs_sha1_md5(struct buf *out)
{
	sigalgs_only(out, TLS13, sha1_md5, 6);
}

static void sigalgs_sha1_md5_tls12(struct buf *out)
{
	sigalgs_only(out, 0, sha1_md5, 6);
}

/* RFC 8422 5.1.3: in TLS 1.2 ECDSA with any hash, on any curve */
static void sigalgs_ecdsa_sha224_tls12(struct buf *out)
{
	static const uint16_t v[] = { 0x0203, 0x0303 };

	sigalgs_only(out, 0, v, 2);
}

static void sigalgs_ecdsa_sha512_tls12(struct buf *out)
{
	static const uint16_t v[] = { 0x0603 };

	sigalgs_only(out, 0, v, 1);
}

/* ... but in TLS 1.3 each ECDSA scheme names its curve: our P-256 key
 * cannot do ecdsa_secp521r1_sha512 */
static void sigalgs_ecdsa_p521_only(struct buf *out)
{
	static const uint16_t v[] = { 0x0603, 0x0303 };

	sigalgs_only(out, TLS13, v, 2);
}

static void legacy_version(struct buf *out, uint16_t v, uint16_t rec)
{
	struct ch c;

	ch_init(&c, 0);
	c.legacy_version = v;
	c.record_version = rec;
	emit(&c, out);
}

static void legacy_0304(struct buf *out)
{
	legacy_version(out, 0x0304, 0x0304);
}

static void legacy_0305(struct buf *out)
{
	legacy_version(out, 0x0305, 0x0305);
}

static void legacy_0200(struct buf *out)
{
	legacy_version(out, 0x0200, 0x0301);
}

static void legacy_0300(struct buf *out)
{
	legacy_version(out, 0x0300, 0x0300);
}

/* RFC 8446 D.5: SSL 3.0's legacy_version ends it, supported_versions
 * or not */
static void legacy_0300_tls13(struct buf *out)
{
	struct ch c;

	ch_init(&c, TLS13);
	c.legacy_version = 0x0300;
	emit(&c, out);
}

/* compression methods DEFLATE and null */
static void deflate_null(struct buf *out, unsigned flags)
{
	static const uint8_t comp[] = { 1, 0 };
	struct ch c;

	ch_init(&c, flags);
	c.comp = comp;
	c.ncomp = sizeof(comp);
	emit(&c, out);
}

static void deflate_null_tls12(struct buf *out)
{
	deflate_null(out, 0);
}

static void deflate_null_tls13(struct buf *out)
{
	deflate_null(out, TLS13);
}

static void deflate_only_tls12(struct buf *out)
{
	static const uint8_t comp[] = { 1 };
	struct ch c;

	ch_init(&c, 0);
	c.comp = comp;
	c.ncomp = sizeof(comp);
	emit(&c, out);
}

/* supported_versions 1.3, ECDSA, and the given groups and key shares
 * (each share one byte long) */
static void groups_and_shares(struct buf *out, const uint16_t *groups,
			      size_t ngroups, const uint16_t *shares,
			      size_t nshares)
{
	static const uint16_t v13[] = { 0x0304 }, sigalgs[] = { 0x0403 };
	struct buf d = { 0 };
	struct ch c;
	size_t list;

	ch_init(&c, TLS13 | STD_DONE);
	ext_u16_list(&c, 43, 1, v13, 1);
	ext_u16_list(&c, 13, 2, sigalgs, 1);
	ext_u16_list(&c, 10, 2, groups, ngroups);
	list = buf_open_vec(&d, 2);
	for (size_t i = 0; i < nshares; i++) {
		buf_u16(&d, shares[i]);
		buf_u16(&d, 1);
		buf_u8(&d, 0x5a);
	}
	buf_close_vec(&d, list, 2);
	ext(&c, 51, &d);
	buf_free(&d);
	emit(&c, out);
}

/* The most a ClientHello's extensions hold of both lists: 16,370 groups
 * (none of ours) and shares for the last 6,540 of them. A server that
 * checks each share by scanning the group list does 10^8 steps per
 * group of its own (1.5 s of CPU for this one message). */
#define FLOOD_GROUPS 16370
#define FLOOD_SHARES 6540
static void key_share_flood(struct buf *out)
{
	static uint16_t groups[FLOOD_GROUPS];

	for (size_t i = 0; i < FLOOD_GROUPS; i++)
		groups[i] = (uint16_t)(0x1000 + i);
	groups_and_shares(out, groups, FLOOD_GROUPS,
			  groups + FLOOD_GROUPS - FLOOD_SHARES, FLOOD_SHARES);
}

/* RFC 8446 4.2.8: one share per group */
static void key_share_twice(struct buf *out)
{
	static const uint16_t groups[] = { 0x001d, 0x0017 };
	static const uint16_t shares[] = { 0x0017, 0x0017 };

	groups_and_shares(out, groups, 2, shares, 2);
}

/* a share for a group supported_groups does not list */
static void key_share_unlisted(struct buf *out)
{
	static const uint16_t groups[] = { 0x0017 };
	static const uint16_t shares[] = { 0x0018 };

	groups_and_shares(out, groups, 1, shares, 1);
}

static void scsv_tls12(struct buf *out)
{
	struct ch c;

	ch_init(&c, SCSV);
	emit(&c, out);
}

static void scsv_only_12_listed(struct buf *out)
{
	struct ch c;

	ch_init(&c, SCSV | ONLY_12);
	emit(&c, out);
}

static void scsv_tls13(struct buf *out)
{
	struct ch c;

	ch_init(&c, SCSV | TLS13);
	emit(&c, out);
}

/* psk_key_exchange_modes (psk_dhe_ke) and a pre_shared_key whose one
 * identity is no ticket of ours; then, unless `last`, one unknown
 * extension after it */
static void psk_offer(struct buf *out, bool last)
{
	static const uint8_t modes[] = { 1, 1 };
	struct buf d = { 0 };
	struct ch c;
	size_t ids, id, binders, binder;

	ch_init(&c, TLS13 | STD_DONE);
	unknown_exts(&c, 10);
	std_exts(&c);
	buf_put(&d, modes, sizeof(modes));
	ext(&c, 45, &d);
	buf_reset(&d);
	ids = buf_open_vec(&d, 2);
	id = buf_open_vec(&d, 2);
	buf_put(&d, "not a ticket", 12);
	buf_close_vec(&d, id, 2);
	buf_u32(&d, 0);				/* obfuscated_ticket_age */
	buf_close_vec(&d, ids, 2);
	binders = buf_open_vec(&d, 2);
	binder = buf_open_vec(&d, 1);
	buf_append(&d, 32);
	buf_close_vec(&d, binder, 1);
	buf_close_vec(&d, binders, 2);
	ext(&c, 41, &d);
	buf_free(&d);
	if (!last)
		ext_empty(&c, 0x4a4a);
	emit(&c, out);
}

static void psk_last(struct buf *out)
{
	psk_offer(out, true);
}

static void psk_not_last(struct buf *out)
{
	psk_offer(out, false);
}

static void no_ems(struct buf *out)
{
	struct ch c;

	ch_init(&c, NO_EMS);
	emit(&c, out);
}

const struct chello_case chello_cases[] = {
	{ "TLS 1.3", tls13, 0, 0, 0x0304, 0x1301, false },
	{ "TLS 1.2 (no supported_versions)", tls12, 0, 0, 0x0303, 0xc02b,
	  true },
	{ "63 unknown extensions", unknown_63, 0, 0, 0x0304, 0x1301, false },
	{ "1,024 unknown extensions", unknown_1024, 0, 0, 0x0304, 0x1301,
	  false },
	{ "16,000 unknown extensions", unknown_16000, 0, 0, 0x0304, 0x1301,
	  false },
	{ "1,024 unknown extensions, TLS 1.2", unknown_1024_tls12, 0, 0,
	  0x0303, 0xc02b, true },
	{ "an unknown extension twice (RFC 8446 4.2)", duplicate_unknown, 0,
	  ALERT_ILLEGAL_PARAMETER, 0, 0, false },
	{ "supported_groups twice, 1,000 apart", duplicate_known, 0,
	  ALERT_ILLEGAL_PARAMETER, 0, 0, false },
	{ "an extension past the extensions block", extension_past_block, 0,
	  ALERT_DECODE_ERROR, 0, 0, false },
	{ "signature_algorithms past its extension", sigalgs_past_extension,
	  0, ALERT_DECODE_ERROR, 0, 0, false },
	{ "the extensions block past the message", extensions_past_message,
	  0, ALERT_DECODE_ERROR, 0, 0, false },
	{ "signature_algorithms: 2,000 unusable, then ECDSA",
	  sigalgs_2000_then_ecdsa, 0, 0, 0x0304, 0x1301, false },
	{ "signature_algorithms: 2,000 unusable, then ECDSA, TLS 1.2",
	  sigalgs_2000_then_ecdsa_tls12, 0, 0, 0x0303, 0xc02b, true },
	{ "signature_algorithms: 32,000 entries", sigalgs_longest, 0, 0,
	  0x0304, 0x1301, false },
	{ "signature_algorithms: none usable", sigalgs_none_usable, 0,
	  ALERT_HANDSHAKE_FAILURE, 0, 0, false },
	{ "signature_algorithms: none usable, TLS 1.2",
	  sigalgs_none_usable_tls12, 0, ALERT_HANDSHAKE_FAILURE, 0, 0,
	  false },
	{ "signature_algorithms: SHA-1 and MD5 only", sigalgs_sha1_md5, 0,
	  ALERT_HANDSHAKE_FAILURE, 0, 0, false },
	{ "signature_algorithms: SHA-1 and MD5 only, TLS 1.2",
	  sigalgs_sha1_md5_tls12, 0, ALERT_HANDSHAKE_FAILURE, 0, 0, false },
	{ "signature_algorithms: ECDSA with SHA-224 only, TLS 1.2",
	  sigalgs_ecdsa_sha224_tls12, 0, 0, 0x0303, 0xc02b, true },
	{ "signature_algorithms: ECDSA with SHA-512 only, TLS 1.2",
	  sigalgs_ecdsa_sha512_tls12, 0, 0, 0x0303, 0xc02b, true },
	{ "signature_algorithms: P-521 and SHA-224 ECDSA only, TLS 1.3, "
	  "P-256 key", sigalgs_ecdsa_p521_only, 0, ALERT_HANDSHAKE_FAILURE, 0,
	  0, false },
	{ "signature_algorithms_cert: 5,000 entries", sigalgs_cert_5000, 0,
	  0, 0x0304, 0x1301, false },
	{ "legacy_version 0x0304 without supported_versions", legacy_0304, 0,
	  0, 0x0303, 0xc02b, true },
	{ "legacy_version 0x0305 without supported_versions", legacy_0305, 0,
	  0, 0x0303, 0xc02b, true },
	{ "legacy_version 0x0200", legacy_0200, 0, ALERT_PROTOCOL_VERSION, 0,
	  0, false },
	{ "legacy_version 0x0300 (SSL 3.0)", legacy_0300, 0,
	  ALERT_PROTOCOL_VERSION, 0, 0, false },
	{ "legacy_version 0x0300 with supported_versions 1.3",
	  legacy_0300_tls13, 0, ALERT_PROTOCOL_VERSION, 0, 0, false },
	{ "compression DEFLATE and null, TLS 1.2 (null is chosen)",
	  deflate_null_tls12, 0, 0, 0x0303, 0xc02b, true },
	{ "compression DEFLATE and null, TLS 1.3", deflate_null_tls13, 0,
	  ALERT_ILLEGAL_PARAMETER, 0, 0, false },
	{ "compression DEFLATE only, TLS 1.2", deflate_only_tls12, 0,
	  ALERT_ILLEGAL_PARAMETER, 0, 0, false },
	{ "key_share: 6,540 shares, 16,370 groups, none ours",
	  key_share_flood, 0, ALERT_HANDSHAKE_FAILURE, 0, 0, false },
	{ "key_share: two shares for one group", key_share_twice, 0,
	  ALERT_ILLEGAL_PARAMETER, 0, 0, false },
	{ "key_share: a share for an unlisted group", key_share_unlisted, 0,
	  ALERT_ILLEGAL_PARAMETER, 0, 0, false },
	{ "TLS_FALLBACK_SCSV, TLS 1.2 to a TLS 1.3 server", scsv_tls12, 0,
	  ALERT_INAPPROPRIATE_FALLBACK, 0, 0, false },
	{ "TLS_FALLBACK_SCSV, supported_versions 1.2 only",
	  scsv_only_12_listed, 0, ALERT_INAPPROPRIATE_FALLBACK, 0, 0, false },
	{ "TLS_FALLBACK_SCSV, offering TLS 1.3", scsv_tls13, 0, 0, 0x0304,
	  0x1301, false },
	{ "TLS_FALLBACK_SCSV, TLS 1.2 to a TLS 1.2 server", scsv_tls12,
	  CHELLO_SERVER_TLS12, 0, 0x0303, 0xc02b, true },
	{ "pre_shared_key last, after unknown extensions (not our ticket: "
	  "a full handshake)", psk_last, 0, 0, 0x0304, 0x1301, false },
	{ "pre_shared_key followed by an unknown extension", psk_not_last, 0,
	  ALERT_ILLEGAL_PARAMETER, 0, 0, false },
	{ "TLS 1.2 without extended_master_secret", no_ems, 0, 0, 0x0303,
	  0xc02b, false },
	{ "TLS 1.2 without extended_master_secret, EMS required", no_ems,
	  CHELLO_SERVER_REQUIRE_EMS, ALERT_HANDSHAKE_FAILURE, 0, 0, false },
	{ "TLS 1.2 with extended_master_secret, EMS required", tls12,
	  CHELLO_SERVER_REQUIRE_EMS, 0, 0x0303, 0xc02b, true },
};

const size_t chello_ncases = sizeof(chello_cases) / sizeof(chello_cases[0]);

size_t chello_seed(unsigned k, uint8_t *buf, size_t cap)
{
	for (size_t i = 0; i < chello_ncases; i++) {
		struct buf b = { 0 };
		size_t n;

		chello_cases[i].build(&b);
		n = b.bad || b.len > cap ? 0 : b.len;
		if (n && k == 0)
			memcpy(buf, b.p, n);
		buf_free(&b);
		if (n && k-- == 0)
			return n;
	}
	return 0;
}
