// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_level(int level)
{
	max_level = level;
}

int log_level(void)
{
	return max_level;
}

static void vlog(int level, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* The "<N>" prefix is for journald; a person at a terminal (tlskd
	 * --check-config, tlskd in a shell) gets the plain line. One write
	 * per line so that concurrent writers do not interleave. */
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "<%d>%s\n", level, line);
}

void tlskd_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* ---- rate limits for what remote peers can trigger ---- */

#define MILLI_MAX	((uint64_t)LOG_RATE_BURST * 1000)

bool ratelimit_ready(struct ratelimit *rl, uint64_t now_ms)
{
	if (!rl->started) {
		rl->started = true;
		rl->milli = MILLI_MAX;
		rl->last_ms = now_ms;
	}
	if (now_ms > rl->last_ms) {
		uint64_t ms = now_ms - rl->last_ms;
		/* tokens x 1000 = ms x lines/s; a burst's worth of ms fills
		 * the bucket whatever the rate, and cannot overflow */
		uint64_t add = ms >= MILLI_MAX ? MILLI_MAX : ms * LOG_RATE_PER_S;

		rl->milli = add >= MILLI_MAX - rl->milli ? MILLI_MAX :
			    rl->milli + add;
		rl->last_ms = now_ms;
	}
	return rl->milli >= 1000;
}

bool ratelimit_take(struct ratelimit *rl, uint64_t now_ms)
{
	if (!ratelimit_ready(rl, now_ms)) {
		rl->suppressed++;
		return false;
	}
	rl->milli -= 1000;
	return true;
}

static struct ratelimit limits[LOG_CLASS_COUNT];
static const char *const class_names[LOG_CLASS_COUNT] = {
	[LOG_CLASS_HANDSHAKE] = "handshake failure",
	[LOG_CLASS_KERNEL] = "kernel event",
	[LOG_CLASS_CALLER] = "caller request",
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void report(enum log_class c)
{
	tlskd_log(LOG_NOTICE, "%llu %s log lines suppressed (at most %d "
		  "a second after a burst of %d)",
		  (unsigned long long)limits[c].suppressed, class_names[c],
		  LOG_RATE_PER_S, LOG_RATE_BURST);
	limits[c].suppressed = 0;
}

void tlskd_log_peer(enum log_class c, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level)
		return;
	if (!ratelimit_take(&limits[c], mono_ms()))
		return;
	/* The summary comes before the line whose token it is sharing. */
	if (limits[c].suppressed)
		report(c);
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void log_rate_flush(bool force)
{
	uint64_t now = mono_ms();

	for (int c = 0; c < LOG_CLASS_COUNT; c++) {
		struct ratelimit *rl = &limits[c];

		if (!rl->suppressed)
			continue;
		/* The summary line costs a token like any other. */
		if (ratelimit_ready(rl, now))
			rl->milli -= 1000;
		else if (!force)
			continue;
		report((enum log_class)c);
	}
}
