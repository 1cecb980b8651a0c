/* SPDX-License-Identifier: MIT */
/* tlskd's objects, shared by its files (see the process model in loop.c). */
#ifndef TLSKD_DAEMON_H
#define TLSKD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "clientcache.h"
#include "conf.h"
#include "privs.h"
#include "systemd.h"
#include "tickets.h"
#include "tlsk/keys.h"
#include "tlsk/service.h"

struct daemon;

/* Whatever sits in the epoll set: data.ptr points at one of these. */
struct watch {
	void (*fn)(struct daemon *d, struct watch *w, uint32_t events);
	int fd;
	uint32_t events;	/* currently registered */
};

/* A loaded configuration; handshakes in flight keep theirs alive across a
 * reload, so a SIGHUP never pulls a profile out from under an engine. */
struct gen {
	unsigned refs;
	unsigned number;
	struct conf conf;
};

/* One connection from a service on the Unix socket. */
struct peer {
	struct watch w;
	unsigned refs;		/* the connection itself + its handshakes */
	unsigned nhs;		/* its handshakes in flight */
	bool closed;
	bool counted;		/* in its uid's connections; false: over
				 * max-connections-per-uid, refused */
	bool refused;		/* over it, and in its uid's QUOTA_REFUSED */
	uint64_t active_ms;	/* last request, or last handshake ended */
	struct peer *prev, *next;	/* open connections (d->peers) */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary (SO_PEERGROUPS), malloc'd */
	size_t ngroups;
};

/* One handshake in flight on a service's TCP socket. */
struct hs {
	struct watch w;		/* w.fd: tlskd's copy of the service's socket */
	struct peer *peer;
	struct gen *gen;
	const struct conf_profile *prof;
	struct tlsk_engine *engine;
	uint32_t id;
	uint8_t role;
	uint64_t deadline_ms;	/* CLOCK_MONOTONIC; 0: cancelled */
	bool cancelled;		/* the caller hung up: ends after the batch */
	uint64_t started_ms;
	size_t heap_index;
	/* Client, after Finished: NewSessionTicket records taken off the
	 * socket before the hand-off (handshake.c, "tickets"). */
	bool tickets;
	struct tlsk_record *rx;	/* opens peeked records */
	uint64_t rx_taken;	/* records consumed: the kernel's rec_seq */
	unsigned tickets_taken;	/* messages in those, at most TICKETS_MAX */
	int old_lowat;		/* the service's SO_RCVLOWAT, -1: untouched */
	char cache_key[CLIENT_CACHE_KEY_MAX];	/* "" : no client cache */
	/* Server: the session store asked about its ClientHello's session
	 * ID (redis.c); while the answer is due it is out of the epoll set
	 * and its deadline is the wait's, the real one saved. */
	bool store_checked;
	size_t store_peeked;	/* hello bytes seen while it came in */
	struct store_wait *store_wait;
	uint64_t store_saved_deadline;
	/* what it answered: into the local cache just before the engine
	 * reads the hello, so no other handshake's entry evicts it first */
	uint8_t *store_blob;
	size_t store_blob_len;
	uint8_t store_id[32];	/* the session ID asked about */
	size_t store_id_len;
	bool replied;		/* its caller has the answer */
	/* During the hand-off (hs_handoff()), until a stalled call on the
	 * socket returns (stall.c): the keys, and the relay's connection. */
	struct hs_keys {
		struct tlsk_traffic_keys tx, rx;
	} *keys;
	struct tlsk_conn *conn;
	bool relay_slot;	/* holds a max-relays-per-uid slot */
};

struct stats {
	uint64_t hs_done, hs_failed, hs_resumed;
	uint64_t req_refused, req_malformed;
};

struct nl_sock;
struct uid_use;

/* tlsk.ko's netlink events (events.c). */
struct nl_events {
	struct watch w;		/* w.fd -1: not listening */
	struct nl_sock *sk;
	int family;		/* the id joined, while listening */
	uint64_t retry_ms;	/* family absent: resolve again then; 0: no */
	bool absent_logged;
	uint64_t decrypt_errors, alerts, seq_near_limit, key_updates, other;
	uint64_t dropped;	/* did not parse, or not from the kernel */
	uint64_t lost;		/* ENOBUFS: the kernel dropped some for us */
};

struct daemon {
	int epfd;
	struct watch listener;
	struct watch signals;
	struct gen *gen;	/* current configuration */
	const char *conf_path;
	const char *socket_override;
	struct ticket_store tickets;
	struct client_cache clients;	/* client tickets, by server */
	struct stats stats;
	struct nl_events events;
	struct hs **heap;	/* handshakes by deadline */
	size_t nhs, heap_cap;
	size_t nproxies;
	struct peer *peers;	/* open service connections */
	uint64_t peer_scan_ms;	/* next look for idle ones */
	struct uid_use *uids;	/* per-caller counts (quota.c) */
	size_t nuids, uids_cap;
	uint64_t started_ms;
	uint64_t listen_resume_ms;	/* listener paused (EMFILE) until */
	bool stopping;
	/* SIGTERM: no new requests; handshakes in flight may finish until
	 * drain_deadline_ms (drain-timeout), a second SIGTERM ends it. */
	bool draining;
	uint64_t drain_deadline_ms;
	bool activated;		/* listener from systemd (tlskd.socket) */
	struct privs privs;	/* who to become once set up */
	struct sd_link sd;	/* $NOTIFY_SOCKET and the watchdog */
};

uint64_t now_ms(void);

/* loop.c */
int watch_add(struct daemon *d, struct watch *w, uint32_t events);
int watch_mod(struct daemon *d, struct watch *w, uint32_t events);
/* Unregisters w. MUST precede closing an fd whose file the service still
 * holds: epoll tracks files, not descriptors, and would keep reporting
 * events for a closed descriptor of a file that is still open elsewhere. */
void watch_del(struct daemon *d, struct watch *w);
void gen_put(struct gen *g);
void peer_put(struct peer *p);
int daemon_reply(struct peer *p, uint32_t id, const struct tlsk_result *res,
		 int stream_fd);

/* handshake.c */
void hs_start(struct daemon *d, struct peer *p,
	      const struct tlsk_request *req, int fd);
/* Ends h with a failure reply: deadline passed, or tlskd stopping. */
void hs_abort(struct daemon *d, struct hs *h, int err, const char *reason);
/* h's deadline passed: a failure, or the end of the wait for tickets. */
void hs_expire(struct daemon *d, struct hs *h);
/* SO_RCVLOWAT = need until hs_lowat_restore (also at the end): -EAGAIN,
 * or 0 if it cannot be set */
int hs_lowat_wait(struct hs *h, int need);
void hs_lowat_restore(struct hs *h);
/* p's caller hung up: its handshakes end (no reply) once the current epoll
 * batch is done, since the batch may still hold their events. */
void hs_cancel_peer(struct daemon *d, struct peer *p);
int heap_push(struct daemon *d, struct hs *h);
void heap_remove(struct daemon *d, struct hs *h);

/* proxy.c: relays records for a socket the kernel cannot carry. Takes
 * over conn; returns the service's end of the stream, or negative errno. */
int proxy_start(struct daemon *d, struct tlsk_conn *conn,
		struct tlsk_engine *engine, uid_t uid);

#endif /* TLSKD_DAEMON_H */
