// SPDX-License-Identifier: MIT
/*
 * Closing the services' sockets without ever blocking the loop.
 *
 * close() of a TCP socket sleeps when it drops the file's last reference
 * and the socket has SO_LINGER {1, N} with unsent data: up to N seconds
 * (O_NONBLOCK does not change that; inet_release() and
 * sk_stream_wait_close()). A caller can set that option, fill the send
 * queue towards a peer that reads nothing, pass the socket and close its
 * own copy: tlskd's close() is then the last one, and in the loop's
 * thread it would freeze the daemon, SIGTERM included, for N seconds.
 *
 * So every descriptor of a socket a service passed is closed here, by one
 * thread fed through a queue. The loop only appends to the queue (a mutex
 * held for a few instructions by either side) and never waits. It wakes
 * the closer once per batch of events (closer_flush() before epoll_wait),
 * not once per descriptor, and the closer takes what is queued in one go:
 * under load one wake-up and one pair of timer calls serve several
 * handshakes.
 *
 * The linger itself is cut short: while the closer is inside close(), a
 * timer sends it a signal every CLOSE_SLICE_MS, and the kernel's wait for
 * the linger ends at a signal, the close completing as it does when the
 * linger time runs out. This changes nothing a caller can observe:
 * - while the caller still holds its copy, tlskd's close() is not the last
 *   one and does not linger at all; SO_LINGER is never read or changed,
 *   so the caller's own close() lingers exactly as it asked;
 * - when tlskd holds the last copy, the one whose close() would have slept
 *   is tlskd, which the caller's linger was never meant to stop; the
 *   connection goes on as an orphan (FIN, retransmissions) just as after
 *   a linger that timed out. SO_LINGER {1, 0} (reset on close) involves
 *   no wait and keeps its meaning.
 * Cutting the wait keeps the closer's throughput up: a caller passing many
 * such sockets costs it CLOSE_SLICE_MS each, not N seconds each, so the
 * queue (descriptors still open) cannot grow without bound.
 *
 * A descriptor a caller passed that is not a socket has no business in
 * tlskd, and its close() may never return: a file on the caller's own
 * FUSE mount makes close() send FUSE_FLUSH and wait, uninterruptibly, for
 * an answer the caller's FUSE server need never give. Those go to a second
 * thread, the quarantine (closer_close_untrusted()), so that they can
 * only ever hold each other up, never the sockets' closes; at the stop
 * the quarantine is waited for only if it is not stuck in a close().
 * (Callers allowed on no profile never get a descriptor into tlskd at
 * all: loop.c reads their messages without taking the descriptors, which
 * the kernel then drops without a close(), so without a flush.) That
 * drop, and the close() of a caller's connection with messages still
 * unread, put the files' last references in the loop's own thread: a
 * lingering socket among them would sleep there. closer_guard_begin()
 * and _end() around those calls cut such a linger short the same way,
 * with a timer of the loop thread's own.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "closer.h"
#include "log.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid	/* glibc < 2.41 */
#endif

#define CLOSE_SLICE_MS	10
/* Taken from the queue at once; also how many closer_close() calls may
 * queue before one wakes the closer without waiting for closer_flush(). */
#define CLOSE_BATCH	64

struct closer {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int *fds;		/* waiting to be closed */
	size_t n, cap;
	bool stop, running;
	bool busy;		/* inside close() (the quarantine's stop) */
	bool slice;		/* cut lingers short (sockets) */
	pthread_t thread;
};

static bool handler_set;	/* close_signal() interrupts, not kills */
static timer_t loop_slicer;	/* the loop thread's (closer_guard_*) */
static bool loop_sliced;

static struct closer q = { .lock = PTHREAD_MUTEX_INITIALIZER,
			   .wake = PTHREAD_COND_INITIALIZER, .slice = true };
static struct closer quarantine = { .lock = PTHREAD_MUTEX_INITIALIZER,
				    .wake = PTHREAD_COND_INITIALIZER };

/* Only there to end the kernel's wait: a handler, so that the signal is
 * not ignored (an ignored signal never interrupts a sleep). */
static void interrupt_close(int sig)
{
	(void)sig;
}

static int close_signal(void)
{
	return SIGRTMIN + 1;
}

static int slicer_new(timer_t *t)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = close_signal();
	sev.sigev_notify_thread_id = gettid();
	return timer_create(CLOCK_MONOTONIC, &sev, t) ? -errno : 0;
}

static void slicer_set(timer_t t, bool on)
{
	const struct itimerspec its = {
		.it_value.tv_nsec = on ? CLOSE_SLICE_MS * 1000000L : 0,
		.it_interval.tv_nsec = on ? CLOSE_SLICE_MS * 1000000L : 0,
	};

	timer_settime(t, 0, &its, NULL);
}

