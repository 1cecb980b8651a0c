// SPDX-License-Identifier: MIT
#include "tls12_tables.h"

#include <errno.h>

#include "engine_int.h"
#include "tls12_handlers.h"
#include "tls12_msgs.h"

#define C TLSK_ROLE_CLIENT
#define S TLSK_ROLE_SERVER
/* the client's and the server's handler */
#define H(client, server) { [C] = (client), [S] = (server) }
/* The hellos are never run from these tables: the engine starts in TLS
 * 1.3's, whose ClientHello and ServerHello handlers read and write both
 * versions' hellos and move to these tables at index 1 (ServerHello) */
#define HELLO tls12_unwired

int tls12_unwired(struct tlsk_engine *e, struct rd *body)
{
	(void)e;
	(void)body;
	return -ENOSYS;
}

/* RFC 5246 7.4; the writer's handler builds, the reader's parses */
static const struct hs_msg_desc messages[TLS12_MSG_COUNT] = {
	[TLS12_MSG_CLIENT_HELLO] = { "ClientHello", HS_CLIENT_HELLO, C,
		H(HELLO, HELLO) },
	[TLS12_MSG_SERVER_HELLO] = { "ServerHello", HS_SERVER_HELLO, S,
		H(HELLO, tls12_server_write_server_hello) },
	[TLS12_MSG_SERVER_CERTIFICATE] = { "Certificate (server)",
		HS_CERTIFICATE, S, H(tls12_client_read_certificate,
		  tls12_server_write_certificate) },
	[TLS12_MSG_SERVER_KEY_EXCHANGE] = { "ServerKeyExchange",
		TLS12_HS_SERVER_KEY_EXCHANGE, S, H(tls12_client_read_ske, tls12_server_write_ske) },
	[TLS12_MSG_CERTIFICATE_REQUEST] = { "CertificateRequest",
		HS_CERTIFICATE_REQUEST, S,
		H(tls12_client_read_cert_request,
		  tls12_server_write_cert_request) },
	[TLS12_MSG_SERVER_HELLO_DONE] = { "ServerHelloDone",
		TLS12_HS_SERVER_HELLO_DONE, S,
		H(tls12_client_read_hello_done,
		  tls12_server_write_hello_done) },
	[TLS12_MSG_CLIENT_CERTIFICATE] = { "Certificate (client)",
		HS_CERTIFICATE, C, H(tls12_client_write_certificate,
		  tls12_server_read_certificate) },
	[TLS12_MSG_CLIENT_KEY_EXCHANGE] = { "ClientKeyExchange",
		TLS12_HS_CLIENT_KEY_EXCHANGE, C,
		H(tls12_client_write_cke, tls12_server_read_cke) },
	[TLS12_MSG_CLIENT_CERTIFICATE_VERIFY] = { "CertificateVerify (client)",
		HS_CERTIFICATE_VERIFY, C,
		H(tls12_client_write_cert_verify,
		  tls12_server_read_cert_verify) },
	[TLS12_MSG_CLIENT_CCS] = { "ChangeCipherSpec (client)",
		TLS12_CCS_PSEUDO_TYPE, C, H(tls12_write_ccs, tls12_read_ccs) },
	[TLS12_MSG_CLIENT_FINISHED] = { "Finished (client)", HS_FINISHED, C,
		H(tls12_write_finished, tls12_read_finished) },
	[TLS12_MSG_NEW_SESSION_TICKET] = { "NewSessionTicket",
		HS_NEW_SESSION_TICKET, S, H(tls12_client_read_nst, tls12_server_write_nst) },
	[TLS12_MSG_SERVER_CCS] = { "ChangeCipherSpec (server)",
		TLS12_CCS_PSEUDO_TYPE, S, H(tls12_read_ccs, tls12_write_ccs) },
	[TLS12_MSG_SERVER_FINISHED] = { "Finished (server)", HS_FINISHED, S,
		H(tls12_read_finished, tls12_write_finished) },
};

