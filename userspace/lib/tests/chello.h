/* SPDX-License-Identifier: MIT */
/*
 * Hand-built ClientHellos: a corpus of cases, each a recipe (legacy and
 * record versions, suites, extensions) and the answer a server engine
 * must give (an alert, or the version and suite it negotiates). Used by
 * test_chello and as seeds of the server fuzz harness.
 */
#ifndef TLSK_TESTS_CHELLO_H
#define TLSK_TESTS_CHELLO_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"

enum chello_server {
	CHELLO_SERVER_DEFAULT,	/* TLS 1.2 and 1.3, EMS optional */
	CHELLO_SERVER_TLS12,	/* TLS 1.2 only */
	CHELLO_SERVER_REQUIRE_EMS,	/* tls12-require-ems */
};

struct chello_case {
	const char *name;
	void (*build)(struct buf *records);	/* the ClientHello's records */
	enum chello_server server;
	uint8_t alert;		/* expected alert; 0: a ServerHello */
	uint16_t version;	/* ... then this version */
	uint16_t suite;		/* ... and this suite (0: any) */
	bool ems;		/* ... TLS 1.2: with EMS in the ServerHello */
};

extern const struct chello_case chello_cases[];
extern const size_t chello_ncases;

/* Fuzz seeds: the records of the k-th case whose records fit in cap
 * bytes, copied to buf; 0 when there are no more */
size_t chello_seed(unsigned k, uint8_t *buf, size_t cap);

#endif /* TLSK_TESTS_CHELLO_H */
