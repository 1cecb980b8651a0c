/* SPDX-License-Identifier: MIT */
/* Hex helpers for known-answer tests. */
#ifndef TLSK_TESTS_HEX_H
#define TLSK_TESTS_HEX_H

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Decode hex (spaces ignored) into out; returns the byte count. */
static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		v = isdigit((unsigned char)*s) ? *s - '0' :
		    tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else if (n < cap) {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static inline int hex_eq(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[4096];
	size_t n = unhex(want, w, sizeof(w));

	return n == len && !memcmp(got, w, len);
}

#endif /* TLSK_TESTS_HEX_H */