static void *closer_main(void *arg)
{
	struct closer *c = arg;
	int batch[CLOSE_BATCH];
	sigset_t set;
	timer_t slicer;
	bool sliced = false, armed = false;

	/* Everything else stays with the loop's signalfd. */
	sigfillset(&set);
	sigdelset(&set, close_signal());
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	if (c->slice) {
		sliced = slicer_new(&slicer) == 0;
		if (!sliced)
			log_err("closer: no timer (%s): a socket with "
				"SO_LINGER may delay later closes",
				strerror(errno));
	}
	pthread_mutex_lock(&c->lock);
	for (;;) {
		size_t k;

		if (!c->n && armed) {
			/* Idle: no signal may reach a later close() early. */
			pthread_mutex_unlock(&c->lock);
			slicer_set(slicer, false);
			armed = false;
			pthread_mutex_lock(&c->lock);
			continue;
		}
		while (!c->n && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (!c->n)
			break;		/* stopping, and nothing left */
		k = c->n < CLOSE_BATCH ? c->n : CLOSE_BATCH;
		c->n -= k;
		memcpy(batch, c->fds + c->n, k * sizeof(int));
		c->busy = true;
		pthread_mutex_unlock(&c->lock);
		if (sliced && !armed) {
			slicer_set(slicer, true);
			armed = true;
		}
		for (size_t i = 0; i < k; i++)
			close(batch[i]); /* released even when interrupted */
		pthread_mutex_lock(&c->lock);
		c->busy = false;
	}
	pthread_mutex_unlock(&c->lock);
	if (sliced)
		timer_delete(slicer);
	return NULL;
}

static int start_one(struct closer *c)
{
	sigset_t all, old;
	int rc;

	/* Born with every signal blocked: none meant for the loop's signalfd
	 * may reach it before it sets its own mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->thread, NULL, closer_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	c->running = true;
	return 0;
}

int closer_start(void)
{
	struct sigaction sa;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = interrupt_close;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(close_signal(), &sa, NULL))
		return -errno;
	handler_set = true;
	rc = start_one(&q);
	if (!rc && (rc = start_one(&quarantine)) != 0)
		closer_stop();
	return rc;
}

static void loop_signal(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, close_signal());
	pthread_sigmask(how, &set, NULL);
}

void closer_guard_begin(void)
{
	if (!handler_set)
		return;
	if (!loop_sliced)	/* the first call is the loop thread's */
		loop_sliced = slicer_new(&loop_slicer) == 0;
	if (!loop_sliced)
		return;
	loop_signal(SIG_UNBLOCK);
	slicer_set(loop_slicer, true);
}

void closer_loop_moved(void)
{
	/* The timer signals the thread that created it: a new one. */
	if (loop_sliced)
		timer_delete(loop_slicer);
	loop_sliced = false;
}

void closer_guard_end(void)
{
	if (!handler_set || !loop_sliced)
		return;
	slicer_set(loop_slicer, false);
	loop_signal(SIG_BLOCK);
}

static void queue_fd(struct closer *c, int fd)
{
	if (!c->running) {
		close(fd);	/* before the start or after the stop */
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		int *n = realloc(c->fds, cap * sizeof(int));

		if (!n) {
			pthread_mutex_unlock(&c->lock);
			/* Out of memory: better a possible wait than a leak. */
			log_err("closer: out of memory, closing in the loop");
			close(fd);
			return;
		}
		c->fds = n;
		c->cap = cap;
	}
	c->fds[c->n++] = fd;
	if (c->n >= CLOSE_BATCH)
		pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void closer_close(int fd)
{
	if (fd >= 0)
		queue_fd(&q, fd);
}

/* Not fstat(): on a caller's FUSE file it waits for the caller's
 * server (FUSE_GETATTR). getsockopt() only looks at the file's type. */
bool closer_is_socket(int fd)
{
	socklen_t len = sizeof(int);
	int type;

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
}

bool closer_close_untrusted(int fd)
{
	if (fd < 0)
		return false;
	if (closer_is_socket(fd)) {
		queue_fd(&q, fd);
		return false;
	}
	queue_fd(&quarantine, fd);
	/* Rare, and the loop may not get to closer_flush() soon. */
	pthread_mutex_lock(&quarantine.lock);
	pthread_cond_signal(&quarantine.wake);
	pthread_mutex_unlock(&quarantine.lock);
	return true;
}

bool closer_quarantine_busy(void)
{
	bool busy;

	if (!quarantine.running)
		return false;
	pthread_mutex_lock(&quarantine.lock);
	busy = quarantine.busy || quarantine.n;
	pthread_mutex_unlock(&quarantine.lock);
	return busy;
}

void closer_flush(void)
{
	if (!q.running)
		return;
	pthread_mutex_lock(&q.lock);
	if (q.n)
		pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
}

/* Closes what is queued and joins; with wait_any false, a closer inside
 * a close() or with more to close is left to finish on its own, or not
 * (false). */
static bool stop_one(struct closer *c, bool wait_any)
{
	bool stuck;

	if (!c->running)
		return true;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	stuck = (c->busy || c->n) && !wait_any;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	c->running = false;
	if (stuck) {
		pthread_detach(c->thread);
		return false;	/* its queue stays: the thread may use it */
	}
	pthread_join(c->thread, NULL);
	free(c->fds);
	c->fds = NULL;
	c->n = c->cap = 0;
	return true;
}

void closer_stop(void)
{
	stop_one(&q, true);
	if (!stop_one(&quarantine, false))
		log_warn("closer: a descriptor a caller passed that is not a "
			 "socket is still being closed (a FUSE file whose "
			 "server does not answer?); not waiting for it");
}
