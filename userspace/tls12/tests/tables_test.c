// SPDX-License-Identifier: MIT
/* Properties of the TLS 1.2 state tables (tls12_tables.c): what every
 * path must obey (RFC 5246 7.3, RFC 5077 3), not one path. */
#include "tls12_tables.h"

#include "engine_int.h"
#include "tls12_msgs.h"

#include "../../tests/tap.h"

static const struct hs_tables *t = &tls12_tables;

#define NEG TLS12_SHAPE_NEGOTIATED
#define RES TLS12_SHAPE_RESUMED
#define CA TLS12_SHAPE_CLIENT_AUTH
#define NOCC TLS12_SHAPE_NO_CLIENT_CERT
#define RSA TLS12_SHAPE_RSA_KX
#define TKT TLS12_SHAPE_TICKET

static size_t seq_len(const uint8_t *seq)
{
	size_t n = 0;

	while (seq[n] != SEQ_END)
		n++;
	return n;
}

static int count(const uint8_t *seq, unsigned m)
{
	int n = 0;

	for (size_t i = 0; seq[i] != SEQ_END; i++)
		n += seq[i] == m;
	return n;
}

static void every_message_is_described(void)
{
	CHECK(t->nmessages == TLS12_MSG_COUNT);
	CHECK(t->nshapes == TLS12_SHAPE_COUNT);
	for (unsigned m = 0; m < TLS12_MSG_COUNT; m++) {
		const struct hs_msg_desc *d = hs_msg(t, m);

		CHECK(d && d->name && d->hs_type);
		CHECK(d->handler[TLSK_ROLE_CLIENT] &&
		      d->handler[TLSK_ROLE_SERVER]);
	}
	CHECK(hs_msg(t, TLS12_MSG_CLIENT_CCS)->hs_type ==
	      TLS12_CCS_PSEUDO_TYPE);
	CHECK(tls12_unwired(NULL, NULL) < 0);
}

/* the shapes that must exist: every combination the hellos can pick */
static void reachable_shapes_exist(void)
{
	static const unsigned full_extras[] = {
		0, CA, CA | NOCC,
	};

	for (unsigned i = 0; i < 3; i++)
		for (unsigned rsa = 0; rsa <= RSA; rsa += RSA)
			for (unsigned tkt = 0; tkt <= TKT; tkt += TKT)
				CHECK(shape_sequence(t, NEG | full_extras[i] |
						     rsa | tkt) != NULL);
	CHECK(shape_sequence(t, NEG | RES) && shape_sequence(t, NEG | RES | TKT));
}

static void unreachable_shapes_have_no_sequence(void)
{
	for (unsigned s = 0; s < TLS12_SHAPE_COUNT; s++) {
		bool bad = (s && !(s & NEG)) ||
			   ((s & RES) && (s & (CA | NOCC | RSA))) ||
			   ((s & NOCC) && !(s & CA));

		if (bad)
			CHECK(shape_sequence(t, s) == NULL);
	}
	CHECK(!shape_sequence(t, TLS12_SHAPE_COUNT));
}

/* every negotiated shape extends CH SH, ends in application data, and
 * the last message is a Finished: the full handshake's by the server,
 * the abbreviated one's by the client (RFC 5246 7.3) */
static void shapes_end_after_a_finished(void)
{
	const uint8_t *initial = shape_sequence(t, TLS12_SHAPE_INITIAL);

	CHECK(initial && seq_len(initial) == 2);
	for (unsigned s = 1; s < TLS12_SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s);
		size_t n;

		if (!seq)
			continue;
		n = seq_len(seq);
		CHECK(seq[0] == initial[0] && seq[1] == initial[1]);
		CHECK(seq[n - 1] == TLS12_MSG_APPLICATION_DATA);
		CHECK(seq[n - 2] == ((s & RES) ? TLS12_MSG_CLIENT_FINISHED :
						 TLS12_MSG_SERVER_FINISHED));
	}
}

/* each side sends one ChangeCipherSpec, right before its Finished */
static void ccs_right_before_finished(void)
{
	for (unsigned s = 1; s < TLS12_SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s);

		if (!seq)
			continue;
		CHECK(count(seq, TLS12_MSG_CLIENT_CCS) == 1);
		CHECK(count(seq, TLS12_MSG_SERVER_CCS) == 1);
		for (size_t i = 0; seq[i] != SEQ_END; i++) {
			if (seq[i] == TLS12_MSG_CLIENT_CCS)
				CHECK(seq[i + 1] == TLS12_MSG_CLIENT_FINISHED);
			if (seq[i] == TLS12_MSG_SERVER_CCS)
				CHECK(seq[i + 1] == TLS12_MSG_SERVER_FINISHED);
		}
	}
}

