// SPDX-License-Identifier: MIT
#include "tls12_msgs.h"

#include <errno.h>
#include <string.h>

#include "alerts.h"
#include "suites.h"

#define NAMED_CURVE 3	/* RFC 8422 5.4 ECCurveType; explicit forms are gone */

/* RFC 8446 4.1.3: "DOWNGRD" then 01 (TLS 1.2) or 00 (TLS 1.1 and below) */
static const uint8_t downgrade_prefix[7] = { 0x44, 0x4f, 0x57, 0x4e,
					     0x47, 0x52, 0x44 };

static int buf_status(const struct buf *b)
{
	return b->bad ? -ENOMEM : 0;
}

/* a vector of len bytes whose length prefix and grammar allow [min, max] */
static int put_vec(struct buf *b, size_t lenbytes, size_t min, size_t max,
		   const uint8_t *p, size_t len)
{
	size_t pos;

	if (len < min || len > max)
		return -EMSGSIZE;
	pos = buf_open_vec(b, lenbytes);
	buf_put(b, p, len);
	buf_close_vec(b, pos, lenbytes);
	return buf_status(b);
}

/* where a vector read with rd_vec starts (NULL when it failed), without
 * arithmetic on a null pointer for an empty input */
static const uint8_t *vec_ptr(const struct rd *v)
{
	return v->bad || !v->p ? NULL : v->p + v->off;
}

/* 0 when r consumed its input exactly, else decode_error */
static int parsed(const struct rd *r)
{
	return rd_done(r) ? 0 : -EBADMSG;
}

/* An ECDHE share in the group's wire form (RFC 8446 4.2.8.2, which
 * RFC 8422 5.1.2 agrees with: X25519 32 bytes; NIST curves uncompressed,
 * 0x04 || x || y). The point itself is validated when it is used
 * (kex_derive). */
static int check_point(uint16_t group, const uint8_t *p, size_t len)
{
	const struct tlsk_group *g = tlsk_group_by_id(group);

	if (!g || len != g->share_len)
		return -EINVAL;
	if (g->curve && p[0] != 0x04)
		return -EINVAL;
	return 0;
}

int tls12_signed_put(struct buf *b, uint16_t sigalg, const uint8_t *sig,
		     size_t sig_len)
{
	buf_u16(b, sigalg);
	return put_vec(b, 2, 0, 0xffff, sig, sig_len);
}

static void read_signed(struct rd *r, struct tls12_signed *s)
{
	struct rd sig;

	s->sigalg = rd_u16(r);
	rd_vec(r, 2, 0, 0xffff, &sig);
	s->sig = vec_ptr(&sig);
	s->sig_len = rd_left(&sig);
}

int tls12_cert_verify_parse(const uint8_t *body, size_t len,
			    struct tls12_signed *cv)
{
	struct rd r;

	rd_init(&r, body, len);
	read_signed(&r, cv);
	return parsed(&r);
}

int tls12_ske_put_params(struct buf *b, uint16_t group, const uint8_t *point,
			 size_t point_len)
{
	buf_u8(b, NAMED_CURVE);
	buf_u16(b, group);
	return put_vec(b, 1, 1, 0xff, point, point_len);
}

int tls12_ske_signed_data(const uint8_t client_random[32],
			  const uint8_t server_random[32],
			  const uint8_t *params, size_t params_len,
			  struct buf *out)
{
	buf_put(out, client_random, 32);
	buf_put(out, server_random, 32);
	buf_put(out, params, params_len);
	return buf_status(out);
}

int tls12_ske_parse(const uint8_t *body, size_t len, struct tls12_ske *ske)
{
	struct rd r, point;

	memset(ske, 0, sizeof(*ske));
	rd_init(&r, body, len);
	if (rd_u8(&r) != NAMED_CURVE)
		return r.bad ? -EBADMSG : -EINVAL;
	ske->group = rd_u16(&r);
	rd_vec(&r, 1, 1, 0xff, &point);
	ske->point = vec_ptr(&point);
	ske->point_len = rd_left(&point);
	ske->params = body;
	ske->params_len = r.off;
	read_signed(&r, &ske->sig);
	if (!rd_done(&r))
		return -EBADMSG;
	return check_point(ske->group, ske->point, ske->point_len);
}

