/* SPDX-License-Identifier: MIT */
/* A service's socket that keeps tlskd's loop waiting (see stall.c). */
#ifndef TLSKD_STALL_H
#define TLSKD_STALL_H

#include <stdint.h>

struct daemon;
struct peer;

enum stall_kind {
	STALL_NONE,
	STALL_HS,	/* obj: struct hs, a handshake in flight */
	STALL_START,	/* a request's socket, checked before its hs exists */
	STALL_PROXY,	/* obj: struct proxy, a relay */
};

/* What the loop was doing on a service's socket, by value. */
struct stall_ctx {
	enum stall_kind kind;
	void *obj;
	struct peer *peer;	/* STALL_START */
	uint32_t id;		/* STALL_START: the request's */
	int fd;			/* STALL_START: the socket */
};

/* How long one system call may keep the loop before another thread takes
 * it over, and how many such calls may be left waiting at once. */
#define STALL_AFTER_MS	300
#define STALL_MAX	32
/* A uid with this many left waiting gets no new handshake until one
 * returns: one caller alone cannot use up STALL_MAX. */
#define STALL_PER_UID	4

/*
 * Around every system call of the loop on a socket a service passed (or a
 * library call making such calls) that may sleep on the socket's lock.
 * stall_leave() returns only if the loop is still this thread's: else
 * the thread hands ctx back to the loop (stall_returned()) and ends.
 */
void stall_enter(const struct stall_ctx *ctx);
void stall_leave(void);

/* The watch thread; stall_stop() before the loop's own teardown. */
int stall_start(struct daemon *d);
void stall_stop(void);
/* Calls still waiting (threads left in the kernel), and takeovers so far. */
unsigned stall_waiting(void);
uint64_t stall_takeovers(void);

/* loop.c: runs the loop in the thread that took it over (never returns). */
void daemon_loop_takeover(struct daemon *d) __attribute__((noreturn));

/* Give up on ctx's object: the new loop thread, before anything else.
 * Its memory and socket stay until the old thread hands it back. */
void hs_stalled(struct daemon *d, struct hs *h);
void hs_stall_returned(struct daemon *d, struct hs *h);
void start_stalled(struct daemon *d, const struct stall_ctx *c);
void start_stall_returned(struct daemon *d, const struct stall_ctx *c);
struct proxy;
void proxy_stalled(struct daemon *d, struct proxy *p);
void proxy_stall_returned(struct daemon *d, struct proxy *p);

#endif /* TLSKD_STALL_H */
