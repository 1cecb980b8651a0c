/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP producer for host unit tests.
 *
 *	static void codec_roundtrip(void) { CHECK(x == y); }
 *	int main(void) { RUN(codec_roundtrip); return tap_done(); }
 *
 * A test case fails if any CHECK in it fails; each failed CHECK prints its
 * location and expression as a TAP diagnostic. tap_done() prints the plan
 * and returns the exit status for main().
 */
#ifndef TLSK_TESTS_TAP_H
#define TLSK_TESTS_TAP_H

#include <stdio.h>

static int tap_count;
static int tap_failed;
static int tap_case_failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			tap_case_failed = 1;				\
			printf("# %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

#define RUN(fn) tap_run(#fn, fn)

static inline void tap_run(const char *name, void (*fn)(void))
{
	tap_case_failed = 0;
	fn();
	tap_count++;
	if (tap_case_failed)
		tap_failed++;
	printf("%sok %d %s\n", tap_case_failed ? "not " : "", tap_count, name);
	fflush(stdout);
}

static inline void tap_skip(const char *name, const char *why)
{
	tap_count++;
	printf("ok %d %s # SKIP %s\n", tap_count, name, why);
	fflush(stdout);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* TLSK_TESTS_TAP_H */
