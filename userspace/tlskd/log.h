/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr with syslog levels. Each line starts with "<N>", which
 * journald turns into the record's priority (SyslogLevelPrefix=yes is the
 * default), and lines above the configured level are dropped.
 *
 * Lines that a remote TLS peer can cause at will (a failed handshake, the
 * kernel's events about its alerts and bad records) go through
 * tlskd_log_peer(): a token bucket per class lets LOG_RATE_BURST lines out
 * at once and LOG_RATE_PER_S a second after that; the rest are counted and
 * reported as one "N ... lines suppressed" line when the bucket has room
 * again (log_rate_flush(), called from the event loop) or at exit.
 */
#ifndef TLSKD_LOG_H
#define TLSKD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void log_set_level(int level);
int log_level(void);
void tlskd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	tlskd_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	tlskd_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	tlskd_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	tlskd_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	tlskd_log(LOG_DEBUG, __VA_ARGS__)

#define LOG_RATE_BURST	20
#define LOG_RATE_PER_S	5

/* Classes of lines a remote peer can trigger, each with its own bucket. */
enum log_class {
	LOG_CLASS_HANDSHAKE,	/* handshake failures (alerts, decode errors) */
	LOG_CLASS_KERNEL,	/* tlsk.ko events: alerts, decrypt errors */
	LOG_CLASS_CALLER,	/* local callers: malformed or refused requests */
	LOG_CLASS_COUNT,
};

/* A token bucket, in thousandths of a line. Zeroed: full at first use. */
struct ratelimit {
	uint64_t milli;		/* tokens x 1000 */
	uint64_t last_ms;
	uint64_t suppressed;	/* lines refused since the last report */
	bool started;
};

/* May a line go out at now_ms (any monotonic clock)? Refills the bucket
 * for the time since the last call, then takes a token or counts the
 * line as suppressed. */
bool ratelimit_take(struct ratelimit *rl, uint64_t now_ms);
/* Refills; true when a token is there (without taking it). */
bool ratelimit_ready(struct ratelimit *rl, uint64_t now_ms);

void tlskd_log_peer(enum log_class c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reports the classes with suppressed lines whose bucket has room again
 * (all of them with force, at exit). */
void log_rate_flush(bool force);

#endif /* TLSKD_LOG_H */
