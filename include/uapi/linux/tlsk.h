/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tlsk: kernel TLS record layer, userspace handshake.
 *
 * The socket API of tlsk is the kernel kTLS API of <linux/tls.h>: SOL_TLS,
 * TLS_TX/TLS_RX with struct tls12_crypto_info_*, and the record type cmsgs.
 * A program written for kTLS switches to tlsk by attaching the TCP upper
 * layer protocol TLSK_ULP_NAME instead of "tls":
 *
 *	setsockopt(fd, IPPROTO_TCP, TCP_ULP, TLSK_ULP_NAME, sizeof(TLSK_ULP_NAME));
 *
 * This header holds what tlsk adds on top of that API, and is the whole ABI
 * shared by tlsk.ko, libtlsk, tlskd and tlskctl.
 */
#ifndef _UAPI_LINUX_TLSK_H
#define _UAPI_LINUX_TLSK_H

/* Name of the TCP upper layer protocol registered by tlsk.ko. */
#define TLSK_ULP_NAME		"tlsk"

/* Generic netlink family (commands and attributes follow with the family). */
#define TLSK_GENL_NAME		"tlsk"
#define TLSK_GENL_VERSION	1

#endif /* _UAPI_LINUX_TLSK_H */
