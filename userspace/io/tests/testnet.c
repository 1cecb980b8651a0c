// SPDX-License-Identifier: MIT
/* See testnet.h. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "testnet.h"

const struct variant test_variants[] = {
	{ "tls13-aes128gcm", 0x0304, TLSK_AEAD_AES_128_GCM,
	  "TLS_AES_128_GCM_SHA256" },
	{ "tls13-aes256gcm", 0x0304, TLSK_AEAD_AES_256_GCM,
	  "TLS_AES_256_GCM_SHA384" },
	{ "tls13-chacha20", 0x0304, TLSK_AEAD_CHACHA20_POLY1305,
	  "TLS_CHACHA20_POLY1305_SHA256" },
	{ "tls13-aes128ccm", 0x0304, TLSK_AEAD_AES_128_CCM,
	  "TLS_AES_128_CCM_SHA256" },
	{ "tls12-aes128gcm", 0x0303, TLSK_AEAD_AES_128_GCM,
	  "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ "tls12-aes256gcm", 0x0303, TLSK_AEAD_AES_256_GCM,
	  "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ "tls12-chacha20", 0x0303, TLSK_AEAD_CHACHA20_POLY1305,
	  "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ "tls12-aes128ccm", 0x0303, TLSK_AEAD_AES_128_CCM,
	  "ECDHE-ECDSA-AES128-CCM" },
};
const size_t test_variant_count =
	sizeof(test_variants) / sizeof(test_variants[0]);

const struct layer test_layers[] = {
	{ "tlsk", TLSK_ULP_TLSK, TLSK_HANDOFF_NO_TLS | TLSK_HANDOFF_NO_USER },
	{ "tls", TLSK_ULP_TLS, TLSK_HANDOFF_NO_TLSK | TLSK_HANDOFF_NO_USER },
	{ "user", TLSK_ULP_USER, TLSK_HANDOFF_USER_ONLY },
};
const size_t test_layer_count = sizeof(test_layers) / sizeof(test_layers[0]);

static const struct timeval io_timeout = { .tv_sec = 20 };

int tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &alen))
		return -1;
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fds[0], (struct sockaddr *)&a, sizeof(a)))
		return -1;
	fds[1] = accept(l, NULL, NULL);
	close(l);
	if (fds[1] < 0)
		return -1;
	/* A peer that never answers fails the test instead of hanging it. */
	for (int i = 0; i < 2; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &io_timeout,
			   sizeof(io_timeout));
		setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &io_timeout,
			   sizeof(io_timeout));
	}
	return 0;
}

/* ENOENT from TCP_ULP means the ULP is not registered. */
int ulp_available(const char *name)
{
	int fds[2], ok;

	if (tcp_pair(fds))
		return 0;
	ok = setsockopt(fds[1], IPPROTO_TCP, TCP_ULP, name,
			(socklen_t)strlen(name)) == 0;
	close(fds[0]);
	close(fds[1]);
	return ok;
}

/*
 * Can the ULP take new keys on an established socket (TLS 1.3 KeyUpdate)?
 * Kernels that cannot refuse a second TLS_TX (kTLS of 6.1: EBUSY).
 */
int ulp_can_rekey(const char *name)
{
	struct tlsk_traffic_keys k = { .version = 0x0304,
				       .aead = TLSK_AEAD_AES_128_GCM,
				       .key_len = 16, .iv_len = 12 };
	union tlsk_crypto_info ci;
	int fds[2], len = tlsk_crypto_info_build(&k, &ci), ok;

	if (len < 0 || tcp_pair(fds))
		return 0;
	ok = setsockopt(fds[1], IPPROTO_TCP, TCP_ULP, name,
			(socklen_t)strlen(name)) == 0 &&
	     setsockopt(fds[1], SOL_TLS, TLS_TX, &ci, (socklen_t)len) == 0 &&
	     setsockopt(fds[1], SOL_TLS, TLS_TX, &ci, (socklen_t)len) == 0;
	close(fds[0]);
	close(fds[1]);
	return ok;
}

int layer_available(const struct layer *l)
{
	return l->ulp == TLSK_ULP_USER || ulp_available(l->name);
}

void fill_pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + seed);
}
