// SPDX-License-Identifier: MIT
/*
 * The tlskd wire protocol (see tlsk/service.h): one table of attributes per
 * message type drives both the encoder and the strict decoder, so the two
 * cannot disagree about a field's size, and a new attribute is one line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsk/service.h"

enum attr_kind { K_U8 = 1, K_U16 = 2, K_U32 = 4, K_U64 = 8, K_STR = 0 };

struct attr_desc {
	uint8_t attr;
	uint8_t kind;		/* integer width, or K_STR */
	bool required;
	size_t off;		/* into the decoded struct */
	size_t size;		/* of the field (strings: NUL included) */
};

#define A_INT(s, a, f, req) { a, sizeof(((s *)0)->f), req, offsetof(s, f), sizeof(((s *)0)->f) }
#define A_STR(s, a, f, req) { a, K_STR, req, offsetof(s, f), sizeof(((s *)0)->f) }

static const struct attr_desc request_attrs[] = {
	A_INT(struct tlsk_request, TLSK_A_ROLE, role, true),
	A_STR(struct tlsk_request, TLSK_A_PROFILE, profile, true),
	A_STR(struct tlsk_request, TLSK_A_SERVER_NAME, server_name, false),
	A_STR(struct tlsk_request, TLSK_A_ALPN, alpn, false),
	A_INT(struct tlsk_request, TLSK_A_TIMEOUT_MS, timeout_ms, false),
};

static const struct attr_desc reply_attrs[] = {
	A_INT(struct tlsk_result, TLSK_A_STATUS, status, true),
	A_INT(struct tlsk_result, TLSK_A_VERSION, version, false),
	A_INT(struct tlsk_result, TLSK_A_SUITE, suite, false),
	A_STR(struct tlsk_result, TLSK_A_SUITE_NAME, suite_name, false),
	A_STR(struct tlsk_result, TLSK_A_GROUP, group, false),
	A_STR(struct tlsk_result, TLSK_A_NEG_ALPN, alpn, false),
	A_INT(struct tlsk_result, TLSK_A_RESUMED, resumed, false),
	A_STR(struct tlsk_result, TLSK_A_PEER_SUBJECT, peer_subject, false),
	A_STR(struct tlsk_result, TLSK_A_PEER_SANS, peer_sans, false),
	A_INT(struct tlsk_result, TLSK_A_ALERT, alert, true),
	A_INT(struct tlsk_result, TLSK_A_ALERT_RECEIVED, alert_received, false),
	A_STR(struct tlsk_result, TLSK_A_REASON, reason, false),
	A_INT(struct tlsk_result, TLSK_A_ULP, ulp, false),
	A_INT(struct tlsk_result, TLSK_A_PROXIED, proxied, false),
};

#define A_STAT(a, f) A_INT(struct tlsk_daemon_status, a, f, false)
static const struct attr_desc status_attrs[] = {
	A_STAT(TLSK_A_HS_DONE, hs_done),
	A_STAT(TLSK_A_HS_FAILED, hs_failed),
	A_STAT(TLSK_A_HS_RESUMED, hs_resumed),
	A_STAT(TLSK_A_HS_ACTIVE, hs_active),
	A_STAT(TLSK_A_PROXIES_ACTIVE, proxies_active),
	A_STAT(TLSK_A_REQ_REFUSED, req_refused),
	A_STAT(TLSK_A_REQ_MALFORMED, req_malformed),
	A_STAT(TLSK_A_TICKET_KEYS, ticket_keys),
	A_STAT(TLSK_A_TICKET_KEY_AGE, ticket_key_age),
	A_STAT(TLSK_A_TICKET_ROTATION, ticket_rotation),
	A_STAT(TLSK_A_SESSION_CACHE, session_cache),
	A_STAT(TLSK_A_UPTIME, uptime),
	A_STAT(TLSK_A_CONFIG_GEN, config_gen),
	A_STAT(TLSK_A_PROFILES, profiles),
	A_STAT(TLSK_A_SESSION_STORE, session_store),
	A_STAT(TLSK_A_SESSION_STORE_DOWN, session_store_down),
	A_STAT(TLSK_A_TICKET_SOURCE, ticket_source),
	A_STAT(TLSK_A_TICKET_REDIS, ticket_redis),
	A_STAT(TLSK_A_TICKET_REDIS_DOWN, ticket_redis_down),
};

static const struct attr_desc tk_request_attrs[] = {
	A_INT(struct tlsk_request, TLSK_A_ROTATE, rotate, false),
};

/* The ticket-keys reply on the wire: the list as one string. */
struct tk_wire {
	uint32_t status;
	char reason[TLSK_REASON_MAX];
	uint8_t source, redis;
	uint64_t rotation;
	char list[TLSK_TICKET_KEY_LIST_MAX];
};

