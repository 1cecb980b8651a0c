// SPDX-License-Identifier: MIT
/*
 * tlsk-hscost: the server-side CPU cost of one TLS handshake, libtlsk's
 * engine against OpenSSL's libssl, in one process and without a network.
 *
 * Both servers face the same client (libssl on memory BIOs, the same
 * suite, group and certificate) and run back to back in one process, so
 * the only thing that differs between two runs is the server's own code.
 * Every call into a server — creating it, feeding it the client's bytes
 * and draining its answer, freeing it — goes through one function,
 * hs_server_call(), which is what we measure:
 *
 *  - natively: the thread's CPU time inside hs_server_call(), summed over
 *    the measured handshakes (CLOCK_THREAD_CPUTIME_ID, so the client's
 *    work and other processes on a busy machine do not count);
 *  - under callgrind: instructions inside it, which repeat exactly from
 *    run to run where seconds do not. Run
 *
 *      valgrind --tool=callgrind --collect-atstart=no \
 *               --toggle-collect=hs_server_call tlsk-hscost ...
 *
 *    and divide the "totals:" line of the output file by --count.
 *    Warm-up handshakes (--warmup) go through warm_server_call() instead,
 *    which callgrind does not collect.
 *
 * Each handshake is checked: both sides finish, the server's version is
 * the one asked for, and a resumed handshake really was one (and a full
 * one was not); otherwise the program says which and exits 1.
 *
 * --floor measures, with the same clock (and under callgrind, the same
 * function), only the public-key operations a server cannot avoid: one
 * signature with the certificate's key (ECDSA, or RSA-PSS, with SHA-256)
 * and one X25519 key generation and derivation for a full handshake; the
 * X25519 pair alone for a resumed TLS 1.3 one (psk_dhe_ke); nothing for a
 * resumed TLS 1.2 one. server=floor in the output.
 *
 * --client tlsk turns it around: libtlsk's client engine (and the record
 * layer it needs for the server's NewSessionTicket) faces a libssl server
 * with the same settings; everything the client does goes through
 * hs_client_call() (callgrind: --toggle-collect=hs_client_call), and it
 * offers the newest session it got. client=tlsk, client_cpu_us in the
 * output.
 *
 * Output: one line of key=value pairs on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "tlsk/engine.h"
#include "tlsk/record.h"

#define BUF_MAX		(64 * 1024)
#define ROUNDS_MAX	64

enum server_kind { SRV_TLSK, SRV_OPENSSL, SRV_FLOOR };

struct opts {
	enum server_kind server;
	const char *cert, *key;
	uint16_t version;	/* TLS1_2_VERSION or TLS1_3_VERSION */
	bool resumed;
	const char *group;
	const char *client_groups;	/* the group, and P-256 for ECDSA */
	unsigned count, warmup;
	bool client_side;	/* --client tlsk: measure libtlsk's client */
};

/* bytes in flight to one side */
struct pipe {
	uint8_t buf[BUF_MAX];
	size_t len;
};

struct server {
	const struct opts *o;
	struct tlsk_config *cfg;	/* SRV_TLSK */
	SSL_CTX *ctx;			/* SRV_OPENSSL */
	struct tlsk_engine *e;		/* one handshake */
	SSL *ssl;
	BIO *in, *out;
};

enum call { CALL_NEW, CALL_STEP, CALL_FREE };

