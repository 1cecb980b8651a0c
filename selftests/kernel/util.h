/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the kernel selftests: connected TCP pairs over loopback
 * and attaching the ULP under test.
 */
#ifndef TLSK_SELFTEST_UTIL_H
#define TLSK_SELFTEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <linux/tlsk.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/*
 * Each case's time limit, setup included; the harness's own default is
 * 30 s. On the debug kernel (KASAN, lockdep) under TCG, with other guests
 * on the two cores, a cipher's first socket (its AEAD template made and
 * self-tested by the crypto API) and the larger cases took more than that
 * (docs/testing.md). A case that hangs still fails, after 90 s. Redefined
 * here, after the harness and before any TEST_F, which expands it.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 90
#endif

/*
 * Connects a client to a fresh loopback listener of the given family.
 * On success *cfd and *sfd are the two ends and 0 is returned; on failure
 * -errno, with nothing left open.
 */
static inline int tcp_pair(int family, int *cfd, int *sfd)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int lfd, c = -1, s = -1, err;

	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	}
	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&ss, len) ||
	    listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len))
		goto fail;
	c = socket(family, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&ss, len))
		goto fail;
	s = accept(lfd, NULL, NULL);
	if (s < 0)
		goto fail;
	close(lfd);
	*cfd = c;
	*sfd = s;
	return 0;
fail:
	err = -errno;
	if (c >= 0)
		close(c);
	close(lfd);
	return err;
}

static inline int attach_ulp(int fd, const char *name)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, name, strlen(name) + 1);
}

/* Close with RST so the socket is destroyed now, not after FIN/TIME_WAIT. */
static inline void close_now(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Any of the crypto_info structs tlsk takes. */
union crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_aes_ccm_128 ccm128;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

static inline size_t crypto_info_size(uint16_t cipher)
{
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
		return sizeof(struct tls12_crypto_info_aes_gcm_128);
	case TLS_CIPHER_AES_GCM_256:
		return sizeof(struct tls12_crypto_info_aes_gcm_256);
	case TLS_CIPHER_AES_CCM_128:
		return sizeof(struct tls12_crypto_info_aes_ccm_128);
	case TLS_CIPHER_CHACHA20_POLY1305:
		return sizeof(struct tls12_crypto_info_chacha20_poly1305);
	case TLS_CIPHER_SM4_GCM:
		return sizeof(struct tls12_crypto_info_sm4_gcm);
	case TLS_CIPHER_SM4_CCM:
		return sizeof(struct tls12_crypto_info_sm4_ccm);
	}
	return 0;
}

/*
 * Fills *ci with keys derived from seed (different seeds, different keys;
 * the two directions of a connection use two seeds) and returns its size.
 * Every byte after the version/cipher header is seed-dependent.
 */
static inline size_t crypto_info_init(union crypto_info *ci, uint16_t version,
				      uint16_t cipher, uint8_t seed)
{
	size_t size = crypto_info_size(cipher), i;
	uint8_t *p = (uint8_t *)ci;

	memset(ci, 0, sizeof(*ci));
	for (i = sizeof(ci->info); i < size; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7);
	ci->info.version = version;
	ci->info.cipher_type = cipher;
	return size;
}

static inline int set_keys(int fd, int dir, uint16_t version, uint16_t cipher,
			   uint8_t seed)
{
	union crypto_info ci;
	size_t len = crypto_info_init(&ci, version, cipher, seed);

	return setsockopt(fd, SOL_TLS, dir, &ci, len);
}

/*
 * A TLS connection over loopback: *cfd runs ulp_c, *sfd runs ulp_s (NULL:
 * plain TCP, no keys), the client's TX keys are the server's RX keys and
 * vice versa. Returns 0 or -errno (nothing left open).
 */
static inline int tls_pair(int family, const char *ulp_c, const char *ulp_s,
			   uint16_t version, uint16_t cipher, int *cfd, int *sfd)
{
	int c = -1, s = -1, err;

	err = tcp_pair(family, &c, &s);
	if (err)
		return err;
	if (ulp_c && (attach_ulp(c, ulp_c) ||
		      set_keys(c, TLS_TX, version, cipher, 1) ||
		      set_keys(c, TLS_RX, version, cipher, 2)))
		goto fail;
	if (ulp_s && (attach_ulp(s, ulp_s) ||
		      set_keys(s, TLS_TX, version, cipher, 2) ||
		      set_keys(s, TLS_RX, version, cipher, 1)))
		goto fail;
	*cfd = c;
	*sfd = s;
	return 0;
fail:
	err = -errno;
	close(c);
	close(s);
	return err;
}

/* Fills buf with a pattern that differs for every offset and seed. */
static inline void fill_pattern(void *buf, size_t len, unsigned int seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 131 + seed * 17 + (i >> 8)) ^ (i >> 16));
}

/* Reads exactly len bytes (plain TCP or TLS); returns len, 0, or -errno. */
static inline ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got;
		got += n;
	}
	return got;
}

static inline ssize_t write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = send(fd, (const char *)buf + put, len - put,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += n;
	}
	return put;
}

/*
 * Reads one TLS record (header and body) from a plain TCP socket into buf;
 * returns its total length, 0 at EOF, or -errno.
 */
static inline ssize_t read_record(int fd, uint8_t *buf, size_t size)
{
	ssize_t n = read_full(fd, buf, 5);
	size_t len;

	if (n != 5)
		return n < 0 ? n : 0;
	len = 5 + ((size_t)buf[3] << 8 | buf[4]);
	if (len > size)
		return -EMSGSIZE;
	n = read_full(fd, buf + 5, len - 5);
	if (n != (ssize_t)(len - 5))
		return n < 0 ? n : 0;
	return len;
}

/* A counter of /proc/net/tlsk_stat in the caller's namespace, or -1. */
static inline long tlsk_stat(const char *name)
{
	char line[128], key[64];
	long val = -1, v;
	FILE *f = fopen("/proc/net/tlsk_stat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", key, &v) == 2 && !strcmp(key, name))
			val = v;
	fclose(f);
	return val;
}

/* sendmsg() of one record of the given type (TLS_SET_RECORD_TYPE). */
static inline ssize_t send_record_type(int fd, uint8_t type, const void *buf,
				       size_t len)
{
	char cbuf[CMSG_SPACE(1)] = {};
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(cmsg) = type;
	return sendmsg(fd, &msg, 0);
}

/*
 * recvmsg() with room for one record-type cmsg: *type is the record's
 * TLS_GET_RECORD_TYPE, 0 when none came.
 */
static inline ssize_t recv_record_type(int fd, void *buf, size_t len,
				       uint8_t *type, int flags)
{
	char cbuf[CMSG_SPACE(1)] = {};
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	*type = 0;
	n = recvmsg(fd, &msg, flags);
	if (n < 0)
		return n;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_TLS &&
		    cmsg->cmsg_type == TLS_GET_RECORD_TYPE)
			*type = *CMSG_DATA(cmsg);
	return n;
}

/* poll() reports fd readable within timeout_ms. */
static inline bool poll_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

#endif /* TLSK_SELFTEST_UTIL_H */