static const struct attr_desc tk_reply_attrs[] = {
	A_INT(struct tk_wire, TLSK_A_STATUS, status, true),
	A_STR(struct tk_wire, TLSK_A_REASON, reason, false),
	A_INT(struct tk_wire, TLSK_A_TICKET_SOURCE, source, false),
	A_INT(struct tk_wire, TLSK_A_TICKET_REDIS, redis, false),
	A_INT(struct tk_wire, TLSK_A_TICKET_ROTATION, rotation, false),
	A_STR(struct tk_wire, TLSK_A_TICKET_KEY_LIST, list, false),
};

struct msg_schema {
	const struct attr_desc *attrs;
	size_t n;
};

#define SCHEMA(t) { t, sizeof(t) / sizeof((t)[0]) }
static const struct msg_schema request_schema = SCHEMA(request_attrs);
static const struct msg_schema reply_schema = SCHEMA(reply_attrs);
static const struct msg_schema status_schema = SCHEMA(status_attrs);
static const struct msg_schema tk_request_schema = SCHEMA(tk_request_attrs);
static const struct msg_schema tk_reply_schema = SCHEMA(tk_reply_attrs);
/* A status request carries no attributes. */
static const struct msg_schema empty_schema = { NULL, 0 };

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t load_int(const void *field, size_t n)
{
	switch (n) {
	case 1: return *(const uint8_t *)field;
	case 2: return *(const uint16_t *)field;
	case 4: return *(const uint32_t *)field;
	default: return *(const uint64_t *)field;
	}
}

static void store_int(void *field, size_t n, uint64_t v)
{
	switch (n) {
	case 1: *(uint8_t *)field = (uint8_t)v; break;
	case 2: *(uint16_t *)field = (uint16_t)v; break;
	case 4: *(uint32_t *)field = (uint32_t)v; break;
	default: *(uint64_t *)field = v; break;
	}
}

