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
 *   selftests/vm/run --cmd 'dump=env TLSK_DUMP_SOCKETS=50000 selftests/kernel/dumpscale'
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
	int c, s;

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
	for (i = 0; i < n; i++) {
		ASSERT_EQ(tcp_pair(AF_INET, &fds[2 * i], &fds[2 * i + 1]), 0);
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
	free(fds);
	free(want);
	free(got.v);
}

TEST_HARNESS_MAIN
