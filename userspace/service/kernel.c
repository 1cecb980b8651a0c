// SPDX-License-Identifier: MIT
/*
 * Key installation for a socket that is not ours to keep: tlskd (and local
 * mode) attach the kernel record layer to the service's socket and then
 * simply close their descriptor, so the hand-off must not take the fd over
 * (tlsk_conn_close() would send close_notify on the service's connection).
 */
#include <string.h>

#include "service_int.h"
#include "tlsk/driver.h"

int tlsk_install_kernel_keys(const struct tlsk_engine *e, int fd,
			     unsigned int flags)
{
	struct tlsk_traffic_keys tx, rx;
	int rc;

	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	rc = tlsk_engine_export_keys(e, TLSK_DIR_TX, &tx);
	if (!rc)
		rc = tlsk_engine_export_keys(e, TLSK_DIR_RX, &rx);
	if (!rc)
		rc = tlsk_kernel_install(fd, &tx, &rx, flags);
	tlsk_keys_scrub(&tx);
	tlsk_keys_scrub(&rx);
	return rc;
}
