// SPDX-License-Identifier: MIT
/*
 * The start's own requirements, checked before it (startcheck.h). Key
 * files are tried as the configured user in a child process, the only
 * faithful test of what that user may read (ACLs, directory modes, group
 * membership all count), without the checking process giving up root.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "startcheck.h"

int startcheck_group(const char *group, gid_t *gid)
{
	struct group *g = getgrnam(group);
	char *end;
	unsigned long n;

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(group, &end, 10);
	if (errno || end == group || *end || n > (gid_t)-1 - 1)
		return -ENOENT;
	*gid = (gid_t)n;
	return 0;
}

/* dirname() of path into buf; "" when it does not fit. */
static const char *dir_of(const char *path, char *buf, size_t size)
{
	if (strlen(path) >= size) {
		buf[0] = '\0';
		return buf;
	}
	strcpy(buf, path);
	return dirname(buf);
}

int startcheck_make_dir(const char *socket_path, const struct privs *p)
{
	char buf[PATH_MAX];
	const char *dir = dir_of(socket_path, buf, sizeof(buf));
	struct stat st;

	if (!stat(dir, &st))
		return 0;
	if (errno != ENOENT)
		return -errno;
	if (mkdir(dir, 0755) < 0)
		return -errno;
	/* Becoming p's user: the socket is unlinked at stop as that user. */
	if (p->drop && geteuid() == 0 && chown(dir, p->uid, p->gid) < 0)
		return -errno;
	return 0;
}

static bool in_my_groups(gid_t gid)
{
	int n = getgroups(0, NULL);
	gid_t *groups = n > 0 ? calloc((size_t)n, sizeof(*groups)) : NULL;
	bool in = getegid() == gid;

	n = groups ? getgroups(n, groups) : 0;
	for (int i = 0; i < n && !in; i++)
		in = groups[i] == gid;
	free(groups);
	return in;
}

static int check_group(const struct conf *c, struct conf_diag *d)
{
	int line = conf_global_line(c, "socket-group");
	gid_t gid;

	if (!c->socket_group)
		return 0;
	if (startcheck_group(c->socket_group, &gid)) {
		conf_diag_add(d, true, c->file, line, "socket-group %s: no such "
			      "group (groupadd --system %s)", c->socket_group,
			      c->socket_group);
		return 1;
	}
	/* As root, tlskd chowns its socket to any group; otherwise only to
	 * one of its own. */
	if (geteuid() != 0 && !in_my_groups(gid)) {
		conf_diag_add(d, true, c->file, line, "socket-group %s: tlskd "
			      "(uid %u) is not a member, so it cannot give its "
			      "socket that group (SupplementaryGroups= in the "
			      "unit, or usermod -aG)", c->socket_group,
			      (unsigned)geteuid());
		return 1;
	}
	return 0;
}

static int check_dir(const struct conf *c, const char *socket_path,
		     struct conf_diag *d)
{
	int line = conf_global_line(c, "socket");
	char buf[PATH_MAX], pbuf[PATH_MAX];
	const char *dir = dir_of(socket_path, buf, sizeof(buf)), *parent;
	struct stat st;
	int err;

	if (!stat(dir, &st)) {
		if (S_ISDIR(st.st_mode) && !access(dir, W_OK | X_OK))
			return 0;
		conf_diag_add(d, true, c->file, line, "socket %s: tlskd (uid "
			      "%u) cannot create it in %s: %s", socket_path,
			      (unsigned)geteuid(), dir, S_ISDIR(st.st_mode) ?
			      strerror(errno) : "not a directory");
		return 1;
	}
	err = errno;
	parent = dir_of(dir, pbuf, sizeof(pbuf));
	if (err == ENOENT) {
		if (!access(parent, W_OK | X_OK))
			return 0;	/* the start creates it */
		err = errno;
	}
	conf_diag_add(d, true, c->file, line, "socket %s: its directory %s "
		      "does not exist and tlskd (uid %u) cannot create it: %s",
		      socket_path, dir, (unsigned)geteuid(), strerror(err));
	return 1;
}

/* Child: as p's user, one "errno path" line per file it cannot open. */
static void try_files_as(const struct conf *c, const struct privs *p, int out)
{
	FILE *f = fdopen(out, "w");

	if (!f || initgroups(p->user, p->gid) < 0 ||
	    setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0)
		_exit(2);
	for (size_t i = 0; i < c->nprofiles; i++) {
		const struct conf_profile *pr = &c->profiles[i];

		for (size_t j = 0; j < pr->ncerts; j++) {
			if (access(pr->certs[j].chain, R_OK))
				fprintf(f, "%d %s\n", errno, pr->certs[j].chain);
			if (access(pr->certs[j].key, R_OK))
				fprintf(f, "%d %s\n", errno, pr->certs[j].key);
		}
		if (pr->ca_file && access(pr->ca_file, R_OK))
			fprintf(f, "%d %s\n", errno, pr->ca_file);
	}
	if (c->ticket_key_file && access(c->ticket_key_file, R_OK))
		fprintf(f, "%d %s\n", errno, c->ticket_key_file);
	_exit(fclose(f) ? 2 : 0);
}

/* What a reload as p's user could not read (root only: else the load
 * itself ran as that user). */
static int check_files(const struct conf *c, const struct privs *p,
		       struct conf_diag *d)
{
	char line[PATH_MAX + 32];
	int fds[2], status, problems = 0;
	FILE *in;
	pid_t pid;

	if (!p->drop || geteuid() != 0 || p->uid == 0)
		return 0;
	if (pipe(fds) < 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		try_files_as(c, p, fds[1]);
	}
	close(fds[1]);
	in = pid > 0 ? fdopen(fds[0], "r") : NULL;
	while (in && fgets(line, sizeof(line), in)) {
		char *path = strchr(line, ' ');

		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		conf_diag_add(d, true, c->file, conf_global_line(c, "user"),
			      "user %s cannot read %s: %s (a reload runs as "
			      "%s: chown %s, mode 0600 for keys)", p->user, path,
			      strerror((int)strtol(line, NULL, 10)), p->user,
			      p->user);
		problems++;
	}
	if (in)
		fclose(in);
	else
		close(fds[0]);
	if (pid > 0 && waitpid(pid, &status, 0) == pid &&
	    (!WIFEXITED(status) || WEXITSTATUS(status))) {
		conf_diag_add(d, true, c->file, conf_global_line(c, "user"),
			      "cannot check the files as user %s", p->user);
		problems++;
	}
	return problems;
}

int startcheck_all(const struct conf *c, const char *socket_path,
		   const struct privs *p, struct conf_diag *d)
{
	return check_group(c, d) + check_dir(c, socket_path, d) +
	       check_files(c, p, d);
}
