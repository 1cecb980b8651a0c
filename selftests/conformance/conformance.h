/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Glue between Debian's 6.1 copy of the upstream kTLS selftest
 * (tools/testing/selftests/net/tls.c) and 6.1's kselftest_harness.h.
 * patch-tls-c includes this file right after the harness.
 *
 *   CONFORMANCE_ULP         the ULP under test, "tls" or "tlsk" (-D by make)
 *   tls_crypto_info_init()  takes 3 or 4 arguments: Debian backported cases
 *                           pass the upstream "key generation" byte; the
 *                           3-argument form is generation 0, which is what
 *                           the original 3-argument function produced
 *   __test_passed()         upstream harness helper missing from 6.1's
 *   TEST_HARNESS_MAIN       adds test selection (-r/-x GLOB), listing (-l),
 *                           which 6.1's harness lacks: it ignores argv; and
 *                           takes the running test down with the harness;
 *                           -t SECS raises every test's timeout (the
 *                           harness's default is 30 s, too short for the
 *                           debug kernel under TCG)
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef CONFORMANCE_ULP
#error "build with -DCONFORMANCE_ULP='\"tls\"' or '\"tlsk\"'"
#endif

#define CONFORMANCE_PICK4(_1, _2, _3, _4, name, ...) name
#define tls_crypto_info_init(...) \
	CONFORMANCE_PICK4(__VA_ARGS__, tls_crypto_info_init_gen, \
			  tls_crypto_info_init_gen0, )(__VA_ARGS__)
#define tls_crypto_info_init_gen0(version, cipher, keys) \
	tls_crypto_info_init_gen(version, cipher, keys, 0)

#ifndef CONFORMANCE_HARNESS_HAS_TEST_PASSED
/* 6.1: SKIP sets passed too, as upstream counts a skip as not failed. */
static inline bool __test_passed(struct __test_metadata *metadata)
{
	return metadata->passed;
}
#endif

/*
 * Selection: the 6.1 harness runs every test and has no filter. With -r/-x,
 * every test is still reported (so numbering and the plan stay those of a
 * full run) but a trampoline in front of every test function skips the
 * unselected ones without running their setup.
 *
 * Termination: the harness runs each test in its own process group and
 * kills that group only on its own per-test timeout. When the harness is
 * itself killed (the VM runner's timeout for the whole binary), a test
 * blocked in recv() outlives it, keeps the output pipe open and hangs the
 * run until the VM's timeout. So a terminating signal is passed on to the
 * running test's group, and the trampoline makes each test die with the
 * harness (PR_SET_PDEATHSIG) should it be SIGKILLed.
 */
struct conformance_test {
	struct __test_metadata *t;
	void (*fn)(struct __test_metadata *, struct __fixture_variant_metadata *);
};

static struct conformance_test *conformance_tests;
static size_t conformance_ntests;
struct conformance_globs {
	char **glob;
	size_t n;
};

static struct conformance_globs conformance_run;	/* -r */
static struct conformance_globs conformance_skip;	/* -x */

static int conformance_glob_add(struct conformance_globs *g, char *glob)
{
	char **more = realloc(g->glob, (g->n + 1) * sizeof(*g->glob));

	if (!more)
		return -1;
	g->glob = more;
	g->glob[g->n++] = glob;
	return 0;
}

static bool conformance_glob_match(const struct conformance_globs *g,
				   const char *name)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (fnmatch(g->glob[i], name, 0) == 0)
			return true;
	return false;
}

static void conformance_name(char *buf, size_t size,
			     const struct __fixture_metadata *f,
			     const struct __fixture_variant_metadata *v,
			     const struct __test_metadata *t)
{
	snprintf(buf, size, "%s%s%s.%s", f->name, v->name[0] ? "." : "",
		 v->name, t->name);
}

static bool conformance_selected(const char *name)
{
	if (conformance_run.n && !conformance_glob_match(&conformance_run, name))
		return false;
	return !conformance_glob_match(&conformance_skip, name);
}

static void conformance_trampoline(struct __test_metadata *_metadata,
				   struct __fixture_variant_metadata *variant)
{
	char name[256];
	size_t i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)	/* the harness died before prctl() */
		_exit(KSFT_FAIL);
	conformance_name(name, sizeof(name), _metadata->fixture, variant,
			 _metadata);
	if (!conformance_selected(name))
		SKIP(return, "not selected");
	for (i = 0; i < conformance_ntests; i++)
		if (conformance_tests[i].t == _metadata) {
			conformance_tests[i].fn(_metadata, variant);
			return;
		}
	TH_LOG("conformance: lost the test function of %s", name);
