// SPDX-License-Identifier: MIT
/*
 * Key installation. For a socket that is not ours to keep, tlskd (and
 * local mode) attach the kernel record layer to the service's socket and
 * then simply close their descriptor. tlsk_conn_handoff() would take the fd over
 * and send close_notify when its struct tlsk_conn is closed, which must not
 * happen on a socket the service goes on using.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "service_int.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static int attach_ulp(int fd, unsigned int flags)
{
	static const struct { const char *name; unsigned int skip; int ulp; }
	ulps[] = {
		{ "tlsk", TLSK_HANDOFF_NO_TLSK, TLSK_ULP_TLSK },
		{ "tls", TLSK_HANDOFF_NO_TLS, TLSK_ULP_TLS },
	};

	for (size_t i = 0; i < sizeof(ulps) / sizeof(ulps[0]); i++) {
		if (flags & ulps[i].skip)
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, ulps[i].name,
			       strlen(ulps[i].name)) == 0)
			return ulps[i].ulp;
		/* ENOENT: module absent; anything else is a real error. */
		if (errno != ENOENT)
			return -errno;
	}
	return -ENOPROTOOPT;
}

static int install_dir(const struct tlsk_engine *e, int fd,
		       enum tlsk_direction dir)
{
	struct tlsk_traffic_keys keys;
	union tlsk_crypto_info ci;
	int len, err;

	memset(&keys, 0, sizeof(keys));
	err = tlsk_engine_export_keys(e, dir, &keys);
	len = err ? err : tlsk_crypto_info_build(&keys, &ci);
	tlsk_keys_scrub(&keys);
	if (len < 0)
		return len;
	err = setsockopt(fd, SOL_TLS, dir == TLSK_DIR_TX ? TLS_TX : TLS_RX,
			 &ci, (socklen_t)len) ? -errno : 0;
	OPENSSL_cleanse(&ci, sizeof(ci));
	return err;
}

int tlsk_install_kernel_keys(const struct tlsk_engine *e, int fd,
			     unsigned int flags)
{
	int ulp = attach_ulp(fd, flags);
	int err;

	if (ulp < 0)
		return ulp;
	err = install_dir(e, fd, TLSK_DIR_TX);
	if (!err)
		err = install_dir(e, fd, TLSK_DIR_RX);
	return err ? err : ulp;
}

int tlsk_handoff_engine(const struct tlsk_engine *e, int fd,
			unsigned int flags, struct tlsk_conn **connp)
{
	struct tlsk_traffic_keys tx, rx;
	int rc;

	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	rc = tlsk_engine_export_keys(e, TLSK_DIR_TX, &tx);
	if (!rc)
		rc = tlsk_engine_export_keys(e, TLSK_DIR_RX, &rx);
	if (!rc)
		rc = tlsk_conn_handoff(fd, &tx, &rx, flags, connp);
	tlsk_keys_scrub(&tx);
	tlsk_keys_scrub(&rx);
	return rc;
}
