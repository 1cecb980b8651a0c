// SPDX-License-Identifier: MIT
#include "cert.h"

#include <errno.h>
#include <stdio.h>

#include <openssl/x509v3.h>

#include "alerts.h"

const struct cfg_cert *cert_for_name(const struct tlsk_config *cfg,
				     const char *name)
{
	if (!cfg->ncerts)
		return NULL;
	for (size_t i = 0; name && *name && i < cfg->ncerts; i++)
		if (X509_check_host(cfg->certs[i].leaf, name, 0, 0, NULL) == 1)
			return &cfg->certs[i];
	return &cfg->certs[0];
}

bool cert_allows_key_encipherment(X509 *leaf)
{
	return !(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) ||
	       (X509_get_key_usage(leaf) & KU_KEY_ENCIPHERMENT);
}

bool cert_allows_digital_signature(X509 *leaf)
{
	return !(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) ||
	       (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE);
}

/* RFC 8446 6.2: the alert that names what is wrong with a chain */
static uint8_t alert_for_verify_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return ALERT_CERTIFICATE_EXPIRED;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return ALERT_UNKNOWN_CA;
	case X509_V_ERR_CERT_REVOKED:
		return ALERT_CERTIFICATE_REVOKED;
	case X509_V_ERR_INVALID_PURPOSE:
		return ALERT_UNSUPPORTED_CERTIFICATE;
	default:
		return ALERT_BAD_CERTIFICATE;
	}
}

int cert_verify_peer(const struct tlsk_config *cfg, X509 *leaf,
		     STACK_OF(X509) *chain, const char *host, int peer_is_server,
		     struct cert_failure *fail)
{
	X509_STORE_CTX *ctx;
	X509_STORE *store = cfg->store;
	X509_VERIFY_PARAM *param;
	int ok = 0, err = X509_V_ERR_UNSPECIFIED;

	/* No anchors configured: nothing to verify against, and no file is
	 * read here (tlsk_config_load_system_ca() is the explicit way). */
	if (!store) {
		fail->alert = ALERT_UNKNOWN_CA;
		snprintf(fail->why, sizeof(fail->why),
			 "no CA configured to verify the peer's certificate");
		return -EKEYREJECTED;
	}
	if (cfg->no_verify_name)
		host = NULL;
	ctx = X509_STORE_CTX_new();
	if (ctx && X509_STORE_CTX_init(ctx, store, leaf, chain)) {
		param = X509_STORE_CTX_get0_param(ctx);
		X509_VERIFY_PARAM_set_purpose(param, peer_is_server ?
					      X509_PURPOSE_SSL_SERVER :
					      X509_PURPOSE_SSL_CLIENT);
		/* RFC 6125: a name is matched against DNS names, an
		 * address literal against IP addresses */
		if (host && *host && !X509_VERIFY_PARAM_set1_ip_asc(param, host))
			X509_VERIFY_PARAM_set1_host(param, host, 0);
		ok = X509_verify_cert(ctx) == 1;
		err = X509_STORE_CTX_get_error(ctx);
	}
	X509_STORE_CTX_free(ctx);
	if (ok)
		return 0;
	fail->alert = alert_for_verify_error(err);
	if (err == X509_V_ERR_HOSTNAME_MISMATCH)
		snprintf(fail->why, sizeof(fail->why),
			 "certificate does not match host name \"%s\"", host);
	else if (fail->alert == ALERT_UNKNOWN_CA)
		snprintf(fail->why, sizeof(fail->why),
			 "certificate issuer unknown: %s",
			 X509_verify_cert_error_string(err));
	else
		snprintf(fail->why, sizeof(fail->why), "certificate: %s",
			 X509_verify_cert_error_string(err));
	return -EKEYREJECTED;
}
