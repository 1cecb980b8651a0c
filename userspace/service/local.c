// SPDX-License-Identifier: MIT
/*
 * tlsk_handshake_local(): the engine in the calling process. Kernel TLS
 * when the host has it (the fd stays a plain socket; on tlsk.ko with its
 * keys locked, as tlskd leaves it), else libtlsk's userspace record layer
 * through res->conn.
 */
#include <errno.h>
#include <string.h>

#include "service_int.h"
#include "tlsk/driver.h"

#define LOCAL_DEFAULT_TIMEOUT_MS	30000

static int handoff(struct tlsk_engine *e, int fd, struct tlsk_result *res)
{
	int rc = tlsk_install_kernel_keys(e, fd, TLSK_HANDOFF_LOCK_KEYS |
					  TLSK_HANDOFF_SEND_ALERTS);

	if (rc >= 0) {
		res->ulp = (uint8_t)rc;
		return 0;
	}
	if (rc != -ENOPROTOOPT)
		return rc;
	res->ulp = TLSK_ULP_USER;
	return tlsk_engine_handoff(e, fd, TLSK_HANDOFF_USER_ONLY, &res->conn);
}

int tlsk_handshake_local(int fd, const struct tlsk_config *cfg,
			 const struct tlsk_params *params,
			 struct tlsk_result *res)
{
	int timeout = params->timeout_ms > 0 ? params->timeout_ms :
		      LOCAL_DEFAULT_TIMEOUT_MS;
	struct tlsk_engine *e;
	int rc;

	memset(res, 0, sizeof(*res));
	res->alert = TLSK_ALERT_NONE;
	e = tlsk_engine_new(cfg, params->role);
	if (!e) {
		tlsk_result_fail(res, -ENOMEM, "cannot create a TLS engine");
		return -ENOMEM;
	}
	rc = 0;
	if (params->server_name && *params->server_name)
		rc = tlsk_engine_set_server_name(e, params->server_name);
	if (!rc)
		rc = tlsk_drive_handshake(e, fd, timeout);
	tlsk_result_from_engine(res, e, rc);
	if (!rc) {
		rc = handoff(e, fd, res);
		if (rc)
			tlsk_result_fail(res, rc, "cannot install the keys");
	}
	tlsk_engine_free(e);
	return rc ? -res->status : 0;
}
