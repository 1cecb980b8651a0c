// SPDX-License-Identifier: MIT
/*
 * tlsk_config_load_profile(): a tlskd.conf profile as an engine
 * configuration, used for a real handshake; only the named profile's
 * files read; every failure a negative errno with FILE:LINE diagnostics;
 * nothing handed back on failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tests/tap.h"
#include "../../lib/tests/testpki.h"
#include "tlsk/engine.h"
#include "tlsk/service.h"

static struct testpki pki;
static char conf_path[128];

/* Writes text (a printf format over the PKI directory) as the config. */
static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static int pump(struct tlsk_engine *from, struct tlsk_engine *to, int *moved)
{
	size_t len, want;
	const uint8_t *out = tlsk_engine_output(from, &len);

	while (len && (want = tlsk_engine_want(to))) {
		size_t n = len < want ? len : want;

		if (tlsk_engine_input(to, out, n))
			return -1;
		tlsk_engine_output_done(from, n);
		out = tlsk_engine_output(from, &len);
		*moved = 1;
	}
	return 0;
}

/* A handshake of a client trusting the test root against cfg. */
static int handshake_with(const struct tlsk_config *scfg, char *alpn,
			  size_t size)
{
	struct tlsk_config *ccfg = tlsk_config_new();
	struct tlsk_engine *s = tlsk_engine_new(scfg, TLSK_ROLE_SERVER);
	struct tlsk_engine *c = NULL;
	struct tlsk_session_info info;
	int rc = -1;

	if (!ccfg || !s ||
	    tlsk_config_load_ca_file(ccfg, testpki_path(&pki, "root.crt")) ||
	    tlsk_config_set_alpn(ccfg, "h2,http/1.1"))
		goto out;
	c = tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT);
	if (!c || tlsk_engine_set_server_name(c, "localhost"))
		goto out;
	for (int i = 0; i < 100; i++) {
		int moved = 0;

		if (pump(c, s, &moved) || pump(s, c, &moved))
			break;
		if (tlsk_engine_state(c) == TLSK_STATE_ESTABLISHED &&
		    tlsk_engine_state(s) == TLSK_STATE_ESTABLISHED) {
			rc = tlsk_engine_info(c, &info);
			snprintf(alpn, size, "%s",
				 info.alpn ? info.alpn : "");
			break;
		}
		if (!moved)
			break;
	}
out:
	tlsk_engine_free(c);
	tlsk_engine_free(s);
	tlsk_config_free(ccfg);
	return rc;
}

static void loads_and_serves(void)
{
	char text[1024], diag[2048], alpn[64] = "";
	struct tlsk_config *cfg = (struct tlsk_config *)&cfg;

	/* the other profile names a file that does not exist: not read */
	snprintf(text, sizeof(text),
		 "session-cache-size = 100\n"
		 "[profile other]\ncert = /nonexistent.crt /nonexistent.key\n"
		 "[profile web]\ncert = %s %s\nalpn = http/1.1\n",
		 testpki_path(&pki, "ec256.chain"),
		 testpki_path(&pki, "ec256.key"));
	write_conf(text);
	CHECK(tlsk_config_load_profile(conf_path, "web", &cfg, diag,
				       sizeof(diag)) == 0);
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	CHECK(handshake_with(cfg, alpn, sizeof(alpn)) == 0);
	CHECK(strcmp(alpn, "http/1.1") == 0);
	tlsk_config_free(cfg);
}

static void no_such_profile(void)
{
	char diag[512];
	struct tlsk_config *cfg = (struct tlsk_config *)&cfg;

	write_conf("[profile web]\nrole = client\n");
	CHECK(tlsk_config_load_profile(conf_path, "mail", &cfg, diag,
				       sizeof(diag)) == -ESRCH);
	CHECK(cfg == NULL);
	CHECK(strstr(diag, "no [profile mail]") != NULL);
}

static void errors_with_lines(void)
{
	char text[512], diag[2048];
	struct tlsk_config *cfg = (struct tlsk_config *)&cfg;

	write_conf("[profile web]\nversions = 1.1\n");
	CHECK(tlsk_config_load_profile(conf_path, "web", &cfg, diag,
				       sizeof(diag)) == -EINVAL);
	CHECK(cfg == NULL);
	CHECK(strstr(diag, ":2: ") != NULL);

	/* a key file others may read is refused, naming it */
	snprintf(text, sizeof(text), "[profile web]\ncert = %s %s\n",
		 testpki_path(&pki, "ec256.chain"),
		 testpki_path(&pki, "open.key"));
	write_conf(text);
	CHECK(tlsk_config_load_profile(conf_path, "web", &cfg, diag,
				       sizeof(diag)) == -EINVAL);
	CHECK(cfg == NULL);
	CHECK(strstr(diag, "open.key") != NULL);
}

static void bad_arguments(void)
{
	struct tlsk_config *cfg = (struct tlsk_config *)&cfg;
	char diag[8] = "x";

	CHECK(tlsk_config_load_profile(NULL, "web", &cfg, diag,
				       sizeof(diag)) == -EINVAL);
	CHECK(cfg == NULL && diag[0] == '\0');
	CHECK(tlsk_config_load_profile(conf_path, NULL, &cfg, NULL, 0) ==
	      -EINVAL);
	CHECK(tlsk_config_load_profile(conf_path, "web", NULL, NULL, 0) ==
	      -EINVAL);
	CHECK(tlsk_config_load_profile("/nonexistent/tlskd.conf", "web", &cfg,
				       NULL, 0) == -ENOENT);
	/* a short diag buffer is truncated, never overrun */
	write_conf("[profile web]\nversions = 1.1\n");
	CHECK(tlsk_config_load_profile(conf_path, "web", &cfg, diag,
				       sizeof(diag)) == -EINVAL);
	CHECK(strlen(diag) == sizeof(diag) - 1);
}

int main(void)
{
	char key[256], open_key[256];
	FILE *in, *out;
	int ch;

	if (testpki_make(&pki)) {
		printf("1..0 # SKIP no test PKI\n");
		return 0;
	}
	snprintf(conf_path, sizeof(conf_path), "%s/tlskd.conf", pki.dir);
	/* a copy of a key, readable by others */
	snprintf(key, sizeof(key), "%s", testpki_path(&pki, "ec256.key"));
	snprintf(open_key, sizeof(open_key), "%s",
		 testpki_path(&pki, "open.key"));
	in = fopen(key, "r");
	out = fopen(open_key, "w");
	while (in && out && (ch = fgetc(in)) != EOF)
		fputc(ch, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	chmod(open_key, 0644);
	chmod(key, 0600);

	RUN(loads_and_serves);
	RUN(no_such_profile);
	RUN(errors_with_lines);
	RUN(bad_arguments);
	unlink(conf_path);
	unlink(open_key);
	testpki_remove(&pki);
	return tap_done();
}
