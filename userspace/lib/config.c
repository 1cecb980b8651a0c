// SPDX-License-Identifier: MIT
/* tlsk_config: parsing of the configuration calls and their defaults. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "codec.h"
#include "suites.h"

static int own_ticket_key(void *arg, uint8_t name[16], uint8_t key[32])
{
	struct tlsk_config *cfg = arg;

	memcpy(name, cfg->own_ticket_name, 16);
	memcpy(key, cfg->own_ticket_key, 32);
	return 0;
}

static int own_ticket_lookup(void *arg, const uint8_t name[16],
			     uint8_t key[32])
{
	struct tlsk_config *cfg = arg;

	if (CRYPTO_memcmp(name, cfg->own_ticket_name, 16))
		return -ENOENT;
	memcpy(key, cfg->own_ticket_key, 32);
	return 0;
}

static uint64_t realtime_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct tlsk_config *tlsk_config_new(void)
{
	struct tlsk_config *cfg = OPENSSL_zalloc(sizeof(*cfg));

	if (!cfg)
		return NULL;
	if (RAND_bytes(cfg->own_ticket_name, 16) != 1 ||
	    RAND_priv_bytes(cfg->own_ticket_key, 32) != 1) {
		OPENSSL_free(cfg);
		return NULL;
	}
	cfg->ticket_keys.current = own_ticket_key;
	cfg->ticket_keys.lookup = own_ticket_lookup;
	cfg->ticket_keys.arg = cfg;
	cfg->ticket_count = 1;
	cfg->ticket_lifetime = 7200;
	cfg->now_ms = realtime_ms;
	cfg->version_min = 0x0303;
	cfg->version_max = 0x0304;
	for (size_t i = 0; tlsk_suite_at(i); i++)
		cfg->suites[cfg->nsuites++] = tlsk_suite_at(i)->id;
	for (size_t i = 0; tls12_suite_at(i); i++)
		if (!tls12_suite_at(i)->needs_profile)
			cfg->tls12_suites[cfg->ntls12_suites++] =
				tls12_suite_at(i)->id;
	for (size_t i = 0; tlsk_group_at(i); i++)
		cfg->groups[cfg->ngroups++] = tlsk_group_at(i)->id;
	if (cfg_update_binding(cfg)) {
		tlsk_config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void free_cert(struct cfg_cert *c)
{
	X509_free(c->leaf);
	sk_X509_pop_free(c->chain, X509_free);
	EVP_PKEY_free(c->key);
	memset(c, 0, sizeof(*c));
}

void tlsk_config_free(struct tlsk_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ncerts; i++)
		free_cert(&cfg->certs[i]);
	X509_STORE_free(cfg->store);
	sesscache_free(cfg->own_sesscache);
	OPENSSL_clear_free(cfg, sizeof(*cfg));
}

enum tlsk_verify cfg_verify_mode(const struct tlsk_config *cfg,
				 enum tlsk_role role)
{
	if (cfg->verify_set)
		return cfg->verify;
	return role == TLSK_ROLE_CLIENT ? TLSK_VERIFY_REQUIRE : TLSK_VERIFY_NONE;
}

uint64_t cfg_now_ms(const struct tlsk_config *cfg)
{
	return cfg->now_ms(cfg->now_arg);
}

/* ---- what a server's resumable sessions are bound to ---- */

#define ANCHOR_LEN (1 + CFG_BINDING_LEN)	/* kind, SHA-256 */

static int cmp_anchor(const void *a, const void *b)
{
	return memcmp(a, b, ANCHOR_LEN);
}

/* One entry per certificate ('C') and CRL ('R') of the store, sorted, so
 * that the same anchors give the same list in whatever order they were
 * loaded. *out is the caller's to free. */
