/* SPDX-License-Identifier: MIT */
/*
 * Least privilege. tlskd started as root does what needs root first (bind
 * and chown the socket, read the keys, join tlsk.ko's events), then
 * becomes the configured `user` (and `group`, else the user's primary
 * group, plus the user's supplementary groups) for good. Whoever it runs
 * as, it never dumps core and is not dumpable (no ptrace by its own uid,
 * /proc/PID files owned by root), so its keys stay in the process.
 */
#ifndef TLSKD_PRIVS_H
#define TLSKD_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"

struct privs {
	bool drop;		/* a user is configured */
	char user[64];
	uid_t uid;
	gid_t gid;
};

/* RLIMIT_CORE 0 and PR_SET_DUMPABLE 0: before any key is read. */
void privs_harden(void);
/* Resolves c's user/group; -ENOENT (reported into d, if given) for a
 * name that is not there. */
int privs_resolve(const struct conf *c, struct privs *p,
		  struct conf_diag *d);
/*
 * Becomes p's user, if one is configured: as root, for good (setgroups,
 * setresgid, setresuid, checked); as that user already, nothing; as anyone
 * else, -EPERM. Logged.
 */
int privs_drop(const struct privs *p);

#endif /* TLSKD_PRIVS_H */
