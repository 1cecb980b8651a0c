// SPDX-License-Identifier: MIT
/*
 * The engine's I/O core: record framing in both directions, dispatch of
 * handshake messages through the state tables, the sticky error, and
 * the public accessors. Protocol decisions live in tls13_*.c.
 */
#include "engine_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cert.h"
#include "tls12_msgs.h"

const EVP_MD *engine_md(const struct tlsk_engine *e)
{
	return e->suite12 ? e->suite12->md() : e->suite->md();
}

size_t engine_hash_len(const struct tlsk_engine *e)
{
	return e->suite12 ? e->suite12->hash_len : e->suite->hash_len;
}

/* How much of in_rec the record being received has written: whole
 * records are scrubbed as soon as they are read. */
static size_t in_rec_used(const struct tlsk_engine *e)
{
	return e->in_hdr_got < REC_HDR_LEN ? e->in_hdr_got :
	       REC_HDR_LEN + e->in_body_got;
}

static void scrub_secrets(struct tlsk_engine *e)
{
	OPENSSL_cleanse(e->secret, sizeof(e->secret));
	OPENSSL_cleanse(e->c_hs, sizeof(e->c_hs));
	OPENSSL_cleanse(e->s_hs, sizeof(e->s_hs));
	OPENSSL_cleanse(e->c_ap, sizeof(e->c_ap));
	OPENSSL_cleanse(e->s_ap, sizeof(e->s_ap));
	OPENSSL_cleanse(e->res_master, sizeof(e->res_master));
	OPENSSL_cleanse(e->exporter, sizeof(e->exporter));
	OPENSSL_cleanse(e->in_rec, in_rec_used(e));
	OPENSSL_cleanse(e->dhe, sizeof(e->dhe));
	EVP_PKEY_free(e->kex_key);
	e->kex_key = NULL;
	buf_free(&e->hs_in);
	buf_free(&e->hs_out);
	buf_free(&e->ticket12);
	tls12_scrub(e);
	session_clear(&e->psk);
	hs_prot_clear(&e->rx);
}

/* Once established, only the traffic keys (held by tx/rx, for export)
 * and, on a client, the resumption secret for later tickets remain. */
static void scrub_handshake_secrets(struct tlsk_engine *e)
{
	OPENSSL_cleanse(e->secret, sizeof(e->secret));
	OPENSSL_cleanse(e->c_hs, sizeof(e->c_hs));
	OPENSSL_cleanse(e->s_hs, sizeof(e->s_hs));
	OPENSSL_cleanse(e->c_ap, sizeof(e->c_ap));
	OPENSSL_cleanse(e->s_ap, sizeof(e->s_ap));
	OPENSSL_cleanse(e->dhe, sizeof(e->dhe));
	/* the ephemeral key: forward secrecy is its being gone */
	EVP_PKEY_free(e->kex_key);
	e->kex_key = NULL;
	if (e->role == TLSK_ROLE_SERVER)
		OPENSSL_cleanse(e->res_master, sizeof(e->res_master));
	session_clear(&e->psk);
	buf_free(&e->hs_in);
	buf_free(&e->ticket12);
	tls12_scrub(e);
}

static void queue_alert(struct tlsk_engine *e, uint8_t desc)
{
	static const uint8_t plain_hdr[] = { CT_ALERT, 3, 3, 0, 2 };
	uint8_t alert[2] = { 2 /* fatal */, desc };

	/* RFC 8446 5: alerts go under the current write keys */
	if (hs_prot_on(&e->tx)) {
		hs_prot_seal(&e->tx, CT_ALERT, alert, 2, &e->out);
	} else {
		buf_put(&e->out, plain_hdr, sizeof(plain_hdr));
		buf_put(&e->out, alert, 2);
	}
}

static int fail_common(struct tlsk_engine *e, uint8_t alert, int received,
		       int err)
{
	e->state = TLSK_STATE_FAILED;
	e->alert = alert;
	e->alert_received = received;
	e->err = err ? err : -EPROTO;
	if (!received)
		queue_alert(e, alert);
	scrub_secrets(e);
	hs_prot_clear(&e->tx);
	return e->err;
}

int fail(struct tlsk_engine *e, uint8_t alert, int err, const char *fmt, ...)
{
	va_list ap;

	if (e->state == TLSK_STATE_FAILED)
		return e->err;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return fail_common(e, alert, 0, err);
}