static int anchor_digests(X509_STORE *store, uint8_t **out, size_t *n)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
	int num = sk_X509_OBJECT_num(objs);
	uint8_t *list;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (num <= 0)
		return 0;
	list = OPENSSL_malloc((size_t)num * ANCHOR_LEN);
	if (!list)
		return -ENOMEM;
	for (int i = 0; i < num; i++) {
		X509_OBJECT *o = sk_X509_OBJECT_value(objs, i);
		X509 *x = X509_OBJECT_get0_X509(o);
		X509_CRL *crl = X509_OBJECT_get0_X509_CRL(o);
		uint8_t *p = list + k * ANCHOR_LEN;
		unsigned len = 0;
		int ok;

		if (x) {
			p[0] = 'C';
			ok = X509_digest(x, EVP_sha256(), p + 1, &len);
		} else if (crl) {
			p[0] = 'R';
			ok = X509_CRL_digest(crl, EVP_sha256(), p + 1, &len);
		} else {
			continue;
		}
		if (!ok || len != CFG_BINDING_LEN) {
			OPENSSL_free(list);
			return -ENOMEM;
		}
		k++;
	}
	qsort(list, k, ANCHOR_LEN, cmp_anchor);
	*out = list;
	*n = k;
	return 0;
}

static int binding_digest(const struct tlsk_config *cfg, uint8_t *out)
{
	static const char label[] = "tlsk resumption binding 1";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t ctx_len = (uint8_t)strlen(cfg->session_ctx);
	uint8_t mode = (uint8_t)cfg_verify_mode(cfg, TLSK_ROLE_SERVER);
	uint8_t *anchors = NULL, count[4];
	size_t n = 0;
	int ok;

	ok = md && (!cfg->store ||
		    !anchor_digests(cfg->store, &anchors, &n)) &&
	     EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, label, sizeof(label)) &&
	     EVP_DigestUpdate(md, &ctx_len, 1) &&
	     EVP_DigestUpdate(md, cfg->session_ctx, ctx_len) &&
	     EVP_DigestUpdate(md, &mode, 1);
	if (ok && cfg->store) {
		for (int i = 0; i < 4; i++)
			count[i] = (uint8_t)(n >> (24 - 8 * i));
		ok = EVP_DigestUpdate(md, "CA", 2) &&
		     EVP_DigestUpdate(md, count, 4) &&
		     (!n || EVP_DigestUpdate(md, anchors, n * ANCHOR_LEN));
	} else if (ok) {
		/* cert_verify_peer() then trusts the system's anchors */
		ok = EVP_DigestUpdate(md, "system", 6);
	}
	ok = ok && EVP_DigestFinal_ex(md, out, NULL);
	OPENSSL_free(anchors);
	EVP_MD_CTX_free(md);
	return ok ? 0 : -ENOMEM;
}

int cfg_update_binding(struct tlsk_config *cfg)
{
	if (!binding_digest(cfg, cfg->binding))
		return 0;
	/* fail closed: a binding no ticket or session carries */
	if (RAND_bytes(cfg->binding, sizeof(cfg->binding)) != 1)
		memset(cfg->binding, 0xff, sizeof(cfg->binding));
	return -ENOMEM;
}

static int load_chain(FILE *f, struct cfg_cert *c)
{
	X509 *x;

	c->leaf = PEM_read_X509(f, NULL, NULL, NULL);
	c->chain = sk_X509_new_null();
	if (!c->leaf || !c->chain)
		return -EINVAL;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)))
		if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			return -ENOMEM;
		}
	return 0;
}

/* What the first PEM block of a file is: "certificate", "private key",
 * another label, or "no PEM block" (for messages only). */
static const char *pem_kind(const char *path)
{
	static const char *const kinds[] = { "CERTIFICATE", "PRIVATE KEY" };
	char line[128];
	const char *kind = "no PEM block";
	FILE *f = fopen(path, "r");

	if (!f)
		return kind;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "-----BEGIN ", 11) != 0)
			continue;
		kind = "another PEM block";
		for (size_t i = 0; i < 2; i++)
			if (strstr(line, kinds[i]))
				kind = i ? "private key" : "certificate";
		break;
	}
	fclose(f);
	return kind;
}

static int cfg_fail(struct tlsk_config *cfg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_fail(struct tlsk_config *cfg, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cfg->error, sizeof(cfg->error), fmt, ap);
	va_end(ap);
	return err;
}