static void die(const char *what)
{
	fprintf(stderr, "tlsk-hscost: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void pipe_put(struct pipe *p, const uint8_t *b, size_t n)
{
	if (n > sizeof(p->buf) - p->len)
		die("a flight does not fit the pipe");
	memcpy(p->buf + p->len, b, n);
	p->len += n;
}

static void pipe_take(struct pipe *p, size_t n)
{
	memmove(p->buf, p->buf + n, p->len - n);
	p->len -= n;
}

/* ---- the two servers ---- */

/* libtlsk's engine, either role: what it wants of in, its answer to out */
static int engine_step(struct tlsk_engine *e, struct pipe *in,
		       struct pipe *out)
{
	const uint8_t *b;
	size_t n, want;

	while (in->len && (want = tlsk_engine_want(e)) > 0) {
		n = want < in->len ? want : in->len;
		if (tlsk_engine_input(e, in->buf, n))
			return -1;
		pipe_take(in, n);
	}
	b = tlsk_engine_output(e, &n);
	if (n) {
		pipe_put(out, b, n);
		tlsk_engine_output_done(e, n);
	}
	return tlsk_engine_state(e) == TLSK_STATE_FAILED ? -1 : 0;
}

static int tlsk_step(struct server *s, struct pipe *in, struct pipe *out)
{
	return engine_step(s->e, in, out);
}

static int ossl_step(struct server *s, struct pipe *in, struct pipe *out)
{
	uint8_t tmp[16384];
	int n;

	if (in->len) {
		if (BIO_write(s->in, in->buf, (int)in->len) != (int)in->len)
			return -1;
		in->len = 0;
	}
	if (!SSL_is_init_finished(s->ssl) && SSL_do_handshake(s->ssl) <= 0 &&
	    SSL_get_error(s->ssl, -1) != SSL_ERROR_WANT_READ)
		return -1;
	while ((n = BIO_read(s->out, tmp, sizeof(tmp))) > 0)
		pipe_put(out, tmp, (size_t)n);
	return 0;
}

static int server_new(struct server *s)
{
	if (s->o->server == SRV_TLSK) {
		s->e = tlsk_engine_new(s->cfg, TLSK_ROLE_SERVER);
		return s->e ? 0 : -1;
	}
	s->ssl = SSL_new(s->ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	if (!s->ssl || !s->in || !s->out)
		return -1;
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
	return 0;
}

static void server_free(struct server *s)
{
	if (s->o->server == SRV_TLSK) {
		tlsk_engine_free(s->e);
		s->e = NULL;
		return;
	}
	/* freed without a shutdown, a session leaves OpenSSL's cache */
	SSL_set_shutdown(s->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(s->ssl);
	s->ssl = NULL;
}

static inline __attribute__((always_inline))
int server_call(struct server *s, enum call c, struct pipe *in,
		struct pipe *out)
{
	switch (c) {
	case CALL_NEW:
		return server_new(s);
	case CALL_STEP:
		return s->o->server == SRV_TLSK ? tlsk_step(s, in, out) :
						  ossl_step(s, in, out);
	case CALL_FREE:
		server_free(s);
		return 0;
	}
	return -1;
}

/* What is measured; callgrind collects inside this function only. */
__attribute__((noinline))
int hs_server_call(struct server *s, enum call c, struct pipe *in,
		   struct pipe *out);
__attribute__((noinline))
int hs_server_call(struct server *s, enum call c, struct pipe *in,
		   struct pipe *out)
{
	return server_call(s, c, in, out);
}

/* The same for warm-up handshakes, which are not measured. */
__attribute__((noinline))
int warm_server_call(struct server *s, enum call c, struct pipe *in,
		     struct pipe *out);
__attribute__((noinline))
int warm_server_call(struct server *s, enum call c, struct pipe *in,
		     struct pipe *out)
{
	return server_call(s, c, in, out);
}

/* ---- the floor: the public-key operations alone ---- */

struct floor {
	EVP_PKEY *key;		/* the certificate's */
	EVP_PKEY *peer;		/* an X25519 client share */
	bool sign;
};

static void floor_once(const struct floor *f)
{
	static const uint8_t tbs[130] = { 0x20 };	/* CertificateVerify */
	uint8_t sig[512], secret[32];
	size_t siglen = sizeof(sig), slen = sizeof(secret);
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	EVP_PKEY *mine = NULL;
	EVP_PKEY_CTX *dctx = NULL;

	if (!kctx || EVP_PKEY_keygen_init(kctx) <= 0 ||
	    EVP_PKEY_keygen(kctx, &mine) <= 0)
		die("X25519 keygen failed");
	dctx = EVP_PKEY_CTX_new(mine, NULL);
	if (!dctx || EVP_PKEY_derive_init(dctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(dctx, f->peer) <= 0 ||
	    EVP_PKEY_derive(dctx, secret, &slen) <= 0)
		die("X25519 derive failed");
	if (f->sign) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pctx = NULL;

		if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL,
					      f->key) <= 0 ||
		    (EVP_PKEY_get_base_id(f->key) == EVP_PKEY_RSA &&
		     EVP_PKEY_CTX_set_rsa_padding(pctx,
						  RSA_PKCS1_PSS_PADDING) <= 0) ||
		    EVP_DigestSign(md, sig, &siglen, tbs, sizeof(tbs)) <= 0)
			die("signing failed");
		EVP_MD_CTX_free(md);
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_CTX_free(kctx);
	EVP_PKEY_free(mine);
}

__attribute__((noinline)) void hs_floor_call(const struct floor *f);
__attribute__((noinline)) void hs_floor_call(const struct floor *f)
{
	floor_once(f);
}

static double floor_run(const struct opts *o)
{
	struct floor f = { .sign = !o->resumed };
	struct timespec t0, t1;
	double cpu = 0;
	FILE *kf;

	if (o->version == TLS1_2_VERSION && o->resumed)
		return 0;	/* an abbreviated handshake has no such work */
	kf = fopen(o->key, "r");
	if (!kf)
		die("cannot open the key");
	f.key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
	fclose(kf);
	f.peer = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (!f.key || !f.peer)
		die("cannot load the key");
	for (unsigned i = 0; i < o->warmup; i++)
		floor_once(&f);
	for (unsigned i = 0; i < o->count; i++) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		hs_floor_call(&f);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		cpu += (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	}
	EVP_PKEY_free(f.key);
	EVP_PKEY_free(f.peer);
	return cpu;
}

/* ---- set-up ---- */

static void server_setup(struct server *s, const struct opts *o)
{
	s->o = o;
	if (o->server == SRV_TLSK) {
		s->cfg = tlsk_config_new();
		if (!s->cfg ||
		    tlsk_config_add_cert(s->cfg, o->cert, o->key) ||
		    tlsk_config_set_versions(s->cfg, o->version, o->version) ||
		    tlsk_config_set_groups(s->cfg, o->group) ||
		    tlsk_config_set_tickets(s->cfg, 1, 7200) ||
		    tlsk_config_set_session_cache(s->cfg, 1024, 7200))
			die("cannot configure the tlsk server");
		return;
	}
	s->ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ctx ||
	    !SSL_CTX_use_certificate_chain_file(s->ctx, o->cert) ||
	    !SSL_CTX_use_PrivateKey_file(s->ctx, o->key, SSL_FILETYPE_PEM) ||
	    !SSL_CTX_set_min_proto_version(s->ctx, o->version) ||
	    !SSL_CTX_set_max_proto_version(s->ctx, o->version) ||
	    !SSL_CTX_set1_groups_list(s->ctx, o->group) ||
	    !SSL_CTX_set_num_tickets(s->ctx, 1))
		die("cannot configure the OpenSSL server");
	/* the same work as libtlsk's: no peer checks, server cache on */
	SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(s->ctx, (const uint8_t *)"hscost", 6);
}

static SSL_CTX *client_setup(const struct opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx ||
	    !SSL_CTX_set_min_proto_version(ctx, o->version) ||
	    !SSL_CTX_set_max_proto_version(ctx, o->version) ||
	    !SSL_CTX_set1_groups_list(ctx, o->client_groups) ||
	    !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") ||
	    !SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:"
				     "ECDHE-RSA-AES128-GCM-SHA256"))
		die("cannot configure the client");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	/* TLS 1.2 resumes by session ID: the classic server cache */
	if (o->version == TLS1_2_VERSION)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	return ctx;
}