static int fail_received(struct tlsk_engine *e, uint8_t desc)
{
	if (desc == ALERT_CLOSE_NOTIFY)
		snprintf(e->reason, sizeof(e->reason),
			 "peer closed the connection during the handshake");
	else
		snprintf(e->reason, sizeof(e->reason),
			 "peer sent fatal alert %s (%u)",
			 tlsk_alert_name(desc), desc);
	return fail_common(e, desc, 1, -ECONNRESET);
}

/* ---- output ---- */

static int put_handshake(struct tlsk_engine *e, uint8_t type,
			 const struct buf *body, bool in_transcript)
{
	size_t start = e->hs_out.len;

	if (body->bad)
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM,
			    "cannot build handshake message %u", type);
	buf_u8(&e->hs_out, type);
	buf_u24(&e->hs_out, (uint32_t)body->len);
	buf_put(&e->hs_out, body->p, body->len);
	if (e->hs_out.bad)
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM, "out of memory");
	if (in_transcript)
		tr_add(&e->tr, e->hs_out.p + start, e->hs_out.len - start);
	return 0;
}

int send_handshake(struct tlsk_engine *e, uint8_t type, const struct buf *body)
{
	return put_handshake(e, type, body, true);
}

int send_post_handshake(struct tlsk_engine *e, uint8_t type,
			const struct buf *body)
{
	return put_handshake(e, type, body, false);
}

int flush_handshake(struct tlsk_engine *e)
{
	while (e->hs_out.len) {
		size_t n = e->hs_out.len < REC_MAX_PLAINTEXT ?
			   e->hs_out.len : REC_MAX_PLAINTEXT;
		int ret = 0;

		if (hs_prot_on(&e->tx)) {
			ret = hs_prot_seal(&e->tx, CT_HANDSHAKE, e->hs_out.p,
					   n, &e->out);
		} else {
			uint8_t hdr[REC_HDR_LEN] = { CT_HANDSHAKE, 3, 3,
				(uint8_t)(n >> 8), (uint8_t)n };

			buf_put(&e->out, hdr, sizeof(hdr));
			buf_put(&e->out, e->hs_out.p, n);
		}
		if (ret || e->out.bad)
			return fail(e, ALERT_INTERNAL_ERROR, ret ? ret : -ENOMEM,
				    "cannot protect handshake record");
		buf_consume(&e->hs_out, n);
	}
	return 0;
}

int send_ccs(struct tlsk_engine *e)
{
	/* RFC 8446 D.4: a dummy change_cipher_spec for middleboxes */
	static const uint8_t ccs[] = { CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1 };
	int ret = flush_handshake(e);

	if (ret)
		return ret;
	buf_put(&e->out, ccs, sizeof(ccs));
	e->ccs_sent = true;
	return 0;
}

int set_tx_keys(struct tlsk_engine *e, const uint8_t *secret)
{
	int ret = flush_handshake(e);

	if (!ret && hs_prot_set(&e->tx, e->suite, secret, true))
		ret = fail(e, ALERT_INTERNAL_ERROR, -EIO, "key derivation failed");
	return ret;
}

int set_rx_keys(struct tlsk_engine *e, const uint8_t *secret)
{
	e->rx_epoch++;
	if (hs_prot_set(&e->rx, e->suite, secret, false))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "key derivation failed");
	return 0;
}

/* ---- the state table walk ---- */

static unsigned current_msg(const struct tlsk_engine *e)
{
	const uint8_t *seq = shape_sequence(e->tables, e->shape);

	return seq ? seq[e->msg_index] : SEQ_END;
}

static bool peer_turn(const struct tlsk_engine *e)
{
	const struct hs_msg_desc *d = hs_msg(e->tables, current_msg(e));

	return d && d->writer != e->role;
}

/* Run our own messages until it is the peer's turn or the end. */
int run_own_messages(struct tlsk_engine *e)
{
	while (e->state == TLSK_STATE_HANDSHAKING) {
		unsigned m = current_msg(e);
		const struct hs_msg_desc *d = hs_msg(e->tables, m);

		if (m == SEQ_APPLICATION_DATA) {
			if (flush_handshake(e))
				return e->err;
			e->state = TLSK_STATE_ESTABLISHED;
			scrub_handshake_secrets(e);
			break;
		}
		if (!d)
			return fail(e, ALERT_INTERNAL_ERROR, -EPROTO,
				    "no %s handshake shape %#x",
				    e->tables->version, e->shape);
		if (d->writer != e->role)
			break;
		if (d->handler[e->role](e, NULL))
			return e->err;
		e->msg_index++;
	}
	return flush_handshake(e);
}

