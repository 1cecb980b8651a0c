/* SPDX-License-Identifier: MIT */
/*
 * What tlskd's start needs beyond a configuration that loads: a group to
 * give the socket, a directory to create it in, key files its user can
 * read for the next reload. `--check-config` runs the same checks, so a
 * configuration it accepts is one the daemon starts with.
 */
#ifndef TLSKD_STARTCHECK_H
#define TLSKD_STARTCHECK_H

#include <sys/types.h>

#include "conf.h"
#include "privs.h"

/* socket-group (a name or a number) as a gid; -ENOENT if no such group. */
int startcheck_group(const char *group, gid_t *gid);
/*
 * The socket's directory, created (mode 0755, and given to p's user when
 * tlskd will become it) when it does not exist but its parent does; 0 or
 * a negative errno.
 */
int startcheck_make_dir(const char *socket_path, const struct privs *p);
/*
 * Everything the start (and a reload as p's user) would refuse, reported
 * into d as errors against c's file: a socket-group that does not exist or
 * that tlskd, not root, is not a member of; a socket directory that cannot
 * be created or written; a key or ticket-key-file p's user cannot read.
 * Returns the number of problems.
 */
int startcheck_all(const struct conf *c, const char *socket_path,
		   const struct privs *p, struct conf_diag *d);

#endif /* TLSKD_STARTCHECK_H */
