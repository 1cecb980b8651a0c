// SPDX-License-Identifier: MIT
/*
 * A service's socket that keeps the loop waiting, and how the loop goes
 * on without it.
 *
 * Every system call tlskd makes on a socket a service passed is
 * non-blocking (MSG_DONTWAIT, no SO_LINGER close in the loop), yet each
 * may sleep: the kernel takes the socket's lock first, and the lock's
 * owner is whoever else is inside a call on that socket - the service
 * itself, through its own copy. A service thread that sends from memory
 * whose page fault never completes (a page of a file on the service's
 * own FUSE mount, whose server never answers; a userfaultfd page) holds
 * the lock for as long as it likes, and so does a writer blocked in a
 * ULP's sendmsg that the service attached behind tlskd's back. The lock
 * is taken uninterruptibly: no timeout, no signal ends that wait. One
 * thread for every service's handshakes would then wait with it.
 *
 * So the loop marks each such call (stall_enter() .. stall_leave()), and
 * a watch thread looks at the mark every STALL_TICK_MS. A call that has
 * not returned after STALL_AFTER_MS loses the loop: the watch thread
 * starts a new thread, which gives up on the stuck call's handshake (or
 * request, or relay: its caller gets a failure reply, it leaves the epoll
 * set and the deadline heap) and then runs the loop. The old thread stays
 * in the kernel; when the call returns at last, stall_leave() sees that
 * the loop is no longer its own, hands the object back to the loop
 * (through a queue and an eventfd in the epoll set) and ends, without
 * touching anything else. Only then are the object's memory and socket
 * released: until the call returns, the kernel may still read the buffer
 * it was given (a send()'s bytes are copied once the lock is taken), and
 * that memory must not have become another connection's. The object's
 * uid keeps its max-handshakes-per-uid slot until then, so a caller
 * gains nothing by stalling more sockets than it may have handshakes.
 *
 * At most STALL_MAX calls are left waiting at once; beyond that the loop
 * waits as it did before, and a warning says why. Between the mark and
 * the handover there is one atomic word: the loop's leave and the watch
 * thread's takeover are compare-and-swaps on it, so exactly one of them
 * wins, and a call that returns as the watch thread decides simply keeps
 * the loop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "closer.h"
#include "daemon.h"
#include "log.h"
#include "stall.h"

/* How often the watch thread looks: while the loop works, and once it
 * has had nothing to do for IDLE_TICKS looks (no wake-ups to speak of on
 * an idle host; a call that stalls then is seen within a second more). */
#define STALL_TICK_MS	100
#define IDLE_TICK_MS	1000
#define IDLE_TICKS	10
#define MARK_INSIDE	((uint64_t)1)

/* (sequence << 1) | inside: written by the loop, swapped by both. */
static _Atomic uint64_t mark;
/* The call inside the mark; written by the loop before the mark. */
static struct stall_ctx inside;
/* This thread's own call: what it hands back if the loop moved on. */
static _Thread_local struct stall_ctx mine;
static _Thread_local uint64_t mine_mark;

static struct daemon *the_daemon;
static pthread_t watcher;
static bool watching;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;	/* on CLOCK_MONOTONIC (stall_start()) */
static bool stopping;
static atomic_uint waiting;
static _Atomic uint64_t takeovers;
static bool full_warned;

/* Objects handed back, for the loop (under lock). */
static struct stall_ctx *back;
static size_t nback, back_cap;
static struct watch back_watch = { .fd = -1 };

void stall_enter(const struct stall_ctx *ctx)
{
	uint64_t m = atomic_load_explicit(&mark, memory_order_relaxed);

	inside = *ctx;
	mine = *ctx;
	mine_mark = ((m >> 1) + 1) << 1 | MARK_INSIDE;
	atomic_store_explicit(&mark, mine_mark, memory_order_release);
}

void stall_leave(void)
{
	uint64_t m = mine_mark;
	uint64_t one = 1;

	if (atomic_compare_exchange_strong(&mark, &m, mine_mark & ~MARK_INSIDE))
		return;
	/* Another thread runs the loop now: hand the object back, end. */
	pthread_mutex_lock(&lock);
	if (nback == back_cap) {
		size_t cap = back_cap ? 2 * back_cap : 8;
		struct stall_ctx *n = realloc(back, cap * sizeof(*n));

		if (n) {
			back = n;
			back_cap = cap;
		}
	}
	if (nback < back_cap)
		back[nback++] = mine;	/* else leaked: out of memory */
	pthread_mutex_unlock(&lock);
	if (back_watch.fd >= 0)
		(void)!write(back_watch.fd, &one, sizeof(one));
	pthread_exit(NULL);
}