static int dispatch_message(struct tlsk_engine *e, const uint8_t *msg,
			    size_t len)
{
	const struct hs_msg_desc *d = hs_msg(e->tables, current_msg(e));
	struct rd body;
	int branch;

	/* RFC 5246 7.4.1.1: a client negotiating TLS 1.2 (or still able to,
	 * before the ServerHello) ignores a HelloRequest, which is not part
	 * of the transcript. TLS 1.3 has none: unexpected, below. */
	if (msg[0] == TLS12_HS_HELLO_REQUEST && len == 4 &&
	    e->role == TLSK_ROLE_CLIENT &&
	    (is_tls12(e) || (tls12_client_offers(e->cfg) && d &&
			     d->hs_type == HS_SERVER_HELLO)))
		return 0;
	if (d && d->writer != e->role && d->hs_type != msg[0]) {
		branch = shape_branch(e->tables, e->shape, e->msg_index,
				      msg[0], e->role);
		if (branch >= 0) {
			e->shape = (unsigned)branch;
			d = hs_msg(e->tables, current_msg(e));
		}
	}
	if (!peer_turn(e) || d->hs_type != msg[0] ||
	    msg[0] == TLS12_CCS_PSEUDO_TYPE)
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "unexpected handshake message type %u (expected %s)",
			    msg[0], d ? d->name : "none");
	tr_add(&e->tr, msg, len);
	rd_init(&body, msg + 4, len - 4);
	if (d->handler[e->role](e, &body))
		return e->err;
	if (!rd_done(&body))
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG,
			    "malformed %s", d->name);
	e->msg_index++;
	return run_own_messages(e);
}

static int process_handshake_bytes(struct tlsk_engine *e)
{
	while (e->state == TLSK_STATE_HANDSHAKING && e->hs_in.len >= 4) {
		const uint8_t *p = e->hs_in.p;
		size_t len = (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		unsigned epoch = e->rx_epoch;

		if (len > MAX_HS_MSG_LEN)
			return fail(e, ALERT_DECODE_ERROR, -EMSGSIZE,
				    "handshake message of %zu bytes", len);
		size_t rest;

		if (e->hs_in.len < 4 + len)
			break;
		rest = e->hs_in.len - (4 + len);
		if (dispatch_message(e, p, 4 + len))
			return e->err;
		/* RFC 8446 5.1: a message before a key change ends its record,
		 * and so does the handshake's last one (what follows it was
		 * sent under keys that are gone, and nothing would read it:
		 * the end of the handshake frees hs_in, so count before) */
		if (rest && (e->rx_epoch != epoch ||
			     e->state != TLSK_STATE_HANDSHAKING))
			return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
				    "%zu bytes of handshake data after %s in "
				    "the same record", rest,
				    e->state == TLSK_STATE_HANDSHAKING ?
				    "a key change" : "the last handshake message");
		buf_consume(&e->hs_in, 4 + len);
	}
	return e->state == TLSK_STATE_FAILED ? e->err : 0;
}

/* ---- input ---- */

static int read_alert(struct tlsk_engine *e, const uint8_t *p, size_t len)
{
	if (len != 2)
		return fail(e, ALERT_DECODE_ERROR, -EBADMSG, "malformed alert");
	return fail_received(e, p[1]);
}

/* RFC 5246 7.1: in TLS 1.2 a CCS is a step of the state tables, where
 * they expect one from the peer, and its handler switches RX keys */
static int read_ccs12(struct tlsk_engine *e)
{
	const struct hs_msg_desc *d = hs_msg(e->tables, current_msg(e));
	struct rd body;

	if (!peer_turn(e) || d->hs_type != TLS12_CCS_PSEUDO_TYPE)
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "unexpected change_cipher_spec (expected %s)",
			    d ? d->name : "none");
	rd_init(&body, NULL, 0);
	if (d->handler[e->role](e, &body))
		return e->err;
	e->msg_index++;
	return run_own_messages(e);
}

/* RFC 8446 5: a CCS of value 1 is dropped between the first
 * ClientHello and the peer's Finished. D.4: a peer in middlebox
 * compatibility mode sends exactly one (a server after its ServerHello or
 * HelloRetryRequest, a client before its second flight), so a second one
 * is unexpected_message: dropping any number would let a peer stream them
 * and keep its reader busy for nothing. */
