// SPDX-License-Identifier: MIT
/*
 * Runs a libFuzzer harness without libFuzzer (NAME-smoke): over the
 * harness's seeds and a fixed number of deterministic mutations of each
 * (byte flips, truncations, insertions), printing TAP. Under
 * `make SAN=1 check` this is a small sanitizer-checked fuzz run on every
 * build. With a directory argument it writes the seeds there, as the
 * starting corpus `make fuzz` (fuzz/module.mk) gives libFuzzer; with file
 * arguments it replays those files (a crash reproducer).
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_INPUT	8192
#define MUTATIONS	20000

static uint32_t rng_state = 0x2545f491;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
	size_t at = len ? rng() % len : 0;

	switch (rng() % 4) {
	case 0:
		if (len)
			buf[at] ^= (uint8_t)(1u << (rng() % 8));
		return len;
	case 1:
		if (len)
			buf[at] = (uint8_t)rng();
		return len;
	case 2:
		return len ? rng() % len : 0;
	default:
		if (len + 1 > cap)
			return len;
		memmove(buf + at + 1, buf + at, len - at);
		buf[at] = (uint8_t)rng();
		return len + 1;
	}
}

static int run_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int write_seeds(const char *dir)
{
	static uint8_t seed[MAX_INPUT];
	char path[4096];
	size_t len;

	for (unsigned i = 0; (len = fuzz_seed(i, seed, sizeof(seed))) > 0; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%u", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(seed, 1, len, f) != len) {
			perror(path);
			if (f)
				fclose(f);
			return 1;
		}
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;

	static uint8_t seed[MAX_INPUT], buf[MAX_INPUT];
	unsigned runs = 0, i;
	size_t len;

	if (argc == 2 && stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode))
		return write_seeds(argv[1]);
	if (argc > 1) {
		int bad = 0;

		for (int a = 1; a < argc; a++)
			bad |= run_file(argv[a]);
		return bad;
	}
	for (i = 0; (len = fuzz_seed(i, seed, sizeof(seed))) > 0; i++) {
		LLVMFuzzerTestOneInput(seed, len);
		for (unsigned m = 0; m < MUTATIONS; m++) {
			size_t n = len;

			memcpy(buf, seed, len);
			for (unsigned k = rng() % 4 + 1; k; k--)
				n = mutate(buf, n, sizeof(buf));
			LLVMFuzzerTestOneInput(buf, n);
			runs++;
		}
	}
	printf("ok 1 %u seeds, %u mutated inputs, no crash\n1..1\n", i, runs);
	return 0;
}