/* In the loop: the objects the old threads handed back. */
static void back_event(struct daemon *d, struct watch *w, uint32_t events)
{
	uint64_t n;

	(void)events;
	(void)!read(w->fd, &n, sizeof(n));
	for (;;) {
		struct stall_ctx c;

		pthread_mutex_lock(&lock);
		if (!nback) {
			pthread_mutex_unlock(&lock);
			return;
		}
		c = back[--nback];
		pthread_mutex_unlock(&lock);
		atomic_fetch_sub(&waiting, 1);
		log_notice("a stalled call on a service's socket returned; "
			   "%u still waiting", atomic_load(&waiting));
		switch (c.kind) {
		case STALL_HS:
			hs_stall_returned(d, c.obj);
			break;
		case STALL_START:
			start_stall_returned(d, &c);
			break;
		case STALL_PROXY:
			proxy_stall_returned(d, c.obj);
			break;
		case STALL_NONE:
			break;
		}
	}
}

struct takeover {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int go;			/* 0 wait, 1 take over, -1 not needed */
	struct stall_ctx ctx;
};

static void *takeover_main(void *arg)
{
	struct takeover *t = arg;
	struct stall_ctx c;
	int go;

	pthread_mutex_lock(&t->lock);
	while (!t->go)
		pthread_cond_wait(&t->cond, &t->lock);
	go = t->go;
	c = t->ctx;
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
	if (go < 0)
		return NULL;
	closer_loop_moved();
	log_warn("a call on a service's socket has waited %d ms for the "
		 "socket's lock (held by the service): giving up on that "
		 "%s; %u such calls waiting", STALL_AFTER_MS,
		 c.kind == STALL_PROXY ? "relay" : "handshake",
		 atomic_load(&waiting));
	switch (c.kind) {
	case STALL_HS:
		hs_stalled(the_daemon, c.obj);
		break;
	case STALL_START:
		start_stalled(the_daemon, &c);
		break;
	case STALL_PROXY:
		proxy_stalled(the_daemon, c.obj);
		break;
	case STALL_NONE:
		break;
	}
	daemon_loop_takeover(the_daemon);
}

static void settle(struct takeover *t, int go, const struct stall_ctx *c)
{
	pthread_mutex_lock(&t->lock);
	if (c)
		t->ctx = *c;
	t->go = go;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* The loop has been inside m since the last look: take it over. */
static void take_over(uint64_t m)
{
	struct takeover *t = calloc(1, sizeof(*t));
	pthread_attr_t attr;
	pthread_t th;
	struct stall_ctx c;
	int rc;

	if (!t)
		return;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	/* The thread first, so that a loop taken away always has one. */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &attr, takeover_main, t);
	pthread_attr_destroy(&attr);
	if (rc) {
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->cond);
		free(t);
		return;
	}
	/* The loop wrote inside before m (release); the swap reads it. */
	if (!atomic_compare_exchange_strong(&mark, &m, m & ~MARK_INSIDE)) {
		settle(t, -1, NULL);	/* it returned meanwhile */
		return;
	}
	c = inside;
	atomic_fetch_add(&waiting, 1);
	atomic_fetch_add(&takeovers, 1);
	settle(t, 1, &c);
}

static void *watch_main(void *arg)
{
	uint64_t seen = 0, since = 0;
	unsigned idle = 0;
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		uint64_t m, now;

		long tick = idle >= IDLE_TICKS ? IDLE_TICK_MS : STALL_TICK_MS;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += tick / 1000;
		ts.tv_nsec += tick % 1000 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wake, &lock, &ts);
		if (stopping)
			break;
		m = atomic_load(&mark);
		now = now_ms();
		idle = m == seen && idle < IDLE_TICKS ? idle + 1 :
		       m == seen ? idle : 0;
		if (!(m & MARK_INSIDE) || m != seen) {
			seen = m;
			since = now;
			continue;
		}
		if (now - since < STALL_AFTER_MS)
			continue;
		if (atomic_load(&waiting) >= STALL_MAX) {
			if (!full_warned)
				log_warn("%d calls on services' sockets are "
					 "left waiting already: the loop waits "
					 "for this one", STALL_MAX);
			full_warned = true;
			continue;
		}
		pthread_mutex_unlock(&lock);
		take_over(m);
		pthread_mutex_lock(&lock);
		seen = 0;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int stall_start(struct daemon *d)
{
	pthread_condattr_t ca;
	int rc;

	the_daemon = d;
	if (pthread_condattr_init(&ca) ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
	    pthread_cond_init(&wake, &ca))
		return -ENOMEM;
	pthread_condattr_destroy(&ca);
	back_watch.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	back_watch.fn = back_event;
	if (back_watch.fd < 0)
		return -errno;
	if (watch_add(d, &back_watch, EPOLLIN))
		return -errno;
	rc = pthread_create(&watcher, NULL, watch_main, NULL);
	if (rc)
		return -rc;
	watching = true;
	return 0;
}

void stall_stop(void)
{
	if (!watching)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(watcher, NULL);
	watching = false;
}

unsigned stall_waiting(void)
{
	return atomic_load(&waiting);
}

uint64_t stall_takeovers(void)
{
	return atomic_load(&takeovers);
}