static int read_ccs(struct tlsk_engine *e, const uint8_t *p, size_t len)
{
	bool started = e->role == TLSK_ROLE_CLIENT || e->msg_index > 0;

	if (len != 1 || p[0] != 1 || e->hs_in.len ||
	    (!is_tls12(e) && !started))
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "unexpected change_cipher_spec");
	if (is_tls12(e))
		return read_ccs12(e);
	if (++e->ccs_received > 1)
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "a second change_cipher_spec (RFC 8446 D.4 allows "
			    "one)");
	return 0;
}

static int read_protected(struct tlsk_engine *e)
{
	uint8_t type, *pt;
	size_t len;
	int ret;

	if (!hs_prot_on(&e->rx)) {
		/* RFC 8446 4.2.10: 0-RTT data we declined, before keys */
		if (e->skip_early_data &&
		    e->early_skipped + e->in_body_len <= MAX_EARLY_DATA_SKIP) {
			e->early_skipped += e->in_body_len;
			return 0;
		}
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "application data before handshake keys");
	}
	ret = hs_prot_open(&e->rx, e->in_rec, REC_HDR_LEN + e->in_body_len,
			   &type, &pt);
	if (ret == -EBADMSG && e->skip_early_data &&
	    e->early_skipped + e->in_body_len <= MAX_EARLY_DATA_SKIP) {
		/* declined 0-RTT: records that fail to open are skipped */
		e->early_skipped += e->in_body_len;
		return 0;
	}
	if (ret == -EBADMSG)
		return fail(e, ALERT_BAD_RECORD_MAC, ret,
			    "record failed authentication");
	if (ret == -EMSGSIZE)
		return fail(e, ALERT_RECORD_OVERFLOW, ret, "record too large");
	if (ret == -EPROTO)	/* RFC 8446 5.4: no non-zero type byte */
		return fail(e, ALERT_UNEXPECTED_MESSAGE, ret,
			    "record without a content type");
	/* legacy_record_version other than 0x0303: refused as kTLS does. */
	if (ret == -EPROTONOSUPPORT)
		return fail(e, ALERT_PROTOCOL_VERSION, ret,
			    "protected record with a version other than "
			    "0x0303");
	if (ret < 0)
		return fail(e, ALERT_INTERNAL_ERROR, ret, "record layer error");
	len = (size_t)ret;
	e->skip_early_data = false;
	if (type == CT_ALERT)
		return read_alert(e, pt, len);
	if (type != CT_HANDSHAKE || !len)
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "unexpected record type %u during the handshake",
			    type);
	buf_put(&e->hs_in, pt, len);
	return process_handshake_bytes(e);
}

static int read_record(struct tlsk_engine *e)
{
	const uint8_t *p = e->in_rec + REC_HDR_LEN;
	size_t len = e->in_body_len;

	/* RFC 5246 6.2.3: in TLS 1.2 every record after the peer's CCS is
	 * protected, under its own content type */
	if (is_tls12(e) && hs_prot_on(&e->rx) &&
	    e->in_rec[0] != CT_CHANGE_CIPHER_SPEC)
		return read_protected(e);
	switch (e->in_rec[0]) {
	case CT_CHANGE_CIPHER_SPEC:
		return read_ccs(e, p, len);
	case CT_ALERT:
		/* A peer that fails before switching its write keys (a
		 * client rejecting our flight, say) alerts in plaintext even
		 * though we already expect handshake keys; OpenSSL does. The
		 * handshake is lost either way: report what it said. */
		return read_alert(e, p, len);
	case CT_APPLICATION_DATA:
		return read_protected(e);
	case CT_HANDSHAKE:
		/* RFC 8446 5.1: no zero-length handshake fragments */
		if (hs_prot_on(&e->rx) || !len)
			return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
				    "plaintext handshake record under encryption");
		buf_put(&e->hs_in, p, len);
		return process_handshake_bytes(e);
	default:
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "unknown record type %u", e->in_rec[0]);
	}
}

/* The whole handshake's input is bounded, whatever the records hold. */
static int check_budget(struct tlsk_engine *e, size_t body_len)
{
	e->bytes_in += REC_HDR_LEN + body_len;
	if (++e->records_in > MAX_HS_INPUT_RECORDS ||
	    e->bytes_in > MAX_HS_INPUT_BYTES)
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "the peer sent more than %u records or %zu bytes "
			    "without completing the handshake",
			    MAX_HS_INPUT_RECORDS, MAX_HS_INPUT_BYTES);
	return 0;
}

