/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS 1.3 traffic secrets and the keys that follow them (RFC 8446 7.1-7.3),
 * for the automatic rekey of TLSK_TX_SECRET / TLSK_RX_SECRET.
 */
#ifndef _TLSK_KEYUPDATE_H
#define _TLSK_KEYUPDATE_H

#include <linux/sockptr.h>
#include <linux/types.h>

#include <linux/tlsk.h>

struct tlsk_cipher;
struct tlsk_secret_state;

/* A KeyUpdate handshake message (RFC 8446 4.6.3): type, length 1, byte. */
#define TLSK_KEY_UPDATE_SIZE		5
#define TLSK_UPDATE_NOT_REQUESTED	0
#define TLSK_UPDATE_REQUESTED		1

struct tlsk_secret_state *tlsk_secret_new(const struct tlsk_cipher *c,
					  sockptr_t optval,
					  unsigned int optlen);
void tlsk_secret_free(struct tlsk_secret_state *s);
void tlsk_secret_export(const struct tlsk_secret_state *s,
			struct tlsk_secret *out);
struct tlsk_cipher *tlsk_secret_next(struct tlsk_secret_state *s,
				     const struct tlsk_cipher *c);

#endif /* _TLSK_KEYUPDATE_H */
