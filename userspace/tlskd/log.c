// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
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

void tlskd_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* The "<N>" prefix is for journald; a person at a terminal (tlskd
	 * --check-config, tlskd in a shell) gets the plain line. One write
	 * per line so that concurrent writers do not interleave. */
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "<%d>%s\n", level, line);
}
