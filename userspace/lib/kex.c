// SPDX-License-Identifier: MIT
#include "kex.h"

#include <errno.h>

#include <openssl/crypto.h>

EVP_PKEY *kex_keygen(const struct tlsk_group *g)
{
	if (g->curve)
		return EVP_PKEY_Q_keygen(NULL, NULL, g->keytype, g->curve);
	return EVP_PKEY_Q_keygen(NULL, NULL, g->keytype);
}

int kex_put_share(EVP_PKEY *key, struct buf *out)
{
	unsigned char *pub = NULL;
	size_t len = EVP_PKEY_get1_encoded_public_key(key, &pub);

	if (!len)
		return -EIO;
	buf_put(out, pub, len);
	OPENSSL_free(pub);
	return out->bad ? -ENOMEM : 0;
}

static EVP_PKEY *peer_key(EVP_PKEY *ours, const struct tlsk_group *g,
			  const uint8_t *share, size_t len)
{
	EVP_PKEY *peer;

	if (len != g->share_len || (g->curve && share[0] != 4))
		return NULL;
	peer = EVP_PKEY_new();
	/* the decoder checks that a NIST point lies on the curve */
	if (!peer || !EVP_PKEY_copy_parameters(peer, ours) ||
	    !EVP_PKEY_set1_encoded_public_key(peer, share, len)) {
		EVP_PKEY_free(peer);
		return NULL;
	}
	return peer;
}

int kex_derive(EVP_PKEY *key, const struct tlsk_group *g,
	       const uint8_t *share, size_t share_len, uint8_t *secret,
	       size_t *secret_len)
{
	EVP_PKEY *peer = peer_key(key, g, share, share_len);
	EVP_PKEY_CTX *ctx = NULL;
	int ret = -EINVAL;

	if (!peer)
		return -EINVAL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	/* libcrypto rejects an all-zero X25519 result (RFC 7748, 6.1) */
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
	    EVP_PKEY_derive(ctx, secret, secret_len) > 0)
		ret = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return ret;
}
