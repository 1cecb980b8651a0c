// SPDX-License-Identifier: MIT
/*
 * The hand-off and the driver against OpenSSL over TCP, once per record
 * layer: "tlsk" (tlsk.ko), "tls" (in-tree kTLS) and the userspace fallback.
 *
 *   handoff_*:  libssl client and libssl server do the handshake; the
 *               server's socket is then handed to the record layer with
 *               keys recomputed from libssl's secrets (every version x AEAD).
 *   engine_server_*: our engine and driver as the server, a libssl client.
 *   engine_client_*: our engine and driver as the client, a libssl server
 *               that sends its tickets and data at once.
 *               Both for TLS 1.3 and TLS 1.2 (the suites the engine has).
 *   *_auto:     tlsk only, with TLSK_HANDOFF_KERNEL_REKEY: the kernel
 *               follows KeyUpdates itself, against libssl and against our
 *               own engine on the userspace record layer (the latter with
 *               the keys locked too, as tlskd hands sockets over).
 *   handoff_locked_*: the hand-off with TLSK_HANDOFF_LOCK_KEYS: on "tlsk"
 *               getsockopt(TLS_TX) shows no key material, "tls" (no lock)
 *               still takes the keys and shows them.
 *
 * The client's Finished and its first application data leave in ONE send(),
 * so they share a TCP segment: the server must stop at Finished, and the
 * data must come out of tlsk_conn_read() intact. Then 40 KB each way and
 * close_notify both ways.
 *
 * Meant for the VM (selftests/vm/run); on a host without the ULPs the
 * kernel variants SKIP, never pass.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tlsk.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "../../tests/tap.h"
#include "ssl_peer.h"
#include "testnet.h"
#include "tlsk/aead.h"
#include "tlsk/driver.h"
#include "tlsk/handoff.h"

static const struct variant *cur;
static const struct layer *cur_layer;
/* Added to the layer's hand-off flags by the *_auto tests. */
static unsigned int extra_flags;

struct server {
	SSL *ssl;
	int ok;
};

static void *server_accept(void *arg)
{
	struct server *s = arg;

	s->ok = SSL_accept(s->ssl) == 1;
	return NULL;
}

/*
 * The OpenSSL end: a pumped client (memory BIOs, see ssl_peer.h) or an
 * SSL on the socket itself.
 */
struct peer {
	SSL *ssl;
	struct pumped_client *pumped;
};

static int peer_write(struct peer *p, const void *buf, size_t len)
{
	if (SSL_write(p->ssl, buf, (int)len) != (int)len)
		return -1;
	return p->pumped ? pumped_client_send(p->pumped) : 0;
}

