/* SPDX-License-Identifier: MIT */
/* The daemon's start-up and loop (main.c's view of loop.c). */
#ifndef TLSKD_LOOP_H
#define TLSKD_LOOP_H

#include "daemon.h"

struct gen *gen_load(const char *path, struct ticket_store *tickets,
		     struct ticket_store *live);
const char *daemon_socket_path(const struct daemon *d);
/* Listens and serves until SIGTERM/SIGINT. 0 or negative errno. */
int daemon_run(struct daemon *d);

#endif /* TLSKD_LOOP_H */
