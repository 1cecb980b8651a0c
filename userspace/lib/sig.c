// SPDX-License-Identifier: MIT
#include "sig.h"

#include <errno.h>
#include <string.h>

#include <openssl/rsa.h>

/* RFC 8446 4.4.3: 64 spaces, the context string, a zero byte, the hash */
static size_t signed_content(enum sig_context who, const uint8_t *th,
			     size_t th_len, uint8_t *out)
{
	static const char server[] = "TLS 1.3, server CertificateVerify";
	static const char client[] = "TLS 1.3, client CertificateVerify";
	const char *ctx = who == SIG_SERVER ? server : client;
	size_t n = strlen(ctx);

	memset(out, 0x20, 64);
	memcpy(out + 64, ctx, n + 1);
	memcpy(out + 64 + n + 1, th, th_len);
	return 64 + n + 1 + th_len;
}

static EVP_MD_CTX *sig_ctx(EVP_PKEY *key, const struct tlsk_sigscheme *s,
			   int sign)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const char *mdname = s->md ? EVP_MD_get0_name(s->md()) : NULL;
	int ok;

	if (!md)
		return NULL;
	ok = sign ? EVP_DigestSignInit_ex(md, &pctx, mdname, NULL, NULL, key,
					  NULL) :
		    EVP_DigestVerifyInit_ex(md, &pctx, mdname, NULL, NULL, key,
					    NULL);
	/* RFC 8446 4.2.3: RSASSA-PSS with salt length == hash length */
	if (ok > 0 && s->pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
	if (ok <= 0) {
		EVP_MD_CTX_free(md);
		return NULL;
	}
	return md;
}

int sig_sign_content(EVP_PKEY *key, const struct tlsk_sigscheme *s,
		     const uint8_t *content, size_t n, struct buf *out)
{
	EVP_MD_CTX *md = sig_ctx(key, s, 1);
	size_t sig_len = 0;
	uint8_t *sig = NULL;
	int ret = -EIO;

	if (md && EVP_DigestSign(md, NULL, &sig_len, content, n) > 0 &&
	    (sig = OPENSSL_malloc(sig_len)) &&
	    EVP_DigestSign(md, sig, &sig_len, content, n) > 0) {
		buf_put(out, sig, sig_len);
		ret = out->bad ? -ENOMEM : 0;
	}
	OPENSSL_free(sig);
	EVP_MD_CTX_free(md);
	return ret;
}

int sig_verify_content(EVP_PKEY *key, const struct tlsk_sigscheme *s,
		       const uint8_t *content, size_t n, const uint8_t *sig,
		       size_t sig_len)
{
	EVP_MD_CTX *md = sig_ctx(key, s, 0);
	int ok = md && EVP_DigestVerify(md, sig, sig_len, content, n) == 1;

	EVP_MD_CTX_free(md);
	return ok ? 0 : -EBADMSG;
}

int sig_sign(EVP_PKEY *key, const struct tlsk_sigscheme *s,
	     enum sig_context who, const uint8_t *th, size_t th_len,
	     struct buf *out)
{
	uint8_t content[64 + 34 + TLSK_MAX_HASH_LEN];
	size_t n = signed_content(who, th, th_len, content);

	return sig_sign_content(key, s, content, n, out);
}

int sig_verify(EVP_PKEY *key, const struct tlsk_sigscheme *s,
	       enum sig_context who, const uint8_t *th, size_t th_len,
	       const uint8_t *sig, size_t sig_len)
{
	uint8_t content[64 + 34 + TLSK_MAX_HASH_LEN];
	size_t n = signed_content(who, th, th_len, content);

	return sig_verify_content(key, s, content, n, sig, sig_len);
}