static int put_ca_names(struct buf *b, const STACK_OF(X509_NAME) *cas)
{
	size_t list = buf_open_vec(b, 2);

	for (int i = 0; cas && i < sk_X509_NAME_num(cas); i++) {
		const X509_NAME *name = sk_X509_NAME_value(cas, i);
		const uint8_t *der;
		size_t der_len;
		int err;

		if (X509_NAME_get0_der(name, &der, &der_len) != 1)
			return -EINVAL;
		err = put_vec(b, 2, 1, 0xffff, der, der_len);
		if (err)
			return err;
	}
	buf_close_vec(b, list, 2);
	return b->bad ? -EMSGSIZE : 0;
}

int tls12_cert_request_put(struct buf *b, const uint8_t *types, size_t ntypes,
			   const uint16_t *sigalgs, size_t nsigalgs,
			   const STACK_OF(X509_NAME) *cas)
{
	size_t pos;
	int err = put_vec(b, 1, 1, 0xff, types, ntypes);

	if (err)
		return err;
	if (nsigalgs < 1 || nsigalgs > 0x7fff)
		return -EMSGSIZE;
	pos = buf_open_vec(b, 2);
	for (size_t i = 0; i < nsigalgs; i++)
		buf_u16(b, sigalgs[i]);
	buf_close_vec(b, pos, 2);
	return put_ca_names(b, cas);
}

bool tls12_ca_next(struct rd *it, const uint8_t **der, size_t *der_len)
{
	struct rd name;

	if (!rd_left(it) || !rd_vec(it, 2, 1, 0xffff, &name))
		return false;
	*der = vec_ptr(&name);
	*der_len = rd_left(&name);
	return true;
}

int tls12_cert_request_parse(const uint8_t *body, size_t len,
			     struct tls12_cert_request *cr)
{
	struct rd r, types, sigalgs, cas, it;
	const uint8_t *der;
	size_t der_len;

	memset(cr, 0, sizeof(*cr));
	rd_init(&r, body, len);
	/* certificate_types is <1..2^8-1>, but GnuTLS sends it empty when
	 * no type fits its schemes (Ed25519 alone) and OpenSSL takes that:
	 * so do we, as "any type" */
	rd_vec(&r, 1, 0, 0xff, &types);
	rd_vec(&r, 2, 2, 0xfffe, &sigalgs);
	rd_vec(&r, 2, 0, 0xffff, &cas);
	if (!rd_done(&r) || rd_left(&sigalgs) % 2)
		return -EBADMSG;
	cr->types = vec_ptr(&types);
	cr->ntypes = rd_left(&types);
	cr->sigalgs = vec_ptr(&sigalgs);
	cr->nsigalgs = rd_left(&sigalgs) / 2;
	cr->cas = vec_ptr(&cas);
	cr->cas_len = rd_left(&cas);
	/* each DistinguishedName is <1..2^16-1> and they fill the list */
	rd_init(&it, cr->cas, cr->cas_len);
	while (tls12_ca_next(&it, &der, &der_len))
		cr->ncas++;
	return parsed(&it);
}

uint16_t tls12_cert_request_sigalg(const struct tls12_cert_request *cr,
				   size_t i)
{
	return i < cr->nsigalgs ?
		(uint16_t)(cr->sigalgs[2 * i] << 8 | cr->sigalgs[2 * i + 1]) :
		0;
}

int tls12_empty_parse(const uint8_t *body, size_t len)
{
	(void)body;
	return len ? -EBADMSG : 0;
}

