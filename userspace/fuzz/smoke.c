// SPDX-License-Identifier: MIT
/*
 * The fuzz harnesses as a quick test (make check): each seed as is, then
 * deterministic mutations of it (bit flips, truncations, insertions,
 * overwrites) and plain random inputs. Prints TAP; a crash or a sanitizer
 * report fails it. With a directory argument it writes the seeds there
 * instead, as a starting corpus for libFuzzer (make fuzz).
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define MUTATIONS 300
#define RANDOM_INPUTS 200
#define MAX_INPUT 8192

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static size_t mutate(uint8_t *buf, size_t len)
{
	size_t pos = len ? rnd() % len : 0;

	switch (rnd() % 4) {
	case 0:				/* flip a bit */
		if (len)
			buf[pos] ^= (uint8_t)(1u << (rnd() % 8));
		return len;
	case 1:				/* truncate */
		return pos;
	case 2:				/* insert a byte */
		if (len + 1 > MAX_INPUT)
			return len;
		memmove(buf + pos + 1, buf + pos, len - pos);
		buf[pos] = (uint8_t)rnd();
		return len + 1;
	default:			/* overwrite a byte with 0 or 0xff */
		if (len)
			buf[pos] = rnd() & 1 ? 0xff : 0;
		return len;
	}
}

static int write_seeds(const char *dir)
{
	static uint8_t seed[MAX_INPUT];
	size_t n;

	for (unsigned i = 0; (n = fuzz_seed(i, seed, sizeof(seed))); i++) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%u", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(seed, 1, n, f) != n)
			return 1;
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t seed[MAX_INPUT], input[MAX_INPUT];
	unsigned runs = 0, seeds = 0;
	size_t n;

	if (argc > 1)
		return write_seeds(argv[1]);
	for (unsigned i = 0; (n = fuzz_seed(i, seed, sizeof(seed))); i++) {
		seeds++;
		LLVMFuzzerTestOneInput(seed, n);
		runs++;
		for (int m = 0; m < MUTATIONS; m++) {
			size_t len = n;

			memcpy(input, seed, n);
			for (unsigned k = 1 + rnd() % 4; k; k--)
				len = mutate(input, len);
			LLVMFuzzerTestOneInput(input, len);
			runs++;
		}
	}
	for (int r = 0; r < RANDOM_INPUTS; r++) {
		size_t len = rnd() % 600;

		for (size_t k = 0; k < len; k++)
			input[k] = (uint8_t)rnd();
		LLVMFuzzerTestOneInput(input, len);
		runs++;
	}
	printf("ok 1 %s: %u seeds, %u inputs\n1..1\n", argv[0], seeds, runs);
	return seeds ? 0 : 1;
}