#ifdef CONFORMANCE_HARNESS_HAS_EXIT_CODE
	_metadata->exit_code = KSFT_FAIL;
#else
	_metadata->passed = 0;
#endif
}

/* Calls fn(name, t) for every test the harness would run, in its order. */
static size_t conformance_walk(void (*fn)(const char *name,
					  struct __test_metadata *t))
{
	struct __fixture_variant_metadata no_variant = { .name = "", };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	char name[256];
	size_t n = 0;

	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &no_variant; v; v = v->next)
			for (t = f->tests; t; t = t->next) {
				conformance_name(name, sizeof(name), f, v, t);
				if (fn)
					fn(name, t);
				n++;
			}
	return n;
}

static void conformance_print(const char *name, struct __test_metadata *t)
{
	printf("%s\n", name);
}

static size_t conformance_nmatched;

static void conformance_count(const char *name, struct __test_metadata *t)
{
	conformance_nmatched += conformance_selected(name);
}

static int conformance_install(void)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	size_t n = 0;

	conformance_walk(conformance_count);
	if ((conformance_run.n || conformance_skip.n) && !conformance_nmatched) {
		fprintf(stderr, "conformance: -r/-x leave no test to run (see -l)\n");
		return -1;
	}
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			n++;
	conformance_tests = calloc(n, sizeof(*conformance_tests));
	if (!conformance_tests)
		return -1;
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next) {
			conformance_tests[conformance_ntests].t = t;
			conformance_tests[conformance_ntests++].fn = t->fn;
			t->fn = conformance_trampoline;
		}
	return 0;
}

static void conformance_terminate(int sig)
{
#ifdef CONFORMANCE_HARNESS_HAS_ACTIVE_TEST
	if (__active_test && __active_test->pid > 0)
		kill(-__active_test->pid, SIGKILL);
#endif
	/* Without __active_test (7.x's harness) the test's PDEATHSIG does it. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* -t: no test gets less than secs; a longer own timeout stays. */
static void conformance_set_timeout(int secs)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			if (t->timeout < secs)
				t->timeout = secs;
}

static int conformance_main(int argc, char **argv)
{
	int opt, secs = 0;
	char *end;

	while ((opt = getopt(argc, argv, "hlr:t:x:")) != -1) {
		switch (opt) {
		case 't':
			secs = (int)strtol(optarg, &end, 10);
			if (*end || secs <= 0) {
				fprintf(stderr, "%s: -t wants seconds, not %s\n",
					argv[0], optarg);
				return 1;
			}
			break;
		case 'l':
			conformance_walk(conformance_print);
			return 0;
		case 'r':
		case 'x':
			if (conformance_glob_add(opt == 'r' ? &conformance_run :
						 &conformance_skip, optarg))
				return 1;
			break;
		case 'h':
		default:
			fprintf(stderr,
				"usage: %s [-l] [-t SECS] [-r GLOB]... [-x GLOB]...\n"
				"  kTLS selftest against ULP \"%s\"\n"
				"  -l       list the tests (fixture.variant.test)\n"
				"  -r GLOB  run only matching tests (fnmatch), others SKIP\n"
				"  -x GLOB  do not run matching tests, SKIP them\n"
				"  -t SECS  each test's timeout, at least (default 30)\n",
				argv[0], CONFORMANCE_ULP);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument %s\n", argv[0], argv[optind]);
		return 1;
	}
	if (conformance_install())
		return 1;
	if (secs)
		conformance_set_timeout(secs);
	signal(SIGTERM, conformance_terminate);
	signal(SIGINT, conformance_terminate);
	signal(SIGHUP, conformance_terminate);
	/*
	 * Our options are parsed: newer harnesses (7.x) parse argv again,
	 * with getopt(), from where ours stopped unless optind starts over
	 * (past argc it read beyond argv and crashed before the first test).
	 */
	optind = 1;
	return test_harness_run(1, argv);
}

#undef TEST_HARNESS_MAIN
#ifdef CONFORMANCE_HARNESS_HAS_ORDER_FORWARD
/* The harness finds the constructors' order by itself. */
#define TEST_HARNESS_MAIN \
	int main(int argc, char **argv) \
	{ \
		return conformance_main(argc, argv); \
	}
#else
#define TEST_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) \
	{ \
		return conformance_main(argc, argv); \
	}
#endif

#endif /* CONFORMANCE_H */
