// SPDX-License-Identifier: MIT
/* The fleet key, the session-store address and sealed sessions (fleet.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "fleet.h"

#define SEAL_VERSION	1
#define NONCE_LEN	12
#define TAG_LEN		16

/* ---- the address ---- */

void fleet_addr_scrub(struct fleet_addr *a)
{
	OPENSSL_cleanse(a, sizeof(*a));
}

static int copy_part(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return -EINVAL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* "user:password@" or "password@" (before the last '@' of s..end);
 * returns where the rest begins. */
static const char *parse_cred(const char *s, const char *end,
			      struct fleet_addr *a, const char **why)
{
	const char *at = NULL, *colon;

	for (const char *q = s; q < end; q++)
		if (*q == '@')
			at = q;
	if (!at)
		return s;
	colon = memchr(s, ':', (size_t)(at - s));
	if (colon) {
		if (copy_part(a->user, sizeof(a->user), s, (size_t)(colon - s)))
			goto long_cred;
		s = colon + 1;
	}
	if (copy_part(a->password, sizeof(a->password), s, (size_t)(at - s)))
		goto long_cred;
	if (!a->password[0]) {
		*why = "empty password before '@'";
		return NULL;
	}
	return at + 1;
long_cred:
	*why = "user or password longer than 127 bytes";
	return NULL;
}

static int parse_uint(const char *s, const char *end, unsigned long max,
		      unsigned long *out)
{
	unsigned long v = 0;

	if (s == end || end - s > 10)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int fleet_parse_addr(const char *s, struct fleet_addr *a, const char **why)
{
	const char *end, *slash, *colon;
	unsigned long v;

	memset(a, 0, sizeof(*a));
	*why = "expected redis://[user:password@]host:port[/db] or "
	       "unix:[user:password@]/path";
	if (!strncmp(s, "unix:", 5)) {
		const char *path = strchr(s + 5, '/');

		if (!path)
			return -EINVAL;
		/* credentials end at the last '@' before the path */
		s = parse_cred(s + 5, path, a, why);
		if (!s)
			return -EINVAL;
		if (s != path)
			return -EINVAL;
		a->unix_socket = 1;
		if (copy_part(a->host, sizeof(a->host), path, strlen(path))) {
			*why = "socket path too long";
			return -EINVAL;
		}
		return 0;
	}
	if (strncmp(s, "redis://", 8) != 0)
		return -EINVAL;
	s += 8;
	end = s + strlen(s);
	slash = strrchr(s, '/');
	if (slash && strchr(slash, '@'))
		slash = NULL;	/* a '/' inside the password */
	if (slash) {
		if (parse_uint(slash + 1, end, 1000000, &v)) {
			*why = "the database after '/' must be a number";
			return -EINVAL;
		}
		a->db = (unsigned)v;
		end = slash;
	}
	s = parse_cred(s, end, a, why);
	if (!s)
		return -EINVAL;
	colon = NULL;
	for (const char *q = s; q < end; q++)
		if (*q == ':')
			colon = q;
	if (!colon || colon == s || parse_uint(colon + 1, end, 65535, &v) ||
	    !v) {
		*why = "expected host:port (port 1-65535)";
		return -EINVAL;
	}
	a->port = (int)v;
	if (*s == '[' && colon[-1] == ']')	/* [IPv6]:port */
		return copy_part(a->host, sizeof(a->host), s + 1,
				 (size_t)(colon - s - 2));
	if (copy_part(a->host, sizeof(a->host), s, (size_t)(colon - s))) {
		*why = "host name too long";
		return -EINVAL;
	}
	return 0;
}

/* ---- keys ---- */

static int hkdf(const uint8_t *ikm, size_t ikm_len, const char *info,
		uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	static const char salt[] = "tlsk fleet";
	int ok;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)ikm, ikm_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt,
						 sizeof(salt) - 1);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

void fleet_keys_scrub(struct fleet_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int fleet_derive(const uint8_t fleet_key[FLEET_KEY_LEN], struct fleet_keys *k)
{
	memset(k, 0, sizeof(*k));
	if (hkdf(fleet_key, FLEET_KEY_LEN, "tlsk session store names v1",
		 k->name_key, sizeof(k->name_key)) ||
	    hkdf(fleet_key, FLEET_KEY_LEN, "tlsk session store sealing v1",
		 k->seal_key, sizeof(k->seal_key)) ||
	    hkdf(fleet_key, FLEET_KEY_LEN, "tlsk ticket key wrapping v1",
		 k->tk_key, sizeof(k->tk_key))) {
		fleet_keys_scrub(k);
		return -EIO;
	}
	k->set = 1;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fleet_load_key(const char *path, struct fleet_keys *k, const char **why)
{
	char line[128];
	uint8_t key[FLEET_KEY_LEN];
	FILE *f = fopen(path, "r");
	size_t n;
	int rc = -EINVAL;

	memset(k, 0, sizeof(*k));
	if (!f) {
		rc = -errno;
		*why = "cannot open it";
		return rc;
	}
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	*why = "expected one line of 64 hex digits (openssl rand -hex 32)";
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n != (size_t)2 * FLEET_KEY_LEN)
		goto out;
	for (size_t i = 0; i < FLEET_KEY_LEN; i++) {
		int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto out;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	rc = fleet_derive(key, k);
	if (rc)
		*why = "key derivation failed";
out:
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* ---- entries ---- */

int fleet_entry_name(const struct fleet_keys *k, const char *profile,
		     const uint8_t *id, size_t id_len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t msg[256 + 1 + FLEET_ID_MAX], mac[EVP_MAX_MD_SIZE];
	size_t plen = strlen(profile);
	unsigned mlen = 0;
	size_t pre = sizeof(FLEET_NAME_PREFIX) - 1;

	if (!k->set || !id_len || id_len > FLEET_ID_MAX || plen > 256)
		return -EINVAL;
	memcpy(msg, profile, plen + 1);
	memcpy(msg + plen + 1, id, id_len);
	if (!HMAC(EVP_sha256(), k->name_key, sizeof(k->name_key), msg,
		  plen + 1 + id_len, mac, &mlen) || mlen != 32)
		return -EIO;
	memcpy(out, FLEET_NAME_PREFIX, pre);
	for (size_t i = 0; i < 32; i++) {
		out[pre + 2 * i] = hex[mac[i] >> 4];
		out[pre + 2 * i + 1] = hex[mac[i] & 15];
	}
	out[FLEET_NAME_LEN] = '\0';
	return 0;
}

/* AES-256-GCM over in under key (enc: seal, else open, checking tag);
 * the version byte and name are the associated data. */
static int gcm_key(const uint8_t *key, int enc, const uint8_t *nonce,
		   const char *name, const uint8_t *in, size_t len,
		   uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t ver = SEAL_VERSION;
	int n = 0, ok;

	ok = c && len <= TLSK_SESSION_BLOB_MAX &&
	     EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce,
			       enc) == 1 &&
	     EVP_CipherUpdate(c, NULL, &n, &ver, 1) == 1 &&
	     EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)name,
			      (int)strlen(name)) == 1 &&
	     EVP_CipherUpdate(c, out, &n, in, (int)len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
					 tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(c, out + n, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
					 tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EBADMSG;
}

static int gcm(const struct fleet_keys *k, int enc, const uint8_t *nonce,
	       const char *name, const uint8_t *in, size_t len, uint8_t *out,
	       uint8_t *tag)
{
	return gcm_key(k->seal_key, enc, nonce, name, in, len, out, tag);
}

int fleet_seal(const struct fleet_keys *k, const char *name,
	       const uint8_t *blob, size_t len, uint8_t *out)
{
	if (!k->set || len > TLSK_SESSION_BLOB_MAX)
		return -EINVAL;
	out[0] = SEAL_VERSION;
	if (RAND_bytes(out + 1, NONCE_LEN) != 1)
		return -EIO;
	if (gcm(k, 1, out + 1, name, blob, len, out + 1 + NONCE_LEN,
		out + 1 + NONCE_LEN + len))
		return -EIO;
	return (int)(len + FLEET_SEAL_OVERHEAD);
}

int fleet_open(const struct fleet_keys *k, const char *name,
	       const uint8_t *in, size_t in_len, uint8_t *blob, size_t *len)
{
	uint8_t tag[TAG_LEN];
	size_t n;

	if (!k->set || in_len < FLEET_SEAL_OVERHEAD ||
	    in_len > FLEET_SEALED_MAX || in[0] != SEAL_VERSION)
		return -EBADMSG;
	n = in_len - FLEET_SEAL_OVERHEAD;
	if (n > *len)
		return -EBADMSG;
	memcpy(tag, in + in_len - TAG_LEN, TAG_LEN);
	if (gcm(k, 0, in + 1, name, in + 1 + NONCE_LEN, n, blob, tag)) {
		OPENSSL_cleanse(blob, n);
		return -EBADMSG;
	}
	*len = n;
	return 0;
}

/* ---- ticket keys ---- */

#define TK_PLAIN_LEN	(16 + 32 + 8 + 8)

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void fleet_tk_field(const uint8_t name[16], char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < 16; i++) {
		out[2 * i] = hex[name[i] >> 4];
		out[2 * i + 1] = hex[name[i] & 15];
	}
	out[FLEET_TK_FIELD_LEN] = '\0';
}

/* The associated data: the hash and the field, so a value moved to
 * another field (or out of the ticket-key hash) does not open. */
static void tk_aad(const char *field, char *aad, size_t cap)
{
	snprintf(aad, cap, "%s/%s", FLEET_TK_HASH, field);
}

int fleet_tk_wrap(const struct fleet_keys *k, const struct fleet_tk *t,
		  uint8_t *out)
{
	uint8_t plain[TK_PLAIN_LEN];
	char field[FLEET_TK_FIELD_LEN + 1], aad[64];
	int rc;

	if (!k->set)
		return -EINVAL;
	memcpy(plain, t->name, 16);
	memcpy(plain + 16, t->key, 32);
	put64(plain + 48, t->created);
	put64(plain + 56, t->active_from);
	fleet_tk_field(t->name, field);
	tk_aad(field, aad, sizeof(aad));
	out[0] = SEAL_VERSION;
	rc = RAND_bytes(out + 1, NONCE_LEN) == 1 ? 0 : -EIO;
	if (!rc && gcm_key(k->tk_key, 1, out + 1, aad, plain, sizeof(plain),
			   out + 1 + NONCE_LEN,
			   out + 1 + NONCE_LEN + TK_PLAIN_LEN))
		rc = -EIO;
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

int fleet_tk_unwrap(const struct fleet_keys *k, const char *field,
		    const uint8_t *in, size_t in_len, struct fleet_tk *t)
{
	uint8_t plain[TK_PLAIN_LEN], tag[TAG_LEN];
	char aad[64], want[FLEET_TK_FIELD_LEN + 1];
	int rc = -EBADMSG;

	memset(t, 0, sizeof(*t));
	if (!k->set || in_len != FLEET_TK_WRAPPED_LEN ||
	    in[0] != SEAL_VERSION || strlen(field) != FLEET_TK_FIELD_LEN)
		return -EBADMSG;
	tk_aad(field, aad, sizeof(aad));
	memcpy(tag, in + 1 + NONCE_LEN + TK_PLAIN_LEN, TAG_LEN);
	if (gcm_key(k->tk_key, 0, in + 1, aad, in + 1 + NONCE_LEN,
		    TK_PLAIN_LEN, plain, tag))
		goto out;
	fleet_tk_field(plain, want);
	if (strcmp(want, field) != 0)
		goto out;	/* cannot happen unless the key is shared */
	memcpy(t->name, plain, 16);
	memcpy(t->key, plain + 16, 32);
	t->created = get64(plain + 48);
	t->active_from = get64(plain + 56);
	rc = 0;
out:
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

/* ---- the fleet's ticket keys: which seals, what a lock round does ---- */

static int tk_cmp(const struct fleet_tk *a, const struct fleet_tk *b)
{
	if (a->active_from != b->active_from)
		return a->active_from > b->active_from ? -1 : 1;
	if (a->created != b->created)
		return a->created > b->created ? -1 : 1;
	return memcmp(b->name, a->name, sizeof(a->name));
}

void fleet_tk_sort(struct fleet_tk *set, size_t n)
{
	struct fleet_tk t;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j && tk_cmp(&set[j - 1], &set[j]) > 0; j--) {
			t = set[j];
			set[j] = set[j - 1];
			set[j - 1] = t;
		}
	OPENSSL_cleanse(&t, sizeof(t));
}

static int tk_make(struct fleet_tk *t, uint64_t now, uint64_t active_from)
{
	if (RAND_bytes(t->name, sizeof(t->name)) != 1 ||
	    RAND_bytes(t->key, sizeof(t->key)) != 1)
		return -EIO;
	t->created = now;
	t->active_from = active_from;
	return 0;
}

static void tk_put(struct fleet_tk_plan *p, const struct fleet_tk *t)
{
	if (p->nput < FLEET_TK_PUT_MAX)
		p->put[p->nput++] = *t;
}

/* Adds a new key sealing from active_from; -EIO when it cannot. */
static int tk_add(struct fleet_tk *set, size_t *n, size_t cap, uint64_t now,
		  uint64_t active_from, struct fleet_tk_plan *p)
{
	struct fleet_tk t;
	int rc = -EIO;

	if (*n < cap && !tk_make(&t, now, active_from)) {
		set[(*n)++] = t;
		tk_put(p, &t);
		fleet_tk_sort(set, *n);
		rc = 0;
	}
	OPENSSL_cleanse(&t, sizeof(t));
	return rc;
}

int fleet_tk_plan(struct fleet_tk *set, size_t *n, size_t cap, uint64_t now,
		  const struct fleet_tk_rules *r, struct fleet_tk_plan *p)
{
	size_t cur = 0;		/* the current key: the first sealing */
	uint64_t from;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	fleet_tk_sort(set, *n);
	while (cur < *n && set[cur].active_from > now)
		cur++;
	if (r->rotate) {
		/*
		 * The key to seal goes above every other: sealing from the
		 * second another began (the current key, or one an earlier
		 * rotation this second promoted) would tie with it, and the
		 * fleet could go on with either.
		 */
		from = now;
		if (cur > 0) {	/* promoted: every machine has it */
			if (*n > 1 && set[1].active_from >= from)
				from = set[1].active_from + 1;
			set[0].active_from = from;
			tk_put(p, &set[0]);
		} else {
			if (*n && set[0].active_from >= from)
				from = set[0].active_from + 1;
			if (tk_add(set, n, cap, now, from, p))
				rc = -EIO;
		}
	}
	/*
	 * A next key is made when none is to come (after a rotation, set[0]
	 * is the key about to seal). Without a current key (the fleet's
	 * first, or Redis lost its content) the new key too seals only from
	 * lead_s on: until then every machine seals with what it has, and
	 * learns the key.
	 */
	if (r->rotate || cur == 0) {
		from = *n ? set[0].active_from + r->rotation_s : 0;
		if (from < now + r->lead_s)
			from = now + r->lead_s;
		if (*n && from <= set[0].active_from)
			from = set[0].active_from + 1;
		if (tk_add(set, n, cap, now, from, p))
			rc = -EIO;
	}
	/* Older keys go once their successor has sealed for lifetime_s. */
	for (size_t i = 1; i < *n; i++) {
		if (set[i].active_from > now || set[i - 1].active_from > now ||
		    set[i - 1].active_from + r->lifetime_s > now)
			continue;
		if (p->ndrop < FLEET_TK_SET_MAX)
			memcpy(p->drop[p->ndrop++], set[i].name, 16);
	}
	return rc;
}

/* ---- the session ID a ClientHello offers ---- */

struct rd {
	const uint8_t *p;
	size_t left;
};

static int take(struct rd *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return -1;
	if (out)
		*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static int take_len(struct rd *r, size_t width, size_t *n)
{
	const uint8_t *b;

	if (take(r, width, &b))
		return -1;
	*n = 0;
	for (size_t i = 0; i < width; i++)
		*n = *n << 8 | b[i];
	return 0;
}

int fleet_hello_session(const uint8_t *rec, size_t len, uint8_t *id,
			size_t *id_len, int *offers13)
{
	struct rd r = { rec, len }, ext;
	const uint8_t *b, *sid;
	size_t n, body, sid_len = 0;
	bool cut;

	*id_len = 0;
	*offers13 = 0;
	/* record header: handshake, any 3.x version, length */
	if ((len > 0 && rec[0] != 22) || (len > 1 && rec[1] != 3))
		return -EINVAL;
	if (take(&r, 5, &b))
		return -EAGAIN;
	body = (size_t)b[3] << 8 | b[4];
	cut = r.left < body;
	if (body < r.left)
		r.left = body;
	/* ClientHello header, legacy_version, random */
	if (r.left && r.p[0] != 1)
		return -EINVAL;
	if (take(&r, 1 + 3 + 2 + 32, NULL) || take_len(&r, 1, &sid_len) ||
	    sid_len > FLEET_ID_MAX || take(&r, sid_len, &sid))
		return cut && sid_len <= FLEET_ID_MAX ? -EAGAIN : -EINVAL;
	memcpy(id, sid, sid_len);
	*id_len = sid_len;
	/* Whether it offers TLS 1.3 (supported_versions). A record whose
	 * extensions do not parse, or a hello longer than its first record:
	 * the caller looks the ID up anyway. */
	if (take_len(&r, 2, &n) || take(&r, n, NULL) ||
	    take_len(&r, 1, &n) || take(&r, n, NULL) ||
	    take_len(&r, 2, &n) || take(&r, n, &b))
		return cut ? -EAGAIN : 0;
	ext.p = b;
	ext.left = n;
	while (ext.left) {
		size_t type, elen;
		struct rd v;

		if (take_len(&ext, 2, &type) || take_len(&ext, 2, &elen) ||
		    take(&ext, elen, &b))
			return 0;
		if (type != 43)
			continue;
		v.p = b;
		v.left = elen;
		if (take_len(&v, 1, &n) || n > v.left)
			return 0;
		for (size_t i = 0; i + 1 < n; i += 2)
			if (v.p[i] == 3 && v.p[i + 1] == 4)
				*offers13 = 1;
		return 0;
	}
	return 0;
}
