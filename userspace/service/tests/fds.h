/* SPDX-License-Identifier: MIT */
/* For the service tests: how many descriptors this process has open. */
#ifndef TLSK_SERVICE_TESTS_FDS_H
#define TLSK_SERVICE_TESTS_FDS_H

#include <dirent.h>

static inline int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

#endif /* TLSK_SERVICE_TESTS_FDS_H */