/* Why a chain and key that failed to load did; c->leaf may be NULL. */
static int explain_cert(struct tlsk_config *cfg, const struct cfg_cert *c,
			const char *chain, const char *key)
{
	const char *ck = pem_kind(chain), *kk = pem_kind(key);

	if (!c->leaf && !strcmp(ck, "private key") &&
	    !strcmp(kk, "certificate"))
		return cfg_fail(cfg, -EINVAL, "%s is a private key and %s a "
				"certificate: swapped? (cert = CHAIN KEY, the "
				"certificate first)", chain, key);
	if (!c->leaf)
		return cfg_fail(cfg, -EINVAL, "%s holds %s, not a PEM "
				"certificate", chain, ck);
	if (!c->key)
		return cfg_fail(cfg, -EINVAL, "%s holds %s, not a PEM private "
				"key", key, kk);
	return cfg_fail(cfg, -EINVAL, "the private key in %s does not belong "
			"to the certificate in %s", key, chain);
}

int tlsk_config_add_cert(struct tlsk_config *cfg, const char *chain_pem_path,
			 const char *key_pem_path)
{
	struct cfg_cert c = { 0 };
	FILE *f;
	int ret;

	cfg->error[0] = '\0';
	if (cfg->ncerts == CFG_MAX_CERTS)
		return -ENOSPC;
	f = fopen(chain_pem_path, "r");
	if (!f)
		return cfg_fail(cfg, -errno, "%s: %s", chain_pem_path,
				strerror(errno));
	ret = load_chain(f, &c);
	fclose(f);
	if (!ret) {
		f = fopen(key_pem_path, "r");
		if (!f) {
			ret = cfg_fail(cfg, -errno, "%s: %s", key_pem_path,
				       strerror(errno));
		} else {
			c.key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
			fclose(f);
			if (!c.key || X509_check_private_key(c.leaf, c.key) != 1)
				ret = -EINVAL;
		}
	}
	if (ret == -EINVAL)
		explain_cert(cfg, &c, chain_pem_path, key_pem_path);
	ERR_clear_error();
	if (ret) {
		free_cert(&c);
		return ret;
	}
	cfg->certs[cfg->ncerts++] = c;
	return 0;
}

const char *tlsk_config_error(const struct tlsk_config *cfg)
{
	return cfg->error;
}

int tlsk_config_load_ca_file(struct tlsk_config *cfg, const char *pem_path)
{
	int ret;

	cfg->error[0] = '\0';
	/* A file that is not there is ENOENT, like a missing certificate. */
	if (access(pem_path, R_OK))
		return cfg_fail(cfg, -errno, "%s: %s", pem_path,
				strerror(errno));
	if (!cfg->store && !(cfg->store = X509_STORE_new()))
		return -ENOMEM;
	ret = X509_STORE_load_file(cfg->store, pem_path) == 1 ? 0 :
	      cfg_fail(cfg, -EINVAL, "%s holds %s, not PEM certificates",
		       pem_path, pem_kind(pem_path));
	ERR_clear_error();
	/* even after a failure: part of the file may be in the store */
	if (cfg_update_binding(cfg) && !ret)
		ret = -ENOMEM;
	return ret;
}

/* The bundle file only, read now: OpenSSL's hashed directory would be
 * read lazily, during verifications. */
int tlsk_config_load_system_ca(struct tlsk_config *cfg)
{
	const char *path = X509_get_default_cert_file();

	if (access(path, R_OK))
		return -errno;
	return tlsk_config_load_ca_file(cfg, path);
}

const char *tlsk_system_ca_file(void)
{
	return X509_get_default_cert_file();
}

int tlsk_config_share_ca(struct tlsk_config *dst,
			 const struct tlsk_config *src)
{
	if (dst->store)
		return -EEXIST;
	if (src->store && !X509_STORE_up_ref(src->store))
		return -ENOMEM;
	dst->store = src->store;
	return 0;
}

int tlsk_config_set_verify_name(struct tlsk_config *cfg, int on)
{
	cfg->no_verify_name = !on;
	return 0;
}

int tlsk_config_set_verify(struct tlsk_config *cfg, enum tlsk_verify mode)
{
	if (mode > TLSK_VERIFY_REQUIRE)
		return -EINVAL;
	cfg->verify = mode;
	cfg->verify_set = true;
	return cfg_update_binding(cfg);
}

int tlsk_config_set_session_context(struct tlsk_config *cfg,
				    const char *context)
{
	size_t len = context ? strlen(context) : 0;

	if (len > CFG_MAX_SESSION_CTX)
		return -EINVAL;
	memcpy(cfg->session_ctx, context ? context : "", len);
	cfg->session_ctx[len] = '\0';
	return cfg_update_binding(cfg);
}

