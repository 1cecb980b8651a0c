// SPDX-License-Identifier: MIT
#include "tables.h"

#include <stddef.h>

#include "engine_int.h"

#include "tls13_handlers.h"

#define C TLSK_ROLE_CLIENT
#define S TLSK_ROLE_SERVER

/* RFC 8446, 2 and 4 */
static const struct hs_msg_desc messages[MSG_COUNT] = {
	[MSG_CLIENT_HELLO] = { "ClientHello", HS_CLIENT_HELLO, C,
		{ client_write_client_hello, server_read_client_hello } },
	[MSG_HELLO_RETRY_REQUEST] = { "HelloRetryRequest", HS_SERVER_HELLO, S,
		{ client_read_server_hello, server_write_hello_retry_request } },
	[MSG_SERVER_HELLO] = { "ServerHello", HS_SERVER_HELLO, S,
		{ client_read_server_hello, server_write_server_hello } },
	[MSG_ENCRYPTED_EXTENSIONS] = { "EncryptedExtensions",
		HS_ENCRYPTED_EXTENSIONS, S,
		{ client_read_encrypted_extensions,
		  server_write_encrypted_extensions } },
	[MSG_CERTIFICATE_REQUEST] = { "CertificateRequest",
		HS_CERTIFICATE_REQUEST, S,
		{ client_read_certificate_request,
		  server_write_certificate_request } },
	[MSG_SERVER_CERTIFICATE] = { "Certificate (server)", HS_CERTIFICATE, S,
		{ client_read_certificate, server_write_certificate } },
	[MSG_SERVER_CERTIFICATE_VERIFY] = { "CertificateVerify (server)",
		HS_CERTIFICATE_VERIFY, S,
		{ client_read_certificate_verify,
		  server_write_certificate_verify } },
	[MSG_SERVER_FINISHED] = { "Finished (server)", HS_FINISHED, S,
		{ client_read_finished, server_write_finished } },
	[MSG_CLIENT_CERTIFICATE] = { "Certificate (client)", HS_CERTIFICATE, C,
		{ client_write_certificate, server_read_certificate } },
	[MSG_CLIENT_CERTIFICATE_VERIFY] = { "CertificateVerify (client)",
		HS_CERTIFICATE_VERIFY, C,
		{ client_write_certificate_verify,
		  server_read_certificate_verify } },
	[MSG_CLIENT_FINISHED] = { "Finished (client)", HS_FINISHED, C,
		{ client_write_finished, server_read_finished } },
};

#define CH MSG_CLIENT_HELLO
#define HRR MSG_HELLO_RETRY_REQUEST
#define SH MSG_SERVER_HELLO
#define EE MSG_ENCRYPTED_EXTENSIONS
#define CR MSG_CERTIFICATE_REQUEST
#define SC MSG_SERVER_CERTIFICATE
#define SCV MSG_SERVER_CERTIFICATE_VERIFY
#define SF MSG_SERVER_FINISHED
#define CC MSG_CLIENT_CERTIFICATE
#define CCV MSG_CLIENT_CERTIFICATE_VERIFY
#define CF MSG_CLIENT_FINISHED
#define APP MSG_APPLICATION_DATA
#define END MSG_END

#define SEQ(...) ((const uint8_t[]){ __VA_ARGS__, END })
/* the same shape after a HelloRetryRequest */
#define SEQ_HRR(...) SEQ(CH, HRR, __VA_ARGS__)

#define NEG SHAPE_NEGOTIATED
#define FULL SHAPE_FULL
#define RETRY SHAPE_HRR
#define CA SHAPE_CLIENT_AUTH
#define NOCC SHAPE_NO_CLIENT_CERT

static const uint8_t *const shapes[SHAPE_COUNT] = {
	[SHAPE_INITIAL] = SEQ(CH, SH),
	[RETRY] = SEQ_HRR(CH, SH),
	/* PSK (resumption): no certificates, RFC 8446 2.2 */
	[NEG] = SEQ(CH, SH, EE, SF, CF, APP),
	[NEG | RETRY] = SEQ_HRR(CH, SH, EE, SF, CF, APP),
	/* full handshake, RFC 8446 2 */
	[NEG | FULL] = SEQ(CH, SH, EE, SC, SCV, SF, CF, APP),
	[NEG | FULL | RETRY] = SEQ_HRR(CH, SH, EE, SC, SCV, SF, CF, APP),
	/* client authentication, RFC 8446 4.3.2, 4.4.2 */
	[NEG | FULL | CA] = SEQ(CH, SH, EE, CR, SC, SCV, SF, CC, CCV, CF, APP),
	[NEG | FULL | CA | RETRY] =
		SEQ_HRR(CH, SH, EE, CR, SC, SCV, SF, CC, CCV, CF, APP),
	/* an empty client Certificate has no CertificateVerify */
	[NEG | FULL | CA | NOCC] = SEQ(CH, SH, EE, CR, SC, SCV, SF, CC, CF, APP),
	[NEG | FULL | CA | NOCC | RETRY] =
		SEQ_HRR(CH, SH, EE, CR, SC, SCV, SF, CC, CF, APP),
};

/* flags a peer's optional message may add */
static const unsigned peer_optional_flags[] = { SHAPE_CLIENT_AUTH };

const struct hs_tables tls13_tables = {
	.version = "TLS 1.3",
	.messages = messages,
	.nmessages = MSG_COUNT,
	.shapes = shapes,
	.nshapes = SHAPE_COUNT,
	.peer_optional = peer_optional_flags,
	.npeer_optional = sizeof(peer_optional_flags) /
			  sizeof(peer_optional_flags[0]),
};

const struct hs_msg_desc *hs_msg(const struct hs_tables *t, unsigned m)
{
	return m < t->nmessages ? &t->messages[m] : NULL;
}

const uint8_t *shape_sequence(const struct hs_tables *t, unsigned shape)
{
	return shape < t->nshapes ? t->shapes[shape] : NULL;
}

int shape_branch(const struct hs_tables *t, unsigned shape, unsigned index,
		 uint8_t type, enum tlsk_role reader)
{
	const uint8_t *from = shape_sequence(t, shape);

	for (unsigned i = 0; from && i < t->npeer_optional; i++) {
		unsigned to = shape | t->peer_optional[i];
		const uint8_t *seq = shape_sequence(t, to);
		const struct hs_msg_desc *m;
		unsigned k;

		if (to == shape || !seq)
			continue;
		for (k = 0; k < index && seq[k] != SEQ_END; k++)
			if (seq[k] != from[k])
				break;
		if (k < index)
			continue;
		m = hs_msg(t, seq[index]);
		if (m && m->hs_type == type && m->writer != reader)
			return (int)to;
	}
	return -1;
}