static int peer_read(struct peer *p, uint8_t *buf, size_t len)
{
	size_t got = 0;

	if (p->pumped)
		return pumped_client_read(p->pumped, buf, len);
	while (got < len) {
		int n = SSL_read(p->ssl, buf + got, (int)(len - got));

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Does the peer see our close_notify as a clean end? */
static int peer_sees_close(struct peer *p)
{
	uint8_t byte;

	if (p->pumped && pumped_client_receive(p->pumped))
		return 0;
	return SSL_read(p->ssl, &byte, 1) == 0 &&
	       SSL_get_error(p->ssl, 0) == SSL_ERROR_ZERO_RETURN;
}

static ssize_t conn_read_full(struct tlsk_conn *conn, uint8_t *buf,
			      size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t r = tlsk_conn_read(conn, buf + have, len - have);

		if (r <= 0)
			return r;
		have += (size_t)r;
	}
	return (ssize_t)have;
}

/*
 * After the hand-off: the peer's first data (sent right behind its last
 * handshake record) must read intact, then 40 KB each way, then
 * close_notify each way. Closes conn.
 */
static void exchange(struct peer *p, struct tlsk_conn *conn,
		     const char *first, size_t first_len)
{
	static uint8_t big[40000], got[40000];

	CHECK(tlsk_conn_ulp(conn) == cur_layer->ulp);
	CHECK(conn_read_full(conn, got, first_len) == (ssize_t)first_len);
	CHECK(!memcmp(got, first, first_len));

	fill_pattern(big, sizeof(big), 3);
	CHECK(tlsk_conn_write(conn, big, sizeof(big)) == sizeof(big));
	CHECK(peer_read(p, got, sizeof(big)) == 0);
	CHECK(!memcmp(got, big, sizeof(big)));

	fill_pattern(big, sizeof(big), 5);
	CHECK(peer_write(p, big, sizeof(big)) == 0);
	CHECK(conn_read_full(conn, got, sizeof(big)) == sizeof(big));
	CHECK(!memcmp(got, big, sizeof(big)));

	/* The peer's close_notify is an EOF for us, and ours for it. */
	SSL_shutdown(p->ssl);
	if (p->pumped)
		CHECK(pumped_client_send(p->pumped) == 0);
	CHECK(tlsk_conn_read(conn, got, sizeof(got)) == 0);
	CHECK(tlsk_conn_close(conn) == 0);
	CHECK(peer_sees_close(p));
}

static const char first_data[] = "data right behind Finished";

/*
 * 1 when getsockopt(TLS_TX) shows the holder of fd neither key nor salt
 * nor IV (tlsk with its keys locked), 0 when it shows them, -1 on error.
 */
static int tx_keys_hidden(int fd)
{
	const struct tlsk_aead_desc *d = tlsk_aead_lookup(cur->aead);
	union tlsk_crypto_info ci;
	socklen_t len = d ? (socklen_t)d->info_size : 0;
	const uint8_t *p = (const uint8_t *)&ci;
	unsigned int any = 0;

	if (!d || getsockopt(fd, SOL_TLS, TLS_TX, &ci, &len))
		return -1;
	for (size_t i = 0; i < d->key_len; i++)
		any |= p[d->info_key_off + i];
	for (size_t i = 0; i < d->info_salt_len; i++)
		any |= p[d->info_salt_off + i];
	for (size_t i = 0; i < d->info_iv_len; i++)
		any |= p[d->info_iv_off + i];
	OPENSSL_cleanse(&ci, sizeof(ci));
	return !any;
}

/* libssl on both ends of the handshake; then only the hand-off is ours. */
static void handoff_with_openssl_peer(void)
{
	SSL_CTX *cctx = ssl_peer_ctx(0, cur->version, cur->suite);
	SSL_CTX *sctx = ssl_peer_ctx(1, cur->version, cur->suite);
	struct tlsk_traffic_keys cw, sw;
	struct server srv = { .ssl = SSL_new(sctx) };
	struct pumped_client pc;
	struct peer peer = { .pumped = &pc };
	struct tlsk_conn *conn = NULL;
	pthread_t thread;
	int fds[2], err;

	ssl_peer_reset();
	CHECK(tcp_pair(fds) == 0);
	CHECK(pumped_client_new(&pc, cctx, fds[0]) == 0);
	peer.ssl = pc.ssl;
	SSL_set_fd(srv.ssl, fds[1]);
	pthread_create(&thread, NULL, server_accept, &srv);
	CHECK(pumped_client_handshake(&pc) == 0);
	/* Finished (still unsent for TLS 1.3) + data: one segment. */
	CHECK(peer_write(&peer, first_data, sizeof(first_data)) == 0);
	pthread_join(thread, NULL);
	CHECK(srv.ok);
	CHECK(ssl_peer_derive(pc.ssl, cur->aead, &cw, &sw) == 0);

	err = tlsk_conn_handoff(fds[1], &sw, &cw, cur_layer->flags | extra_flags,
				&conn);
	CHECK(err == 0);
	if (err) {
		printf("# hand-off: %s\n", strerror(-err));
		close(fds[1]);
	} else {
		if ((extra_flags & TLSK_HANDOFF_LOCK_KEYS) &&
		    cur_layer->ulp != TLSK_ULP_USER)
			CHECK(tx_keys_hidden(fds[1]) ==
			      (cur_layer->ulp == TLSK_ULP_TLSK));
		exchange(&peer, conn, first_data, sizeof(first_data));
	}
	OPENSSL_cleanse(&cw, sizeof(cw));
	OPENSSL_cleanse(&sw, sizeof(sw));
	close(fds[0]);
	pumped_client_free(&pc);
	SSL_free(srv.ssl);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	ERR_clear_error();
}

static void handoff_locked(void)
{
	extra_flags = TLSK_HANDOFF_LOCK_KEYS;
	handoff_with_openssl_peer();
	extra_flags = 0;
}

/* ---- our engine and driver against libssl ---- */

static char cert_path[64], key_path[64];

/* The engine loads PEM files: write a throwaway certificate once. */
static int write_test_cert(void)
{
	static char dir[] = "/tmp/tlsk-io-test.XXXXXX";
	EVP_PKEY *key;
	X509 *cert;
	FILE *c, *k;
	int ok;

	if (!mkdtemp(dir) || ssl_peer_self_signed(&key, &cert))
		return -1;
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	c = fopen(cert_path, "w");
	k = fopen(key_path, "w");
	ok = c && k && PEM_write_X509(c, cert) &&
	     PEM_write_PrivateKey(k, key, NULL, NULL, 0, NULL, NULL);
	if (c)
		fclose(c);
	if (k)
		fclose(k);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

static void remove_test_cert(void)
{
	char dir[64];

	unlink(cert_path);
	unlink(key_path);
	snprintf(dir, sizeof(dir), "%s", cert_path);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

static struct tlsk_config *engine_config(enum tlsk_role role)
{
	struct tlsk_config *cfg = tlsk_config_new();
	int err = !cfg;

	if (!err && role == TLSK_ROLE_SERVER)
		err = tlsk_config_add_cert(cfg, cert_path, key_path);
	if (!err)
		err = tlsk_config_set_verify(cfg, TLSK_VERIFY_NONE);
	if (!err)
		err = tlsk_config_set_versions(cfg, cur->version, cur->version);
	if (!err && cur->version == 0x0304)
		err = tlsk_config_set_tls13_suites(cfg, cur->suite);
	else if (!err)
		err = tlsk_config_set_tls12_ciphers(cfg, cur->suite);
	if (err) {
		printf("# engine config: %s\n", strerror(-err));
		tlsk_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct drive {
	struct tlsk_engine *e;
	int fd;
	struct tlsk_conn *conn;
	int err;
};

static void *drive_thread(void *arg)
{
	struct drive *d = arg;

	d->err = tlsk_drive(d->e, d->fd, 10000, cur_layer->flags | extra_flags,
			    &d->conn);
	return NULL;
}

/* One connection to our server; *sess (if not NULL) is offered and
 * replaced by the connection's session. */
static void server_connection(struct tlsk_config *cfg, SSL_CTX *cctx,
			      SSL_SESSION **sess, int expect_resumed)
{
	struct drive d = { .e = cfg ? tlsk_engine_new(cfg, TLSK_ROLE_SERVER) :
				      NULL };
	struct tlsk_session_info info;
	struct pumped_client pc;
	struct peer peer = { .pumped = &pc };
	pthread_t thread;
	int fds[2];

	CHECK(d.e != NULL && tcp_pair(fds) == 0);
	if (!d.e)
		return;
	d.fd = fds[1];
	CHECK(pumped_client_new(&pc, cctx, fds[0]) == 0);
	peer.ssl = pc.ssl;
	if (sess && *sess)
		CHECK(SSL_set_session(pc.ssl, *sess) == 1);
	pthread_create(&thread, NULL, drive_thread, &d);
	CHECK(pumped_client_handshake(&pc) == 0);
	CHECK(peer_write(&peer, first_data, sizeof(first_data)) == 0);
	pthread_join(thread, NULL);
	CHECK(d.err == 0);
	if (d.err)
		printf("# drive: %s\n", strerror(-d.err));
	CHECK(SSL_session_reused(pc.ssl) == expect_resumed);
	CHECK(!tlsk_engine_info(d.e, &info) &&
	      info.resumed == !!expect_resumed);
	if (sess) {
		SSL_SESSION_free(*sess);
		*sess = SSL_get1_session(pc.ssl);
	}
	if (d.conn)
		exchange(&peer, d.conn, first_data, sizeof(first_data));
	else
		close(fds[1]);
	close(fds[0]);
	pumped_client_free(&pc);
	tlsk_engine_free(d.e);
}

/* Our server: the client's Finished and first data share a segment. */
static void engine_server_with_openssl_client(void)
{
	struct tlsk_config *cfg = engine_config(TLSK_ROLE_SERVER);
	SSL_CTX *cctx = ssl_peer_ctx(0, cur->version, cur->suite);

	server_connection(cfg, cctx, NULL, 0);
	tlsk_config_free(cfg);
	SSL_CTX_free(cctx);
	ERR_clear_error();
}

/* TLS 1.2: a full handshake, then an abbreviated one by session ID (the
 * server's last message is then the client's Finished, not its own):
 * both hand off and carry data */
static void engine_server_resumed(void)
{
	struct tlsk_config *cfg = engine_config(TLSK_ROLE_SERVER);
	SSL_CTX *cctx = ssl_peer_ctx(0, cur->version, cur->suite);
	SSL_SESSION *sess = NULL;

	CHECK(cfg && !tlsk_config_set_session_cache(cfg, 4, 60));
	server_connection(cfg, cctx, &sess, 0);
	CHECK(sess != NULL);
	server_connection(cfg, cctx, &sess, 1);
	SSL_SESSION_free(sess);
	tlsk_config_free(cfg);
	SSL_CTX_free(cctx);
	ERR_clear_error();
}

/* Our engine as a client of a libssl server on the other end of fds. */
struct client_run {
	struct tlsk_config *cfg;
	SSL_CTX *sctx;
	struct drive d;
	struct peer peer;
	int fds[2];
};

/*
 * Connects and hands off; libssl's server sends its tickets and
 * first_data as soon as it has our Finished. The driver must have left all
 * of it in the socket. 0 when d.conn is ready (engine attached).
 */
static int client_run_start(struct client_run *r)
{
	pthread_t thread;

	memset(r, 0, sizeof(*r));
	r->fds[0] = r->fds[1] = -1;
	r->cfg = engine_config(TLSK_ROLE_CLIENT);
	r->sctx = ssl_peer_ctx(1, cur->version, cur->suite);
	r->d.e = r->cfg ? tlsk_engine_new(r->cfg, TLSK_ROLE_CLIENT) : NULL;
	r->peer.ssl = r->sctx ? SSL_new(r->sctx) : NULL;
	if (!r->d.e || !r->peer.ssl || tcp_pair(r->fds))
		return -1;
	SSL_clear_options(r->peer.ssl, SSL_OP_NO_TICKET);
	SSL_set_num_tickets(r->peer.ssl, 2);
	SSL_set_fd(r->peer.ssl, r->fds[1]);
	r->d.fd = r->fds[0];
	pthread_create(&thread, NULL, drive_thread, &r->d);
	CHECK(SSL_accept(r->peer.ssl) == 1);
	CHECK(peer_write(&r->peer, first_data, sizeof(first_data)) == 0);
	pthread_join(thread, NULL);
	if (r->d.err)
		printf("# drive: %s\n", strerror(-r->d.err));
	if (!r->d.conn)
		return -1;
	r->fds[0] = -1;		/* the connection owns it */
	tlsk_conn_attach_engine(r->d.conn, r->d.e);
	return 0;
}

static void client_run_end(struct client_run *r)
{
	if (r->fds[0] >= 0)
		close(r->fds[0]);
	if (r->fds[1] >= 0)
		close(r->fds[1]);
	tlsk_engine_free(r->d.e);
	tlsk_config_free(r->cfg);
	SSL_free(r->peer.ssl);
	SSL_CTX_free(r->sctx);
	ERR_clear_error();
}

/* Tickets after the hand-off reach the engine through the record layer. */
static void engine_client_with_openssl_server(void)
{
	uint8_t session[8192];
	size_t session_len = sizeof(session);
	struct client_run r;

	CHECK(client_run_start(&r) == 0);
	if (r.d.conn) {
		exchange(&r.peer, r.d.conn, first_data, sizeof(first_data));
		CHECK(tlsk_engine_get_session(r.d.e, session,
					      &session_len) == 0);
	}
	OPENSSL_cleanse(session, sizeof(session));
	client_run_end(&r);
}

/*
 * RFC 8446 4.6.3: the server updates its keys and requests ours; we must
 * read its data under the new keys, answer with our own KeyUpdate and
 * write under new keys too. Twice, so the second update starts from the
 * keys the first one made.
 */
static void key_update_rounds(struct client_run *r)
{
	static const char ping[] = "after a key update", pong[] = "reply";
	uint8_t got[64];

	CHECK(!r->d.conn ||
	      conn_read_full(r->d.conn, got, sizeof(first_data)) ==
	      sizeof(first_data));
	for (int round = 0; r->d.conn && round < 2; round++) {
		CHECK(SSL_key_update(r->peer.ssl, SSL_KEY_UPDATE_REQUESTED));
		CHECK(peer_write(&r->peer, ping, sizeof(ping)) == 0);
		CHECK(conn_read_full(r->d.conn, got, sizeof(ping)) ==
		      sizeof(ping));
		CHECK(!memcmp(got, ping, sizeof(ping)));
		CHECK(tlsk_conn_write(r->d.conn, pong, sizeof(pong)) ==
		      sizeof(pong));
		CHECK(peer_read(&r->peer, got, sizeof(pong)) == 0);
		CHECK(!memcmp(got, pong, sizeof(pong)));
	}
}

static void engine_client_key_update(void)
{
	struct client_run r;

	CHECK(client_run_start(&r) == 0);
	key_update_rounds(&r);
	if (r.d.conn)
		tlsk_conn_close(r.d.conn);
	client_run_end(&r);
}

/* Does tlsk hold this direction's traffic secret (automatic rekey)? */
static int kernel_has_secret(int fd, int optname)
{
	struct tlsk_secret s;
	socklen_t len = sizeof(s);

	return !getsockopt(fd, SOL_TLS, optname, &s, &len) && s.hash != 0;
}

/*
 * The same with the secrets in tlsk: the kernel follows the server's
 * KeyUpdates and answers them, the library never sees one (its copy of
 * the RX keys stays the first), and the data still flows.
 */
static void engine_client_key_update_auto(void)
{
	struct tlsk_traffic_keys first;
	struct client_run r;

	extra_flags = TLSK_HANDOFF_KERNEL_REKEY;
	CHECK(client_run_start(&r) == 0);
	extra_flags = 0;
	if (r.d.conn) {
		int fd = tlsk_conn_fd(r.d.conn);

		CHECK(kernel_has_secret(fd, TLSK_TX_SECRET));
		CHECK(kernel_has_secret(fd, TLSK_RX_SECRET));
		first = *tlsk_conn_keys(r.d.conn, TLSK_DIR_RX);
		key_update_rounds(&r);
		CHECK(!memcmp(tlsk_conn_keys(r.d.conn, TLSK_DIR_RX)->secret,
			      first.secret, first.secret_len));
		tlsk_keys_scrub(&first);
		tlsk_conn_close(r.d.conn);
	}
	client_run_end(&r);
}

/* Both ends ours: a driver with its own hand-off flags. */
struct pair_drive {
	struct tlsk_engine *e;
	int fd;
	unsigned int flags;
	struct tlsk_conn *conn;
	int err;
};

static void *pair_drive_thread(void *arg)
{
	struct pair_drive *d = arg;

	d->err = tlsk_drive(d->e, d->fd, 10000, d->flags, &d->conn);
	return NULL;
}

/*
 * Our engine on both ends: the client, on the userspace record layer,
 * sends KeyUpdate(update_requested) itself and switches its TX keys; the
 * server's socket is tlsk with the secrets and is read and written with
 * plain recv()/send(), like a service that never heard of KeyUpdate.
 * tlsk's answers move the client's RX keys once per round.
 */
static void engine_pair_key_update_auto(void)
{
	static const uint8_t ku[] = { 24, 0, 0, 1, 1 };
	static const char ping[] = "ping under the next key", pong[] = "pong";
	struct tlsk_config *scfg = engine_config(TLSK_ROLE_SERVER);
	struct tlsk_config *ccfg = engine_config(TLSK_ROLE_CLIENT);
	struct pair_drive s = {
		.e = scfg ? tlsk_engine_new(scfg, TLSK_ROLE_SERVER) : NULL,
		.flags = cur_layer->flags | TLSK_HANDOFF_KERNEL_REKEY |
			 TLSK_HANDOFF_LOCK_KEYS,
	};
	struct pair_drive c = {
		.e = ccfg ? tlsk_engine_new(ccfg, TLSK_ROLE_CLIENT) : NULL,
		.flags = TLSK_HANDOFF_USER_ONLY,
	};
	struct tlsk_traffic_keys rx;
	pthread_t ts, tc;
	uint8_t got[64];
	int fds[2] = { -1, -1 }, fd;

	CHECK(s.e && c.e && tcp_pair(fds) == 0);
	if (!s.e || !c.e || fds[0] < 0)
		goto out;
	c.fd = fds[0];
	s.fd = fds[1];
	pthread_create(&ts, NULL, pair_drive_thread, &s);
	pthread_create(&tc, NULL, pair_drive_thread, &c);
	pthread_join(ts, NULL);
	pthread_join(tc, NULL);
	CHECK(s.err == 0 && c.err == 0 && s.conn && c.conn);
	if (!s.conn || !c.conn)
		goto out;
	fds[0] = fds[1] = -1;	/* the connections own them */
	fd = tlsk_conn_fd(s.conn);
	CHECK(tlsk_conn_ulp(s.conn) == TLSK_ULP_TLSK);
	CHECK(tlsk_conn_ulp(c.conn) == TLSK_ULP_USER);
	CHECK(kernel_has_secret(fd, TLSK_TX_SECRET));
	CHECK(kernel_has_secret(fd, TLSK_RX_SECRET));
	CHECK(tx_keys_hidden(fd) == 1);
	tlsk_conn_attach_engine(c.conn, c.e);
	rx = *tlsk_conn_keys(c.conn, TLSK_DIR_RX);
	for (int round = 0; round < 3; round++) {
		struct tlsk_traffic_keys k = *tlsk_conn_keys(c.conn, TLSK_DIR_TX);

		CHECK(tlsk_conn_send_handshake(c.conn, ku, sizeof(ku)) == 0);
		CHECK(tlsk_keys_next(&k) == 0);
		CHECK(tlsk_conn_rekey(c.conn, TLSK_DIR_TX, &k) == 0);
		tlsk_keys_scrub(&k);
		CHECK(tlsk_conn_write(c.conn, ping, sizeof(ping)) ==
		      sizeof(ping));
		CHECK(recv(fd, got, sizeof(ping), MSG_WAITALL) ==
		      sizeof(ping));
		CHECK(!memcmp(got, ping, sizeof(ping)));
		CHECK(send(fd, pong, sizeof(pong), 0) == sizeof(pong));
		CHECK(conn_read_full(c.conn, got, sizeof(pong)) ==
		      sizeof(pong));
		CHECK(!memcmp(got, pong, sizeof(pong)));
		/* One KeyUpdate from tlsk per request. */
		CHECK(tlsk_keys_next(&rx) == 0);
		CHECK(!memcmp(tlsk_conn_keys(c.conn, TLSK_DIR_RX)->secret,
			      rx.secret, rx.secret_len));
	}
	tlsk_keys_scrub(&rx);
out:
	if (c.conn)
		tlsk_conn_close(c.conn);
	if (s.conn)
		tlsk_conn_close(s.conn);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	tlsk_engine_free(s.e);
	tlsk_engine_free(c.e);
	tlsk_config_free(scfg);
	tlsk_config_free(ccfg);
}

struct reader {
	struct tlsk_conn *conn;
	ssize_t ret;
};

static void *read_thread(void *arg)
{
	struct reader *rd = arg;
	uint8_t buf[64];

	rd->ret = tlsk_conn_read(rd->conn, buf, sizeof(buf));
	return NULL;
}

/*
 * TLS 1.2 renegotiation after the hand-off (docs/tls12.md): the server's
 * HelloRequest reaches the engine through the record layer, which
 * answers with a no_renegotiation WARNING. libssl reports a warning
 * no_renegotiation as SSL_R_NO_RENEGOTIATION (a fatal one would be
 * SSL_R_TLSV1_ALERT_NO_RENEGOTIATION) and gives up the connection.
 */
static void engine_client_refuses_renegotiation(void)
{
	uint8_t got[64];
	struct client_run r;
	struct reader rd = { 0 };
	pthread_t thread;
	unsigned long e;

	CHECK(client_run_start(&r) == 0);
	CHECK(!r.d.conn || conn_read_full(r.d.conn, got, sizeof(first_data)) ==
				   sizeof(first_data));
	if (r.d.conn) {
		rd.conn = r.d.conn;
		pthread_create(&thread, NULL, read_thread, &rd);
		CHECK(SSL_renegotiate(r.peer.ssl) == 1);
		CHECK(SSL_do_handshake(r.peer.ssl) == 1);
		CHECK(SSL_read(r.peer.ssl, got, sizeof(got)) <= 0);
		e = ERR_peek_last_error();
		CHECK(ERR_GET_REASON(e) == SSL_R_NO_RENEGOTIATION);
		if (ERR_GET_REASON(e) != SSL_R_NO_RENEGOTIATION)
			printf("# libssl: %s\n", ERR_error_string(e, NULL));
		shutdown(r.fds[1], SHUT_RDWR);
		pthread_join(thread, NULL);
		tlsk_conn_close(r.d.conn);
	}
	client_run_end(&r);
}

/* The engine has no TLS 1.2 CCM suite (tls12_suites.c) */
static int engine_has(const struct variant *v)
{
	return v->version == 0x0304 || v->aead != TLSK_AEAD_AES_128_CCM;
}

/* tls13_only: 1 skips the TLS 1.2 variants, 2 those the engine does
 * not speak, 3 also TLS 1.3's; rekey: SKIP kernel layers that cannot
 * take new keys, and 2 runs on "tlsk" only (its automatic rekey). */
static void run_matrix(const char *what, void (*fn)(void), int tls13_only,
		       int rekey)
{
	char name[96];

	for (size_t l = 0; l < test_layer_count; l++) {
		const char *why = "ULP not available on this kernel "
				  "(run it in selftests/vm)";
		int present = layer_available(&test_layers[l]);

		if (rekey == 2 && test_layers[l].ulp != TLSK_ULP_TLSK)
			continue;
		if (present && rekey && test_layers[l].ulp != TLSK_ULP_USER &&
		    !ulp_can_rekey(test_layers[l].name)) {
			present = 0;
			why = "this kernel's ULP refuses new keys (a second "
			      "TLS_TX), so it cannot follow a KeyUpdate";
		}

		cur_layer = &test_layers[l];
		for (size_t v = 0; v < test_variant_count; v++) {
			cur = &test_variants[v];
			if ((tls13_only == 1 && cur->version != 0x0304) ||
			    (tls13_only >= 2 && !engine_has(cur)) ||
			    (tls13_only == 3 && cur->version != 0x0303))
				continue;
			snprintf(name, sizeof(name), "%s_%s %s", what,
				 cur_layer->name, cur->name);
			if (present)
				tap_run(name, fn);
			else
				tap_skip(name, why);
		}
	}
}

int main(void)
{
	int have_cert = write_test_cert() == 0;

	run_matrix("handoff", handoff_with_openssl_peer, 0, 0);
	run_matrix("handoff_locked", handoff_locked, 1, 0);
	if (have_cert) {
		run_matrix("engine_server", engine_server_with_openssl_client,
			   2, 0);
		run_matrix("engine_client", engine_client_with_openssl_server,
			   2, 0);
		run_matrix("engine_key_update", engine_client_key_update, 1, 1);
		run_matrix("engine_key_update_auto",
			   engine_client_key_update_auto, 1, 2);
		run_matrix("engine_pair_key_update_auto",
			   engine_pair_key_update_auto, 1, 2);
		run_matrix("engine_server_resumed", engine_server_resumed,
			   3, 0);
		run_matrix("engine_no_renegotiation",
			   engine_client_refuses_renegotiation, 3, 0);
		remove_test_cert();
	}
	return tap_done();
}
