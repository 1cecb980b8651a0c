// SPDX-License-Identifier: MIT
#include "testpki.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

const char *testpki_path(const struct testpki *pki, const char *file)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, 128, "%s/%s", pki->dir, file);
	return p;
}

/* an RSASSA-PSS key, restricted to one hash (RFC 4055 3.1) unless md is
 * NULL */
static EVP_PKEY *make_pss_key(const EVP_MD *md)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *key = NULL;
	int ok = ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
		 EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) > 0;

	if (ok && md)
		ok = EVP_PKEY_CTX_set_rsa_pss_keygen_md(ctx, md) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_keygen_mgf1_md(ctx, md) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(
			     ctx, EVP_MD_get_size(md)) > 0;
	if (ok)
		EVP_PKEY_keygen(ctx, &key);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *make_key(const char *kind)
{
	if (!strcmp(kind, "rsa-pss"))
		return make_pss_key(NULL);
	if (!strcmp(kind, "rsa-pss-sha256"))
		return make_pss_key(EVP_sha256());
	if (!strcmp(kind, "ec521"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	if (!strcmp(kind, "rsa"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (!strcmp(kind, "ed25519"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!strcmp(kind, "ec384"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
}

struct cert_spec {
	const char *cn;
	const char *san;	/* NULL for a CA */
	const char *eku;
	long not_before, not_after;	/* seconds from now */
	const char *ku;			/* leaf key usage, NULL: none */
};

static X509 *make_cert(const struct cert_spec *spec, EVP_PKEY *key,
		       X509 *issuer, EVP_PKEY *issuer_key)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)spec->cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(x), spec->not_before);
	X509_gmtime_adj(X509_getm_notAfter(x), spec->not_after);
	X509_set_pubkey(x, key);
	if (spec->san) {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_subject_alt_name, spec->san);
		add_ext(x, issuer, NID_ext_key_usage, spec->eku);
		if (spec->ku)
			add_ext(x, issuer, NID_key_usage, spec->ku);
	} else {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	}
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
	X509_NAME_free(name);
	return x;
}

static int write_pem(const struct testpki *pki, const char *file, X509 *a,
		     X509 *b, EVP_PKEY *key)
{
	FILE *f = fopen(testpki_path(pki, file), "w");
	int ok;

	if (!f)
		return -1;
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) :
		   PEM_write_X509(f, a) && (!b || PEM_write_X509(f, b));
	fclose(f);
	return ok ? 0 : -1;
}

struct leaf_spec {
	const char *name;
	const char *keykind;
	const char *san;
	const char *eku;
	long not_after;
	int rogue;
	const char *ku;
	int sigs;		/* only with pki->sigs */
};

#define SIG_SAN "DNS:localhost,DNS:server.test"
#define SIG_EKU "serverAuth,clientAuth"

static const struct leaf_spec leaves[] = {
	{ "ec256", "ec256", "DNS:localhost,DNS:server.test", "serverAuth", 86400, 0, NULL, 0 },
	{ "ec384", "ec384", "DNS:localhost,DNS:server.test", "serverAuth", 86400, 0, NULL, 0 },
	{ "rsa", "rsa", "DNS:localhost,DNS:server.test", "serverAuth", 86400, 0, NULL, 0 },
	/* may sign (ECDHE-RSA) but not encipher keys (RSA key transport) */
	{ "rsa-sign", "rsa", "DNS:localhost,DNS:server.test", "serverAuth", 86400, 0,
	  "critical,digitalSignature", 0 },
	{ "ed25519", "ed25519", "DNS:localhost,DNS:server.test", "serverAuth", 86400, 0, NULL, 0 },
	{ "other", "ec256", "DNS:other.test", "serverAuth", 86400, 0, NULL, 0 },
	{ "expired", "ec256", "DNS:localhost,DNS:server.test", "serverAuth", -3600, 0, NULL, 0 },
	{ "client", "ec256", "DNS:client.test,IP:192.0.2.7,IP:2001:db8::7,email:svc@client.test,URI:spiffe://client.test/svc", "clientAuth", 86400, 0, NULL, 0 },
	{ "rogue", "ec256", "DNS:localhost,DNS:server.test", "serverAuth", 86400, 1, NULL, 0 },
	{ "sig-ec256", "ec256", SIG_SAN, SIG_EKU, 86400, 0, NULL, 1 },
	{ "sig-ec384", "ec384", SIG_SAN, SIG_EKU, 86400, 0, NULL, 1 },
	{ "sig-ec521", "ec521", SIG_SAN, SIG_EKU, 86400, 0, NULL, 1 },
	{ "sig-ed25519", "ed25519", SIG_SAN, SIG_EKU, 86400, 0, NULL, 1 },
	{ "sig-rsa", "rsa", SIG_SAN, SIG_EKU, 86400, 0, NULL, 1 },
	{ "sig-rsa-pss", "rsa-pss", SIG_SAN, SIG_EKU, 86400, 0, NULL, 1 },
	{ "sig-rsa-pss-sha256", "rsa-pss-sha256", SIG_SAN, SIG_EKU, 86400, 0,
	  NULL, 1 },
	{ "sig-ec256-nosign", "ec256", SIG_SAN, SIG_EKU, 86400, 0,
	  "critical,keyAgreement", 1 },
};

int testpki_make(struct testpki *pki)
{
	struct cert_spec root_spec = { "tlsk test root", NULL, NULL, -86400, 86400L * 30, NULL };
	struct cert_spec int_spec = { "tlsk test intermediate", NULL, NULL, -86400, 86400L * 30, NULL };
	struct cert_spec rogue_spec = { "rogue root", NULL, NULL, -86400, 86400L * 30, NULL };
	EVP_PKEY *root_key = make_key("ec256"), *int_key = make_key("ec256");
	EVP_PKEY *rogue_key = make_key("ec256");
	X509 *root, *inter, *rogue;
	int ret = 0;

	snprintf(pki->dir, sizeof(pki->dir), "/tmp/tlsk-pki-XXXXXX");
	if (!mkdtemp(pki->dir))
		return -1;
	root = make_cert(&root_spec, root_key, NULL, NULL);
	inter = make_cert(&int_spec, int_key, root, root_key);
	rogue = make_cert(&rogue_spec, rogue_key, NULL, NULL);
	ret |= write_pem(pki, "root.crt", root, NULL, NULL);
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		const struct leaf_spec *l = &leaves[i];
		struct cert_spec spec = { l->name, l->san, l->eku,
			l->not_after < 0 ? -86400 : -3600, l->not_after,
			l->ku };
		EVP_PKEY *key;
		X509 *issuer = l->rogue ? rogue : inter;
		X509 *leaf;
		char file[64];

		if (l->sigs && !pki->sigs)
			continue;
		key = make_key(l->keykind);
		if (!key) {
			ret = -1;
			continue;
		}
		leaf = make_cert(&spec, key, issuer,
				 l->rogue ? rogue_key : int_key);

		snprintf(file, sizeof(file), "%s.chain", l->name);
		ret |= write_pem(pki, file, leaf, issuer, NULL);
		snprintf(file, sizeof(file), "%s.key", l->name);
		ret |= write_pem(pki, file, NULL, NULL, key);
		X509_free(leaf);
		EVP_PKEY_free(key);
	}
	X509_free(root);
	X509_free(inter);
	X509_free(rogue);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(int_key);
	EVP_PKEY_free(rogue_key);
	return ret;
}

void testpki_remove(struct testpki *pki)
{
	DIR *d;
	struct dirent *ent;

	if (!pki->dir[0] || strncmp(pki->dir, "/tmp/tlsk-pki-", 14) != 0)
		return;
	d = opendir(pki->dir);
	while (d && (ent = readdir(d))) {
		char path[sizeof(pki->dir) + 1 + sizeof(ent->d_name)];

		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pki->dir, ent->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(pki->dir);
	pki->dir[0] = 0;
}