static int check_header(struct tlsk_engine *e)
{
	const uint8_t *h = e->in_rec;
	size_t len = (size_t)h[3] << 8 | h[4];
	size_t max = h[0] == CT_APPLICATION_DATA ? REC_MAX_CIPHERTEXT :
						   REC_MAX_PLAINTEXT;

	if (is_tls12(e) && hs_prot_on(&e->rx) && h[0] != CT_CHANGE_CIPHER_SPEC)
		max = REC_MAX_CIPHERTEXT12;

	if (h[0] < CT_CHANGE_CIPHER_SPEC || h[0] > CT_APPLICATION_DATA)
		return fail(e, ALERT_UNEXPECTED_MESSAGE, -EPROTO,
			    "not a TLS record (type %u)", h[0]);
	/* RFC 8446 5.1: legacy_record_version is ignored, beyond being TLS */
	if (h[1] != 3)
		return fail(e, ALERT_PROTOCOL_VERSION, -EPROTO,
			    "record version %u.%u is not TLS", h[1], h[2]);
	if (len > max)
		return fail(e, ALERT_RECORD_OVERFLOW, -EMSGSIZE,
			    "record of %zu bytes", len);
	if (check_budget(e, len))
		return e->err;
	e->in_body_len = len;
	e->in_body_got = 0;
	return 0;
}

size_t tlsk_engine_want(const struct tlsk_engine *e)
{
	if (!e || e->state != TLSK_STATE_HANDSHAKING || !peer_turn(e))
		return 0;
	if (e->in_hdr_got < REC_HDR_LEN)
		return REC_HDR_LEN - e->in_hdr_got;
	return e->in_body_len - e->in_body_got;
}

int tlsk_engine_input(struct tlsk_engine *e, const uint8_t *buf, size_t len)
{
	size_t want = tlsk_engine_want(e);

	if (e->state == TLSK_STATE_FAILED)
		return e->err;
	if (len > want)
		return -EINVAL;
	if (!len)
		return 0;
	if (e->in_hdr_got < REC_HDR_LEN) {
		memcpy(e->in_rec + e->in_hdr_got, buf, len);
		e->in_hdr_got += len;
		if (e->in_hdr_got < REC_HDR_LEN || check_header(e))
			return e->state == TLSK_STATE_FAILED ? e->err : 0;
	} else {
		memcpy(e->in_rec + REC_HDR_LEN + e->in_body_got, buf, len);
		e->in_body_got += len;
	}
	if (e->in_body_got < e->in_body_len)
		return 0;
	e->in_hdr_got = 0;
	read_record(e);
	OPENSSL_cleanse(e->in_rec, REC_HDR_LEN + e->in_body_len);
	return e->state == TLSK_STATE_FAILED ? e->err : 0;
}

const uint8_t *tlsk_engine_output(const struct tlsk_engine *e, size_t *len)
{
	*len = e->out.len - e->out_sent;
	return *len ? e->out.p + e->out_sent : NULL;
}

void tlsk_engine_output_done(struct tlsk_engine *e, size_t sent)
{
	size_t left = e->out.len - e->out_sent;

	e->out_sent += sent < left ? sent : left;
	e->output_taken = true;
	if (e->out_sent == e->out.len) {
		buf_reset(&e->out);
		e->out_sent = 0;
	}
}

/* ---- lifecycle and accessors ---- */

struct tlsk_engine *tlsk_engine_new(const struct tlsk_config *cfg,
				    enum tlsk_role role)
{
	struct tlsk_engine *e;

	if (!cfg || (role != TLSK_ROLE_CLIENT && role != TLSK_ROLE_SERVER))
		return NULL;
	e = OPENSSL_malloc(sizeof(*e));
	if (!e)
		return NULL;
	/* in_rec, the last 18 KiB, is written before it is read */
	memset(e, 0, offsetof(struct tlsk_engine, in_rec));
	e->cfg = cfg;
	e->role = role;
	e->state = TLSK_STATE_HANDSHAKING;
	e->tables = &tls13_tables;
	/* a client's ClientHello is ready at once; a failure here leaves
	 * the engine FAILED, which the caller sees like any other */
	if (role == TLSK_ROLE_CLIENT)
		client_start(e);
	return e;
}

