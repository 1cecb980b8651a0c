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
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
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

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int *fds;		/* waiting to be closed */
	size_t n, cap;
	bool stop, running;
	pthread_t thread;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER,
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
	int batch[CLOSE_BATCH];
	sigset_t set;
	timer_t slicer;
	bool sliced, armed = false;

	(void)arg;
	/* Everything else stays with the loop's signalfd. */
	sigfillset(&set);
	sigdelset(&set, close_signal());
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	sliced = slicer_new(&slicer) == 0;
	if (!sliced)
		log_err("closer: no timer (%s): a socket with SO_LINGER may "
			"delay later closes", strerror(errno));
	pthread_mutex_lock(&q.lock);
	for (;;) {
		size_t k;

		if (!q.n && armed) {
			/* Idle: no signal may reach a later close() early. */
			pthread_mutex_unlock(&q.lock);
			slicer_set(slicer, false);
			armed = false;
			pthread_mutex_lock(&q.lock);
			continue;
		}
		while (!q.n && !q.stop)
			pthread_cond_wait(&q.wake, &q.lock);
		if (!q.n)
			break;		/* stopping, and nothing left */
		k = q.n < CLOSE_BATCH ? q.n : CLOSE_BATCH;
		q.n -= k;
		memcpy(batch, q.fds + q.n, k * sizeof(int));
		pthread_mutex_unlock(&q.lock);
		if (sliced && !armed) {
			slicer_set(slicer, true);
			armed = true;
		}
		for (size_t i = 0; i < k; i++)
			close(batch[i]); /* released even when interrupted */
		pthread_mutex_lock(&q.lock);
	}
	pthread_mutex_unlock(&q.lock);
	if (sliced)
		timer_delete(slicer);
	return NULL;
}

int closer_start(void)
{
	struct sigaction sa;
	sigset_t all, old;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = interrupt_close;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	if (sigaction(close_signal(), &sa, NULL))
		return -errno;
	/* Born with every signal blocked: none meant for the loop's signalfd
	 * may reach it before it sets its own mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&q.thread, NULL, closer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	q.running = true;
	return 0;
}

void closer_close(int fd)
{
	if (fd < 0)
		return;
	if (!q.running) {
		close(fd);	/* before the start or after the stop */
		return;
	}
	pthread_mutex_lock(&q.lock);
	if (q.n == q.cap) {
		size_t cap = q.cap ? 2 * q.cap : 256;
		int *n = realloc(q.fds, cap * sizeof(int));

		if (!n) {
			pthread_mutex_unlock(&q.lock);
			/* Out of memory: better a possible wait than a leak. */
			log_err("closer: out of memory, closing in the loop");
			close(fd);
			return;
		}
		q.fds = n;
		q.cap = cap;
	}
	q.fds[q.n++] = fd;
	if (q.n >= CLOSE_BATCH)
		pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
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

void closer_stop(void)
{
	if (!q.running)
		return;
	pthread_mutex_lock(&q.lock);
	q.stop = true;
	pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.thread, NULL);
	q.running = false;
	free(q.fds);
	q.fds = NULL;
	q.n = q.cap = 0;
}
