// SPDX-License-Identifier: GPL-2.0-only
/*
 * The netlink socket dump at scale, with attaches and closes running
 * beside it.
 *
 * N long-lived tlsk sockets (TLSK_DUMP_SOCKETS, default 2000) are dumped
 * while another thread keeps attaching and closing short-lived ones. The
 * dump must list every long-lived socket exactly once, in the kernel's id
 * order and without duplicates; the short-lived ones may or may not show.
 * The dump's time and the slowest attach during it are printed (TH_LOG),
 * never judged: docs/netlink.md records the figures of a large run:
 *
 *   VM_MEM=4096 selftests/vm/run --cmd 'dump=env TLSK_DUMP_SOCKETS=100000 selftests/kernel/dumpscale'
 */
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>

#include "kselftest_harness.h"
#include "util.h"
#include "genl.h"

struct cookies {
	uint64_t *v;
	size_t n, cap;
};

static void cookie_add(const struct nlattr **tb, void *arg)
{
	struct cookies *c = arg;
	struct tlsk_sock s;

	sock_parse(&s, tb[TLSK_A_SOCK]);
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	c->v[c->n++] = s.cookie;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * The long-lived pairs: one listener, clients from 127.1.0.0 on, a new
 * source address every 20,000 connections, so that 100,000 pairs and more
 * fit in the ports of one listener address (a pair per fresh listener,
 * as tcp_pair() makes them, runs out of ports near 30,000). Each client
 * binds its port too (10000-29999, below the ephemeral range): left to
 * connect(), the port search of one source address probes every used
 * even port before it tries odd ones, so the last thousands of its
 * connections each walked thousands of ports and 100,000 pairs took
 * over an hour under TCG.
 */
struct pairs {
	int lfd;
	struct sockaddr_in srv;
	long made;
};

static int pairs_open(struct pairs *p)
{
	socklen_t len = sizeof(p->srv);

	memset(p, 0, sizeof(*p));
	p->srv.sin_family = AF_INET;
	p->srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (p->lfd < 0 ||
	    bind(p->lfd, (struct sockaddr *)&p->srv, sizeof(p->srv)) ||
	    listen(p->lfd, 128) ||
	    getsockname(p->lfd, (struct sockaddr *)&p->srv, &len))
		return -errno;
	return 0;
}

static int pairs_next(struct pairs *p, int *cfd, int *sfd)
{
	struct sockaddr_in src = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(0x7f010000 + p->made / 20000),
		.sin_port = htons(10000 + p->made % 20000),
	};
	int c = socket(AF_INET, SOCK_STREAM, 0), s;

	*cfd = -1;
	*sfd = -1;
	if (c < 0)
		return -errno;
	if (bind(c, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(c, (struct sockaddr *)&p->srv, sizeof(p->srv)))
		goto fail;
	s = accept(p->lfd, NULL, NULL);
	if (s < 0)
		goto fail;
	p->made++;
	*cfd = c;
	*sfd = s;
	return 0;
fail:
	close(c);
	return -errno;
}

struct churn {
	volatile bool stop;
	long attaches;
	double worst_ms;
	int err;
};

/* Attaches tlsk to fresh connections and closes them, until told to stop. */
static void *churn_thread(void *p)
{
	struct churn *ch = p;
	int c = -1, s = -1;

	while (!ch->stop) {
		double t0;

		if (tcp_pair(AF_INET, &c, &s)) {
			ch->err = errno;
			break;
		}
		t0 = now_ms();
		if (attach_ulp(c, TLSK_ULP_NAME))
			ch->err = errno;
		if (now_ms() - t0 > ch->worst_ms)
			ch->worst_ms = now_ms() - t0;
		ch->attaches++;
		close_now(c);
		close(s);
	}
	return NULL;
}

TEST(dump_at_scale_with_churn)
{
	const char *env = getenv("TLSK_DUMP_SOCKETS");
	long n = env ? strtol(env, NULL, 10) : 2000;
	struct rlimit rl = { .rlim_cur = 2 * n + 256, .rlim_max = 2 * n + 256 };
	struct cookies got = { 0 };
	struct churn ch = { 0 };
	struct pairs pairs;
	uint64_t *want;
	pthread_t t;
	struct genl nl;
	struct genl_msg m;
	double t0, dump_ms;
	int *fds;
	long i;
	size_t j, missing = 0;

	ASSERT_GT(n, 0);
	ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fds = calloc(2 * n, sizeof(*fds));
	want = calloc(n, sizeof(*want));
	ASSERT_NE(fds, NULL);
	ASSERT_NE(want, NULL);
	ASSERT_EQ(pairs_open(&pairs), 0);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(pairs_next(&pairs, &fds[2 * i], &fds[2 * i + 1]), 0);
		ASSERT_EQ(attach_ulp(fds[2 * i], TLSK_ULP_NAME), 0);
		want[i] = sock_cookie_of(fds[2 * i]);
	}
	ASSERT_EQ(genl_open(&nl), 0);
	ASSERT_EQ(pthread_create(&t, NULL, churn_thread, &ch), 0);
	/* Let the churn get going, then dump beside it. */
	while (ch.attaches < 10 && !ch.err)
		usleep(1000);
	ch.worst_ms = 0;
	t0 = now_ms();
	msg_init(&m, nl.family, NLM_F_DUMP, TLSK_CMD_SOCK_GET);
	EXPECT_EQ(genl_transact(&nl, &m, cookie_add, &got), 0);
	dump_ms = now_ms() - t0;
	ch.stop = true;
	pthread_join(t, NULL);
	EXPECT_EQ(ch.err, 0);
	TH_LOG("%ld sockets: dump %.1f ms (%zu entries), %ld attaches beside it, slowest %.2f ms",
	       n, dump_ms, got.n, ch.attaches, ch.worst_ms);

	/* Every long-lived socket once; nothing twice. */
	qsort(got.v, got.n, sizeof(*got.v), cmp_u64);
	for (j = 1; j < got.n; j++)
		EXPECT_NE(got.v[j], got.v[j - 1]);
	for (i = 0; i < n; i++)
		if (!bsearch(&want[i], got.v, got.n, sizeof(*got.v), cmp_u64))
			missing++;
	EXPECT_EQ(missing, 0);

	genl_close(&nl);
	for (i = 0; i < 2 * n; i++)
		close_now(fds[i]);
	close(pairs.lfd);
	free(fds);
	free(want);
	free(got.v);
}

/* As TEST_HARNESS_MAIN, with our own main(). */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

/*
 * The harness's timeout is fixed at compile time; this one grows with the
 * sockets, which the debug kernel (KASAN, TCG) makes slowly: 2000 took
 * more than the default 30 s there.
 */
int main(int argc, char **argv)
{
	const char *env = getenv("TLSK_DUMP_SOCKETS");
	long n = env ? strtol(env, NULL, 10) : 2000;

	_dump_at_scale_with_churn_object.timeout = 600 + (n > 0 ? n / 10 : 0);
	return test_harness_run(argc, argv);
}
