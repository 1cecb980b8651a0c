// SPDX-License-Identifier: MIT
/*
 * TLS 1.2 steps both roles share (RFC 5246): which versions and suites the
 * config allows, the key block, ChangeCipherSpec and Finished as table
 * steps, and refusing renegotiation after the handshake.
 */
#include "engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ext.h"
#include "tls12_handlers.h"
#include "tls12_keys.h"
#include "tls12_msgs.h"

bool tls13_enabled(const struct tlsk_config *cfg)
{
	return cfg->version_min <= 0x0304 && cfg->version_max >= 0x0304 &&
	       cfg->nsuites > 0;
}

bool tls12_enabled(const struct tlsk_config *cfg)
{
	return cfg->version_min <= 0x0303 && cfg->version_max >= 0x0303 &&
	       cfg->ntls12_suites > 0;
}

/* in the cipher list and, for RSA key transport, enabled by the profile
 * (the list parser already insists on that; this holds for lists set
 * before tlsk_config_enable_rsa_kx too) */
bool tls12_suite_configured(const struct tlsk_config *cfg, uint16_t id)
{
	const struct tls12_suite *s = tls12_suite_by_id(id);

	if (!s || (s->needs_profile && !cfg->rsa_kx_enabled))
		return false;
	for (size_t i = 0; i < cfg->ntls12_suites; i++)
		if (cfg->tls12_suites[i] == id)
			return true;
	return false;
}

/* NSS key log format for TLS 1.2: CLIENT_RANDOM <random> <master> */
static void keylog12(const struct tlsk_engine *e)
{
	char line[14 + 64 + 1 + 2 * TLS12_MASTER_LEN + 1];
	size_t n;

	if (!e->cfg->keylog)
		return;
	n = (size_t)snprintf(line, sizeof(line), "CLIENT_RANDOM ");
	for (size_t i = 0; i < 32; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x",
				      e->client_random[i]);
	line[n++] = ' ';
	for (size_t i = 0; i < TLS12_MASTER_LEN; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x",
				      e->secret[i]);
	line[n] = 0;
	e->cfg->keylog(e->cfg->keylog_arg, line);
	OPENSSL_cleanse(line, sizeof(line));
}

/* RFC 7627 4: the master secret from the premaster and the session hash
 * (the transcript through ClientKeyExchange, which it ends with now);
 * with a peer that does not do EMS, RFC 5246 8.1's from the randoms */
int tls12_derive_master(struct tlsk_engine *e, const uint8_t *pms,
			size_t pms_len)
{
	uint8_t th[TLSK_MAX_HASH_LEN];
	int bad = e->no_ems ?
		  tls12_master_secret(engine_md(e), pms, pms_len,
				      e->client_random, e->server_random,
				      e->secret) :
		  tr_hash(&e->tr, engine_md(e), th) ||
		  tls12_extended_master_secret(engine_md(e), pms, pms_len, th,
					       engine_hash_len(e), e->secret);

	OPENSSL_cleanse(th, sizeof(th));
	if (bad)
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "master secret derivation failed");
	return 0;
}

/* RFC 5246 6.3: both directions' keys from the master secret */
int tls12_derive_keys(struct tlsk_engine *e)
{
	if (tls12_traffic_keys(e->suite12, e->secret, e->client_random,
			       e->server_random, &e->tls12_cw, &e->tls12_sw))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO,
			    "key block derivation failed");
	keylog12(e);
	return 0;
}

void tls12_scrub(struct tlsk_engine *e)
{
	tlsk_keys_scrub(&e->tls12_cw);
	tlsk_keys_scrub(&e->tls12_sw);
}

/* RFC 5246 7.1: our CCS switches our write keys, the peer's its */
int tls12_write_ccs(struct tlsk_engine *e, struct rd *body)
{
	const struct tlsk_traffic_keys *k = e->role == TLSK_ROLE_CLIENT ?
					    &e->tls12_cw : &e->tls12_sw;

	(void)body;
	if (send_ccs(e))
		return e->err;
	if (hs_prot_set_keys(&e->tx, k, true))
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM,
			    "cannot install write keys");
	return 0;
}

int tls12_read_ccs(struct tlsk_engine *e, struct rd *body)
{
	const struct tlsk_traffic_keys *k = e->role == TLSK_ROLE_CLIENT ?
					    &e->tls12_sw : &e->tls12_cw;

	(void)body;
	e->rx_epoch++;
	if (hs_prot_set_keys(&e->rx, k, false))
		return fail(e, ALERT_INTERNAL_ERROR, -ENOMEM,
			    "cannot install read keys");
	return 0;
}

/* RFC 5246 7.4.9 */
int tls12_write_finished(struct tlsk_engine *e, struct rd *body)
{
	uint8_t th[TLSK_MAX_HASH_LEN], vd[TLS12_VERIFY_DATA_LEN];
	struct buf b = { 0 };
	int ret;

	(void)body;
	if (tr_hash(&e->tr, engine_md(e), th) ||
	    tls12_finished(engine_md(e), e->secret,
			   e->role == TLSK_ROLE_SERVER, th, engine_hash_len(e),
			   vd))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "Finished");
	buf_put(&b, vd, sizeof(vd));
	ret = send_handshake(e, HS_FINISHED, &b);
	buf_free(&b);
	if (!ret && e->role == TLSK_ROLE_SERVER)
		ret = tls12_server_finished_sent(e);
	return ret;
}

/* constant time (CRYPTO_memcmp inside tls12_finished_check) */
int tls12_read_finished(struct tlsk_engine *e, struct rd *body)
{
	uint8_t th[TLSK_MAX_HASH_LEN];
	size_t len = rd_left(body);
	const uint8_t *p = rd_bytes(body, len);
	int ret;

	if (tr_hash_before_last(&e->tr, engine_md(e), th))
		return fail(e, ALERT_INTERNAL_ERROR, -EIO, "transcript hash");
	ret = tls12_finished_check(engine_md(e), e->secret,
				   e->role == TLSK_ROLE_CLIENT, th,
				   engine_hash_len(e), p, len);
	if (ret == -EBADMSG)
		return fail(e, ALERT_DECODE_ERROR, ret,
			    "Finished of the wrong length");
	if (ret)
		return fail(e, ALERT_DECRYPT_ERROR, -EBADMSG,
			    "peer's Finished does not verify");
	/* the server's Finished proves the session: keep it */
	return e->role == TLSK_ROLE_CLIENT ? tls12_client_keep_session(e) : 0;
}

/* RFC 5246 7.4.1.1, RFC 5746 4.2/4.4: renegotiation is refused with a
 * no_renegotiation warning; anything else is fatal. -ECANCELED tells
 * the caller the alert is a warning and the connection carries on. */
int tls12_post_handshake(struct tlsk_engine *e, uint8_t type,
			 const uint8_t *body, size_t len, uint8_t *alert)
{
	bool fatal;

	(void)body;
	if (type == TLS12_HS_HELLO_REQUEST && len) {
		*alert = ALERT_DECODE_ERROR;
		return -EBADMSG;
	}
	tls12_refuse_post_handshake(type, e->role == TLSK_ROLE_SERVER, &fatal,
				    alert);
	return fatal ? -EPROTO : -ECANCELED;
}

