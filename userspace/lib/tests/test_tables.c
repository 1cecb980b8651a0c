// SPDX-License-Identifier: MIT
/* Properties of the TLS 1.3 state tables (tables.c), in the manner of
 * s2n-tls's table tests: not one path, but what every path must obey. */
#include "engine_int.h"
#include "tables.h"

#include "../../tests/tap.h"

static const struct hs_tables *t = &tls13_tables;

static size_t seq_len(const uint8_t *seq)
{
	size_t n = 0;

	while (seq[n] != MSG_END)
		n++;
	return n;
}

static void every_message_has_both_handlers(void)
{
	CHECK(t->nmessages == MSG_COUNT && t->nshapes == SHAPE_COUNT);
	CHECK(!hs_msg(t, SEQ_APPLICATION_DATA) && !hs_msg(t, SEQ_END));
	for (unsigned m = 0; m < MSG_COUNT; m++) {
		const struct hs_msg_desc *d = hs_msg(t, m);

		CHECK(d && d->name && d->hs_type);
		CHECK(d->handler[TLSK_ROLE_CLIENT] && d->handler[TLSK_ROLE_SERVER]);
	}
}

static void negotiated_shapes_end_in_application_data(void)
{
	for (unsigned s = 0; s < SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s);
		size_t n;

		if (!seq)
			continue;
		n = seq_len(seq);
		CHECK(n >= 2 && seq[0] == MSG_CLIENT_HELLO);
		if (s & SHAPE_NEGOTIATED) {
			CHECK(seq[n - 1] == MSG_APPLICATION_DATA);
			/* RFC 8446 2: the client's Finished closes it */
			CHECK(seq[n - 2] == MSG_CLIENT_FINISHED);
		} else {
			CHECK(seq[n - 1] == MSG_SERVER_HELLO);
		}
	}
}

/* a flag only ever extends a sequence: what was passed stays put */
static void shapes_grow_from_their_prefixes(void)
{
	for (unsigned s = 0; s < SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s), *base;
		unsigned from = s & SHAPE_HRR;	/* INITIAL or INITIAL|HRR */

		if (!seq || !(s & SHAPE_NEGOTIATED))
			continue;
		base = shape_sequence(t, from);
		CHECK(base != NULL);
		for (size_t i = 0; base && i < seq_len(base); i++)
			CHECK(seq[i] == base[i]);
	}
}

static void every_full_handshake_has_a_resumed_form(void)
{
	for (unsigned s = 0; s < SHAPE_COUNT; s++) {
		unsigned resumed = s & ~(SHAPE_FULL | SHAPE_CLIENT_AUTH |
					 SHAPE_NO_CLIENT_CERT);

		if (shape_sequence(t, s) && (s & SHAPE_FULL))
			CHECK(shape_sequence(t, resumed) != NULL);
	}
}

static void certificates_only_in_full_handshakes(void)
{
	for (unsigned s = 0; s < SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s);

		for (size_t i = 0; seq && seq[i] != MSG_END; i++) {
			bool cert = seq[i] == MSG_SERVER_CERTIFICATE ||
				    seq[i] == MSG_CERTIFICATE_REQUEST ||
				    seq[i] == MSG_CLIENT_CERTIFICATE;

			if (cert)
				CHECK(s & SHAPE_FULL);
			if (seq[i] == MSG_CLIENT_CERTIFICATE_VERIFY)
				CHECK(!(s & SHAPE_NO_CLIENT_CERT));
			if (seq[i] == MSG_CLIENT_CERTIFICATE)
				CHECK(s & SHAPE_CLIENT_AUTH);
		}
	}
}

static void unreachable_shapes_have_no_sequence(void)
{
	/* client auth needs certificates; "no client cert" needs a request */
	CHECK(!shape_sequence(t, SHAPE_NEGOTIATED | SHAPE_CLIENT_AUTH));
	CHECK(!shape_sequence(t, SHAPE_NEGOTIATED | SHAPE_FULL |
			      SHAPE_NO_CLIENT_CERT));
	CHECK(!shape_sequence(t, SHAPE_FULL));
	CHECK(!shape_sequence(t, SHAPE_COUNT));
}

/* RFC 8446 2: ServerHello, then the rest of the server's flight in one
 * go; writers alternate only at the flight boundaries */
static void flights_alternate_once_per_side(void)
{
	for (unsigned s = 0; s < SHAPE_COUNT; s++) {
		const uint8_t *seq = shape_sequence(t, s);
		int switches = 0;

		if (!seq || !(s & SHAPE_NEGOTIATED))
			continue;
		for (size_t i = 1; seq[i] != MSG_APPLICATION_DATA; i++)
			if (hs_msg(t, seq[i])->writer != hs_msg(t, seq[i - 1])->writer)
				switches++;
		/* CH | server flight | client flight, plus CH2 | HRR */
		CHECK(switches == ((s & SHAPE_HRR) ? 4 : 2));
	}
}

static void certificate_request_branch(void)
{
	unsigned full = SHAPE_NEGOTIATED | SHAPE_FULL;

	/* a CertificateRequest where a Certificate was expected */
	CHECK(shape_branch(t, full, 3, HS_CERTIFICATE_REQUEST, TLSK_ROLE_CLIENT) ==
	      (int)(full | SHAPE_CLIENT_AUTH));
	CHECK(shape_branch(t, full, 3, HS_FINISHED, TLSK_ROLE_CLIENT) == -1);
	/* only the reader of a server message may branch */
	CHECK(shape_branch(t, full, 3, HS_CERTIFICATE_REQUEST, TLSK_ROLE_SERVER) == -1);
}

int main(void)
{
	RUN(every_message_has_both_handlers);
	RUN(negotiated_shapes_end_in_application_data);
	RUN(shapes_grow_from_their_prefixes);
	RUN(every_full_handshake_has_a_resumed_form);
	RUN(certificates_only_in_full_handshakes);
	RUN(unreachable_shapes_have_no_sequence);
	RUN(flights_alternate_once_per_side);
	RUN(certificate_request_branch);
	return tap_done();
}