int tlsk_config_set_versions(struct tlsk_config *cfg, uint16_t min,
			     uint16_t max)
{
	/* RFC 8996: nothing older than TLS 1.2 */
	if (min < 0x0303 || max > 0x0304 || min > max)
		return -EINVAL;
	cfg->version_min = min;
	cfg->version_max = max;
	return 0;
}

/* Split a ':'- or ','-separated list and map each item to an id. */
static int parse_list(const char *list, int sep, uint16_t *ids, size_t *n,
		      int (*lookup)(const char *name, uint16_t *id))
{
	char item[64];
	size_t count = 0;
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		uint16_t id;

		if (!len || len >= sizeof(item) || count == CFG_MAX_ALGS)
			return -EINVAL;
		memcpy(item, p, len);
		item[len] = 0;
		if (lookup(item, &id))
			return -EINVAL;
		ids[count++] = id;
		p += len + (end ? 1 : 0);
	}
	if (!count)
		return -EINVAL;
	*n = count;
	return 0;
}

static int suite_id(const char *name, uint16_t *id)
{
	const struct tlsk_suite *s = tlsk_suite_by_name(name);

	if (!s)
		return -EINVAL;
	*id = s->id;
	return 0;
}

static int group_id(const char *name, uint16_t *id)
{
	const struct tlsk_group *g = tlsk_group_by_name(name);

	if (!g)
		return -EINVAL;
	*id = g->id;
	return 0;
}

/* replace a config list only when the whole new list parses */
static int set_id_list(uint16_t *dst, size_t *count, const char *list,
		       int (*lookup)(const char *name, uint16_t *id))
{
	uint16_t ids[CFG_MAX_ALGS];
	size_t n;
	int ret = parse_list(list, ':', ids, &n, lookup);

	if (ret)
		return ret;
	memcpy(dst, ids, sizeof(ids));
	*count = n;
	return 0;
}

int tlsk_config_set_tls13_suites(struct tlsk_config *cfg, const char *list)
{
	return set_id_list(cfg->suites, &cfg->nsuites, list, suite_id);
}

int tlsk_config_set_tls12_ciphers(struct tlsk_config *cfg, const char *list)
{
	uint16_t ids[TLS12_MAX_SUITES];
	char why[160];
	int n = tls12_parse_cipher_list(list, cfg->rsa_kx_enabled ?
					TLS12_LIST_ALLOW_RSA_KX : 0, ids,
					TLS12_MAX_SUITES, why, sizeof(why));

	if (n < 0)
		return n;
	memcpy(cfg->tls12_suites, ids, (size_t)n * sizeof(ids[0]));
	cfg->ntls12_suites = (size_t)n;
	cfg->tls12_list_set = true;
	return 0;
}

int tlsk_config_enable_rsa_kx(struct tlsk_config *cfg)
{
	cfg->rsa_kx_enabled = true;
	if (cfg->tls12_list_set)
		return 0;
	/* the default list: the RSA-kx suites after every ECDHE one (the
	 * table's order), once */
	for (size_t i = 0; tls12_suite_at(i); i++) {
		const struct tls12_suite *s = tls12_suite_at(i);
		bool listed = false;

		for (size_t k = 0; k < cfg->ntls12_suites; k++)
			listed |= cfg->tls12_suites[k] == s->id;
		if (s->needs_profile && !listed &&
		    cfg->ntls12_suites < TLS12_MAX_SUITES)
			cfg->tls12_suites[cfg->ntls12_suites++] = s->id;
	}
	return 0;
}

/* the in-memory cache keeps the config's time, whichever clock is set */
static uint64_t cfg_clock(void *arg)
{
	return cfg_now_ms(arg);
}

int tlsk_config_set_session_cache(struct tlsk_config *cfg,
				  size_t max_entries, uint32_t lifetime)
{
	const struct sesscache_clock clock = { cfg_clock, cfg };

	sesscache_free(cfg->own_sesscache);
	cfg->own_sesscache = NULL;
	cfg->has_sesscache = false;
	if (!max_entries)
		return 0;
	cfg->own_sesscache = sesscache_new(max_entries, lifetime, &clock);
	if (!cfg->own_sesscache)
		return -ENOMEM;
	sesscache_get_ops(cfg->own_sesscache, &cfg->sesscache);
	cfg->has_sesscache = true;
	return 0;
}