void tlsk_engine_free(struct tlsk_engine *e)
{
	if (!e)
		return;
	scrub_secrets(e);
	hs_prot_clear(&e->tx);
	tr_free(&e->tr);
	buf_free(&e->out);
	buf_free(&e->cookie);
	X509_free(e->peer_leaf);
	sk_X509_pop_free(e->peer_chain, X509_free);
	for (size_t i = 0; i < e->ntickets; i++)
		session_clear(&e->tickets[i]);
	OPENSSL_free(e->tickets);	/* the slots past ntickets are zero */
	/* in_rec was scrubbed by scrub_secrets(), as far as it was used */
	OPENSSL_cleanse(e, offsetof(struct tlsk_engine, in_rec));
	OPENSSL_free(e);
}

enum tlsk_state tlsk_engine_state(const struct tlsk_engine *e)
{
	return e->state;
}

int tlsk_engine_error(const struct tlsk_engine *e, uint8_t *alert,
		      int *received, const char **reason)
{
	if (alert)
		*alert = e->alert;
	if (received)
		*received = e->alert_received;
	if (reason)
		*reason = e->state == TLSK_STATE_FAILED ? e->reason : NULL;
	return e->state == TLSK_STATE_FAILED ? e->err : 0;
}

int tlsk_engine_export_keys(const struct tlsk_engine *e,
			    enum tlsk_direction dir,
			    struct tlsk_traffic_keys *keys)
{
	const struct hs_prot *p = dir == TLSK_DIR_TX ? &e->tx : &e->rx;

	if (e->state != TLSK_STATE_ESTABLISHED || !hs_prot_on(p))
		return -EINVAL;
	hs_prot_keys(p, keys);
	return 0;
}

int tlsk_engine_info(const struct tlsk_engine *e,
		     struct tlsk_session_info *info)
{
	memset(info, 0, sizeof(*info));
	if (e->state != TLSK_STATE_ESTABLISHED)
		return -EINVAL;
	info->version = is_tls12(e) ? 0x0303 : 0x0304;
	info->suite = e->suite12 ? e->suite12->id : e->suite->id;
	info->suite_name = e->suite12 ? e->suite12->iana_name : e->suite->name;
	info->group = e->group ? e->group->name : NULL;
	info->alpn = e->alpn[0] ? e->alpn : NULL;
	info->resumed = e->resumed;
	info->peer = e->peer_subject[0] ? e->peer_subject : NULL;
	info->extended_master_secret = !e->no_ems;
	return 0;
}

int tlsk_engine_post_handshake(struct tlsk_engine *e, uint8_t type,
			       const uint8_t *body, size_t len,
			       uint8_t *alert)
{
	struct rd r;
	int ret;

	*alert = ALERT_UNEXPECTED_MESSAGE;
	if (e->state != TLSK_STATE_ESTABLISHED)
		return -EINVAL;
	if (is_tls12(e))
		return tls12_post_handshake(e, type, body, len, alert);
	if (e->role != TLSK_ROLE_CLIENT || type != HS_NEW_SESSION_TICKET)
		return -EOPNOTSUPP;
	rd_init(&r, body, len);
	ret = client_read_new_session_ticket(e, &r);
	if (!ret && !rd_done(&r))
		ret = -EBADMSG;
	if (ret)
		*alert = ret == -EINVAL ? ALERT_ILLEGAL_PARAMETER :
					  ALERT_DECODE_ERROR;
	return ret;
}

const char *tlsk_alert_name(uint8_t description)
{
	static const struct {
		uint8_t code;
		const char *name;
	} names[] = {
		{ 0, "close_notify" }, { 10, "unexpected_message" },
		{ 20, "bad_record_mac" }, { 22, "record_overflow" },
		{ 40, "handshake_failure" }, { 42, "bad_certificate" },
		{ 43, "unsupported_certificate" },
		{ 44, "certificate_revoked" }, { 45, "certificate_expired" },
		{ 46, "certificate_unknown" }, { 47, "illegal_parameter" },
		{ 48, "unknown_ca" }, { 49, "access_denied" },
		{ 50, "decode_error" }, { 51, "decrypt_error" },
		{ 70, "protocol_version" }, { 71, "insufficient_security" },
		{ 80, "internal_error" }, { 86, "inappropriate_fallback" },
		{ 90, "user_canceled" }, { 100, "no_renegotiation" },
		{ 109, "missing_extension" }, { 110, "unsupported_extension" },
		{ 112, "unrecognized_name" },
		{ 113, "bad_certificate_status_response" },
		{ 115, "unknown_psk_identity" }, { 116, "certificate_required" },
		{ 120, "no_application_protocol" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].code == description)
			return names[i].name;
	}
	return "unknown";
}
