/* SPDX-License-Identifier: MIT */
/*
 * What tlsk-client and tlsk-server share: one option table (spelled as
 * openssl s_client/s_server spell them), the engine configuration built
 * from it, the one-line session summary, and the stdin/stdout relay.
 */
#ifndef TLSK_TOOLS_COMMON_H
#define TLSK_TOOLS_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "tlsk/driver.h"

enum tool_role {
	TOOL_CLIENT = 1,
	TOOL_SERVER = 2,
};

struct tool_opts {
	enum tool_role role;
	const char *prog;
	const char *connect, *accept;
	const char *cert, *key, *cafile;
	const char *cert2, *key2;	/* server: a second name (SNI) */
	const char *servername, *alpn;
	const char *cipher, *ciphersuites, *groups;
	const char *sess_in, *sess_out;
	enum tlsk_verify verify;
	uint16_t min_version, max_version;
	int reconnect, www, echo, naccept;
	int rsa_kx;		/* allow RSA key transport in -cipher */
	int require_ems;	/* refuse TLS 1.2 peers without EMS */
	int timeout_ms;		/* handshake deadline */
	int wait_ms;		/* client: linger for replies after stdin EOF */
	unsigned int handoff_flags;
};

/* Parses argv into o (defaults first). Exits on -help or a bad option. */
void tool_parse(struct tool_opts *o, enum tool_role role, int argc,
		char **argv);

/* The engine configuration the options describe, or NULL (reported). */
struct tlsk_config *tool_config(const struct tool_opts *o);

/* "version=TLSv1.3 suite=... group=... resumed=no peer=... alpn=...
 * ulp=user" on one line. */
void tool_summary(FILE *f, const struct tlsk_engine *e,
		  const struct tlsk_conn *c);
/* Reports a failed handshake: reason and the alert sent or received. */
void tool_report_failure(const struct tool_opts *o,
			 const struct tlsk_engine *e, int err);

/* Reports a connection that ended badly, naming the peer's alert. */
void tool_report_conn_error(const struct tool_opts *o,
			    const struct tlsk_conn *c, int err);

/*
 * Copies in_fd to the connection and the connection to out_fd until the
 * peer closes, or (in_fd at EOF) until wait_ms pass without data, or, in
 * echo mode (in_fd < 0), sends back what arrives. 0 on a clean end.
 */
int tool_relay(struct tlsk_conn *c, int in_fd, int out_fd, int wait_ms);

/* Writes all of buf, waiting for the socket as needed. */
int tool_write_all(struct tlsk_conn *c, const void *buf, size_t len);

/* "host:port" (or "port" with default_host) -> connected / listening fd. */
int tool_connect(const char *hostport);
int tool_listen(const char *hostport);

#endif /* TLSK_TOOLS_COMMON_H */
