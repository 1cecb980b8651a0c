# SPDX-License-Identifier: MIT
#
# io/: what runs around the handshake engine. The userspace record layer,
# the kernel hand-off (TCP_ULP "tlsk", else "tls", else userspace) and the
# socket driver; all part of libtlsk.a. Tests may link libssl as an
# independent implementation to check ours against; the library never does.

LIBTLSK_SRCS += io/aead.c io/record.c io/handoff.c io/conn.c io/driver.c \
	io/post_handshake.c

IO_TESTS := io-record-test io-handoff-test io-driver-test
HOST_TESTS += $(IO_TESTS)

$(eval $(call program,io-record-test,\
	io/tests/record_test.c io/tests/ssl_peer.c io/tests/testnet.c,-lssl))
$(eval $(call program,io-handoff-test,\
	io/tests/handoff_test.c io/tests/testnet.c))
# The driver against a scripted fake engine (defined in the test).
$(eval $(call program,io-driver-test,\
	io/tests/driver_test.c io/tests/testnet.c))

# Also the VM hand-off test: on a host without the ULPs it runs the
# userspace variant and SKIPs the kernel ones.
IO_TESTS += io-handoff-kernel-test
HOST_TESTS += io-handoff-kernel-test
$(eval $(call program,io-handoff-kernel-test,\
	io/tests/handoff_kernel_test.c io/tests/ssl_peer.c io/tests/testnet.c,\
	-lssl -lpthread))

# Fatal alerts after the hand-off (RFC 8446 6.2), tickets and 2^14-byte
# records on every userspace record layer: hostile-peer (a client that
# misbehaves after its handshake, with its own AES-GCM) against
# tlsk-server, tlsk-httpd and tlskd's relay.
$(eval $(call program,hostile-peer,io/tests/hostile_peer.c))
HOST_TESTS += io-alerts-e2e-test
$(BUILD)/bin/io-alerts-e2e-test: io/tests/alerts_e2e.sh \
		$(addprefix $(BUILD)/bin/,hostile-peer tlsk-server tlsk-httpd \
		tlskd tlskd-test-lib.sh)
	@mkdir -p $(@D)
	cp $< $@