/* Printable ASCII or UTF-8 continuation/lead bytes; no NUL, no controls. */
static bool string_ok(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Integer attributes added to version 1 after its first release go out
 * only when not 0: a decoder of that release refuses attributes it does
 * not know, and still reads what a tlskd without the feature sends. */
#define A_LATE_MIN	TLSK_A_SESSION_STORE

static int encode(uint8_t type, uint32_t id, const struct msg_schema *sc,
		  const void *msg, uint8_t *buf, size_t cap)
{
	size_t pos = TLSK_MSG_HEADER_LEN;

	if (cap < TLSK_MSG_HEADER_LEN)
		return -EMSGSIZE;
	buf[0] = TLSK_MSG_MAGIC0;
	buf[1] = TLSK_MSG_MAGIC1;
	buf[2] = TLSK_MSG_VERSION;
	buf[3] = type;
	put_be(buf + 4, id, 4);
	for (size_t i = 0; i < sc->n; i++) {
		const struct attr_desc *d = &sc->attrs[i];
		const uint8_t *field = (const uint8_t *)msg + d->off;
		size_t len = d->kind == K_STR ? strnlen((const char *)field, d->size)
					      : d->kind;

		if (d->kind == K_STR) {
			if (len == d->size || !string_ok(field, len))
				return -EINVAL;
			if (len == 0 && !d->required)
				continue;
		} else if (!d->required && d->attr >= A_LATE_MIN &&
			   !load_int(field, len)) {
			continue;
		}
		if (cap - pos < 3 + len)
			return -EMSGSIZE;
		buf[pos] = d->attr;
		put_be(buf + pos + 1, len, 2);
		if (d->kind == K_STR)
			memcpy(buf + pos + 3, field, len);
		else
			put_be(buf + pos + 3, load_int(field, len), len);
		pos += 3 + len;
	}
	return pos > TLSK_MSG_MAX ? -EMSGSIZE : (int)pos;
}

int tlsk_msg_peek_type(const uint8_t *buf, size_t len)
{
	if (len < TLSK_MSG_HEADER_LEN || len > TLSK_MSG_MAX ||
	    buf[0] != TLSK_MSG_MAGIC0 || buf[1] != TLSK_MSG_MAGIC1)
		return -EBADMSG;
	if (buf[2] != TLSK_MSG_VERSION)
		return -EPROTONOSUPPORT;
	switch (buf[3]) {
	case TLSK_MSG_HANDSHAKE:
	case TLSK_MSG_STATUS:
	case TLSK_MSG_TICKET_KEYS:
	case TLSK_MSG_HANDSHAKE_REPLY:
	case TLSK_MSG_STATUS_REPLY:
	case TLSK_MSG_TICKET_KEYS_REPLY:
		return buf[3];
	}
	return -EBADMSG;
}

static const struct attr_desc *find_attr(const struct msg_schema *sc,
					 uint8_t attr, size_t *index)
{
	for (size_t i = 0; i < sc->n; i++) {
		if (sc->attrs[i].attr == attr) {
			*index = i;
			return &sc->attrs[i];
		}
	}
	return NULL;
}

static int decode_attr(const struct attr_desc *d, const uint8_t *v,
		       size_t len, void *msg)
{
	uint8_t *field = (uint8_t *)msg + d->off;

	if (d->kind != K_STR) {
		if (len != d->kind)
			return -EBADMSG;
		store_int(field, d->kind, get_be(v, len));
		return 0;
	}
	if (len >= d->size || !string_ok(v, len))
		return -EBADMSG;
	memcpy(field, v, len);
	field[len] = '\0';
	return 0;
}

static int decode(const uint8_t *buf, size_t len, uint8_t type,
		  const struct msg_schema *sc, void *msg, size_t msg_size,
		  uint32_t *id)
{
	uint32_t seen = 0;	/* bit i: sc->attrs[i] decoded (n <= 32) */
	size_t pos = TLSK_MSG_HEADER_LEN;
	int rc = tlsk_msg_peek_type(buf, len);

	memset(msg, 0, msg_size);
	if (rc < 0)
		return rc;
	if (rc != type)
		return -EBADMSG;
	if (id)
		*id = (uint32_t)get_be(buf + 4, 4);
	while (pos < len) {
		const struct attr_desc *d;
		size_t alen, i;

		if (len - pos < 3)
			return -EBADMSG;
		alen = get_be(buf + pos + 1, 2);
		if (len - pos - 3 < alen)
			return -EBADMSG;
		d = find_attr(sc, buf[pos], &i);
		if (!d || (seen & (1u << i)))
			return -EBADMSG;
		rc = decode_attr(d, buf + pos + 3, alen, msg);
		if (rc)
			return rc;
		seen |= 1u << i;
		pos += 3 + alen;
	}
	for (size_t i = 0; i < sc->n; i++)
		if (sc->attrs[i].required && !(seen & (1u << i)))
			return -EBADMSG;
	return 0;
}

static const struct msg_schema *request_schema_for(uint8_t type)
{
	if (type == TLSK_MSG_STATUS)
		return &empty_schema;
	return type == TLSK_MSG_TICKET_KEYS ? &tk_request_schema :
	       &request_schema;
}

static bool is_request(int type)
{
	return type == TLSK_MSG_HANDSHAKE || type == TLSK_MSG_STATUS ||
	       type == TLSK_MSG_TICKET_KEYS;
}

int tlsk_msg_encode_request(const struct tlsk_request *req, uint8_t *buf,
			    size_t cap)
{
	if (!is_request(req->type))
		return -EINVAL;
	return encode(req->type, req->id, request_schema_for(req->type), req,
		      buf, cap);
}

int tlsk_msg_decode_request(const uint8_t *buf, size_t len,
			    struct tlsk_request *req)
{
	int type = tlsk_msg_peek_type(buf, len);
	int rc;

	if (type < 0) {
		memset(req, 0, sizeof(*req));
		return type;
	}
	if (!is_request(type))
		type = TLSK_MSG_HANDSHAKE;	/* decode() rejects it */
	rc = decode(buf, len, (uint8_t)type, request_schema_for((uint8_t)type),
		    req, sizeof(*req), &req->id);
	if (rc)
		return rc;
	req->type = (uint8_t)type;
	if (type == TLSK_MSG_HANDSHAKE && req->role != TLSK_ROLE_CLIENT &&
	    req->role != TLSK_ROLE_SERVER)
		return -EBADMSG;
	return 0;
}

int tlsk_msg_encode_reply(uint32_t id, const struct tlsk_result *res,
			  uint8_t *buf, size_t cap)
{
	return encode(TLSK_MSG_HANDSHAKE_REPLY, id, &reply_schema, res, buf,
		      cap);
}

int tlsk_msg_decode_reply(const uint8_t *buf, size_t len, uint32_t *id,
			  struct tlsk_result *res)
{
	return decode(buf, len, TLSK_MSG_HANDSHAKE_REPLY, &reply_schema, res,
		      sizeof(*res), id);
}

int tlsk_msg_encode_status(uint32_t id, const struct tlsk_daemon_status *st,
			   uint8_t *buf, size_t cap)
{
	return encode(TLSK_MSG_STATUS_REPLY, id, &status_schema, st, buf, cap);
}

int tlsk_msg_decode_status(const uint8_t *buf, size_t len, uint32_t *id,
			   struct tlsk_daemon_status *st)
{
	return decode(buf, len, TLSK_MSG_STATUS_REPLY, &status_schema, st,
		      sizeof(*st), id);
}

/* ---- the ticket-keys reply ---- */

static bool is_hex32(const char *s)
{
	for (int i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int tlsk_msg_encode_ticket_keys(uint32_t id,
				const struct tlsk_ticket_keys_info *tk,
				uint8_t *buf, size_t cap)
{
	struct tk_wire w;
	size_t pos = 0;

	memset(&w, 0, sizeof(w));
	if (tk->n > TLSK_TICKET_KEYS_MAX)
		return -EINVAL;
	w.status = (uint32_t)tk->status;
	memcpy(w.reason, tk->reason, sizeof(w.reason));
	w.reason[sizeof(w.reason) - 1] = '\0';
	w.source = tk->source;
	w.redis = tk->redis;
	w.rotation = tk->rotation_s;
	for (unsigned i = 0; i < tk->n; i++) {
		const struct tlsk_ticket_key_info *k = &tk->keys[i];
		int n;

		if (strnlen(k->id, sizeof(k->id)) != 32 || !is_hex32(k->id) ||
		    k->state > TLSK_TICKET_KEY_NEXT)
			return -EINVAL;
		n = snprintf(w.list + pos, sizeof(w.list) - pos,
			     "%s%s %u %" PRIu64 " %" PRId64, i ? ";" : "",
			     k->id, (unsigned)k->state, k->age_s, k->active_s);
		if (n < 0 || (size_t)n >= sizeof(w.list) - pos)
			return -EMSGSIZE;
		pos += (size_t)n;
	}
	return encode(TLSK_MSG_TICKET_KEYS_REPLY, id, &tk_reply_schema, &w,
		      buf, cap);
}

/* "ID STATE AGE ACTIVE", exactly: one entry of the list. */
static int parse_key_entry(const char *s, const char *end,
			   struct tlsk_ticket_key_info *k)
{
	char num[32], *e;
	const char *sp;
	long long v;

	if (end - s < 34 || !is_hex32(s) || s[32] != ' ')
		return -EBADMSG;
	memcpy(k->id, s, 32);
	k->id[32] = '\0';
	s += 33;
	if (end - s < 2 || s[0] < '0' || s[0] > '2' || s[1] != ' ')
		return -EBADMSG;
	k->state = (uint8_t)(s[0] - '0');
	s += 2;
	sp = memchr(s, ' ', (size_t)(end - s));
	if (!sp || sp == s || sp - s >= (long)sizeof(num) ||
	    end - sp < 2 || end - sp > (long)sizeof(num))
		return -EBADMSG;
	memcpy(num, s, (size_t)(sp - s));
	num[sp - s] = '\0';
	if (num[0] < '0' || num[0] > '9')
		return -EBADMSG;
	errno = 0;
	k->age_s = strtoull(num, &e, 10);
	if (errno || *e)
		return -EBADMSG;
	memcpy(num, sp + 1, (size_t)(end - sp - 1));
	num[end - sp - 1] = '\0';
	if (num[0] != '-' && (num[0] < '0' || num[0] > '9'))
		return -EBADMSG;
	errno = 0;
	v = strtoll(num, &e, 10);
	if (errno || *e)
		return -EBADMSG;
	k->active_s = v;
	return 0;
}

int tlsk_msg_decode_ticket_keys(const uint8_t *buf, size_t len, uint32_t *id,
				struct tlsk_ticket_keys_info *tk)
{
	struct tk_wire w;
	const char *s, *end;
	int rc;

	memset(tk, 0, sizeof(*tk));
	rc = decode(buf, len, TLSK_MSG_TICKET_KEYS_REPLY, &tk_reply_schema,
		    &w, sizeof(w), id);
	if (rc)
		return rc;
	if (w.status > 4095)
		return -EBADMSG;
	tk->status = (int)w.status;
	memcpy(tk->reason, w.reason, sizeof(tk->reason));
	tk->source = w.source;
	tk->redis = w.redis;
	tk->rotation_s = w.rotation;
	for (s = w.list; *s; s = *end ? end + 1 : end) {
		end = strchr(s, ';');
		if (!end)
			end = s + strlen(s);
		if (tk->n == TLSK_TICKET_KEYS_MAX ||
		    parse_key_entry(s, end, &tk->keys[tk->n])) {
			memset(tk, 0, sizeof(*tk));
			return -EBADMSG;
		}
		tk->n++;
		if (!*end)
			break;
	}
	return 0;
}