int tls12_cke_ecdhe_put(struct buf *b, const uint8_t *point, size_t len)
{
	return put_vec(b, 1, 1, 0xff, point, len);
}

int tls12_cke_ecdhe_parse(const uint8_t *body, size_t len, uint16_t group,
			  const uint8_t **point, size_t *point_len)
{
	struct rd r, yc;

	rd_init(&r, body, len);
	rd_vec(&r, 1, 1, 0xff, &yc);
	if (!rd_done(&r))
		return -EBADMSG;
	*point = vec_ptr(&yc);
	*point_len = rd_left(&yc);
	return check_point(group, *point, *point_len);
}

int tls12_cke_rsa_put(struct buf *b, const uint8_t *enc, size_t len)
{
	return put_vec(b, 2, 0, 0xffff, enc, len);
}

int tls12_cke_rsa_parse(const uint8_t *body, size_t len, const uint8_t **enc,
			size_t *enc_len)
{
	struct rd r, v;

	rd_init(&r, body, len);
	rd_vec(&r, 2, 0, 0xffff, &v);
	*enc = vec_ptr(&v);
	*enc_len = rd_left(&v);
	return parsed(&r);
}

int tls12_nst_put(struct buf *b, uint32_t lifetime_hint, const uint8_t *ticket,
		  size_t len)
{
	buf_u32(b, lifetime_hint);
	return put_vec(b, 2, 0, 0xffff, ticket, len);
}

int tls12_nst_parse(const uint8_t *body, size_t len, uint32_t *lifetime_hint,
		    const uint8_t **ticket, size_t *ticket_len)
{
	struct rd r, t;

	rd_init(&r, body, len);
	*lifetime_hint = rd_u32(&r);
	rd_vec(&r, 2, 0, 0xffff, &t);
	*ticket = vec_ptr(&t);
	*ticket_len = rd_left(&t);
	return parsed(&r);
}

int tls12_reneg_info_put_initial(struct buf *b)
{
	return put_vec(b, 1, 0, 0xff, NULL, 0);
}

int tls12_reneg_info_check_initial(const uint8_t *data, size_t len)
{
	struct rd r, conn;

	rd_init(&r, data, len);
	rd_vec(&r, 1, 0, 0xff, &conn);
	if (!rd_done(&r))
		return -EBADMSG;
	return rd_left(&conn) ? -EPROTO : 0;
}

bool tls12_offers_reneg_scsv(const uint8_t *suites, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		if ((suites[i] << 8 | suites[i + 1]) ==
		    TLS12_EMPTY_RENEGOTIATION_INFO_SCSV)
			return true;
	return false;
}

void tls12_refuse_post_handshake(uint8_t hs_type, bool we_are_server,
				 bool *fatal, uint8_t *alert)
{
	uint8_t renegotiation_request = we_are_server ?
		1 /* ClientHello */ : TLS12_HS_HELLO_REQUEST;

	*fatal = hs_type != renegotiation_request;
	*alert = *fatal ? ALERT_UNEXPECTED_MESSAGE :
			  TLS12_ALERT_NO_RENEGOTIATION;
}

void tls12_downgrade_mark(uint8_t server_random[32], uint16_t version)
{
	memcpy(server_random + 24, downgrade_prefix, sizeof(downgrade_prefix));
	server_random[31] = version == 0x0303 ? 0x01 : 0x00;
}

bool tls12_downgrade_detected(const uint8_t server_random[32],
			      uint16_t client_max, uint16_t version)
{
	uint8_t last = server_random[31];

	if (version >= client_max ||
	    memcmp(server_random + 24, downgrade_prefix,
		   sizeof(downgrade_prefix)) != 0)
		return false;
	/* a TLS 1.3 client rejects both values; a TLS 1.2 client, which
	 * got TLS 1.1 or below, rejects the second (RFC 8446 4.1.3) */
	if (client_max >= 0x0304)
		return last == 0x01 || last == 0x00;
	return client_max == 0x0303 && last == 0x00;
}