#define CH TLS12_MSG_CLIENT_HELLO
#define SH TLS12_MSG_SERVER_HELLO
#define SC TLS12_MSG_SERVER_CERTIFICATE
#define SKE TLS12_MSG_SERVER_KEY_EXCHANGE
#define CR TLS12_MSG_CERTIFICATE_REQUEST
#define SHD TLS12_MSG_SERVER_HELLO_DONE
#define CC TLS12_MSG_CLIENT_CERTIFICATE
#define CKE TLS12_MSG_CLIENT_KEY_EXCHANGE
#define CCV TLS12_MSG_CLIENT_CERTIFICATE_VERIFY
#define CCCS TLS12_MSG_CLIENT_CCS
#define CF TLS12_MSG_CLIENT_FINISHED
#define NST TLS12_MSG_NEW_SESSION_TICKET
#define SCCS TLS12_MSG_SERVER_CCS
#define SF TLS12_MSG_SERVER_FINISHED
#define APP TLS12_MSG_APPLICATION_DATA

#define SEQ(...) ((const uint8_t[]){ CH, SH, __VA_ARGS__, SEQ_END })
/* the full handshake's last flight, with and without a ticket */
#define END_FULL SCCS, SF, APP
#define END_FULL_T NST, SCCS, SF, APP

#define NEG TLS12_SHAPE_NEGOTIATED
#define RES TLS12_SHAPE_RESUMED
#define CA TLS12_SHAPE_CLIENT_AUTH
#define NOCC TLS12_SHAPE_NO_CLIENT_CERT
#define RSA TLS12_SHAPE_RSA_KX
#define TKT TLS12_SHAPE_TICKET

static const uint8_t *const shapes[TLS12_SHAPE_COUNT] = {
	[TLS12_SHAPE_INITIAL] = ((const uint8_t[]){ CH, SH, SEQ_END }),
	/* RFC 5246 7.3, figure 1: ECDHE */
	[NEG] = SEQ(SC, SKE, SHD, CKE, CCCS, CF, END_FULL),
	[NEG | TKT] = SEQ(SC, SKE, SHD, CKE, CCCS, CF, END_FULL_T),
	[NEG | CA] = SEQ(SC, SKE, CR, SHD, CC, CKE, CCV, CCCS, CF, END_FULL),
	[NEG | CA | TKT] =
		SEQ(SC, SKE, CR, SHD, CC, CKE, CCV, CCCS, CF, END_FULL_T),
	/* an empty client Certificate has no CertificateVerify (7.4.8) */
	[NEG | CA | NOCC] = SEQ(SC, SKE, CR, SHD, CC, CKE, CCCS, CF, END_FULL),
	[NEG | CA | NOCC | TKT] =
		SEQ(SC, SKE, CR, SHD, CC, CKE, CCCS, CF, END_FULL_T),
	/* RSA key transport: no ServerKeyExchange (7.4.3) */
	[NEG | RSA] = SEQ(SC, SHD, CKE, CCCS, CF, END_FULL),
	[NEG | RSA | TKT] = SEQ(SC, SHD, CKE, CCCS, CF, END_FULL_T),
	[NEG | RSA | CA] = SEQ(SC, CR, SHD, CC, CKE, CCV, CCCS, CF, END_FULL),
	[NEG | RSA | CA | TKT] =
		SEQ(SC, CR, SHD, CC, CKE, CCV, CCCS, CF, END_FULL_T),
	[NEG | RSA | CA | NOCC] = SEQ(SC, CR, SHD, CC, CKE, CCCS, CF, END_FULL),
	[NEG | RSA | CA | NOCC | TKT] =
		SEQ(SC, CR, SHD, CC, CKE, CCCS, CF, END_FULL_T),
	/* 7.3, figure 2: the server finishes first; by session ID or
	 * ticket alike (RFC 5077 3.1 for the renewed ticket) */
	[NEG | RES] = SEQ(SCCS, SF, CCCS, CF, APP),
	[NEG | RES | TKT] = SEQ(NST, SCCS, SF, CCCS, CF, APP),
};

/* the client learns of client authentication from the message itself */
static const unsigned peer_optional_flags[] = { TLS12_SHAPE_CLIENT_AUTH };

const struct hs_tables tls12_tables = {
	.version = "TLS 1.2",
	.messages = messages,
	.nmessages = TLS12_MSG_COUNT,
	.shapes = shapes,
	.nshapes = TLS12_SHAPE_COUNT,
	.peer_optional = peer_optional_flags,
	.npeer_optional = sizeof(peer_optional_flags) /
			  sizeof(peer_optional_flags[0]),
};
