// SPDX-License-Identifier: MIT
#include "hsrecord.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keysched.h"
#include "tlsk/aead.h"

int hs_prot_set(struct hs_prot *p, const struct tlsk_suite *s,
		const uint8_t *secret, bool seal)
{
	struct tlsk_traffic_keys *k = &p->keys;

	hs_prot_clear(p);
	k->version = 0x0304;
	k->aead = s->aead;
	k->key_len = tlsk_suite_key_len(s);
	k->iv_len = TLSK_MAX_IV_LEN;
	k->secret_len = s->hash_len;
	memcpy(k->secret, secret, s->hash_len);
	if (tlsk_traffic_key_iv(s, secret, k->key, k->iv)) {
		hs_prot_clear(p);
		return -EIO;
	}
	p->rec = tlsk_record_new(k, seal);
	if (!p->rec) {
		hs_prot_clear(p);
		return -ENOMEM;
	}
	return 0;
}

int hs_prot_set_keys(struct hs_prot *p, const struct tlsk_traffic_keys *keys,
		     bool seal)
{
	hs_prot_clear(p);
	p->keys = *keys;
	p->rec = tlsk_record_new(&p->keys, seal);
	if (!p->rec) {
		hs_prot_clear(p);
		return -ENOMEM;
	}
	return 0;
}

void hs_prot_clear(struct hs_prot *p)
{
	tlsk_record_free(p->rec);
	p->rec = NULL;
	tlsk_keys_scrub(&p->keys);
}

void hs_prot_keys(const struct hs_prot *p, struct tlsk_traffic_keys *keys)
{
	*keys = p->keys;
	keys->seq = tlsk_record_seq(p->rec);
}

int hs_prot_seal(struct hs_prot *p, uint8_t type, const uint8_t *data,
		 size_t len, struct buf *out)
{
	size_t cap = tlsk_record_sealed_len(p->rec, len), start = out->len;
	uint8_t *room = buf_append(out, cap);
	int n;

	if (!room)
		return -ENOMEM;
	n = tlsk_record_seal(p->rec, type, data, len, room, cap);
	if (n < 0) {
		out->len = start;
		return n;
	}
	out->len = start + (size_t)n;
	return 0;
}

int hs_prot_open(struct hs_prot *p, uint8_t *rec, size_t len, uint8_t *type,
		 uint8_t **pt)
{
	return tlsk_record_open(p->rec, rec, len, type, pt);
}
