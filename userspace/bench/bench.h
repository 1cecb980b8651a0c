/* SPDX-License-Identifier: MIT */
/*
 * tlsk-bench: record-layer throughput of plain TCP, tlsk, in-tree kTLS and
 * OpenSSL, measured side by side in one process (see main.c for the why).
 *
 * A cell is one measurement: a stack, a workload, a protocol version and
 * AEAD, a number of connections and a payload size. run_cell() sets up the
 * connections, runs one sender and one receiver thread per connection and
 * fills a struct result. A stack that cannot be set up (no ULP, no TLS_TX
 * yet) gives status RES_NA with the reason, never a crash.
 */
#ifndef TLSK_BENCH_H
#define TLSK_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "tlsk/keys.h"

enum stack {
	ST_PLAIN,	/* plain TCP: the ceiling */
	ST_TLSK,	/* TCP_ULP "tlsk" */
	ST_TLS,		/* TCP_ULP "tls", in-tree kTLS */
	ST_OPENSSL,	/* libssl SSL_write/SSL_read in userspace */
	ST__COUNT
};

/*
 * Send-side workloads measure the sender's record layer: the receiver
 * drains the raw TCP stream without decrypting it. WL_READ measures the
 * receive side: the sender writes records sealed before the clock starts
 * with plain write(), and the receiver decrypts.
 */
enum workload {
	WL_WRITE,	/* write() of size-byte buffers */
	WL_MORE,	/* send(MSG_MORE) of size-byte buffers, last one flushes */
	WL_SENDFILE,	/* sendfile() from a page-cached file */
	WL_READ,	/* read() of pre-sealed 16 KiB records */
	WL__COUNT
};

struct cell {
	enum stack stack;
	enum workload wl;
	size_t size;		/* write size (WL_WRITE, WL_MORE) */
	uint16_t version;	/* 0x0303 or 0x0304 */
	enum tlsk_aead aead;
	int conns;
	size_t bytes;		/* payload per connection */
	int zerocopy_ro;	/* TLS_TX_ZEROCOPY_RO on kTLS senders */
};

enum res_status { RES_OK, RES_NA, RES_FAIL };

struct result {
	enum res_status status;
	char note[160];		/* why n/a or failed */
	double secs;		/* wall clock of the transfer */
	uint64_t payload;	/* application bytes delivered, all conns */
	uint64_t wire;		/* TCP bytes seen by the receivers */
	double cpu_secs;	/* getrusage(RUSAGE_SELF) user+sys delta */
	double stat_secs;	/* /proc/stat busy delta, whole machine */
};

/* Where the connections go (main.c fills it from the options). */
struct net {
	const char *label;	/* "loopback", "veth": for the output */
	const char *addr;	/* IPv4 address the listener binds */
	const char *peer_netns;	/* listener in /run/netns/NAME, or NULL */
};

int bench_init(void);
void run_cell(const struct net *net, const struct cell *c,
	      struct result *r);

/* Raw AEAD speed of 16 KiB records: libcrypto (via libtlsk's userspace
 * record layer) and the kernel's crypto API through AF_ALG. */
enum aead_impl { AEAD_EVP, AEAD_AF_ALG };
void run_aead(enum aead_impl impl, uint16_t version, enum tlsk_aead aead,
	      size_t bytes, struct result *r);

/* The fixed test keys both kTLS ends (and the sealed streams) use. */
void bench_keys(uint16_t version, enum tlsk_aead aead,
		struct tlsk_traffic_keys *k);

const char *stack_name(enum stack s);
const char *workload_name(enum workload w);
const char *aead_short_name(enum tlsk_aead a);

double now_secs(void);
void snprintf_errno(char *buf, size_t len, const char *what, int err);

#endif /* TLSK_BENCH_H */