/* which optional messages each flag brings */
static void flags_decide_the_optional_messages(void)
{
	for (unsigned s = 1; s < TLS12_SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s);
		bool full = !(s & RES);

		if (!seq)
			continue;
		CHECK(count(seq, TLS12_MSG_SERVER_CERTIFICATE) == full);
		CHECK(count(seq, TLS12_MSG_SERVER_HELLO_DONE) == full);
		CHECK(count(seq, TLS12_MSG_CLIENT_KEY_EXCHANGE) == full);
		CHECK(count(seq, TLS12_MSG_SERVER_KEY_EXCHANGE) ==
		      (full && !(s & RSA)));
		CHECK(count(seq, TLS12_MSG_CERTIFICATE_REQUEST) == !!(s & CA));
		CHECK(count(seq, TLS12_MSG_CLIENT_CERTIFICATE) == !!(s & CA));
		CHECK(count(seq, TLS12_MSG_CLIENT_CERTIFICATE_VERIFY) ==
		      ((s & CA) && !(s & NOCC)));
		/* RFC 5077 3.3: before the server's ChangeCipherSpec */
		CHECK(count(seq, TLS12_MSG_NEW_SESSION_TICKET) == !!(s & TKT));
		for (size_t i = 0; (s & TKT) && seq[i] != SEQ_END; i++)
			if (seq[i] == TLS12_MSG_NEW_SESSION_TICKET)
				CHECK(seq[i + 1] == TLS12_MSG_SERVER_CCS);
	}
}

static void every_full_handshake_has_a_resumed_form(void)
{
	for (unsigned s = 1; s < TLS12_SHAPE_COUNT; s++)
		if (shape_sequence(t, s) && !(s & RES))
			CHECK(shape_sequence(t, (s & (NEG | TKT)) | RES));
}

/* flights: CH | server | client | server (full) or CH | server |
 * client (abbreviated); nobody waits on their own message */
static void flights_alternate(void)
{
	for (unsigned s = 1; s < TLS12_SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s);
		int switches = 0;

		if (!seq)
			continue;
		for (size_t i = 1; seq[i] != TLS12_MSG_APPLICATION_DATA; i++)
			switches += hs_msg(t, seq[i])->writer !=
				    hs_msg(t, seq[i - 1])->writer;
		CHECK(switches == ((s & RES) ? 2 : 3));
	}
}

/* a CertificateRequest where ServerHelloDone was expected */
static void certificate_request_branch(void)
{
	CHECK(shape_branch(t, NEG, 4, HS_CERTIFICATE_REQUEST,
			   TLSK_ROLE_CLIENT) == (int)(NEG | CA));
	CHECK(shape_branch(t, NEG | TKT, 4, HS_CERTIFICATE_REQUEST,
			   TLSK_ROLE_CLIENT) == (int)(NEG | TKT | CA));
	CHECK(shape_branch(t, NEG | RSA, 3, HS_CERTIFICATE_REQUEST,
			   TLSK_ROLE_CLIENT) == (int)(NEG | RSA | CA));
	CHECK(shape_branch(t, NEG, 4, HS_FINISHED, TLSK_ROLE_CLIENT) == -1);
	CHECK(shape_branch(t, NEG, 4, HS_CERTIFICATE_REQUEST,
			   TLSK_ROLE_SERVER) == -1);
	/* a CCS pseudo type never arrives as a handshake message */
	CHECK(shape_branch(t, NEG, 4, TLS12_CCS_PSEUDO_TYPE,
			   TLSK_ROLE_CLIENT) == -1);
}

int main(void)
{
	RUN(every_message_is_described);
	RUN(reachable_shapes_exist);
	RUN(unreachable_shapes_have_no_sequence);
	RUN(shapes_end_after_a_finished);
	RUN(ccs_right_before_finished);
	RUN(flags_decide_the_optional_messages);
	RUN(every_full_handshake_has_a_resumed_form);
	RUN(flights_alternate);
	RUN(certificate_request_branch);
	return tap_done();
}