/* ---- the caller's session store: entries as blobs ---- */

/* "TKI2": with the SANs and the resumption binding; a "TKS1" blob (from
 * an older tlsk) is a miss */
#define STORE_MAGIC 0x544b4932

static int store_put(void *arg, const struct sesscache_entry *ent)
{
	struct tlsk_config *cfg = arg;
	struct buf b = { 0 };
	size_t pos;
	int ret;

	buf_u32(&b, STORE_MAGIC);
	buf_u64(&b, cfg_now_ms(cfg));
	buf_u16(&b, ent->version);
	buf_u16(&b, ent->suite);
	buf_u8(&b, ent->ems);
	buf_put(&b, ent->master, sizeof(ent->master));
	pos = buf_open_vec(&b, 1);
	buf_put(&b, ent->id, ent->id_len);
	buf_close_vec(&b, pos, 1);
	pos = buf_open_vec(&b, 2);
	buf_put(&b, ent->peer, strnlen(ent->peer, sizeof(ent->peer) - 1));
	buf_close_vec(&b, pos, 2);
	pos = buf_open_vec(&b, 2);
	buf_put(&b, ent->server_name,
		strnlen(ent->server_name, sizeof(ent->server_name) - 1));
	buf_close_vec(&b, pos, 2);
	pos = buf_open_vec(&b, 2);
	buf_put(&b, ent->peer_sans,
		strnlen(ent->peer_sans, sizeof(ent->peer_sans) - 1));
	buf_close_vec(&b, pos, 2);
	buf_put(&b, ent->binding, sizeof(ent->binding));
	ret = b.bad || b.len > TLSK_SESSION_BLOB_MAX ? -ENOMEM :
	      cfg->sess_store.store(cfg->sess_store.arg, ent->id, ent->id_len, b.p,
			       b.len);
	buf_free(&b);
	return ret;
}

static int blob_decode(const uint8_t *p, size_t len,
		       struct sesscache_entry *ent)
{
	struct rd r, id, peer, name, sans;
	const uint8_t *master, *binding;

	rd_init(&r, p, len);
	if (rd_u32(&r) != STORE_MAGIC)
		return -EINVAL;
	ent->created_ms = (uint64_t)rd_u32(&r) << 32;
	ent->created_ms |= rd_u32(&r);
	ent->version = rd_u16(&r);
	ent->suite = rd_u16(&r);
	ent->ems = rd_u8(&r) == 1;
	master = rd_bytes(&r, sizeof(ent->master));
	if (!master || !rd_vec(&r, 1, 1, SESSCACHE_ID_MAX, &id) ||
	    !rd_vec(&r, 2, 0, SESSCACHE_NAME_MAX - 1, &peer) ||
	    !rd_vec(&r, 2, 0, SESSCACHE_NAME_MAX - 1, &name) ||
	    !rd_vec(&r, 2, 0, SESSCACHE_SANS_MAX - 1, &sans))
		return -EINVAL;
	binding = rd_bytes(&r, sizeof(ent->binding));
	if (!binding || !rd_done(&r))
		return -EINVAL;
	memcpy(ent->binding, binding, sizeof(ent->binding));
	memcpy(ent->peer_sans, rd_ptr(&sans), rd_left(&sans));
	memcpy(ent->master, master, sizeof(ent->master));
	ent->id_len = rd_left(&id);
	memcpy(ent->id, rd_ptr(&id), ent->id_len);
	memcpy(ent->peer, rd_ptr(&peer), rd_left(&peer));
	memcpy(ent->server_name, rd_ptr(&name), rd_left(&name));
	return 0;
}

static int store_get(void *arg, const uint8_t *id, size_t id_len,
		     struct sesscache_entry *out)
{
	struct tlsk_config *cfg = arg;
	uint8_t blob[TLSK_SESSION_BLOB_MAX];
	size_t len = sizeof(blob);
	uint64_t now = cfg_now_ms(cfg);
	int ret = cfg->sess_store.fetch(cfg->sess_store.arg, id, id_len, blob, &len);

