// SPDX-License-Identifier: MIT
/*
 * The token bucket behind tlskd_log_peer() (log.c), on a clock the test
 * sets, and the log lines themselves: whatever is not printed is counted
 * in a "suppressed" line, so printed + suppressed is every call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../tests/tap.h"
#include "../log.h"

static void burst_then_rate(void)
{
	struct ratelimit rl;
	unsigned got = 0;

	memset(&rl, 0, sizeof(rl));
	for (int i = 0; i < 1000; i++)
		got += ratelimit_take(&rl, 5000);
	CHECK(got == LOG_RATE_BURST);
	CHECK(rl.suppressed == 1000 - LOG_RATE_BURST);
	/* One token takes 1000 / LOG_RATE_PER_S ms to come back. */
	CHECK(!ratelimit_take(&rl, 5000 + 1000 / LOG_RATE_PER_S - 1));
	CHECK(ratelimit_take(&rl, 5000 + 1000 / LOG_RATE_PER_S));
	CHECK(!ratelimit_take(&rl, 5000 + 1000 / LOG_RATE_PER_S));
	/* Ten seconds later: LOG_RATE_PER_S * 10 tokens, capped at burst. */
	got = 0;
	for (int i = 0; i < 1000; i++)
		got += ratelimit_take(&rl, 20000);
	CHECK(got == LOG_RATE_BURST);
}

static void clock_oddities(void)
{
	struct ratelimit rl;
	unsigned got = 0;

	memset(&rl, 0, sizeof(rl));
	for (int i = 0; i < 100; i++)
		(void)ratelimit_take(&rl, 1);
	CHECK(!ratelimit_ready(&rl, 1));
	/* A jump whose refill would overflow fills the bucket, no more. */
	for (int i = 0; i < 100; i++)
		got += ratelimit_take(&rl, UINT64_MAX / 2 + 3);
	CHECK(got == LOG_RATE_BURST);
	/* A clock going back refills nothing. */
	CHECK(!ratelimit_take(&rl, 0));
	CHECK(!ratelimit_ready(&rl, 1));
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* 1000 lines from "peers": a bounded number printed, the rest counted. */
static void log_lines_accounted(void)
{
	char path[] = "/tmp/tlskd-ratelimit.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	unsigned long long printed = 0, suppressed = 0, n;
	uint64_t start, ms;
	static const char summary[] = " handshake failure log lines suppressed";
	char line[1200], *end;
	FILE *f;

	CHECK(fd >= 0 && saved >= 0);
	if (fd < 0 || saved < 0)
		return;
	log_set_level(LOG_DEBUG);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	start = mono_ms();
	for (int i = 0; i < 1000; i++)
		tlskd_log_peer(LOG_CLASS_HANDSHAKE, LOG_NOTICE,
			       "handshake %d failed: decode_error", i);
	ms = mono_ms() - start;
	/* Debug lines are not rate-limited at a level that drops them. */
	log_set_level(LOG_WARNING);
	tlskd_log_peer(LOG_CLASS_KERNEL, LOG_NOTICE, "not logged");
	log_set_level(LOG_DEBUG);
	log_rate_flush(true);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "failed: decode_error"))
			printed++;
		else if (!strncmp(line, "<5>", 3) &&
			 (n = strtoull(line + 3, &end, 10)) > 0 &&
			 !strncmp(end, summary, sizeof(summary) - 1))
			suppressed += n;
		else
			printf("# unexpected: %s", line);
	}
	fclose(f);
	unlink(path);
	printf("# %llu printed, %llu suppressed in %llu ms\n", printed,
	       suppressed, (unsigned long long)ms);
	CHECK(printed + suppressed == 1000);
	CHECK(printed <= LOG_RATE_BURST + ms * LOG_RATE_PER_S / 1000 + 1);
	CHECK(printed >= LOG_RATE_BURST);
}

int main(void)
{
	RUN(burst_then_rate);
	RUN(clock_oddities);
	RUN(log_lines_accounted);
	return tap_done();
}
