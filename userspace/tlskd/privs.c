// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

void privs_harden(void)
{
	struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		log_warn("setrlimit(RLIMIT_CORE): %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_warn("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
}

static bool numeric(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

int privs_resolve(const struct conf *c, struct privs *p,
		  struct conf_diag *d)
{
	const char *file = c->file ? c->file : "config";
	struct passwd *pw;

	memset(p, 0, sizeof(*p));
	if (!c->user) {
		if (c->group && d)
			conf_diag_add(d, true, file, conf_global_line(c,
				      "group"), "group needs user");
		return c->group ? -EINVAL : 0;
	}
	pw = numeric(c->user) ? getpwuid((uid_t)strtoul(c->user, NULL, 10))
			      : getpwnam(c->user);
	if (!pw) {
		if (d)
			conf_diag_add(d, true, file, conf_global_line(c, "user"),
				      "no user %s", c->user);
		return -ENOENT;
	}
	p->drop = true;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	snprintf(p->user, sizeof(p->user), "%s", pw->pw_name);
	if (c->group) {
		struct group *gr = numeric(c->group) ?
			getgrgid((gid_t)strtoul(c->group, NULL, 10)) :
			getgrnam(c->group);

		if (!gr) {
			if (d)
				conf_diag_add(d, true, file,
					      conf_global_line(c, "group"),
					      "no group %s", c->group);
			return -ENOENT;
		}
		p->gid = gr->gr_gid;
	}
	return 0;
}

int privs_drop(const struct privs *p)
{
	uid_t ruid, euid, suid;

	if (!p->drop) {
		if (geteuid() == 0)
			log_notice("running as root: set `user` to drop "
				   "privileges once set up (docs/daemon.md)");
		return 0;
	}
	if (getresuid(&ruid, &euid, &suid) < 0)
		return -errno;
	if (ruid == p->uid && euid == p->uid && suid == p->uid)
		return 0;	/* started as that user (systemd's User=) */
	if (euid != 0) {
		log_err("user = %s: tlskd runs as uid %u and cannot switch; "
			"start it as root or as %s", p->user, (unsigned)euid,
			p->user);
		return -EPERM;
	}
	/* Groups first: after setresuid() we could not set them any more. */
	if (initgroups(p->user, p->gid) < 0 ||
	    setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0) {
		int rc = -errno;

		log_err("cannot become user %s: %s", p->user, strerror(-rc));
		return rc;
	}
	/* For good: root must be out of reach. */
	if (p->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_err("user %s: could get root back; stopping", p->user);
		return -EPERM;
	}
	/* Changing credentials resets dumpability to fs.suid_dumpable,
	 * which an administrator may have set to 1. */
	privs_harden();
	log_notice("running as user %s (uid %u gid %u)", p->user,
		   (unsigned)p->uid, (unsigned)p->gid);
	return 0;
}
