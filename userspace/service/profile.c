// SPDX-License-Identifier: MIT
/*
 * tlsk_config_load_profile(): one profile of a tlskd.conf as an engine
 * configuration, for programs that run the handshake in-process
 * (tlsk_handshake_local()). It is tlskd's own parser and loader
 * (tlskd/conf.c, tlskd/load.c, linked into libtlsk but not exported), so
 * a profile means the same in both places; only the parts that are the
 * daemon's alone differ: the other profiles' files are not read, and TLS
 * 1.2 session IDs go to a cache of the configuration's own instead of
 * tlskd's process-wide store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tlskd/conf.h"
#include "tlsk/service.h"

static void copy_diag(const struct conf_diag *d, char *diag, size_t size)
{
	if (!diag || !size)
		return;
	snprintf(diag, size, "%s", d->text);
}

/* Loads c's profile p alone: it is moved to the front and the others
 * hidden from conf_load() for the call. */
static int load_one(struct conf *c, struct conf_profile *p,
		    struct conf_diag *d)
{
	struct conf_profile tmp;
	size_t n = c->nprofiles;
	unsigned cache = c->session_cache_size;
	int rc;

	if (p != &c->profiles[0]) {
		tmp = c->profiles[0];
		c->profiles[0] = *p;
		*p = tmp;
	}
	c->nprofiles = 1;
	c->session_cache_size = 0;	/* no process-wide store */
	rc = conf_load(c, NULL, d);
	c->nprofiles = n;
	c->session_cache_size = cache;
	if (rc == 0 && cache)
		rc = tlsk_config_set_session_cache(c->profiles[0].cfg, cache,
						   c->session_lifetime_s);
	return rc;
}

int tlsk_config_load_profile(const char *path, const char *profile,
			     struct tlsk_config **cfg, char *diag,
			     size_t diag_size)
{
	struct conf_diag *d;
	struct conf c;
	struct conf_profile *p;
	int rc;

	if (cfg)
		*cfg = NULL;
	if (diag && diag_size)
		diag[0] = '\0';
	if (!path || !profile || !cfg)
		return -EINVAL;
	d = calloc(1, sizeof(*d));	/* 8 KiB of text: not on the stack */
	if (!d)
		return -ENOMEM;
	memset(&c, 0, sizeof(c));
	rc = conf_read(&c, path, d);
	if (rc == 0) {
		p = conf_profile(&c, profile);
		if (!p) {
			conf_diag_add(d, true, path, 0, "no [profile %s]",
				      profile);
			rc = -ESRCH;
		} else {
			rc = load_one(&c, p, d);
		}
	}
	if (rc == 0) {
		*cfg = c.profiles[0].cfg;
		c.profiles[0].cfg = NULL;
	}
	copy_diag(d, diag, diag_size);
	conf_free(&c);
	free(d);
	return rc;
}