/* ---- one handshake ---- */

/* Client side of one round: run the handshake (or, once finished, read
 * the tickets), move its bytes to the server. */
static void client_round(SSL *c, BIO *cin, BIO *cout, struct pipe *to_cli,
			 struct pipe *to_srv)
{
	uint8_t tmp[16384];
	int n;

	if (to_cli->len) {
		BIO_write(cin, to_cli->buf, (int)to_cli->len);
		to_cli->len = 0;
	}
	if (!SSL_is_init_finished(c))
		SSL_do_handshake(c);
	else
		SSL_read(c, tmp, sizeof(tmp));	/* NewSessionTicket */
	while ((n = BIO_read(cout, tmp, sizeof(tmp))) > 0)
		pipe_put(to_srv, tmp, (size_t)n);
}

static bool server_done(const struct server *s)
{
	if (s->o->server == SRV_TLSK)
		return tlsk_engine_state(s->e) == TLSK_STATE_ESTABLISHED;
	return SSL_is_init_finished(s->ssl);
}

static bool server_resumed(const struct server *s)
{
	struct tlsk_session_info info;

	if (s->o->server == SRV_OPENSSL)
		return SSL_session_reused(s->ssl);
	return !tlsk_engine_info(s->e, &info) && info.resumed;
}

static int handshake(struct server *s, SSL_CTX *cctx, SSL_SESSION **sess,
		     bool measured, bool want_resumed, double *cpu)
{
	int (*call)(struct server *, enum call, struct pipe *, struct pipe *) =
		measured ? hs_server_call : warm_server_call;
	static struct pipe to_srv, to_cli;
	struct timespec t0, t1;
	SSL *c = SSL_new(cctx);
	BIO *cin = BIO_new(BIO_s_mem()), *cout = BIO_new(BIO_s_mem());
	const char *why = NULL;
	int rounds, rc;

	if (!c || !cin || !cout)
		die("out of memory");
	SSL_set_bio(c, cin, cout);
	SSL_set_connect_state(c);
	SSL_set_tlsext_host_name(c, "localhost");
	if (*sess)
		SSL_set_session(c, *sess);
	to_srv.len = to_cli.len = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	rc = call(s, CALL_NEW, NULL, NULL);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	*cpu += (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc)
		die("cannot create a server");

	/* a handshake is over when nothing moves any more */
	for (rounds = 0; rounds < ROUNDS_MAX; rounds++) {
		client_round(c, cin, cout, &to_cli, &to_srv);
		if (!to_srv.len && rounds > 0)
			break;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		rc = call(s, CALL_STEP, &to_srv, &to_cli);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		*cpu += (double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (rc) {
			why = "the server failed the handshake";
			break;
		}
		if (!to_cli.len && !to_srv.len && SSL_is_init_finished(c))
			break;
	}
	if (!why && rounds == ROUNDS_MAX)
		why = "the handshake did not finish";
	else if (!why && !SSL_is_init_finished(c))
		why = "the client did not finish";
	else if (!why && !server_done(s))
		why = "the server did not finish";
	else if (!why && SSL_version(c) != s->o->version)
		why = "the wrong version was negotiated";
	else if (!why && (bool)SSL_session_reused(c) != want_resumed)
		why = want_resumed ? "the client did not resume" :
				     "the client resumed a full handshake";
	else if (!why && server_resumed(s) != want_resumed)
		why = want_resumed ? "the server did not resume" :
				     "the server resumed a full handshake";
	if (why) {
		uint8_t alert = 0;
		int recv = 0;
		const char *reason = "";

		if (s->o->server == SRV_TLSK && s->e)
			tlsk_engine_error(s->e, &alert, &recv, &reason);
		fprintf(stderr, "tlsk-hscost: %s (%s)\n", why,
			reason ? reason : "");
		exit(1);
	}
	/* OpenSSL's client uses a TLS 1.3 ticket once: keep the newest */
	SSL_SESSION_free(*sess);
	*sess = SSL_get1_session(c);
	if (!*sess || !SSL_SESSION_is_resumable(*sess))
		die("the handshake left no resumable session");

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	call(s, CALL_FREE, NULL, NULL);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	*cpu += (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(c);
	return 0;
}

/* ---- --client tlsk: libtlsk's client against a libssl server ---- */

#define SESSION_MAX	8192

struct client {
	struct tlsk_config *cfg;
	struct tlsk_engine *e;
	struct tlsk_record *rx;	/* after the handshake: for tickets */
	uint8_t session[SESSION_MAX];
	size_t session_len;
	bool use_session;
};

/* Whole records of post-handshake messages (NewSessionTicket) go through
 * a record layer from the exported keys, as a driver does. */
static int client_post_handshake(struct client *c, struct pipe *in)
{
	struct tlsk_traffic_keys k;

	if (!c->rx) {
		if (tlsk_engine_export_keys(c->e, TLSK_DIR_RX, &k))
			return -1;
		c->rx = tlsk_record_new(&k, 0);
		tlsk_keys_scrub(&k);
		if (!c->rx)
			return -1;
	}
	while (in->len >= 5) {
		size_t len = 5 + ((size_t)in->buf[3] << 8 | in->buf[4]), i;
		uint8_t type, *pt, alert;
		int n;

		if (in->len < len)
			return -1;
		n = tlsk_record_open(c->rx, in->buf, len, &type, &pt);
		if (n < 0 || type != 22)	/* handshake */
			return -1;
		for (i = 0; i + 4 <= (size_t)n;) {
			size_t mlen = (size_t)pt[i + 1] << 16 |
				      (size_t)pt[i + 2] << 8 | pt[i + 3];

			if (i + 4 + mlen > (size_t)n ||
			    tlsk_engine_post_handshake(c->e, pt[i], pt + i + 4,
						       mlen, &alert))
				return -1;
			i += 4 + mlen;
		}
		pipe_take(in, len);
	}
	return 0;
}

static int client_call_body(struct client *c, enum call call,
			    struct pipe *in, struct pipe *out)
{
	size_t n;

	switch (call) {
	case CALL_NEW:
		c->e = tlsk_engine_new(c->cfg, TLSK_ROLE_CLIENT);
		if (!c->e || tlsk_engine_set_server_name(c->e, "localhost") ||
		    (c->use_session &&
		     tlsk_engine_set_session(c->e, c->session,
					     c->session_len)))
			return -1;
		return 0;	/* ClientHello comes with the first step */
	case CALL_STEP:
		if (tlsk_engine_state(c->e) == TLSK_STATE_ESTABLISHED)
			return client_post_handshake(c, in);
		return engine_step(c->e, in, out);
	case CALL_FREE:
		/* keep the newest session to offer next time */
		n = sizeof(c->session);
		if (tlsk_engine_get_session(c->e, c->session, &n))
			return -1;
		c->session_len = n;
		tlsk_record_free(c->rx);
		c->rx = NULL;
		tlsk_engine_free(c->e);
		c->e = NULL;
		return 0;
	}
	return -1;
}

/* What is measured with --client; callgrind collects inside it. */
__attribute__((noinline))
int hs_client_call(struct client *c, enum call call, struct pipe *in,
		   struct pipe *out);
__attribute__((noinline))
int hs_client_call(struct client *c, enum call call, struct pipe *in,
		   struct pipe *out)
{
	return client_call_body(c, call, in, out);
}

__attribute__((noinline))
int warm_client_call(struct client *c, enum call call, struct pipe *in,
		     struct pipe *out);
__attribute__((noinline))
int warm_client_call(struct client *c, enum call call, struct pipe *in,
		     struct pipe *out)
{
	return client_call_body(c, call, in, out);
}

static double cpu_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void client_handshake(struct client *c, struct server *peer,
			     bool measured, bool want_resumed, double *cpu)
{
	int (*call)(struct client *, enum call, struct pipe *, struct pipe *) =
		measured ? hs_client_call : warm_client_call;
	static struct pipe to_srv, to_cli;
	const char *why = NULL;
	struct tlsk_session_info info;
	struct timespec t0;
	int rounds, rc;

	to_srv.len = to_cli.len = 0;
	c->use_session = want_resumed;
	if (server_new(peer))
		die("cannot create the OpenSSL server");
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	rc = call(c, CALL_NEW, NULL, NULL);
	*cpu += cpu_since(&t0);
	if (rc)
		die("cannot create the tlsk client");
	for (rounds = 0; rounds < ROUNDS_MAX; rounds++) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		rc = call(c, CALL_STEP, &to_cli, &to_srv);
		*cpu += cpu_since(&t0);
		if (rc) {
			why = "the client failed the handshake";
			break;
		}
		if (ossl_step(peer, &to_srv, &to_cli)) {
			why = "the server failed the handshake";
			break;
		}
		if (!to_cli.len && !to_srv.len &&
		    tlsk_engine_state(c->e) == TLSK_STATE_ESTABLISHED)
			break;
	}
	if (!why && rounds == ROUNDS_MAX)
		why = "the handshake did not finish";
	else if (!why && !SSL_is_init_finished(peer->ssl))
		why = "the server did not finish";
	else if (!why && tlsk_engine_info(c->e, &info))
		why = "the client did not finish";
	else if (!why && info.version != peer->o->version)
		why = "the wrong version was negotiated";
	else if (!why && (bool)info.resumed != want_resumed)
		why = want_resumed ? "the client did not resume" :
				     "the client resumed a full handshake";
	else if (!why && (bool)SSL_session_reused(peer->ssl) != want_resumed)
		why = want_resumed ? "the server did not resume" :
				     "the server resumed a full handshake";
	if (why) {
		uint8_t alert = 0;
		int recv = 0;
		const char *reason = "";

		tlsk_engine_error(c->e, &alert, &recv, &reason);
		fprintf(stderr, "tlsk-hscost: %s (%s)\n", why,
			reason ? reason : "");
		exit(1);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	rc = call(c, CALL_FREE, NULL, NULL);
	*cpu += cpu_since(&t0);
	if (rc)
		die("the handshake left no session");
	server_free(peer);
}

static double client_run(const struct opts *o)
{
	struct opts so = *o;
	struct server peer = { 0 };
	struct client c = { 0 };
	double cpu = 0, warm = 0;

	so.server = SRV_OPENSSL;
	server_setup(&peer, &so);
	if (!SSL_CTX_set_ciphersuites(peer.ctx, "TLS_AES_128_GCM_SHA256"))
		die("cannot configure the OpenSSL server");
	c.cfg = tlsk_config_new();
	if (!c.cfg ||
	    tlsk_config_set_versions(c.cfg, o->version, o->version) ||
	    tlsk_config_set_groups(c.cfg, o->client_groups) ||
	    tlsk_config_set_tls13_suites(c.cfg, "TLS_AES_128_GCM_SHA256") ||
	    tlsk_config_set_tls12_ciphers(c.cfg,
					  "ECDHE-ECDSA-AES128-GCM-SHA256:"
					  "ECDHE-RSA-AES128-GCM-SHA256") ||
	    tlsk_config_set_verify(c.cfg, TLSK_VERIFY_NONE))
		die("cannot configure the tlsk client");
	/* the first handshake is full and gives the session to resume */
	client_handshake(&c, &peer, false, false, &warm);
	for (unsigned i = 0; i < o->warmup; i++)
		client_handshake(&c, &peer, false, o->resumed, &warm);
	for (unsigned i = 0; i < o->count; i++)
		client_handshake(&c, &peer, true, o->resumed, &cpu);
	OPENSSL_cleanse(c.session, sizeof(c.session));
	tlsk_config_free(c.cfg);
	SSL_CTX_free(peer.ctx);
	return cpu;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fputs("usage: tlsk-hscost --server tlsk|openssl|floor --cert CHAIN.pem "
	      "--key KEY.pem\n"
	      "       tlsk-hscost --client tlsk --cert CHAIN.pem --key KEY.pem\n"
	      "         [--tls 1.3|1.2] [--resumed] [--group x25519]\n"
	      "         [--count N] [--warmup N]\n"
	      "Server-side CPU of N handshakes against a libssl client in "
	      "this process\n(--client tlsk: libtlsk's client-side CPU against "
	      "a libssl server);\nsee the comment at the top of hscost.c.\n",
	      f);
}

static unsigned parse_count(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max) {
		fprintf(stderr, "tlsk-hscost: bad number %s\n", s);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'C' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "tls", required_argument, NULL, 't' },
		{ "resumed", no_argument, NULL, 'r' },
		{ "group", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.server = SRV_TLSK, .version = TLS1_3_VERSION,
		.group = "x25519", .count = 100, .warmup = 3,
	};
	struct server s = { 0 };
	SSL_SESSION *sess = NULL;
	SSL_CTX *cctx;
	double cpu = 0, warm_cpu = 0;
	char client_groups[64];
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (!strcmp(optarg, "tlsk"))
				o.server = SRV_TLSK;
			else if (!strcmp(optarg, "openssl"))
				o.server = SRV_OPENSSL;
			else if (!strcmp(optarg, "floor"))
				o.server = SRV_FLOOR;
			else
				goto bad;
			break;
		case 'C':
			if (strcmp(optarg, "tlsk") != 0)
				goto bad;
			o.client_side = true;
			break;
		case 'c': o.cert = optarg; break;
		case 'k': o.key = optarg; break;
		case 't':
			if (!strcmp(optarg, "1.3"))
				o.version = TLS1_3_VERSION;
			else if (!strcmp(optarg, "1.2"))
				o.version = TLS1_2_VERSION;
			else
				goto bad;
			break;
		case 'r': o.resumed = true; break;
		case 'g': o.group = optarg; break;
		case 'n': o.count = parse_count(optarg, 1000000); break;
		case 'w': o.warmup = parse_count(optarg, 1000); break;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (optind != argc || !o.cert || !o.key || !o.count)
		goto bad;

	/* a TLS 1.2 client must list its ECDSA peer's curve (RFC 8422 5.1) */
	snprintf(client_groups, sizeof(client_groups), "%s%s", o.group,
		 strcmp(o.group, "P-256") ? ":P-256" : "");
	o.client_groups = client_groups;
	if (o.client_side) {
		cpu = client_run(&o);
		printf("client=tlsk tls=%s mode=%s group=%s count=%u "
		       "client_cpu_us=%.1f\n",
		       o.version == TLS1_3_VERSION ? "1.3" : "1.2",
		       o.resumed ? "resumed" : "full", o.group, o.count,
		       cpu * 1e6 / o.count);
		return 0;
	}
	if (o.server == SRV_FLOOR) {
		cpu = floor_run(&o);
		goto out;
	}
	server_setup(&s, &o);
	cctx = client_setup(&o);
	/* the first handshake is full and gives the session to resume */
	handshake(&s, cctx, &sess, false, false, &warm_cpu);
	if (!o.resumed) {
		SSL_SESSION_free(sess);
		sess = NULL;
	}
	for (unsigned i = 0; i < o.warmup; i++) {
		SSL_SESSION *none = NULL;

		handshake(&s, cctx, o.resumed ? &sess : &none, false,
			  o.resumed, &warm_cpu);
		SSL_SESSION_free(none);
	}
	for (unsigned i = 0; i < o.count; i++) {
		SSL_SESSION *none = NULL;

		handshake(&s, cctx, o.resumed ? &sess : &none, true,
			  o.resumed, &cpu);
		SSL_SESSION_free(none);
	}
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	SSL_CTX_free(s.ctx);
	tlsk_config_free(s.cfg);
out:
	printf("server=%s tls=%s mode=%s group=%s count=%u "
	       "server_cpu_us=%.1f\n",
	       o.server == SRV_TLSK ? "tlsk" :
	       o.server == SRV_OPENSSL ? "openssl" : "floor",
	       o.version == TLS1_3_VERSION ? "1.3" : "1.2",
	       o.resumed ? "resumed" : "full", o.group, o.count,
	       cpu * 1e6 / o.count);
	return 0;
bad:
	usage(stderr);
	return 2;
}
