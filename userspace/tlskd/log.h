/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr with syslog levels. Each line starts with "<N>", which
 * journald turns into the record's priority (SyslogLevelPrefix=yes is the
 * default), and lines above the configured level are dropped.
 */
#ifndef TLSKD_LOG_H
#define TLSKD_LOG_H

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

#endif /* TLSKD_LOG_H */