	memset(out, 0, sizeof(*out));
	if (!ret && (len > sizeof(blob) || blob_decode(blob, len, out)))
		ret = -EINVAL;
	OPENSSL_cleanse(blob, sizeof(blob));
	/* the one asked for, and alive */
	if (!ret && (out->id_len != id_len || memcmp(out->id, id, id_len) != 0))
		ret = -ENOENT;
	if (!ret && (now < out->created_ms ||
		     now - out->created_ms >
			     (uint64_t)cfg->store_lifetime * 1000)) {
		cfg->sess_store.remove(cfg->sess_store.arg, id, id_len);
		ret = -ENOENT;
	}
	if (ret) {	/* a miss, whatever the store said */
		sesscache_entry_scrub(out);
		return -ENOENT;
	}
	return 0;
}

static int store_drop(void *arg, const uint8_t *id, size_t id_len)
{
	struct tlsk_config *cfg = arg;

	return cfg->sess_store.remove(cfg->sess_store.arg, id, id_len);
}

int tlsk_config_set_session_store(struct tlsk_config *cfg,
				  const struct tlsk_session_store *store,
				  uint32_t lifetime)
{
	if (!store || !store->store || !store->fetch || !store->remove ||
	    !lifetime)
		return -EINVAL;
	sesscache_free(cfg->own_sesscache);
	cfg->own_sesscache = NULL;
	cfg->sess_store = *store;
	cfg->store_lifetime = lifetime;
	cfg->sesscache.store = store_put;
	cfg->sesscache.fetch = store_get;
	cfg->sesscache.remove = store_drop;
	cfg->sesscache.arg = cfg;
	cfg->has_sesscache = true;
	return 0;
}

int tlsk_config_set_groups(struct tlsk_config *cfg, const char *list)
{
	return set_id_list(cfg->groups, &cfg->ngroups, list, group_id);
}

int alpn_to_wire(const char *list, uint8_t out[CFG_MAX_ALPN], size_t *out_len)
{
	struct buf wire = { 0 };
	const char *p = list;
	int ret = 0;

	while (*p && !ret) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		/* RFC 7301 3.1: names are 1..255 bytes */
		if (!len || len > 255)
			ret = -EINVAL;
		buf_u8(&wire, (uint8_t)len);
		buf_put(&wire, p, len);
		p += len + (end ? 1 : 0);
	}
	if (!ret && (wire.bad || wire.len > CFG_MAX_ALPN))
		ret = -EINVAL;
	if (!ret) {
		if (wire.len)
			memcpy(out, wire.p, wire.len);
		*out_len = wire.len;
	}
	buf_free(&wire);
	return ret;
}

int tlsk_config_set_alpn(struct tlsk_config *cfg, const char *list)
{
	return alpn_to_wire(list, cfg->alpn, &cfg->alpn_len);
}

int tlsk_config_set_ticket_keys(struct tlsk_config *cfg,
				const struct tlsk_ticket_keys *src)
{
	if (!src || !src->current || !src->lookup)
		return -EINVAL;
	cfg->ticket_keys = *src;
	return 0;
}

int tlsk_config_set_tickets(struct tlsk_config *cfg, unsigned count,
			    uint32_t lifetime)
{
	/* RFC 8446 4.6.1: lifetime at most seven days */
	if (count > 8 || lifetime > 604800)
		return -EINVAL;
	cfg->ticket_count = count;
	cfg->ticket_lifetime = lifetime;
	return 0;
}

int tlsk_config_set_clock(struct tlsk_config *cfg,
			  uint64_t (*now_ms)(void *arg), void *arg)
{
	cfg->now_ms = now_ms ? now_ms : realtime_ms;
	cfg->now_arg = now_ms ? arg : NULL;
	return 0;
}

int tlsk_config_set_keylog(struct tlsk_config *cfg,
			   void (*log)(void *arg, const char *line), void *arg)
{
	cfg->keylog = log;
	cfg->keylog_arg = log ? arg : NULL;
	return 0;
}

int tlsk_config_set_tls12_require_ems(struct tlsk_config *cfg, int require)
{
	cfg->tls12_require_ems = require != 0;
	return 0;
}
